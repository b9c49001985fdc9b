//! A fast path in front of sqlparser's tokenizer, for MySQL statements.
//!
//! sqlparser's `Tokenizer` reads a statement char by char through a `Peekable<Chars>` and asks
//! the dialect about each char; on a 2,000-table dump it was a fifth of all of ferry's CPU
//! (BENCHMARKS.md). Most of a schema's text is words, backquoted names, numbers, plain strings,
//! parentheses and commas, which this module reads byte by byte.
//!
//! The contract: `mysql` returns exactly the tokens, with exactly the spans, that
//! `sqlparser::tokenizer::Tokenizer::new(&MySqlDialect {}, text).with_unescape(true)
//! .tokenize_with_location()` returns, or `None`. It declines (`None`) at the first byte whose
//! reading it does not spell out below: backslash escapes, string prefixes (`N'..'`, `X'..'`,
//! `_utf8mb4'..'`), `@` and `$`, comments, hex and exponent numbers, names that start with a
//! digit, non-ASCII outside quotes, and every operator but the plain ones. Then sqlparser
//! tokenizes the statement as before, and reports its errors. The tests below compare both
//! tokenizers on every MySQL statement of the corpus and the fixtures, and on mutations of them.

use std::sync::OnceLock;

use sqlparser::keywords::{ALL_KEYWORDS, ALL_KEYWORDS_INDEX, Keyword};
use sqlparser::tokenizer::{Location, Span, Token, TokenWithSpan, Whitespace, Word};

/// The tokens of a MySQL statement, or `None` where sqlparser's own tokenizer must read it.
pub fn mysql(text: &str) -> Option<Vec<TokenWithSpan>> {
    let b = text.as_bytes();
    // A token per two bytes of DDL, counting each blank as sqlparser does (one token a char).
    let mut out = Vec::with_capacity(b.len() / 2 + 8);
    let mut at = Cursor {
        i: 0,
        line: 1,
        col: 1,
    };
    while at.i < b.len() {
        let start = at.location();
        let c = b[at.i];
        let next = b.get(at.i + 1).copied();
        let token = match c {
            b' ' => at.one(Token::Whitespace(Whitespace::Space)),
            b'\t' => at.one(Token::Whitespace(Whitespace::Tab)),
            b'\n' => {
                at.newline();
                Token::Whitespace(Whitespace::Newline)
            }
            // sqlparser reads `\r` and `\r\n` as one newline; its column counts the `\r`.
            b'\r' => {
                at.step();
                if next == Some(b'\n') {
                    at.newline();
                }
                Token::Whitespace(Whitespace::Newline)
            }
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                let end = at.i + b[at.i..].iter().take_while(|c| is_word_byte(**c)).count();
                // A word followed by a quote is a string prefix or a charset introducer; `$`,
                // `@` and non-ASCII bytes continue a MySQL name.
                if b.get(end).is_some_and(|c| continues_word(*c)) {
                    return None;
                }
                let value = &text[at.i..end];
                at.advance_ascii(end);
                Token::Word(Word {
                    value: value.to_string(),
                    quote_style: None,
                    keyword: keyword(value),
                })
            }
            b'0'..=b'9' => {
                let mut end = at.i + digits(&b[at.i..]);
                if b.get(end) == Some(&b'.') {
                    let fraction = digits(b.get(end + 1..).unwrap_or_default());
                    if fraction == 0 {
                        return None;
                    }
                    end += 1 + fraction;
                }
                // `1e5`, `0x1F`, `1L`, `2fa` (a name), `1.2.3`: sqlparser's own business.
                if b.get(end)
                    .is_some_and(|c| is_word_byte(*c) || continues_word(*c) || *c == b'.')
                {
                    return None;
                }
                let value = &text[at.i..end];
                at.advance_ascii(end);
                Token::Number(value.to_string(), false)
            }
            b'.' => {
                // `.5` is a number and `t._c` a special case of sqlparser's.
                if next.is_some_and(|c| c.is_ascii_digit() || c == b'_') {
                    return None;
                }
                at.one(Token::Period)
            }
            b'`' => {
                let value = quoted(text, &mut at, b'`', false)?;
                Token::Word(Word {
                    value,
                    quote_style: Some('`'),
                    keyword: Keyword::NoKeyword,
                })
            }
            b'\'' => Token::SingleQuotedString(quoted(text, &mut at, b'\'', true)?),
            // In MySQL (without ANSI_QUOTES) `"` quotes a string, as sqlparser reads it.
            b'"' => Token::DoubleQuotedString(quoted(text, &mut at, b'"', true)?),
            b'(' => at.one(Token::LParen),
            b')' => at.one(Token::RParen),
            b',' => at.one(Token::Comma),
            b';' => at.one(Token::SemiColon),
            b'+' => at.one(Token::Plus),
            b'*' => at.one(Token::Mul),
            b'=' if !matches!(next, Some(b'>' | b'=')) => at.one(Token::Eq),
            // `--` may start a comment, `->` is JSON.
            b'-' if !matches!(next, Some(b'-' | b'>')) => at.one(Token::Minus),
            b'/' if !matches!(next, Some(b'*' | b'/')) => at.one(Token::Div),
            b'<' if !matches!(
                next,
                Some(b'=' | b'>' | b'<' | b'|' | b'@' | b'+' | b'-' | b'^')
            ) =>
            {
                at.one(Token::Lt)
            }
            b'>' if !matches!(next, Some(b'=' | b'>' | b'^')) => at.one(Token::Gt),
            _ => return None,
        };
        out.push(TokenWithSpan::new(token, Span::new(start, at.location())));
    }
    Some(out)
}

