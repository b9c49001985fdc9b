//! Stored functions and procedures between engines, through the procedural IR
//! (`ir/procedural.rs`): MySQL's read by `mysql.rs`, printed as PL/pgSQL by `plpgsql.rs`. A
//! MySQL procedure becomes a PostgreSQL procedure: its OUT and INOUT parameters are what CALL
//! returns, with one refcursor per result set (`plpgsql.rs` says how a caller reads them). What
//! is not converted is named with its place; the routine is then left out, never printed
//! broken.

pub mod mysql;
pub mod plpgsql;

use std::collections::HashMap;

use crate::dialect::Dialect;
use crate::emit::expr::Warning;
use crate::emit::names::Namer;
use crate::ir::procedural::{Mode, RoutineDef};
use crate::ir::{Routine, RoutineKind};
use crate::source::Span;

/// Why a routine is left out (the construct that is not converted), and where that stands in
/// the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Left {
    pub why: String,
    pub span: Span,
}

/// A routine for the target: its CREATE statement, and the warnings of its queries.
pub struct Converted {
    pub sql: String,
    pub warnings: Vec<Warning>,
}

/// Whether ferry converts routines between these engines.
pub fn converts(from: Dialect, to: Dialect) -> bool {
    matches!((from, to), (Dialect::Mysql, Dialect::Postgres))
}

/// The routine read, for `from`, or why not.
pub fn read(r: &Routine, from: Dialect) -> Option<Result<RoutineDef, Left>> {
    let read = match (from, r.kind) {
        (Dialect::Mysql, RoutineKind::Function | RoutineKind::Procedure) => mysql::read,
        _ => return None,
    };
    Some(read(&r.body, r.span.start).map_err(|u| {
        let at = r.span.start + u.at;
        Left {
            why: format!("{} is not converted", u.construct),
            span: Span::new(at, at + 1),
        }
    }))
}

/// The source types a routine names (parameters, variables, return type, temporary tables'
/// columns), for `mapping` to decide before `emit` prints them.
pub fn types_used(routines: &[Routine], from: Dialect, to: Dialect) -> Vec<String> {
    let mut out = Vec::new();
    if !converts(from, to) {
        return out;
    }
    for r in routines {
        if r.kind == RoutineKind::Trigger {
            if let Ok(b) = mysql::read_trigger_body(&r.body, r.span.start) {
                collect_block_types(&b, &mut out);
            }
            continue;
        }
        let Some(Ok(def)) = read(r, from) else {
            continue;
        };
        out.extend(def.params.iter().map(|p| p.ty.clone()));
        out.extend(def.returns.clone());
        collect_block_types(&def.body, &mut out);
    }
    out.sort();
    out.dedup();
    out
}

/// The variables a block and the blocks inside it declare (lower case).
fn block_variables(b: &crate::ir::procedural::Block, out: &mut Vec<String>) {
    for inner in b.all_blocks() {
        out.extend(inner.vars.iter().map(|v| v.name.to_lowercase()));
    }
}

/// The types a block's variables and temporary tables name.
fn collect_block_types(b: &crate::ir::procedural::Block, out: &mut Vec<String>) {
    for inner in b.all_blocks() {
        out.extend(inner.vars.iter().map(|v| v.ty.clone()));
    }
    for s in b.all_statements() {
        if let crate::ir::procedural::StmtKind::Sql(st) = &s.kind
            && let sqlparser::ast::Statement::CreateTable(t) = st.as_ref()
        {
            out.extend(
                t.columns
                    .iter()
                    .map(|c| c.data_type.to_string().to_lowercase()),
            );
        }
    }
}

/// The routine for `to`; None when ferry converts no routine between these engines.
pub fn convert(
    r: &Routine,
    from: Dialect,
    to: Dialect,
    namer: &Namer,
    types: &HashMap<String, String>,
) -> Option<Result<Converted, Left>> {
    if !converts(from, to) {
        return None;
    }
    let def = match read(r, from)? {
        Ok(d) => d,
        Err(e) => return Some(Err(e)),
    };
    Some(to_postgres(&def, r, from, namer, types))
}

fn to_postgres(
    def: &RoutineDef,
    r: &Routine,
    from: Dialect,
    namer: &Namer,
    types: &HashMap<String, String>,
) -> Result<Converted, Left> {
    let mut namer = namer.clone();
    let mut variables: Vec<String> = def.params.iter().map(|p| p.name.to_lowercase()).collect();
    block_variables(&def.body, &mut variables);
    namer.variables = std::sync::Arc::new(variables.into_iter().collect());
    let namer = &namer;
    let mut p = plpgsql::Printer::new(namer, from, types, &def.params);
    let function = def.returns.is_some();
    p.returns = match &def.returns {
        Some(t) => Some(p.ty(t, r.head)?),
        None => None,
    };
    p.results_allowed = !function;
    p.dropped = plpgsql::dropped(&def.body);
    p.routine = def.name.to_lowercase();
    let body = p.body(&def.body, r.head, "")?;
    if body.contains("$ferry$") {
        return Err(Left {
            why: "the text `$ferry$` in the body is not converted".into(),
            span: r.head,
        });
    }
    let mut params = Vec::new();
    for param in &def.params {
        let mode = match (function, param.mode) {
            (true, _) => "",
            (false, Mode::In) => "IN ",
            (false, Mode::Out) => "OUT ",
            (false, Mode::InOut) => "INOUT ",
        };
        // An integer literal is an `integer`, which PostgreSQL casts to smallint only on
        // assignment, not to find a routine (https://www.postgresql.org/docs/15/typeconv-func.html):
        // `CALL p(3)` would find no `p(smallint)`. A parameter takes the wider type.
        let ty = match p.ty(&param.ty, r.head)?.as_str() {
            "smallint" => "integer".to_string(),
            t => t.to_string(),
        };
        params.push(format!("{mode}{} {ty}", p.name(&param.name)));
    }
    for c in &p.results {
        params.push(format!("OUT {c} refcursor"));
    }
    let name = namer.quote_raw(&namer.raw(&def.name, &mut Vec::new()));
    let head = match &p.returns {
        Some(t) => format!("CREATE FUNCTION {name}({}) RETURNS {t}", params.join(", ")),
        None => format!("CREATE PROCEDURE {name}({})", params.join(", ")),
    };
    Ok(Converted {
        sql: format!("{head} LANGUAGE plpgsql AS $ferry$\n{body}$ferry$"),
        warnings: p.warnings,
    })
}
