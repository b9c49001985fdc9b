//! Indexes, views, sequences, enum types, comments, and the passes that run once everything is
//! read (type resolution, serial sequences).

use sqlparser::ast::{self, CommentObject, ObjectName};

use super::Ctx;
use super::table::index_parts;
use crate::diag::{Diagnostic, codes};
use crate::ir::{Domain, EnumType, Identity, IdentityKind, Index, IndexKind, Name, Schema, View};

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

pub fn create_view(
    cx: &Ctx,
    cv: &ast::CreateView,
    schema: &mut Schema,
    _diags: &mut Vec<Diagnostic>,
) {
    schema.views.push(View {
        name: cx.name(&cv.name),
        columns: cv.columns.iter().map(|c| cx.ident(&c.name)).collect(),
        query: (*cv.query).clone(),
        materialized: cv.materialized,
        span: cx.span(),
    });
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

pub fn create_type(
    cx: &Ctx,
    name: &ObjectName,
    repr: Option<&ast::UserDefinedTypeRepresentation>,
    schema: &mut Schema,
    diags: &mut Vec<Diagnostic>,
) {
    let name = cx.name(name);
    match repr {
        Some(ast::UserDefinedTypeRepresentation::Enum { labels }) => schema.enums.push(EnumType {
            name,
            values: labels.iter().map(|l| l.value.clone()).collect(),
            span: cx.span(),
        }),
        _ => diags.push(
            Diagnostic::new(
                &codes::UNSUPPORTED_STATEMENT,
                format!(
                    "type `{name}` is not an enum; composite and range types are not converted"
                ),
            )
            .at(cx.span())
            .object(format!("type {name}")),
        ),
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
            &codes::FEATURE_DROPPED,
            format!("COMMENT ON {kind} {object} is not converted"),
        )
        .at(cx.span()),
    );
}

pub fn create_domain(cx: &Ctx, cd: &ast::CreateDomain, schema: &mut Schema) {
    let checks = cd
        .constraints
        .iter()
        .filter_map(|c| match c {
            ast::TableConstraint::Check(ch) => Some((*ch.expr).clone()),
            _ => None,
        })
        .collect();
    schema.domains.push(Domain {
        name: cx.name(&cd.name),
        base_type: cd.data_type.to_string().to_lowercase(),
        checks,
        span: cx.span(),
    });
}

/// Columns whose type names a user enum type get the type's values; columns whose type names a
/// domain get the domain's base type.
pub fn resolve_types(schema: &mut Schema, diags: &mut Vec<Diagnostic>) {
    let enums = schema.enums.clone();
    for t in &mut schema.tables {
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
                let code = if d.checks.is_empty() {
                    &codes::TYPE_NOTE
                } else {
                    &codes::FEATURE_DROPPED
                };
                let mut diag = Diagnostic::new(
                    code,
                    format!(
                        "column `{}.{}` uses domain `{}`: it gets the base type {}",
                        t.name, c.name, d.name, d.base_type
                    ),
                )
                .at(c.span)
                .object(format!("table {}", t.name));
                if !d.checks.is_empty() {
                    diag = diag.note("the domain's CHECK constraints are not copied to the column");
                }
                diags.push(diag);
                continue;
            }
            if let Some(e) = enums.iter().find(|e| e.name.matches(&name)) {
                c.enum_type = Some(e.name.clone());
                c.values = Some(e.values.clone());
            }
        }
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
                .object(format!("sequence {}", s.name)),
            );
        }
        keep
    });
}
