//! MySQL's stored functions and procedures read into the procedural IR
//! (<https://mariadb.com/kb/en/create-procedure/>, <https://mariadb.com/kb/en/programmatic-compound-statements/>).
//! The compound statements (BEGIN ... END, DECLARE, IF, WHILE, LOOP, REPEAT, LEAVE, ITERATE,
//! cursors, handlers, RETURN, SIGNAL) are read here from sqlparser's tokens, which sqlparser
//! does not parse for MySQL; each SQL statement and expression inside them is handed to
//! sqlparser. What is not read is named with its place, never guessed.

use sqlparser::ast;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, Tokenizer};

use crate::dialect::Dialect;
use crate::ir::procedural::*;
use crate::source::Span;

/// A construct left out, and where it stands (byte offsets in the routine's text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unread {
    pub construct: String,
    pub at: usize,
}

type R<T> = Result<T, Unread>;

struct Tok {
    token: Token,
    start: usize,
    end: usize,
}

/// Reads `text` (a CREATE FUNCTION or CREATE PROCEDURE as MySQL takes it); `base` is the
/// text's offset in its file, so that spans point at the file.
pub fn read(text: &str, base: usize) -> R<RoutineDef> {
    Reader::new(text, base)?.routine()
}

/// Where a trigger's body starts (after `FOR EACH ROW [FOLLOWS|PRECEDES t]`), as a byte
/// offset in `text`: the head before it is what sqlparser reads of a trigger.
pub fn trigger_body_start(text: &str) -> R<usize> {
    let mut r = Reader::new(text, 0)?;
    r.past_for_each_row()?;
    Ok(r.at())
}

/// The body of a trigger (`CREATE TRIGGER ... FOR EACH ROW [FOLLOWS|PRECEDES t] body`), one
/// statement or a BEGIN ... END block, as a block.
pub fn read_trigger_body(text: &str, base: usize) -> R<Block> {
    let mut r = Reader::new(text, base)?;
    r.past_for_each_row()?;
    let start = r.pos;
    let body = r.statement()?;
    Ok(match body.kind {
        StmtKind::Block(b) => b,
        kind => Block {
            stmts: vec![Stmt {
                kind,
                span: r.span(start),
            }],
            ..Block::default()
        },
    })
}

fn tokens(text: &str) -> R<Vec<Tok>> {
    let dialect = Dialect::Mysql.parser();
    let raw = Tokenizer::new(dialect.as_ref(), text)
        .tokenize_with_location()
        .map_err(|e| Unread {
            construct: format!("the routine's text, which ferry cannot read: {e}"),
            at: 0,
        })?;
    // Byte offsets from sqlparser's lines and columns (columns count characters).
    let mut line_starts = vec![0usize];
    line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
    let offset = |line: u64, column: u64| -> usize {
        let Some(&start) = line_starts.get(line.saturating_sub(1) as usize) else {
            return text.len();
        };
        let rest = &text[start..];
        rest.char_indices()
            .nth(column.saturating_sub(1) as usize)
            .map_or(text.len(), |(i, _)| start + i)
    };
    let starts: Vec<usize> = raw
        .iter()
        .map(|t| offset(t.span.start.line, t.span.start.column))
        .collect();
    Ok(raw
        .into_iter()
        .enumerate()
        .filter(|(_, t)| !matches!(t.token, Token::Whitespace(_)))
        .map(|(i, t)| Tok {
            token: t.token,
            start: starts[i],
            end: starts.get(i + 1).copied().unwrap_or(text.len()),
        })
        .collect())
}

struct Reader<'a> {
    text: &'a str,
    toks: Vec<Tok>,
    pos: usize,
    base: usize,
}

/// Words that end a list of statements.
const ENDS: &[&str] = &["END", "ELSE", "ELSEIF", "UNTIL", "WHEN"];

