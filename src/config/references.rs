//! Following the configuration's renames and dropped columns into the objects that name them in
//! expressions: views, index expressions and columns, partial-index predicates, CHECK
//! constraints, defaults, generated columns, and the column a sequence belongs to.
//!
//! One rewriter (`Rewriter`, a sqlparser `VisitorMut`) walks each stored AST with the tables
//! the object can see (its own table, or the tables a view's query reads) and respells every
//! reference to a renamed table, schema or column. Where it cannot be sure what a reference
//! means after the edits, it stops with the reason, and the object is left out with a
//! `CONFIG_REFERENCE_MANUAL` diagnostic naming it and the column: a reference to a dropped
//! column, an unqualified column name that several tables of the query have and the edits
//! treat differently, a qualifier it cannot resolve (a subquery's or a CTE's name) in front of
//! an edited column, a USING or NATURAL join over an edited column.

use crate::diag::{ObjectKind, ObjectRef};
use std::ops::ControlFlow;

use sqlparser::ast::{
    Expr, Ident, JoinConstraint, ObjectName, ObjectNamePart, Query, Select, SelectItem,
    SelectItemQualifiedWildcardKind, TableFactor, Visit, VisitMut, Visitor, VisitorMut,
};

use super::{SourceNames, SourceTable};
use crate::diag::{Diagnostic, codes};
use crate::dialect::Dialect;
use crate::ir::{self, IndexExpr, Name, Schema};

/// Rewrites every reference to an edited name in `schema` (whose tables already carry their
/// new names), leaving out with a diagnostic what it cannot rewrite surely. A generated column
/// over a dropped column is dropped too, and `names` says so.
pub(super) fn follow(
    schema: &mut Schema,
    names: &mut SourceNames,
    dialect: Dialect,
) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let quote = dialect.quote_char();
    // Generated columns first: one over a dropped column goes too, and may take others with it.
    loop {
        let mut dropped_one = false;
        for (t, rec) in schema.tables.iter_mut().zip(names.tables.iter_mut()) {
            let failed = t.columns.iter().find_map(|c| {
                let mut g = c.generated.as_ref()?.expr.clone();
                let why = rewrite_expr(&mut g, &[&*rec], quote).err()?;
                Some((c.name.clone(), why))
            });
            if let Some((column, why)) = failed {
                if super::in_key(t, &column) {
                    diags.push(Diagnostic::new(
                        &codes::CONFIG_ERROR,
                        format!(
                            "the generated column `{}.{column}` is part of a key and {why}; keep that column",
                            t.name
                        ),
                    ));
                    if let Some(c) = t.column_mut(&column) {
                        c.generated = None;
                    }
                    continue;
                }
                let at = t.column(&column).map(|c| c.span);
                let mut d = left_out(format!("generated column `{}.{column}`", t.name), &why)
                    .object(ObjectRef::table(&t.name));
                if let Some(at) = at {
                    d = d.at(at);
                }
                diags.push(d);
                t.columns.retain(|c| c.name != column);
                if let Some(source) = rec.source_column(&column).map(str::to_string) {
                    rec.edit_column(&source, None);
                }
                dropped_one = true;
            }
        }
        if !dropped_one {
            break;
        }
    }
    for (t, rec) in schema.tables.iter_mut().zip(names.tables.iter()) {
        let scope = [rec];
        for c in &mut t.columns {
            if let Some(g) = &mut c.generated {
                // Cannot fail now: the loop above dropped those that would.
                let _ = rewrite_expr(&mut g.expr, &scope, quote);
            }
            if let Some(ir::Default::Expr(e)) = &mut c.default
                && let Err(why) = rewrite_expr(e, &scope, quote)
            {
                diags.push(
                    left_out(format!("the default of `{}.{}`", t.name, c.name), &why)
                        .at(c.span)
                        .object(ObjectRef::table(&t.name)),
                );
                c.default = None;
            }
        }
        let table = t.name.clone();
        t.checks
            .retain_mut(|k| match rewrite_expr(&mut k.expr, &scope, quote) {
                Ok(()) => true,
                Err(why) => {
                    let what = match &k.name {
                        Some(n) => format!("CHECK constraint `{n}` of `{table}`"),
                        None => format!("a CHECK constraint of `{table}`"),
                    };
                    diags.push(
                        left_out(what, &why)
                            .at(k.span)
                            .object(ObjectRef::table(&table)),
                    );
                    false
                }
            });
    }
    schema.indexes.retain_mut(|i| {
        let Some(rec) = names.by_name(&i.table) else {
            return true;
        };
        match rewrite_index(i, rec, quote) {
            Ok(()) => true,
            Err(why) => {
                let what = match &i.name {
                    Some(n) => format!("index `{n}` of `{}`", i.table),
                    None => format!("an index of `{}`", i.table),
                };
                diags.push(
                    left_out(what, &why)
                        .at(i.span)
                        .object(ObjectRef::table(&i.table)),
                );
                false
            }
        }
    });
    // Views: a view left out takes the views over it along.
    let mut gone: Vec<Name> = Vec::new();
    let mut views = std::mem::take(&mut schema.views);
    loop {
        let before = gone.len();
        views.retain_mut(|v| {
            let over_gone = crate::order::relations_of(&v.query)
                .iter()
                .filter_map(name_of)
                .find(|r| gone.iter().any(|g| g.matches(r)));
            let result = match over_gone {
                Some(r) => Err(Unfollowable::ReadsLeftOutView(r.to_string())),
                None => rewrite_view(&mut v.query, names, quote),
            };
            match result {
                Ok(()) => true,
                Err(why) => {
                    diags.push(
                        left_out(format!("view `{}`", v.name), &why)
                            .at(v.span)
                            .object(ObjectRef::new(ObjectKind::View, &v.name)),
                    );
                    gone.push(v.name.clone());
                    false
                }
            }
        });
        if gone.len() == before {
            break;
        }
    }
    schema.views = views;
    for s in &mut schema.sequences {
        let Some((table, column)) = &s.owned_by else {
            continue;
        };
        let owner = names.tables.iter().find(|r| r.source.matches(table));
        s.owned_by = match owner {
            Some(rec) => match rec.column(column) {
                Some(Some(now)) => Some((rec.name.clone(), now.clone())),
                Some(None) => None,
                None => s.owned_by.take(),
            },
            None => s.owned_by.take(),
        };
    }
    diags
}