/// Where the reader is: a byte offset, and sqlparser's line and column (in chars, from 1).
struct Cursor {
    i: usize,
    line: u64,
    col: u64,
}

impl Cursor {
    fn location(&self) -> Location {
        Location::new(self.line, self.col)
    }

    /// Steps over one ASCII byte that is not a newline, and returns `t`.
    fn one(&mut self, t: Token) -> Token {
        self.step();
        t
    }

    /// Steps over one ASCII byte that is not a newline.
    fn step(&mut self) {
        self.i += 1;
        self.col += 1;
    }

    fn newline(&mut self) {
        self.i += 1;
        self.line += 1;
        self.col = 1;
    }

    /// Steps to `end` over ASCII bytes without newlines.
    fn advance_ascii(&mut self, end: usize) {
        self.col += (end - self.i) as u64;
        self.i = end;
    }
}

fn is_word_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Bytes after a word or number that make it something this reader leaves to sqlparser.
fn continues_word(c: u8) -> bool {
    matches!(c, b'$' | b'@' | b'\'' | b'"' | b'`' | b'&') || !c.is_ascii()
}

fn digits(b: &[u8]) -> usize {
    b.iter().take_while(|c| c.is_ascii_digit()).count()
}

/// Reads a quoted string or name starting at the opening quote. A doubled quote stands for one
/// (sqlparser unescapes it); a backslash in a string, or a quote never closed, declines.
fn quoted(text: &str, at: &mut Cursor, quote: u8, is_string: bool) -> Option<String> {
    let b = text.as_bytes();
    let mut value = String::new();
    at.step();
    // The text since the last doubled quote: copied whole, between two ASCII quotes (so on
    // char boundaries).
    let mut from = at.i;
    loop {
        let c = *b.get(at.i)?;
        if c == quote {
            value.push_str(text.get(from..at.i)?);
            if b.get(at.i + 1) == Some(&quote) {
                value.push(char::from(quote));
                at.i += 2;
                at.col += 2;
                from = at.i;
                continue;
            }
            at.step();
            return Some(value);
        }
        if c == b'\\' && is_string {
            return None;
        }
        at.i += 1;
        match c {
            b'\n' => {
                at.line += 1;
                at.col = 1;
            }
            // A char's continuation bytes do not move the column.
            0x80..=0xBF => {}
            _ => at.col += 1,
        }
    }
}

/// sqlparser's keyword for an unquoted word (its own lookup is a binary search over 900
/// keywords with a case-folding comparison at each step).
fn keyword(word: &str) -> Keyword {
    static TABLE: OnceLock<foldhash::HashMap<&'static [u8], Keyword>> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        ALL_KEYWORDS
            .iter()
            .map(|k| k.as_bytes())
            .zip(ALL_KEYWORDS_INDEX.iter().copied())
            .collect()
    });
    let mut buf = [0u8; 64];
    crate::dialect::ascii_upper(word, &mut buf)
        .and_then(|upper| table.get(upper).copied())
        .unwrap_or(Keyword::NoKeyword)
}

#[cfg(test)]
mod tests {
    use sqlparser::dialect::MySqlDialect;
    use sqlparser::tokenizer::Tokenizer;

    use crate::dialect::Dialect;