impl<'t> Reader<'t> {
    /// A reader of `text`, whose offset in its file is `base`.
    fn new(text: &'t str, base: usize) -> R<Reader<'t>> {
        Ok(Reader {
            text,
            toks: tokens(text)?,
            pos: 0,
            base,
        })
    }

    /// Moves past a trigger's `FOR EACH ROW [FOLLOWS|PRECEDES t]`, to its body.
    fn past_for_each_row(&mut self) -> R<()> {
        let row = self.find(|r, i| {
            r.word_is(i, "FOR") && r.word_is(i + 1, "EACH") && r.word_is(i + 2, "ROW")
        });
        self.pos = row + 3;
        if self.eat("FOLLOWS") || self.eat("PRECEDES") {
            self.name()?;
        }
        Ok(())
    }

    fn at(&self) -> usize {
        self.toks.get(self.pos).map_or(self.text.len(), |t| t.start)
    }

    fn unread<T>(&self, construct: impl Into<String>) -> R<T> {
        Err(Unread {
            construct: construct.into(),
            at: self.at(),
        })
    }

    /// The word at `i` tokens ahead, upper case, when it is an unquoted word.
    fn word_at(&self, i: usize) -> Option<String> {
        match self.toks.get(self.pos + i).map(|t| &t.token) {
            Some(Token::Word(w)) if w.quote_style.is_none() => Some(w.value.to_ascii_uppercase()),
            _ => None,
        }
    }

    fn is(&self, kw: &str) -> bool {
        self.word_at(0).as_deref() == Some(kw)
    }

    fn eat(&mut self, kw: &str) -> bool {
        let yes = self.is(kw);
        if yes {
            self.pos += 1;
        }
        yes
    }

    fn expect(&mut self, kw: &str) -> R<()> {
        if self.eat(kw) {
            Ok(())
        } else {
            self.unread(format!("`{}` where {kw} was expected", self.first_words()))
        }
    }

    fn eat_token(&mut self, t: &Token) -> bool {
        let yes = self.toks.get(self.pos).is_some_and(|x| &x.token == t);
        if yes {
            self.pos += 1;
        }
        yes
    }

    /// A name (quoted or not), as written without its quotes.
    fn name(&mut self) -> R<String> {
        match self.toks.get(self.pos).map(|t| &t.token) {
            Some(Token::Word(w)) => {
                let v = w.value.clone();
                self.pos += 1;
                Ok(v)
            }
            _ => self.unread(format!(
                "`{}` where a name was expected",
                self.first_words()
            )),
        }
    }

    /// A few words from here, for a message.
    fn first_words(&self) -> String {
        let end = self
            .toks
            .get(self.pos + 3)
            .map_or(self.text.len(), |t| t.end);
        let s = &self.text[self.at().min(end)..end];
        s.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    /// The index of the first token from here, at parenthesis depth 0, for which `stop` holds
    /// (or the end).
    fn find(&self, stop: impl Fn(&Reader, usize) -> bool) -> usize {
        let mut depth = 0i32;
        let mut i = self.pos;
        while let Some(t) = self.toks.get(i) {
            if depth <= 0 && stop(self, i) {
                return i;
            }
            match t.token {
                Token::LParen => depth += 1,
                Token::RParen => depth -= 1,
                _ => {}
            }
            i += 1;
        }
        i
    }

    fn word_is(&self, i: usize, kw: &str) -> bool {
        matches!(self.toks.get(i).map(|t| &t.token), Some(Token::Word(w)) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(kw))
    }

    /// The text from token `from` to token `to` (exclusive).
    fn slice(&self, from: usize, to: usize) -> &str {
        let s = self.toks.get(from).map_or(self.text.len(), |t| t.start);
        let e = if to > from {
            self.toks.get(to - 1).map_or(self.text.len(), |t| t.end)
        } else {
            s
        };
        self.text[s..e.max(s)].trim()
    }

    fn span(&self, from: usize) -> Span {
        let s = self.toks.get(from).map_or(self.text.len(), |t| t.start);
        let e = self
            .toks
            .get(self.pos.saturating_sub(1))
            .map_or(self.text.len(), |t| t.end);
        Span::new(self.base + s, self.base + e.max(s))
    }

    /// An expression from here up to the token `to`.
    fn expr_until(&mut self, to: usize) -> R<ast::Expr> {
        let text = self.slice(self.pos, to).to_string();
        let e = self.parsed("the expression", &text, |p| p.parse_expr())?;
        self.pos = to;
        Ok(e)
    }

    fn routine(&mut self) -> R<RoutineDef> {
        self.expect("CREATE")?;
        // DEFINER = user, AGGREGATE, OR REPLACE: up to FUNCTION or PROCEDURE.
        let kind = self.find(|r, i| r.word_is(i, "FUNCTION") || r.word_is(i, "PROCEDURE"));
        let function = self.word_is(kind, "FUNCTION");
        self.pos = kind + 1;
        if self.eat("IF") {
            self.expect("NOT")?;
            self.expect("EXISTS")?;
        }
        let mut name = self.name()?;
        while self.eat_token(&Token::Period) {
            name = self.name()?;
        }
        if !self.eat_token(&Token::LParen) {
            return self.unread("a routine without a parameter list");
        }
        let mut params = Vec::new();
        while !self.eat_token(&Token::RParen) {
            let mode = if function {
                Mode::In
            } else if self.eat("INOUT") {
                Mode::InOut
            } else if self.eat("OUT") {
                Mode::Out
            } else {
                self.eat("IN");
                Mode::In
            };
            let name = self.name()?;
            let end = self.find(|r, i| matches!(r.toks[i].token, Token::Comma | Token::RParen));
            let ty = self.slice(self.pos, end).to_lowercase();
            if ty.is_empty() {
                return self.unread(format!("parameter `{name}` without a type"));
            }
            params.push(Param { mode, name, ty });
            self.pos = end;
            self.eat_token(&Token::Comma);
            if self.pos >= self.toks.len() {
                return self.unread("the parameter list's end");
            }
        }
        let returns = if function {
            self.expect("RETURNS")?;
            let end = self.find(|r, i| {
                const CHARACTERISTICS: &[&str] = &[
                    "LANGUAGE",
                    "NOT",
                    "DETERMINISTIC",
                    "CONTAINS",
                    "NO",
                    "READS",
                    "MODIFIES",
                    "SQL",
                    "COMMENT",
                    "BEGIN",
                    "RETURN",
                ];
                CHARACTERISTICS.iter().any(|k| r.word_is(i, k))
                    || matches!(r.toks.get(i + 1).map(|t| &t.token), Some(Token::Colon))
            });
            let ty = self.slice(self.pos, end).to_lowercase();
            self.pos = end;
            Some(ty)
        } else {
            None
        };
        // Characteristics (https://mariadb.com/kb/en/create-procedure/#characteristic).
        loop {
            if self.eat("LANGUAGE") {
                self.expect("SQL")?;
            } else if self.eat("NOT") {
                self.expect("DETERMINISTIC")?;
            } else if self.eat("DETERMINISTIC") {
            } else if self.eat("CONTAINS") || self.eat("NO") {
                self.expect("SQL")?;
            } else if self.eat("READS") || self.eat("MODIFIES") {
                self.expect("SQL")?;
                self.expect("DATA")?;
            } else if self.eat("SQL") {
                self.expect("SECURITY")?;
                self.name()?;
            } else if self.eat("COMMENT") {
                self.pos += 1;
            } else {
                break;
            }
        }
        let start = self.pos;
        let body = self.statement()?;
        if self.pos < self.toks.len() && !matches!(self.toks[self.pos].token, Token::EOF) {
            return self.unread(format!("`{}` after the routine's body", self.first_words()));
        }
        let body = match body.kind {
            StmtKind::Block(b) => b,
            kind => Block {
                stmts: vec![Stmt {
                    kind,
                    span: self.span(start),
                }],
                ..Block::default()
            },
        };
        Ok(RoutineDef {
            name,
            params,
            returns,
            body,
        })
    }

    /// Statements up to one of `ENDS`.
    fn statements(&mut self) -> R<Vec<Stmt>> {
        let mut out = Vec::new();
        while self.pos < self.toks.len()
            && !ENDS.iter().any(|e| self.is(e))
            && !matches!(self.toks[self.pos].token, Token::EOF)
        {
            out.push(self.statement()?);
        }
        Ok(out)
    }

    /// `;` after a statement; the routine's last END may stand without one.
    fn end_statement(&mut self) -> R<()> {
        if self.eat_token(&Token::SemiColon)
            || self.pos >= self.toks.len()
            || matches!(self.toks[self.pos].token, Token::EOF)
        {
            Ok(())
        } else {
            self.unread(format!("`{}` where `;` was expected", self.first_words()))
        }
    }

    /// END followed by `word` (IF, WHILE, ...) and the optional label.
    fn end_of(&mut self, word: &str, label: &Option<String>) -> R<()> {
        self.expect("END")?;
        if !word.is_empty() {
            self.expect(word)?;
        }
        if let Some(l) = label
            && matches!(self.toks.get(self.pos).map(|t| &t.token), Some(Token::Word(w)) if w.value.eq_ignore_ascii_case(l))
        {
            self.pos += 1;
        }
        self.end_statement()
    }

    fn statement(&mut self) -> R<Stmt> {
        let start = self.pos;
        let label = match (self.toks.get(self.pos), self.toks.get(self.pos + 1)) {
            (
                Some(Tok {
                    token: Token::Word(w),
                    ..
                }),
                Some(Tok {
                    token: Token::Colon,
                    ..
                }),
            ) => {
                let l = w.value.clone();
                self.pos += 2;
                Some(l)
            }
            _ => None,
        };
        let Some(word) = self.word_at(0) else {
            return self.unread(format!("the statement `{}`", self.first_words()));
        };
        let kind = match word.as_str() {
            "BEGIN" => {
                self.pos += 1;
                if self.eat("NOT") {
                    self.expect("ATOMIC")?;
                }
                let mut block = Block {
                    label: label.clone(),
                    ..Block::default()
                };
                while self.is("DECLARE") {
                    self.declare(&mut block)?;
                }
                block.stmts = self.statements()?;
                self.end_of("", &label)?;
                StmtKind::Block(block)
            }
            "IF" => {
                self.pos += 1;
                let mut arms = Vec::new();
                let mut otherwise = None;
                loop {
                    let then = self.find(|r, i| r.word_is(i, "THEN"));
                    let cond = self.expr_until(then)?;
                    self.expect("THEN")?;
                    arms.push((cond, self.statements()?));
                    if self.eat("ELSEIF") {
                        continue;
                    }
                    if self.eat("ELSE") {
                        otherwise = Some(self.statements()?);
                    }
                    break;
                }
                self.end_of("IF", &None)?;
                StmtKind::If { arms, otherwise }
            }
            "WHILE" => {
                self.pos += 1;
                let d = self.find(|r, i| r.word_is(i, "DO"));
                let cond = self.expr_until(d)?;
                self.expect("DO")?;
                let body = self.statements()?;
                self.end_of("WHILE", &label)?;
                StmtKind::While { label, cond, body }
            }
            "LOOP" => {
                self.pos += 1;
                let body = self.statements()?;
                self.end_of("LOOP", &label)?;
                StmtKind::Loop { label, body }
            }
            "REPEAT" => {
                self.pos += 1;
                let body = self.statements()?;
                self.expect("UNTIL")?;
                let e = self.find(|r, i| r.word_is(i, "END"));
                let until = self.expr_until(e)?;
                self.end_of("REPEAT", &label)?;
                StmtKind::Repeat { label, body, until }
            }
            "LEAVE" | "ITERATE" | "OPEN" | "CLOSE" => {
                self.pos += 1;
                let name = self.name()?;
                self.end_statement()?;
                match word.as_str() {
                    "LEAVE" => StmtKind::Leave(name),
                    "ITERATE" => StmtKind::Iterate(name),
                    "OPEN" => StmtKind::Open(name),
                    _ => StmtKind::Close(name),
                }
            }
            "FETCH" => {
                self.pos += 1;
                if self.eat("NEXT") {
                    self.expect("FROM")?;
                } else {
                    self.eat("FROM");
                }
                let cursor = self.name()?;
                self.expect("INTO")?;
                let into = self.names()?;
                self.end_statement()?;
                StmtKind::Fetch { cursor, into }
            }
            "RETURN" => {
                self.pos += 1;
                let semi = self.find(|r, i| matches!(r.toks[i].token, Token::SemiColon));
                let e = self.expr_until(semi)?;
                self.end_statement()?;
                StmtKind::Return(Some(e))
            }
            "SET" => {
                self.pos += 1;
                let mut sets = Vec::new();
                loop {
                    let mut target = vec![self.name()?];
                    while self.eat_token(&Token::Period) {
                        target.push(self.name()?);
                    }
                    if target[0].starts_with('@') {
                        return self.unread(format!("the user variable `{}`", target[0]));
                    }
                    if !(self.eat_token(&Token::Eq) || self.eat_token(&Token::Assignment)) {
                        return self.unread(format!("SET {}", self.first_words()));
                    }
                    let end = self
                        .find(|r, i| matches!(r.toks[i].token, Token::Comma | Token::SemiColon));
                    sets.push((target, self.expr_until(end)?));
                    if !self.eat_token(&Token::Comma) {
                        break;
                    }
                }
                self.end_statement()?;
                StmtKind::Set(sets)
            }
            "SIGNAL" => {
                self.pos += 1;
                self.expect("SQLSTATE")?;
                self.eat("VALUE");
                let sqlstate = match self.toks.get(self.pos).map(|t| &t.token) {
                    Some(Token::SingleQuotedString(s)) => s.clone(),
                    _ => return self.unread("SIGNAL of a named condition"),
                };
                self.pos += 1;
                let mut message = None;
                if self.eat("SET") {
                    loop {
                        let item = self.name()?;
                        if !item.eq_ignore_ascii_case("MESSAGE_TEXT") {
                            return self.unread(format!("SIGNAL ... SET {item}"));
                        }
                        self.eat_token(&Token::Eq);
                        let end = self.find(|r, i| {
                            matches!(r.toks[i].token, Token::Comma | Token::SemiColon)
                        });
                        message = Some(self.expr_until(end)?);
                        if !self.eat_token(&Token::Comma) {
                            break;
                        }
                    }
                }
                self.end_statement()?;
                StmtKind::Signal { sqlstate, message }
            }
            "SELECT" | "WITH" | "(" => self.select()?,
            "INSERT" | "UPDATE" | "DELETE" | "CREATE" | "DROP" => {
                let semi = self.find(|r, i| matches!(r.toks[i].token, Token::SemiColon));
                let text = self.slice(self.pos, semi).to_string();
                let statement = self.parsed("the statement", &text, |p| p.parse_statement())?;
                self.pos = semi;
                self.end_statement()?;
                StmtKind::Sql(Box::new(statement))
            }
            "PREPARE" | "EXECUTE" | "DEALLOCATE" => {
                return self.unread(format!("dynamic SQL (`{word}`)"));
            }
            _ => {
                let semi = self.find(|r, i| matches!(r.toks[i].token, Token::SemiColon));
                let text = first_words(self.slice(self.pos, semi));
                return self.unread(format!("the statement `{text}`"));
            }
        };
        Ok(Stmt {
            kind,
            span: self.span(start),
        })
    }

    /// `a, b, c`.
    fn names(&mut self) -> R<Vec<String>> {
        let mut out = vec![self.name()?];
        while self.eat_token(&Token::Comma) {
            out.push(self.name()?);
        }
        Ok(out)
    }

    /// A SELECT: `... INTO variables` or a result set for the caller.
    fn select(&mut self) -> R<StmtKind> {
        let semi = self.find(|r, i| matches!(r.toks[i].token, Token::SemiColon));
        let into = (self.pos..semi).find(|&i| {
            self.word_is(i, "INTO") && {
                // At parenthesis depth 0 of the statement.
                let mut depth = 0i32;
                for t in &self.toks[self.pos..i] {
                    match t.token {
                        Token::LParen => depth += 1,
                        Token::RParen => depth -= 1,
                        _ => {}
                    }
                }
                depth == 0
            }
        });
        let from = self.toks.get(self.pos).map_or(0, |t| t.start);
        let to = self
            .toks
            .get(semi.saturating_sub(1))
            .map_or(self.text.len(), |t| t.end);
        let mut text = self.text[from..to.max(from)].to_string();
        let mut vars = Vec::new();
        if let Some(i) = into {
            let save = self.pos;
            self.pos = i + 1;
            if self.is("OUTFILE") || self.is("DUMPFILE") {
                return self.unread("SELECT ... INTO OUTFILE");
            }
            vars = self.names()?;
            if let Some(v) = vars.iter().find(|v| v.starts_with('@')) {
                return self.unread(format!("the user variable `{v}`"));
            }
            // Blank `INTO a, b`: the rest is a query.
            let (s, e) = (
                self.toks[i].start - from,
                self.toks[self.pos - 1].end - from,
            );
            text.replace_range(s..e, &" ".repeat(e - s));
            self.pos = save;
        }
        let query = self.parsed("the query", &text, |p| p.parse_query())?;
        self.pos = semi;
        self.end_statement()?;
        Ok(if into.is_some() {
            StmtKind::SelectInto { query, into: vars }
        } else {
            StmtKind::ResultSet(query)
        })
    }

    /// One DECLARE: variables, a cursor or a NOT FOUND handler.
    fn declare(&mut self, block: &mut Block) -> R<()> {
        let start = self.pos;
        self.expect("DECLARE")?;
        if self.is("CONTINUE") || self.is("EXIT") || self.is("UNDO") {
            let kind = match self.word_at(0).as_deref() {
                Some("CONTINUE") => HandlerKind::Continue,
                Some("EXIT") => HandlerKind::Exit,
                _ => return self.unread("an UNDO handler"),
            };
            self.pos += 1;
            self.expect("HANDLER")?;
            self.expect("FOR")?;
            let not_found = if self.eat("NOT") {
                self.expect("FOUND")?;
                true
            } else if self.eat("SQLSTATE") {
                self.eat("VALUE");
                let s = matches!(self.toks.get(self.pos).map(|t| &t.token), Some(Token::SingleQuotedString(s)) if s == "02000");
                self.pos += 1;
                s
            } else {
                false
            };
            if !not_found || self.is_token(&Token::Comma) {
                self.pos = start;
                return self.unread(format!(
                    "a handler for a condition other than NOT FOUND (`{}`)",
                    self.slice(start, (start + 6).min(self.toks.len()))
                ));
            }
            let body = self.statement()?;
            block.handlers.push(Handler {
                kind,
                body: Box::new(body),
                span: self.span(start),
            });
            return Ok(());
        }
        let names = self.names()?;
        if self.eat("CURSOR") {
            self.expect("FOR")?;
            let [name] = names.as_slice() else {
                return self.unread("a cursor of several names");
            };
            let name = name.clone();
            match self.select()? {
                StmtKind::ResultSet(q) => block.cursors.push(Cursor { name, query: *q }),
                _ => return self.unread("a cursor's SELECT ... INTO"),
            }
            return Ok(());
        }
        if self.eat("CONDITION") {
            self.pos = start;
            return self.unread("DECLARE ... CONDITION");
        }
        let end = self
            .find(|r, i| r.word_is(i, "DEFAULT") || matches!(r.toks[i].token, Token::SemiColon));
        let ty = self.slice(self.pos, end).to_lowercase();
        self.pos = end;
        let default = if self.eat("DEFAULT") {
            let semi = self.find(|r, i| matches!(r.toks[i].token, Token::SemiColon));
            Some(self.expr_until(semi)?)
        } else {
            None
        };
        self.end_statement()?;
        for name in names {
            block.vars.push(Var {
                name,
                ty: ty.clone(),
                default: default.clone(),
            });
        }
        Ok(())
    }

    /// `text` read whole by sqlparser's `read`, or `what` named as unread.
    fn parsed<T>(
        &self,
        what: &str,
        text: &str,
        read: impl FnOnce(&mut Parser) -> Result<T, sqlparser::parser::ParserError>,
    ) -> R<T> {
        let dialect = Dialect::Mysql.parser();
        let parsed = Parser::new(dialect.as_ref())
            .try_with_sql(text)
            .and_then(|mut p| {
                let t = read(&mut p)?;
                match p.peek_token().token {
                    Token::EOF => Ok(t),
                    t => Err(sqlparser::parser::ParserError::ParserError(format!(
                        "unexpected {t}"
                    ))),
                }
            });
        parsed.or_else(|e| {
            self.unread(format!(
                "{what} `{}`, which ferry cannot read: {e}",
                first_words(text)
            ))
        })
    }

    fn is_token(&self, t: &Token) -> bool {
        self.toks.get(self.pos).is_some_and(|x| &x.token == t)
    }
}

fn first_words(s: &str) -> String {
    s.split_whitespace().take(4).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROUTINE: &str =
        "CREATE DEFINER=`root`@`%` PROCEDURE p(IN a INT, OUT b DECIMAL(10,2) UNSIGNED, INOUT c INT)
BEGIN
  DECLARE done, n INT DEFAULT 0;
  DECLARE cur CURSOR FOR SELECT x FROM t WHERE y > a;
  DECLARE CONTINUE HANDLER FOR NOT FOUND SET done = 1;
  l: LOOP
    FETCH NEXT FROM cur INTO n;
    IF done = 1 THEN LEAVE l; ELSEIF n > 3 THEN ITERATE l; ELSE SET b = b + n; END IF;
  END LOOP l;
  REPEAT SET c = c - 1; UNTIL c <= 0 END REPEAT;
  SELECT COUNT(*) FROM t INTO c;
  SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'stop';
END";

    #[test]
    fn compound_statements_are_read_into_the_ir() {
        let def = read(ROUTINE, 100).unwrap_or_else(|u| panic!("{u:?}"));
        assert_eq!(def.name, "p");
        let modes: Vec<(Mode, &str)> = def.params.iter().map(|p| (p.mode, p.ty.as_str())).collect();
        assert_eq!(
            modes,
            [
                (Mode::In, "int"),
                (Mode::Out, "decimal(10,2) unsigned"),
                (Mode::InOut, "int")
            ]
        );
        let b = &def.body;
        assert_eq!((b.vars.len(), b.cursors.len(), b.handlers.len()), (2, 1, 1));
        let kinds: Vec<&str> = b
            .stmts
            .iter()
            .map(|s| match &s.kind {
                StmtKind::Loop { .. } => "loop",
                StmtKind::Repeat { .. } => "repeat",
                StmtKind::SelectInto { .. } => "select into",
                StmtKind::Signal { .. } => "signal",
                _ => "other",
            })
            .collect();
        assert_eq!(kinds, ["loop", "repeat", "select into", "signal"]);
        // Spans are file offsets: the SIGNAL's starts where the text has it, plus the base.
        let signal = &b.stmts[3];
        assert_eq!(signal.span.start, 100 + ROUTINE.find("SIGNAL").unwrap_or(0));
    }

    /// Every prefix of a routine ends in a routine or a named construct with a place inside the
    /// text, never a panic.
    #[test]
    fn cut_routines_end_in_a_named_construct() {
        for (i, _) in ROUTINE.char_indices() {
            if let Err(u) = read(&ROUTINE[..i], 0) {
                assert!(u.at <= i, "{i}: {u:?}");
                assert!(!u.construct.is_empty());
            }
        }
    }

    #[test]
    fn dynamic_sql_is_named_where_it_stands() {
        let text = "CREATE PROCEDURE p() BEGIN\n  PREPARE s FROM 'SELECT 1';\nEND";
        let u = read(text, 0).err();
        assert_eq!(
            u,
            Some(Unread {
                construct: "dynamic SQL (`PREPARE`)".into(),
                at: text.find("PREPARE").unwrap_or(0),
            })
        );
    }
}