/// The diagnostic for an object left out.
fn left_out(what: String, why: &Unfollowable) -> Diagnostic {
    Diagnostic::new(
        &codes::CONFIG_REFERENCE_MANUAL,
        format!("{what} is not converted: {why}"),
    )
    .help("create it by hand for the new names, or change the configuration")
}

/// The index's columns, covering columns, expressions and predicate, over its table.
fn rewrite_index(i: &mut ir::Index, rec: &SourceTable, quote: char) -> Result<(), Unfollowable> {
    let scope = [rec];
    for p in &mut i.parts {
        match &mut p.expr {
            IndexExpr::Column(c) => *c = column_now(rec, c)?,
            IndexExpr::Expr(e) => rewrite_expr(e, &scope, quote)?,
        }
    }
    for c in &mut i.include {
        *c = column_now(rec, c)?;
    }
    if let Some(p) = &mut i.predicate {
        rewrite_expr(p, &scope, quote)?;
    }
    Ok(())
}

/// A column named as a plain name (an index part): its new name, or why there is none.
fn column_now(rec: &SourceTable, column: &str) -> Result<String, Unfollowable> {
    match rec.column(column) {
        Some(Some(now)) => Ok(now.clone()),
        Some(None) => Err(dropped(rec, column)),
        None => Ok(column.to_string()),
    }
}

fn dropped(rec: &SourceTable, column: &str) -> Unfollowable {
    Unfollowable::DroppedColumn {
        table: rec.source.to_string(),
        column: column.to_string(),
    }
}

