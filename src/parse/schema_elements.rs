//! Standard SQL's schema elements: `CREATE SCHEMA name CREATE TABLE ... CREATE VIEW ... GRANT ...`
//! creates the schema and every object written after it, in that schema
//! (<https://www.postgresql.org/docs/current/sql-createschema.html>: "schema_element ...
//! Currently, only CREATE TABLE, CREATE VIEW, CREATE INDEX, CREATE SEQUENCE, CREATE TRIGGER
//! and GRANT are accepted"). sqlparser reads only the `CREATE SCHEMA name` part, so such a
//! statement is cut here into the schema's own statement and one statement per element, each
//! a slice of the file with its own span, marked with the schema (`RawStatement::schema`):
//! lowering puts every unqualified name of an element in that schema, as PostgreSQL does by
//! putting the new schema first on the search path while it creates the elements.

use super::split::RawStatement;
use crate::dialect::Dialect;
use crate::source::Span;

/// The statements with each `CREATE SCHEMA ... <elements>` cut into its parts.
pub fn expand(statements: Vec<RawStatement>, dialect: Dialect) -> Vec<RawStatement> {
    if !dialect.has_schema_elements() {
        return statements;
    }
    let mut out = Vec::with_capacity(statements.len());
    for s in statements {
        let Some((name, starts)) = elements(&s) else {
            out.push(s);
            continue;
        };
        let piece = |from: usize, to: usize, schema: Option<String>| {
            let text = s.text[from..to].trim_end();
            RawStatement {
                span: Span::new(s.span.start + from, s.span.start + from + text.len()),
                text: text.to_string(),
                kind: s.kind,
                schema,
            }
        };
        out.push(piece(0, starts[0], None));
        let ends = starts.iter().skip(1).copied().chain([s.text.len()]);
        for (&from, to) in starts.iter().zip(ends) {
            out.push(piece(from, to, Some(name.clone())));
        }
    }
    out
}

/// For a CREATE SCHEMA with elements after its name: the schema's name and where each element
/// starts (at least one).
fn elements(s: &RawStatement) -> Option<(String, Vec<usize>)> {
    let head = s.text.trim_start().get(..13)?;
    if !head.eq_ignore_ascii_case("create schema") {
        return None;
    }
    let starts = element_starts(&s.text);
    let name = schema_name(&s.text[..*starts.first()?])?;
    Some((name, starts))
}

/// The byte offsets of the elements: each top-level `CREATE` or `GRANT` word after the first
/// word of the statement (outside quotes and parentheses; comments are blanked already).
fn element_starts(text: &str) -> Vec<usize> {
    let b = text.as_bytes();
    let mut starts = Vec::new();
    let (mut i, mut depth, mut words) = (0, 0usize, 0usize);
    while i < b.len() {
        match b[i] {
            q @ (b'\'' | b'"') => {
                i += 1;
                while i < b.len() && b[i] != q {
                    i += 1;
                }
                i += 1;
            }
            b'(' => {
                depth += 1;
                i += 1;
            }
            b')' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let start = i;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'$')
                {
                    i += 1;
                }
                let word = &text[start..i];
                let element =
                    word.eq_ignore_ascii_case("create") || word.eq_ignore_ascii_case("grant");
                if depth == 0 && words > 0 && element {
                    starts.push(start);
                }
                words += 1;
            }
            _ => i += 1,
        }
    }
    starts
}

/// The schema `CREATE SCHEMA [IF NOT EXISTS] name [AUTHORIZATION role]` creates: its name, or
/// the role's when only `AUTHORIZATION role` is given; folded to lower case unless quoted.
fn schema_name(head: &str) -> Option<String> {
    let words: Vec<&str> = head.split_whitespace().collect();
    let mut rest = words.get(2..)?;
    if rest.len() >= 3
        && rest[..3]
            .iter()
            .map(|w| w.to_ascii_uppercase())
            .eq(["IF", "NOT", "EXISTS"])
    {
        rest = &rest[3..];
    }
    let word = match rest {
        [a, role, ..] if a.eq_ignore_ascii_case("authorization") => role,
        [name, ..] => name,
        [] => return None,
    };
    Some(
        match word.strip_prefix('"').and_then(|w| w.strip_suffix('"')) {
            Some(quoted) => quoted.replace("\"\"", "\""),
            None => word.to_lowercase(),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_schema_with_elements_is_cut_into_statements_in_the_file() {
        let text = "CREATE SCHEMA Shop\n  CREATE TABLE item (id int CHECK (id > 0), name text DEFAULT 'create')\n  CREATE VIEW v AS SELECT id FROM item\n  GRANT SELECT ON item TO PUBLIC";
        let raws = super::super::split::split(text, Dialect::Postgres).0;
        let out = expand(raws, Dialect::Postgres);
        let texts: Vec<(&str, Option<&str>)> = out
            .iter()
            .map(|r| (r.text.as_str(), r.schema.as_deref()))
            .collect();
        assert_eq!(
            texts,
            vec![
                ("CREATE SCHEMA Shop", None),
                (
                    "CREATE TABLE item (id int CHECK (id > 0), name text DEFAULT 'create')",
                    Some("shop")
                ),
                ("CREATE VIEW v AS SELECT id FROM item", Some("shop")),
                ("GRANT SELECT ON item TO PUBLIC", Some("shop")),
            ]
        );
        for r in &out {
            assert_eq!(&text[r.span.start..r.span.end], r.text);
        }
        assert_eq!(
            schema_name("CREATE SCHEMA AUTHORIZATION joe "),
            Some("joe".into())
        );
        assert_eq!(
            schema_name("CREATE SCHEMA IF NOT EXISTS \"S\""),
            Some("S".into())
        );
    }
}
