//! Type mapping: source type -> canonical type -> target type, decided by rules in
//! `mappings/*.toml` (N + M files, not N x M). mappings/README.md documents the format and is
//! the user documentation; this module loads the files, matches patterns and fills
//! `Column::mapped`.
//!
//! - `rules.rs`: loading and checking the files (closed vocabularies, ties found at load time).
//! - `pattern.rs`: the type-pattern language (grammar/type_pattern.pest), matching, specificity.
//! - `vocab.rs`: the canonical types.
//! - `decide.rs`: one column's decision, with its diagnostics.
//! - `show.rs`: `ferry mappings show FROM TO`.

mod decide;
pub mod error;
mod pattern;
mod rules;
mod show;
mod vocab;

pub use vocab::family_of;

#[cfg(test)]
mod tests;

use crate::diag::ObjectRef;
use foldhash::{HashMap, HashMapExt};

use crate::diag::Diagnostic;
use crate::dialect::{Dialect, FkTypes};
use std::sync::Arc;

use crate::ir::{Column, Schema, Table, TypeDecision};

pub use pattern::{MAX_LEN, Param, TypeSpec, parse_concrete};
pub use show::show;
pub use vocab::{CANONICAL, Canon};

use rules::{AttrRule, Loader, RuleSet};

/// The built-in mapping files, embedded so that the binary needs nothing beside it. Each keeps
/// its path in the repository, which is what rule origins print (`mappings/mysql.toml:12`).
const BUILTIN: &[(&str, &str)] = &[
    (
        "mappings/mysql.toml",
        include_str!("../../mappings/mysql.toml"),
    ),
    (
        "mappings/postgres.toml",
        include_str!("../../mappings/postgres.toml"),
    ),
    (
        "mappings/sqlite.toml",
        include_str!("../../mappings/sqlite.toml"),
    ),
    (
        "mappings/sqlserver.toml",
        include_str!("../../mappings/sqlserver.toml"),
    ),
    (
        "mappings/oracle.toml",
        include_str!("../../mappings/oracle.toml"),
    ),
    (
        "mappings/mysql-postgres.toml",
        include_str!("../../mappings/mysql-postgres.toml"),
    ),
    (
        "mappings/mysql-sqlite.toml",
        include_str!("../../mappings/mysql-sqlite.toml"),
    ),
    (
        "mappings/oracle-postgres.toml",
        include_str!("../../mappings/oracle-postgres.toml"),
    ),
    (
        "mappings/oracle-oracle.toml",
        include_str!("../../mappings/oracle-oracle.toml"),
    ),
];

fn builtin(path: &str) -> Option<&'static str> {
    BUILTIN
        .iter()
        .find(|(p, _)| *p == path)
        .map(|(_, text)| *text)
}

/// The loaded rules for one (from, to) pair, each with its origin.
pub struct Rules {
    from: Dialect,
    to: Dialect,
    /// `[read]` and `[types]` rules: patterns over source-dialect types.
    source: RuleSet,
    /// `[write]` rules: patterns over canonical types.
    write: RuleSet,
    charset: Option<AttrRule>,
    collate: Option<AttrRule>,
    /// The files loaded, lowest precedence first.
    files: Vec<String>,
    /// Whether a `--mappings` file was loaded.
    user: bool,
}

impl Rules {
    /// Built-in files for the pair, plus an optional user file (path, text).
    ///
    /// Loads `mappings/<from>.toml` `[read]`, `mappings/<to>.toml` `[write]` and `[attributes]`,
    /// `mappings/<from>-<to>.toml` when there is one, then the user file. Errors in a file are
    /// MAPPING_ERROR diagnostics naming file:line; the rules that are fine still load.
    pub fn load(
        from: Dialect,
        to: Dialect,
        user: Option<(&str, &str)>,
    ) -> (Rules, Vec<Diagnostic>) {
        let mut l = Loader::default();
        let source_file = format!("mappings/{}.toml", from.name());
        let target_file = format!("mappings/{}.toml", to.name());
        l.dialect_source(&source_file, builtin(&source_file).unwrap_or(""));
        l.dialect_target(&target_file, builtin(&target_file).unwrap_or(""));
        let pair_file = format!("mappings/{}-{}.toml", from.name(), to.name());
        if let Some(text) = builtin(&pair_file) {
            l.pair(&pair_file, text);
        }
        if let Some((path, text)) = user {
            l.user(path, text);
        }
        l.finish();
        let rules = Rules {
            from,
            to,
            source: l.source,
            write: l.write,
            charset: l.charset,
            collate: l.collate,
            files: l.files,
            user: user.is_some(),
        };
        (rules, l.diags)
    }

