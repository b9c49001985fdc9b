//! Re-prints source expressions and view queries for the target: identifiers re-quoted by the
//! target's rules, a small map of function names, and a refusal (an `Err` naming the construct)
//! for anything that is not known to mean the same on the target. A refused view or default is
//! reported as manual action, never emitted broken.

use std::ops::ControlFlow;

use sqlparser::ast::{self, Expr, Ident, ObjectName, Visit, VisitMut, Visitor, VisitorMut};
use sqlparser::tokenizer::{Token, Tokenizer};

use super::names::Namer;
use crate::dialect::Dialect;

/// Functions that exist with the same meaning on MySQL, PostgreSQL and SQLite.
const PORTABLE_FUNCTIONS: &[&str] = &[
    "abs", "avg", "coalesce", "count", "lower", "ltrim", "max", "min", "nullif", "replace",
    "round", "rtrim", "sum", "trim", "upper",
];

/// Functions that exist on some targets only, and renames that keep the meaning.
/// (source name, target, name on that target or None when it has no equivalent)
const FUNCTION_MAP: &[(&str, Dialect, Option<&str>)] = &[
    ("ifnull", Dialect::Postgres, Some("coalesce")),
    ("ifnull", Dialect::Mysql, Some("ifnull")),
    ("ifnull", Dialect::Sqlite, Some("ifnull")),
    ("nvl", Dialect::Postgres, Some("coalesce")),
    ("nvl", Dialect::Mysql, Some("coalesce")),
    ("nvl", Dialect::Sqlite, Some("coalesce")),
    // CONCAT: PostgreSQL 9.1+, MySQL, SQLite 3.44+ (the bundled SQLite is newer).
    ("concat", Dialect::Postgres, Some("concat")),
    ("concat", Dialect::Mysql, Some("concat")),
    ("concat", Dialect::Sqlite, Some("concat")),
    ("now", Dialect::Postgres, Some("now")),
    ("now", Dialect::Mysql, Some("now")),
    (
        "current_timestamp",
        Dialect::Postgres,
        Some("current_timestamp"),
    ),
    (
        "current_timestamp",
        Dialect::Mysql,
        Some("current_timestamp"),
    ),
    (
        "current_timestamp",
        Dialect::Sqlite,
        Some("current_timestamp"),
    ),
    ("char_length", Dialect::Postgres, Some("char_length")),
    ("char_length", Dialect::Mysql, Some("char_length")),
    ("char_length", Dialect::Sqlite, Some("length")),
    ("substr", Dialect::Postgres, Some("substr")),
    ("substr", Dialect::Mysql, Some("substr")),
    ("substr", Dialect::Sqlite, Some("substr")),
    // SQL Server's GETDATE() (https://learn.microsoft.com/en-us/sql/t-sql/functions/getdate-transact-sql).
    ("getdate", Dialect::Postgres, Some("now")),
    ("getdate", Dialect::Mysql, Some("now")),
    ("getdate", Dialect::SqlServer, Some("getdate")),
    ("now", Dialect::SqlServer, Some("getdate")),
    // SQL Server's NEWID() (https://learn.microsoft.com/en-us/sql/t-sql/functions/newid-transact-sql);
    // gen_random_uuid() is built into PostgreSQL 13 and later.
    ("newid", Dialect::Postgres, Some("gen_random_uuid")),
    ("newid", Dialect::SqlServer, Some("newid")),
    ("nvl", Dialect::Oracle, Some("nvl")),
    ("nvl", Dialect::SqlServer, Some("coalesce")),
    ("ifnull", Dialect::Oracle, Some("nvl")),
    ("ifnull", Dialect::SqlServer, Some("coalesce")),
];

/// Oracle pseudo-columns and value functions written without parentheses.
const ORACLE_PSEUDO_COLUMNS: &[&str] = &[
    "SYSDATE",
    "SYSTIMESTAMP",
    "ROWNUM",
    "ROWID",
    "LEVEL",
    "UID",
    "USER",
    "ORA_ROWSCN",
];

/// Functions that exist only in PostgreSQL releases newer than the one ferry targets (15, the
/// Debian 12 server): a dump from a newer server may use them.
/// <https://www.postgresql.org/docs/18/functions-uuid.html>
const NEWER_POSTGRES_FUNCTIONS: &[(&str, &str)] = &[("uuidv7", "18"), ("uuidv4", "18")];

