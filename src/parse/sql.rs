//! Classifies split statements and parses the ones that carry schema with sqlparser.
//!
//! Noise (session settings, locks, transactions) and data (INSERT, COPY) are recognised by their
//! leading keywords and never parsed: a multi-megabyte dump converts at the speed of the splitter.
//! Routines and triggers are kept as opaque text (sqlparser cannot read most procedural code, see
//! ../shared/SQLPARSER-GAPS.md); their kind and name come from the leading tokens.

use sqlparser::ast::Statement;
use sqlparser::parser::Parser;

use super::repair::{repair_at, starts_with_phrase};
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
    /// `ALTER TABLE t ALTER COLUMN c ADD GENERATED ... AS IDENTITY (...)`: read from tokens, as
    /// sequences are (pg_dump writes the options in an order sqlparser does not take).
    AddIdentity,
    /// pg_dump's `SELECT pg_catalog.setval('seq', n, called)`: where a sequence stands, read
    /// by lowering.
    SetVal,
    /// PostgreSQL `CREATE DOMAIN`: read by lowering (sqlparser takes its clauses in one order
    /// only, and no NOT NULL).
    Domain,
    /// SQL Server `CREATE TYPE t FROM base`: read by lowering (sqlparser reads no alias type).
    AliasType,
    /// SQL Server `ALTER TABLE t ADD CONSTRAINT d DEFAULT expr FOR c`: read by lowering.
    NamedDefault,
    /// SQL Server `EXEC sp_addextendedproperty ...`: a comment, read by lowering.
    ExtendedProperty,
    /// Any other SQL Server procedure call (`EXEC sp_rename ...`): lowering says what it does
    /// and why it is skipped.
    ProcedureCall,
    /// SQL Server `ALTER TABLE t {CHECK | NOCHECK} CONSTRAINT {ALL | c, ...}`: constraints
    /// switched on or off at the source; lowering says which stay off, which the target checks.
    ConstraintToggle,
    /// `ALTER TABLE t ADD` with several items after one ADD (SQL Server `ADD CONSTRAINT a ...,
    /// CONSTRAINT b ...`, Oracle `ADD (c1 ..., c2 ...)`) or a computed column without a type
    /// (`ADD c AS (expr)`): sqlparser wants ADD before each item and a type on each column, so
    /// lowering reads the items with its building blocks.
    AddList,
    /// A hint to the source server's planner or storage that changes no schema (PostgreSQL
    /// `ALTER COLUMN c SET STATISTICS n`): skipped with a note naming it.
    Hint(&'static str),
    /// Everything else: parsed.
    Schema,
}

/// A statement ready for lowering.
pub struct Parsed<'a> {
    pub raw: &'a RawStatement,
    pub class: Class,
    /// The parsed statement, for `Class::Schema` statements that parsed.
    pub ast: Option<Box<Statement>>,
    /// SQL Server computed columns (`name AS (expr) [PERSISTED]`, file spans) that the repair
    /// left out of the text so that it parses: lowering reads them on their own.
    pub computed: Vec<Span>,
}

/// The first `n` words of a statement, upper-cased, skipping MySQL `DEFINER=...` clauses and
/// `OR REPLACE` so that `CREATE DEFINER=x TRIGGER` reads as `CREATE TRIGGER`.
/// `ALTER TABLE t DISABLE KEYS` / `ENABLE KEYS`: a load-speed hint, no schema.
fn is_keys_toggle(text: &str) -> bool {
    let words: Vec<String> = text
        .split_whitespace()
        .map(|w| w.trim_end_matches(';').to_ascii_uppercase())
        .filter(|w| !w.is_empty())
        .collect();
    words.len() == 5
        && words[0] == "ALTER"
        && words[1] == "TABLE"
        && matches!(words[3].as_str(), "DISABLE" | "ENABLE")
        && words[4] == "KEYS"
}

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

