//! ferry: move a database from one engine to another: convert its schema (`convert`, the pure
//! compiler stages: split -> parse -> lower -> config -> order -> map -> emit), move its data
//! (`plan`, `load`) and prove nothing was lost (`validate`). See ARCHITECTURE.md.
//! Every stage is a plain function returning its value and the diagnostics it found; only the
//! CLI turns diagnostics into an exit code.

pub mod canonical;
pub mod cli;
pub mod config;
pub mod conn;
pub mod diag;
pub mod dialect;
pub mod emit;
pub mod ir;
pub mod load;
pub mod lower;
pub mod mapping;
pub mod order;
pub mod par;
pub mod parse;
pub mod plan;
pub mod report;
pub mod source;
pub mod summary;
pub mod sync;
pub mod transform;
pub mod validate;
pub mod value;

use diag::Diagnostic;
use dialect::Dialect;
use emit::{IdentCase, Output};
use ir::Schema;
use lower::Stats;
use order::Order;
use source::SourceFile;

/// What `convert` needs to know besides the input.
#[derive(Clone, Debug)]
pub struct ConvertOptions {
    pub from: Dialect,
    pub to: Dialect,
    pub identifiers: IdentCase,
    pub emulate_on_update: bool,
    /// A user mapping file (name, text), with the highest precedence.
    pub user_mappings: Option<(String, String)>,
    /// `migration.toml`: tables selected, renamed, columns dropped.
    pub config: Option<config::MigrationConfig>,
    /// The Oracle release to write for (`--oracle-compat 11`): names of 30 bytes up to 12.1,
    /// identity as a sequence and a trigger before 12. Only for an Oracle target.
    pub oracle_compat: Option<u32>,
}

/// Everything one conversion produced.
pub struct Conversion {
    pub from: Dialect,
    pub to: Dialect,
    pub schema: Schema,
    pub order: Order,
    pub output: Output,
    pub stats: Stats,
    pub diagnostics: Vec<Diagnostic>,
    /// What the source calls the tables and columns the configuration renamed or dropped
    /// (empty without a configuration): the plan reads the source by these.
    pub source_names: config::SourceNames,
}

/// Reads a source script and converts it; never fails, never panics: problems are diagnostics.
pub fn convert(file: &SourceFile, opts: &ConvertOptions) -> Conversion {
    // The mapping rules are read on a thread of their own while the script is read.
    let load_rules = || {
        let user = opts
            .user_mappings
            .as_ref()
            .map(|(n, t)| (n.as_str(), t.as_str()));
        mapping::Rules::load(opts.from, opts.to, user)
    };
    let ((rules, d), (schema, stats, order, mut diagnostics, names)) =
        par::beside(load_rules, || read(file, opts));
    diagnostics.extend(d);
    let mut conv = finish(schema, stats, order, &rules, diagnostics, opts);
    conv.source_names = names;
    conv
}

/// Split, parse, lower, configure and order: the schema as the script declares it.
fn read(
    file: &SourceFile,
    opts: &ConvertOptions,
) -> (
    ir::Schema,
    lower::Stats,
    order::Order,
    Vec<Diagnostic>,
    config::SourceNames,
) {
    let mut diagnostics = Vec::new();
    let (raws, d) = parse::split::split(&file.text, opts.from);
    let raws = parse::schema_elements::expand(raws, opts.from);
    diagnostics.extend(d);
    // Parsing, and the lowering of what needs no other statement, run on all cores while this
    // thread lowers each statement in order as soon as it is ready.
    let mut lowering = lower::Lowering::new(opts.from);
    diagnostics.extend(parse::sql::parse_each(
        &raws,
        opts.from,
        |p| lower::prepare(p, opts.from),
        |p| lowering.statement(p),
    ));
    let (mut schema, stats, d) = lowering.finish(opts.to);
    // Between two engines, a text column checked to hold JSON becomes a JSON column; one
    // engine keeps its own way of holding it.
    let mut d = d;
    if opts.from != opts.to {
        lower::json_checks(&mut schema, &mut d);
    }
    diagnostics.extend(d);
    let mut names = config::SourceNames::default();
    if let Some(cfg) = &opts.config {
        let (d, n) = config::apply(&mut schema, cfg, opts.from);
        diagnostics.extend(d);
        names = n;
    }
    let same_engine = (opts.from == opts.to).then_some(opts.from);
    let (order, d) = order::order(&mut schema, same_engine);
    diagnostics.extend(d);
    (schema, stats, order, diagnostics, names)
}

/// Map and emit.
fn finish(
    mut schema: ir::Schema,
    stats: lower::Stats,
    order: order::Order,
    rules: &mapping::Rules,
    mut diagnostics: Vec<Diagnostic>,
    opts: &ConvertOptions,
) -> Conversion {
    diagnostics.extend(mapping::map_schema(&mut schema, rules));
    let emit_opts = emit::Options {
        from: opts.from,
        to: opts.to,
        identifiers: opts.identifiers,
        emulate_on_update: opts.emulate_on_update,
        oracle_compat: opts.oracle_compat,
        routine_types: emit::routine::types_used(&schema.routines, opts.from, opts.to)
            .into_iter()
            .filter_map(|t| mapping::map_type(rules, &t).map(|to| (t, to)))
            .collect(),
    };
    let (output, d) = emit::emit(&schema, &order, &emit_opts);
    diagnostics.extend(d);
    diagnostics.sort_by_key(|d| d.span.map_or(usize::MAX, |s| s.start));
    Conversion {
        from: opts.from,
        to: opts.to,
        schema,
        order,
        output,
        stats,
        diagnostics,
        source_names: config::SourceNames::default(),
    }
}

/// The source dialect named by a dump's header, when it is unambiguous.
pub fn infer_dialect(text: &str) -> Option<Dialect> {
    let head: String = text.chars().take(2000).collect();
    if head.contains("-- MySQL dump") || head.contains("-- MariaDB dump") {
        Some(Dialect::Mysql)
    } else if head.contains("-- PostgreSQL database dump") {
        Some(Dialect::Postgres)
    } else if head.starts_with("PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;") {
        Some(Dialect::Sqlite)
    } else if head.contains("/****** Object:") {
        // SQL Server Management Studio's "Generate Scripts" heads every object so.
        Some(Dialect::SqlServer)
    } else if head.contains("--  DDL for ") {
        // Oracle SQL Developer's exports head every object so.
        Some(Dialect::Oracle)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dump_headers_name_their_dialect() {
        let ssms =
            "USE [shop]\nGO\n/****** Object:  Table [dbo].[t]    Script Date: 1/2/2024 ******/\n";
        assert_eq!(infer_dialect(ssms), Some(Dialect::SqlServer));
        let sqldev =
            "--------------------------------------------------------\n--  DDL for Table EMP\n";
        assert_eq!(infer_dialect(sqldev), Some(Dialect::Oracle));
        assert_eq!(infer_dialect("-- MySQL dump 10.13\n"), Some(Dialect::Mysql));
        assert_eq!(infer_dialect("CREATE TABLE t (a int);"), None);
    }
}