/// The target's name for a function, or None when it cannot be re-printed.
fn function_on(name: &str, from: Dialect, to: Dialect) -> Option<String> {
    let lower = name.to_ascii_lowercase();
    if from == to || PORTABLE_FUNCTIONS.contains(&lower.as_str()) {
        return Some(name.to_string());
    }
    FUNCTION_MAP
        .iter()
        .find(|(n, d, _)| *n == lower && *d == to)
        .and_then(|(_, _, t)| t.map(str::to_string))
}

struct Rewrite<'a> {
    from: Dialect,
    to: Dialect,
    namer: &'a Namer,
    refused: Option<String>,
    /// Per query being visited (innermost last): table names and aliases in its FROM, lower case,
    /// to the table they name.
    scopes: Vec<Vec<(String, String)>>,
}

impl Rewrite<'_> {
    /// A reference to a declared name.
    fn ident(&self, id: &mut Ident) {
        self.print_ident(id, true);
    }

    /// A name an alias defines here: printed as written, never respelled.
    fn alias(&self, id: &mut Ident) {
        self.print_ident(id, false);
    }

    fn print_ident(&self, id: &mut Ident, reference: bool) {
        let stored = if id.quote_style.is_none() {
            self.from.fold_unquoted(&id.value)
        } else {
            id.value.clone()
        };
        // MySQL column names and every SQLite name match without regard to case: use the
        // spelling the object was declared with, which is how the target knows it.
        let stored = if reference {
            self.namer.declared_spelling(&stored).unwrap_or(stored)
        } else {
            stored
        };
        let raw = self.namer.raw(&stored, &mut Vec::new());
        let printed = self.namer.quote_raw(&raw);
        id.quote_style = (printed != raw).then_some(self.to.quote_char());
        id.value = raw;
    }

    /// Whether a column reference names a column whose target type is text: through its
    /// qualifier when it has one, else by the tables in scope (or every table).
    /// Whether an expression is a column that is boolean on the target in some table.
    fn is_bool_column(&self, e: &Expr) -> Option<String> {
        let col = match e {
            Expr::Nested(inner) => return self.is_bool_column(inner),
            Expr::Identifier(id) => &id.value,
            Expr::CompoundIdentifier(ids) => &ids.last()?.value,
            _ => return None,
        };
        self.namer
            .bool_columns
            .contains(&col.to_lowercase())
            .then(|| col.clone())
    }

    fn is_text_column(&self, e: &Expr) -> Option<String> {
        let (qualifier, col) = match e {
            Expr::Identifier(id) => (None, id.value.to_lowercase()),
            Expr::CompoundIdentifier(ids) if ids.len() >= 2 => (
                Some(ids[ids.len() - 2].value.to_lowercase()),
                ids[ids.len() - 1].value.to_lowercase(),
            ),
            Expr::Nested(inner) => return self.is_text_column(inner),
            _ => return None,
        };
        let scope = self.scopes.last().map(Vec::as_slice).unwrap_or(&[]);
        let text = match qualifier {
            Some(q) => {
                let table = self
                    .scopes
                    .iter()
                    .rev()
                    .flatten()
                    .find(|(a, _)| *a == q)
                    .map(|(_, t)| t.clone());
                table.and_then(|t| self.namer.column_types.get(&(t, col.clone())).copied())
            }
            None => {
                let kinds: Vec<bool> = scope
                    .iter()
                    .filter_map(|(_, t)| {
                        self.namer
                            .column_types
                            .get(&(t.clone(), col.clone()))
                            .copied()
                    })
                    .collect();
                if kinds.is_empty() {
                    Some(self.namer.text_columns.contains(&col))
                } else {
                    Some(kinds.iter().all(|k| *k))
                }
            }
        };
        text.unwrap_or(false).then_some(col)
    }

    fn refuse(&mut self, what: String) {
        if self.refused.is_none() {
            self.refused = Some(what);
        }
    }
}

