//! Same-length repairs: phrases sqlparser 0.63 cannot read (../shared/SQLPARSER-GAPS.md),
//! replaced by text of the same length that it can, so that every offset still points at the
//! original text. `parse::sql::parse_one` applies the repair for the place a parse stopped at and
//! retries; each repair becomes a diagnostic saying what was lost.

use std::borrow::Cow;

use crate::diag::{Code, codes};
use crate::dialect::Dialect;

use super::sql::find_word;

/// One repair: replace `start..end` of the statement's text by `replacement` (same length).
pub struct Repair {
    pub start: usize,
    pub end: usize,
    pub replacement: String,
    pub code: &'static Code,
    pub note: Cow<'static, str>,
}

impl Repair {
    /// A repair whose finding is `code`, with `note` saying what the replacement loses.
    fn new(
        code: &'static Code,
        start: usize,
        end: usize,
        replacement: String,
        note: impl Into<Cow<'static, str>>,
    ) -> Repair {
        Repair {
            start,
            end,
            replacement,
            code,
            note: note.into(),
        }
    }
}

/// Phrases sqlparser 0.63 cannot read (../shared/SQLPARSER-GAPS.md) with a same-length
/// replacement it can, and what the replacement loses. When a parse fails at one, the phrase is
/// replaced (so offsets still point at the original text) and the parse retried.
/// MySQL BINARY: <https://dev.mysql.com/doc/refman/8.0/en/string-type-syntax.html>;
/// ZEROFILL: <https://dev.mysql.com/doc/refman/8.0/en/numeric-type-attributes.html>;
/// PostgreSQL 18 virtual generated columns: <https://www.postgresql.org/docs/18/ddl-generated-columns.html>.
const REPAIRS: &[(Dialect, &str, &str, &Code, &str)] = &[
    (
        Dialect::Mysql,
        "BINARY",
        "      ",
        &codes::ATTRIBUTE_DROPPED,
        "the column attribute BINARY (a binary collation) is dropped: comparisons follow the target column's collation",
    ),
    (
        Dialect::Mysql,
        "ZEROFILL",
        "        ",
        &codes::ATTRIBUTE_DROPPED,
        "the column attribute ZEROFILL (display padding) is dropped: stored values are unchanged",
    ),
    (
        Dialect::Postgres,
        "VIRTUAL",
        "STORED ",
        &codes::GENERATED_COLUMN_STORED,
        "a VIRTUAL generated column (PostgreSQL 18) is read as STORED, the only kind PostgreSQL 15 has",
    ),
    (
        Dialect::Postgres,
        "WITH NO DATA",
        "            ",
        &codes::MATERIALIZED_VIEW_CHANGED,
        "WITH NO DATA is dropped: the materialized view is created populated",
    ),
];

/// What follows a physical clause's keyword.
#[derive(Clone, Copy)]
enum ClauseArg {
    None,
    /// One word, number or quoted name: `ON [PRIMARY]`, `TABLESPACE users`, `PCTFREE 10`.
    Word,
    /// A parenthesised list: `WITH (PAD_INDEX = OFF)`, `STORAGE (INITIAL 64K)`.
    Parens,
}

