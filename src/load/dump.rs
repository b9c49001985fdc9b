//! Streams the data out of a dump file: mysqldump's extended INSERTs, pg_dump's COPY blocks (and
//! its `--inserts` form), sqlite3 `.dump` INSERTs. A dedicated scanner reads the tuples (no SQL
//! parse per row) from a buffered reader, so a dump of any size is never held in memory: a batch
//! holds at most `max_rows` rows, wherever statements begin and end.
//!
//! Statements that are not data are skipped with the same care the splitter takes (quotes and
//! their escapes per dialect, comments, PostgreSQL dollar quotes, MySQL `DELIMITER`, trigger
//! bodies), so an INSERT inside a routine or trigger is never taken for data.
//! Literal syntax: https://dev.mysql.com/doc/refman/8.0/en/string-literals.html,
//! https://www.postgresql.org/docs/current/sql-copy.html (text format),
//! https://sqlite.org/lang_expr.html#literal_values_constants_ (and `.dump`'s `replace(..., char(10))`).

use std::fmt;
use std::io::Read;

use crate::dialect::{Dialect, DumpSyntax};
use crate::ir::Name;
use crate::value::{Value, decode_hex};

const BUF: usize = 1 << 16;

/// Rows of one table, in dump order.
#[derive(Debug)]
pub struct DataBatch {
    pub table: Name,
    /// The column list the statement named, if any.
    pub columns: Option<Vec<String>>,
    pub rows: Vec<Vec<Value>>,
    /// The line where the batch's statement starts.
    pub line: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DumpError {
    pub line: u64,
    pub message: String,
}

impl fmt::Display for DumpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// A statement whose tuples are being read across calls.
struct Open {
    table: Name,
    columns: Option<Vec<String>>,
    line: u64,
    copy: bool,
}

pub struct DumpReader<R: Read> {
    src: R,
    buf: Vec<u8>,
    pos: usize,
    end: usize,
    eof: bool,
    line: u64,
    dialect: Dialect,
    /// What the dialect's dump tool writes (`Dialect::dump_syntax`).
    syntax: DumpSyntax,
    delimiter: Vec<u8>,
    open: Option<Open>,
    /// When set, every byte read outside data statements is copied here, and only the line
    /// breaks of data statements: the schema part of the dump, with its line numbers.
    capture: Option<Vec<u8>>,
    in_data: bool,
    /// How many MySQL conditional comments (`/*!NNNNN`) are open: their content is read, and
    /// their `*/` is blank.
    conditional: usize,
}

type Res<T> = Result<T, DumpError>;

impl<R: Read> DumpReader<R> {
    pub fn new(src: R, dialect: Dialect) -> DumpReader<R> {
        DumpReader {
            src,
            buf: vec![0; BUF],
            pos: 0,
            end: 0,
            eof: false,
            line: 1,
            dialect,
            syntax: dialect.dump_syntax(),
            delimiter: b";".to_vec(),
            open: None,
            capture: None,
            in_data: false,
            conditional: 0,
        }
    }

    /// Reads the whole dump and returns its text without the data statements (each replaced by
    /// its line breaks, so line numbers stay those of the file), holding at most one batch of
    /// rows at a time. Fails like `next_batch` on a malformed data statement.
    pub fn schema_text(mut self) -> Res<String> {
        self.capture = Some(Vec::new());
        while self.next_batch(1024)?.is_some() {}
        let bytes = self.capture.take().unwrap_or_default();
        String::from_utf8(bytes).map_err(|e| {
            let at = e.utf8_error().valid_up_to();
            let line = e.as_bytes()[..at].iter().filter(|b| **b == b'\n').count() as u64 + 1;
            DumpError {
                line,
                message: "the schema part of the dump is not valid UTF-8".into(),
            }
        })
    }

    fn err<T>(&self, message: impl Into<String>) -> Res<T> {
        Err(DumpError {
            line: self.line,
            message: message.into(),
        })
    }

    /// Makes at least `n` bytes available unless the input ends first.
    fn fill(&mut self, n: usize) -> Res<()> {
        while self.end - self.pos < n && !self.eof {
            if self.pos > 0 {
                self.buf.copy_within(self.pos..self.end, 0);
                self.end -= self.pos;
                self.pos = 0;
            }
            if self.end == self.buf.len() {
                let grown = self.buf.len() * 2;
                self.buf.resize(grown, 0);
            }
            match self.src.read(&mut self.buf[self.end..]) {
                Ok(0) => self.eof = true,
                Ok(k) => self.end += k,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return self.err(format!("cannot read the dump: {e}")),
            }
        }
        Ok(())
    }

    fn peek_at(&mut self, i: usize) -> Res<Option<u8>> {
        self.fill(i + 1)?;
        Ok(self
            .buf
            .get(self.pos + i)
            .copied()
            .filter(|_| self.pos + i < self.end))
    }

    fn peek(&mut self) -> Res<Option<u8>> {
        self.peek_at(0)
    }

