//! Classifies split statements and parses the ones that carry schema with sqlparser.
//!
//! Noise (session settings, locks, transactions) and data (INSERT, COPY) are recognised by their
//! leading keywords and never parsed: a multi-megabyte dump converts at the speed of the splitter.
//! Routines and triggers are kept as opaque text (sqlparser cannot read most procedural code, see
//! ../shared/SQLPARSER-GAPS.md); their kind and name come from the leading tokens.

use sqlparser::ast::Statement;
use sqlparser::parser::Parser;

use super::split::{RawKind, RawStatement};
use crate::diag::{Diagnostic, codes};
use crate::dialect::Dialect;
use crate::source::{SourceFile, Span};

/// What a statement is, decided before parsing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// Carries no schema: SET, LOCK, BEGIN, USE, DROP guards, GRANT, OWNER TO, psql meta-commands.
    Noise,
    /// Carries data: INSERT, REPLACE, COPY.
    Data,
    /// Procedural code: CREATE FUNCTION / PROCEDURE / TRIGGER / EVENT.
    Routine,
    /// CREATE / ALTER SEQUENCE: read from tokens by lowering (sqlparser reads options in one
    /// order only).
    Sequence,
    /// A statement ferry recognises but does not convert (sqlparser cannot read most of them):
    /// the text says what it is.
    Unsupported(&'static str),
    /// Everything else: parsed.
    Schema,
}

/// A statement ready for lowering.
pub struct Parsed<'a> {
    pub raw: &'a RawStatement,
    pub class: Class,
    /// The parsed statement, for `Class::Schema` statements that parsed.
    pub ast: Option<Statement>,
}

/// The first `n` words of a statement, upper-cased, skipping MySQL `DEFINER=...` clauses and
/// `OR REPLACE` so that `CREATE DEFINER=x TRIGGER` reads as `CREATE TRIGGER`.
pub fn leading_words(text: &str, n: usize) -> Vec<String> {
    let mut words = Vec::new();
    let mut rest = text;
    while words.len() < n {
        rest = rest.trim_start();
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '\\' || c == '@' || c == '='))
            .unwrap_or(rest.len());
        if end == 0 {
            break;
        }
        let word = rest[..end].to_ascii_uppercase();
        rest = &rest[end..];
        if word.starts_with("DEFINER=") || word == "DEFINER" {
            // DEFINER=`user`@`host` or DEFINER = CURRENT_USER: skip up to the next whitespace.
            let skip = rest.find(char::is_whitespace).unwrap_or(rest.len());
            rest = &rest[skip..];
            continue;
        }
        words.push(word);
    }
    words
}

pub fn classify(raw: &RawStatement) -> Class {
    match raw.kind {
        RawKind::PsqlMeta => return Class::Noise,
        RawKind::CopyFromStdin { .. } => return Class::Data,
        RawKind::Sql => {}
    }
    let w = leading_words(&raw.text, 6);
    let w: Vec<&str> = w.iter().map(String::as_str).collect();
    let first = w.first().copied().unwrap_or("");
    match first {
        "SET" | "LOCK" | "UNLOCK" | "BEGIN" | "START" | "COMMIT" | "ROLLBACK" | "END" | "USE"
        | "PRAGMA" | "ANALYZE" | "VACUUM" | "DROP" | "GRANT" | "REVOKE" | "SAVEPOINT"
        | "RELEASE" | "FLUSH" | "SELECT" | "SHOW" | "DELIMITER" => Class::Noise,
        "INSERT" | "REPLACE" | "COPY" | "UPDATE" | "DELETE" | "TRUNCATE" => Class::Data,
        "CREATE" | "ALTER" if w.iter().skip(1).take(2).any(|x| *x == "SEQUENCE") => Class::Sequence,
        "CREATE" => {
            let mut kinds = w
                .iter()
                .skip(1)
                .filter(|x| !matches!(**x, "OR" | "REPLACE"));
            match kinds.next() {
                Some(&"DATABASE") | Some(&"EXTENSION") => Class::Noise,
                Some(&"RULE") => Class::Unsupported("rule"),
                Some(&"AGGREGATE") => Class::Unsupported("aggregate"),
                Some(&"OPERATOR") => Class::Unsupported("operator"),
                Some(&"CAST") => Class::Unsupported("cast"),
                Some(&"EVENT") => Class::Routine,
                Some(&"FUNCTION") | Some(&"PROCEDURE") | Some(&"TRIGGER") => Class::Routine,
                Some(&"TEMP") | Some(&"TEMPORARY") | Some(&"CONSTRAINT")
                    if matches!(kinds.next(), Some(&"TRIGGER")) =>
                {
                    Class::Routine
                }
                _ => Class::Schema,
            }
        }
        // pg_dump: ALTER TABLE x OWNER TO y, ALTER FUNCTION ... OWNER TO ...
        "ALTER" if is_owner_to(&raw.text) => Class::Noise,
        "ALTER" if raw.text.to_ascii_uppercase().contains(" ATTACH PARTITION ") => {
            Class::Unsupported("partition attachment")
        }
        // CLUSTER orders a table's rows once; it carries no schema.
        "CLUSTER" => Class::Noise,
        "ALTER" if matches!(w.get(1).copied(), Some("DATABASE")) => Class::Noise,
        _ => Class::Schema,
    }
}