/// Why a reference cannot be followed to its new name: the object is left out (F1008).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unfollowable {
    /// It uses a column the configuration drops.
    DroppedColumn { table: String, column: String },
    /// A USING or NATURAL join over an edited column (the join names no table).
    JoinOverEdited { table: String, column: String },
    /// A plain column name read from several tables, one of which edits it.
    Ambiguous { name: String, table: String },
    /// A qualifier that names no table of the query (a subquery's or CTE's), before an edited
    /// column.
    UnknownQualifier {
        qualifier: String,
        table: String,
        column: String,
    },
    /// A view that reads a view left out.
    ReadsLeftOutView(String),
}

impl std::fmt::Display for Unfollowable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unfollowable::DroppedColumn { table, column } => write!(
                f,
                "it uses the column `{table}.{column}`, which the configuration drops"
            ),
            Unfollowable::JoinOverEdited { table, column } => write!(
                f,
                "it joins by USING or NATURAL over the column `{table}.{column}`, which the configuration renames or drops"
            ),
            Unfollowable::Ambiguous { name, table } => write!(
                f,
                "the column name `{name}` is read from several tables and the configuration renames or drops `{table}.{name}`: ferry cannot tell which it means"
            ),
            Unfollowable::UnknownQualifier {
                qualifier,
                table,
                column,
            } => write!(
                f,
                "ferry cannot tell which table `{qualifier}` names, and the configuration renames or drops `{table}.{column}`"
            ),
            Unfollowable::ReadsLeftOutView(view) => {
                write!(f, "it reads the view `{view}`, which is left out")
            }
        }
    }
}

/// An expression over one table (a check, default, generated column or index part).
fn rewrite_expr(e: &mut Expr, scope: &[&SourceTable], quote: char) -> Result<(), Unfollowable> {
    let qualifiers = scope
        .iter()
        .map(|t| (t.source.name.to_lowercase(), Some(*t), true))
        .collect();
    let mut r = Rewriter {
        tables: scope.to_vec(),
        qualifiers,
        ctes: Vec::new(),
        quote,
    };
    match VisitMut::visit(e, &mut r) {
        ControlFlow::Break(why) => Err(why),
        ControlFlow::Continue(()) => Ok(()),
    }
}

/// A view's query: the tables it reads are those of its FROM clauses, anywhere in it.
fn rewrite_view(q: &mut Query, names: &SourceNames, quote: char) -> Result<(), Unfollowable> {
    let mut from = FromClauses {
        names,
        tables: Vec::new(),
        qualifiers: Vec::new(),
        ctes: Vec::new(),
    };
    let _ = Visit::visit(&*q, &mut from);
    let mut r = Rewriter {
        tables: from.tables,
        qualifiers: from.qualifiers,
        ctes: from.ctes,
        quote,
    };
    match VisitMut::visit(q, &mut r) {
        ControlFlow::Break(why) => Err(why),
        ControlFlow::Continue(()) => Ok(()),
    }
}

/// A relation's name as an IR name (the last two parts).
fn name_of(n: &ObjectName) -> Option<Name> {
    let parts: Vec<&str> =
        n.0.iter()
            .map(|p| p.as_ident().map(|i| i.value.as_str()))
            .collect::<Option<_>>()?;
    match parts.as_slice() {
        [.., s, t] => Some(Name::new(Some((*s).to_string()), *t)),
        [t] => Some(Name::bare(*t)),
        [] => None,
    }
}

/// Reads a query's FROM clauses: the edited tables it reads, and what each qualifier (alias or
/// table name) stands for (`None`: a subquery or function, whose columns ferry does not know).
struct FromClauses<'n> {
    names: &'n SourceNames,
    tables: Vec<&'n SourceTable>,
    /// (qualifier in lower case, the table, whether it is the table's own name).
    qualifiers: Vec<(String, Option<&'n SourceTable>, bool)>,
    ctes: Vec<String>,
}

impl<'n> FromClauses<'n> {
    fn table(&self, n: &ObjectName) -> Option<&'n SourceTable> {
        let name = name_of(n)?;
        if name.schema.is_none() && self.ctes.contains(&name.name.to_lowercase()) {
            return None;
        }
        self.names
            .tables
            .iter()
            .find(|t| t.source == name)
            .or_else(|| self.names.tables.iter().find(|t| t.source.matches(&name)))
    }
}