    pub fn from(&self) -> Dialect {
        self.from
    }

    pub fn to(&self) -> Dialect {
        self.to
    }

    pub fn has_user_rules(&self) -> bool {
        self.user
    }
}

/// One column to map, with what the decision needs to know about its surroundings.
pub struct ColumnCtx<'a> {
    /// The table's name (without schema): used for `{enum_type}` and in messages.
    pub table: &'a str,
    pub column: &'a Column,
    /// The dialect the target SQL is quoted for (`{col}`, `{values}`, `{enum_type}`).
    pub target: Dialect,
}

/// Decide one column's target type. Never panics; an unmapped type gives risk Manual with a
/// fallback `to` (text for the target).
pub fn map_column(rules: &Rules, ctx: &ColumnCtx) -> (TypeDecision, Vec<Diagnostic>) {
    let parsed = parse_concrete(&ctx.column.source_type);
    let (decision, diags) = decide::decide(rules, ctx, &parsed);
    let object = ObjectRef::table(ctx.table);
    let diags = diags
        .into_iter()
        .map(|d| d.object(object.clone()))
        .collect();
    (decision, diags)
}

/// A type a routine names (a parameter's, a variable's, a function's result), for the target:
/// what a nullable column of that type becomes, or None where that needs a person. A CHECK the
/// column would get (an unsigned type's range) has no place on a variable and is not kept.
pub fn map_type(rules: &Rules, ty: &str) -> Option<String> {
    let column = Column::new("value", crate::source::Span::new(0, 0), ty);
    let ctx = ColumnCtx {
        table: "routine",
        column: &column,
        target: rules.to,
    };
    let (decision, _) = map_column(rules, &ctx);
    (decision.risk != crate::ir::Risk::Manual && decision.new_enum.is_none())
        .then_some(decision.target)
}

/// Fill `mapped` for every column of every table; diagnostics at the column's span, with
/// `.object("table <name>")`.
pub fn map_schema(schema: &mut Schema, rules: &Rules) -> Vec<Diagnostic> {
    // Each column is decided on its own: tables are mapped on all cores.
    let mut diags: Vec<Diagnostic> =
        crate::par::chunks_mut(&mut schema.tables, 256, |tables| map_tables(tables, rules))
            .into_iter()
            .flatten()
            .collect();
    if rules.to.fk_types() != FkTypes::Any {
        diags.extend(align_foreign_key_types(schema, rules.to));
    }
    diags
}

fn map_tables(tables: &mut [Table], rules: &Rules) -> Vec<Diagnostic> {
    // A schema repeats a few dozen type spellings over thousands of columns: parse each once,
    // and decide each once per combination of facts, unless the decision is the column's own
    // (enum values, a named enum type, a template or diagnostic naming the column).
    let mut known: HashMap<String, Known> = HashMap::new();
    let mut diags = Vec::new();
    for table in tables {
        // Findings name the table as every other stage does: schema-qualified.
        let object = ObjectRef::table(&table.name);
        for i in 0..table.columns.len() {
            let column = &table.columns[i];
            if !known.contains_key(&column.source_type) {
                known.insert(
                    column.source_type.clone(),
                    Known {
                        parsed: parse_concrete(&column.source_type),
                        decided: Vec::new(),
                    },
                );
            }
            let Some(k) = known.get_mut(&column.source_type) else {
                continue;
            };
            let ctx = ColumnCtx {
                table: &table.name.name,
                column,
                target: rules.to,
            };
            let by_type = column.values.is_none() && column.enum_type.is_none();
            let earlier = k
                .decided
                .iter()
                .find(|(f, _)| by_type && *f == column.facts)
                .map(|(_, d)| d.clone());
            let (mut decision, d) = match earlier {
                Some(core) => decide::finish(rules, &ctx, core, Vec::new()),
                None => {
                    let core = decide::decide_type(rules, &ctx, &k.parsed);
                    let decision = Arc::new(core.decision);
                    if by_type && core.shared {
                        k.decided
                            .push((column.facts.clone(), Arc::clone(&decision)));
                    }
                    decide::finish(rules, &ctx, decision, core.diags)
                }
            };
            // Within one engine the declared type is already right: keep it verbatim (the
            // canonical type still tells emitters what it is). Enum and set spellings are rebuilt
            // from their values by the write rules.
            // A type no rule knows (an extension's) stays a manual item even there.
            if rules.from == rules.to
                && rules.to.keeps_type_verbatim(&column.source_type)
                && column.values.is_none()
                && !rules.has_user_rules()
                && decision.risk != crate::ir::Risk::Manual
            {
                decision = Arc::new(TypeDecision {
                    target: column.source_type.clone(),
                    transform: None,
                    risk: crate::ir::Risk::None,
                    note: None,
                    origin: "the source type, kept within one engine".to_string(),
                    drop: Vec::new(),
                    check: None,
                    new_enum: None,
                    ..Arc::unwrap_or_clone(decision)
                });
            } else {
                diags.extend(d.into_iter().map(|x| x.object(object.clone())));
            }
            table.columns[i].mapped = Some(decision);
        }
    }
    diags
}

