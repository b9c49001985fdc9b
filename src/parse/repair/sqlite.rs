//! SQLite's repairs: a type name of several words, a word after a type's `(…)`, a type name in
//! single quotes.

use crate::diag::codes;

use super::{DialectRepairs, Repair};

pub(super) const REPAIRS: DialectRepairs = DialectRepairs {
    first: &[],
    clauses: &[],
    clauses_after: None,
    phrases: &[],
    last: &[type_words_at, word_after_params_at, quoted_type_at],
};

/// SQLite takes any run of words as a type name (`BLOB SUB_TYPE TEXT`,
/// <https://www.sqlite.org/datatype3.html>); the word the parser stopped at is joined to the
/// one before it with `_`, which keeps the affinity rules' substrings.
fn type_words_at(text: &str, at: usize) -> Option<Repair> {
    let rest = text.get(at..)?;
    if !rest.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    let (before, gap) = before_gap(text, at);
    let prev_is_word = before.ends_with(|c: char| c.is_ascii_alphanumeric());
    (gap > 0 && prev_is_word).then(|| {
        Repair::new(
            &codes::READ_AS_EQUIVALENT,
            at - gap,
            at,
            "_".repeat(gap),
            "a type name of several words is read as one word joined by `_`",
        )
    })
}

/// A word after a type's parameters (`VARCHAR(20) UNSIGNED`, `INT(11) UNSIGNED`), which SQLite
/// itself refuses but MySQL habits write: the word joins the name before the parameters
/// (`VARCHAR_UNSIGNED(20)`), so that SQLite's affinity rules read the whole name.
fn word_after_params_at(text: &str, at: usize) -> Option<Repair> {
    let rest = text.get(at..)?;
    if !rest.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    let (before, gap) = before_gap(text, at);
    let params_start = before.strip_suffix(')')?.rfind('(')?;
    let params = &before[params_start..];
    let name_before = before[..params_start].trim_end_matches([' ', '\t']);
    let simple_params = params[1..params.len() - 1]
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ',' | ' ' | '+' | '-'));
    if !simple_params || !name_before.ends_with(|c: char| c.is_ascii_alphanumeric()) {
        return None;
    }
    let word_len = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    let word = &rest[..word_len];
    let replacement = format!("{}{word}{params}", "_".repeat(gap));
    Some(Repair::new(
        &codes::READ_AS_EQUIVALENT,
        params_start,
        at + word_len,
        replacement,
        "a word after a type's parameters (which SQLite refuses) is read as part of the type's \
         name, before the parameters",
    ))
}

/// SQLite takes a string as a type name (`'varchar'(10)`, its grammar's `typetoken`); the
/// single quotes become double quotes, and a quoted type name is read as the type it spells.
fn quoted_type_at(text: &str, at: usize) -> Option<Repair> {
    let rest = text.get(at..)?.strip_prefix('\'')?;
    let len = rest.find('\'')?;
    let name = &rest[..len];
    let (before, gap) = before_gap(text, at);
    let plain = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == ' ');
    let after_name = before.ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '"');
    (gap > 0 && plain && after_name).then(|| {
        Repair::new(
            &codes::READ_AS_EQUIVALENT,
            at,
            at + len + 2,
            format!("\"{name}\""),
            "a type name in single quotes is read as the type it spells",
        )
    })
}

/// The text before `at` without its trailing blanks, and how many blanks there were.
fn before_gap(text: &str, at: usize) -> (&str, usize) {
    let before = &text[..at];
    let trimmed = before.trim_end_matches([' ', '\t']);
    (trimmed, before.len() - trimmed.len())
}

#[cfg(test)]
mod tests {
    use super::super::tests::check;
    use crate::dialect::Dialect;

    #[test]
    fn a_type_of_several_words_is_joined() {
        check(
            Dialect::Sqlite,
            "CREATE TABLE t (a BLOB SUB_TYPE TEXT, b int)",
            &["several words", "several words"],
        );
    }

    #[test]
    fn a_word_after_the_parameters_joins_the_name() {
        check(
            Dialect::Sqlite,
            "CREATE TABLE t (a VARCHAR(20) UNSIGNED, b TEXT(100)  nocase NOT NULL, c int)",
            &["after a type's parameters", "after a type's parameters"],
        );
    }

    #[test]
    fn a_type_in_single_quotes_is_read_as_quoted() {
        check(
            Dialect::Sqlite,
            "CREATE TABLE t (a 'varchar'(10), b 'double precision', c int)",
            &["single quotes", "single quotes"],
        );
    }
}