/// Storage and physical clauses sqlparser cannot read, which say how the source server stores
/// data, not what the data is: each is blanked (same length) with a note when a parse stops at it.
/// SQL Server: <https://learn.microsoft.com/en-us/sql/t-sql/statements/create-table-transact-sql>
/// (`ON filegroup`, `TEXTIMAGE_ON`, `WITH (table_option)`, CLUSTERED / NONCLUSTERED) and
/// <https://learn.microsoft.com/en-us/sql/t-sql/statements/alter-table-transact-sql>
/// (`WITH CHECK | NOCHECK`: whether rows already there are checked). Oracle:
/// <https://docs.oracle.com/en/database/oracle/oracle-database/19/sqlrf/physical_attributes_clause.html>,
/// <https://docs.oracle.com/en/database/oracle/oracle-database/19/sqlrf/storage_clause.html>.
const PHYSICAL_CLAUSES: &[(Dialect, &str, ClauseArg, &Code, &str)] = &[
    (
        Dialect::SqlServer,
        "NONCLUSTERED",
        ClauseArg::None,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "NONCLUSTERED (how the index is stored) is dropped",
    ),
    (
        Dialect::SqlServer,
        "CLUSTERED",
        ClauseArg::None,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "CLUSTERED (rows stored in key order) is dropped: the target stores rows its own way",
    ),
    // Replication settings of identities, foreign keys and checks
    // (https://learn.microsoft.com/en-us/sql/relational-databases/replication/control-constraints-identities-and-triggers-with-not-for-replication).
    (
        Dialect::SqlServer,
        "NOT FOR REPLICATION",
        ClauseArg::None,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "NOT FOR REPLICATION is dropped: the target has no replication agents to exempt",
    ),
    (
        Dialect::SqlServer,
        "SPARSE",
        ClauseArg::None,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "SPARSE (storage of mostly-NULL columns) is dropped",
    ),
    (
        Dialect::SqlServer,
        "WITH NOCHECK",
        ClauseArg::None,
        &codes::CONSTRAINT_NOW_CHECKED,
        "WITH NOCHECK (rows already there are not checked) is dropped: the target checks the constraint",
    ),
    (
        Dialect::SqlServer,
        "WITH CHECK",
        ClauseArg::None,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "WITH CHECK is dropped: the target checks the constraint",
    ),
    (
        Dialect::SqlServer,
        "WITH",
        ClauseArg::Parens,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "storage options WITH (...) are dropped",
    ),
    (
        Dialect::SqlServer,
        "TEXTIMAGE_ON",
        ClauseArg::Word,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "the filegroup clause TEXTIMAGE_ON is dropped",
    ),
    (
        Dialect::SqlServer,
        "ON",
        ClauseArg::Word,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "the filegroup clause ON ... is dropped",
    ),
    (
        Dialect::SqlServer,
        "ROWGUIDCOL",
        ClauseArg::None,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "ROWGUIDCOL (the table's row GUID marker) is dropped",
    ),
    (
        Dialect::Oracle,
        "TABLESPACE",
        ClauseArg::Word,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "the TABLESPACE clause is dropped",
    ),
    // https://www.postgresql.org/docs/15/sql-createindex.html: where the server keeps the
    // index (or, after `WITH (...)`, the table).
    (
        Dialect::Postgres,
        "TABLESPACE",
        ClauseArg::Word,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "the TABLESPACE clause is dropped",
    ),
    (
        Dialect::Oracle,
        "ENABLE ROW MOVEMENT",
        ClauseArg::None,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "ENABLE ROW MOVEMENT is dropped",
    ),
    (
        Dialect::Oracle,
        "DISABLE ROW MOVEMENT",
        ClauseArg::None,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "DISABLE ROW MOVEMENT is dropped",
    ),
    // Index and table organisation (https://docs.oracle.com/en/database/oracle/oracle-database/19/sqlrf/CREATE-INDEX.html,
    // https://docs.oracle.com/en/database/oracle/oracle-database/19/sqlrf/CREATE-TABLE.html):
    // how rows and keys are stored.
    (
        Dialect::Oracle,
        "BITMAP",
        ClauseArg::None,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "BITMAP is dropped: the target builds its default index",
    ),
    (
        Dialect::Oracle,
        "LOCAL",
        ClauseArg::None,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "LOCAL (an index per partition) is dropped",
    ),
    (
        Dialect::Oracle,
        "REVERSE",
        ClauseArg::None,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "REVERSE (a reverse-key index) is dropped",
    ),
    (
        Dialect::Oracle,
        "ORGANIZATION INDEX",
        ClauseArg::None,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "ORGANIZATION INDEX (rows stored in the primary key's index) is dropped",
    ),
    (
        Dialect::Oracle,
        "ORGANIZATION HEAP",
        ClauseArg::None,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "ORGANIZATION HEAP is dropped",
    ),
    // Constraint states (https://docs.oracle.com/en/database/oracle/oracle-database/19/sqlrf/constraint.html,
    // constraint_state): ENABLE VALIDATE is what every target does. `CREATE OR REPLACE FORCE
    // VIEW` creates a view whose tables are missing
    // (https://docs.oracle.com/en/database/oracle/oracle-database/19/sqlrf/CREATE-VIEW.html).
    (
        Dialect::Oracle,
        "ENABLE",
        ClauseArg::None,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "ENABLE (the constraint's default state) is dropped",
    ),
    (
        Dialect::Oracle,
        "VALIDATE",
        ClauseArg::None,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "VALIDATE (the constraint's default state) is dropped",
    ),
    (
        Dialect::Oracle,
        "NOVALIDATE",
        ClauseArg::None,
        &codes::CONSTRAINT_NOW_CHECKED,
        "NOVALIDATE is dropped: the target checks the rows already there too",
    ),
    (
        Dialect::Oracle,
        "DISABLE",
        ClauseArg::None,
        &codes::CONSTRAINT_NOW_CHECKED,
        "DISABLE is dropped: the constraint is enforced on the target",
    ),
    (
        Dialect::Oracle,
        "RELY",
        ClauseArg::None,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "RELY is dropped",
    ),
    (
        Dialect::Oracle,
        "NORELY",
        ClauseArg::None,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "NORELY is dropped",
    ),
    (
        Dialect::Oracle,
        "NOFORCE",
        ClauseArg::None,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "NOFORCE is dropped",
    ),
    (
        Dialect::Oracle,
        "FORCE",
        ClauseArg::None,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "FORCE is dropped: the view is created after what it selects from",
    ),
    (
        Dialect::Oracle,
        "EDITIONABLE",
        ClauseArg::None,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "EDITIONABLE is dropped",
    ),
    (
        Dialect::Oracle,
        "NONEDITIONABLE",
        ClauseArg::None,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "NONEDITIONABLE is dropped",
    ),
    (
        Dialect::Oracle,
        "PCTFREE",
        ClauseArg::Word,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "the physical attribute PCTFREE is dropped",
    ),
    (
        Dialect::Oracle,
        "PCTUSED",
        ClauseArg::Word,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "the physical attribute PCTUSED is dropped",
    ),
    (
        Dialect::Oracle,
        "INITRANS",
        ClauseArg::Word,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "the physical attribute INITRANS is dropped",
    ),
    (
        Dialect::Oracle,
        "MAXTRANS",
        ClauseArg::Word,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "the physical attribute MAXTRANS is dropped",
    ),
    (
        Dialect::Oracle,
        "STORAGE",
        ClauseArg::Parens,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "the STORAGE (...) clause is dropped",
    ),
    (
        Dialect::Oracle,
        "NOLOGGING",
        ClauseArg::None,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "NOLOGGING is dropped",
    ),
    (
        Dialect::Oracle,
        "LOGGING",
        ClauseArg::None,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "LOGGING is dropped",
    ),
    (
        Dialect::Oracle,
        "NOCOMPRESS",
        ClauseArg::None,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "NOCOMPRESS is dropped",
    ),
    (
        Dialect::Oracle,
        "COMPRESS",
        ClauseArg::None,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "COMPRESS (table compression) is dropped",
    ),
    (
        Dialect::Oracle,
        "NOCACHE",
        ClauseArg::None,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "NOCACHE is dropped",
    ),
    (
        Dialect::Oracle,
        "NOPARALLEL",
        ClauseArg::None,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "NOPARALLEL is dropped",
    ),
    (
        Dialect::Oracle,
        "PARALLEL",
        ClauseArg::None,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "PARALLEL is dropped",
    ),
    (
        Dialect::Oracle,
        "NOMONITORING",
        ClauseArg::None,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "NOMONITORING is dropped",
    ),
    (
        Dialect::Oracle,
        "MONITORING",
        ClauseArg::None,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "MONITORING is dropped",
    ),
    (
        Dialect::Oracle,
        "SEGMENT CREATION IMMEDIATE",
        ClauseArg::None,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "SEGMENT CREATION is dropped",
    ),
    (
        Dialect::Oracle,
        "SEGMENT CREATION DEFERRED",
        ClauseArg::None,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "SEGMENT CREATION is dropped",
    ),
];