    fn bump(&mut self) -> Res<Option<u8>> {
        let b = self.peek()?;
        if let Some(c) = b {
            self.pos += 1;
            if c == b'\n' {
                self.line += 1;
            }
            if let Some(cap) = &mut self.capture
                && (!self.in_data || c == b'\n')
            {
                cap.push(c);
            }
        }
        Ok(b)
    }

    fn starts_with(&mut self, s: &[u8]) -> Res<bool> {
        self.fill(s.len())?;
        Ok(self.end - self.pos >= s.len() && &self.buf[self.pos..self.pos + s.len()] == s)
    }

    fn starts_with_word(&mut self, word: &str) -> Res<bool> {
        let n = word.len();
        self.fill(n + 1)?;
        if self.end - self.pos < n {
            return Ok(false);
        }
        let same = self.buf[self.pos..self.pos + n].eq_ignore_ascii_case(word.as_bytes());
        let next = self
            .buf
            .get(self.pos + n)
            .copied()
            .filter(|_| self.pos + n < self.end);
        Ok(same && !next.is_some_and(is_word_byte))
    }

    /// Skips whitespace and comments. A MySQL conditional comment is not one: its opening
    /// `/*!NNNNN` and its closing `*/` are skipped and its content read (`conditional_comments`).
    fn skip_blank(&mut self) -> Res<()> {
        loop {
            match self.peek()? {
                Some(c) if c.is_ascii_whitespace() => {
                    self.bump()?;
                }
                Some(b'-') if self.peek_at(1)? == Some(b'-') => self.skip_line()?,
                Some(b'#') if self.syntax.hash_comments => self.skip_line()?,
                Some(b'/') if self.peek_at(1)? == Some(b'*') => {
                    if !self.conditional_open()? {
                        self.skip_block_comment()?;
                    }
                }
                Some(b'*') if self.conditional_close()? => {}
                _ => return Ok(()),
            }
        }
    }

    /// At `/*`: opens a MySQL conditional comment `/*!` with its optional version number, and
    /// says whether it did.
    fn conditional_open(&mut self) -> Res<bool> {
        if !self.syntax.conditional_comments || self.peek_at(2)? != Some(b'!') {
            return Ok(false);
        }
        for _ in 0..3 {
            self.bump()?;
        }
        while self.peek()?.is_some_and(|c| c.is_ascii_digit()) {
            self.bump()?;
        }
        self.conditional += 1;
        Ok(true)
    }

    /// At `*`: closes the innermost open conditional comment when this is its `*/`, and says
    /// whether it did.
    fn conditional_close(&mut self) -> Res<bool> {
        if self.conditional == 0 || self.peek_at(1)? != Some(b'/') {
            return Ok(false);
        }
        self.bump()?;
        self.bump()?;
        self.conditional -= 1;
        Ok(true)
    }

    fn skip_line(&mut self) -> Res<()> {
        while let Some(c) = self.bump()? {
            if c == b'\n' {
                break;
            }
        }
        Ok(())
    }

    fn skip_block_comment(&mut self) -> Res<()> {
        let line = self.line;
        self.bump()?;
        self.bump()?;
        loop {
            match self.bump()? {
                Some(b'*') if self.peek()? == Some(b'/') => {
                    self.bump()?;
                    return Ok(());
                }
                Some(_) => {}
                None => {
                    return Err(DumpError {
                        line,
                        message: "a comment opened here is never closed: the dump is truncated"
                            .into(),
                    });
                }
            }
        }
    }

    /// The next batch of rows, or `None` at the end of the dump.
    pub fn next_batch(&mut self, max_rows: usize) -> Res<Option<DataBatch>> {
        let max_rows = max_rows.max(1);
        loop {
            if self.open.is_some() {
                if let Some(b) = self.read_open(max_rows)? {
                    return Ok(Some(b));
                }
                continue;
            }
            self.skip_blank()?;
            if self.peek()?.is_none() {
                return Ok(None);
            }
            if self.starts_with(&self.delimiter.clone())? {
                for _ in 0..self.delimiter.len() {
                    self.bump()?;
                }
                continue;
            }
            let line = self.line;
            if self.starts_with_word("INSERT")?
                || (self.syntax.replace_statements && self.starts_with_word("REPLACE")?)
            {
                self.insert_head(line)?;
            } else if self.syntax.copy_blocks && self.starts_with_word("COPY")? {
                self.copy_head(line)?;
            } else if self.syntax.delimiter_lines && self.starts_with_word("DELIMITER")? {
                self.word()?;
                self.skip_inline_space()?;
                let mut d = Vec::new();
                while let Some(c) = self.peek()? {
                    if c.is_ascii_whitespace() {
                        break;
                    }
                    d.push(c);
                    self.bump()?;
                }
                if d.is_empty() {
                    return self.err("DELIMITER without a delimiter");
                }
                self.delimiter = d;
            } else {
                self.skip_statement()?;
            }
        }
    }

