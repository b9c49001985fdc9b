//! The procedural IR: a stored function's or procedure's body as statements, whichever
//! language it was read from (`emit/routine/mysql.rs` reads MySQL's stored programs) and
//! whichever it is printed in (`emit/routine/plpgsql.rs`). Pure data: SQL statements and
//! expressions stay sqlparser ASTs of the source dialect, as a view's query does; types stay
//! as the source wrote them, for `mapping` to decide. Every statement keeps its span.

use sqlparser::ast;

use crate::source::Span;

/// A function or a procedure, read.
#[derive(Clone, Debug)]
pub struct RoutineDef {
    pub name: String,
    pub params: Vec<Param>,
    /// A function's return type as the source wrote it; None for a procedure.
    pub returns: Option<String>,
    pub body: Block,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    In,
    Out,
    InOut,
}

#[derive(Clone, Debug)]
pub struct Param {
    pub mode: Mode,
    pub name: String,
    /// As the source wrote it, lower case.
    pub ty: String,
}

/// `[label:] BEGIN declarations statements END`.
#[derive(Clone, Debug, Default)]
pub struct Block {
    pub label: Option<String>,
    pub vars: Vec<Var>,
    pub cursors: Vec<Cursor>,
    pub handlers: Vec<Handler>,
    pub stmts: Vec<Stmt>,
}

impl Block {
    /// This block and every block inside it, at any depth (in IF arms, loops, handlers).
    pub fn all_blocks(&self) -> Vec<&Block> {
        let mut out = vec![self];
        for s in self.all_statements() {
            if let StmtKind::Block(b) = &s.kind {
                out.push(b);
            }
        }
        out
    }

    /// Every statement of this block and of the statements and blocks inside it.
    pub fn all_statements(&self) -> Vec<&Stmt> {
        let mut out = Vec::new();
        let mut stack: Vec<&Stmt> = self.stmts.iter().collect();
        stack.extend(self.handlers.iter().map(|h| h.body.as_ref()));
        while let Some(s) = stack.pop() {
            out.push(s);
            match &s.kind {
                StmtKind::Block(b) => {
                    stack.extend(&b.stmts);
                    stack.extend(b.handlers.iter().map(|h| h.body.as_ref()));
                }
                StmtKind::If { arms, otherwise } => {
                    arms.iter().for_each(|(_, b)| stack.extend(b));
                    stack.extend(otherwise.iter().flatten());
                }
                StmtKind::While { body, .. }
                | StmtKind::Loop { body, .. }
                | StmtKind::Repeat { body, .. } => stack.extend(body),
                _ => {}
            }
        }
        out
    }
}

/// `DECLARE a, b type [DEFAULT expr]`: one entry per name.
#[derive(Clone, Debug)]
pub struct Var {
    pub name: String,
    /// As the source wrote it, lower case.
    pub ty: String,
    pub default: Option<ast::Expr>,
}

/// `DECLARE c CURSOR FOR select`.
#[derive(Clone, Debug)]
pub struct Cursor {
    pub name: String,
    pub query: ast::Query,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HandlerKind {
    /// Runs its statement, then the statement after the one that raised the condition.
    Continue,
    /// Runs its statement, then leaves the block that declares it.
    Exit,
}

/// `DECLARE CONTINUE|EXIT HANDLER FOR NOT FOUND statement`: the one condition converted.
#[derive(Clone, Debug)]
pub struct Handler {
    pub kind: HandlerKind,
    pub body: Box<Stmt>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Stmt {
    pub kind: StmtKind,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum StmtKind {
    Block(Block),
    /// `SET a = x, b = y`: a variable, or a row's column (`NEW.col` in a trigger).
    Set(Vec<(Vec<String>, ast::Expr)>),
    /// IF / ELSEIF arms, in order, and ELSE.
    If {
        arms: Vec<(ast::Expr, Vec<Stmt>)>,
        otherwise: Option<Vec<Stmt>>,
    },
    While {
        label: Option<String>,
        cond: ast::Expr,
        body: Vec<Stmt>,
    },
    Loop {
        label: Option<String>,
        body: Vec<Stmt>,
    },
    /// Runs the body, then stops when `until` holds.
    Repeat {
        label: Option<String>,
        body: Vec<Stmt>,
        until: ast::Expr,
    },
    /// Leave the loop or block of this label.
    Leave(String),
    /// Start the loop of this label again.
    Iterate(String),
    Open(String),
    Fetch {
        cursor: String,
        into: Vec<String>,
    },
    Close(String),
    Return(Option<ast::Expr>),
    /// `SIGNAL SQLSTATE 'xxxxx' [SET MESSAGE_TEXT = expr]`.
    Signal {
        sqlstate: String,
        message: Option<ast::Expr>,
    },
    /// `SELECT ... INTO variables`.
    SelectInto {
        query: Box<ast::Query>,
        into: Vec<String>,
    },
    /// A SELECT whose rows go to the caller (a procedure's result set).
    ResultSet(Box<ast::Query>),
    /// INSERT, UPDATE, DELETE, CREATE TEMPORARY TABLE, DROP TABLE.
    Sql(Box<ast::Statement>),
}