/// Whether `rest` starts with `phrase` (words separated by any whitespace) as whole words;
/// returns the length matched.
pub fn starts_with_phrase(rest: &str, phrase: &str) -> Option<usize> {
    let mut at = 0;
    for (i, word) in phrase.split(' ').enumerate() {
        if i > 0 {
            let gap = rest[at..].len() - rest[at..].trim_start().len();
            if gap == 0 {
                return None;
            }
            at += gap;
        }
        let part = rest.get(at..at + word.len())?;
        if !part.eq_ignore_ascii_case(word) {
            return None;
        }
        at += word.len();
    }
    let next = rest[at..].chars().next();
    (!next.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')).then_some(at)
}

/// Length of the clause argument at the start of `rest` (after leading whitespace).
fn clause_arg_len(rest: &str, arg: ClauseArg) -> Option<usize> {
    let gap = rest.len() - rest.trim_start().len();
    let body = &rest[gap..];
    let len = match arg {
        ClauseArg::None => return Some(0),
        ClauseArg::Word => match body.chars().next()? {
            '[' => body.find(']')? + 1,
            '"' => body[1..].find('"')? + 2,
            c if c.is_ascii_alphanumeric() || c == '_' => body
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '$'))
                .unwrap_or(body.len()),
            _ => return None,
        },
        ClauseArg::Parens => {
            if !body.starts_with('(') {
                return None;
            }
            let mut depth = 0usize;
            let mut end = None;
            for (i, c) in body.char_indices() {
                match c {
                    '(' => depth += 1,
                    ')' => {
                        depth -= 1;
                        if depth == 0 {
                            end = Some(i + 1);
                            break;
                        }
                    }
                    _ => {}
                }
            }
            end?
        }
    };
    Some(gap + len)
}

/// Whether the parentheses of `text` close, outside quotes.
fn balanced(text: &str) -> bool {
    let mut depth = 0i64;
    let mut quoted = false;
    for c in text.chars() {
        match c {
            '\'' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => depth -= 1,
            _ => {}
        }
        if depth < 0 {
            return false;
        }
    }
    depth == 0 && !quoted
}

/// Whether `text` holds a comma outside parentheses and quotes.
fn has_top_level_comma(text: &str) -> bool {
    let mut depth = 0usize;
    let mut quoted = false;
    for c in text.chars() {
        match c {
            '\'' | '"' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => depth = depth.saturating_sub(1),
            ',' if !quoted && depth == 0 => return true,
            _ => {}
        }
    }
    false
}

/// Spaces for `text`, one per byte (a multi-byte character becomes as many spaces as it has
/// bytes, so later offsets stay file offsets), newlines kept (so line numbers stay right).
fn blank(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b == b'\n' || b == b'\r' {
                b as char
            } else {
                ' '
            }
        })
        .collect()
}

/// A physical clause at `at` (or, in SQL Server, CLUSTERED after the UNIQUE where the parse
/// stopped), blanked.
fn physical_clause_at(text: &str, at: usize, dialect: Dialect) -> Option<Repair> {
    let rest = text.get(at..)?;
    // `CREATE UNIQUE NONCLUSTERED INDEX`: the parse stops at UNIQUE.
    let at = match starts_with_phrase(rest, "UNIQUE") {
        Some(n) if dialect == Dialect::SqlServer => {
            at + n + rest[n..].len() - rest[n..].trim_start().len()
        }
        _ => at,
    };
    // The parse may also stop after the clause's keyword, at its argument (`STORAGE (`).
    let before = text[..at].trim_end();
    let word_len = before.len()
        - before
            .trim_end_matches(|c: char| c.is_ascii_alphanumeric() || c == '_')
            .len();
    for start in [at, before.len() - word_len] {
        let rest = &text[start..];
        for (d, phrase, arg, code, note) in PHYSICAL_CLAUSES {
            if *d != dialect {
                continue;
            }
            let Some(n) = starts_with_phrase(rest, phrase) else {
                continue;
            };
            let Some(m) = clause_arg_len(&rest[n..], *arg) else {
                continue;
            };
            let end = start + n + m;
            if end <= at {
                continue;
            }
            return Some(Repair::new(
                code,
                start,
                end,
                blank(&text[start..end]),
                *note,
            ));
        }
    }
    None
}