    fn skip_inline_space(&mut self) -> Res<()> {
        while matches!(self.peek()?, Some(b' ' | b'\t')) {
            self.bump()?;
        }
        Ok(())
    }

    /// A bare word, upper-cased.
    fn word(&mut self) -> Res<String> {
        let mut w = String::new();
        while let Some(c) = self.peek()? {
            if !is_word_byte(c) {
                break;
            }
            w.push(c.to_ascii_uppercase() as char);
            self.bump()?;
        }
        Ok(w)
    }

    /// A possibly quoted, possibly qualified name.
    fn name(&mut self) -> Res<Vec<String>> {
        let mut parts = Vec::new();
        loop {
            self.skip_blank()?;
            let part = match self.peek()? {
                Some(q @ (b'`' | b'"')) => {
                    self.bump()?;
                    self.quoted_ident(q)?
                }
                Some(b'[') if self.syntax.bracket_names => {
                    self.bump()?;
                    self.quoted_ident(b']')?
                }
                Some(c) if is_word_byte(c) => {
                    let mut w = Vec::new();
                    while let Some(c) = self.peek()? {
                        if !is_word_byte(c) {
                            break;
                        }
                        w.push(c);
                        self.bump()?;
                    }
                    let w = String::from_utf8_lossy(&w).into_owned();
                    // As the dialect stores an unquoted name (PostgreSQL: lower case).
                    self.dialect.fold_unquoted(&w)
                }
                _ => return self.err("expected a table or column name"),
            };
            parts.push(part);
            self.skip_blank()?;
            if self.peek()? == Some(b'.') {
                self.bump()?;
            } else {
                return Ok(parts);
            }
        }
    }

    fn quoted_ident(&mut self, close: u8) -> Res<String> {
        let mut out = Vec::new();
        loop {
            match self.bump()? {
                Some(c) if c == close => {
                    if self.peek()? == Some(close) && close != b']' {
                        self.bump()?;
                        out.push(c);
                    } else {
                        break;
                    }
                }
                Some(c) => out.push(c),
                None => return self.err("a quoted name is never closed: the dump is truncated"),
            }
        }
        String::from_utf8(out).or_else(|_| self.err("a quoted name is not valid UTF-8"))
    }

    fn to_name(&self, parts: Vec<String>) -> Name {
        let mut parts = parts;
        let name = parts.pop().unwrap_or_default();
        Name {
            schema: parts.pop(),
            name,
        }
    }

    /// `(a, b, c)`
    fn column_list(&mut self) -> Res<Vec<String>> {
        self.bump()?; // (
        let mut cols = Vec::new();
        loop {
            let mut parts = self.name()?;
            cols.push(parts.pop().unwrap_or_default());
            self.skip_blank()?;
            match self.bump()? {
                Some(b',') => {}
                Some(b')') => return Ok(cols),
                _ => return self.err("expected `,` or `)` in a column list"),
            }
        }
    }

    /// A table name and the column list after it, if any.
    fn table_and_columns(&mut self) -> Res<(Name, Option<Vec<String>>)> {
        let table = self.name()?;
        let table = self.to_name(table);
        self.skip_blank()?;
        let columns = if self.peek()? == Some(b'(') {
            Some(self.column_list()?)
        } else {
            None
        };
        Ok((table, columns))
    }

    /// `INSERT [modifiers] INTO name [(cols)] [OVERRIDING ... VALUE] VALUES`: up to the first tuple.
    fn insert_head(&mut self, line: u64) -> Res<()> {
        self.in_data = true;
        self.word()?; // INSERT / REPLACE
        loop {
            self.skip_blank()?;
            let w = self.word()?;
            match w.as_str() {
                "INTO" => break,
                "IGNORE" | "LOW_PRIORITY" | "DELAYED" | "HIGH_PRIORITY" | "OR" | "REPLACE"
                | "ABORT" | "FAIL" | "ROLLBACK" => {}
                _ => return self.err(format!("unexpected `{w}` after INSERT")),
            }
        }
        let (table, columns) = self.table_and_columns()?;
        loop {
            self.skip_blank()?;
            let w = self.word()?;
            match w.as_str() {
                "VALUES" | "VALUE" => break,
                "OVERRIDING" | "SYSTEM" | "USER" => {}
                "" => {
                    return self.err("expected VALUES: only INSERT ... VALUES is read from dumps");
                }
                _ => {
                    return self.err(format!(
                        "INSERT ... {w} is not a dump's data statement: only INSERT ... VALUES is read"
                    ));
                }
            }
        }
        self.open = Some(Open {
            table,
            columns,
            line,
            copy: false,
        });
        Ok(())
    }

