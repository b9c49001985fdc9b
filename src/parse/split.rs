//! Cuts a script into statements: the first stage of the pipeline.
//!
//! The grammar (grammar/script.pest) knows each dialect's quotes, comments and client commands
//! (MySQL `DELIMITER`, psql `\` lines, `COPY ... FROM stdin` data); this file turns its pairs into
//! `RawStatement`s. A statement's text keeps its length and byte positions, comments blanked, so
//! that a position sqlparser reports in it maps back onto the file by adding `span.start`.

use pest::Parser as _;
use pest::error::InputLocation;
use pest::iterators::Pair;

use crate::diag::{Diagnostic, codes};
use crate::dialect::Dialect;
use crate::source::Span;

// In a module of its own so that the generated `Rule` enum stays private to the splitter.
mod grammar {
    #[derive(pest_derive::Parser)]
    #[grammar = "grammar/script.pest"]
    pub struct ScriptParser;
}

use grammar::{Rule, ScriptParser};

/// One statement of a script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawStatement {
    /// Byte range of the statement in the file, without its terminator (`;`, or the DELIMITER
    /// string) and without leading whitespace/comments.
    pub span: Span,
    /// The text to hand to sqlparser: exactly `span.end - span.start` bytes long, byte-aligned with
    /// the file, so an offset in `text` + `span.start` is the offset in the file. It equals the
    /// file's text except: comments (`-- …`, `# …` in MySQL, `/* … */`) are replaced by spaces
    /// (newlines kept), and MySQL conditional comments `/*!NNNNN … */` and `/*! … */` have only
    /// their markers (`/*!NNNNN` and `*/`) replaced by spaces, their content is kept (it is SQL the
    /// server runs).
    pub text: String,
    pub kind: RawKind,
    /// The schema an element of `CREATE SCHEMA name <elements>` is created in
    /// (`schema_elements.rs`); None for every other statement.
    pub schema: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RawKind {
    /// An SQL statement.
    Sql,
    /// A command of the client program rather than SQL, spanning its line: psql meta-commands
    /// (`\connect x`, `\c chinook;`, `\set …`), sqlcmd commands (`:setvar`), SQL*Plus commands
    /// (`PROMPT`, `CONNECT`, `SET`, `EXIT`, `@file`).
    ClientCommand,
    /// `COPY … FROM stdin;` (PostgreSQL): `text`/`span` are the COPY statement; `data` spans the
    /// data lines after it, up to but excluding the `\.` line.
    CopyFromStdin { data: Span },
}

/// Splits a script into statements. Never fails: a construct left open at the end of the file
/// (a quote, a comment, a BEGIN … END block) is one `UNTERMINATED` diagnostic, and the statement
/// it is in is not returned.
///
/// A large MySQL, PostgreSQL or SQLite script is split on all cores: it is cut into pieces
/// after lines that end in `;`, and each piece is split on its own. A piece's statements are
/// those of the whole script when the piece is clean: no diagnostic, and its last statement,
/// comment or command ended before the piece's closing newline. (A cut inside a quote, a
/// comment, a routine, a DELIMITER section or COPY data leaves that construct open at the
/// piece's end, and the grammar decides nothing before it by looking past a `;`.) From the
/// first piece that is not clean on, the rest of the script is split in one go.
pub fn split(src: &str, dialect: Dialect) -> (Vec<RawStatement>, Vec<Diagnostic>) {
    let threads = crate::par::threads();
    let cuts = match dialect {
        // SQL Server and Oracle scripts end statements at lines that follow (`GO`, `/`).
        Dialect::SqlServer | Dialect::Oracle => Vec::new(),
        Dialect::Mysql | Dialect::Postgres | Dialect::Sqlite => cut_points(src, threads),
    };
    split_at(src, dialect, &cuts)
}

/// `split` with the script cut at `cuts` (ascending offsets just after a newline).
fn split_at(src: &str, dialect: Dialect, cuts: &[usize]) -> (Vec<RawStatement>, Vec<Diagnostic>) {
    if cuts.is_empty() {
        let (statements, diagnostics, _) = split_piece(src, dialect);
        return (statements, diagnostics);
    }
    let bounds: Vec<(usize, usize)> = std::iter::once(0)
        .chain(cuts.iter().copied())
        .zip(cuts.iter().copied().chain(std::iter::once(src.len())))
        .collect();
    let pieces = crate::par::each_on_a_thread(bounds.iter(), |&(a, b)| {
        split_piece(src.get(a..b).unwrap_or(""), dialect)
    });
    let mut statements = Vec::new();
    let mut diagnostics = Vec::new();
    for (i, ((stmts, diags, last_end), &(start, end))) in
        pieces.into_iter().zip(&bounds).enumerate()
    {
        let clean = i + 1 == bounds.len() || (diags.is_empty() && last_end < end - start);
        let (stmts, diags) = if clean {
            (stmts, diags)
        } else {
            let (stmts, diags, _) = split_piece(src.get(start..).unwrap_or(""), dialect);
            (stmts, diags)
        };
        statements.extend(stmts.into_iter().map(|st| st.shifted(start)));
        diagnostics.extend(diags.into_iter().map(|d| d.shifted(start)));
        if !clean {
            break;
        }
    }
    (statements, diagnostics)
}

/// Pieces of at least this many bytes are worth a thread.
const MIN_PIECE: usize = 256 * 1024;

/// Where to cut a script into about `threads` pieces: just after a `;` that ends a line.
fn cut_points(src: &str, threads: usize) -> Vec<usize> {
    let pieces = (src.len() / MIN_PIECE).min(threads);
    let mut cuts: Vec<usize> = Vec::new();
    for k in 1..pieces {
        let from = (src.len() * k / pieces).max(cuts.last().map_or(0, |c| c + MIN_PIECE / 2));
        let Some(rest) = src.as_bytes().get(from..) else {
            break;
        };
        match rest.windows(2).position(|w| w == b";\n") {
            Some(at) if from + at + 2 < src.len() => cuts.push(from + at + 2),
            _ => break,
        }
    }
    cuts
}

/// Splits one piece of a script (or all of it) as if it were the whole; also returns where
/// the last statement, comment or command at its top level ends.
fn split_piece(src: &str, dialect: Dialect) -> (Vec<RawStatement>, Vec<Diagnostic>, usize) {
    let rule = match dialect {
        Dialect::Mysql => Rule::mysql_script,
        Dialect::Postgres => Rule::pg_script,
        Dialect::Sqlite => Rule::sqlite_script,
        Dialect::SqlServer => Rule::mssql_script,
        Dialect::Oracle => Rule::oracle_script,
    };
    let mut splitter = Splitter {
        src,
        dialect,
        statements: Vec::new(),
        diagnostics: Vec::new(),
    };
    let mut last_end = 0;
    match ScriptParser::parse(rule, src) {
        Ok(pairs) => {
            for pair in pairs {
                last_end = pair
                    .clone()
                    .into_inner()
                    .filter(|p| p.as_rule() != Rule::EOI)
                    .map(|p| p.as_span().end())
                    .max()
                    .unwrap_or(0);
                splitter.item(pair);
            }
        }
        Err(err) => {
            // The grammar accepts every input. pest fails only when nesting (comments, BEGIN … END)
            // is deeper than the native stack allows: it checks the stack instead of overflowing.
            let at = match err.location {
                InputLocation::Pos(pos) => pos,
                InputLocation::Span((start, _)) => start,
            };
            let message = "the script nests comments or BEGIN … END blocks too deeply to be split";
            splitter
                .diagnostics
                .push(Diagnostic::new(&codes::PARSE_ERROR, message).at(Span::new(at, at)));
        }
    }
    (splitter.statements, splitter.diagnostics, last_end)
}

