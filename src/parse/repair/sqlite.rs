//! SQLite's repairs: a type name of several words.

use crate::diag::codes;

use super::{DialectRepairs, Repair};

pub(super) const REPAIRS: DialectRepairs = DialectRepairs {
    first: &[],
    clauses: &[],
    clauses_after: None,
    phrases: &[],
    last: &[type_words_at],
};

/// SQLite takes any run of words as a type name (`BLOB SUB_TYPE TEXT`,
/// <https://www.sqlite.org/datatype3.html>); the word the parser stopped at is joined to the
/// one before it with `_`, which keeps the affinity rules' substrings.
fn type_words_at(text: &str, at: usize) -> Option<Repair> {
    let rest = text.get(at..)?;
    if !rest.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    let before = &text[..at];
    let gap = before.len() - before.trim_end_matches([' ', '\t']).len();
    let prev_is_word = before
        .trim_end_matches([' ', '\t'])
        .ends_with(|c: char| c.is_ascii_alphanumeric() || c == ')');
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
}