    /// `COPY name [(cols)] FROM stdin;` and the line break after it.
    fn copy_head(&mut self, line: u64) -> Res<()> {
        self.in_data = true;
        self.word()?;
        let (table, columns) = self.table_and_columns()?;
        self.skip_blank()?;
        let from = self.word()?;
        self.skip_blank()?;
        let stdin = self.word()?;
        if from != "FROM" || stdin != "STDIN" {
            // COPY ... TO, or FROM a file: not data in this dump; skip it.
            self.in_data = false;
            return self.skip_statement();
        }
        // Options (WITH ...) are not written by pg_dump; anything up to `;` is skipped.
        while let Some(c) = self.bump()? {
            if c == b';' {
                break;
            }
        }
        self.skip_line()?;
        self.open = Some(Open {
            table,
            columns,
            line,
            copy: true,
        });
        Ok(())
    }

    /// Reads rows of the open statement; `None` when it ended without any.
    fn read_open(&mut self, max_rows: usize) -> Res<Option<DataBatch>> {
        let Some(open) = self.open.take() else {
            return Ok(None);
        };
        let mut rows = Vec::new();
        let mut done = false;
        while rows.len() < max_rows {
            let row = if open.copy {
                self.copy_row(open.line)?
            } else {
                self.tuple(open.line)?
            };
            match row {
                Some(r) => rows.push(r),
                None => {
                    done = true;
                    break;
                }
            }
        }
        let batch = DataBatch {
            table: open.table.clone(),
            columns: open.columns.clone(),
            rows,
            line: open.line,
        };
        if done {
            self.in_data = false;
        } else {
            self.open = Some(open);
        }
        Ok((!batch.rows.is_empty()).then_some(batch))
    }

    /// One `( ... )` tuple, or `None` at the statement's end.
    fn tuple(&mut self, start: u64) -> Res<Option<Vec<Value>>> {
        self.skip_blank()?;
        match self.peek()? {
            Some(b',') => {
                self.bump()?;
                self.skip_blank()?;
            }
            Some(b'(') => {}
            _ => {
                // The end of the tuple list: the delimiter, or a clause we do not load.
                if self.starts_with(&self.delimiter.clone())? {
                    for _ in 0..self.delimiter.len() {
                        self.bump()?;
                    }
                    return Ok(None);
                }
                if self.peek()?.is_none() {
                    return Err(DumpError {
                        line: start,
                        message: "the INSERT starting here has no end: the dump is truncated"
                            .into(),
                    });
                }
                let w = self.word()?;
                return self.err(format!(
                    "INSERT ... {w} is not loaded: only plain INSERT ... VALUES is read from dumps"
                ));
            }
        }
        if self.bump()? != Some(b'(') {
            return self.err("expected `(` to open a VALUES tuple");
        }
        let mut row = Vec::new();
        loop {
            self.skip_blank()?;
            row.push(self.literal()?);
            self.skip_blank()?;
            match self.bump()? {
                Some(b',') => {}
                Some(b')') => return Ok(Some(row)),
                Some(c) => {
                    return self.err(format!(
                        "expected `,` or `)` in a VALUES tuple, found `{}`",
                        c as char
                    ));
                }
                None => {
                    return Err(DumpError {
                        line: start,
                        message: "the INSERT starting here has no end: the dump is truncated"
                            .into(),
                    });
                }
            }
        }
    }

    fn literal(&mut self) -> Res<Value> {
        let v = match self.peek()? {
            Some(b'\'') => {
                self.bump()?;
                self.string_value(self.syntax.backslash_escapes)?
            }
            Some(b'"') if self.syntax.double_quoted_strings => {
                self.bump()?;
                let bytes = self.string_body(b'"', self.syntax.backslash_escapes)?;
                text_or_bytes(bytes)
            }
            Some(b'-' | b'+' | b'.' | b'0'..=b'9') => self.number()?,
            Some(c) if is_word_byte(c) => self.word_literal()?,
            Some(c) => return self.err(format!("unexpected `{}` in a VALUES tuple", c as char)),
            None => return self.err("the dump ends inside a VALUES tuple: it is truncated"),
        };
        // PostgreSQL --inserts may add casts: 'x'::type
        self.skip_blank()?;
        while self.starts_with(b"::")? {
            self.bump()?;
            self.bump()?;
            self.skip_blank()?;
            while let Some(c) = self.peek()? {
                if is_word_byte(c) || matches!(c, b'.' | b'[' | b']' | b' ' | b'"') {
                    self.bump()?;
                } else if c == b'(' {
                    while let Some(c) = self.bump()? {
                        if c == b')' {
                            break;
                        }
                    }
                } else {
                    break;
                }
            }
        }
        Ok(v)
    }

    /// After an opening quote: a string, text when it is UTF-8, bytes otherwise.
    fn string_value(&mut self, escapes: bool) -> Res<Value> {
        let bytes = self.string_body(b'\'', escapes)?;
        Ok(text_or_bytes(bytes))
    }

