//! Re-prints source expressions and view queries for the target: identifiers re-quoted by the
//! target's rules, a small map of function names, and a refusal (an `Err` naming the construct)
//! for anything that is not known to mean the same on the target. A refused view or default is
//! reported as manual action, never emitted broken.

use std::ops::ControlFlow;

use sqlparser::ast::{self, Expr, Ident, ObjectName, Visit, VisitMut, Visitor, VisitorMut};
use sqlparser::tokenizer::{Token, Tokenizer};

use super::names::{ColumnKind, Namer};
use super::refusal::Refusal;
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
    // SQL Server's ISNULL(value, replacement) (https://learn.microsoft.com/en-us/sql/t-sql/functions/isnull-transact-sql);
    // MySQL's ISNULL(x) is a test, so it becomes IFNULL there.
    ("isnull", Dialect::Postgres, Some("coalesce")),
    ("isnull", Dialect::Mysql, Some("ifnull")),
    ("isnull", Dialect::Sqlite, Some("ifnull")),
    ("isnull", Dialect::Oracle, Some("nvl")),
    ("nvl", Dialect::Oracle, Some("nvl")),
    ("nvl", Dialect::SqlServer, Some("coalesce")),
    ("ifnull", Dialect::Oracle, Some("nvl")),
    ("ifnull", Dialect::SqlServer, Some("coalesce")),
    (
        "current_timestamp",
        Dialect::SqlServer,
        Some("current_timestamp"),
    ),
    (
        "current_timestamp",
        Dialect::Oracle,
        Some("current_timestamp"),
    ),
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
    refused: Option<Refusal>,
    /// Per query being visited (innermost last): table names and aliases in its FROM, lower case,
    /// to the table they name.
    scopes: Vec<Vec<(String, String)>>,
}