impl VisitorMut for Rewrite<'_> {
    type Break = ();

    fn post_visit_query(&mut self, _q: &mut ast::Query) -> ControlFlow<()> {
        self.scopes.pop();
        ControlFlow::Continue(())
    }

    fn pre_visit_query(&mut self, q: &mut ast::Query) -> ControlFlow<()> {
        let mut scope = Vec::new();
        if let ast::SetExpr::Select(sel) = q.body.as_ref() {
            let factors = sel.from.iter().flat_map(|twj| {
                std::iter::once(&twj.relation).chain(twj.joins.iter().map(|j| &j.relation))
            });
            for f in factors {
                if let ast::TableFactor::Table { name, alias, .. } = f {
                    let table = name
                        .0
                        .last()
                        .and_then(|p| p.as_ident())
                        .map(|i| i.value.to_lowercase())
                        .unwrap_or_default();
                    scope.push((table.clone(), table.clone()));
                    if let Some(a) = alias {
                        scope.push((a.name.value.to_lowercase(), table));
                    }
                }
            }
        }
        self.scopes.push(scope);
        if let ast::SetExpr::Select(sel) = q.body.as_mut() {
            if self.from == Dialect::Mysql && self.to != Dialect::Mysql {
                if let Some(col) = loose_group_by(sel) {
                    self.refuse(format!("`{col}` is selected but neither grouped nor aggregated (MySQL's loose GROUP BY)"));
                }
            }
            for item in &mut sel.projection {
                match item {
                    ast::SelectItem::ExprWithAlias { alias, .. } => self.alias(alias),
                    ast::SelectItem::QualifiedWildcard(
                        ast::SelectItemQualifiedWildcardKind::ObjectName(name),
                        _,
                    ) => name.0.iter_mut().for_each(|p| {
                        if let ast::ObjectNamePart::Identifier(id) = p {
                            self.ident(id)
                        }
                    }),
                    _ => {}
                }
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, tf: &mut ast::TableFactor) -> ControlFlow<()> {
        if let ast::TableFactor::Table { alias: Some(a), .. }
        | ast::TableFactor::Derived { alias: Some(a), .. } = tf
        {
            self.alias(&mut a.name);
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_relation(&mut self, rel: &mut ObjectName) -> ControlFlow<()> {
        let keep_schema = self.to.has_schemas();
        let n = rel.0.len();
        for (i, part) in rel.0.iter_mut().enumerate() {
            if let ast::ObjectNamePart::Identifier(id) = part {
                self.ident(id);
                if i + 1 < n && !keep_schema {
                    id.value.clear();
                }
            }
        }
        if !keep_schema && n > 1 {
            rel.0.drain(..n - 1);
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, e: &mut Expr) -> ControlFlow<()> {
        match e {
            // Oracle's pseudo-columns read like names but are values
            // (https://docs.oracle.com/en/database/oracle/oracle-database/19/sqlrf/Pseudocolumns.html,
            // https://docs.oracle.com/en/database/oracle/oracle-database/19/sqlrf/SYSDATE.html).
            Expr::Identifier(id)
                if self.from == Dialect::Oracle
                    && self.to != Dialect::Oracle
                    && id.quote_style.is_none()
                    && ORACLE_PSEUDO_COLUMNS.contains(&id.value.to_ascii_uppercase().as_str()) =>
            {
                let name = id.value.to_ascii_uppercase();
                self.refuse(format!(
                    "Oracle's `{name}` has no equivalent that ferry vouches for"
                ));
            }
            Expr::Identifier(id) => self.ident(id),
            Expr::CompoundIdentifier(ids) => ids.iter_mut().for_each(|id| self.ident(id)),
            Expr::Function(f)
                if self.to == Dialect::Postgres
                    && NEWER_POSTGRES_FUNCTIONS
                        .iter()
                        .any(|(n, _)| f.name.to_string().eq_ignore_ascii_case(n)) =>
            {
                let name = f.name.to_string();
                self.refuse(format!(
                    "function `{name}` needs a newer PostgreSQL than 15, which ferry targets"
                ));
            }
            Expr::BinaryOp { left, op, right }
                if self.to == Dialect::Postgres
                    && self.from != Dialect::Postgres
                    && is_comparison(op) =>
            {
                // A BIT column compared with 0 or 1 (SQL Server, MySQL) is a boolean compared
                // with false or true.
                let equality = matches!(op, ast::BinaryOperator::Eq | ast::BinaryOperator::NotEq);
                if equality {
                    if self.is_bool_column(left).is_some()
                        && let Some(flag) = bit_literal(right)
                    {
                        **right = Expr::Value(ast::Value::Boolean(flag).into());
                    }
                    if self.is_bool_column(right).is_some()
                        && let Some(flag) = bit_literal(left)
                    {
                        **left = Expr::Value(ast::Value::Boolean(flag).into());
                    }
                }
                let (left, right): (&Expr, &Expr) = (left, right);
                for (a, b) in [(left, right), (right, left)] {
                    if is_number(b)
                        && let Some(col) = self.is_text_column(a)
                    {
                        self.refuse(format!("`{col}` is text and is compared with a number, which PostgreSQL does not cast implicitly"));
                    }
                    if is_number(b)
                        && let Some(col) = self.is_bool_column(a)
                    {
                        self.refuse(format!("`{col}` is boolean and is compared with a number, which PostgreSQL does not cast implicitly"));
                    }
                }
            }
            Expr::BinaryOp { left, op, right }
                if self.to == Dialect::Postgres
                    && self.from != Dialect::Postgres
                    && is_arithmetic(op) =>
            {
                let (left, right): (&Expr, &Expr) = (left, right);
                if let Some(col) = self
                    .is_text_column(left)
                    .or_else(|| self.is_text_column(right))
                {
                    self.refuse(format!("`{col}` is text and is used in arithmetic, which PostgreSQL does not cast implicitly"));
                }
            }
            Expr::Function(f) if self.namer.routines.contains(&function_base_name(f)) => {
                let name = f.name.to_string();
                self.refuse(format!(
                    "it calls `{name}`, which the script defines and ferry does not convert"
                ));
            }
            Expr::BinaryOp {
                op: ast::BinaryOperator::StringConcat,
                ..
            } if self.to == Dialect::Mysql && self.from != Dialect::Mysql => {
                self.refuse(
                    "`||` concatenates strings here but is a logical OR on MySQL".to_string(),
                );
            }
            Expr::Function(f) if self.from != self.to => {
                let name = f.name.to_string();
                match function_on(&name, self.from, self.to) {
                    Some(t) => f.name = ObjectName::from(vec![Ident::new(t)]),
                    None => self.refuse(format!(
                        "function `{name}` has no known equivalent on {}",
                        self.to
                    )),
                }
            }
            Expr::Cast { data_type, .. } if self.from != self.to => {
                self.refuse(format!("cast to `{data_type}` is not converted"))
            }
            // SQL Server's CONVERT(type, value [, style]) and MySQL's CONVERT(value, type).
            Expr::Convert { .. } if self.from != self.to => {
                self.refuse("CONVERT(...) is not converted".to_string())
            }
            Expr::Value(v) if self.from != self.to => {
                if let ast::Value::DoubleQuotedString(s) = &v.value {
                    // MySQL's "text" is a string; elsewhere it would be an identifier.
                    v.value = ast::Value::SingleQuotedString(s.clone());
                }
            }
            // MySQL charset introducers (`_utf8'x'`): the target's strings are UTF-8 already.
            Expr::Prefixed { prefix, value }
                if self.from == Dialect::Mysql && prefix.value.starts_with('_') =>
            {
                let v = (**value).clone();
                *e = v;
            }
            Expr::Interval(_) | Expr::Extract { .. } | Expr::AtTimeZone { .. }
                if self.from != self.to =>
            {
                self.refuse(format!("`{e}` is not converted"))
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }
}

/// Quoted identifiers the AST keeps outside expressions (aliases) are re-quoted token by token.
fn requote_tokens(sql: &str, to: Dialect) -> String {
    // The text is sqlparser's own printing, which may mix the source's and the target's quote
    // characters: the generic dialect reads both.
    let Ok(tokens) = Tokenizer::new(&sqlparser::dialect::GenericDialect {}, sql).tokenize() else {
        return sql.to_string();
    };
    tokens
        .into_iter()
        .map(|t| match t {
            // Tokens hold unescaped text and print it as is: quotes inside a quoted name or a
            // string must be escaped again, or a literal could end early (and inject SQL).
            Token::Word(w) if w.quote_style.is_some() => to.quote_ident(&w.value),
            Token::SingleQuotedString(s) => to.quote_string(&s),
            other => other.to_string(),
        })
        .collect()
}

/// An expression for the target, or why it cannot be.
pub fn expr(e: &Expr, from: Dialect, to: Dialect, namer: &Namer) -> Result<String, String> {
    let mut e = e.clone();
    let mut rw = Rewrite {
        from,
        to,
        namer,
        refused: None,
        scopes: Vec::new(),
    };
    let _ = VisitMut::visit(&mut e, &mut rw);
    match rw.refused {
        Some(why) => Err(why),
        None => Ok(requote_tokens(&e.to_string(), to)),
    }
}

/// A view's query for the target, or why it cannot be.
pub fn query(q: &ast::Query, from: Dialect, to: Dialect, namer: &Namer) -> Result<String, String> {
    if from != to && !to.reprints_queries() {
        return Err(format!(
            "queries are not re-printed for {to} yet (table aliases, row limits and ORDER BY in views differ there)"
        ));
    }
    let mut q = q.clone();
    let mut rw = Rewrite {
        from,
        to,
        namer,
        refused: None,
        scopes: Vec::new(),
    };
    let _ = VisitMut::visit(&mut q, &mut rw);
    if let Some(why) = rw.refused {
        return Err(why);
    }
    if from != to
        && let Some(limit) = &mut q.limit_clause
        && let ast::LimitClause::OffsetCommaLimit { offset, limit: l } = limit
    {
        {
            // MySQL `LIMIT offset, count` -> `LIMIT count OFFSET offset`.
            *limit = ast::LimitClause::LimitOffset {
                limit: Some(l.clone()),
                offset: Some(ast::Offset {
                    value: offset.clone(),
                    rows: ast::OffsetRows::None,
                }),
                limit_by: Vec::new(),
            };
        }
    }
    Ok(requote_tokens(&q.to_string(), to))
}

/// Aggregate functions: column references inside them need no GROUP BY entry.
const AGGREGATES: &[&str] = &[
    "count",
    "sum",
    "avg",
    "min",
    "max",
    "group_concat",
    "string_agg",
    "array_agg",
];

/// A column a grouped SELECT returns without grouping or aggregating it, which MySQL accepts
/// (with ONLY_FULL_GROUP_BY off) and PostgreSQL and SQLite reject or answer differently.
fn loose_group_by(sel: &ast::Select) -> Option<String> {
    let ast::GroupByExpr::Expressions(groups, _) = &sel.group_by else {
        return None;
    };
    if groups.is_empty() {
        return None;
    }
    let grouped: Vec<String> = groups
        .iter()
        .map(|g| g.to_string().to_lowercase())
        .collect();
    struct Loose<'g> {
        grouped: &'g [String],
        depth: usize,
        found: Option<String>,
    }
    impl Visitor for Loose<'_> {
        type Break = ();
        fn pre_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
            match e {
                Expr::Function(f)
                    if AGGREGATES.contains(&f.name.to_string().to_lowercase().as_str()) =>
                {
                    self.depth += 1
                }
                Expr::Identifier(_) | Expr::CompoundIdentifier(_) if self.depth == 0 => {
                    let text = e.to_string().to_lowercase();
                    let bare = text.rsplit('.').next().unwrap_or(&text).to_string();
                    let ok = self
                        .grouped
                        .iter()
                        .any(|g| *g == text || g.rsplit('.').next() == Some(bare.as_str()));
                    if !ok && self.found.is_none() {
                        self.found = Some(e.to_string());
                    }
                }
                _ => {}
            }
            ControlFlow::Continue(())
        }
        fn post_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
            if let Expr::Function(f) = e
                && AGGREGATES.contains(&f.name.to_string().to_lowercase().as_str())
            {
                self.depth -= 1;
            }
            ControlFlow::Continue(())
        }
    }
    let mut v = Loose {
        grouped: &grouped,
        depth: 0,
        found: None,
    };
    for item in &sel.projection {
        let e = match item {
            ast::SelectItem::UnnamedExpr(e) | ast::SelectItem::ExprWithAlias { expr: e, .. } => e,
            _ => continue,
        };
        if grouped.contains(&e.to_string().to_lowercase()) {
            continue;
        }
        let _ = e.visit(&mut v);
    }
    v.found
}

fn is_arithmetic(op: &ast::BinaryOperator) -> bool {
    use ast::BinaryOperator::*;
    matches!(op, Plus | Minus | Multiply | Divide | Modulo)
}

fn is_comparison(op: &ast::BinaryOperator) -> bool {
    use ast::BinaryOperator::*;
    matches!(op, Eq | NotEq | Lt | LtEq | Gt | GtEq)
}

/// `0` or `1` (also in parentheses) as false or true.
fn bit_literal(e: &Expr) -> Option<bool> {
    match e {
        Expr::Nested(inner) => bit_literal(inner),
        Expr::Value(v) => match &v.value {
            ast::Value::Number(n, _) if n == "0" => Some(false),
            ast::Value::Number(n, _) if n == "1" => Some(true),
            _ => None,
        },
        _ => None,
    }
}

fn is_number(e: &Expr) -> bool {
    match e {
        Expr::Value(v) => matches!(v.value, ast::Value::Number(..)),
        Expr::UnaryOp { expr, .. } | Expr::Nested(expr) => is_number(expr),
        _ => false,
    }
}

/// A function's unqualified name, lower case.
fn function_base_name(f: &ast::Function) -> String {
    f.name
        .0
        .last()
        .and_then(|p| p.as_ident())
        .map_or_else(|| f.name.to_string(), |i| i.value.clone())
        .to_lowercase()
}