    /// The body of a quoted string up to its closing quote (doubled quotes and, for MySQL and
    /// E'' strings, backslash escapes decoded).
    fn string_body(&mut self, quote: u8, escapes: bool) -> Res<Vec<u8>> {
        let start = self.line;
        let mut out = Vec::new();
        loop {
            match self.bump()? {
                Some(c) if c == quote => {
                    if self.peek()? == Some(quote) {
                        self.bump()?;
                        out.push(quote);
                    } else {
                        return Ok(out);
                    }
                }
                Some(b'\\') if escapes => match self.bump()? {
                    Some(b'0') => out.push(0),
                    Some(b'b') => out.push(8),
                    Some(b'n') => out.push(b'\n'),
                    Some(b'r') => out.push(b'\r'),
                    Some(b't') => out.push(b'\t'),
                    Some(b'Z') => out.push(26),
                    // \% and \_ keep their backslash (they escape LIKE wildcards).
                    Some(c @ (b'%' | b'_')) => out.extend([b'\\', c]),
                    Some(c) => out.push(c),
                    None => break,
                },
                Some(c) => out.push(c),
                None => break,
            }
        }
        Err(DumpError {
            line: start,
            message: "a string opened here is never closed: the dump is truncated".into(),
        })
    }

    fn number(&mut self) -> Res<Value> {
        let mut s = String::new();
        while let Some(c) = self.peek()? {
            let sign_after_e = matches!(c, b'-' | b'+') && s.ends_with(['e', 'E']);
            if c.is_ascii_digit()
                || c == b'.'
                || c == b'e'
                || c == b'E'
                || sign_after_e
                || (s.is_empty() && matches!(c, b'-' | b'+'))
            {
                s.push(c as char);
                self.bump()?;
            } else if s == "0" && matches!(c, b'x' | b'X') {
                // 0x... hexadecimal bytes (mysqldump --hex-blob)
                self.bump()?;
                let mut hex = String::new();
                while let Some(c) = self.peek()? {
                    if !c.is_ascii_hexdigit() {
                        break;
                    }
                    hex.push(c as char);
                    self.bump()?;
                }
                return match decode_hex(&hex) {
                    Some(b) => Ok(Value::Bytes(b)),
                    None => self.err(format!("0x{hex} has an odd number of digits")),
                };
            } else {
                break;
            }
        }
        let s = s.strip_prefix('+').map(str::to_string).unwrap_or(s);
        if s.contains(['e', 'E']) {
            return s
                .parse::<f64>()
                .map(Value::Float)
                .or_else(|_| self.err(format!("`{s}` is not a number")));
        }
        if s.contains('.') {
            if s.chars().filter(|c| *c == '.').count() > 1 || s == "." || s == "-." {
                return self.err(format!("`{s}` is not a number"));
            }
            return Ok(Value::Decimal(s));
        }
        if let Ok(i) = s.parse::<i64>() {
            return Ok(Value::Int(i));
        }
        if let Ok(u) = s.parse::<u64>() {
            return Ok(Value::UInt(u));
        }
        if !s.is_empty()
            && s.trim_start_matches('-')
                .chars()
                .all(|c| c.is_ascii_digit())
        {
            // Wider than 64 bits: exact text (a DECIMAL(65) value).
            return Ok(Value::Decimal(s));
        }
        self.err(format!("`{s}` is not a number"))
    }

    /// NULL, TRUE/FALSE, X'..', b'..', _binary '..', E'..', replace(..., char(n)).
    fn word_literal(&mut self) -> Res<Value> {
        let line = self.line;
        // X'..' and b'..' (and E'..') have no space before the quote.
        if let (Some(c), Some(b'\'')) = (self.peek()?, self.peek_at(1)?) {
            match c {
                b'x' | b'X' => {
                    self.bump()?;
                    self.bump()?;
                    let body = self.string_body(b'\'', false)?;
                    let hex = String::from_utf8_lossy(&body).into_owned();
                    return decode_hex(&hex)
                        .map(Value::Bytes)
                        .map_or_else(|| self.err(format!("X'{hex}' is not hexadecimal")), Ok);
                }
                b'b' | b'B' => {
                    self.bump()?;
                    self.bump()?;
                    let body = self.string_body(b'\'', false)?;
                    return Ok(Value::Text(String::from_utf8_lossy(&body).into_owned()));
                }
                // N'...': a national-character string (MySQL, and in hand-written scripts).
                b'n' | b'N' => {
                    self.bump()?;
                    self.bump()?;
                    return self.string_value(self.syntax.backslash_escapes);
                }
                b'e' | b'E' if self.syntax.escape_strings => {
                    self.bump()?;
                    self.bump()?;
                    return self.string_value(true);
                }
                _ => {}
            }
        }
        let w = self.word()?;
        match w.as_str() {
            "NULL" => Ok(Value::Null),
            "TRUE" => Ok(Value::Bool(true)),
            "FALSE" => Ok(Value::Bool(false)),
            _ if w.starts_with('_') && self.syntax.introducers => {
                // A character-set introducer: _binary '...' is bytes, _utf8mb4 '...' text.
                self.skip_blank()?;
                match self.peek()? {
                    Some(b'\'') => {
                        self.bump()?;
                        let body = self.string_body(b'\'', true)?;
                        Ok(if w == "_BINARY" {
                            Value::Bytes(body)
                        } else {
                            text_or_bytes(body)
                        })
                    }
                    Some(b'0') => {
                        let v = self.number()?;
                        Ok(v)
                    }
                    _ => self.err(format!("expected a string after the introducer {w}")),
                }
            }
            "REPLACE" | "CHAR" if self.syntax.text_functions => self.sqlite_function(&w),
            _ => Err(DumpError {
                line,
                message: format!("`{w}` is not a literal this reader knows in a VALUES tuple"),
            }),
        }
    }