    /// Asserts that the fast path gives sqlparser's tokens and spans, where it reads the text at
    /// all; returns whether it did.
    fn check(text: &str) -> bool {
        let Some(fast) = super::mysql(text) else {
            return false;
        };
        let slow = Tokenizer::new(&MySqlDialect {}, text)
            .with_unescape(true)
            .tokenize_with_location()
            .unwrap_or_else(|e| {
                panic!("the fast path read what sqlparser refuses ({e}): {text:?}")
            });
        let pairs = |t: &[super::TokenWithSpan]| -> Vec<_> {
            t.iter().map(|t| (t.token.clone(), t.span)).collect()
        };
        assert_eq!(pairs(&fast), pairs(&slow), "tokens differ in {text:?}");
        true
    }

    /// Every statement of the MySQL corpus files and of the MySQL fixtures.
    fn statements() -> Vec<String> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
        let mut files = Vec::new();
        let mut dirs = vec![root.join("corpus/mysql"), root.join("fixtures")];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).expect("test folder").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "sql")
                    && (path.starts_with(root.join("corpus"))
                        || path
                            .file_name()
                            .is_some_and(|n| n.to_string_lossy().starts_with("mysql")))
                {
                    files.push(path);
                }
            }
        }
        files.sort();
        let mut out = Vec::new();
        for f in files {
            let Ok(text) = std::fs::read_to_string(&f) else {
                continue;
            };
            let (raws, _) = crate::parse::split::split(&text, Dialect::Mysql);
            out.extend(raws.into_iter().map(|r| r.text));
        }
        out
    }

    #[test]
    fn fast_tokens_are_sqlparsers_on_the_corpus() {
        let all = statements();
        let read = all.iter().filter(|s| check(s)).count();
        // The corpus's CREATE TABLE statements are what the fast path is for.
        assert!(
            all.len() > 300 && read * 2 > all.len(),
            "{read} of {}",
            all.len()
        );
    }

    #[test]
    fn fast_tokens_are_sqlparsers_on_mutated_statements() {
        // Characters that start every construct the fast path reads or declines.
        const PIECES: &[&str] = &[
            "'", "\"", "`", "\\", "''", "``", ".", "._", ".5", "0x", "1e5", "N'", "_utf8'", "@",
            "$", "#", "--", "-- ", "/*", "*/", "->", "=>", "<=>", "<>", "!=", "<<", ">=", "\r",
            "\r\n", "\n", "\t", "\u{0B}", "é", "日本", "9", "a", " ", ";", "(", ")", ",", "=", "-",
            "/", "<", ">", "*", "+", "%", "&", "|", "?", ":", "[", "{", "~", "^", "!",
        ];
        let all = statements();
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let (mut tried, mut read) = (0, 0);
        for stmt in all.iter().filter(|s| s.len() < 4000).step_by(3) {
            for _ in 0..8 {
                let mut text = stmt.clone();
                for _ in 0..1 + next(3) {
                    // Half of the pieces go right after a quote, into a string or a name.
                    let quotes: Vec<usize> = text
                        .match_indices(['\'', '"', '`'])
                        .map(|(i, _)| i + 1)
                        .collect();
                    let mut at = match next(2) {
                        0 if !quotes.is_empty() => quotes[next(quotes.len())],
                        _ => next(text.len() + 1),
                    };
                    while !text.is_char_boundary(at) {
                        at -= 1;
                    }
                    text.insert_str(at, PIECES[next(PIECES.len())]);
                }
                tried += 1;
                read += usize::from(check(&text));
            }
        }
        assert!(read > 100 && read < tried, "{read} of {tried} mutants read");
    }

    #[test]
    fn quotes_newlines_and_keywords() {
        for text in [
            "CREATE TABLE `a``b` (c INT DEFAULT 'it''s', d VARCHAR(10) DEFAULT \"x\"\"y\")",
            "create table t (\r\n  `naïve` text comment 'héllo\nwörld',\r  price decimal(10,2) default 1.50\n)",
            "ALTER TABLE t ADD CONSTRAINT c CHECK (a >= 0 AND b <> 1 AND c < 2 OR d > 3 - 1 / 2 * 4 + 5)",
            "CREATE TABLE x (a int, KEY k (a)) ENGINE=InnoDB AUTO_INCREMENT=5 DEFAULT CHARSET=utf8mb4",
            "COMMENT 'a\\nb'",
            "DEFAULT 'c\\'d' x '\\\\'",
            "'unterminated",
            "`unterminated",
            "",
        ] {
            check(text);
        }
        assert!(check("CREATE TABLE `a``b` (c INT DEFAULT 'it''s')"));
        assert!(!check("CREATE TABLE t (c INT DEFAULT 'a\\'b')"));
        assert_eq!(
            super::keyword("varchar"),
            sqlparser::keywords::Keyword::VARCHAR
        );
        assert_eq!(
            super::keyword("not_a_keyword"),
            sqlparser::keywords::Keyword::NoKeyword
        );
    }
}