/// Oracle phrases the parse stops at (`rest` is the text from there).
fn oracle_repair(text: &str, at: usize) -> Option<Repair> {
    let rest = text.get(at..)?;
    let before = text[..at].trim_end();
    // `NUMBER(*, s)`: `*` is the largest precision, 38
    // (https://docs.oracle.com/en/database/oracle/oracle-database/19/sqlrf/Data-Types.html, NUMBER).
    // Read as the word `X`, which lowering turns into 38.
    if rest.starts_with('*') && before.to_ascii_uppercase().ends_with("NUMBER(") {
        return Some(Repair::new(
            &codes::READ_AS_EQUIVALENT,
            at,
            at + 1,
            "X".to_string(),
            "the precision * of NUMBER is read as 38, its meaning",
        ));
    }
    // `LOB (c) STORE AS [SECUREFILE | BASICFILE] [name] [(...)]`: how large values are stored.
    if let Some(n) = starts_with_phrase(rest, "LOB")
        && let Some(cols) = clause_arg_len(&rest[n..], ClauseArg::Parens)
        && let Some(store) = {
            let r = &rest[n + cols..];
            let gap = r.len() - r.trim_start().len();
            starts_with_phrase(&r[gap..], "STORE AS").map(|m| gap + m)
        }
    {
        let mut len = n + cols + store;
        for _ in 0..2 {
            let r = &rest[len..];
            let gap = r.len() - r.trim_start().len();
            let word = r[gap..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '"'))
                .unwrap_or(r.len() - gap);
            if word == 0 {
                break;
            }
            len += gap + word;
        }
        len += clause_arg_len(&rest[len..], ClauseArg::Parens).unwrap_or(0);
        return Some(Repair::new(
            &codes::PHYSICAL_CLAUSE_DROPPED,
            at,
            at + len,
            blank(&rest[..len]),
            "the LOB storage clause is dropped",
        ));
    }
    // `ALTER TABLE t ADD (CONSTRAINT ...)`: one constraint in parentheses.
    if rest.starts_with('(')
        && before.to_ascii_uppercase().ends_with("ADD")
        && let Some(len) = clause_arg_len(rest, ClauseArg::Parens)
        && !has_top_level_comma(&rest[1..len - 1])
    {
        let mut replacement = " ".to_string();
        replacement.push_str(&rest[1..len - 1]);
        replacement.push(' ');
        return Some(Repair::new(
            &codes::READ_AS_EQUIVALENT,
            at,
            at + len,
            replacement,
            "the parentheses around the added constraint are dropped",
        ));
    }
    // Oracle `GENERATED BY DEFAULT ON NULL AS IDENTITY` (the parse stops at BY): a NULL
    // inserted explicitly also takes the next value
    // (https://docs.oracle.com/en/database/oracle/oracle-database/19/sqlrf/CREATE-TABLE.html,
    // identity_clause).
    if let Some(n) = starts_with_phrase(rest, "BY DEFAULT ON NULL") {
        let on = at + n - "ON NULL".len();
        return Some(Repair::new(
            &codes::IDENTITY_OPTION_DROPPED,
            on,
            at + n,
            blank(&text[on..at + n]),
            "ON NULL of an identity is dropped: an explicit NULL is refused instead of replaced by the next value",
        ));
    }
    // Oracle `TIMESTAMP[(p)] WITH LOCAL TIME ZONE` (the parse stops at LOCAL): one type, read as
    // `timestamp_ltz(p)` (p is 6 when not given,
    // https://docs.oracle.com/en/database/oracle/oracle-database/19/sqlrf/Data-Types.html).
    if let Some(n) = starts_with_phrase(rest, "LOCAL TIME ZONE")
        && let Some((start, precision)) = timestamp_with_before(text, at)
    {
        let end = at + n;
        let ty = format!("timestamp_ltz({})", precision.unwrap_or("6"));
        if ty.len() <= end - start {
            return Some(Repair::new(
                &codes::READ_AS_EQUIVALENT,
                start,
                end,
                format!("{ty:<width$}", width = end - start),
                "TIMESTAMP WITH LOCAL TIME ZONE is read as one word, `timestamp_ltz(p)`",
            ));
        }
    }
    // Oracle `LONG RAW` (the parse stops at RAW): one type of two words, read as `long_raw`.
    if starts_with_phrase(rest, "RAW").is_some()
        && text[..at].to_ascii_uppercase().ends_with("LONG ")
    {
        return Some(Repair::new(
            &codes::READ_AS_EQUIVALENT,
            at - 1,
            at,
            "_".to_string(),
            "LONG RAW is read as one word, `long_raw`",
        ));
    }
    // Oracle `INTERVAL YEAR[(p)] TO MONTH`, `INTERVAL DAY[(p)] TO SECOND[(s)]` (the parse stops
    // at YEAR or DAY): one type each, read as `interval_ym(p)` and `interval_ds(p,s)`, the
    // precisions that were not given at their defaults, 2 and 6
    // (https://docs.oracle.com/en/database/oracle/oracle-database/19/sqlrf/Data-Types.html).
    if let Some(r) = interval_with_fields(text, at) {
        return Some(r);
    }
    // Oracle `CHAR(20 CHAR)`, `VARCHAR2(10 BYTE)`: the length's unit
    // (https://docs.oracle.com/en/database/oracle/oracle-database/19/sqlrf/Data-Types.html,
    // "Length Semantics for Character Datatypes").
    {
        let before = text[..at].trim_end();
        let digits = before.len() - before.trim_end_matches(|c: char| c.is_ascii_digit()).len();
        let unit = ["CHAR", "BYTE"]
            .iter()
            .find_map(|u| starts_with_phrase(rest, u));
        if let Some(n) = unit
            && digits > 0
            && before[..before.len() - digits].trim_end().ends_with('(')
        {
            return Some(Repair::new(
                &codes::READ_AS_EQUIVALENT,
                at,
                at + n,
                " ".repeat(n),
                "the length unit (CHAR or BYTE) is dropped: the target's length counts characters, which holds the value either way",
            ));
        }
    }
    None
}

/// `TIMESTAMP[(p)] WITH ` just before `at`: where TIMESTAMP starts, and p when given.
fn timestamp_with_before(text: &str, at: usize) -> Option<(usize, Option<&str>)> {
    let before = text[..at].trim_end();
    let before = before
        .len()
        .checked_sub(4)
        .filter(|i| {
            before
                .get(*i..)
                .is_some_and(|w| w.eq_ignore_ascii_case("WITH"))
        })
        .map(|i| before[..i].trim_end())?;
    let (before, precision) = match before.strip_suffix(')') {
        Some(b) => {
            let open = b.rfind('(')?;
            let p = b[open + 1..].trim();
            if p.is_empty() || !p.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            (b[..open].trim_end(), Some(p))
        }
        None => (before, None),
    };
    let start = before.len().checked_sub("TIMESTAMP".len())?;
    let word = before.get(start..)?;
    let bounded =
        start == 0 || !before[..start].ends_with(|c: char| c.is_alphanumeric() || c == '_');
    (word.eq_ignore_ascii_case("TIMESTAMP") && bounded).then_some((start, precision))
}

