//! The procedural IR printed as PL/pgSQL (<https://www.postgresql.org/docs/15/plpgsql.html>),
//! expressions and SQL statements through `expr/` as a view's are. Used for routines and for
//! the bodies of MySQL triggers (`trigger.rs`).
//!
//! Where MySQL and PL/pgSQL differ, the printed code does what MySQL does:
//! - A name that is both a variable and a column means the variable in MySQL
//!   (<https://mariadb.com/kb/en/declare-variable/>): `#variable_conflict use_variable`.
//! - `SELECT ... INTO` that finds no row leaves the variables as they were and raises NOT FOUND
//!   (<https://mariadb.com/kb/en/selectinto/>), more than one row is an error: `INTO STRICT` in
//!   a block that catches `no_data_found` and runs the NOT FOUND handler. A query that always
//!   gives one row (an aggregate without GROUP BY) is printed as it is.
//! - FETCH past the last row leaves the variables as they were: fetched into temporaries,
//!   copied when FOUND, else the handler runs.
//! - A procedure's result set (a SELECT that is not INTO) becomes an OUT parameter of type
//!   refcursor, `result_1`, `result_2`, ... in the order of the SELECTs in the text: CALL returns
//!   the cursors' names with the OUT values, and the caller reads each one that is not NULL with
//!   `FETCH ALL FROM "<name>"` in the same transaction
//!   (<https://www.postgresql.org/docs/15/plpgsql-cursors.html#PLPGSQL-CURSOR-RETURNING>).
//!   `FOUND_ROWS()` right after such a SELECT counts its rows by moving through the cursor.
//! - A function's value is cast to its declared type, as MySQL's RETURN converts it
//!   (PostgreSQL ignores the type modifier of a function's result).

use std::collections::{HashMap, HashSet};

use sqlparser::ast;

use super::Left;
use crate::dialect::Dialect;
use crate::emit::expr;
use crate::emit::names::Namer;
use crate::ir::procedural::*;
use crate::source::Span;

pub struct Printer<'a> {
    pub namer: &'a Namer,
    pub from: Dialect,
    pub to: Dialect,
    /// Source type (lower case) -> target type, as `mapping` decided.
    pub types: &'a HashMap<String, String>,
    /// Names that stand for rows of tables (a trigger's NEW and OLD).
    pub scope: Vec<(String, String)>,
    /// A BEFORE trigger, whose SET NEW.col changes the row written.
    pub before_trigger: bool,
    /// A function's return type on the target.
    pub returns: Option<String>,
    /// Where a SELECT may return rows to the caller (a procedure).
    pub results_allowed: bool,
    /// The result cursors opened, in order.
    pub results: Vec<String>,
    /// Tables (lower case) the routine drops: a result set that reads one is materialized
    /// first, as MySQL sends its rows at once (an open cursor would keep the DROP from running).
    pub dropped: HashSet<String>,
    /// The routine's name, for the names of those materialized results.
    pub routine: String,
    /// The warnings of the queries' conversions.
    pub warnings: Vec<expr::Warning>,
    /// Variables and parameters in scope: lower-case name -> source type.
    vars: Vec<HashMap<String, String>>,
    /// The NOT FOUND handler of each enclosing block, with the label EXIT leaves.
    handlers: Vec<Option<(HandlerKind, Stmt, String)>>,
    /// Temporaries declared in the outermost block: (name, target type).
    temps: Vec<(String, String)>,
    /// Labels of REPEAT loops (ITERATE there is not converted) and loop depth.
    repeats: HashSet<String>,
    loops: usize,
    made: usize,
}

type R<T> = Result<T, Left>;

/// `construct` is not converted.
fn left<T>(construct: impl Into<String>, span: Span) -> R<T> {
    Err(Left {
        why: format!("{} is not converted", construct.into()),
        span,
    })
}