impl RawStatement {
    /// The statement of a piece that starts at `offset` in the file, placed in the file.
    fn shifted(mut self, offset: usize) -> RawStatement {
        self.span = self.span.shift(offset);
        if let RawKind::CopyFromStdin { data } = &mut self.kind {
            *data = data.shift(offset);
        }
        self
    }
}

struct Splitter<'s> {
    src: &'s str,
    dialect: Dialect,
    statements: Vec<RawStatement>,
    diagnostics: Vec<Diagnostic>,
}

impl Splitter<'_> {
    /// One pair at the top level of the script (or of a DELIMITER section).
    fn item(&mut self, pair: Pair<'_, Rule>) {
        match pair.as_rule() {
            Rule::mysql_script
            | Rule::pg_script
            | Rule::sqlite_script
            | Rule::mssql_script
            | Rule::oracle_script
            | Rule::custom_section => {
                for inner in pair.into_inner() {
                    self.item(inner);
                }
            }
            Rule::mysql_stmt
            | Rule::mysql_routine
            | Rule::custom_stmt
            | Rule::pg_stmt
            | Rule::pg_routine
            | Rule::sqlite_stmt
            | Rule::sqlite_routine
            | Rule::mssql_stmt
            | Rule::mssql_routine
            | Rule::oracle_stmt
            | Rule::oracle_plsql => self.statement(pair, RawKind::Sql),
            Rule::psql_meta | Rule::sqlcmd_line | Rule::sqlplus_line => {
                let span = span_of(&pair);
                let text = pair.as_str().to_string();
                self.statements.push(RawStatement {
                    span,
                    text,
                    kind: RawKind::ClientCommand,
                    schema: None,
                });
            }
            Rule::hash_line => {
                self.diagnostics.push(
                    Diagnostic::new(
                        &codes::HASH_COMMENT,
                        "a line starting with `#` is read as a comment",
                    )
                    .at(span_of(&pair)),
                );
            }
            Rule::copy_stmt => {
                let mut head = None;
                let mut data = None;
                for inner in pair.into_inner() {
                    match inner.as_rule() {
                        Rule::copy_head => head = Some(inner),
                        Rule::copy_data => data = Some(span_of(&inner)),
                        _ => {}
                    }
                }
                if let (Some(head), Some(data)) = (head, data) {
                    self.statement(head, RawKind::CopyFromStdin { data });
                }
            }
            // A comment between statements. Only a PostgreSQL comment can be open at the end of
            // the file here (it nests, so it accepts the end of the file as its end); an open
            // comment of the other dialects is read as the start of a statement.
            Rule::pg_comment => {
                if let Some(diagnostic) = self.unterminated(&pair) {
                    self.diagnostics.push(diagnostic);
                }
            }
            // Other comments between statements, DELIMITER lines, EOI.
            _ => {}
        }
    }

    fn statement(&mut self, pair: Pair<'_, Rule>, kind: RawKind) {
        if let Some(diagnostic) = self.unterminated(&pair) {
            self.diagnostics.push(diagnostic);
            return;
        }
        let span = span_of(&pair);
        let Some(original) = self.src.as_bytes().get(span.range()) else {
            return;
        };
        let mut bytes = original.to_vec();
        for inner in pair.into_inner().flatten() {
            let blanked = matches!(
                inner.as_rule(),
                Rule::line_comment
                    | Rule::mysql_dash_comment
                    | Rule::hash_comment
                    | Rule::block_comment
                    | Rule::pg_comment
                    | Rule::cond_open
                    | Rule::cond_close
            );
            if !blanked {
                continue;
            }
            let range = span_of(&inner);
            let Some(part) = bytes.get_mut(range.start - span.start..range.end - span.start) else {
                continue;
            };
            // Newlines stay so that line numbers in sqlparser's messages stay right.
            for byte in part.iter_mut().filter(|b| **b != b'\n' && **b != b'\r') {
                *byte = b' ';
            }
        }
        // Pairs start and end on character boundaries, so blanking whole pairs keeps the text
        // UTF-8; the fallback keeps the length if that ever failed.
        let text = String::from_utf8(bytes).unwrap_or_else(|err| {
            err.into_bytes()
                .iter()
                .map(|&b| if b.is_ascii() { b as char } else { ' ' })
                .collect()
        });
        if text.trim().is_empty() {
            return;
        }
        if kind == RawKind::Sql
            && self.dialect.has_go_batches()
            && let Some((end, go)) = glued_go(&text)
        {
            self.glued_go(span, &text[..end], go);
            return;
        }
        if kind == RawKind::Sql && self.dialect.has_go_batches() && self.insert_exec(span, &text) {
            return;
        }
        self.statements.push(RawStatement {
            span,
            text,
            kind,
            schema: None,
        });
    }

    /// T-SQL's `INSERT [INTO] t [(columns)]` on one line and `EXEC proc` on the next are one
    /// statement (`INSERT ... EXECUTE`, the procedure's result rows), though a line starting with
    /// EXEC starts a statement elsewhere: joined to the INSERT before it when nothing but
    /// whitespace stands between them and the INSERT has no rows of its own yet.
    fn insert_exec(&mut self, span: Span, text: &str) -> bool {
        let words = crate::parse::sql::leading_words(text, 1);
        if !matches!(words.first().map(String::as_str), Some("EXEC" | "EXECUTE")) {
            return false;
        }
        let Some(prev) = self.statements.last_mut() else {
            return false;
        };
        let between = self.src.get(prev.span.end..span.start).unwrap_or("x");
        let upper = prev.text.to_ascii_uppercase();
        let awaits_rows = crate::parse::sql::leading_words(&prev.text, 1) == ["INSERT"]
            && ["VALUES", "SELECT", "EXEC", "EXECUTE", "DEFAULT"]
                .iter()
                .all(|w| crate::parse::sql::find_word(&upper, w).is_none());
        if prev.kind != RawKind::Sql || !between.trim().is_empty() || !awaits_rows {
            return false;
        }
        prev.text.push_str(between);
        prev.text.push_str(text);
        prev.span = Span::new(prev.span.start, span.end);
        true
    }

    /// A statement whose text holds a `GO` glued to the end of a line at `go` (offsets in the
    /// statement): the statement ends before it, with a warning there, and the text after it is
    /// split again as the start of a new batch.
    fn glued_go(&mut self, span: Span, before: &str, go: std::ops::Range<usize>) {
        let at = Span::new(span.start + go.start, span.start + go.end);
        self.diagnostics.push(
            Diagnostic::new(
                &codes::GO_GLUED,
                "`GO` glued to the end of a line is read as a GO line: the batch ends here",
            )
            .at(at),
        );
        let before = before.trim_end();
        if !before.trim().is_empty() {
            self.statements.push(RawStatement {
                span: Span::new(span.start, span.start + before.len()),
                text: before.to_string(),
                kind: RawKind::Sql,
                schema: None,
            });
        }
        let Some(rest) = self.src.get(at.end..span.end) else {
            return;
        };
        let (statements, diagnostics, _) = split_piece(rest, self.dialect);
        self.statements
            .extend(statements.into_iter().map(|st| st.shifted(at.end)));
        self.diagnostics
            .extend(diagnostics.into_iter().map(|d| d.shifted(at.end)));
    }

    /// The diagnostic for a construct still open at the end of the file, if `pair` holds one.
    fn unterminated(&self, pair: &Pair<'_, Rule>) -> Option<Diagnostic> {
        // Every open construct runs to the end of the file: other statements need no search.
        if pair.as_span().end() < self.src.len() {
            return None;
        }
        let mut outer_comment = None;
        let mut outer_block = None;
        let mut comment_open = false;
        let mut block_open = false;
        let pairs = std::iter::once(pair.clone()).chain(pair.clone().into_inner().flatten());
        for inner in pairs {
            let start = inner.as_span().start();
            let ends_at_eof = inner.as_span().end() == self.src.len();
            let found = match inner.as_rule() {
                Rule::unterminated_sq | Rule::unterminated_e => Some("unterminated string literal"),
                Rule::unterminated_dq if self.dialect.double_quoted_strings() => {
                    Some("unterminated string literal")
                }
                Rule::unterminated_dq | Rule::unterminated_bq | Rule::unterminated_bracket => {
                    Some("unterminated quoted identifier")
                }
                Rule::unterminated_dollar => Some("unterminated dollar-quoted string"),
                Rule::unterminated_comment => Some("unterminated block comment"),
                Rule::unterminated_cond => Some("unterminated conditional comment"),
                Rule::pg_comment if outer_comment.is_none() && ends_at_eof => {
                    outer_comment = Some(start);
                    None
                }
                Rule::mysql_block | Rule::pg_block | Rule::sqlite_block
                    if outer_block.is_none() && ends_at_eof =>
                {
                    outer_block = Some(start);
                    None
                }
                Rule::comment_eof => {
                    comment_open = true;
                    None
                }
                Rule::block_eof => {
                    block_open = true;
                    None
                }
                _ => None,
            };
            // Quotes and non-nesting comments come first: an open one is also what leaves the
            // enclosing blocks open.
            if let Some(message) = found {
                let len = self.mark_len(inner.as_rule(), start);
                return Some(unterminated_at(message, start, len));
            }
        }
        // Report the outermost open comment or block: that is where the unfinished text starts.
        if let (true, Some(start)) = (comment_open, outer_comment) {
            return Some(unterminated_at("unterminated block comment", start, 2));
        }
        if let (true, Some(start)) = (block_open, outer_block) {
            let opener = self.src.get(start..start + 5).unwrap_or("");
            return Some(if opener.eq_ignore_ascii_case("begin") {
                unterminated_at("unterminated BEGIN … END block", start, 5)
            } else {
                unterminated_at("unterminated CASE … END expression", start, 4)
            });
        }
        None
    }

    /// Length in bytes of the opening mark of an open construct that starts at `start`.
    fn mark_len(&self, rule: Rule, start: usize) -> usize {
        let rest = self.src.get(start..).unwrap_or("");
        match rule {
            Rule::unterminated_e | Rule::unterminated_comment => 2,
            // `/*!` and the version number.
            Rule::unterminated_cond => {
                3 + rest
                    .bytes()
                    .skip(3)
                    .take(6)
                    .take_while(u8::is_ascii_digit)
                    .count()
            }
            // `$tag$`: up to the second `$`.
            Rule::unterminated_dollar => {
                rest.get(1..).and_then(|r| r.find('$')).map_or(1, |i| i + 2)
            }
            _ => 1,
        }
    }
}

