//! Indexes, views, sequences, enum types, comments, and the passes that run once everything is
//! read (type resolution, serial sequences).

use crate::diag::{ObjectKind, ObjectRef};
use std::ops::ControlFlow;

use sqlparser::ast::{self, CommentObject, ObjectName};
use sqlparser::dialect::Precedence;
use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::Token;

use super::Ctx;
use super::default::lower_default;
use super::table::index_parts;
use crate::diag::{Diagnostic, codes};
use crate::ir::{
    Check, Domain, EnumType, Identity, IdentityKind, Index, IndexKind, Name, Schema, View,
};

pub fn create_index(
    cx: &Ctx,
    ci: &ast::CreateIndex,
    schema: &mut Schema,
    diags: &mut Vec<Diagnostic>,
) {
    let table = cx.name(&ci.table_name);
    if schema.table(&table).is_none() {
        diags.push(
            Diagnostic::new(
                &codes::UNKNOWN_REFERENCE,
                format!("index on `{table}`, which the script does not create, is not converted"),
            )
            .at(cx.span()),
        );
        return;
    }
    let name = ci.name.as_ref().map(|n| cx.name(n).name);
    index_details_dropped(cx, ci, diags);
    schema.indexes.push(Index {
        name,
        table,
        unique: ci.unique,
        kind: IndexKind::Plain,
        parts: index_parts(cx, &ci.columns),
        method: ci.using.as_ref().map(|u| u.to_string().to_lowercase()),
        predicate: ci.predicate.clone(),
        include: ci.include.iter().map(|i| cx.ident(i)).collect(),
        span: cx.span(),
    });
}

/// What an index says that the IR does not hold, each named in a diagnostic
/// (https://www.postgresql.org/docs/15/sql-createindex.html): NULLS NOT DISTINCT (a unique
/// index that admits one NULL), operator classes, NULLS FIRST / LAST, storage parameters.
fn index_details_dropped(cx: &Ctx, ci: &ast::CreateIndex, diags: &mut Vec<Diagnostic>) {
    let index = ci
        .name
        .as_ref()
        .map_or_else(String::new, |n| format!(" `{n}`"));
    if ci.nulls_distinct == Some(false) {
        diags.push(
            Diagnostic::new(
                &codes::UNIQUE_NULLS_CHANGED,
                format!("NULLS NOT DISTINCT of index{index} is dropped: a unique index then admits several NULLs (on every target but SQL Server, whose admits one)"),
            )
            .at(cx.span()),
        );
    }
    let mut dropped: Vec<String> = ci
        .columns
        .iter()
        .flat_map(|c| {
            let class = c
                .operator_class
                .as_ref()
                .map(|o| format!("operator class {o}"));
            let nulls = c
                .column
                .options
                .nulls_first
                .map(|first| if first { "NULLS FIRST" } else { "NULLS LAST" }.to_string());
            class.into_iter().chain(nulls)
        })
        .collect();
    if !ci.with.is_empty() {
        let with: Vec<String> = ci.with.iter().map(ToString::to_string).collect();
        dropped.push(format!("WITH ({})", with.join(", ")));
    }
    if !dropped.is_empty() {
        diags.push(
            Diagnostic::new(
                &codes::INDEX_OPTION_DROPPED,
                format!("index{index}: {} dropped", dropped.join(", ")),
            )
            .at(cx.span()),
        );
    }
}

pub fn create_view(
    cx: &Ctx,
    cv: &ast::CreateView,
    schema: &mut Schema,
    _diags: &mut Vec<Diagnostic>,
) {
    let mut query = (*cv.query).clone();
    if let Some(s) = &cx.raw.schema {
        in_schema(&mut query, s);
    }
    schema.views.push(View {
        name: cx.name(&cv.name),
        columns: cv.columns.iter().map(|c| cx.ident(&c.name)).collect(),
        query,
        materialized: cv.materialized,
        span: cx.span(),
    });
}