/// The digits of `(n)` at the start of `rest` (after spaces), and the length up to `)`.
fn paren_number(rest: &str) -> Option<(&str, usize)> {
    let gap = rest.len() - rest.trim_start().len();
    let inner = rest[gap..].strip_prefix('(')?;
    let close = inner.find(')')?;
    let n = inner[..close].trim();
    (!n.is_empty() && n.bytes().all(|c| c.is_ascii_digit())).then_some((n, gap + close + 2))
}

/// `INTERVAL YEAR[(p)] TO MONTH` / `INTERVAL DAY[(p)] TO SECOND[(s)]` with `at` after INTERVAL,
/// replaced by one word with both precisions.
fn interval_with_fields(text: &str, at: usize) -> Option<Repair> {
    let before = text[..at].trim_end();
    let start = before.len().checked_sub("INTERVAL".len())?;
    if !before.get(start..)?.eq_ignore_ascii_case("INTERVAL") {
        return None;
    }
    let rest = &text[at..];
    let (lead, last, name, default_lead) = if let Some(n) = starts_with_phrase(rest, "YEAR") {
        (n, "TO MONTH", "interval_ym", "2")
    } else if let Some(n) = starts_with_phrase(rest, "DAY") {
        (n, "TO SECOND", "interval_ds", "2")
    } else {
        return None;
    };
    let mut len = lead;
    let p = paren_number(&rest[len..]).map(|(p, n)| {
        len += n;
        p
    });
    let gap = rest[len..].len() - rest[len..].trim_start().len();
    len += gap + starts_with_phrase(&rest[len + gap..], last)?;
    let ty = if name == "interval_ds" {
        let s = paren_number(&rest[len..]).map(|(s, n)| {
            len += n;
            s
        });
        format!("{name}({},{})", p.unwrap_or(default_lead), s.unwrap_or("6"))
    } else {
        format!("{name}({})", p.unwrap_or(default_lead))
    };
    let end = at + len;
    (ty.len() <= end - start).then(|| {
        Repair::new(
            &codes::READ_AS_EQUIVALENT,
            start,
            end,
            format!("{ty:<width$}", width = end - start),
            "INTERVAL ... TO ... is read as one word, `interval_ym(p)` or `interval_ds(p,s)`",
        )
    })
}

/// SQL Server phrases the parse stops at.
fn sqlserver_repair(text: &str, at: usize) -> Option<Repair> {
    let rest = text.get(at..)?;
    // SQL Server `NEXT VALUE FOR seq` (the parse stops at VALUE): the same-length
    // `      nextval(seq)`, which lowering reads as the sequence's next value.
    if starts_with_phrase(rest, "VALUE FOR").is_some()
        && text[..at].to_ascii_uppercase().ends_with("NEXT ")
    {
        let start = at - "NEXT ".len();
        let after = &text[at + "VALUE FOR".len()..];
        let gap = after.len() - after.trim_start().len();
        let name_len = after[gap..]
            .find(|c: char| {
                !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '[' | ']' | '"'))
            })
            .unwrap_or(after.len() - gap);
        if name_len > 0 {
            let end = at + "VALUE FOR".len() + gap + name_len;
            let name = &text[end - name_len..end];
            let call = format!("nextval({name})");
            let replacement = format!("{}{call}", " ".repeat(end - start - call.len()));
            return Some(Repair::new(
                &codes::READ_AS_EQUIVALENT,
                start,
                end,
                replacement,
                "NEXT VALUE FOR is read as the sequence's next value",
            ));
        }
    }
    // SQL Server computed column `name AS (expression) [PERSISTED] [NOT NULL]`, which declares
    // no type (https://learn.microsoft.com/en-us/sql/t-sql/statements/alter-table-computed-column-definition-transact-sql):
    // the parse stops somewhere in its expression. It is left out, as a manual action.
    if let Some(r) = computed_column_around(text, at) {
        return Some(r);
    }
    // SQL Server accepts a comma before the closing parenthesis of a column list.
    if rest.starts_with(')') {
        let before = text[..at].trim_end();
        if before.ends_with(',') {
            let comma = before.len() - 1;
            return Some(Repair::new(
                &codes::READ_AS_EQUIVALENT,
                comma,
                comma + 1,
                " ".to_string(),
                "a trailing comma is dropped",
            ));
        }
    }
    None
}

/// The computed column definition (`name AS (...) [PERSISTED] [NOT NULL]` and its comma) that
/// holds `at`, blanked. It starts after a `(` or `,` before `at`: the nearest one whose text
/// reads as such a definition (the parse may stop inside the expression's own parentheses).
fn computed_column_around(text: &str, at: usize) -> Option<Repair> {
    let mut depth = 0usize;
    for (i, c) in text[..at].char_indices().rev() {
        match c {
            ')' => depth += 1,
            '(' if depth > 0 => depth -= 1,
            '(' | ',' if depth == 0 => {
                if let Some(r) = computed_column_at(text, i + 1, at) {
                    return Some(r);
                }
            }
            _ => {}
        }
    }
    None
}

