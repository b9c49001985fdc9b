//! Same-length repairs: phrases sqlparser 0.63 cannot read (../shared/SQLPARSER-GAPS.md),
//! replaced by text of the same length that it can, so that every offset still points at the
//! original text. `parse::sql::parse_one` applies the repair for the place a parse stopped at and
//! retries; each repair becomes a diagnostic saying what was lost.
//!
//! This file holds the machinery and the repairs several dialects share; each dialect's own
//! phrases and clauses, with the vendor's reference, are in its file (`mysql.rs`, `postgres.rs`,
//! `sqlite.rs`, `sqlserver.rs`, `oracle.rs`), as one `DialectRepairs` value.

use std::borrow::Cow;

use crate::diag::{Code, codes};
use crate::dialect::Dialect;

use super::sql::find_word;

mod mysql;
mod oracle;
mod postgres;
mod sqlite;
mod sqlserver;

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

/// A phrase sqlparser cannot read, with a same-length replacement it can: (phrase,
/// replacement, finding, what the replacement loses). It is replaced where a parse stops at it.
type Phrase = (&'static str, &'static str, &'static Code, &'static str);

/// A storage or physical clause sqlparser cannot read, which says how the source server stores
/// data, not what the data is: (keywords, what follows them, finding, note). It is blanked (same
/// length) with the note when a parse stops at it.
type PhysicalClause = (&'static str, ClauseArg, &'static Code, &'static str);

/// A repair that looks at the text around the place `at` where the parse stopped.
type RepairFn = fn(text: &str, at: usize) -> Option<Repair>;

/// What is repaired for one dialect, in the order `repair_at` tries it. Each dialect's file
/// holds its value.
struct DialectRepairs {
    /// The dialect's own repairs, tried first: they look at the words around (Oracle's WITH
    /// LOCAL TIME ZONE is not the index clause LOCAL).
    first: &'static [RepairFn],
    /// Its storage and physical clauses.
    clauses: &'static [PhysicalClause],
    /// A word the parse stops at that a physical clause may follow (SQL Server's
    /// `CREATE UNIQUE NONCLUSTERED INDEX` stops at UNIQUE).
    clauses_after: Option<&'static str>,
    /// Its phrases replaced as they stand.
    phrases: &'static [Phrase],
    /// Tried last, after the identity options (`identity_options_in_order`).
    last: &'static [RepairFn],
}

/// The repair for a failed parse at byte `at` of `text`.
pub fn repair_at(text: &str, at: usize, dialect: Dialect) -> Option<Repair> {
    // A place inside a character (or past the end) has no repair.
    text.get(at..)?;
    let repairs = match dialect {
        Dialect::Mysql => &mysql::REPAIRS,
        Dialect::Postgres => &postgres::REPAIRS,
        Dialect::Sqlite => &sqlite::REPAIRS,
        Dialect::SqlServer => &sqlserver::REPAIRS,
        Dialect::Oracle => &oracle::REPAIRS,
    };
    repairs
        .first
        .iter()
        .find_map(|repair| repair(text, at))
        .or_else(|| physical_clause_at(text, at, repairs))
        .or_else(|| phrase_at(text, at, repairs.phrases))
        // Identity and sequence options in the order sqlparser does not take: `(START WITH 10
        // INCREMENT BY 2)` is written as `(INCREMENT BY 2 START WITH 10)`, the same characters
        // (both engines take any order).
        .or_else(|| identity_options_in_order(text, at))
        .or_else(|| repairs.last.iter().find_map(|repair| repair(text, at)))
}

/// One of `phrases` at `at`, as a whole word, replaced.
fn phrase_at(text: &str, at: usize, phrases: &[Phrase]) -> Option<Repair> {
    let rest = text.get(at..)?;
    for (phrase, replacement, code, note) in phrases {
        let end = at + phrase.len();
        if rest.len() >= phrase.len()
            && rest.is_char_boundary(phrase.len())
            && rest[..phrase.len()].eq_ignore_ascii_case(phrase)
            && !text[end..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
        {
            return Some(Repair::new(code, at, end, replacement.to_string(), *note));
        }
    }
    None
}

/// What follows a physical clause's keyword.
#[derive(Clone, Copy)]
enum ClauseArg {
    None,
    /// One word, number or quoted name: `ON [PRIMARY]`, `TABLESPACE users`, `PCTFREE 10`.
    Word,
    /// A parenthesised list: `WITH (PAD_INDEX = OFF)`, `STORAGE (INITIAL 64K)`.
    Parens,
}

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
            // The first parenthesis closes the clause: its length is the text before the
            // unmatched `)` after it, and that `)`.
            let inner = &body[1..];
            let end = nested_len(inner, false);
            if !inner[end..].starts_with(')') {
                return None;
            }
            end + 2
        }
    };
    Some(gap + len)
}

/// Length of the text at the start of `text` up to the first `)` that closes no `(` of its own
/// (and, with `comma`, the first `,` outside parentheses), outside quotes and quoted names; the
/// whole text when there is none.
fn nested_len(text: &str, comma: bool) -> usize {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '[') => quote = Some(']'),
            (None, '(') => depth += 1,
            (None, ')') if depth == 0 => return i,
            (None, ')') => depth -= 1,
            (None, ',') if comma && depth == 0 => return i,
            _ => {}
        }
    }
    text.len()
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

/// One of the dialect's physical clauses at `at` (or after the word `clauses_after` where the
/// parse stopped), blanked.
fn physical_clause_at(text: &str, at: usize, repairs: &DialectRepairs) -> Option<Repair> {
    let rest = text.get(at..)?;
    let at = match repairs
        .clauses_after
        .and_then(|word| starts_with_phrase(rest, word))
    {
        Some(n) => at + n + rest[n..].len() - rest[n..].trim_start().len(),
        None => at,
    };
    // The parse may also stop after the clause's keyword, at its argument (`STORAGE (`).
    let before = text[..at].trim_end();
    let word_len = before.len()
        - before
            .trim_end_matches(|c: char| c.is_ascii_alphanumeric() || c == '_')
            .len();
    for start in [at, before.len() - word_len] {
        let rest = &text[start..];
        for (phrase, arg, code, note) in repairs.clauses {
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

#[cfg(test)]
mod tests {
    use crate::dialect::Dialect;
    use crate::parse::split::split;
    use crate::parse::sql::parse_one;

    /// Each statement parses after its repairs, and the notes name what was lost, in order.
    pub(super) fn check(dialect: Dialect, sql: &str, notes: &[&str]) {
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
}