    /// sqlite3 `.dump` writes text with line breaks as `replace('a\nb','\n',char(10))`.
    fn sqlite_function(&mut self, name: &str) -> Res<Value> {
        self.skip_blank()?;
        if self.bump()? != Some(b'(') {
            return self.err(format!("expected `(` after {name}"));
        }
        let mut args = Vec::new();
        loop {
            self.skip_blank()?;
            args.push(self.literal()?);
            self.skip_blank()?;
            match self.bump()? {
                Some(b',') => {}
                Some(b')') => break,
                _ => return self.err(format!("expected `,` or `)` in {name}(...)")),
            }
        }
        let text = |v: &Value| match v {
            Value::Text(t) => Some(t.clone()),
            _ => None,
        };
        match (name, args.as_slice()) {
            ("CHAR", codes) => {
                let mut s = String::new();
                for c in codes {
                    match c {
                        Value::Int(n) => match u32::try_from(*n).ok().and_then(char::from_u32) {
                            Some(ch) => s.push(ch),
                            None => return self.err(format!("char({n}) is not a character")),
                        },
                        _ => return self.err("char() takes integers"),
                    }
                }
                Ok(Value::Text(s))
            }
            ("REPLACE", [a, b, c]) => match (text(a), text(b), text(c)) {
                (Some(a), Some(b), Some(c)) => Ok(Value::Text(a.replace(&b, &c))),
                _ => self.err("replace() over values that are not text"),
            },
            _ => self.err(format!("{name}() with {} arguments", args.len())),
        }
    }

    /// One COPY text-format row, or `None` at the `\.` line.
    fn copy_row(&mut self, start: u64) -> Res<Option<Vec<Value>>> {
        let mut line = Vec::new();
        loop {
            match self.bump()? {
                Some(b'\n') => break,
                Some(c) => line.push(c),
                None if line.is_empty() => {
                    return Err(DumpError {
                        line: start,
                        message:
                            "the COPY block starting here has no `\\.` end: the dump is truncated"
                                .into(),
                    });
                }
                None => break,
            }
        }
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        if line == b"\\." {
            return Ok(None);
        }
        let mut row = Vec::new();
        for field in line.split(|b| *b == b'\t') {
            if field == b"\\N" {
                row.push(Value::Null);
                continue;
            }
            let bytes = copy_unescape(field);
            row.push(text_or_bytes(bytes));
        }
        Ok(Some(row))
    }

    /// Skips one statement up to its delimiter at top level.
    fn skip_statement(&mut self) -> Res<()> {
        let start = self.line;
        let first = self.word()?;
        let mut depth = 0usize; // BEGIN ... END and CASE ... END inside CREATE TRIGGER/FUNCTION
        loop {
            if depth == 0 && self.starts_with(&self.delimiter.clone())? {
                for _ in 0..self.delimiter.len() {
                    self.bump()?;
                }
                return Ok(());
            }
            let Some(c) = self.peek()? else {
                // A last statement without a delimiter ends the file: nothing lost for data.
                let _ = start;
                return Ok(());
            };
            match c {
                b'\'' => {
                    self.bump()?;
                    self.string_body(b'\'', self.syntax.backslash_escapes)?;
                }
                b'"' | b'`' => {
                    self.bump()?;
                    let string = c == b'"' && self.syntax.double_quoted_strings;
                    self.string_body(c, string && self.syntax.backslash_escapes)?;
                }
                b'-' if self.peek_at(1)? == Some(b'-') => self.skip_line()?,
                b'#' if self.syntax.hash_comments => self.skip_line()?,
                b'/' if self.peek_at(1)? == Some(b'*') => {
                    if !self.conditional_open()? {
                        self.skip_block_comment()?;
                    }
                }
                b'*' if self.conditional_close()? => {}
                b'$' if self.syntax.dollar_quotes => self.dollar_quote()?,
                c if is_word_byte(c) => {
                    let w = self.word()?;
                    if first == "CREATE" {
                        match w.as_str() {
                            "BEGIN" | "CASE" => depth += 1,
                            "END" => depth = depth.saturating_sub(1),
                            _ => {}
                        }
                    }
                }
                _ => {
                    self.bump()?;
                }
            }
        }
    }