impl Rewrite<'_> {
    /// A reference to a declared name.
    fn ident(&self, id: &mut Ident) {
        self.print_ident(id, true);
    }

    /// The target name of a relation that `Namer::settle` renamed, if it is one.
    fn renamed_relation(&self, rel: &ObjectName) -> Option<String> {
        let parts: Vec<String> = rel
            .0
            .iter()
            .filter_map(|p| match p {
                ast::ObjectNamePart::Identifier(id) => Some(if id.quote_style.is_none() {
                    self.from.fold_unquoted(&id.value)
                } else {
                    id.value.clone()
                }),
                _ => None,
            })
            .collect();
        let (name, schema) = match parts.as_slice() {
            [.., s, n] => (n.clone(), Some(s.clone())),
            [n] => (n.clone(), None),
            [] => return None,
        };
        self.namer
            .renamed_name(&crate::ir::Name { schema, name })
            .map(str::to_string)
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

    /// A MySQL binary operator re-printed for another engine (see `mysql_operator`).
    fn mysql_operators(&mut self, e: &mut Expr) {
        let Expr::BinaryOp { left, op, right } = e else {
            return;
        };
        match mysql_operator(op, self.to) {
            MysqlOperator::Same => {}
            MysqlOperator::Refused(why) => self.refuse(Refusal::MysqlOperator(why)),
            MysqlOperator::As(new) => *op = new,
            MysqlOperator::NullSafeEqual => {
                *e = Expr::IsNotDistinctFrom(left.clone(), right.clone());
            }
            MysqlOperator::DecimalDivision => {
                let by = Expr::BinaryOp {
                    left: right.clone(),
                    op: ast::BinaryOperator::Multiply,
                    right: Box::new(Expr::value(ast::Value::Number("1.0".into(), false))),
                };
                **right = Expr::Nested(Box::new(by));
            }
        }
    }

    /// Whether an expression is a column that is boolean on the target: by the table it names
    /// when ferry can tell which, else in some table.
    fn is_bool_column(&self, e: &Expr) -> Option<String> {
        match self.column_kind(e)? {
            (col, Some(kind)) => (kind == ColumnKind::Bool).then_some(col),
            (col, None) => self.namer.bool_columns.contains(&col).then_some(col),
        }
    }

    /// Whether an expression is known to be text: a string literal, a text column, a
    /// concatenation or a text function of one.
    fn is_text(&self, e: &Expr) -> bool {
        match e {
            Expr::Nested(inner) => self.is_text(inner),
            Expr::BinaryOp {
                left,
                op: ast::BinaryOperator::Plus | ast::BinaryOperator::StringConcat,
                right,
            } => self.is_text(left) && self.is_text(right),
            Expr::Function(f) if TEXT_FUNCTIONS.contains(&function_base_name(f).as_str()) => {
                match &f.args {
                    ast::FunctionArguments::List(l) => l.args.iter().all(|a| {
                        matches!(a, ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(x)) if self.is_text(x))
                    }),
                    _ => false,
                }
            }
            _ => is_string(e) || self.is_text_column(e).is_some(),
        }
    }

    /// Whether a column reference names a column whose target type is text.
    fn is_text_column(&self, e: &Expr) -> Option<String> {
        let (col, kind) = self.column_kind(e)?;
        (kind == Some(ColumnKind::Text)).then_some(col)
    }

    /// A column reference and the kind of its target type (None when ferry cannot tell):
    /// through its qualifier when it has one, else by the tables in scope (or every table).
    fn column_kind(&self, e: &Expr) -> Option<(String, Option<ColumnKind>)> {
        let (qualifier, col) = match e {
            Expr::Identifier(id) => (None, id.value.to_lowercase()),
            Expr::CompoundIdentifier(ids) if ids.len() >= 2 => (
                Some(ids[ids.len() - 2].value.to_lowercase()),
                ids[ids.len() - 1].value.to_lowercase(),
            ),
            Expr::Nested(inner) => return self.column_kind(inner),
            _ => return None,
        };
        let scope = self.scopes.last().map(Vec::as_slice).unwrap_or(&[]);
        let kind: Option<ColumnKind> = match qualifier {
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
                let kinds: Vec<ColumnKind> = scope
                    .iter()
                    .filter_map(|(_, t)| {
                        self.namer
                            .column_types
                            .get(&(t.clone(), col.clone()))
                            .copied()
                    })
                    .collect();
                match kinds.split_first() {
                    None => self.namer.kinds_by_name.get(&col).copied().flatten(),
                    Some((first, rest)) => rest.iter().all(|k| k == first).then_some(*first),
                }
            }
        };
        Some((col, kind))
    }

    /// The aliases and qualified wildcards of a query's select lists, on both sides of a UNION
    /// too; and MySQL's loose GROUP BY, which no other engine takes.
    fn select_items(&mut self, body: &mut ast::SetExpr) {
        match body {
            ast::SetExpr::SetOperation { left, right, .. } => {
                self.select_items(left);
                self.select_items(right);
            }
            ast::SetExpr::Select(sel) => {
                if self.from == Dialect::Mysql
                    && self.to != Dialect::Mysql
                    && let Some(col) = loose_group_by(sel)
                {
                    self.refuse(Refusal::LooseGroupBy {
                        column: col.to_string(),
                    });
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
            _ => {}
        }
    }

    /// What SQL Server and Oracle write differently from the other engines in a query: row
    /// limits (TOP, FETCH FIRST), ORDER BY in a view (SQL Server takes it only with TOP,
    /// <https://learn.microsoft.com/en-us/sql/t-sql/statements/create-view-transact-sql>), a
    /// SELECT without FROM (Oracle selects from DUAL), joins SQL Server lacks (USING, NATURAL).
    fn refuse_query_for_target(&mut self, q: &ast::Query) {
        let to = self.to;
        if !matches!(to, Dialect::SqlServer | Dialect::Oracle) {
            return;
        }
        let limit = match row_limit(q) {
            Ok(l) => l,
            Err(why) => {
                self.refuse(why);
                None
            }
        };
        let target = super::targets::of(to);
        if limit.is_some()
            && let Some(why) = target.refuses_row_limit(self.namer.oracle_release)
        {
            self.refuse(Refusal::TargetLacks(why));
        }
        match limit {
            Some((_, offset))
                if target.row_limit_needs_order_by()
                    && q.order_by.is_none()
                    && (offset.is_some()
                        || !matches!(q.body.as_ref(), ast::SetExpr::Select(_))) =>
            {
                self.refuse(Refusal::RowLimitNeedsOrderBy);
            }
            None if !target.view_takes_order_by() && q.order_by.is_some() => {
                self.refuse(Refusal::ViewOrderWithoutTop);
            }
            _ => {}
        }
        if let ast::SetExpr::Select(sel) = q.body.as_ref() {
            if sel.from.is_empty()
                && let Some(why) = target.refuses_select_without_from()
            {
                self.refuse(Refusal::TargetLacks(why));
            }
            if !target.has_using_joins() {
                for join in sel.from.iter().flat_map(|t| &t.joins) {
                    self.refuse_join_for_sqlserver(join);
                }
            }
        }
    }

    /// SQL Server has neither JOIN ... USING nor NATURAL JOIN
    /// (<https://learn.microsoft.com/en-us/sql/t-sql/queries/from-transact-sql>).
    fn refuse_join_for_sqlserver(&mut self, join: &ast::Join) {
        use ast::JoinConstraint;
        if matches!(
            crate::parse::sql::join_constraint(&join.join_operator),
            Some(JoinConstraint::Using(_) | JoinConstraint::Natural)
        ) {
            self.refuse(Refusal::UsingJoin);
        }
    }

    fn refuse(&mut self, what: Refusal) {
        if self.refused.is_none() {
            self.refused = Some(what);
        }
    }
}

impl VisitorMut for Rewrite<'_> {
    type Break = ();

    fn post_visit_query(&mut self, q: &mut ast::Query) -> ControlFlow<()> {
        self.scopes.pop();
        if self.from != self.to && matches!(self.to, Dialect::SqlServer | Dialect::Oracle) {
            write_row_limit(q, self.to);
        }
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
        // A CTE's name is spelled as the references to it are (quoted where they are).
        if let Some(with) = &mut q.with {
            for cte in &mut with.cte_tables {
                self.alias(&mut cte.alias.name);
            }
        }
        if self.from != self.to {
            self.refuse_query_for_target(q);
        }
        self.select_items(q.body.as_mut());
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, tf: &mut ast::TableFactor) -> ControlFlow<()> {
        if let ast::TableFactor::Table { alias: Some(a), .. }
        | ast::TableFactor::Derived { alias: Some(a), .. } = tf
        {
            self.alias(&mut a.name);
            if !super::targets::of(self.to).table_alias_takes_as() {
                a.explicit = false;
            }
        }
        if !super::targets::of(self.to).has_using_joins() && self.from != self.to {
            for join in match tf {
                ast::TableFactor::NestedJoin {
                    table_with_joins, ..
                } => table_with_joins.joins.as_slice(),
                _ => &[],
            } {
                self.refuse_join_for_sqlserver(join);
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_relation(&mut self, rel: &mut ObjectName) -> ControlFlow<()> {
        if let Some(renamed) = self.renamed_relation(rel) {
            // Renamed to stay distinct on the target (`Namer::settle`): one identifier.
            let mut id = Ident::new(renamed);
            let printed = self.namer.quote_raw(&id.value);
            if printed != id.value {
                id.quote_style = printed.chars().next();
            }
            *rel = ObjectName::from(vec![id]);
            return ControlFlow::Continue(());
        }
        // `dbo.x` names what lowering reads as plain `x` (`Dialect::implied_schema`).
        if let (Some(implied), [.., ast::ObjectNamePart::Identifier(s), _]) =
            (self.from.implied_schema(), rel.0.as_slice())
            && self.from != self.to
            && s.value.eq_ignore_ascii_case(implied)
        {
            rel.0.remove(rel.0.len() - 2);
        }
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
        if self.from == Dialect::Mysql && self.to != Dialect::Mysql {
            self.mysql_operators(e);
        }
        let cross = self.from != self.to;
        // SQL Server's N'...' is a Unicode string; elsewhere a plain string is one.
        if let Expr::Value(v) = e
            && let ast::Value::NationalStringLiteral(s) = &v.value
            && self.to != Dialect::SqlServer
        {
            v.value = ast::Value::SingleQuotedString(s.clone());
        }
        match e {
            // Neither has boolean literals in SQL before Oracle 23ai.
            Expr::Value(v)
                if cross
                    && matches!(self.to, Dialect::SqlServer | Dialect::Oracle)
                    && matches!(v.value, ast::Value::Boolean(_)) =>
            {
                let to = self.to;
                self.refuse(Refusal::NoBooleanLiteral(to));
            }
            // Oracle reads '' as NULL
            // (https://docs.oracle.com/en/database/oracle/oracle-database/19/sqlrf/Nulls.html).
            Expr::Value(v)
                if cross
                    && self.to == Dialect::Oracle
                    && matches!(&v.value, ast::Value::SingleQuotedString(s) if s.is_empty()) =>
            {
                self.refuse(Refusal::EmptyStringIsNull);
            }
            // Oracle turns text into a date by the session's NLS_DATE_FORMAT
            // (https://docs.oracle.com/en/database/oracle/oracle-database/19/sqlrf/Data-Type-Comparison-Rules.html):
            // a literal compared with a column that is not text may not convert.
            Expr::BinaryOp { left, op, right }
                if cross
                    && self.to == Dialect::Oracle
                    && is_comparison(op)
                    && (is_string(right)
                        && self
                            .column_kind(left)
                            .is_some_and(|k| k.1.is_some_and(|k| k != ColumnKind::Text))
                        || is_string(left)
                            && self
                                .column_kind(right)
                                .is_some_and(|k| k.1.is_some_and(|k| k != ColumnKind::Text))) =>
            {
                self.refuse(Refusal::TextLiteralOnOracle);
            }
            Expr::Between {
                expr, low, high, ..
            } if cross
                && self.to == Dialect::Oracle
                && (is_string(low) || is_string(high))
                && self
                    .column_kind(expr)
                    .is_some_and(|k| k.1.is_some_and(|k| k != ColumnKind::Text)) =>
            {
                self.refuse(Refusal::TextLiteralOnOracle);
            }
            // SQL Server and Oracle turn the text into a number to compare it with one, and fail
            // on text that is not a number
            // (https://learn.microsoft.com/en-us/sql/t-sql/data-types/data-type-precedence-transact-sql).
            Expr::BinaryOp { left, op, right }
                if cross
                    && matches!(self.to, Dialect::SqlServer | Dialect::Oracle)
                    && is_comparison(op)
                    && (is_number(right) && self.is_text_column(left).is_some()
                        || is_number(left) && self.is_text_column(right).is_some()) =>
            {
                let to = self.to;
                self.refuse(Refusal::TextComparedWithNumber(to));
            }
            // SQL Server's `+` of two texts concatenates them, NULL if either is
            // (https://learn.microsoft.com/en-us/sql/t-sql/language-elements/string-concatenation-transact-sql):
            // `||` on PostgreSQL and SQLite, CONCAT on MySQL (NULL if any argument is).
            Expr::BinaryOp {
                left,
                op: ast::BinaryOperator::Plus,
                right,
            } if cross
                && self.from == Dialect::SqlServer
                && self.is_text(left)
                && self.is_text(right) =>
            {
                match self.to {
                    Dialect::Postgres | Dialect::Sqlite => {
                        *e = Expr::BinaryOp {
                            left: left.clone(),
                            op: ast::BinaryOperator::StringConcat,
                            right: right.clone(),
                        }
                    }
                    Dialect::Mysql => {
                        *e = call("concat", vec![(**left).clone(), (**right).clone()])
                    }
                    _ => self.refuse(Refusal::PlusOfTexts),
                }
            }
            // `+` adds numbers everywhere but concatenates text on SQL Server.
            Expr::BinaryOp {
                left,
                op: ast::BinaryOperator::Plus,
                right,
            } if cross
                && (self.to == Dialect::SqlServer || self.from == Dialect::SqlServer)
                && (self.is_text_column(left).is_some()
                    || self.is_text_column(right).is_some()
                    || is_string(left)
                    || is_string(right)) =>
            {
                self.refuse(Refusal::PlusOnText);
            }
            // SQL Server concatenates with + (https://learn.microsoft.com/en-us/sql/t-sql/language-elements/string-concatenation-transact-sql),
            // NULL when either side is, as PostgreSQL's and SQLite's || is; on two texts only
            // (with a number, + adds). Oracle's || reads NULL as '', as SQL Server's CONCAT does
            // (https://learn.microsoft.com/en-us/sql/t-sql/functions/concat-transact-sql).
            Expr::BinaryOp {
                left,
                op: ast::BinaryOperator::StringConcat,
                right,
            } if cross && self.to == Dialect::SqlServer => match self.from {
                Dialect::Postgres | Dialect::Sqlite
                    if self.is_text(left) && self.is_text(right) =>
                {
                    *e = Expr::BinaryOp {
                        left: left.clone(),
                        op: ast::BinaryOperator::Plus,
                        right: right.clone(),
                    }
                }
                Dialect::Oracle => *e = call("concat", vec![(**left).clone(), (**right).clone()]),
                _ => self.refuse(Refusal::NoConcatOperator),
            },
            // PostgreSQL's concat() skips NULL arguments, as SQL Server's CONCAT does and
            // Oracle's two-argument CONCAT
            // (https://docs.oracle.com/en/database/oracle/oracle-database/19/sqlrf/CONCAT.html).
            // MySQL's CONCAT is NULL when an argument is; its CONCAT_WS skips NULLs
            // (https://dev.mysql.com/doc/refman/8.0/en/string-functions.html#function_concat-ws).
            Expr::Function(f)
                if self.from == Dialect::Postgres
                    && self.to == Dialect::Mysql
                    && function_base_name(f) == "concat" =>
            {
                let mut args: Vec<Expr> = crate::parse::sql::call_args(f)
                    .into_iter()
                    .cloned()
                    .collect();
                if args.len() != function_arg_count(f) {
                    self.refuse(Refusal::ConcatArguments);
                } else {
                    args.insert(
                        0,
                        Expr::value(ast::Value::SingleQuotedString(String::new())),
                    );
                    *e = call("concat_ws", args);
                }
            }
            Expr::Function(f)
                if self.from == Dialect::Postgres
                    && matches!(self.to, Dialect::SqlServer | Dialect::Oracle)
                    && function_base_name(f) == "concat" =>
            {
                let args = crate::parse::sql::call_args(f);
                if args.len() < 2 || args.len() != function_arg_count(f) {
                    self.refuse(Refusal::ConcatTwoOrMore);
                } else if self.to == Dialect::Oracle {
                    // concat(a, b, c) -> concat(a, concat(b, c)).
                    let mut rev = args.into_iter().rev();
                    let last = rev.next().cloned();
                    if let Some(last) = last {
                        *e = rev.fold(last, |acc, a| call("concat", vec![a.clone(), acc]));
                    }
                }
            }
            // SQL Server's ROUND wants the number of digits
            // (https://learn.microsoft.com/en-us/sql/t-sql/functions/round-transact-sql).
            Expr::Function(f)
                if cross
                    && self.to == Dialect::SqlServer
                    && function_base_name(f) == "round"
                    && function_arg_count(f) < 2 =>
            {
                self.refuse(Refusal::RoundNeedsDigits);
            }
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
                self.refuse(Refusal::OraclePseudoColumn(name));
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
                self.refuse(Refusal::NewerPostgres(name));
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
                        self.refuse(Refusal::NoImplicitCast {
                            column: col.to_string(),
                            kind: "text",
                            used: "compared with a number",
                        });
                    }
                    if is_number(b)
                        && let Some(col) = self.is_bool_column(a)
                    {
                        self.refuse(Refusal::NoImplicitCast {
                            column: col.to_string(),
                            kind: "boolean",
                            used: "compared with a number",
                        });
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
                    self.refuse(Refusal::NoImplicitCast {
                        column: col.to_string(),
                        kind: "text",
                        used: "used in arithmetic",
                    });
                }
            }
            Expr::Function(f) if self.namer.routines.contains(&function_base_name(f)) => {
                let name = f.name.to_string();
                self.refuse(Refusal::CallsScriptRoutine(name));
            }
            Expr::BinaryOp {
                op: ast::BinaryOperator::StringConcat,
                ..
            } if self.to == Dialect::Mysql && self.from != Dialect::Mysql => {
                self.refuse(Refusal::OrIsConcat);
            }
            Expr::Function(f) if self.from != self.to => {
                let name = f.name.to_string();
                match function_on(&name, self.from, self.to) {
                    Some(t) => f.name = ObjectName::from(vec![Ident::new(t)]),
                    None => self.refuse(Refusal::UnknownFunction {
                        name,
                        target: self.to,
                    }),
                }
            }
            Expr::Cast { data_type, .. } if self.from != self.to => {
                self.refuse(Refusal::Cast(data_type.to_string()))
            }
            // SQL Server's CONVERT(type, value [, style]) and MySQL's CONVERT(value, type).
            Expr::Convert { .. } if self.from != self.to => self.refuse(Refusal::Convert),
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
            // `IS [NOT] JSON [OBJECT | ...] [WITH UNIQUE KEYS]` beyond the plain check that
            // lowering turns into a JSON column: PostgreSQL reads it from 16 on only, the
            // others not at all.
            Expr::Interval(_)
            | Expr::Extract { .. }
            | Expr::AtTimeZone { .. }
            | Expr::IsJson { .. }
                if self.from != self.to =>
            {
                self.refuse(Refusal::NotConverted(e.to_string()))
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }
}

/// Quoted identifiers the AST keeps outside expressions (aliases) are re-quoted token by token.
fn requote_tokens(sql: &str, to: Dialect) -> String {
    // The text is sqlparser's own printing, which may mix the source's and the target's quote
    // characters: the generic dialect reads both, and SQL Server's reads its brackets too.
    let tokens = if to == Dialect::SqlServer {
        Tokenizer::new(&sqlparser::dialect::MsSqlDialect {}, sql).tokenize()
    } else {
        Tokenizer::new(&sqlparser::dialect::GenericDialect {}, sql).tokenize()
    };
    let Ok(tokens) = tokens else {
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
pub fn expr(e: &Expr, from: Dialect, to: Dialect, namer: &Namer) -> Result<String, Refusal> {
    scoped_expr(e, from, to, namer, Vec::new())
}

/// An expression over the columns of one table (a generated column's), for the target.
pub fn table_expr(
    e: &Expr,
    from: Dialect,
    to: Dialect,
    namer: &Namer,
    table: &str,
) -> Result<String, Refusal> {
    let t = table.to_lowercase();
    scoped_expr(e, from, to, namer, vec![vec![(t.clone(), t)]])
}

fn scoped_expr(
    e: &Expr,
    from: Dialect,
    to: Dialect,
    namer: &Namer,
    scopes: Vec<Vec<(String, String)>>,
) -> Result<String, Refusal> {
    let mut e = e.clone();
    let mut rw = Rewrite {
        from,
        to,
        namer,
        refused: None,
        scopes,
    };
    let _ = VisitMut::visit(&mut e, &mut rw);
    match rw.refused {
        Some(why) => Err(why),
        None => Ok(requote_tokens(&e.to_string(), to)),
    }
}

/// A view's query for the target, or why it cannot be.
pub fn query(q: &ast::Query, from: Dialect, to: Dialect, namer: &Namer) -> Result<String, Refusal> {
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

/// What a MySQL binary operator becomes on another engine, where the engines disagree
/// (https://dev.mysql.com/doc/refman/8.0/en/non-typed-operators.html,
/// https://www.postgresql.org/docs/15/functions-math.html, https://sqlite.org/lang_expr.html).
enum MysqlOperator {
    /// Means the same there.
    Same,
    /// `/` divides integers exactly in MySQL (1 / 2 = 0.5000) but truncates on PostgreSQL and
    /// SQLite: the divisor is multiplied by 1.0 so that the division is not an integer one.
    DecimalDivision,
    /// `<=>`, equality that holds for two NULLs: `IS NOT DISTINCT FROM` on both.
    NullSafeEqual,
    /// Another spelling: `^` is XOR in MySQL, exponentiation on PostgreSQL, whose XOR is `#`.
    As(ast::BinaryOperator),
    /// No equivalent ferry vouches for.
    Refused(&'static str),
}

fn mysql_operator(op: &ast::BinaryOperator, to: Dialect) -> MysqlOperator {
    use ast::BinaryOperator::*;
    match (op, to) {
        (_, Dialect::Mysql) => MysqlOperator::Same,
        // Oracle divides NUMBERs exactly.
        (Divide, Dialect::Postgres | Dialect::Sqlite | Dialect::SqlServer) => {
            MysqlOperator::DecimalDivision
        }
        (Spaceship, Dialect::Postgres | Dialect::Sqlite) => MysqlOperator::NullSafeEqual,
        (Spaceship, _) => MysqlOperator::Refused(
            "`<=>` (NULL-safe equality) has no spelling ferry vouches for on this engine",
        ),
        (BitwiseXor, Dialect::Postgres) => MysqlOperator::As(PGBitwiseXor),
        // SQL Server's `^` is XOR too.
        (BitwiseXor, Dialect::SqlServer) => MysqlOperator::Same,
        (BitwiseXor, _) => MysqlOperator::Refused(
            "`^` is a bitwise XOR in MySQL; this engine has no such operator",
        ),
        (MyIntegerDivide, _) => {
            MysqlOperator::Refused("`DIV` is MySQL's integer division, which is not converted")
        }
        (Xor, _) => MysqlOperator::Refused("logical `XOR` is MySQL's own"),
        _ => MysqlOperator::Same,
    }
}

fn is_arithmetic(op: &ast::BinaryOperator) -> bool {
    use ast::BinaryOperator::*;
    matches!(op, Plus | Minus | Multiply | Divide | Modulo)
}

fn is_comparison(op: &ast::BinaryOperator) -> bool {
    use ast::BinaryOperator::*;
    matches!(op, Eq | NotEq | Lt | LtEq | Gt | GtEq)
}

/// A string literal (also in parentheses).
fn is_string(e: &Expr) -> bool {
    match e {
        Expr::Nested(inner) => is_string(inner),
        Expr::Value(v) => matches!(
            v.value,
            ast::Value::SingleQuotedString(_) | ast::Value::NationalStringLiteral(_)
        ),
        _ => false,
    }
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

/// Functions that return text when every argument is text.
const TEXT_FUNCTIONS: &[&str] = &[
    "upper", "lower", "ltrim", "rtrim", "trim", "isnull", "coalesce", "concat",
];

/// A call of a function by name with these arguments.
fn call(name: &str, args: Vec<Expr>) -> Expr {
    Expr::Function(ast::Function {
        name: ObjectName::from(vec![Ident::new(name)]),
        uses_odbc_syntax: false,
        parameters: ast::FunctionArguments::None,
        args: ast::FunctionArguments::List(ast::FunctionArgumentList {
            duplicate_treatment: None,
            args: args
                .into_iter()
                .map(|a| ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(a)))
                .collect(),
            clauses: Vec::new(),
        }),
        filter: None,
        null_treatment: None,
        over: None,
        within_group: Vec::new(),
    })
}

/// A query's row limit as (count, rows skipped), when it has one ferry can write for SQL Server
/// and Oracle: numbers, no MySQL `LIMIT ... BY`, no FETCH of the source's own.
type RowLimit<'q> = Option<(Option<&'q Expr>, Option<&'q Expr>)>;

fn row_limit(q: &ast::Query) -> Result<RowLimit<'_>, Refusal> {
    if q.fetch.is_some() {
        return Err(Refusal::FetchFirst);
    }
    let (limit, offset) = match &q.limit_clause {
        None => return Ok(None),
        Some(ast::LimitClause::LimitOffset {
            limit,
            offset,
            limit_by,
        }) if limit_by.is_empty() => (limit.as_ref(), offset.as_ref().map(|o| &o.value)),
        Some(ast::LimitClause::OffsetCommaLimit { offset, limit }) => (Some(limit), Some(offset)),
        Some(_) => return Err(Refusal::LimitBy),
    };
    if limit.into_iter().chain(offset).all(is_number) {
        Ok(Some((limit, offset)))
    } else {
        Err(Refusal::LimitNotANumber)
    }
}

/// The row limit written as SQL Server and Oracle do: `SELECT TOP n` (SQL Server, no rows
/// skipped: https://learn.microsoft.com/en-us/sql/t-sql/queries/top-transact-sql), else
/// `OFFSET m ROWS FETCH FIRST n ROWS ONLY` (SQL Server 2012, Oracle 12c:
/// https://docs.oracle.com/en/database/oracle/oracle-database/19/sqlrf/SELECT.html, row_limiting_clause).
fn write_row_limit(q: &mut ast::Query, to: Dialect) {
    let Ok(Some((limit, offset))) = row_limit(q) else {
        return;
    };
    let (limit, offset) = (limit.cloned(), offset.cloned());
    let top = match (&limit, &offset, q.body.as_mut()) {
        (Some(Expr::Value(v)), None, ast::SetExpr::Select(sel)) if to == Dialect::SqlServer => {
            match &v.value {
                ast::Value::Number(n, _) => n.parse().ok().map(|n| (sel, n)),
                _ => None,
            }
        }
        _ => None,
    };
    if let Some((sel, n)) = top {
        sel.top = Some(ast::Top {
            with_ties: false,
            percent: false,
            quantity: Some(ast::TopQuantity::Constant(n)),
        });
        sel.top_before_distinct = false;
        q.limit_clause = None;
        return;
    }
    q.limit_clause = offset.map(|value| ast::LimitClause::LimitOffset {
        limit: None,
        offset: Some(ast::Offset {
            value,
            rows: ast::OffsetRows::Rows,
        }),
        limit_by: Vec::new(),
    });
    q.fetch = limit.map(|n| ast::Fetch {
        with_ties: false,
        percent: false,
        quantity: Some(n),
    });
}

/// How many arguments a call passes.
fn function_arg_count(f: &ast::Function) -> usize {
    match &f.args {
        ast::FunctionArguments::List(l) => l.args.len(),
        _ => 0,
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