/// A computed column definition starting at `item` (after whitespace) and reaching past `at`.
fn computed_column_at(text: &str, item: usize, at: usize) -> Option<Repair> {
    let rest = &text[item..];
    let indent = rest.len() - rest.trim_start().len();
    let def = &rest[indent..];
    let name_len = match def.chars().next()? {
        '[' => def.find(']')? + 1,
        '"' => def[1..].find('"')? + 2,
        _ => def.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))?,
    };
    let after_name = &def[name_len..];
    let gap = after_name.len() - after_name.trim_start().len();
    let as_len = starts_with_phrase(&after_name[gap..], "AS")?;
    let after_as = &after_name[gap + as_len..];
    let expr_len = clause_arg_len(after_as, ClauseArg::Parens)?;
    let mut len = name_len + gap + as_len + expr_len;
    for tail in ["PERSISTED", "NOT NULL", "NULL"] {
        let rest = &def[len..];
        let gap = rest.len() - rest.trim_start().len();
        if let Some(n) = starts_with_phrase(&rest[gap..], tail) {
            len += gap + n;
        }
    }
    let rest = &def[len..];
    if rest.trim_start().starts_with(',') {
        len += rest.len() - rest.trim_start().len() + 1;
    }
    let start = item + indent;
    let end = start + len;
    (end > at).then(|| Repair {
        start,
        end,
        replacement: blank(&text[start..end]),
        code: &codes::COMPUTED_COLUMN_MANUAL,
        note: "a computed column (AS expression) is left out of the table: recreate it as a generated column".into(),
    })
}

/// The options of an identity (`AS IDENTITY (...)`) in the one order sqlparser takes
/// (`SEQUENCE NAME`, which a repair below drops, INCREMENT, MINVALUE, MAXVALUE, START, CACHE,
/// CYCLE), when the parse stopped inside them: both PostgreSQL and Oracle take any order
/// (https://www.postgresql.org/docs/15/sql-createsequence.html). The same words, so the same
/// length once padded; nothing is lost.
fn identity_options_in_order(text: &str, at: usize) -> Option<Repair> {
    let open = text[..at].rfind('(')?;
    if !text[..open]
        .trim_end()
        .to_ascii_uppercase()
        .ends_with("IDENTITY")
    {
        return None;
    }
    let close = open + text[open..].find(')')?;
    if close < at {
        return None;
    }
    let list = &text[open + 1..close];
    let rank = |word: &str| match word.to_ascii_uppercase().as_str() {
        "SEQUENCE" => Some(0),
        "INCREMENT" => Some(1),
        "MINVALUE" => Some(2),
        "MAXVALUE" => Some(3),
        "START" => Some(4),
        "CACHE" => Some(5),
        "CYCLE" => Some(6),
        _ => None,
    };
    // Clauses start at a keyword, or at NO before one (`NO MINVALUE`).
    let mut clauses: Vec<(u8, Vec<&str>)> = Vec::new();
    let words: Vec<&str> = list.split_whitespace().collect();
    for (i, word) in words.iter().enumerate() {
        let after_no = i > 0 && words[i - 1].eq_ignore_ascii_case("NO");
        let starts = if word.eq_ignore_ascii_case("NO") {
            words.get(i + 1).and_then(|w| rank(w))
        } else if after_no {
            None
        } else {
            rank(word)
        };
        match (starts, clauses.last_mut()) {
            (Some(r), _) => clauses.push((r, vec![word])),
            (None, Some((_, clause))) => clause.push(word),
            (None, None) => return None,
        }
    }
    if clauses.is_sorted_by_key(|(r, _)| *r) {
        return None;
    }
    clauses.sort_by_key(|(r, _)| *r);
    let ordered: Vec<String> = clauses.iter().map(|(_, c)| c.join(" ")).collect();
    let ordered = ordered.join(" ");
    let replacement = format!("{ordered:<width$}", width = list.len());
    (replacement.len() == list.len()).then(|| {
        Repair::new(
            &codes::READ_AS_EQUIVALENT,
            open + 1,
            close,
            replacement,
            "the identity's options are read in the order sqlparser takes (INCREMENT, MINVALUE, MAXVALUE, START, CACHE, CYCLE)",
        )
    })
}

/// `PARTITION BY ...` at the end of a CREATE TABLE, with its partition list and what follows
/// it: the table is created whole, with a warning naming the partitioning. MySQL
/// (https://dev.mysql.com/doc/refman/8.0/en/create-table.html, partition_options; mysqldump
/// wraps it in `/*!50100 ... */`, which the splitter opens) and Oracle
/// (https://docs.oracle.com/en/database/oracle/oracle-database/19/sqlrf/CREATE-TABLE.html,
/// table_partitioning_clauses).
fn partitioning_at(text: &str, at: usize) -> Option<Repair> {
    let rest = text.get(at..)?;
    let by = starts_with_phrase(rest, "PARTITION BY")?;
    if !balanced(rest) {
        return None;
    }
    // Name it by its head: the method and its columns, and `PARTITIONS n` when it follows.
    let paren = rest[by..].find('(').map(|i| by + i);
    let mut head =
        match paren.and_then(|p| clause_arg_len(&rest[p..], ClauseArg::Parens).map(|n| p + n)) {
            Some(end) => end,
            None => rest.trim_end().len(),
        };
    let after = &rest[head..];
    let gap = after.len() - after.trim_start().len();
    if let Some(n) = starts_with_phrase(&after[gap..], "PARTITIONS") {
        head += gap + n + clause_arg_len(&after[gap + n..], ClauseArg::Word).unwrap_or(0);
    }
    let head: Vec<&str> = rest[..head].split_whitespace().collect();
    Some(Repair {
        start: at,
        end: text.len(),
        replacement: blank(rest),
        code: &codes::PARTITIONING_DROPPED,
        note: format!(
            "the partitioning `{}` (and the partition list after it) is dropped: the table is created unpartitioned",
            head.join(" ")
        )
        .into(),
    })
}

