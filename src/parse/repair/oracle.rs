//! Oracle's repairs: types of several words, length units, identity and constraint phrases,
//! physical and storage clauses, and the shared PARTITION BY repair.

use crate::diag::codes;

use super::{
    ClauseArg, DialectRepairs, PhysicalClause, Repair, blank, clause_arg_len, partitioning_at,
    starts_with_phrase,
};

pub(super) const REPAIRS: DialectRepairs = DialectRepairs {
    first: &[oracle_repair, partitioning_at],
    clauses: PHYSICAL_CLAUSES,
    clauses_after: None,
    phrases: &[],
    last: &[],
};

/// <https://docs.oracle.com/en/database/oracle/oracle-database/19/sqlrf/physical_attributes_clause.html>,
/// <https://docs.oracle.com/en/database/oracle/oracle-database/19/sqlrf/storage_clause.html>.
const PHYSICAL_CLAUSES: &[PhysicalClause] = &[
    (
        "TABLESPACE",
        ClauseArg::Word,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "the TABLESPACE clause is dropped",
    ),
    (
        "ENABLE ROW MOVEMENT",
        ClauseArg::None,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "ENABLE ROW MOVEMENT is dropped",
    ),
    (
        "DISABLE ROW MOVEMENT",
        ClauseArg::None,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "DISABLE ROW MOVEMENT is dropped",
    ),
    // Index and table organisation (https://docs.oracle.com/en/database/oracle/oracle-database/19/sqlrf/CREATE-INDEX.html,
    // https://docs.oracle.com/en/database/oracle/oracle-database/19/sqlrf/CREATE-TABLE.html):
    // how rows and keys are stored.
    (
        "BITMAP",
        ClauseArg::None,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "BITMAP is dropped: the target builds its default index",
    ),
    (
        "LOCAL",
        ClauseArg::None,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "LOCAL (an index per partition) is dropped",
    ),
    (
        "REVERSE",
        ClauseArg::None,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "REVERSE (a reverse-key index) is dropped",
    ),
    (
        "ORGANIZATION INDEX",
        ClauseArg::None,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "ORGANIZATION INDEX (rows stored in the primary key's index) is dropped",
    ),
    (
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
        "ENABLE",
        ClauseArg::None,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "ENABLE (the constraint's default state) is dropped",
    ),
    (
        "VALIDATE",
        ClauseArg::None,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "VALIDATE (the constraint's default state) is dropped",
    ),
    (
        "NOVALIDATE",
        ClauseArg::None,
        &codes::CONSTRAINT_NOW_CHECKED,
        "NOVALIDATE is dropped: the target checks the rows already there too",
    ),
    (
        "DISABLE",
        ClauseArg::None,
        &codes::CONSTRAINT_NOW_CHECKED,
        "DISABLE is dropped: the constraint is enforced on the target",
    ),
    (
        "RELY",
        ClauseArg::None,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "RELY is dropped",
    ),
    (
        "NORELY",
        ClauseArg::None,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "NORELY is dropped",
    ),
    (
        "NOFORCE",
        ClauseArg::None,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "NOFORCE is dropped",
    ),
    (
        "FORCE",
        ClauseArg::None,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "FORCE is dropped: the view is created after what it selects from",
    ),
    (
        "EDITIONABLE",
        ClauseArg::None,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "EDITIONABLE is dropped",
    ),
    (
        "NONEDITIONABLE",
        ClauseArg::None,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "NONEDITIONABLE is dropped",
    ),
    (
        "PCTFREE",
        ClauseArg::Word,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "the physical attribute PCTFREE is dropped",
    ),
    (
        "PCTUSED",
        ClauseArg::Word,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "the physical attribute PCTUSED is dropped",
    ),
    (
        "INITRANS",
        ClauseArg::Word,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "the physical attribute INITRANS is dropped",
    ),
    (
        "MAXTRANS",
        ClauseArg::Word,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "the physical attribute MAXTRANS is dropped",
    ),
    (
        "STORAGE",
        ClauseArg::Parens,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "the STORAGE (...) clause is dropped",
    ),
    (
        "NOLOGGING",
        ClauseArg::None,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "NOLOGGING is dropped",
    ),
    (
        "LOGGING",
        ClauseArg::None,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "LOGGING is dropped",
    ),
    (
        "NOCOMPRESS",
        ClauseArg::None,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "NOCOMPRESS is dropped",
    ),
    (
        "COMPRESS",
        ClauseArg::None,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "COMPRESS (table compression) is dropped",
    ),
    (
        "NOCACHE",
        ClauseArg::None,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "NOCACHE is dropped",
    ),
    (
        "NOPARALLEL",
        ClauseArg::None,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "NOPARALLEL is dropped",
    ),
    (
        "PARALLEL",
        ClauseArg::None,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "PARALLEL is dropped",
    ),
    (
        "NOMONITORING",
        ClauseArg::None,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "NOMONITORING is dropped",
    ),
    (
        "MONITORING",
        ClauseArg::None,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "MONITORING is dropped",
    ),
    (
        "SEGMENT CREATION IMMEDIATE",
        ClauseArg::None,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "SEGMENT CREATION is dropped",
    ),
    (
        "SEGMENT CREATION DEFERRED",
        ClauseArg::None,
        &codes::PHYSICAL_CLAUSE_DROPPED,
        "SEGMENT CREATION is dropped",
    ),
];

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
        return Some(storage_clause(rest, at, len, "LOB"));
    }
    // `NESTED TABLE c STORE AS name [RETURN [AS] LOCATOR | VALUE]` and `XMLTYPE [COLUMN] c
    // STORE AS [SECUREFILE | BASICFILE] {CLOB | BINARY XML | OBJECT RELATIONAL} [name] [(...)]`
    // (https://docs.oracle.com/en/database/oracle/oracle-database/19/sqlrf/CREATE-TABLE.html,
    // nested_table_col_properties, XMLType_column_properties): where the rows of a nested
    // table, or an XMLType's document, are kept. The column's type says what it holds.
    for (phrase, what) in [
        ("NESTED TABLE", "nested table"),
        ("XMLTYPE COLUMN", "XMLType"),
        ("XMLTYPE", "XMLType"),
    ] {
        let Some(n) = starts_with_phrase(rest, phrase) else {
            continue;
        };
        let words_len = |from: usize, max: usize| {
            let mut len = from;
            for _ in 0..max {
                let r = &rest[len..];
                let gap = r.len() - r.trim_start().len();
                let word = r[gap..]
                    .find(|c: char| {
                        !(c.is_ascii_alphanumeric() || matches!(c, '_' | '"' | '$' | '#'))
                    })
                    .unwrap_or(r.len() - gap);
                let upper = r[gap..gap + word].to_ascii_uppercase();
                // The clause ends where the next clause or constraint begins.
                if word == 0
                    || matches!(
                        upper.as_str(),
                        "NESTED" | "XMLTYPE" | "LOB" | "TABLESPACE" | "PARTITION" | "CONSTRAINT"
                    )
                {
                    break;
                }
                len += gap + word;
            }
            len
        };
        // The column, then STORE AS.
        let col = words_len(n, 1);
        let r = &rest[col..];
        let gap = r.len() - r.trim_start().len();
        let Some(store) = starts_with_phrase(&r[gap..], "STORE AS") else {
            continue;
        };
        let len = words_len(col + gap + store, 4);
        return Some(storage_clause(rest, at, len, what));
    }
    // `IS JSON STRICT | LAX` (https://docs.oracle.com/en/database/oracle/oracle-database/19/sqlrf/IS-JSON-condition.html):
    // how strictly Oracle reads the text. The targets' JSON checks and types read standard
    // JSON, which is STRICT; LAX (the default) also takes Oracle's relaxed spellings.
    if let Some(word) = ["STRICT", "LAX"]
        .into_iter()
        .find(|w| starts_with_phrase(rest, w).is_some())
        && before.to_ascii_uppercase().ends_with("IS JSON")
    {
        return Some(Repair::new(
            &codes::READ_AS_EQUIVALENT,
            at,
            at + word.len(),
            blank(word),
            "IS JSON's STRICT / LAX is dropped: the target reads standard JSON, as STRICT does",
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

/// Whether `text` holds a comma outside parentheses and quotes.
/// A storage clause of `len` bytes at `at` (`rest` starts there), with its parenthesised
/// parameters after it, blanked with a note naming `what` it stores.
fn storage_clause(rest: &str, at: usize, len: usize, what: &str) -> Repair {
    let len = len + clause_arg_len(&rest[len..], ClauseArg::Parens).unwrap_or(0);
    Repair::new(
        &codes::PHYSICAL_CLAUSE_DROPPED,
        at,
        at + len,
        blank(&rest[..len]),
        format!("the {what} storage clause is dropped"),
    )
}

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

#[cfg(test)]
mod tests {
    use super::super::tests::check;
    use crate::dialect::Dialect;

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
            "CREATE TABLE c (id NUMBER, p phone_t) NESTED TABLE p STORE AS c_p RETURN AS LOCATOR",
            &["nested table storage"],
        );
        check(
            o,
            "CREATE TABLE d (id NUMBER, x XMLTYPE) XMLTYPE COLUMN x STORE AS SECUREFILE BINARY XML TABLESPACE users",
            &["XMLType storage"],
        );
        check(
            o,
            "CREATE TABLE t (a NUMBER PRIMARY KEY) ORGANIZATION INDEX",
            &["ORGANIZATION INDEX"],
        );
    }
}
