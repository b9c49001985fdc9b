//! Re-prints source expressions and view queries for the target: identifiers re-quoted by the
//! target's rules, a small map of function names, and a refusal (an `Err` naming the construct)
//! for anything that is not known to mean the same on the target. A refused view or default is
//! reported as manual action, never emitted broken.

use std::ops::ControlFlow;

use sqlparser::ast::{self, Expr, Ident, ObjectName, Visit, VisitMut, Visitor, VisitorMut};
use sqlparser::tokenizer::{Token, Tokenizer};

use super::names::{ColumnKind, Namer};
use super::refusal::Refusal;
use crate::diag::codes::{self, Code};
use crate::dialect::Dialect;

mod functions;
mod rules;

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

struct Rewrite<'a> {
    from: Dialect,
    to: Dialect,
    namer: &'a Namer,
    refused: Option<Refusal>,
    /// Per query being visited (innermost last): table names and aliases in its FROM, lower case,
    /// to the table they name.
    scopes: Vec<Vec<(String, String)>>,
    /// What was changed in a way the user should check (`Converted::warnings`).
    warnings: Vec<Warning>,
    /// The rules that took an expression, in order (what the rules' tests check).
    fired: Vec<&'static str>,
}

impl<'a> Rewrite<'a> {
    fn new(
        from: Dialect,
        to: Dialect,
        namer: &'a Namer,
        scopes: Vec<Vec<(String, String)>>,
    ) -> Rewrite<'a> {
        Rewrite {
            from,
            to,
            namer,
            refused: None,
            scopes,
            warnings: Vec::new(),
            fired: Vec::new(),
        }
    }

    /// A warning about the expression or query being converted, once.
    fn warn(&mut self, code: &'static Code, message: String) {
        if !self.warnings.iter().any(|w| w.message == message) {
            self.warnings.push(Warning { code, message });
        }
    }

    /// Whether source and target are two engines.
    fn cross(&self) -> bool {
        self.from != self.to
    }

    /// The scale of a DECIMAL(p,s) column an expression names, when ferry can tell which.
    fn decimal_scale(&self, e: &Expr) -> Option<u64> {
        let (table, col) = self.column_table(e)?;
        self.namer.decimal_scales.get(&(table, col)).copied()
    }

    /// The table (lower case) of a column reference, and the column: through its qualifier,
    /// else the one table in scope that has such a column.
    fn column_table(&self, e: &Expr) -> Option<(String, String)> {
        let (qualifier, col) = col_ref(e)?;
        let table = match qualifier {
            Some(q) => self
                .scopes
                .iter()
                .rev()
                .flatten()
                .find(|(a, _)| *a == q)
                .map(|(_, t)| t.clone())?,
            None => self.only_table_with(self.scopes.last()?, &col)?.clone(),
        };
        Some((table, col))
    }

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
    /// Whether it changed or refused the expression.
    fn mysql_operators(&mut self, e: &mut Expr) -> bool {
        let Expr::BinaryOp { left, op, right } = e else {
            return false;
        };
        match mysql_operator(op, self.to) {
            MysqlOperator::Same => return false,
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
        true
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
                // SQLite reads a bare column of a grouped query from one row of the group
                // (https://sqlite.org/lang_select.html#bare_columns_in_an_aggregate_query), as
                // MySQL does; for PostgreSQL `loosen_group_by` has aggregated such columns.
                if self.from == Dialect::Mysql
                    && !matches!(
                        self.to,
                        Dialect::Mysql | Dialect::Sqlite | Dialect::Postgres
                    )
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

    /// MySQL's loose GROUP BY for PostgreSQL, which takes a column that is neither grouped nor
    /// aggregated only when the GROUP BY holds its table's primary key (functional dependency,
    /// https://www.postgresql.org/docs/15/sql-select.html#SQL-GROUPBY). Any other such column
    /// (in the select list, HAVING or ORDER BY) is read as min() of itself (bool_and() for a
    /// boolean): MySQL returns the value of some row of the group
    /// (https://dev.mysql.com/doc/refman/8.0/en/group-by-handling.html), which is the same
    /// value when the column is the same in all of the group's rows; a warning says so.
    fn loosen_group_by(&mut self, q: &mut ast::Query) {
        let ast::SetExpr::Select(sel) = q.body.as_mut() else {
            return;
        };
        let ast::GroupByExpr::Expressions(groups, _) = &sel.group_by else {
            return;
        };
        if groups.is_empty() {
            return;
        }
        let mut scope = Vec::new();
        for twj in &sel.from {
            scope_of(twj, &mut scope);
        }
        let aliases: Vec<String> = sel
            .projection
            .iter()
            .filter_map(|i| match i {
                ast::SelectItem::ExprWithAlias { alias, .. } => Some(alias.value.to_lowercase()),
                _ => None,
            })
            .collect();
        let resolved = grouped_expressions(sel, groups);
        let grouped: Vec<(Option<String>, String)> = resolved.iter().filter_map(col_ref).collect();
        let grouped_text: Vec<String> = resolved.iter().map(|g| g.to_string()).collect();
        // The names (tables or aliases) whose table's primary key is grouped.
        let covered: Vec<String> = scope
            .iter()
            .filter(|(name, table)| {
                self.namer.primary_keys.get(table).is_some_and(|pk| {
                    !pk.is_empty()
                        && pk.iter().all(|c| {
                            grouped.iter().any(|(gq, gc)| {
                                gc == c
                                    && match gq {
                                        Some(gq) => gq == name,
                                        None => self.only_table_with(&scope, c) == Some(table),
                                    }
                            })
                        })
                })
            })
            .map(|(name, _)| name.clone())
            .collect();
        let mut loose = Loosen {
            rw: self,
            scope: &scope,
            grouped: &grouped,
            grouped_text: &grouped_text,
            covered: &covered,
            aliases: &aliases,
            outputs_named: false,
            barriers: Vec::new(),
            depth: 0,
            wrapped: Vec::new(),
        };
        for item in &mut sel.projection {
            // A bare column keeps its name when it is wrapped.
            if let ast::SelectItem::UnnamedExpr(e) = item
                && let Some((_, col)) = col_ref(e)
                && loose.is_loose(e)
            {
                let expr = e.clone();
                let alias = match e {
                    Expr::Identifier(id) => id.clone(),
                    Expr::CompoundIdentifier(ids) => {
                        ids.last().cloned().unwrap_or_else(|| Ident::new(col))
                    }
                    _ => Ident::new(col),
                };
                *item = ast::SelectItem::ExprWithAlias { expr, alias };
            }
            match item {
                ast::SelectItem::UnnamedExpr(e)
                | ast::SelectItem::ExprWithAlias { expr: e, .. } => {
                    let _ = VisitMut::visit(e, &mut loose);
                }
                _ => {}
            }
        }
        // HAVING and ORDER BY may name an output column by its alias. PostgreSQL takes an alias
        // in ORDER BY but not in HAVING, where the column's expression stands instead.
        loose.outputs_named = true;
        if let Some(h) = &mut sel.having {
            let outputs: Vec<(String, Expr)> = sel
                .projection
                .iter()
                .filter_map(|i| match i {
                    ast::SelectItem::ExprWithAlias { expr, alias } => {
                        Some((alias.value.to_lowercase(), expr.clone()))
                    }
                    _ => None,
                })
                .collect();
            let _ = ast::visit_expressions_mut(h, |e| {
                if let Expr::Identifier(id) = e
                    && let Some((_, out)) =
                        outputs.iter().find(|(a, _)| *a == id.value.to_lowercase())
                {
                    *e = Expr::Nested(Box::new(out.clone()));
                }
                ControlFlow::<()>::Continue(())
            });
            let _ = VisitMut::visit(h, &mut loose);
        }
        if let Some(ast::OrderBy {
            kind: ast::OrderByKind::Expressions(keys),
            ..
        }) = &mut q.order_by
        {
            for k in keys {
                let _ = VisitMut::visit(&mut k.expr, &mut loose);
            }
        }
        let mut wrapped: Vec<String> = Vec::new();
        for col in loose.wrapped {
            if !wrapped.contains(&col) {
                wrapped.push(col);
            }
        }
        if !wrapped.is_empty() {
            let cols: Vec<String> = wrapped.iter().map(|c| format!("`{c}`")).collect();
            let (cols, are) = match cols.as_slice() {
                [one] => (one.clone(), "is"),
                [init @ .., last] => (format!("{} and {last}", init.join(", ")), "are"),
                [] => (String::new(), "are"),
            };
            self.warn(
                &codes::LOOSE_GROUP_BY_AGGREGATED,
                format!(
                    "{cols} {are} selected but neither grouped nor aggregated (MySQL's loose GROUP BY): PostgreSQL reads each as the group's smallest value, which is the value MySQL returns where the column has one value per group"
                ),
            );
        }
    }

    /// The one table in scope (by name or alias) that has this column.
    fn only_table_with<'s>(&self, scope: &'s [(String, String)], col: &str) -> Option<&'s String> {
        let mut tables: Vec<&String> = scope
            .iter()
            .map(|(_, t)| t)
            .filter(|t| {
                self.namer
                    .column_types
                    .contains_key(&((*t).clone(), col.to_string()))
            })
            .collect();
        tables.dedup();
        match tables.as_slice() {
            [t] => Some(t),
            _ => None,
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
        // After its parts are converted: the aggregates it writes are target SQL already.
        if self.from == Dialect::Mysql && self.to == Dialect::Postgres {
            self.loosen_group_by(q);
        }
        self.scopes.pop();
        if self.from != self.to && matches!(self.to, Dialect::SqlServer | Dialect::Oracle) {
            write_row_limit(q, self.to);
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_query(&mut self, q: &mut ast::Query) -> ControlFlow<()> {
        let mut scope = Vec::new();
        if let ast::SetExpr::Select(sel) = q.body.as_ref() {
            for twj in &sel.from {
                scope_of(twj, &mut scope);
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
        // `sakila.film` in a MySQL script that runs in `sakila` and creates a plain `film`.
        if let [
            ast::ObjectNamePart::Identifier(db),
            ast::ObjectNamePart::Identifier(t),
        ] = rel.0.as_slice()
            && self.from.qualifier_is_database()
            && self.from != self.to
            && !self.namer.schemas.contains(&db.value.to_lowercase())
            && self
                .namer
                .unqualified_relations
                .contains(&t.value.to_lowercase())
        {
            rel.0.remove(0);
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
        self.apply_rules(e, rules::When::Pre);
        ControlFlow::Continue(())
    }

    fn post_visit_expr(&mut self, e: &mut Expr) -> ControlFlow<()> {
        if self.refused.is_none() {
            self.apply_rules(e, rules::When::Post);
        }
        ControlFlow::Continue(())
    }
}

impl Rewrite<'_> {
    /// The rules of this moment, in order, until one takes the expression.
    fn apply_rules(&mut self, e: &mut Expr, when: rules::When) {
        for rule in rules::rules_for(self.from, self.to, when) {
            let step = (rule.apply)(self, e);
            if step != rules::Step::Next {
                self.fired.push(rule.name);
            }
            if step == rules::Step::Stop {
                break;
            }
        }
    }
}

/// `ferry mappings show --functions FROM TO`: the rewrite rules for the pair in the order they
/// are tried, then the function table's entries for it, each with its documentation.
pub fn show_rules(from: Dialect, to: Dialect) -> String {
    let mut out = format!(
        "# expression rules, {from} -> {to}, in the order they are tried
"
    );
    for when in [rules::When::Pre, rules::When::Post] {
        for r in rules::rules_for(from, to, when) {
            let phase = match when {
                rules::When::Pre => "before its parts",
                rules::When::Post => "after its parts",
            };
            out.push_str(&format!("{:<40} {phase:<16}  {}\n", r.name, r.doc));
        }
    }
    out.push_str(&format!(
        "\n# functions, {from} -> {to} (others: refused)\n"
    ));
    let mut names: Vec<&str> = functions::FUNCTIONS.iter().map(|f| f.name).collect();
    names.sort_unstable();
    names.dedup();
    for name in names {
        let Some(entry) = functions::lookup(name, from, to) else {
            continue;
        };
        let becomes = match entry.becomes {
            functions::Becomes::Same => name.to_string(),
            functions::Becomes::Name(n) => n.to_string(),
            functions::Becomes::Template(t) => t.to_string(),
            functions::Becomes::ByRule(r) => format!("rule {r}"),
            functions::Becomes::Nothing => "refused".to_string(),
        };
        out.push_str(&format!("{name:<20} -> {becomes:<40} {}\n", entry.doc));
    }
    out.push_str(&format!(
        "{:<20} -> the same name\n",
        functions::PORTABLE.join(", ")
    ));
    out
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

/// An expression for the target where the names of `scope` ((name, table), lower case) stand
/// for rows of those tables: a trigger's NEW and OLD.
pub fn scoped(
    e: &Expr,
    from: Dialect,
    to: Dialect,
    namer: &Namer,
    scope: Vec<(String, String)>,
) -> Result<String, Refusal> {
    scoped_expr(e, from, to, namer, vec![scope])
}

/// A statement of a routine's body (INSERT, UPDATE, DELETE) for the target, its names and
/// expressions converted as a view's are, in `scope` (see `scoped`).
pub fn statement(
    s: &ast::Statement,
    from: Dialect,
    to: Dialect,
    namer: &Namer,
    scope: Vec<(String, String)>,
) -> Result<String, Refusal> {
    let mut s = s.clone();
    let mut rw = Rewrite::new(from, to, namer, vec![scope]);
    let _ = VisitMut::visit(&mut s, &mut rw);
    // Column lists and SET targets are names, not expressions: spelled here.
    let respell = |name: &mut ObjectName| {
        for p in &mut name.0 {
            if let ast::ObjectNamePart::Identifier(id) = p {
                rw.ident(id);
            }
        }
    };
    match &mut s {
        ast::Statement::Insert(i) => i.columns.iter_mut().for_each(respell),
        ast::Statement::Update(u) => {
            for a in &mut u.assignments {
                match &mut a.target {
                    ast::AssignmentTarget::ColumnName(n) => respell(n),
                    ast::AssignmentTarget::Tuple(ns) => ns.iter_mut().for_each(respell),
                }
            }
        }
        _ => {}
    }
    match rw.refused {
        Some(why) => Err(why),
        None => Ok(requote_tokens(&s.to_string(), to)),
    }
}

/// A table's name as the target knows it.
pub fn relation(name: &ObjectName, from: Dialect, to: Dialect, namer: &Namer) -> String {
    let mut name = name.clone();
    let mut rw = Rewrite::new(from, to, namer, Vec::new());
    let _ = rw.pre_visit_relation(&mut name);
    requote_tokens(&name.to_string(), to)
}

/// A column's name as the target knows it.
pub fn column(id: &Ident, from: Dialect, to: Dialect, namer: &Namer) -> String {
    let mut id = id.clone();
    let rw = Rewrite::new(from, to, namer, Vec::new());
    rw.ident(&mut id);
    requote_tokens(&id.to_string(), to)
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
    scoped_expr_by(e, from, to, namer, scopes).0
}

/// An expression for the target, and the rules that took a part of it.
fn scoped_expr_by(
    e: &Expr,
    from: Dialect,
    to: Dialect,
    namer: &Namer,
    scopes: Vec<Vec<(String, String)>>,
) -> (Result<String, Refusal>, Vec<&'static str>) {
    let mut e = e.clone();
    let mut rw = Rewrite::new(from, to, namer, scopes);
    let _ = VisitMut::visit(&mut e, &mut rw);
    let out = match rw.refused {
        Some(why) => Err(why),
        None => Ok(requote_tokens(&e.to_string(), to)),
    };
    (out, rw.fired)
}

/// A view's query as the target reads it, and what the user should check about it.
#[derive(Debug)]
pub struct Converted {
    pub sql: String,
    /// Changes that keep the rows only under a condition the message names.
    pub warnings: Vec<Warning>,
}

/// A change to check: its code and what it says.
#[derive(Debug)]
pub struct Warning {
    pub code: &'static Code,
    pub message: String,
}

/// A view's query for the target, or why it cannot be.
pub fn query(
    q: &ast::Query,
    from: Dialect,
    to: Dialect,
    namer: &Namer,
) -> Result<Converted, Refusal> {
    query_by(q, from, to, namer).0
}

/// A view's query for the target, and the rules that took a part of it.
fn query_by(
    q: &ast::Query,
    from: Dialect,
    to: Dialect,
    namer: &Namer,
) -> (Result<Converted, Refusal>, Vec<&'static str>) {
    let mut q = q.clone();
    let mut rw = Rewrite::new(from, to, namer, Vec::new());
    let _ = VisitMut::visit(&mut q, &mut rw);
    if let Some(why) = rw.refused {
        return (Err(why), rw.fired);
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
    let converted = Converted {
        sql: requote_tokens(&q.to_string(), to),
        warnings: rw.warnings,
    };
    (Ok(converted), rw.fired)
}

/// The tables a FROM item names (joins and parenthesised joins too), with their aliases:
/// (name or alias, table), lower case.
fn scope_of(twj: &ast::TableWithJoins, scope: &mut Vec<(String, String)>) {
    for f in std::iter::once(&twj.relation).chain(twj.joins.iter().map(|j| &j.relation)) {
        match f {
            ast::TableFactor::Table { name, alias, .. } => {
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
            ast::TableFactor::NestedJoin {
                table_with_joins, ..
            } => scope_of(table_with_joins, scope),
            _ => {}
        }
    }
}

/// What a GROUP BY groups: its expressions, and for a position or an output alias (MySQL takes
/// both) that output column's expression too.
fn grouped_expressions(sel: &ast::Select, groups: &[Expr]) -> Vec<Expr> {
    let mut resolved: Vec<Expr> = groups.to_vec();
    for g in groups {
        let item = match g {
            Expr::Value(v) => match &v.value {
                ast::Value::Number(n, _) => n
                    .parse::<usize>()
                    .ok()
                    .and_then(|n| n.checked_sub(1))
                    .and_then(|i| sel.projection.get(i)),
                _ => None,
            },
            Expr::Identifier(id) => sel.projection.iter().find(|i| {
                matches!(i, ast::SelectItem::ExprWithAlias { alias, .. }
                    if alias.value.eq_ignore_ascii_case(&id.value))
            }),
            _ => None,
        };
        if let Some(
            ast::SelectItem::UnnamedExpr(e) | ast::SelectItem::ExprWithAlias { expr: e, .. },
        ) = item
        {
            resolved.push(e.clone());
        }
    }
    resolved
}

/// A column reference as (qualifier, column), lower case and unquoted.
fn col_ref(e: &Expr) -> Option<(Option<String>, String)> {
    match e {
        Expr::Identifier(id) => Some((None, id.value.to_lowercase())),
        Expr::CompoundIdentifier(ids) if ids.len() >= 2 => Some((
            Some(ids[ids.len() - 2].value.to_lowercase()),
            ids[ids.len() - 1].value.to_lowercase(),
        )),
        Expr::Nested(inner) => col_ref(inner),
        _ => None,
    }
}

/// Wraps the columns of a grouped query's select list, HAVING or ORDER BY that are neither
/// grouped nor aggregated, nor of a table whose key is grouped (`Rewrite::loosen_group_by`).
/// Subqueries are left as they are.
struct Loosen<'r, 'n> {
    rw: &'r Rewrite<'n>,
    scope: &'r [(String, String)],
    grouped: &'r [(Option<String>, String)],
    grouped_text: &'r [String],
    covered: &'r [String],
    /// The select list's aliases (lower case), and whether a bare name may be one of them.
    aliases: &'r [String],
    outputs_named: bool,
    /// Per expression being visited: whether it stops the search (an aggregate, or an
    /// expression the query groups by), popped after it.
    barriers: Vec<bool>,
    /// How many of those enclose the expression, subqueries included.
    depth: usize,
    wrapped: Vec<String>,
}

impl Loosen<'_, '_> {
    fn is_loose(&self, e: &Expr) -> bool {
        let Some((q, col)) = col_ref(e) else {
            return false;
        };
        if self.grouped_text.contains(&e.to_string()) {
            return false;
        }
        if let Expr::Identifier(id) = e
            && ((self.outputs_named && self.aliases.contains(&id.value.to_lowercase()))
                || self.rw.namer.variables.contains(&id.value.to_lowercase()))
        {
            return false;
        }
        let grouped = self.grouped.iter().any(|(gq, gc)| {
            *gc == col
                && match (gq, &q) {
                    (Some(a), Some(b)) => a == b,
                    _ => true,
                }
        });
        if grouped {
            return false;
        }
        let owner = match &q {
            Some(q) => Some(q.clone()),
            None => self.rw.only_table_with(self.scope, &col).cloned(),
        };
        !owner.is_some_and(|o| self.covered.contains(&o))
    }
}

impl VisitorMut for Loosen<'_, '_> {
    type Break = ();

    fn pre_visit_query(&mut self, _: &mut ast::Query) -> ControlFlow<()> {
        self.depth += 1;
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, _: &mut ast::Query) -> ControlFlow<()> {
        self.depth -= 1;
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, e: &mut Expr) -> ControlFlow<()> {
        let aggregate = matches!(e, Expr::Function(f)
            if AGGREGATES.contains(&function_base_name(f).as_str()));
        let grouped = col_ref(e).is_none() && self.grouped_text.contains(&e.to_string());
        let barrier = aggregate || grouped;
        self.barriers.push(barrier);
        if barrier {
            self.depth += 1;
        }
        ControlFlow::Continue(())
    }

    fn post_visit_expr(&mut self, e: &mut Expr) -> ControlFlow<()> {
        if self.barriers.pop() == Some(true) {
            self.depth -= 1;
        } else if self.depth == 0 && self.is_loose(e) {
            let bool_column = self.rw.is_bool_column(e).is_some();
            self.wrapped.push(e.to_string());
            let inner = e.clone();
            *e = call(if bool_column { "bool_and" } else { "min" }, vec![inner]);
        }
        ControlFlow::Continue(())
    }
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
    let grouped: Vec<String> = grouped_expressions(sel, groups)
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