fn unterminated_at(message: &str, start: usize, len: usize) -> Diagnostic {
    Diagnostic::new(&codes::UNTERMINATED, message).at(Span::new(start, start + len))
}

/// The first `GO` glued to the end of a line of a SQL Server statement (comments already
/// blanked), outside strings and quoted names, where it can only be the batch separator: right
/// after a closing parenthesis (`)GO`, `) GO`) or after the word END that closes a block
/// (`END GO`). Returns where the statement's text ends (before the separator) and the range of
/// `GO`. A word that merely ends in GO (`CATEGO`) is no separator.
fn glued_go(text: &str) -> Option<(usize, std::ops::Range<usize>)> {
    let bytes = text.as_bytes();
    let mut quote: Option<u8> = None;
    let mut line_start = 0;
    let mut i = 0;
    while i <= bytes.len() {
        let b = bytes.get(i).copied();
        match (quote, b) {
            (Some(q), Some(c)) if c == q => quote = None,
            (Some(_), Some(_)) => {}
            (None, Some(c @ (b'\'' | b'"'))) => quote = Some(c),
            (None, Some(b'[')) => quote = Some(b']'),
            (None, None | Some(b'\n')) => {
                if let Some(found) = glued_go_on_line(text, line_start, i) {
                    return Some(found);
                }
                line_start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// `glued_go` for the line `start..end` of `text`.
fn glued_go_on_line(
    text: &str,
    start: usize,
    end: usize,
) -> Option<(usize, std::ops::Range<usize>)> {
    let line = text.get(start..end)?.trim_end();
    let upper = line.to_ascii_uppercase();
    let before_go = upper.strip_suffix("GO")?;
    let go = start + before_go.len();
    let before = before_go.trim_end();
    let glued = before.ends_with(')')
        || on_filegroup(before)
        || (before.len() < before_go.len()
            && before.ends_with("END")
            && !before[..before.len() - 3]
                .ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '@'));
    // The line holds more than GO (a GO line alone is the grammar's).
    (glued && !before.trim().is_empty()).then(|| (start + before.len(), go..go + 2))
}

/// Whether a line ends in a filegroup clause, `ON [PRIMARY]` or `TEXTIMAGE_ON [PRIMARY]`
/// (upper case): the name there can be followed by nothing but the end of the statement, so a
/// `GO` glued to it is the separator (a bracketed name elsewhere, `[x]GO`, may be a column
/// aliased GO).
fn on_filegroup(before: &str) -> bool {
    let Some(open) = before.strip_suffix(']').and_then(|b| b.rfind('[')) else {
        return false;
    };
    let head = before[..open].trim_end();
    ["ON", "TEXTIMAGE_ON"].iter().any(|kw| {
        head.strip_suffix(kw)
            .is_some_and(|h| !h.ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_'))
    })
}

fn span_of(pair: &Pair<'_, Rule>) -> Span {
    Span::new(pair.as_span().start(), pair.as_span().end())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Splits `src` and asserts the statements' texts (trimmed, comments blanked) and no
    /// diagnostics; checks the text/span invariants on every statement.
    fn check(dialect: Dialect, src: &str, expected: &[&str]) -> Vec<RawStatement> {
        let (statements, diagnostics) = split(src, dialect);
        assert!(
            diagnostics.is_empty(),
            "unexpected diagnostics: {diagnostics:?}"
        );
        assert_invariants(src, &statements);
        let texts: Vec<&str> = statements.iter().map(|s| s.text.trim()).collect();
        assert_eq!(texts, expected, "{dialect} split of {src:?}");
        statements
    }

    /// Splits `src`, expects the statements before the open construct and one UNTERMINATED
    /// diagnostic at `at` (the opening mark) whose message contains `message`.
    fn check_unterminated(
        dialect: Dialect,
        src: &str,
        expected: &[&str],
        (at, mark): (usize, &str),
        message: &str,
    ) {
        let (statements, diagnostics) = split(src, dialect);
        assert_invariants(src, &statements);
        let texts: Vec<&str> = statements.iter().map(|s| s.text.trim()).collect();
        assert_eq!(texts, expected, "{dialect} split of {src:?}");
        assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
        let diagnostic = &diagnostics[0];
        assert_eq!(diagnostic.code, &codes::UNTERMINATED);
        assert!(
            diagnostic.message.contains(message),
            "{:?}",
            diagnostic.message
        );
        assert_eq!(&src[at..at + mark.len()], mark, "the test's offset");
        assert_eq!(
            diagnostic.span,
            Some(Span::new(at, at + mark.len())),
            "{src:?}"
        );
    }

    /// `text` has the length of `span` and equals the file there, except blanked bytes (spaces).
    fn assert_invariants(src: &str, statements: &[RawStatement]) {
        for pair in statements.windows(2) {
            assert!(
                pair[0].span.end <= pair[1].span.start,
                "overlapping: {pair:?}"
            );
        }
        for s in statements {
            assert_eq!(s.text.len(), s.span.end - s.span.start, "{s:?}");
            let original = &src.as_bytes()[s.span.range()];
            for (i, (&t, &o)) in s.text.as_bytes().iter().zip(original).enumerate() {
                let blanked = t == b' ' && o != b'\n' && o != b'\r';
                assert!(t == o || blanked, "byte {i} of {s:?} differs from the file");
            }
            let first = s.text.as_bytes().first().copied().unwrap_or(b' ');
            assert!(
                !first.is_ascii_whitespace() || s.text.starts_with(' '),
                "{s:?}"
            );
        }
    }

    use Dialect::{Mysql, Postgres, Sqlite};

    #[test]
    fn split_plain_statements_in_every_dialect() {
        for dialect in Dialect::ALL {
            check(dialect, "SELECT 1; SELECT 2;\n", &["SELECT 1", "SELECT 2"]);
            // The last statement needs no terminator.
            check(dialect, "SELECT 1;\nSELECT 2\n", &["SELECT 1", "SELECT 2"]);
            check(dialect, "", &[]);
            check(dialect, " \n\t\r\n", &[]);
            check(dialect, ";;\n ; ;", &[]);
            check(dialect, "-- only\n/* comments */ -- here", &[]);
            check(dialect, "/* a */ ; -- b\n;", &[]);
        }
    }

    #[test]
    fn split_span_starts_after_leading_comments() {
        let src = "SELECT 1; -- one\n/* two */ SELECT 2 /* three */;";
        let statements = check(Sqlite, src, &["SELECT 1", "SELECT 2"]);
        let second = &statements[1];
        assert_eq!(&src[second.span.range()], "SELECT 2 /* three */");
        assert_eq!(
            second.text,
            format!("SELECT 2 {}", " ".repeat("/* three */".len()))
        );
        assert_eq!(second.kind, RawKind::Sql);
    }

    #[test]
    fn split_comment_blanking_keeps_newlines() {
        let src = "CREATE TABLE t ( -- the key\r\n  id int /* multi\nline */\n);";
        let blanked = "CREATE TABLE t (           \r\n  id int         \n       \n)";
        let statements = check(Postgres, src, &[blanked]);
        assert_eq!(statements[0].text.lines().count(), src.lines().count());
    }

    #[test]
    fn split_comments_in_strings_and_strings_in_comments() {
        for dialect in Dialect::ALL {
            check(
                dialect,
                "SELECT '-- not; /* a comment */'; -- it's; a comment\nSELECT 2 /* 'x; */;",
                &["SELECT '-- not; /* a comment */'", "SELECT 2"],
            );
            check(
                dialect,
                "SELECT \"a;b\", 'it''s;' ; SELECT 3",
                &["SELECT \"a;b\", 'it''s;'", "SELECT 3"],
            );
        }
    }

    #[test]
    fn split_mysql_quotes_and_escapes() {
        check(
            Mysql,
            r"SELECT 'it\'s; fine', 'a\\'; SELECT 2;",
            &[r"SELECT 'it\'s; fine', 'a\\'", "SELECT 2"],
        );
        check(
            Mysql,
            r#"SELECT "say \"hi;\"", `odd;name`; SELECT 2;"#,
            &[r#"SELECT "say \"hi;\"", `odd;name`"#, "SELECT 2"],
        );
        // Without backslash escapes (PostgreSQL, SQLite) the same string ends at `\'`.
        check(
            Postgres,
            r"SELECT 'a\'; SELECT 2;",
            &[r"SELECT 'a\'", "SELECT 2"],
        );
        check(
            Sqlite,
            r"SELECT 'a\'; SELECT 2;",
            &[r"SELECT 'a\'", "SELECT 2"],
        );
    }

    #[test]
    fn split_mysql_hash_and_dash_comments() {
        check(
            Mysql,
            "SELECT 1 # two; three\n; SELECT 2;",
            &["SELECT 1", "SELECT 2"],
        );
        // `--` needs a space or control character after it in MySQL.
        check(
            Mysql,
            "SELECT 1--1; SELECT 2 --\n;",
            &["SELECT 1--1", "SELECT 2"],
        );
        // In PostgreSQL `#` is an operator (bitwise xor).
        check(
            Postgres,
            "SELECT 1 # 2; SELECT 3;",
            &["SELECT 1 # 2", "SELECT 3"],
        );
        check(
            Sqlite,
            "SELECT 1 -- x\n; SELECT 2--x\n;",
            &["SELECT 1", "SELECT 2"],
        );
    }

    #[test]
    fn split_mysql_conditional_comments() {
        let src = "/*!40101 SET NAMES utf8mb4 */;\n/*!40000 ALTER TABLE `t` DISABLE KEYS */;\n";
        let statements = check(
            Mysql,
            src,
            &["SET NAMES utf8mb4", "ALTER TABLE `t` DISABLE KEYS"],
        );
        assert_eq!(
            &src[statements[0].span.range()],
            "/*!40101 SET NAMES utf8mb4 */"
        );
        assert_eq!(statements[0].text, "         SET NAMES utf8mb4   ");

        let src = "CREATE TABLE address (\n  address_id int NOT NULL,\n  /*!50705 location GEOMETRY NOT NULL,*/\n  \
                   PRIMARY KEY (address_id)\n) /*!50100 ENGINE=InnoDB */;";
        check(
            Mysql,
            src,
            &[
                "CREATE TABLE address (\n  address_id int NOT NULL,\n           location GEOMETRY NOT NULL,  \n  \
             PRIMARY KEY (address_id)\n)          ENGINE=InnoDB",
            ],
        );
        // `/*! … */` without a version, and a `;` inside one does not end the statement.
        check(
            Mysql,
            "/*! SET a = 1; */ SELECT 2;",
            &["SET a = 1;    SELECT 2"],
        );
        // MariaDB's /*M! … */ is a plain comment for ferry.
        check(
            Mysql,
            "/*M!999999\\- enable the sandbox mode */\nSELECT 1;",
            &["SELECT 1"],
        );
    }

    #[test]
    fn split_mysql_delimiter_blocks() {
        let src = "DELIMITER ;;\n\
                   CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW BEGIN\n  SET NEW.a = 1;\n  SET NEW.b = ';;';\nEND;;\n\
                   DELIMITER ;\n\
                   SELECT 1;";
        check(
            Mysql,
            src,
            &[
                "CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW BEGIN\n  SET NEW.a = 1;\n  SET NEW.b = ';;';\nEND",
                "SELECT 1",
            ],
        );
        // `//` and `$$`, a change without going back to `;`, a lower-case keyword, CRLF lines.
        let src = "delimiter //\r\nCREATE PROCEDURE p() BEGIN SELECT 1; END //\r\n\
                   DELIMITER $$\r\nCREATE FUNCTION f() RETURNS int BEGIN RETURN 1; END$$\r\n$$\r\n\
                   DELIMITER ;\r\nSELECT 2;\r\n";
        check(
            Mysql,
            src,
            &[
                "CREATE PROCEDURE p() BEGIN SELECT 1; END",
                "CREATE FUNCTION f() RETURNS int BEGIN RETURN 1; END",
                "SELECT 2",
            ],
        );
        // A script that ends inside a DELIMITER section, its last statement without terminator.
        check(
            Mysql,
            "DELIMITER ;;\nSELECT 1;;\nSELECT 2; SELECT 3",
            &["SELECT 1", "SELECT 2; SELECT 3"],
        );
        // `DELIMITER ;` alone changes nothing.
        check(Mysql, "DELIMITER ;\nSELECT 1;", &["SELECT 1"]);
    }

    #[test]
    fn split_sqlserver_batches_and_statements_without_semicolons() {
        let src = "USE [db]\nGO\nIF EXISTS (SELECT 1 FROM sys.objects WHERE name = 'a')\n\tDROP TABLE [a]\n\
                   CREATE TABLE [a] (\n  [x] int,\n  [y] int\n) ON [PRIMARY]\n\
                   CREATE INDEX i ON a (x)\ngo 2\n:setvar x 1\n\
                   CREATE PROCEDURE p AS\nBEGIN\n  SELECT 1;\n  SELECT 2;\nEND\nGO\n/* a /* nested */ comment */";
        let statements = check(
            Dialect::SqlServer,
            src,
            &[
                "USE [db]",
                "IF EXISTS (SELECT 1 FROM sys.objects WHERE name = 'a')\n\tDROP TABLE [a]",
                "CREATE TABLE [a] (\n  [x] int,\n  [y] int\n) ON [PRIMARY]",
                "CREATE INDEX i ON a (x)",
                ":setvar x 1",
                "CREATE PROCEDURE p AS\nBEGIN\n  SELECT 1;\n  SELECT 2;\nEND",
            ],
        );
        assert_eq!(statements[4].kind, RawKind::ClientCommand);
    }

    #[test]
    fn split_sqlserver_go_glued_to_a_line_end() {
        let src = "CREATE TABLE a (x int, CATEGO int)GO\nCREATE TABLE b (s varchar(9) DEFAULT ')GO'\n) GO\n\
                   CREATE PROCEDURE p AS\nBEGIN\n  SELECT 1 -- END GO\nEND GO\nCREATE TABLE c (x int)\nGO\n\
                   CREATE TABLE [d GO] (WEEKEND int, [x]GO int)\nGO\n\
                   CREATE TABLE e (x int) ON [PRIMARY]GO\n\
                   CREATE TABLE f (t text) ON [PRIMARY] TEXTIMAGE_ON [PRIMARY]GO\n\
                   CREATE VIEW v AS SELECT [x]GO FROM e";
        let (statements, diagnostics) = split(src, Dialect::SqlServer);
        assert_invariants(src, &statements);
        let texts: Vec<&str> = statements.iter().map(|s| s.text.trim()).collect();
        assert_eq!(
            texts,
            [
                "CREATE TABLE a (x int, CATEGO int)",
                "CREATE TABLE b (s varchar(9) DEFAULT ')GO'\n)",
                "CREATE PROCEDURE p AS\nBEGIN\n  SELECT 1          \nEND",
                "CREATE TABLE c (x int)",
                "CREATE TABLE [d GO] (WEEKEND int, [x]GO int)",
                "CREATE TABLE e (x int) ON [PRIMARY]",
                "CREATE TABLE f (t text) ON [PRIMARY] TEXTIMAGE_ON [PRIMARY]",
                "CREATE VIEW v AS SELECT [x]GO FROM e",
            ]
        );
        let at: Vec<&str> = diagnostics
            .iter()
            .map(|d| {
                assert!(std::ptr::eq(d.code, &codes::GO_GLUED));
                d.span.map_or("", |s| &src[s.range()])
            })
            .collect();
        assert_eq!(at, ["GO", "GO", "GO", "GO", "GO"]);
    }

    #[test]
    fn split_oracle_slash_lines_plsql_and_sqlplus_commands() {
        let src = "REM a remark\nSET DEFINE OFF\nCONNECT u/p@db;\nCREATE TABLE t (a NUMBER, b VARCHAR2(10 CHAR));\n\
                   CREATE OR REPLACE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW\nBEGIN\n  \
                   SELECT s.NEXTVAL INTO :new.a FROM dual;\nEND;\n/\n\
                   CREATE VIEW v AS SELECT a / 2 AS h FROM t\n/\nexit;";
        let statements = check(
            Dialect::Oracle,
            src,
            &[
                "REM a remark",
                "SET DEFINE OFF",
                "CONNECT u/p@db;",
                "CREATE TABLE t (a NUMBER, b VARCHAR2(10 CHAR))",
                "CREATE OR REPLACE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW\nBEGIN\n  \
                 SELECT s.NEXTVAL INTO :new.a FROM dual;\nEND;",
                "CREATE VIEW v AS SELECT a / 2 AS h FROM t",
                "exit;",
            ],
        );
        let kinds: Vec<RawKind> = statements.iter().map(|s| s.kind).collect();
        assert_eq!(kinds[..3], [RawKind::ClientCommand; 3]);
        assert_eq!(kinds[3], RawKind::Sql);
    }

    #[test]
    fn split_routines_without_delimiter_at_block_depth_zero() {
        let src = "CREATE TRIGGER t AFTER UPDATE ON a FOR EACH ROW\nBEGIN\n  \
                   UPDATE b SET x = CASE WHEN new.y > 0 THEN 1 ELSE 0 END;\n  INSERT INTO log VALUES ('end;');\nEND;\n\
                   SELECT 1;";
        let expected = [
            "CREATE TRIGGER t AFTER UPDATE ON a FOR EACH ROW\nBEGIN\n  \
             UPDATE b SET x = CASE WHEN new.y > 0 THEN 1 ELSE 0 END;\n  INSERT INTO log VALUES ('end;');\nEND",
            "SELECT 1",
        ];
        // SQL Server and Oracle routines end at their batch's GO or `/` line instead (below).
        for dialect in [Dialect::Mysql, Dialect::Postgres, Dialect::Sqlite] {
            check(dialect, src, &expected);
        }
        check(
            Sqlite,
            "CREATE TEMP TRIGGER IF NOT EXISTS t AFTER INSERT ON a BEGIN SELECT 1; END",
            &["CREATE TEMP TRIGGER IF NOT EXISTS t AFTER INSERT ON a BEGIN SELECT 1; END"],
        );
        // MySQL: END IF closes no counted block, END CASE closes a CASE; a definer; no BEGIN at all.
        check(
            Mysql,
            "CREATE DEFINER=`root`@`localhost` PROCEDURE p() BEGIN IF a THEN SELECT 1; END IF; \
             CASE b WHEN 1 THEN SELECT 2; END CASE; END; SELECT 3;\n\
             CREATE TRIGGER d BEFORE INSERT ON c FOR EACH ROW SET NEW.x = NOW(); SELECT 4;",
            &[
                "CREATE DEFINER=`root`@`localhost` PROCEDURE p() BEGIN IF a THEN SELECT 1; END IF; \
                 CASE b WHEN 1 THEN SELECT 2; END CASE; END",
                "SELECT 3",
                "CREATE TRIGGER d BEFORE INSERT ON c FOR EACH ROW SET NEW.x = NOW()",
                "SELECT 4",
            ],
        );
        // PostgreSQL SQL-standard function body.
        check(
            Postgres,
            "CREATE OR REPLACE FUNCTION f(a int) RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT a; END; SELECT 2;",
            &[
                "CREATE OR REPLACE FUNCTION f(a int) RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT a; END",
                "SELECT 2",
            ],
        );
        // Only routines count blocks; words that merely contain the keywords do not.
        check(
            Sqlite,
            "SELECT CASE WHEN 1 THEN 2 END; SELECT begin_at, ended FROM t;",
            &[
                "SELECT CASE WHEN 1 THEN 2 END",
                "SELECT begin_at, ended FROM t",
            ],
        );
        check(
            Sqlite,
            "CREATE TABLE trigger_log (id int); BEGIN; END;",
            &["CREATE TABLE trigger_log (id int)", "BEGIN", "END"],
        );
    }

    #[test]
    fn split_postgres_dollar_quotes() {
        let src = "CREATE FUNCTION f() RETURNS int AS $body$\nBEGIN\n  RETURN 1; -- $$ ; $x$\nEND;\n$body$ LANGUAGE plpgsql;\n\
                   SELECT $$a;b$$, $q$ it's $$;$$ $q$;\n\
                   PREPARE p AS SELECT $1; SELECT a$b$c FROM t;";
        check(
            Postgres,
            src,
            &[
                "CREATE FUNCTION f() RETURNS int AS $body$\nBEGIN\n  RETURN 1; -- $$ ; $x$\nEND;\n$body$ LANGUAGE plpgsql",
                "SELECT $$a;b$$, $q$ it's $$;$$ $q$",
                "PREPARE p AS SELECT $1",
                "SELECT a$b$c FROM t",
            ],
        );
    }

    #[test]
    fn split_postgres_escape_strings_and_nested_comments() {
        check(
            Postgres,
            r"SELECT E'it\'s; ok', e'a''b\\'; SELECT 2;",
            &[r"SELECT E'it\'s; ok', e'a''b\\'", "SELECT 2"],
        );
        // `time'...'` is a word and a plain string, not an E-string.
        check(
            Postgres,
            r"SELECT time'1\'; SELECT 2;",
            &[r"SELECT time'1\'", "SELECT 2"],
        );
        check(
            Postgres,
            "/* a /* b; */ c; */ SELECT 1; SELECT /* x /* y */ ; */ 2;",
            &["SELECT 1", "SELECT                   2"],
        );
        // MySQL and SQLite comments do not nest: the first `*/` ends it.
        check(Sqlite, "/* a /* b */ SELECT 1;", &["SELECT 1"]);
    }

    #[test]
    fn split_sqlite_bracket_and_backtick_identifiers() {
        check(
            Sqlite,
            "SELECT [a;b], `c;d`, \"e;f\" FROM [Order Details]; SELECT 2",
            &[
                "SELECT [a;b], `c;d`, \"e;f\" FROM [Order Details]",
                "SELECT 2",
            ],
        );
    }

    #[test]
    fn split_psql_meta_commands() {
        let src = "CREATE DATABASE chinook;\n\\c chinook;\r\n\\set ON_ERROR_STOP on\nCREATE TABLE t (a int);\n";
        let statements = check(
            Postgres,
            src,
            &[
                "CREATE DATABASE chinook",
                "\\c chinook;",
                "\\set ON_ERROR_STOP on",
                "CREATE TABLE t (a int)",
            ],
        );
        let kinds: Vec<RawKind> = statements.iter().map(|s| s.kind).collect();
        assert_eq!(
            kinds,
            [
                RawKind::Sql,
                RawKind::ClientCommand,
                RawKind::ClientCommand,
                RawKind::Sql
            ]
        );
    }

    #[test]
    fn split_copy_from_stdin_data() {
        let data = "1\tPENELOPE; DROP\t'it''s\n2\t\\N\t\"quoted;\n";
        let src = format!(
            "COPY public.actor (actor_id, name) FROM stdin;\n{data}\\.\nSELECT 1;\ncopy t from STDIN with (format csv) ;\n\\.\r\n"
        );
        let statements = check(
            Postgres,
            &src,
            &[
                "COPY public.actor (actor_id, name) FROM stdin",
                "SELECT 1",
                "copy t from STDIN with (format csv)",
            ],
        );
        let RawKind::CopyFromStdin { data: span } = statements[0].kind else {
            panic!("not a COPY: {:?}", statements[0]);
        };
        assert_eq!(&src[span.range()], data);
        assert_eq!(statements[1].kind, RawKind::Sql);
        let RawKind::CopyFromStdin { data: span } = statements[2].kind else {
            panic!("not a COPY: {:?}", statements[2]);
        };
        assert_eq!(span.start, span.end);
        // COPY from a file is an ordinary statement; data at the end of the file ends there.
        check(
            Postgres,
            "COPY t FROM '/tmp/x;y'; SELECT 1;",
            &["COPY t FROM '/tmp/x;y'", "SELECT 1"],
        );
        let statements = check(
            Postgres,
            "COPY t FROM stdin;\n1\t2\n3",
            &["COPY t FROM stdin"],
        );
        assert_eq!(
            statements[0].kind,
            RawKind::CopyFromStdin {
                data: Span::new(19, 24)
            }
        );
    }

    #[test]
    fn split_reports_unterminated_strings_and_identifiers() {
        for dialect in Dialect::ALL {
            let src = "SELECT 1; SELECT 'abc;\nSELECT 2;";
            check_unterminated(dialect, src, &["SELECT 1"], (17, "'"), "string literal");
        }
        let quoted_identifier = "quoted identifier";
        check_unterminated(
            Mysql,
            "SELECT 1; SELECT \"abc;",
            &["SELECT 1"],
            (17, "\""),
            "string literal",
        );
        check_unterminated(
            Mysql,
            "SELECT 1; SELECT `abc;",
            &["SELECT 1"],
            (17, "`"),
            quoted_identifier,
        );
        check_unterminated(
            Mysql,
            r"SELECT 1; SELECT 'a\';",
            &["SELECT 1"],
            (17, "'"),
            "string literal",
        );
        check_unterminated(
            Postgres,
            "SELECT 1; SELECT \"abc;",
            &["SELECT 1"],
            (17, "\""),
            quoted_identifier,
        );
        check_unterminated(
            Postgres,
            r"SELECT 1; SELECT E'a\';",
            &["SELECT 1"],
            (17, "E'"),
            "string literal",
        );
        check_unterminated(
            Sqlite,
            "SELECT 1; SELECT [abc;",
            &["SELECT 1"],
            (17, "["),
            quoted_identifier,
        );
        check_unterminated(
            Sqlite,
            "SELECT 1; SELECT `abc;",
            &["SELECT 1"],
            (17, "`"),
            quoted_identifier,
        );
    }

    #[test]
    fn split_reports_unterminated_comments_and_dollar_quotes() {
        for dialect in Dialect::ALL {
            // Between statements and inside one.
            let src = "SELECT 1;\n/* open; SELECT 2;";
            check_unterminated(dialect, src, &["SELECT 1"], (10, "/*"), "block comment");
            let src = "SELECT 1; SELECT /* open;";
            check_unterminated(dialect, src, &["SELECT 1"], (17, "/*"), "block comment");
        }
        // Nested: the outermost open comment is reported.
        let src = "SELECT 1; /* outer /* inner */ SELECT 2;";
        check_unterminated(Postgres, src, &["SELECT 1"], (10, "/*"), "block comment");
        let src = "SELECT 1; SELECT 2 /* outer /* inner */";
        check_unterminated(Postgres, src, &["SELECT 1"], (19, "/*"), "block comment");
        let src = "SELECT 1; /*!40101 SET a = 1;";
        check_unterminated(
            Mysql,
            src,
            &["SELECT 1"],
            (10, "/*!40101"),
            "conditional comment",
        );
        let src = "SELECT 1; SELECT $fn$ a; $$ b;";
        check_unterminated(
            Postgres,
            src,
            &["SELECT 1"],
            (17, "$fn$"),
            "dollar-quoted string",
        );
        check_unterminated(
            Postgres,
            "SELECT $$ a; $1",
            &[],
            (7, "$$"),
            "dollar-quoted string",
        );
    }

    #[test]
    fn split_reports_unterminated_blocks() {
        for dialect in [Dialect::Mysql, Dialect::Postgres, Dialect::Sqlite] {
            let src =
                "SELECT 1; CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT 1; BEGIN SELECT 2; END;";
            check_unterminated(
                dialect,
                src,
                &["SELECT 1"],
                (45, "BEGIN"),
                "BEGIN … END block",
            );
        }
        // The quote inside the open block is what keeps it open, so it is the one reported.
        let src = "CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT 'x; END;";
        check_unterminated(Sqlite, src, &[], (48, "'"), "string literal");
        // A CASE without END takes the block's END.
        let src = "CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT 1; END;\n\
                   CREATE TRIGGER u AFTER INSERT ON a BEGIN SELECT CASE WHEN 1 THEN 2; END;";
        let first = "CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT 1; END";
        check_unterminated(Sqlite, src, &[first], (91, "BEGIN"), "BEGIN … END block");
    }

    #[test]
    fn split_survives_deep_nesting_and_odd_input() {
        // pest checks the native stack: nesting deeper than it allows is one diagnostic, not a crash.
        let deep = [
            (Postgres, "/*".repeat(100_000)),
            (
                Sqlite,
                format!(
                    "CREATE TRIGGER t AFTER INSERT ON a {}",
                    "BEGIN ".repeat(50_000)
                ),
            ),
            (
                Mysql,
                format!("CREATE PROCEDURE p() {}", "CASE ".repeat(50_000)),
            ),
        ];
        for (dialect, src) in deep {
            let (statements, diagnostics) = split(&src, dialect);
            assert!(statements.is_empty());
            assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
        }
        // Pseudo-random scripts built from the pieces the grammar cares about.
        let pieces = [
            "'",
            "\"",
            "`",
            "[",
            "]",
            "$",
            "$a$",
            "$$",
            "/*",
            "*/",
            "/*!40101",
            "--",
            "-- ",
            "#",
            "\n",
            "\r\n",
            ";",
            ";;",
            "\\",
            "\\.\n",
            "E'",
            "x",
            " ",
            "é",
            "\u{0}",
            "BEGIN ",
            "END ",
            "CASE ",
            "END IF ",
            "CREATE TRIGGER t ",
            "DELIMITER ;;\n",
            "DELIMITER ;\n",
            "DELIMITER $$\n",
            "COPY t FROM stdin;\n",
        ];
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..3000 {
            let mut src = String::new();
            for _ in 0..(seed % 40) {
                // xorshift64: deterministic, no dependency.
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                src.push_str(pieces[(seed % pieces.len() as u64) as usize]);
            }
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            for dialect in Dialect::ALL {
                let (statements, diagnostics) = split(&src, dialect);
                assert_invariants(&src, &statements);
                // At most one error: the unfinished end of the input. Warnings about lines
                // read as comments (`#` in SQLite) may come with it.
                let errors = diagnostics
                    .iter()
                    .filter(|d| d.severity() == crate::diag::Severity::Error)
                    .count();
                assert!(errors <= 1, "{src:?}: {diagnostics:?}");
            }
        }
    }

    /// Splits every `.sql` file of the shared corpus that is present. `FERRY_SHARED` names the
    /// shared folder (its `corpus/` is used) or the corpus folder itself; the default is
    /// `<crate>/../shared/corpus`. Clones without the corpus skip it.
    #[test]
    fn split_corpus_files() {
        let corpus = match std::env::var_os("FERRY_SHARED") {
            Some(shared) => {
                let shared = std::path::PathBuf::from(shared);
                if shared.join("corpus").is_dir() {
                    shared.join("corpus")
                } else {
                    shared
                }
            }
            None => std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"),
        };
        for (folder, dialect) in [
            ("mysql", Mysql),
            ("postgresql", Postgres),
            ("sqlite", Sqlite),
        ] {
            let dir = corpus.join(folder);
            if !dir.is_dir() {
                eprintln!("corpus: {} is absent, skipped", dir.display());
                continue;
            }
            for path in sql_files(&dir) {
                let Ok(bytes) = std::fs::read(&path) else {
                    panic!("cannot read {}", path.display());
                };
                let src = String::from_utf8_lossy(&bytes);
                let (statements, diagnostics) = split(&src, dialect);
                let name = path
                    .strip_prefix(&corpus)
                    .unwrap_or(&path)
                    .display()
                    .to_string();
                assert!(diagnostics.is_empty(), "{name}: {diagnostics:?}");
                assert_invariants(&src, &statements);
                let copies = statements
                    .iter()
                    .filter(|s| matches!(s.kind, RawKind::CopyFromStdin { .. }))
                    .count();
                let metas = statements
                    .iter()
                    .filter(|s| s.kind == RawKind::ClientCommand)
                    .count();
                eprintln!(
                    "{:>6} statements {copies:>3} COPY FROM stdin {metas:>2} psql  {name}",
                    statements.len()
                );

                // Every statement but the last ends at a terminator or is a psql line; every
                // CREATE TABLE at the start of a line begins a statement.
                let terminators = ["$$", "//", ";"]
                    .iter()
                    .map(|t| src.matches(t).count())
                    .sum::<usize>();
                let tables = src
                    .lines()
                    .filter(|l| {
                        l.get(..12)
                            .is_some_and(|w| w.eq_ignore_ascii_case("CREATE TABLE"))
                    })
                    .count();
                let range = tables.max(1)..=terminators + metas + 1;
                assert!(
                    range.contains(&statements.len()),
                    "{name}: {} statements, expected {range:?}",
                    statements.len()
                );
                let copy_lines = src
                    .lines()
                    .filter(|l| l.to_ascii_lowercase().trim_end().ends_with("from stdin;"))
                    .count();
                assert_eq!(copies, copy_lines, "{name}: COPY … FROM stdin blocks");
            }
        }
    }

    /// The `.sql` files under `dir`, sorted (the corpus also holds a binary SQLite database).
    fn sql_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
        let mut files = Vec::new();
        let mut dirs = vec![dir.to_path_buf()];
        while let Some(dir) = dirs.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "sql") {
                    files.push(path);
                }
            }
        }
        files.sort();
        files
    }

    /// Every place `split` may cut a script: just after a `;` that ends a line.
    fn candidates(src: &str) -> Vec<usize> {
        src.match_indices(";\n")
            .map(|(i, _)| i + 2)
            .filter(|&c| c < src.len())
            .collect()
    }

    /// Splitting in pieces cut at `cuts` gives what splitting the whole script gives.
    fn assert_same_in_pieces(dialect: Dialect, src: &str, cuts: &[usize]) {
        let (whole, whole_diags) = split_at(src, dialect, &[]);
        let (pieces, diags) = split_at(src, dialect, cuts);
        assert_eq!(pieces, whole, "{dialect} script cut at {cuts:?}");
        assert_eq!(
            format!("{diags:?}"),
            format!("{whole_diags:?}"),
            "{dialect} cut at {cuts:?}"
        );
    }

    /// Scripts whose `;`-ended lines sit inside strings, comments, routines, DELIMITER sections,
    /// dollar quotes and COPY data, and scripts left open at the end: cut at every candidate
    /// and at every pair of candidates, they split as they do whole.
    #[test]
    fn pieces_split_as_the_whole_script_does() {
        let mysql = "CREATE TABLE a (x int);\nINSERT INTO a VALUES ('one;\ntwo');\n\
            CREATE TABLE b ( -- why;\n y int);\n# note;\n/* block;\n*/ SELECT 1;\n\
            /*!50001 CREATE VIEW v AS SELECT 1;\n*/;\nDELIMITER ;;\nCREATE TRIGGER t BEFORE INSERT ON a \
            FOR EACH ROW BEGIN\n SET NEW.x = 1;\n SET NEW.x = 2;\nEND;;\nDELIMITER ;\n\
            CREATE PROCEDURE p() BEGIN\n SELECT 1;\n SELECT 2;\nEND;\nSELECT \"q;\n\";\nSELECT `a;\nb`;\n\
            SELECT 'open;\n";
        let postgres = "CREATE TABLE a (x int);\nCOPY a (x) FROM stdin;\n1;\n2;\n\\.\n\
            CREATE FUNCTION f() RETURNS int AS $$\nBEGIN\n RETURN 1;\nEND;\n$$ LANGUAGE plpgsql;\n\
            /* outer; /* inner;\n */ still;\n */ SELECT E'a\\';\nb';\n\\connect x;\nSELECT 1;\n\
            COPY a (x) FROM stdin;\n3;\n";
        let sqlite = "CREATE TABLE a (x int);\nCREATE TRIGGER t AFTER INSERT ON a BEGIN\n \
            UPDATE a SET x = 1;\nEND;\nSELECT [a;\n];\nSELECT 'x;\n'; /* open;\n";
        for (dialect, src) in [
            (Dialect::Mysql, mysql),
            (Dialect::Postgres, postgres),
            (Dialect::Sqlite, sqlite),
        ] {
            let cuts = candidates(src);
            for (i, &a) in cuts.iter().enumerate() {
                assert_same_in_pieces(dialect, src, &[a]);
                for &b in &cuts[i + 1..] {
                    assert_same_in_pieces(dialect, src, &[a, b]);
                }
            }
        }
    }

    /// The corpus's scripts (triggers in DELIMITER sections, dollar-quoted functions, COPY
    /// data, dumps of rows) split in pieces as they do whole, at a sample of cuts.
    #[test]
    fn corpus_scripts_split_in_pieces_as_whole() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
        for (dialect, file) in [
            (Dialect::Mysql, "mysql/sakila/sakila-mv-schema.sql"),
            (Dialect::Mysql, "mysql/chinook/Chinook_MySql.sql"),
            (Dialect::Postgres, "postgresql/pagila/pagila-schema.sql"),
            (Dialect::Postgres, "postgresql/northwind/northwind.sql"),
            (Dialect::Sqlite, "sqlite/chinook/Chinook_Sqlite.sql"),
        ] {
            let src = std::fs::read_to_string(root.join(file)).expect("a corpus file");
            let cuts = candidates(&src);
            let step = (cuts.len() / 40).max(1);
            for &cut in cuts.iter().step_by(step) {
                assert_same_in_pieces(dialect, &src, &[cut]);
            }
            assert!(
                !cut_points(&src, 2).is_empty() || src.len() < 2 * MIN_PIECE,
                "{file}"
            );
        }
    }
}