/// A view among the elements of `CREATE SCHEMA s ...` reads its unqualified relations in `s`,
/// as PostgreSQL resolves them (the new schema first on the search path); a CTE's name stays.
fn in_schema(query: &mut ast::Query, schema: &str) {
    struct InSchema<'a> {
        schema: &'a str,
        ctes: Vec<String>,
    }
    impl ast::VisitorMut for InSchema<'_> {
        type Break = ();
        fn pre_visit_query(&mut self, q: &mut ast::Query) -> ControlFlow<()> {
            if let Some(with) = &q.with {
                let names = with
                    .cte_tables
                    .iter()
                    .map(|c| c.alias.name.value.to_lowercase());
                self.ctes.extend(names);
            }
            ControlFlow::Continue(())
        }
        fn pre_visit_relation(&mut self, r: &mut ObjectName) -> ControlFlow<()> {
            let plain = match r.0.as_slice() {
                [only] => only.as_ident().map(|i| i.value.to_lowercase()),
                _ => None,
            };
            if plain.is_some_and(|n| !self.ctes.contains(&n)) {
                let quote = (self.schema != self.schema.to_lowercase()).then_some('"');
                let id = ast::Ident {
                    value: self.schema.to_string(),
                    quote_style: quote,
                    span: sqlparser::tokenizer::Span::empty(),
                };
                r.0.insert(0, ast::ObjectNamePart::Identifier(id));
            }
            ControlFlow::Continue(())
        }
    }
    let _ = ast::VisitMut::visit(
        query,
        &mut InSchema {
            schema,
            ctes: Vec::new(),
        },
    );
}

/// `OWNED BY table.column` -> (table, column).
fn owner_column(cx: &Ctx, o: &ObjectName) -> Option<(Name, String)> {
    let mut parts: Vec<String> =
        o.0.iter()
            .filter_map(|p| p.as_ident())
            .map(|i| cx.ident(i))
            .collect();
    let column = parts.pop()?;
    let table = parts.pop()?;
    Some((Name::new(parts.pop(), table), column))
}

/// `CREATE TYPE`: an enum becomes an `EnumType`; a composite, range or base type is kept as
/// written (`RoutineKind::Type`), which the same engine creates before what names it and
/// another reports as not converted.
pub fn create_type(
    cx: &Ctx,
    name: &ObjectName,
    repr: Option<&ast::UserDefinedTypeRepresentation>,
    schema: &mut Schema,
) {
    let name = cx.name(name);
    match repr {
        Some(ast::UserDefinedTypeRepresentation::Enum { labels }) => schema.enums.push(EnumType {
            name,
            values: labels.iter().map(|l| l.value.clone()).collect(),
            span: cx.span(),
        }),
        // Kept as written for the same engine; elsewhere `emit` says it is not converted.
        _ => schema.routines.push(crate::ir::Routine {
            kind: crate::ir::RoutineKind::Type,
            name,
            span: cx.span(),
            head: cx.span(),
            body: cx.raw.text.clone(),
        }),
    }
}

pub fn comment_on(
    cx: &Ctx,
    kind: CommentObject,
    object: &ObjectName,
    comment: Option<&str>,
    schema: &mut Schema,
    diags: &mut Vec<Diagnostic>,
) {
    let comment = comment.map(str::to_string);
    match kind {
        CommentObject::Table => {
            if let Some(t) = schema.table_mut(&cx.name(object)) {
                t.comment = comment;
                return;
            }
        }
        CommentObject::Column => {
            if let Some((table, column)) = owner_column(cx, object)
                && let Some(c) = schema.table_mut(&table).and_then(|t| t.column_mut(&column))
            {
                c.comment = comment;
                return;
            }
        }
        _ => {}
    }
    diags.push(
        Diagnostic::new(
            &codes::COMMENT_DROPPED,
            format!("COMMENT ON {kind} {object} is not converted"),
        )
        .at(cx.span()),
    );
}