/// A source type met before: parsed, and the decisions shared by its columns, by facts.
struct Known {
    parsed: Result<TypeSpec, error::PatternError>,
    decided: Vec<(crate::ir::ColumnFacts, Arc<TypeDecision>)>,
}

/// What the target demands of a foreign key's types (`Dialect::fk_types`): MySQL and SQL Server
/// one type (and size) on both sides; PostgreSQL no numeric against an integer type (an
/// unsigned 64-bit key against an identity column, Oracle's plain NUMBER against NUMBER(10)).
/// A referencing exact-number column takes the referenced column's type: every value it may
/// hold (one that exists on the referenced side) fits. Likewise a MySQL inline ENUM bound for PostgreSQL, where each
/// becomes a type of its own and two enum types never compare: the referencing column takes
/// the referenced column's enum type.
fn align_foreign_key_types(schema: &mut Schema, to: Dialect) -> Vec<Diagnostic> {
    // Exact numbers: integers and decimals (Oracle's NUMBER of any precision, with or without
    // one). A referencing column holds only values its referenced column holds, so the
    // referenced column's exact type always fits it.
    let is_exact = |c: &crate::ir::Column| {
        c.mapped.as_ref().is_some_and(|m| {
            matches!(
                m.canonical.family(),
                crate::canonical::Family::Int
                    | crate::canonical::Family::UInt
                    | crate::canonical::Family::Decimal
            )
        })
    };
    let mut changes = Vec::new();
    for (ti, t) in schema.tables.iter().enumerate() {
        for fk in &t.foreign_keys {
            let Some(rt) = schema.table(&fk.ref_table) else {
                continue;
            };
            for (col, rcol) in fk.columns.iter().zip(&fk.ref_columns) {
                let (Some(c), Some(rc)) = (t.column(col), rt.column(rcol)) else {
                    continue;
                };
                let (Some(m), Some(rm)) = (&c.mapped, &rc.mapped) else {
                    continue;
                };
                let needed = match to.fk_types() {
                    FkTypes::Same => true,
                    FkTypes::NumericApart => {
                        m.target.starts_with("numeric") != rm.target.starts_with("numeric")
                    }
                    FkTypes::Any => false,
                };
                if is_exact(c) && is_exact(rc) && m.target != rm.target && needed {
                    changes.push((
                        ti,
                        col.clone(),
                        rm.target.clone(),
                        None,
                        c.span,
                        format!("{}.{}", rt.name, rcol),
                    ));
                }
                if m.new_enum.is_some() && rm.new_enum.is_some() && m.target != rm.target {
                    changes.push((
                        ti,
                        col.clone(),
                        rm.target.clone(),
                        rm.new_enum.clone(),
                        c.span,
                        format!("{}.{}", rt.name, rcol),
                    ));
                }
            }
        }
    }
    let mut diags = Vec::new();
    for (ti, col, target, new_enum, span, referenced) in changes {
        let why = match (to.fk_types(), &new_enum) {
            (_, Some(_)) => "PostgreSQL compares values of one enum type only".to_string(),
            (FkTypes::Same, None) => format!(
                "{} wants both sides of a foreign key to have one type",
                to.title()
            ),
            (_, None) => format!(
                "{} cannot compare numeric with an integer type in a foreign key",
                to.title()
            ),
        };
        let t = &mut schema.tables[ti];
        let table = t.name.to_string();
        if let Some(m) = t
            .column_mut(&col)
            .and_then(|c| c.mapped.as_mut())
            .map(Arc::make_mut)
        {
            diags.push(
                Diagnostic::new(
                    &crate::diag::codes::TYPE_NOTE,
                    format!("`{table}.{col}` becomes {target} (was {}) to match `{referenced}`, which its foreign key references: {why}", m.target),
                )
                .at(span)
                .object(ObjectRef::table(&table)),
            );
            m.target = target;
            if new_enum.is_some() {
                m.new_enum = new_enum;
            }
        }
    }
    diags
}