/// `CREATE VIEW ... WITH [CASCADED | LOCAL] CHECK OPTION` at the end of a view, which sqlparser
/// 0.63 does not read (PostgreSQL: https://www.postgresql.org/docs/15/sql-createview.html,
/// MySQL: https://dev.mysql.com/doc/refman/8.0/en/view-check-option.html): dropped with a
/// warning, since rows written through the view are then no longer checked against it.
fn view_check_option_at(text: &str, at: usize) -> Option<Repair> {
    let rest = text.get(at..)?;
    find_word(&text.to_ascii_uppercase(), "VIEW")?;
    let len = [
        "WITH CHECK OPTION",
        "WITH CASCADED CHECK OPTION",
        "WITH LOCAL CHECK OPTION",
    ]
    .iter()
    .find_map(|phrase| starts_with_phrase(rest, phrase))?;
    if !rest[len..]
        .trim_start_matches([';', ' ', '\t', '\r', '\n'])
        .is_empty()
    {
        return None;
    }
    Some(Repair {
        start: at,
        end: at + len,
        replacement: blank(&rest[..len]),
        code: &codes::VIEW_CHECK_OPTION_DROPPED,
        note: "WITH CHECK OPTION is dropped: rows inserted or updated through the view are no longer checked against its WHERE".into(),
    })
}