impl<'a> Printer<'a> {
    pub fn new(
        namer: &'a Namer,
        from: Dialect,
        types: &'a HashMap<String, String>,
        params: &[Param],
    ) -> Printer<'a> {
        let vars = params
            .iter()
            .map(|p| (p.name.to_lowercase(), p.ty.clone()))
            .collect();
        Printer {
            namer,
            from,
            to: Dialect::Postgres,
            types,
            scope: Vec::new(),
            before_trigger: false,
            returns: None,
            results_allowed: false,
            results: Vec::new(),
            dropped: HashSet::new(),
            routine: String::new(),
            warnings: Vec::new(),
            vars: vec![vars],
            handlers: Vec::new(),
            temps: Vec::new(),
            repeats: HashSet::new(),
            loops: 0,
            made: 0,
        }
    }

    /// A name (variable, parameter, label, cursor) as the target spells it.
    pub fn name(&self, n: &str) -> String {
        expr::column(&ast::Ident::new(n), self.from, self.to, self.namer)
    }

    /// A type as `mapping` decided it.
    pub fn ty(&self, source: &str, span: Span) -> R<String> {
        match self.types.get(source) {
            Some(t) => Ok(t.clone()),
            None => left(format!("the type `{source}`, which has no mapping"), span),
        }
    }

    fn expr(&self, e: &ast::Expr, span: Span) -> R<String> {
        expr::scoped(e, self.from, self.to, self.namer, self.scope.clone()).map_err(|why| Left {
            why: why.to_string(),
            span,
        })
    }

    fn query(&mut self, q: &ast::Query, span: Span) -> R<String> {
        match expr::query(q, self.from, self.to, self.namer) {
            Ok(c) => {
                self.warnings.extend(c.warnings);
                Ok(c.sql)
            }
            Err(why) => Err(Left {
                why: why.to_string(),
                span,
            }),
        }
    }

    /// A condition of IF, WHILE or UNTIL: only what is a boolean in both engines.
    fn condition(&self, e: &ast::Expr, span: Span) -> R<String> {
        if !self.is_boolean(e) {
            return left(
                format!("the condition `{e}`, not known to be a boolean"),
                span,
            );
        }
        self.expr(e, span)
    }

    fn is_boolean(&self, e: &ast::Expr) -> bool {
        use ast::{BinaryOperator as B, Expr as E};
        match e {
            E::BinaryOp { left, op, right } => match op {
                B::And | B::Or => self.is_boolean(left) && self.is_boolean(right),
                B::Eq | B::NotEq | B::Lt | B::LtEq | B::Gt | B::GtEq | B::Spaceship => true,
                _ => false,
            },
            E::UnaryOp {
                op: ast::UnaryOperator::Not,
                expr,
            } => self.is_boolean(expr),
            E::Nested(inner) => self.is_boolean(inner),
            E::IsNull(_)
            | E::IsNotNull(_)
            | E::IsTrue(_)
            | E::IsFalse(_)
            | E::IsNotTrue(_)
            | E::IsNotFalse(_)
            | E::InList { .. }
            | E::InSubquery { .. }
            | E::Between { .. }
            | E::Like { .. }
            | E::Exists { .. } => true,
            E::Value(v) => matches!(v.value, ast::Value::Boolean(_)),
            E::Identifier(id) => self
                .var_type(&id.value)
                .is_some_and(|t| t == "boolean" || t == "bool"),
            _ => false,
        }
    }

    fn var_type(&self, name: &str) -> Option<&String> {
        let n = name.to_lowercase();
        self.vars.iter().rev().find_map(|s| s.get(&n))
    }

    /// The body: the routine's outermost block, with the conflict rule first where a name may
    /// be both a variable and a column; `last` ends the block (a trigger's RETURN).
    pub fn body(&mut self, b: &Block, span: Span, last: &str) -> R<String> {
        let block = self.block(b, 0, span, last)?;
        let named = self.vars.iter().any(|v| !v.is_empty()) || !b.vars.is_empty();
        Ok(if named {
            format!("#variable_conflict use_variable\n{block}")
        } else {
            block
        })
    }

    fn block(&mut self, b: &Block, depth: usize, span: Span, last: &str) -> R<String> {
        let pad = "  ".repeat(depth);
        let outermost = self.handlers.is_empty();
        let handler = match b.handlers.as_slice() {
            [] => None,
            [h] => Some(h),
            [_, h, ..] => return left("a second NOT FOUND handler in one block", h.span),
        };
        let exit_label = match (&b.label, handler) {
            (Some(l), _) => self.name(l),
            (None, Some(h)) if h.kind == HandlerKind::Exit => {
                self.made += 1;
                format!("ferry_block_{}", self.made)
            }
            _ => String::new(),
        };
        let mut decls = String::new();
        let mut vars = HashMap::new();
        for v in &b.vars {
            let ty = self.ty(&v.ty, span)?;
            vars.insert(v.name.to_lowercase(), v.ty.clone());
            let default = match &v.default {
                Some(d) => format!(" := {}", self.expr(d, span)?),
                None => String::new(),
            };
            decls.push_str(&format!("{pad}  {} {ty}{default};\n", self.name(&v.name)));
        }
        self.vars.push(vars);
        for c in &b.cursors {
            let q = self.query(&c.query, span)?;
            decls.push_str(&format!("{pad}  {} CURSOR FOR {q};\n", self.name(&c.name)));
        }
        // Handlers apply to the block's statements and the blocks inside it.
        let inherited = self.handlers.last().cloned().flatten();
        self.handlers.push(match handler {
            Some(h) => Some((h.kind, (*h.body).clone(), exit_label.clone())),
            None => inherited,
        });
        let stmts = self.statements(&b.stmts, depth + 1);
        self.handlers.pop();
        self.vars.pop();
        let stmts = stmts?;
        if outermost {
            for (n, t) in std::mem::take(&mut self.temps) {
                decls.push_str(&format!("{pad}  {n} {t};\n"));
            }
        }
        let mut out = String::new();
        if !exit_label.is_empty() {
            out.push_str(&format!("{pad}<<{exit_label}>>\n"));
        }
        if !decls.is_empty() {
            out.push_str(&format!("{pad}DECLARE\n{decls}"));
        }
        out.push_str(&format!("{pad}BEGIN\n{stmts}{last}{pad}END"));
        if !exit_label.is_empty() {
            out.push_str(&format!(" {exit_label}"));
        }
        out.push_str(";\n");
        Ok(out)
    }

    pub fn statements(&mut self, list: &[Stmt], depth: usize) -> R<String> {
        let mut out = String::new();
        let mut i = 0;
        while let Some(s) = list.get(i) {
            // A result set, then `SELECT FOUND_ROWS() INTO v`: its rows counted.
            if let StmtKind::ResultSet(q) = &s.kind
                && let Some(StmtKind::SelectInto { query, into }) = list.get(i + 1).map(|n| &n.kind)
                && is_found_rows(query)
            {
                let [var] = into.as_slice() else {
                    return left("FOUND_ROWS() into several variables", s.span);
                };
                let pad = "  ".repeat(depth);
                let cursor = self.result_cursor(s.span)?;
                let q = self.query(q, s.span)?;
                out.push_str(&format!(
                    "{pad}OPEN {cursor} SCROLL FOR {q};\n{pad}MOVE FORWARD ALL IN {cursor};\n{pad}GET DIAGNOSTICS {} = ROW_COUNT;\n{pad}MOVE ABSOLUTE 0 IN {cursor};\n",
                    self.name(var)
                ));
                i += 2;
                continue;
            }
            out.push_str(&self.statement(s, depth)?);
            i += 1;
        }
        Ok(out)
    }

    fn result_cursor(&mut self, span: Span) -> R<String> {
        if !self.results_allowed {
            return left("a SELECT that returns rows to the caller", span);
        }
        if self.loops > 0 {
            return left("a SELECT that returns rows to the caller, in a loop", span);
        }
        let name = format!("result_{}", self.results.len() + 1);
        if self.var_type(&name).is_some() {
            return left(format!("a result set beside a variable named {name}"), span);
        }
        self.results.push(name.clone());
        Ok(name)
    }

    /// What runs when a statement finds no row: the NOT FOUND handler in scope (an EXIT
    /// handler then leaves its block), or nothing.
    fn not_found(&mut self, depth: usize) -> R<String> {
        let Some(Some((kind, stmt, label))) = self.handlers.last().cloned() else {
            return Ok(String::new());
        };
        let mut out = self.statement(&stmt, depth)?;
        if kind == HandlerKind::Exit && !matches!(stmt.kind, StmtKind::Return(_)) {
            out.push_str(&format!("{}EXIT {label};\n", "  ".repeat(depth)));
        }
        Ok(out)
    }

    fn loop_body(&mut self, body: &[Stmt], depth: usize) -> R<String> {
        self.loops += 1;
        let out = self.statements(body, depth);
        self.loops -= 1;
        out
    }

    fn label(&self, l: &Option<String>, pad: &str) -> (String, String) {
        match l {
            Some(l) => {
                let n = self.name(l);
                (format!("{pad}<<{n}>>\n"), format!(" {n}"))
            }
            None => (String::new(), String::new()),
        }
    }

    pub fn statement(&mut self, s: &Stmt, depth: usize) -> R<String> {
        let pad = "  ".repeat(depth);
        let span = s.span;
        Ok(match &s.kind {
            StmtKind::Block(b) => self.block(b, depth, span, "")?,
            StmtKind::Set(sets) => {
                let mut out = String::new();
                for (target, value) in sets {
                    let target = match target.as_slice() {
                        [row, col] if self.before_trigger && row.eq_ignore_ascii_case("new") => {
                            format!(
                                "NEW.{}",
                                expr::column(&ast::Ident::new(col), self.from, self.to, self.namer)
                            )
                        }
                        [v] if self.var_type(v).is_some() => self.name(v),
                        _ => return left(format!("`SET {}`", target.join(".")), span),
                    };
                    out.push_str(&format!("{pad}{target} := {};\n", self.expr(value, span)?));
                }
                out
            }
            StmtKind::If { arms, otherwise } => {
                let mut out = String::new();
                for (i, (cond, body)) in arms.iter().enumerate() {
                    let word = if i == 0 { "IF" } else { "ELSIF" };
                    out.push_str(&format!(
                        "{pad}{word} {} THEN\n",
                        self.condition(cond, span)?
                    ));
                    out.push_str(&self.statements(body, depth + 1)?);
                }
                if let Some(body) = otherwise {
                    out.push_str(&format!("{pad}ELSE\n"));
                    out.push_str(&self.statements(body, depth + 1)?);
                }
                out.push_str(&format!("{pad}END IF;\n"));
                out
            }
            StmtKind::While { label, cond, body } => {
                let (head, tail) = self.label(label, &pad);
                let cond = self.condition(cond, span)?;
                let body = self.loop_body(body, depth + 1)?;
                format!("{head}{pad}WHILE {cond} LOOP\n{body}{pad}END LOOP{tail};\n")
            }
            StmtKind::Loop { label, body } => {
                let (head, tail) = self.label(label, &pad);
                let body = self.loop_body(body, depth + 1)?;
                format!("{head}{pad}LOOP\n{body}{pad}END LOOP{tail};\n")
            }
            StmtKind::Repeat { label, body, until } => {
                if let Some(l) = label {
                    self.repeats.insert(l.to_lowercase());
                }
                let (head, tail) = self.label(label, &pad);
                let body = self.loop_body(body, depth + 1)?;
                let until = self.condition(until, span)?;
                format!("{head}{pad}LOOP\n{body}{pad}  EXIT WHEN {until};\n{pad}END LOOP{tail};\n")
            }
            StmtKind::Leave(l) => format!("{pad}EXIT {};\n", self.name(l)),
            StmtKind::Iterate(l) => {
                if self.repeats.contains(&l.to_lowercase()) {
                    return left(format!("ITERATE {l} in a REPEAT loop"), span);
                }
                format!("{pad}CONTINUE {};\n", self.name(l))
            }
            StmtKind::Open(c) => format!("{pad}OPEN {};\n", self.name(c)),
            StmtKind::Close(c) => format!("{pad}CLOSE {};\n", self.name(c)),
            StmtKind::Fetch { cursor, into } => {
                let mut temps = Vec::new();
                let mut copies = String::new();
                for v in into {
                    let Some(source) = self.var_type(v).cloned() else {
                        return left(format!("FETCH into `{v}`, not a variable"), span);
                    };
                    let ty = self.ty(&source, span)?;
                    self.made += 1;
                    let t = format!("ferry_fetch_{}", self.made);
                    copies.push_str(&format!("{pad}  {} := {t};\n", self.name(v)));
                    self.temps.push((t.clone(), ty));
                    temps.push(t);
                }
                let otherwise = self.not_found(depth + 1)?;
                let otherwise = if otherwise.is_empty() {
                    String::new()
                } else {
                    format!("{pad}ELSE\n{otherwise}")
                };
                format!(
                    "{pad}FETCH {} INTO {};\n{pad}IF FOUND THEN\n{copies}{otherwise}{pad}END IF;\n",
                    self.name(cursor),
                    temps.join(", ")
                )
            }
            StmtKind::Return(e) => {
                let Some(ty) = self.returns.clone() else {
                    return left("RETURN outside a function", span);
                };
                let e = match e {
                    Some(e) => self.expr(e, span)?,
                    None => return left("RETURN without a value", span),
                };
                if ty.contains('(') {
                    format!("{pad}RETURN CAST(({e}) AS {ty});\n")
                } else {
                    format!("{pad}RETURN {e};\n")
                }
            }
            StmtKind::Signal { sqlstate, message } => {
                let message = match message {
                    Some(m) => format!(", MESSAGE = {}", self.expr(m, span)?),
                    None => String::new(),
                };
                let level = match sqlstate.get(..2) {
                    Some("01") => "WARNING",
                    Some("00" | "02") | None => {
                        return left(format!("SIGNAL SQLSTATE '{sqlstate}'"), span);
                    }
                    _ => "EXCEPTION",
                };
                if sqlstate.len() != 5 {
                    return left(format!("SIGNAL SQLSTATE '{sqlstate}'"), span);
                }
                format!("{pad}RAISE {level} USING ERRCODE = '{sqlstate}'{message};\n")
            }
            StmtKind::SelectInto { query, into } => {
                if is_found_rows(query) {
                    return left("FOUND_ROWS() not right after a SELECT", span);
                }
                let mut targets = Vec::new();
                for v in into {
                    if self.var_type(v).is_none() {
                        return left(format!("SELECT ... INTO `{v}`, not a variable"), span);
                    }
                    targets.push(self.name(v));
                }
                let q = self.query(query, span)?;
                let targets = targets.join(", ");
                if one_row(query) {
                    format!("{pad}{q} INTO {targets};\n")
                } else {
                    let otherwise = self.not_found(depth + 1)?;
                    let otherwise = if otherwise.is_empty() {
                        format!("{pad}  NULL;\n")
                    } else {
                        otherwise
                    };
                    format!(
                        "{pad}BEGIN\n{pad}  {q} INTO STRICT {targets};\n{pad}EXCEPTION WHEN no_data_found THEN\n{otherwise}{pad}END;\n"
                    )
                }
            }
            StmtKind::ResultSet(q) => {
                let cursor = self.result_cursor(span)?;
                let reads_dropped = reads(q).iter().any(|t| self.dropped.contains(t));
                let q = self.query(q, span)?;
                if reads_dropped {
                    // Dropped with the transaction that reads the cursor.
                    let table = self.name(&format!("ferry_{}_{cursor}", self.routine));
                    format!(
                        "{pad}CREATE TEMPORARY TABLE {table} ON COMMIT DROP AS {q};\n{pad}OPEN {cursor} FOR SELECT * FROM {table};\n"
                    )
                } else {
                    format!("{pad}OPEN {cursor} FOR {q};\n")
                }
            }
            StmtKind::Sql(statement) => format!("{pad}{};\n", self.sql(statement, span)?),
        })
    }

    fn sql(&mut self, s: &ast::Statement, span: Span) -> R<String> {
        use ast::Statement as S;
        match s {
            S::Insert(i) if i.replace_into || i.ignore => left("INSERT IGNORE or REPLACE", span),
            S::Insert(_) | S::Update(_) | S::Delete(_) => {
                expr::statement(s, self.from, self.to, self.namer, self.scope.clone()).map_err(
                    |why| Left {
                        why: why.to_string(),
                        span,
                    },
                )
            }
            S::CreateTable(t) if t.temporary && t.query.is_none() => {
                let mut cols = Vec::new();
                for c in &t.columns {
                    let ty = self.ty(&c.data_type.to_string().to_lowercase(), span)?;
                    let mut col = format!("{} {ty}", self.name(&c.name.value));
                    for o in &c.options {
                        match &o.option {
                            ast::ColumnOption::NotNull => col.push_str(" NOT NULL"),
                            ast::ColumnOption::Null => {}
                            ast::ColumnOption::PrimaryKey(_) => col.push_str(" PRIMARY KEY"),
                            other => {
                                return left(format!("the temporary table's `{other}`"), span);
                            }
                        }
                    }
                    cols.push(col);
                }
                if !t.constraints.is_empty() {
                    return left("a temporary table's constraints", span);
                }
                let name = expr::relation(&t.name, self.from, self.to, self.namer);
                Ok(format!(
                    "CREATE TEMPORARY TABLE {name} ({})",
                    cols.join(", ")
                ))
            }
            S::Drop {
                object_type: ast::ObjectType::Table,
                if_exists,
                names,
                cascade: false,
                restrict: false,
                purge: false,
                ..
            } => {
                let names: Vec<String> = names
                    .iter()
                    .map(|n| expr::relation(n, self.from, self.to, self.namer))
                    .collect();
                let if_exists = if *if_exists { "IF EXISTS " } else { "" };
                Ok(format!("DROP TABLE {if_exists}{}", names.join(", ")))
            }
            other => left(
                format!(
                    "the statement `{}`",
                    other
                        .to_string()
                        .split_whitespace()
                        .take(4)
                        .collect::<Vec<_>>()
                        .join(" ")
                ),
                span,
            ),
        }
    }
}