    /// `$tag$ ... $tag$` (or a positional parameter `$1`, which has no closing tag).
    fn dollar_quote(&mut self) -> Res<()> {
        let start = self.line;
        self.bump()?;
        let mut tag = vec![b'$'];
        while let Some(c) = self.peek()? {
            if c == b'$' {
                self.bump()?;
                tag.push(b'$');
                break;
            }
            if !(c.is_ascii_alphanumeric() || c == b'_') || (c.is_ascii_digit() && tag.len() == 1) {
                return Ok(()); // `$1`: not a quote
            }
            tag.push(c);
            self.bump()?;
        }
        if tag.last() != Some(&b'$') || tag.len() < 2 {
            return Ok(());
        }
        loop {
            if self.starts_with(&tag)? {
                for _ in 0..tag.len() {
                    self.bump()?;
                }
                return Ok(());
            }
            if self.bump()?.is_none() {
                return Err(DumpError {
                    line: start,
                    message:
                        "a dollar-quoted body opened here is never closed: the dump is truncated"
                            .into(),
                });
            }
        }
    }
}

fn is_word_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c >= 0x80
}

pub(crate) fn text_or_bytes(bytes: Vec<u8>) -> Value {
    match String::from_utf8(bytes) {
        Ok(s) => Value::Text(s),
        Err(e) => Value::Bytes(e.into_bytes()),
    }
}