impl Visitor for FromClauses<'_> {
    type Break = ();

    fn pre_visit_query(&mut self, q: &Query) -> ControlFlow<()> {
        if let Some(with) = &q.with {
            for cte in &with.cte_tables {
                self.ctes.push(cte.alias.name.value.to_lowercase());
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, f: &TableFactor) -> ControlFlow<()> {
        let (table, own, alias) = match f {
            TableFactor::Table { name, alias, .. } => {
                let table = self.table(name);
                if let Some(t) = table
                    && !self.tables.iter().any(|x| std::ptr::eq(*x, t))
                {
                    self.tables.push(t);
                }
                let own = name
                    .0
                    .last()
                    .and_then(ObjectNamePart::as_ident)
                    .map(|i| i.value.to_lowercase());
                (table, own, alias.as_ref())
            }
            TableFactor::Derived { alias, .. }
            | TableFactor::TableFunction { alias, .. }
            | TableFactor::Function { alias, .. }
            | TableFactor::UNNEST { alias, .. } => (None, None, alias.as_ref()),
            _ => return ControlFlow::Continue(()),
        };
        match alias {
            Some(a) => self
                .qualifiers
                .push((a.name.value.to_lowercase(), table, false)),
            None => {
                if let Some(own) = own {
                    self.qualifiers.push((own, table, true));
                }
            }
        }
        ControlFlow::Continue(())
    }
}

/// Respells references to edited names, or stops with the reason it cannot.
struct Rewriter<'n> {
    /// The edited tables the expression can see.
    tables: Vec<&'n SourceTable>,
    qualifiers: Vec<(String, Option<&'n SourceTable>, bool)>,
    ctes: Vec<String>,
    /// The source dialect's quote: a new name is stored as written, so it is quoted.
    quote: char,
}

impl Rewriter<'_> {
    fn ident(&self, name: &str) -> Ident {
        Ident::with_quote(self.quote, name)
    }

    /// Whether some table in view has a column of this name that the edits change.
    fn edited_somewhere(&self, column: &str) -> Option<&SourceTable> {
        self.tables.iter().copied().find(|t| {
            t.column(column)
                .is_some_and(|now| now.as_deref() != Some(source_spelling(t, column)))
        })
    }

    /// A column of a known table.
    fn column(&self, t: &SourceTable, id: &mut Ident) -> ControlFlow<Unfollowable> {
        match t.column(&id.value) {
            Some(None) => ControlFlow::Break(dropped(t, &id.value)),
            Some(Some(now)) if now != source_spelling(t, &id.value) => {
                *id = self.ident(now);
                ControlFlow::Continue(())
            }
            _ => ControlFlow::Continue(()),
        }
    }

    /// The table's new name in place of its old one in a qualified name (`film.title`,
    /// `public.film.title`, `film.*`): `parts` ends with the table's part.
    fn requalify(&self, t: &SourceTable, parts: &mut [Ident]) {
        if t.name == t.source {
            return;
        }
        if let Some(last) = parts.last_mut() {
            *last = self.ident(&t.name.name);
        }
        let n = parts.len();
        if n >= 2
            && let Some(s) = &t.name.schema
        {
            parts[n - 2] = self.ident(s);
        }
    }

    fn qualifier(&self, q: &Ident) -> Option<(Option<&SourceTable>, bool)> {
        let q = q.value.to_lowercase();
        self.qualifiers
            .iter()
            .find(|(name, _, _)| *name == q)
            .map(|(_, t, own)| (*t, *own))
    }
}

/// The source's spelling of a column of `t` named `column` in any case.
fn source_spelling<'t>(t: &'t SourceTable, column: &str) -> &'t str {
    t.columns
        .iter()
        .find(|(c, _)| c.eq_ignore_ascii_case(column))
        .map_or("", |(c, _)| c.as_str())
}