/// `CREATE DOMAIN name [AS] type` and its clauses in any order, as PostgreSQL takes them
/// (https://www.postgresql.org/docs/15/sql-createdomain.html): `COLLATE c`, `DEFAULT expr`,
/// `[CONSTRAINT name] CHECK (expr)`, `NOT NULL`, `NULL`. Read with sqlparser's building blocks:
/// its own CREATE DOMAIN takes them in one order and no NOT NULL.
pub fn create_domain(cx: &Ctx, schema: &mut Schema, diags: &mut Vec<Diagnostic>) {
    let d = cx.dialect.parser();
    let read = super::tsql::parser(cx, &*d).and_then(|mut p| {
        p.expect_keywords(&[Keyword::CREATE, Keyword::DOMAIN])?;
        let name = p.parse_object_name(false)?;
        let _ = p.parse_keyword(Keyword::AS);
        let ty = p.parse_data_type()?;
        let mut domain = Domain {
            name: cx.name(&name),
            base_type: super::table::source_type(&ty, cx.dialect).0,
            collation: None,
            default: None,
            not_null: false,
            checks: Vec::new(),
            span: cx.span(),
            text: cx.raw.text.clone(),
        };
        let mut constraint = None;
        loop {
            if p.parse_keyword(Keyword::COLLATE) {
                domain.collation = Some(p.parse_object_name(false)?.to_string());
            } else if p.parse_keyword(Keyword::DEFAULT) {
                // Below IS: `DEFAULT 'x' NOT NULL` is a default and a constraint.
                let default = p.parse_subexpr(d.prec_value(Precedence::Is))?;
                domain.default = Some(lower_default(&default, cx.dialect));
            } else if p.parse_keyword(Keyword::CONSTRAINT) {
                constraint = Some(cx.ident(&p.parse_identifier()?));
                continue;
            } else if p.parse_keyword(Keyword::CHECK) {
                p.expect_token(&Token::LParen)?;
                let expr = p.parse_expr()?;
                p.expect_token(&Token::RParen)?;
                domain.checks.push(Check {
                    name: constraint.take(),
                    expr,
                    span: cx.span(),
                });
            } else if p.parse_keywords(&[Keyword::NOT, Keyword::NULL]) {
                domain.not_null = true;
            } else if !p.parse_keyword(Keyword::NULL) {
                break;
            }
            constraint = None;
        }
        while p.consume_token(&Token::SemiColon) {}
        if p.peek_token().token != Token::EOF {
            return p.expected(
                "a domain constraint or the end of the statement",
                p.peek_token(),
            );
        }
        Ok(domain)
    });
    match read {
        Ok(domain) => schema.domains.push(domain),
        Err(e) => diags.push(super::tsql::cannot_read(cx, "this CREATE DOMAIN", &e)),
    }
}

/// `expr` with the keyword `VALUE` of a domain's CHECK replaced by the column it applies to.
fn check_on_column(expr: &ast::Expr, column: &str) -> ast::Expr {
    let mut expr = expr.clone();
    let _ = ast::visit_expressions_mut(&mut expr, |e| {
        if let ast::Expr::Identifier(id) = e
            && id.quote_style.is_none()
            && id.value.eq_ignore_ascii_case("VALUE")
        {
            *e = ast::Expr::Identifier(ast::Ident::with_quote('"', column));
        }
        ControlFlow::<()>::Continue(())
    });
    expr
}

/// Columns whose type names a user enum type get the type's values; columns whose type names a
/// domain get the domain's base type, and its collation, default, NOT NULL and CHECK
/// constraints (on the column: the targets but PostgreSQL have no domains). With
/// `keep_domains` (PostgreSQL to PostgreSQL) the domain stays: the column names it
/// (`Column::domain`) and takes nothing from it but its base type, which mapping decides by.
pub fn resolve_types(schema: &mut Schema, keep_domains: bool, diags: &mut Vec<Diagnostic>) {
    if schema.enums.is_empty() && schema.domains.is_empty() {
        return; // MySQL and SQLite scripts: nothing to resolve
    }
    let enums = std::mem::take(&mut schema.enums);
    for t in &mut schema.tables {
        let mut checks = Vec::new();
        for c in &mut t.columns {
            let bare = c.source_type.trim_matches('"');
            let name = match bare.rsplit_once('.') {
                Some((s, n)) => {
                    Name::new(Some(s.trim_matches('"').to_string()), n.trim_matches('"'))
                }
                None => Name::bare(bare),
            };
            if let Some(d) = schema.domains.iter().find(|d| d.name.matches(&name)) {
                c.source_type = d.base_type.clone();
                if keep_domains {
                    c.domain = Some(d.name.clone());
                    continue;
                }
                let mut taken = Vec::new();
                if d.not_null && c.nullable {
                    c.nullable = false;
                    taken.push("NOT NULL".to_string());
                }
                if d.default.is_some() && c.default.is_none() {
                    c.default = d.default.clone();
                    taken.push("default".to_string());
                }
                if d.collation.is_some() && c.collation.is_none() {
                    c.collation = d.collation.clone();
                    taken.push("collation".to_string());
                }
                for ch in &d.checks {
                    checks.push(Check {
                        name: ch
                            .name
                            .as_ref()
                            .map(|n| format!("{}_{}_{n}", t.name.name, c.name)),
                        expr: check_on_column(&ch.expr, &c.name),
                        span: c.span,
                    });
                }
                if !d.checks.is_empty() {
                    taken.push(format!("CHECK constraints ({})", d.checks.len()));
                }
                let mut message = format!(
                    "column `{}.{}` uses domain `{}`: it gets the base type {}",
                    t.name, c.name, d.name, d.base_type
                );
                if !taken.is_empty() {
                    message.push_str(&format!(" and the domain's {}", taken.join(", ")));
                }
                diags.push(
                    Diagnostic::new(&codes::TYPE_NOTE, message)
                        .at(c.span)
                        .object(ObjectRef::table(&t.name)),
                );
                continue;
            }
            if let Some(e) = enums.iter().find(|e| e.name.matches(&name)) {
                c.enum_type = Some(e.name.clone());
                c.values = Some(e.values.clone());
            }
        }
        t.checks.extend(checks);
    }
    schema.enums = enums;
}