/// COPY text format escapes: `\b \f \n \r \t \v \\`, `\NNN` octal, `\xHH` hex.
pub(crate) fn copy_unescape(field: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(field.len());
    let mut i = 0;
    while i < field.len() {
        if field[i] != b'\\' || i + 1 == field.len() {
            out.push(field[i]);
            i += 1;
            continue;
        }
        let c = field[i + 1];
        i += 2;
        match c {
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'v' => out.push(11),
            b'0'..=b'7' => {
                let mut n = u32::from(c - b'0');
                let mut k = 0;
                while k < 2 && i < field.len() && (b'0'..=b'7').contains(&field[i]) {
                    n = n * 8 + u32::from(field[i] - b'0');
                    i += 1;
                    k += 1;
                }
                out.push((n & 0xff) as u8);
            }
            b'x' if i < field.len() && field[i].is_ascii_hexdigit() => {
                let mut n = 0u8;
                let mut k = 0;
                while k < 2 && i < field.len() && field[i].is_ascii_hexdigit() {
                    n = n * 16 + (field[i] as char).to_digit(16).unwrap_or(0) as u8;
                    i += 1;
                    k += 1;
                }
                out.push(n);
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(text: &str, dialect: Dialect, batch: usize) -> Res<Vec<(String, Vec<Vec<Value>>)>> {
        let mut r = DumpReader::new(text.as_bytes(), dialect);
        let mut out: Vec<(String, Vec<Vec<Value>>)> = Vec::new();
        while let Some(b) = r.next_batch(batch)? {
            out.push((b.table.to_string(), b.rows));
        }
        Ok(out)
    }

    #[test]
    fn mysqldump_extended_inserts() {
        let dump = "-- MySQL dump\n/*!40101 SET NAMES utf8 */;\nCREATE TABLE `t` (a int, b text);\n\
            LOCK TABLES `t` WRITE;\n/*!40000 ALTER TABLE `t` DISABLE KEYS */;\n\
            INSERT INTO `t` VALUES (1,'it\\'s;'),(2,NULL),(-3,'a\\nb'),(4,_binary '\\0\\1'),(5,0x00FF),(6,1.50),(7,1e3);\n\
            DELIMITER ;;\n/*!50003 CREATE*/ /*!50003 TRIGGER x BEFORE INSERT ON t FOR EACH ROW BEGIN INSERT INTO log VALUES (1); END */;;\nDELIMITER ;\n\
            INSERT INTO `t` (`a`,`b`) VALUES (8,'x');\n";
        let got = read_all(dump, Dialect::Mysql, 100).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(got.len(), 2);
        let rows = &got[0].1;
        assert_eq!(rows.len(), 7);
        assert_eq!(rows[0], vec![Value::Int(1), Value::Text("it's;".into())]);
        assert_eq!(rows[1][1], Value::Null);
        assert_eq!(rows[2], vec![Value::Int(-3), Value::Text("a\nb".into())]);
        assert_eq!(rows[3][1], Value::Bytes(vec![0, b'1']));
        assert_eq!(rows[4][1], Value::Bytes(vec![0, 255]));
        assert_eq!(rows[5][1], Value::Decimal("1.50".into()));
        assert_eq!(rows[6][1], Value::Float(1000.0));
        assert_eq!(got[1].1, vec![vec![Value::Int(8), Value::Text("x".into())]]);
    }

    /// MySQL runs the content of `/*!NNNNN ... */` on servers of that version or later: a value
    /// (and its comma) inside one is a value (Sakila writes its geometries so), and a statement
    /// inside one is skipped as any other.
    #[test]
    fn conditional_comments_hold_values() {
        let dump = "/*!40101 SET NAMES utf8 */;\n\
            INSERT INTO t VALUES (1,/*!50705 0x0102,*/'a'),(2,/*!50705 0x03,*/ /* plain */ 'b');\n\
            /*!40000 ALTER TABLE t ENABLE KEYS */;\n\
            INSERT INTO u VALUES (/*!99999 7 */);\n";
        let got = read_all(dump, Dialect::Mysql, 100).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(got.len(), 2);
        assert_eq!(
            got[0].1,
            vec![
                vec![
                    Value::Int(1),
                    Value::Bytes(vec![1, 2]),
                    Value::Text("a".into())
                ],
                vec![
                    Value::Int(2),
                    Value::Bytes(vec![3]),
                    Value::Text("b".into())
                ],
            ]
        );
        assert_eq!(got[1].1, vec![vec![Value::Int(7)]]);
        // Elsewhere `/*!` is a comment like any other.
        let pg = read_all("INSERT INTO t VALUES (1 /*! 2, */);", Dialect::Postgres, 10)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(pg[0].1, vec![vec![Value::Int(1)]]);
    }

    #[test]
    fn batches_split_long_statements() {
        let dump = "INSERT INTO t VALUES (1),(2),(3),(4),(5);";
        let got = read_all(dump, Dialect::Mysql, 2).unwrap_or_else(|e| panic!("{e}"));
        let sizes: Vec<usize> = got.iter().map(|b| b.1.len()).collect();
        assert_eq!(sizes, vec![2, 2, 1]);
    }

    #[test]
    fn pg_dump_copy_blocks_and_functions() {
        let dump = "CREATE FUNCTION f() RETURNS int AS $$ BEGIN INSERT INTO t VALUES (9); RETURN 1; END $$ LANGUAGE plpgsql;\n\
            COPY public.t (a, b) FROM stdin;\n1\thello\\tworld\n2\t\\N\n3\t\\\\x0a\n\\.\n\
            INSERT INTO public.t VALUES (4, E'a\\nb'), (5, 'c''d'::text);\n";
        let got = read_all(dump, Dialect::Postgres, 100).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[0].0, "public.t");
        assert_eq!(
            got[0].1[0],
            vec![Value::Text("1".into()), Value::Text("hello\tworld".into())]
        );
        assert_eq!(got[0].1[1][1], Value::Null);
        assert_eq!(got[0].1[2][1], Value::Text("\\x0a".into()));
        assert_eq!(got[1].1[0][1], Value::Text("a\nb".into()));
        assert_eq!(got[1].1[1][1], Value::Text("c'd".into()));
    }

    #[test]
    fn sqlite_dump_literals_and_triggers() {
        let dump = "PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\nCREATE TABLE \"t\"(a, b);\n\
            INSERT INTO t VALUES(1,replace('a\\nb','\\n',char(10)),X'00ff');\n\
            CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO log VALUES (CASE WHEN 1 THEN 2 END); END;\n\
            INSERT INTO \"t\" VALUES(2,'x''y',NULL);\nCOMMIT;\n";
        let got = read_all(dump, Dialect::Sqlite, 100).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(
            got[0].1[0],
            vec![
                Value::Int(1),
                Value::Text("a\nb".into()),
                Value::Bytes(vec![0, 255])
            ]
        );
        assert_eq!(got[1].1[0][1], Value::Text("x'y".into()));
    }

    #[test]
    fn schema_text_keeps_ddl_and_line_numbers() {
        let dump = "CREATE TABLE t (a int);\nINSERT INTO t VALUES (1),\n(2);\nCREATE INDEX i ON t (a);\n\
            COPY t (a) FROM stdin;\n1\n\\.\n-- end\n";
        let text = DumpReader::new(dump.as_bytes(), Dialect::Postgres)
            .schema_text()
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            text,
            "CREATE TABLE t (a int);\n\n\nCREATE INDEX i ON t (a);\n\n\n\n-- end\n"
        );
    }

    #[test]
    fn truncated_dumps_are_errors_with_a_line() {
        for (dump, dialect) in [
            ("INSERT INTO t VALUES (1,'abc", Dialect::Mysql),
            ("INSERT INTO t VALUES (1,2", Dialect::Mysql),
            ("INSERT INTO t VALUES (1),", Dialect::Mysql),
            ("\n\nCOPY t (a) FROM stdin;\n1\n2\n", Dialect::Postgres),
            ("CREATE FUNCTION f() AS $$ x", Dialect::Postgres),
            ("/* never closed", Dialect::Sqlite),
        ] {
            let e = read_all(dump, dialect, 10);
            assert!(e.is_err(), "{dump:?} gave {e:?}");
        }
        let e = read_all("\n\nCOPY t (a) FROM stdin;\n1\n", Dialect::Postgres, 10);
        assert!(matches!(&e, Err(DumpError { line: 3, .. })), "{e:?}");
    }
}