impl VisitorMut for Rewriter<'_> {
    type Break = Unfollowable;

    fn pre_visit_relation(&mut self, r: &mut ObjectName) -> ControlFlow<Unfollowable> {
        let Some(name) = name_of(r) else {
            return ControlFlow::Continue(());
        };
        if name.schema.is_none() && self.ctes.contains(&name.name.to_lowercase()) {
            return ControlFlow::Continue(());
        }
        let t = self
            .tables
            .iter()
            .copied()
            .find(|t| t.source == name)
            .or_else(|| {
                self.tables
                    .iter()
                    .copied()
                    .find(|t| t.source.matches(&name))
            });
        if let Some(t) = t
            && t.name != t.source
        {
            // A table moved to another schema is named with it.
            let mut parts = Vec::new();
            if let Some(s) = &t.name.schema
                && (r.0.len() >= 2 || t.name.schema != t.source.schema)
            {
                parts.push(ObjectNamePart::Identifier(self.ident(s)));
            }
            parts.push(ObjectNamePart::Identifier(self.ident(&t.name.name)));
            r.0 = parts;
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_select(&mut self, s: &mut Select) -> ControlFlow<Unfollowable> {
        for j in s.from.iter().flat_map(|f| &f.joins) {
            let problem = match crate::parse::sql::join_constraint(&j.join_operator) {
                Some(JoinConstraint::Using(cols)) => cols
                    .iter()
                    .filter_map(|c| c.0.last().and_then(ObjectNamePart::as_ident))
                    .find_map(|c| {
                        self.edited_somewhere(&c.value)
                            .map(|t| (t, c.value.clone()))
                    }),
                Some(JoinConstraint::Natural) => self.tables.iter().copied().find_map(|t| {
                    t.columns
                        .iter()
                        .find(|(c, now)| now.as_deref() != Some(c.as_str()))
                        .map(|(c, _)| (t, c.clone()))
                }),
                _ => None,
            };
            if let Some((t, c)) = problem {
                return ControlFlow::Break(Unfollowable::JoinOverEdited {
                    table: t.source.to_string(),
                    column: c.to_string(),
                });
            }
        }
        for item in &mut s.projection {
            if let SelectItem::QualifiedWildcard(SelectItemQualifiedWildcardKind::ObjectName(n), _) =
                item
                && let Some(ObjectNamePart::Identifier(q)) = n.0.last()
                && let Some((Some(t), true)) = self.qualifier(q)
            {
                let mut parts: Vec<Ident> =
                    n.0.iter().filter_map(|p| p.as_ident().cloned()).collect();
                self.requalify(t, &mut parts);
                n.0 = parts.into_iter().map(ObjectNamePart::Identifier).collect();
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, e: &mut Expr) -> ControlFlow<Unfollowable> {
        match e {
            Expr::Identifier(id) => {
                let hits: Vec<&SourceTable> = self
                    .tables
                    .iter()
                    .copied()
                    .filter(|t| t.column(&id.value).is_some())
                    .collect();
                match hits.as_slice() {
                    [] => {}
                    [t] => self.column(t, id)?,
                    _ => {
                        if let Some(t) = hits.iter().find(|t| {
                            t.column(&id.value).is_some_and(|now| {
                                now.as_deref() != Some(source_spelling(t, &id.value))
                            })
                        }) {
                            return ControlFlow::Break(Unfollowable::Ambiguous {
                                name: id.value.clone(),
                                table: t.source.to_string(),
                            });
                        }
                    }
                }
            }
            Expr::CompoundIdentifier(ids) if ids.len() >= 2 => {
                let n = ids.len();
                let (head, column) = ids.split_at_mut(n - 1);
                let column = &mut column[0];
                match self.qualifier(&head[n - 2]) {
                    Some((Some(t), own)) => {
                        self.column(t, column)?;
                        if own {
                            self.requalify(t, head);
                        }
                    }
                    _ => {
                        if let Some(t) = self.edited_somewhere(&column.value) {
                            return ControlFlow::Break(Unfollowable::UnknownQualifier {
                                qualifier: head
                                    .iter()
                                    .map(|i| i.value.as_str())
                                    .collect::<Vec<_>>()
                                    .join("."),
                                table: t.source.to_string(),
                                column: column.value.clone(),
                            });
                        }
                    }
                }
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }
}