/// The repair for a failed parse at byte `at` of `text`.
pub fn repair_at(text: &str, at: usize, dialect: Dialect) -> Option<Repair> {
    let vendor = match dialect {
        Dialect::Oracle => oracle_repair(text, at).or_else(|| partitioning_at(text, at)),
        Dialect::SqlServer => sqlserver_repair(text, at),
        Dialect::Mysql => partitioning_at(text, at).or_else(|| view_check_option_at(text, at)),
        Dialect::Postgres => view_check_option_at(text, at),
        Dialect::Sqlite => None,
    };
    // The dialect's own phrases first: they look at the words around (WITH LOCAL TIME ZONE is
    // not the index clause LOCAL).
    if let Some(r) = vendor.or_else(|| physical_clause_at(text, at, dialect)) {
        return Some(r);
    }
    let rest = text.get(at..)?;
    for (d, phrase, replacement, code, note) in REPAIRS {
        let end = at + phrase.len();
        if *d == dialect
            && rest.len() >= phrase.len()
            && rest.is_char_boundary(phrase.len())
            && rest[..phrase.len()].eq_ignore_ascii_case(phrase)
            && !text[end..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
        {
            return Some(Repair::new(code, at, end, replacement.to_string(), *note));
        }
    }
    // Identity and sequence options in the order sqlparser does not take: `(START WITH 10
    // INCREMENT BY 2)` is written as `(INCREMENT BY 2 START WITH 10)`, the same characters
    // (both engines take any order).
    if let Some(r) = identity_options_in_order(text, at) {
        return Some(r);
    }
    // PostgreSQL `ADD GENERATED ... AS IDENTITY (SEQUENCE NAME s ...)`: the sequence's name is
    // PostgreSQL's own business; the identity's options follow it.
    if dialect == Dialect::Postgres
        && rest
            .get(..14)
            .is_some_and(|s| s.eq_ignore_ascii_case("SEQUENCE NAME "))
    {
        let after = &rest[14..];
        let name_len = after
            .find(|c: char| c.is_whitespace() || c == ')')
            .unwrap_or(after.len());
        let end = at + 14 + name_len;
        return Some(Repair::new(
            &codes::READ_AS_EQUIVALENT,
            at,
            end,
            " ".repeat(end - at),
            "the identity's sequence name is dropped: the target names it",
        ));
    }
    // SQLite takes any run of words as a type name (`BLOB SUB_TYPE TEXT`,
    // https://www.sqlite.org/datatype3.html); join the word the parser stopped at to the one
    // before it with `_`, which keeps the affinity rules' substrings.
    if dialect == Dialect::Sqlite && rest.starts_with(|c: char| c.is_ascii_alphabetic()) {
        let before = &text[..at];
        let gap = before.len() - before.trim_end_matches([' ', '\t']).len();
        let prev_is_word = before
            .trim_end_matches([' ', '\t'])
            .ends_with(|c: char| c.is_ascii_alphanumeric() || c == ')');
        if gap > 0 && prev_is_word {
            return Some(Repair::new(
                &codes::READ_AS_EQUIVALENT,
                at - gap,
                at,
                "_".repeat(gap),
                "a type name of several words is read as one word joined by `_`",
            ));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use crate::dialect::Dialect;
    use crate::parse::split::split;
    use crate::parse::sql::parse_one;

    /// Each statement parses after its repairs, and the notes name what was lost, in order.
    fn check(dialect: Dialect, sql: &str, notes: &[&str]) {
        let (raws, diags) = split(sql, dialect);
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(raws.len(), 1, "{sql}");
        let (_, got) =
            parse_one(&raws[0], dialect).unwrap_or_else(|d| panic!("{sql}: {}", d.message));
        assert_eq!(got.len(), notes.len(), "{sql}: {got:?}");
        for (d, want) in got.iter().zip(notes) {
            assert!(
                d.message.contains(want),
                "{sql}: `{}` lacks `{want}`",
                d.message
            );
            // Spans stay on the original text: the note points at the repaired phrase.
            let span = d.span.unwrap_or_else(|| panic!("{sql}: no span"));
            assert!(
                span.end <= sql.len() && span.start < span.end,
                "{sql}: {span:?}"
            );
        }
    }

    #[test]
    fn oracle_phrases_sqlparser_cannot_read() {
        let o = Dialect::Oracle;
        check(
            o,
            "CREATE TABLE t (y NUMBER GENERATED ALWAYS AS IDENTITY (START WITH 10 INCREMENT BY 2))",
            &["the identity's options are read in the order"],
        );
        check(
            o,
            "CREATE TABLE t (y NUMBER GENERATED BY DEFAULT ON NULL AS IDENTITY)",
            &["ON NULL"],
        );
        check(o, "CREATE TABLE t (a CHAR(3 CHAR))", &["length unit"]);
        check(o, "CREATE TABLE t (a LONG RAW)", &["LONG RAW"]);
        check(
            o,
            "CREATE TABLE t (a INTERVAL DAY(3) TO SECOND(2), b INTERVAL YEAR TO MONTH)",
            &["interval_ym(p)", "interval_ym(p)"],
        );
        check(
            o,
            "CREATE TABLE t (a TIMESTAMP WITH LOCAL TIME ZONE)",
            &["timestamp_ltz(p)"],
        );
        check(
            o,
            "CREATE TABLE t (a NUMBER, CONSTRAINT pk PRIMARY KEY (a) ENABLE) STORAGE (INITIAL 64K) NOLOGGING",
            &["ENABLE", "STORAGE", "NOLOGGING"],
        );
        check(
            o,
            "CREATE OR REPLACE FORCE VIEW v AS SELECT 1 FROM dual",
            &["FORCE"],
        );
        check(o, "CREATE TABLE t (a NUMBER(*,0))", &["precision *"]);
        check(
            o,
            "ALTER TABLE t ADD (CONSTRAINT t_fk FOREIGN KEY (a) REFERENCES u (a))",
            &["parentheses"],
        );
        check(
            o,
            "CREATE BITMAP INDEX i ON t (a) LOCAL",
            &["BITMAP", "LOCAL"],
        );
        check(
            o,
            "CREATE TABLE s (id NUMBER, d DATE)\nPARTITION BY RANGE (d) INTERVAL (NUMTOYMINTERVAL(1, 'MONTH'))\n\
             (PARTITION p0 VALUES LESS THAN (DATE '2020-01-01') TABLESPACE users,\n\
             PARTITION p1 VALUES LESS THAN (MAXVALUE))\nENABLE ROW MOVEMENT",
            &["partitioning"],
        );
        check(
            o,
            "CREATE TABLE l (id NUMBER, b CLOB) ENABLE ROW MOVEMENT LOB (b) STORE AS SECUREFILE lob_seg \
             (TABLESPACE users ENABLE STORAGE IN ROW CHUNK 8192 NOCACHE LOGGING)",
            &["ROW MOVEMENT", "LOB storage"],
        );
        check(
            o,
            "CREATE TABLE t (a NUMBER PRIMARY KEY) ORGANIZATION INDEX",
            &["ORGANIZATION INDEX"],
        );
    }

    #[test]
    fn postgres_identity_options_in_any_order() {
        let p = Dialect::Postgres;
        check(
            p,
            "CREATE TABLE t (id bigint GENERATED BY DEFAULT AS IDENTITY (START WITH 100 INCREMENT BY 5 MINVALUE 1 CACHE 10) PRIMARY KEY)",
            &["the identity's options are read in the order"],
        );
        check(
            p,
            "CREATE TABLE t (id int GENERATED ALWAYS AS IDENTITY (START 1 SEQUENCE NAME s NO CYCLE NO MAXVALUE))",
            &[
                "the identity's options are read in the order",
                "sequence name is dropped",
            ],
        );
    }

    #[test]
    fn view_check_option_is_dropped() {
        for d in [Dialect::Postgres, Dialect::Mysql] {
            check(
                d,
                "CREATE VIEW v AS SELECT a FROM t WHERE a > 1 WITH LOCAL CHECK OPTION",
                &["WITH CHECK OPTION is dropped"],
            );
            check(
                d,
                "CREATE VIEW v AS SELECT a FROM t WHERE a > 1\nWITH CHECK OPTION;",
                &["WITH CHECK OPTION is dropped"],
            );
        }
    }

    #[test]
    fn mysql_partitioning_is_dropped_and_named() {
        let m = Dialect::Mysql;
        check(
            m,
            "CREATE TABLE t (id int) ENGINE=InnoDB /*!50100 PARTITION BY RANGE (id)\n\
             (PARTITION p0 VALUES LESS THAN (10) ENGINE = InnoDB,\n\
             PARTITION p1 VALUES LESS THAN MAXVALUE ENGINE = InnoDB) */",
            &["`PARTITION BY RANGE (id)`"],
        );
        check(
            m,
            "CREATE TABLE t (d date) /*!50500 PARTITION BY RANGE  COLUMNS(d)\n\
             (PARTITION p0 VALUES LESS THAN ('2020-01-01'), PARTITION p1 VALUES LESS THAN (MAXVALUE)) */",
            &["`PARTITION BY RANGE COLUMNS(d)`"],
        );
        check(
            m,
            "CREATE TABLE t (id int) /*!50100 PARTITION BY HASH (id) PARTITIONS 4 */",
            &["`PARTITION BY HASH (id) PARTITIONS 4`"],
        );
        check(
            m,
            "CREATE TABLE t (id int PRIMARY KEY) PARTITION BY KEY () PARTITIONS 2",
            &["`PARTITION BY KEY () PARTITIONS 2`"],
        );
    }

    #[test]
    fn sqlserver_phrases_sqlparser_cannot_read() {
        let s = Dialect::SqlServer;
        check(
            s,
            "CREATE TABLE t ([a] int, [b] AS ([a] * 2) PERSISTED, [c] int)",
            &["computed column"],
        );
        check(s, "CREATE TABLE t (a int,\n)", &["trailing comma"]);
        check(
            s,
            "CREATE TABLE t (a int DEFAULT NEXT VALUE FOR dbo.s)",
            &["NEXT VALUE FOR"],
        );
        check(
            s,
            "CREATE UNIQUE NONCLUSTERED INDEX i ON t (a) WITH (FILLFACTOR = 80) ON [PRIMARY]",
            &["NONCLUSTERED", "WITH (...)", "filegroup"],
        );
        check(
            s,
            "ALTER TABLE t WITH NOCHECK ADD CONSTRAINT pk PRIMARY KEY CLUSTERED (a)",
            &["WITH NOCHECK"],
        );
        check(
            s,
            "CREATE TABLE t (id int IDENTITY(1,1) NOT FOR REPLICATION NOT NULL, n int SPARSE NULL)",
            &["NOT FOR REPLICATION", "SPARSE"],
        );
    }
}