pub fn classify(raw: &RawStatement, dialect: Dialect) -> Class {
    match raw.kind {
        RawKind::ClientCommand => return Class::Noise,
        RawKind::CopyFromStdin { .. } => return Class::Data,
        RawKind::Sql => {}
    }
    let w = leading_words(&raw.text, 6);
    let w: Vec<&str> = w.iter().map(String::as_str).collect();
    let first = w.first().copied().unwrap_or("");
    if let Some(class) = classify_vendor(raw, &w, dialect) {
        return class;
    }
    if dialect.has_setval() && is_setval(&raw.text) {
        return Class::SetVal;
    }
    if w.starts_with(&["ALTER", "TABLE"])
        && let Some(what) = column_hint(&raw.text)
    {
        return Class::Hint(what);
    }
    match first {
        // A DELIMITER line without its delimiter swallowed the statements after it: let the
        // parser say where, rather than skip them as noise.
        "DELIMITER" if raw.text.trim().contains('\n') => Class::Schema,
        "SET" | "LOCK" | "UNLOCK" | "BEGIN" | "START" | "COMMIT" | "ROLLBACK" | "END" | "USE"
        | "PRAGMA" | "ANALYZE" | "VACUUM" | "DROP" | "GRANT" | "REVOKE" | "SAVEPOINT"
        | "RELEASE" | "FLUSH" | "SELECT" | "SHOW" | "DELIMITER" => Class::Noise,
        "INSERT" | "REPLACE" | "COPY" | "UPDATE" | "DELETE" | "TRUNCATE" | "MERGE" => Class::Data,
        "CREATE" | "ALTER" if w.iter().skip(1).take(2).any(|x| *x == "SEQUENCE") => Class::Sequence,
        "CREATE" => {
            let mut kinds = w
                .iter()
                .skip(1)
                .filter(|x| !matches!(**x, "OR" | "REPLACE"));
            match kinds.next() {
                Some(&"DATABASE") | Some(&"LANGUAGE") | Some(&"PROCEDURAL") => Class::Noise,
                Some(&"RULE") => Class::Unsupported("rule"),
                Some(&"DOMAIN") => Class::Domain,
                Some(&"AGGREGATE") => Class::Routine,
                // An operator is code over functions and types, kept within one engine as the
                // functions are; its classes and families are not.
                Some(&"OPERATOR") if !matches!(kinds.next(), Some(&"CLASS" | &"FAMILY")) => {
                    Class::Routine
                }
                Some(&"OPERATOR") => Class::Unsupported("operator"),
                // PostgreSQL's typed table, `CREATE TABLE t OF type`, its columns those of a
                // composite type (https://www.postgresql.org/docs/current/sql-createtable.html,
                // OF type_name), which ferry does not convert.
                Some(&"TABLE") if typed_table(&raw.text).is_some() => {
                    Class::Unsupported("table of a composite type")
                }
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
        // mysqldump: /*!40000 ALTER TABLE `t` DISABLE KEYS */ around each table's data.
        "ALTER" if is_keys_toggle(&raw.text) => Class::Noise,
        "ALTER" if raw.text.to_ascii_uppercase().contains(" ATTACH PARTITION ") => {
            Class::Unsupported("partition attachment")
        }
        "ALTER"
            if w.get(1).is_some_and(|x| *x == "TABLE")
                && raw.text.to_ascii_uppercase().contains(" ADD GENERATED ") =>
        {
            Class::AddIdentity
        }
        // MySQL `ALTER TABLE t ENGINE=InnoDB`: a storage engine, not schema.
        "ALTER"
            if w.get(1).is_some_and(|x| *x == "TABLE")
                && w.get(3).is_some_and(|x| x.starts_with("ENGINE")) =>
        {
            Class::Noise
        }
        // CLUSTER orders a table's rows once; it carries no schema.
        "CLUSTER" => Class::Noise,
        "ALTER" if matches!(w.get(1).copied(), Some("DATABASE")) => Class::Noise,
        _ => Class::Schema,
    }
}

/// What only SQL Server or Oracle scripts hold; None for what the shared rules decide.
/// Whether an `ALTER TABLE` adds several items after one ADD, or a computed column without a
/// type (see `Class::AddList`): SQL Server's `ADD a ..., b ...`
/// (<https://learn.microsoft.com/en-us/sql/t-sql/statements/alter-table-transact-sql>) and
/// Oracle's `ADD (a ..., b ...)` (<https://docs.oracle.com/en/database/oracle/oracle-database/19/sqlrf/ALTER-TABLE.html>),
/// and `ADD c AS (expr)` in both.
fn is_add_list(text: &str, dialect: Dialect) -> bool {
    use sqlparser::tokenizer::{Token, Tokenizer};
    let d = dialect.parser();
    let Ok(tokens) = Tokenizer::new(&*d, text).tokenize() else {
        return false;
    };
    let tokens: Vec<Token> = tokens
        .into_iter()
        .filter(|t| !matches!(t, Token::Whitespace(_)))
        .collect();
    let word = |t: Option<&Token>, w: &str| matches!(t, Some(Token::Word(x)) if x.quote_style.is_none() && x.value.eq_ignore_ascii_case(w));
    let Some(add) = tokens.iter().position(|t| word(Some(t), "ADD")) else {
        return false;
    };
    let mut at = add + 1;
    let parenthesised = tokens.get(at) == Some(&Token::LParen);
    if parenthesised {
        at += 1;
    }
    let computed =
        |i: usize| matches!(tokens.get(i), Some(Token::Word(_))) && word(tokens.get(i + 1), "AS");
    if computed(at) {
        return true;
    }
    // A comma between items (`at` is past Oracle's opening parenthesis).
    let mut depth = 0usize;
    for (i, t) in tokens.iter().enumerate().skip(at) {
        match t {
            Token::LParen => depth += 1,
            Token::RParen => depth = depth.saturating_sub(1),
            Token::Comma if depth == 0 => {
                let next = tokens.get(i + 1);
                return !["ADD", "DROP", "ALTER"].iter().any(|w| word(next, w)) || computed(i + 1);
            }
            _ => {}
        }
    }
    false
}

fn classify_vendor(raw: &RawStatement, w: &[&str], dialect: Dialect) -> Option<Class> {
    let first = w.first().copied().unwrap_or("");
    let kind = w.iter().skip(1).copied().find(|x| {
        !matches!(
            *x,
            "OR" | "REPLACE" | "ALTER" | "EDITIONABLE" | "NONEDITIONABLE"
        )
    });
    match dialect {
        Dialect::SqlServer => Some(match first {
            // `IF EXISTS (...) DROP ...` guards a re-run of the script; an IF that creates
            // something hides schema behind a condition ferry does not evaluate.
            "IF" if find_word(&raw.text.to_ascii_uppercase(), "CREATE").is_some() => {
                Class::Unsupported("conditional statement (IF ... CREATE)")
            }
            "IF" | "PRINT" | "DECLARE" | "RAISERROR" | "WAITFOR" | "CHECKPOINT" | "DBCC"
            | "DENY" => Class::Noise,
            // `EXEC sp_addextendedproperty` sets comments; `sp_bindrule` or any other procedure
            // call is not schema ferry reads.
            "EXEC" | "EXECUTE" if is_extended_property(&raw.text) => Class::ExtendedProperty,
            "EXEC" | "EXECUTE" => Class::ProcedureCall,
            // Data loaded from a file, and the old text/image writes.
            "BULK" | "WRITETEXT" | "UPDATETEXT" => Class::Data,
            "CREATE" | "ALTER" => match kind {
                Some("PROCEDURE" | "PROC" | "FUNCTION" | "TRIGGER") => Class::Routine,
                Some("RULE") => Class::Unsupported("rule"),
                Some("LOGIN" | "USER" | "ROLE" | "STATISTICS") => Class::Noise,
                // Indexes of kinds other engines do not have.
                Some("XML" | "SPATIAL" | "PRIMARY") => Class::Unsupported("XML or spatial index"),
                Some("FULLTEXT") => Class::Unsupported("full-text index or catalog"),
                Some("COLUMNSTORE") => Class::Unsupported("columnstore index"),
                // `ALTER INDEX ... REBUILD | DISABLE`: maintenance.
                Some("INDEX") if first == "ALTER" => Class::Noise,
                Some("TYPE") if spaced_words(&raw.text, 5).get(3) == Some(&"FROM".into()) => {
                    Class::AliasType
                }
                // `ALTER TABLE t CHECK CONSTRAINT c` switches checking (back) on: the target
                // checks its constraints anyway. NOCHECK switches it off at the source.
                Some("TABLE") if constraint_toggle(&raw.text).is_some() => Class::ConstraintToggle,
                Some("TABLE") if is_named_default(&raw.text) => Class::NamedDefault,
                Some("TABLE") if is_add_list(&raw.text, dialect) => Class::AddList,
                _ => return None,
            },
            _ => return None,
        }),
        Dialect::Oracle => Some(match first {
            "DECLARE" | "BEGIN" => Class::Routine,
            "CREATE" => match kind {
                Some(
                    "PACKAGE" | "TYPE" | "PROCEDURE" | "FUNCTION" | "TRIGGER" | "LIBRARY" | "JAVA",
                ) => Class::Routine,
                Some("SYNONYM" | "PUBLIC") => Class::Unsupported("synonym"),
                // `CREATE TABLE t OF type`: an object table, its rows objects of a type the
                // script creates, or an XMLType table, its rows XML documents
                // (https://docs.oracle.com/en/database/oracle/oracle-database/19/sqlrf/CREATE-TABLE.html,
                // object_table, XMLType_table). No target has them.
                Some("TABLE") => match typed_table(&raw.text) {
                    Some(of) if of.eq_ignore_ascii_case("XMLTYPE") => {
                        Class::Unsupported("table of XMLType")
                    }
                    Some(_) => Class::Unsupported("table of an object type"),
                    None => return None,
                },
                Some("USER" | "ROLE" | "TABLESPACE" | "DIRECTORY" | "PROFILE") => Class::Noise,
                _ => return None,
            },
            // Session settings and object statistics: no schema.
            "ALTER" if matches!(w.get(1).copied(), Some("SESSION" | "SYSTEM" | "USER")) => {
                Class::Noise
            }
            "ALTER" if kind == Some("TABLE") && is_add_list(&raw.text, dialect) => Class::AddList,
            "EXEC" | "EXECUTE" | "CALL" => Class::Unsupported("procedure call"),
            "PURGE" | "AUDIT" | "NOAUDIT" => Class::Noise,
            _ => return None,
        }),
        Dialect::Mysql | Dialect::Postgres | Dialect::Sqlite => None,
    }
}

/// `ALTER TABLE t ADD [CONSTRAINT d] DEFAULT expr FOR c`.
fn is_named_default(text: &str) -> bool {
    let words = spaced_words(text, 8);
    let add = words.iter().position(|w| w == "ADD");
    let default = words
        .iter()
        .position(|w| w == "DEFAULT" || w.starts_with("DEFAULT("));
    matches!((add, default), (Some(a), Some(d)) if d == a + 1 || d == a + 3)
        && find_word(&text.to_ascii_uppercase(), "FOR").is_some()
}

/// `EXEC [sys.]sp_addextendedproperty ...`.
fn is_extended_property(text: &str) -> bool {
    spaced_words(text, 2).get(1).is_some_and(|w| {
        let w = w.trim_end_matches(|c: char| !c.is_ascii_alphanumeric() && c != '_');
        w == "SP_ADDEXTENDEDPROPERTY" || w == "SYS.SP_ADDEXTENDEDPROPERTY"
    })
}

/// `ALTER TABLE t [WITH CHECK | WITH NOCHECK] {CHECK | NOCHECK} CONSTRAINT {ALL | c, ...}`
/// (not `WITH CHECK ADD ...`): Some(true) when it disables the constraints (NOCHECK), Some(false)
/// when it enables them (CHECK); the words after CONSTRAINT.
pub fn constraint_toggle(text: &str) -> Option<(bool, Vec<String>)> {
    let words = bare_words(text);
    let at = words.windows(3).position(|w| {
        matches!(w[1].as_str(), "CHECK" | "NOCHECK")
            && w[2] == "CONSTRAINT"
            && !matches!(w[0].as_str(), "WITH" | "ADD")
    })?;
    Some((words[at + 1] == "NOCHECK", words[at + 3..].to_vec()))
}

/// The words of a statement, upper case: bare words, and quoted names as one word each (their
/// text); strings are left out. `ALTER TABLE [dbo].[t] NOCHECK` is ALTER, TABLE, DBO, T, NOCHECK.
fn bare_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quote: Option<char> = None;
    for c in text.chars() {
        match quote {
            Some(q) if c == q => {
                if q != '\'' {
                    words.push(std::mem::take(&mut word));
                }
                word.clear();
                quote = None;
            }
            Some(_) => word.push(c.to_ascii_uppercase()),
            None if c.is_ascii_alphanumeric() || c == '_' => word.push(c.to_ascii_uppercase()),
            None => {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
                quote = match c {
                    '[' => Some(']'),
                    '\'' | '"' => Some(c),
                    _ => None,
                };
            }
        }
    }
    if !word.is_empty() && quote.is_none() {
        words.push(word);
    }
    words
}

/// The first `n` words separated by whitespace, upper case, quoted names kept whole (when they
/// hold no space): `ALTER TABLE [dbo].[t] NOCHECK` is four words.
/// The type of `CREATE TABLE name OF type`, or None for a table with columns.
fn typed_table(text: &str) -> Option<String> {
    let w = spaced_words(text, 5);
    (w.len() == 5 && w[0] == "CREATE" && w[1] == "TABLE" && w[3] == "OF")
        .then(|| w[4].trim_end_matches([';', '(']).to_string())
}

fn spaced_words(text: &str, n: usize) -> Vec<String> {
    text.split_whitespace()
        .take(n)
        .map(str::to_ascii_uppercase)
        .collect()
}

/// Byte index of `word` as a whole word in `haystack` (both upper case).
pub fn find_word(haystack: &str, word: &str) -> Option<usize> {
    let bytes = haystack.as_bytes();
    let mut from = 0;
    while let Some(i) = haystack[from..].find(word) {
        let i = from + i;
        let before = i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
        let j = i + word.len();
        let after = j >= bytes.len() || !(bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_');
        if before && after {
            return Some(i);
        }
        from = j;
    }
    None
}

/// `SELECT [pg_catalog.]setval(...)`, as pg_dump writes it.
fn is_setval(text: &str) -> bool {
    let words: String = text
        .split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_uppercase();
    words.starts_with("SELECT PG_CATALOG.SETVAL(") || words.starts_with("SELECT SETVAL(")
}

/// PostgreSQL `ALTER TABLE [ONLY] t ALTER [COLUMN] c SET STATISTICS n | SET STORAGE s |
/// SET COMPRESSION m | SET (attribute_option = v)`, alone in its statement: how the server
/// plans queries on the column or stores its values, no schema
/// (https://www.postgresql.org/docs/15/sql-altertable.html). What it sets, if so.
fn column_hint(text: &str) -> Option<&'static str> {
    let upper = text.to_ascii_uppercase();
    // The second ALTER, of the column; one action only.
    if find_word(&upper[5..], "ALTER").is_none() || upper.contains(',') && !upper.contains("SET (")
    {
        return None;
    }
    let set = find_word(&upper, "SET")?;
    let after = upper[set + 3..].trim_start();
    [
        (
            "STATISTICS",
            "the column's statistics target (a planner hint)",
        ),
        (
            "STORAGE",
            "the column's storage mode (how the server stores long values)",
        ),
        ("COMPRESSION", "the column's compression method"),
        ("(", "the column's attribute options (planner hints)"),
    ]
    .into_iter()
    .find(|(kw, _)| {
        after.starts_with(kw) && (*kw == "(" || starts_with_phrase(after, kw).is_some())
    })
    .map(|(_, what)| what)
}

/// The constraint of a join (`ON ...`, `USING (...)`, NATURAL), where its kind takes one.
pub fn join_constraint(
    op: &sqlparser::ast::JoinOperator,
) -> Option<&sqlparser::ast::JoinConstraint> {
    use sqlparser::ast::JoinOperator as J;
    match op {
        J::Join(c)
        | J::Inner(c)
        | J::Left(c)
        | J::LeftOuter(c)
        | J::Right(c)
        | J::RightOuter(c)
        | J::FullOuter(c)
        | J::CrossJoin(c)
        | J::StraightJoin(c) => Some(c),
        _ => None,
    }
}

/// A call's positional arguments (`f(a, b)`), for those who read a parsed expression.
pub fn call_args(f: &sqlparser::ast::Function) -> Vec<&sqlparser::ast::Expr> {
    match &f.args {
        sqlparser::ast::FunctionArguments::List(l) => l
            .args
            .iter()
            .filter_map(|a| match a {
                sqlparser::ast::FunctionArg::Unnamed(sqlparser::ast::FunctionArgExpr::Expr(e)) => {
                    Some(e)
                }
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn is_owner_to(text: &str) -> bool {
    let upper = text.to_ascii_uppercase();
    upper.contains(" OWNER TO ")
}

/// The statement comes boxed: a `Statement` is 3.4 KB, and it is moved from here to lowering
/// through several calls and a channel.
fn parse_text(
    text: &str,
    dialect: Dialect,
) -> Result<Box<Statement>, sqlparser::parser::ParserError> {
    let d = dialect.parser();
    let parser = Parser::new(&*d);
    let fast = match dialect {
        Dialect::Mysql => super::tokens::mysql(text),
        _ => None,
    };
    let parser = match fast {
        Some(tokens) => Ok(parser.with_tokens_with_locations(tokens)),
        None => parser.try_with_sql(text),
    };
    parser.and_then(|mut p| {
        let stmt = Box::new(p.parse_statement()?);
        // A statement must be the whole text: anything after it is an error too.
        while p.consume_token(&sqlparser::tokenizer::Token::SemiColon) {}
        if p.peek_token().token != sqlparser::tokenizer::Token::EOF {
            return p.expected("end of statement", p.peek_token());
        }
        Ok(stmt)
    })
}

/// Parses one statement in the source dialect. A parse error becomes a diagnostic at the
/// position sqlparser names, mapped back into the file. Returns notes about attributes that
/// were dropped to make the statement readable.
pub fn parse_one(
    raw: &RawStatement,
    dialect: Dialect,
) -> Result<(Box<Statement>, Vec<Diagnostic>), Box<Diagnostic>> {
    parse_with(raw, dialect, |text| parse_text(text, dialect))
}

/// Reads a statement with `read` (sqlparser's parser, or a reader of its building blocks for
/// what it cannot read whole), repairing the text where a read stops, as `parse_one` does.
pub fn parse_with<T>(
    raw: &RawStatement,
    dialect: Dialect,
    read: impl Fn(&str) -> Result<T, sqlparser::parser::ParserError>,
) -> Result<(T, Vec<Diagnostic>), Box<Diagnostic>> {
    // The text is copied only for a repair.
    let mut text = std::borrow::Cow::Borrowed(raw.text.as_str());
    let mut notes = Vec::new();
    loop {
        let err = match read(&text) {
            Ok(stmt) => return Ok((stmt, notes)),
            Err(e) => e,
        };
        let msg = err.to_string();
        let offset = error_offset(&msg, &text);
        let repair = offset.and_then(|o| repair_at(&text, o, dialect));
        match repair {
            // Each repair replaces what the parser stopped at, so the loop ends; 64 is a bound
            // for pathological input.
            Some(r) if notes.len() < 64 => {
                text.to_mut().replace_range(r.start..r.end, &r.replacement);
                let at = Span::new(raw.span.start + r.start, raw.span.start + r.end);
                notes.push(Diagnostic::new(r.code, r.note).at(at));
            }
            _ => {
                // The character the parser stopped at (whole, when it takes several bytes).
                let at = offset.map_or(raw.span, |o| {
                    let o = (0..=o.min(raw.text.len()))
                        .rev()
                        .find(|i| raw.text.is_char_boundary(*i))
                        .unwrap_or(0);
                    let len = raw.text[o..].chars().next().map_or(0, char::len_utf8);
                    Span::new(raw.span.start + o, raw.span.start + o + len)
                });
                let message = strip_location(msg.trim_start_matches("sql parser error: "));
                return Err(Box::new(
                    Diagnostic::new(
                        &codes::PARSE_ERROR,
                        format!("cannot parse statement: {message}"),
                    )
                    .at(at)
                    .label(
                        Span::new(raw.span.start, raw.span.start),
                        "statement starts here",
                    ),
                ));
            }
        }
    }
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

/// Statements a worker claims at a time: few enough to keep the cores evenly busy, enough that a
/// dump of a million one-line INSERTs does not pay a channel message per statement.
const BLOCK: usize = 16;

/// Classifies every statement, parses those that carry schema on all cores, passes each through
/// `prepare` where it was parsed, and hands the result to `each` on the calling thread, in input
/// order, as soon as it and all before it are ready: the caller lowers one statement while the
/// workers parse the next, and no syntax tree outlives its statement's turn. Returns the parse
/// diagnostics in input order, so nothing depends on the number of threads.
pub fn parse_each<'a, T: Send>(
    raws: &'a [RawStatement],
    dialect: Dialect,
    prepare: impl Fn(Parsed<'a>) -> T + Sync,
    mut each: impl FnMut(T),
) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let threads = crate::par::threads();
    if threads == 1 || raws.len() <= 4 * BLOCK {
        for raw in raws {
            each(prepare(parse_statement(raw, dialect, &mut diags)));
        }
        return diags;
    }
    // Bounded: when lowering falls behind, the parsers wait instead of piling up trees.
    let blocks: Vec<&[RawStatement]> = raws.chunks(BLOCK).collect();
    let parse_block = |block: &&'a [RawStatement]| {
        let mut d = Vec::new();
        let parsed: Vec<T> = block
            .iter()
            .map(|raw| prepare(parse_statement(raw, dialect, &mut d)))
            .collect();
        (parsed, d)
    };
    crate::par::stream_in_order(&blocks, parse_block, |(parsed, d)| {
        diags.extend(d);
        parsed.into_iter().for_each(&mut each);
    });
    diags
}

fn parse_statement<'a>(
    raw: &'a RawStatement,
    dialect: Dialect,
    diags: &mut Vec<Diagnostic>,
) -> Parsed<'a> {
    let class = classify(raw, dialect);
    let mut computed = Vec::new();
    let ast = if class == Class::Schema {
        match parse_one(raw, dialect) {
            Ok((s, notes)) => {
                for n in notes {
                    match n.span {
                        Some(at) if std::ptr::eq(n.code, &codes::COMPUTED_COLUMN_MANUAL) => {
                            computed.push(at)
                        }
                        _ => diags.push(n),
                    }
                }
                Some(s)
            }
            Err(d) => {
                diags.push(*d);
                None
            }
        }
    } else {
        None
    };
    Parsed {
        raw,
        class,
        ast,
        computed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The ALTER TABLE statements whose ADD lists lowering reads itself, and their neighbours
    /// that sqlparser reads whole.
    #[test]
    fn add_lists_are_told_apart() {
        let class = |sql: &str, d: Dialect| {
            let (raws, _) = crate::parse::split::split(sql, d);
            raws.first().map(|r| classify(r, d))
        };
        let list = Some(Class::AddList);
        let s = Dialect::SqlServer;
        assert_eq!(class("ALTER TABLE t ADD c AS (a + b)", s), list);
        assert_eq!(
            class("ALTER TABLE t ADD c AS ISNULL(a, 0) PERSISTED", s),
            list
        );
        assert_eq!(class("ALTER TABLE t ADD a int, b int", s), list);
        assert_eq!(
            class(
                "ALTER TABLE t ADD CONSTRAINT p PRIMARY KEY (a), CONSTRAINT u UNIQUE (b)",
                s
            ),
            list
        );
        assert_ne!(
            class("ALTER TABLE t ADD CONSTRAINT p PRIMARY KEY (a, b)", s),
            list
        );
        assert_ne!(class("ALTER TABLE t ADD a int", s), list);
        let o = Dialect::Oracle;
        assert_eq!(class("ALTER TABLE t ADD (a NUMBER, b DATE);", o), list);
        assert_eq!(
            class(
                "ALTER TABLE t ADD (CONSTRAINT p PRIMARY KEY (a, b), CONSTRAINT u UNIQUE (c));",
                o
            ),
            list
        );
        assert_eq!(class("ALTER TABLE t ADD c AS (a * 2);", o), list);
        assert_ne!(
            class("ALTER TABLE t ADD (CONSTRAINT p PRIMARY KEY (a, b));", o),
            list
        );
        // MySQL and PostgreSQL write ADD before each item: sqlparser reads those.
        assert_ne!(
            class("ALTER TABLE t ADD a int, ADD b int;", Dialect::Mysql),
            list
        );
    }

    #[test]
    fn parse_each_hands_statements_over_in_input_order() {
        // Enough statements for several workers, with parse errors spread over them.
        let text: String = (0..500)
            .map(|i| {
                if i % 97 == 0 {
                    format!("CREATE TABLE t{i} (a INT,);\n")
                } else {
                    format!("CREATE TABLE t{i} (a INT);\n")
                }
            })
            .collect();
        let (raws, _) = crate::parse::split::split(&text, Dialect::Mysql);
        let mut starts = Vec::new();
        let diags = parse_each(
            &raws,
            Dialect::Mysql,
            |p| p,
            |p| {
                assert_eq!(p.ast.is_some(), !p.raw.text.contains(",)"));
                starts.push(p.raw.span.start);
            },
        );
        let expected: Vec<usize> = raws.iter().map(|r| r.span.start).collect();
        assert_eq!(starts, expected);
        let at: Vec<usize> = diags
            .iter()
            .filter_map(|d| d.span.map(|s| s.start))
            .collect();
        assert_eq!(at.len(), 6);
        assert!(at.is_sorted());
    }

    #[test]
    fn leading_words_skip_definer() {
        assert_eq!(
            leading_words("CREATE DEFINER=`root`@`localhost` TRIGGER t BEFORE", 3),
            ["CREATE", "TRIGGER", "T"]
        );
    }
}
