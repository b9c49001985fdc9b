//! Round trip: MySQL Chinook -> PostgreSQL -> MySQL describes the same schema as the original:
//! same tables, columns, nullability, keys and foreign keys, and the same canonical types.

mod common;

use std::path::Path;

use ferry::dialect::Dialect;
use ferry::emit::Section;
use ferry::ir::Schema;
use ferry::mapping::{Rules, map_schema};
use ferry::source::SourceFile;

/// Converts and returns the output DDL.
fn to(from: Dialect, to: Dialect, name: &str, text: &str) -> String {
    let file = SourceFile::new(name, text);
    let conv = common::convert::with_defaults(from, to, &file);
    conv.output.render(Section::All)
}

/// The IR of a script, with canonical types decided (mapping to the same dialect).
fn ir(d: Dialect, name: &str, text: &str) -> Schema {
    let file = SourceFile::new(name, text);
    let mut schema = common::convert::with_defaults(d, d, &file).schema;
    let (rules, diags) = Rules::load(d, d, None);
    assert!(diags.is_empty(), "built-in mappings: {diags:?}");
    let _ = map_schema(&mut schema, &rules);
    schema
}

/// One line per fact that the round trip must keep.
fn facts(s: &Schema) -> Vec<String> {
    let mut out = Vec::new();
    for t in &s.tables {
        for c in &t.columns {
            let canonical = c
                .mapped
                .as_ref()
                .map_or("?".to_string(), |m| m.canonical.to_string());
            out.push(format!(
                "{}.{} {canonical} null={} identity={}",
                t.name.name,
                c.name,
                c.nullable,
                c.identity.is_some()
            ));
        }
        if let Some(pk) = &t.primary_key {
            out.push(format!("{} pk ({})", t.name.name, pk.columns.join(",")));
        }
        for fk in &t.foreign_keys {
            out.push(format!(
                "{} fk ({}) -> {} ({})",
                t.name.name,
                fk.columns.join(","),
                fk.ref_table.name,
                fk.ref_columns.join(",")
            ));
        }
    }
    let mut idx: Vec<String> = s
        .indexes
        .iter()
        .map(|i| {
            format!(
                "index on {} unique={} parts={}",
                i.table.name,
                i.unique,
                i.parts.len()
            )
        })
        .collect();
    out.append(&mut idx);
    out.sort();
    out
}

#[test]
fn chinook_mysql_postgres_mysql_keeps_the_schema() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/mysql/chinook/Chinook_MySql.sql");
    let original =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let pg = to(
        Dialect::Mysql,
        Dialect::Postgres,
        "chinook.mysql.sql",
        &original,
    );
    let back = to(Dialect::Postgres, Dialect::Mysql, "chinook.pg.sql", &pg);
    let a = facts(&ir(Dialect::Mysql, "chinook.mysql.sql", &original));
    let c = facts(&ir(Dialect::Mysql, "chinook.back.sql", &back));
    assert!(a.len() > 50, "the original schema was not read: {a:?}");
    assert_eq!(a, c, "the round trip changed the schema");
}