/// The tables a query reads (lower case, last part of the name).
fn reads(q: &ast::Query) -> HashSet<String> {
    let mut out = HashSet::new();
    let _ = ast::visit_relations(q, |r| {
        if let Some(id) = r.0.last().and_then(|p| p.as_ident()) {
            out.insert(id.value.to_lowercase());
        }
        std::ops::ControlFlow::<()>::Continue(())
    });
    out
}

/// The tables (lower case) a block's statements drop.
pub fn dropped(b: &Block) -> HashSet<String> {
    let mut out = HashSet::new();
    for s in b.all_statements() {
        if let StmtKind::Sql(st) = &s.kind
            && let ast::Statement::Drop { names, .. } = st.as_ref()
        {
            out.extend(names.iter().filter_map(|n| {
                n.0.last()
                    .and_then(|p| p.as_ident())
                    .map(|i| i.value.to_lowercase())
            }));
        }
    }
    out
}

/// `SELECT FOUND_ROWS()`.
fn is_found_rows(q: &ast::Query) -> bool {
    let ast::SetExpr::Select(s) = q.body.as_ref() else {
        return false;
    };
    matches!(s.projection.as_slice(), [ast::SelectItem::UnnamedExpr(ast::Expr::Function(f))]
        if f.name.to_string().eq_ignore_ascii_case("found_rows"))
        && s.from.is_empty()
}