fn is_owner_to(text: &str) -> bool {
    let upper = text.to_ascii_uppercase();
    upper.contains(" OWNER TO ")
}

/// Parses one statement in the source dialect. A parse error becomes a diagnostic at the
/// position sqlparser names, mapped back into the file.
pub fn parse_one(raw: &RawStatement, dialect: Dialect) -> Result<Statement, Box<Diagnostic>> {
    let d = dialect.parser();
    let result = Parser::new(&*d).try_with_sql(&raw.text).and_then(|mut p| {
        let stmt = p.parse_statement()?;
        // A statement must be the whole text: anything after it is an error too.
        while p.consume_token(&sqlparser::tokenizer::Token::SemiColon) {}
        if p.peek_token().token != sqlparser::tokenizer::Token::EOF {
            return p.expected("end of statement", p.peek_token());
        }
        Ok(stmt)
    });
    result.map_err(|e| {
        let msg = e.to_string();
        let at = error_offset(&msg, &raw.text).map_or(raw.span, |o| {
            let start = raw.span.start + o;
            Span::new(start, (start + 1).min(raw.span.end.max(start)))
        });
        let message = strip_location(msg.trim_start_matches("sql parser error: "));
        Box::new(
            Diagnostic::new(
                &codes::PARSE_ERROR,
                format!("cannot parse statement: {message}"),
            )
            .at(at)
            .label(
                Span::new(raw.span.start, raw.span.start),
                "statement starts here",
            ),
        )
    })
}

/// sqlparser puts the location inside its message: "... at Line: 3, Column: 11".
fn error_offset(msg: &str, text: &str) -> Option<usize> {
    let i = msg.rfind("Line: ")?;
    let rest = &msg[i + 6..];
    let (line, rest) = rest.split_once(", Column: ")?;
    let col: String = rest.chars().take_while(char::is_ascii_digit).collect();
    SourceFile::offset_in(text, line.trim().parse().ok()?, col.parse().ok()?)
}

fn strip_location(msg: &str) -> String {
    match msg.rfind(" at Line: ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

/// Classifies every statement and parses those that carry schema.
pub fn parse_all(raws: &[RawStatement], dialect: Dialect) -> (Vec<Parsed<'_>>, Vec<Diagnostic>) {
    let mut out = Vec::with_capacity(raws.len());
    let mut diags = Vec::new();
    for raw in raws {
        let class = classify(raw);
        let ast = if class == Class::Schema {
            match parse_one(raw, dialect) {
                Ok(s) => Some(s),
                Err(d) => {
                    diags.push(*d);
                    None
                }
            }
        } else {
            None
        };
        out.push(Parsed { raw, class, ast });
    }
    (out, diags)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leading_words_skip_definer() {
        assert_eq!(
            leading_words("CREATE DEFINER=`root`@`localhost` TRIGGER t BEFORE", 3),
            ["CREATE", "TRIGGER", "T"]
        );
    }
}
