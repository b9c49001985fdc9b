//! The function table: what a call of a source function becomes on each target, as data, each
//! entry with the vendor's documentation. `rules::function_names` reads it before a call's
//! arguments are converted (a rename, or a refusal of what is not listed); `rules::templates`
//! after (a template over the converted arguments). A call whose meaning depends on its
//! arguments' types (MySQL's CONCAT, IF, GROUP_CONCAT) is marked `ByRule` and rewritten by the
//! named rule in `rules.rs`.

use crate::dialect::Dialect;
use Dialect::*;

/// What a call becomes on the target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Becomes {
    /// The same call.
    Same,
    /// Another name, same arguments.
    Name(&'static str),
    /// A template over the converted arguments `{0}`, `{1}`, ...: taken only with exactly as
    /// many arguments as it names.
    Template(&'static str),
    /// Rewritten by the rule of this name in `rules.rs`, after its arguments are converted.
    ByRule(&'static str),
    /// No equivalent ferry vouches for.
    Nothing,
}

/// One entry: a source function (lower case), the sources it is read from (empty: every
/// source), the target, what it becomes there, and the documentation that says so.
pub struct Function {
    pub name: &'static str,
    pub from: &'static [Dialect],
    pub to: Dialect,
    pub becomes: Becomes,
    pub doc: &'static str,
}

const fn f(
    name: &'static str,
    from: &'static [Dialect],
    to: Dialect,
    becomes: Becomes,
    doc: &'static str,
) -> Function {
    Function {
        name,
        from,
        to,
        becomes,
        doc,
    }
}

use Becomes::{ByRule, Name, Template};

/// Functions that exist with the same meaning on MySQL, PostgreSQL and SQLite.
pub const PORTABLE: &[&str] = &[
    "abs", "avg", "coalesce", "count", "lower", "ltrim", "max", "min", "nullif", "replace",
    "round", "rtrim", "sum", "trim", "upper",
];

const ANY: &[Dialect] = &[];
const MYSQL: &[Dialect] = &[Mysql];
/// Sources whose CONCAT skips NULL arguments.
const CONCAT_SKIPS_NULLS: &[Dialect] = &[Postgres, SqlServer, Oracle];

const MY_STRINGS: &str = "https://mariadb.com/kb/en/string-functions/";
const MY_CONCAT: &str = "https://mariadb.com/kb/en/concat/";
const PG_STRINGS: &str = "https://www.postgresql.org/docs/15/functions-string.html";
const PG_AGGREGATES: &str = "https://www.postgresql.org/docs/15/functions-aggregate.html";
const SQLITE_CORE: &str = "https://sqlite.org/lang_corefunc.html";
const SQLITE_AGGREGATES: &str = "https://sqlite.org/lang_aggfunc.html";

/// The table. Where a name has several entries for one target, the one naming the source wins
/// over one for every source (`lookup`).
#[rustfmt::skip] // a table, one entry a line
pub const FUNCTIONS: &[Function] = &[
    // IFNULL(a, b) is COALESCE(a, b) (https://mariadb.com/kb/en/ifnull/).
    f("ifnull", ANY, Postgres, Name("coalesce"), PG_STRINGS),
    f("ifnull", ANY, Mysql, Name("ifnull"), "https://mariadb.com/kb/en/ifnull/"),
    f("ifnull", ANY, Sqlite, Name("ifnull"), SQLITE_CORE),
    f("ifnull", ANY, Oracle, Name("nvl"), "https://docs.oracle.com/en/database/oracle/oracle-database/19/sqlrf/NVL.html"),
    f("ifnull", ANY, SqlServer, Name("coalesce"), "https://learn.microsoft.com/en-us/sql/t-sql/language-elements/coalesce-transact-sql"),
    f("nvl", ANY, Postgres, Name("coalesce"), PG_STRINGS),
    f("nvl", ANY, Mysql, Name("coalesce"), "https://mariadb.com/kb/en/coalesce/"),
    f("nvl", ANY, Sqlite, Name("coalesce"), SQLITE_CORE),
    f("nvl", ANY, Oracle, Name("nvl"), "https://docs.oracle.com/en/database/oracle/oracle-database/19/sqlrf/NVL.html"),
    f("nvl", ANY, SqlServer, Name("coalesce"), "https://learn.microsoft.com/en-us/sql/t-sql/language-elements/coalesce-transact-sql"),
    // MySQL's CONCAT is NULL when an argument is: `||` keeps that rule on PostgreSQL and on
    // SQLite, whose concat() (3.44 and later only) skips NULLs (rules `mysql_concat_postgres`,
    // `mysql_concat_sqlite`).
    f("concat", MYSQL, Postgres, ByRule("mysql_concat_postgres"), MY_CONCAT),
    f("concat", MYSQL, Sqlite, ByRule("mysql_concat_sqlite"), MY_CONCAT),
    // PostgreSQL's, SQL Server's and Oracle's CONCAT skip NULLs; SQLite before 3.44 has no
    // concat() (rule `concat_skipping_nulls`).
    f("concat", CONCAT_SKIPS_NULLS, Sqlite, ByRule("concat_skipping_nulls"), "https://sqlite.org/releaselog/3_44_0.html"),
    // CONCAT: PostgreSQL 9.1+, MySQL.
    f("concat", ANY, Postgres, Name("concat"), PG_STRINGS),
    f("concat", ANY, Mysql, Name("concat"), MY_CONCAT),
    f("now", ANY, Postgres, Name("now"), "https://www.postgresql.org/docs/15/functions-datetime.html"),
    f("now", ANY, Mysql, Name("now"), "https://mariadb.com/kb/en/now/"),
    // SQLite's CURRENT_TIMESTAMP is a keyword, not a call, and tells the time in UTC
    // (https://sqlite.org/lang_createtable.html#the_default_clause), as a column's DEFAULT
    // CURRENT_TIMESTAMP does there; MySQL's NOW() tells it in the session's zone.
    f("now", MYSQL, Sqlite, Template("CURRENT_TIMESTAMP"), "https://sqlite.org/lang_createtable.html#the_default_clause"),
    f("now", ANY, SqlServer, Name("getdate"), "https://learn.microsoft.com/en-us/sql/t-sql/functions/getdate-transact-sql"),
    f("current_timestamp", ANY, Postgres, Name("current_timestamp"), "https://www.postgresql.org/docs/15/functions-datetime.html"),
    f("current_timestamp", ANY, Mysql, Name("current_timestamp"), "https://mariadb.com/kb/en/current_timestamp/"),
    f("current_timestamp", ANY, Sqlite, Name("current_timestamp"), "https://sqlite.org/lang_createtable.html#the_default_clause"),
    f("current_timestamp", ANY, SqlServer, Name("current_timestamp"), "https://learn.microsoft.com/en-us/sql/t-sql/functions/current-timestamp-transact-sql"),
    f("current_timestamp", ANY, Oracle, Name("current_timestamp"), "https://docs.oracle.com/en/database/oracle/oracle-database/19/sqlrf/CURRENT_TIMESTAMP.html"),
    f("char_length", ANY, Postgres, Name("char_length"), PG_STRINGS),
    f("char_length", ANY, Mysql, Name("char_length"), "https://mariadb.com/kb/en/char_length/"),
    f("char_length", ANY, Sqlite, Name("length"), SQLITE_CORE),
    // MySQL's LENGTH (OCTET_LENGTH) counts bytes (https://mariadb.com/kb/en/length/); SQLite's
    // length() counts the bytes of a BLOB, and a text cast to BLOB is its UTF-8 bytes.
    f("length", MYSQL, Postgres, Name("octet_length"), PG_STRINGS),
    f("length", MYSQL, Sqlite, Template("length(CAST({0} AS BLOB))"), SQLITE_CORE),
    f("octet_length", MYSQL, Postgres, Name("octet_length"), PG_STRINGS),
    f("octet_length", MYSQL, Sqlite, Template("length(CAST({0} AS BLOB))"), SQLITE_CORE),
    // UCASE and LCASE are MySQL's synonyms of UPPER and LOWER (https://mariadb.com/kb/en/ucase/).
    f("ucase", MYSQL, Postgres, Name("upper"), PG_STRINGS),
    f("ucase", MYSQL, Sqlite, Name("upper"), SQLITE_CORE),
    f("lcase", MYSQL, Postgres, Name("lower"), PG_STRINGS),
    f("lcase", MYSQL, Sqlite, Name("lower"), SQLITE_CORE),
    f("substr", ANY, Postgres, Name("substr"), PG_STRINGS),
    f("substr", ANY, Mysql, Name("substr"), MY_STRINGS),
    f("substr", ANY, Sqlite, Name("substr"), SQLITE_CORE),
    // MySQL's IF(c, a, b) is CASE WHEN c THEN a ELSE b END (https://mariadb.com/kb/en/if-function/);
    // PostgreSQL wants a boolean condition (rules `if_to_case_postgres`, `if_to_case_sqlite`).
    f("if", MYSQL, Postgres, ByRule("if_to_case_postgres"), "https://www.postgresql.org/docs/15/functions-conditional.html"),
    f("if", MYSQL, Sqlite, ByRule("if_to_case_sqlite"), "https://sqlite.org/lang_expr.html#the_case_expression"),
    // GROUP_CONCAT([DISTINCT] x [ORDER BY k] [SEPARATOR s]) (https://mariadb.com/kb/en/group_concat/):
    // string_agg on PostgreSQL, group_concat on SQLite (rules `group_concat_postgres`,
    // `group_concat_sqlite`).
    f("group_concat", MYSQL, Postgres, ByRule("group_concat_postgres"), PG_AGGREGATES),
    f("group_concat", MYSQL, Sqlite, ByRule("group_concat_sqlite"), SQLITE_AGGREGATES),
    // MySQL's dates (https://mariadb.com/kb/en/date-time-functions/) on PostgreSQL
    // (https://www.postgresql.org/docs/15/functions-datetime.html). TO_DAYS counts days from
    // year 0, which has 366 of them in MySQL's calendar (TO_DAYS('0001-01-01') is 366).
    f("to_days", MYSQL, Postgres, Template("(CAST({0} AS date) - DATE '0001-01-01' + 366)"), "https://mariadb.com/kb/en/to_days/"),
    f("current_date", MYSQL, Postgres, Template("CURRENT_DATE"), "https://mariadb.com/kb/en/curdate/"),
    f("curdate", MYSQL, Postgres, Template("CURRENT_DATE"), "https://mariadb.com/kb/en/curdate/"),
    f("date", MYSQL, Postgres, Template("CAST({0} AS date)"), "https://mariadb.com/kb/en/date-function/"),
    f("year", MYSQL, Postgres, Template("CAST(EXTRACT(YEAR FROM {0}) AS integer)"), "https://mariadb.com/kb/en/year/"),
    f("month", MYSQL, Postgres, Template("CAST(EXTRACT(MONTH FROM {0}) AS integer)"), "https://mariadb.com/kb/en/month/"),
    f("last_day", MYSQL, Postgres, Template("CAST(date_trunc('month', {0}) + INTERVAL '1 month - 1 day' AS date)"), "https://mariadb.com/kb/en/last_day/"),
    // MOD(a, b) takes the sign of a on both (https://mariadb.com/kb/en/mod/).
    f("mod", MYSQL, Postgres, Name("mod"), "https://www.postgresql.org/docs/15/functions-math.html"),
    // DATE_ADD / DATE_SUB of an INTERVAL (rule `mysql_interval_postgres` spells the interval):
    // a timestamp on PostgreSQL, where MySQL gives a DATE for a DATE and whole days or months.
    f("date_add", MYSQL, Postgres, Template("({0} + {1})"), "https://mariadb.com/kb/en/date_add/"),
    f("date_sub", MYSQL, Postgres, Template("({0} - {1})"), "https://mariadb.com/kb/en/date_sub/"),
    // STR_TO_DATE with a literal format of %Y %m %d %H %i %s (rule `str_to_date_postgres`).
    f("str_to_date", MYSQL, Postgres, ByRule("str_to_date_postgres"), "https://mariadb.com/kb/en/str_to_date/"),
    // SQL Server's GETDATE() (https://learn.microsoft.com/en-us/sql/t-sql/functions/getdate-transact-sql).
    f("getdate", ANY, Postgres, Name("now"), "https://www.postgresql.org/docs/15/functions-datetime.html"),
    f("getdate", ANY, Mysql, Name("now"), "https://mariadb.com/kb/en/now/"),
    f("getdate", ANY, SqlServer, Name("getdate"), "https://learn.microsoft.com/en-us/sql/t-sql/functions/getdate-transact-sql"),
    // SQL Server's NEWID() (https://learn.microsoft.com/en-us/sql/t-sql/functions/newid-transact-sql);
    // gen_random_uuid() is built into PostgreSQL 13 and later.
    f("newid", ANY, Postgres, Name("gen_random_uuid"), "https://www.postgresql.org/docs/15/functions-uuid.html"),
    f("newid", ANY, SqlServer, Name("newid"), "https://learn.microsoft.com/en-us/sql/t-sql/functions/newid-transact-sql"),
    // SQL Server's ISNULL(value, replacement) (https://learn.microsoft.com/en-us/sql/t-sql/functions/isnull-transact-sql);
    // MySQL's ISNULL(x) is a test, so it becomes IFNULL there.
    f("isnull", ANY, Postgres, Name("coalesce"), PG_STRINGS),
    f("isnull", ANY, Mysql, Name("ifnull"), "https://mariadb.com/kb/en/ifnull/"),
    f("isnull", ANY, Sqlite, Name("ifnull"), SQLITE_CORE),
    f("isnull", ANY, Oracle, Name("nvl"), "https://docs.oracle.com/en/database/oracle/oracle-database/19/sqlrf/NVL.html"),
];

/// What a call of `name` (any case) read from `from` becomes on `to`: the entry naming the
/// source first, then one for every source; None when the table has no entry.
pub fn lookup(name: &str, from: Dialect, to: Dialect) -> Option<&'static Function> {
    let lower = name.to_ascii_lowercase();
    let mut entries = FUNCTIONS
        .iter()
        .filter(|e| e.name == lower && e.to == to && (e.from.is_empty() || e.from.contains(&from)));
    let first = entries.next()?;
    if first.from.is_empty() {
        // An entry naming the source, listed later, wins.
        Some(entries.find(|e| !e.from.is_empty()).unwrap_or(first))
    } else {
        Some(first)
    }
}

/// What a call becomes on the target: the same call where the engines agree (or source and
/// target are one engine), else the table's entry; `Nothing` when the table has none.
pub fn becomes(name: &str, from: Dialect, to: Dialect) -> Becomes {
    let lower = name.to_ascii_lowercase();
    if from == to || PORTABLE.contains(&lower.as_str()) {
        return Becomes::Same;
    }
    lookup(&lower, from, to).map_or(Becomes::Nothing, |e| e.becomes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every entry cites a vendor page, and no two entries for one name, source set and target
    /// compete (the first would hide the second).
    #[test]
    fn entries_cite_the_vendor_and_do_not_shadow_each_other() {
        for (i, e) in FUNCTIONS.iter().enumerate() {
            assert!(e.doc.starts_with("https://"), "{} has no link", e.name);
            for later in &FUNCTIONS[i + 1..] {
                assert!(
                    !(later.name == e.name && later.to == e.to && later.from == e.from),
                    "{} -> {} is listed twice",
                    e.name,
                    e.to
                );
            }
            if let Becomes::Template(t) = e.becomes {
                assert!(
                    !t.contains("{1}") || t.contains("{0}"),
                    "{}: a template skips {{0}}",
                    e.name
                );
            }
        }
    }

    /// A call kept for a rule is rewritten by that rule, for that pair.
    #[test]
    fn every_rule_named_exists_for_its_pair() {
        for e in FUNCTIONS {
            let Becomes::ByRule(name) = e.becomes else {
                continue;
            };
            let sources: Vec<Dialect> = if e.from.is_empty() {
                vec![Mysql, Postgres, Sqlite, SqlServer, Oracle]
            } else {
                e.from.to_vec()
            };
            for from in sources.into_iter().filter(|f| *f != e.to) {
                assert!(
                    super::super::rules::rules_for(from, e.to, super::super::rules::When::Post)
                        .any(|r| r.name == name),
                    "{} from {from} to {}: no rule {name}",
                    e.name,
                    e.to
                );
            }
        }
    }

    #[test]
    fn the_entry_naming_the_source_wins() {
        assert_eq!(
            becomes("CONCAT", Mysql, Sqlite),
            ByRule("mysql_concat_sqlite"),
            "MySQL's CONCAT is NULL-propagating"
        );
        assert_eq!(
            becomes("concat", SqlServer, Sqlite),
            ByRule("concat_skipping_nulls")
        );
        assert_eq!(becomes("concat", SqlServer, Postgres), Name("concat"));
        assert_eq!(becomes("length", Postgres, Sqlite), Becomes::Nothing);
        assert_eq!(becomes("sum", Oracle, Sqlite), Becomes::Same);
    }
}