/// A query that gives exactly one row: a SELECT without FROM, or with an aggregate and no
/// GROUP BY or HAVING.
fn one_row(q: &ast::Query) -> bool {
    let ast::SetExpr::Select(s) = q.body.as_ref() else {
        return false;
    };
    let grouped = match &s.group_by {
        ast::GroupByExpr::Expressions(e, _) => !e.is_empty(),
        ast::GroupByExpr::All(_) => true,
    };
    if grouped || s.having.is_some() || q.limit_clause.is_some() {
        return false;
    }
    s.from.is_empty()
        || s.projection.iter().any(|item| match item {
            ast::SelectItem::UnnamedExpr(e) | ast::SelectItem::ExprWithAlias { expr: e, .. } => {
                has_aggregate(e)
            }
            _ => false,
        })
}

/// Whether an aggregate call stands in `e` outside any subquery.
fn has_aggregate(e: &ast::Expr) -> bool {
    use ast::Expr as E;
    const AGGREGATES: &[&str] = &["count", "sum", "min", "max", "avg", "group_concat"];
    match e {
        E::Function(f) => {
            AGGREGATES.contains(&f.name.to_string().to_lowercase().as_str()) && f.over.is_none()
                || match &f.args {
                    ast::FunctionArguments::List(l) => l.args.iter().any(|a| match a {
                        ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => {
                            has_aggregate(e)
                        }
                        _ => false,
                    }),
                    _ => false,
                }
        }
        E::BinaryOp { left, right, .. } => has_aggregate(left) || has_aggregate(right),
        E::UnaryOp { expr, .. } | E::Nested(expr) | E::Cast { expr, .. } => has_aggregate(expr),
        _ => false,
    }
}