/// A text column whose CHECK is `col IS JSON` holds JSON: Oracle's way before its JSON type
/// (21c; <https://docs.oracle.com/en/database/oracle/oracle-database/19/adjsn/conditions-is-json-and-is-not-json.html>),
/// and standard SQL's. It is read as a JSON column (its source type becomes `JSON`, which the
/// mappings take to the target's JSON type), and the check, which that type keeps, is
/// dropped with a note. A check with NOT, a shape (`IS JSON OBJECT`) or WITH UNIQUE KEYS stays
/// a check.
pub fn json_checks(schema: &mut Schema, diags: &mut Vec<Diagnostic>) {
    let textual = |ty: &str| {
        let ty = ty.to_ascii_uppercase();
        (ty.contains("CHAR") || ty.contains("CLOB") || ty.contains("TEXT")) && !ty.contains("BLOB")
    };
    for t in &mut schema.tables {
        let mut kept = Vec::with_capacity(t.checks.len());
        for check in std::mem::take(&mut t.checks) {
            let column = match &check.expr {
                ast::Expr::IsJson {
                    expr,
                    kind: None,
                    unique_keys: None,
                    negated: false,
                } => match expr.as_ref() {
                    ast::Expr::Identifier(id) => Some(id.value.clone()),
                    _ => None,
                },
                _ => None,
            };
            let Some(c) = column.and_then(|name| {
                t.columns
                    .iter_mut()
                    .find(|c| c.name.eq_ignore_ascii_case(&name) && textual(&c.source_type))
            }) else {
                kept.push(check);
                continue;
            };
            diags.push(
                Diagnostic::new(
                    &codes::TYPE_NOTE,
                    format!(
                        "`{}.{}` ({}) is checked to hold JSON: it becomes a JSON column, and the \
                         check is left to the JSON type (a binary JSON type, as PostgreSQL's jsonb \
                         and MySQL's JSON, keeps neither key order nor duplicate keys)",
                        t.name, c.name, c.source_type
                    ),
                )
                .at(check.span)
                .object(ObjectRef::table(&t.name)),
            );
            c.source_type = "JSON".to_string();
        }
        t.checks = kept;
    }
}

/// A column whose default is `nextval('seq')` of a sequence owned by that column (what pg_dump
/// writes for SERIAL) is an auto-increment column: the sequence becomes part of its identity.
pub fn absorb_serial_sequences(schema: &mut Schema, diags: &mut Vec<Diagnostic>) {
    let mut absorbed = Vec::new();
    for t in &mut schema.tables {
        for c in &mut t.columns {
            let Some(crate::ir::Default::NextVal(seq_name)) = &c.default else {
                continue;
            };
            let Some(seq) = schema.sequences.iter().find(|s| s.name.matches(seq_name)) else {
                continue;
            };
            let owned_here = match &seq.owned_by {
                Some((tab, col)) => tab.matches(&t.name) && col.eq_ignore_ascii_case(&c.name),
                // Without OWNED BY, PostgreSQL's serial naming convention decides.
                None => seq
                    .name
                    .name
                    .eq_ignore_ascii_case(&format!("{}_{}_seq", t.name.name, c.name)),
            };
            if !owned_here || c.identity.is_some() {
                continue;
            }
            c.identity = Some(Identity {
                kind: IdentityKind::Serial,
                always: false,
                start: seq.start.filter(|s| *s != 1),
                increment: seq.increment.filter(|i| *i != 1),
            });
            c.default = None;
            absorbed.push(seq.name.clone());
        }
    }
    schema.sequences.retain(|s| {
        let keep = !absorbed.contains(&s.name);
        if !keep {
            diags.push(
                Diagnostic::new(
                    &codes::IDENTITY_CONVERTED,
                    format!(
                        "sequence `{}` serves a serial column and becomes part of its identity",
                        s.name
                    ),
                )
                .at(s.span)
                .object(ObjectRef::new(ObjectKind::Sequence, &s.name)),
            );
        }
        keep
    });
}
