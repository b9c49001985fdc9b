//! SQL Server and Oracle as targets. No server of theirs runs here, so the DDL ferry writes for
//! them is checked two ways: every statement it emits parses with sqlparser in the target's
//! dialect (through ferry's front end, which applies only the documented same-length repairs of
//! `parse/sql.rs` and says so in a note), and reading the output back with ferry gives the same
//! schema as the source (tables, columns, nullability, keys, foreign keys, type families).
//! One snapshot per (source file, target) holds the summary, the diagnostics and the DDL.

mod common;

use std::path::Path;

use common::shape::{differences, shape};
use ferry::diag::Severity;
use ferry::dialect::Dialect;
use ferry::emit::Section;
use ferry::parse::split::{RawKind, split};
use ferry::parse::sql::{Class, classify, parse_one};
use ferry::source::SourceFile;

const SOURCES: [(Dialect, &str); 8] = [
    (Dialect::Mysql, "mysql/chinook/Chinook_MySql.sql"),
    (Dialect::Mysql, "mysql/sakila-jooq/mysql-sakila-schema.sql"),
    (Dialect::Postgres, "postgresql/pagila/pagila-schema.sql"),
    (Dialect::Sqlite, "sqlite/northwind/create.sql"),
    (Dialect::SqlServer, "sqlserver/northwind/instnwnd.sql"),
    (
        Dialect::SqlServer,
        "sqlserver/guacamole/001-create-schema.sql",
    ),
    (
        Dialect::Oracle,
        "oracle/sakila-jooq/oracle-sakila-schema.sql",
    ),
    (Dialect::Oracle, "oracle/quartz/tables_oracle.sql"),
];

/// Type families that change on the way to a target and back, and why that is right.
fn accepted(to: Dialect, from_family: &str, back: &str) -> bool {
    match (to, from_family, back) {
        // Oracle has no boolean column: NUMBER(1) with a CHECK, read back as a small integer.
        (Dialect::Oracle, "bool", "integer") => true,
        // Oracle's DATE holds a time of day: a date column written as DATE reads back as a
        // timestamp (the values are the same dates at midnight).
        (Dialect::Oracle, "date", "timestamp") => true,
        // Oracle has no TIME: a time of day is written as an interval since midnight.
        (Dialect::Oracle, "time", "interval") => true,
        // UUIDs are written as CHAR(36) text on Oracle.
        (Dialect::Oracle, "uuid", "text") => true,
        // Enums become text with a CHECK on both targets.
        (Dialect::SqlServer | Dialect::Oracle, "enum", "text") => true,
        // Types without a mapping (`other`, e.g. PostgreSQL tsvector, arrays) are written as
        // text, reported as manual at conversion.
        (_, "other", "text") => true,
        _ => false,
    }
}

fn load(rel: &str) -> SourceFile {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus")
        .join(rel);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{rel}: {e}"));
    SourceFile::new(rel, text)
}

/// The statements of `ddl` that do not parse in the target's dialect.
fn unparsed(ddl: &str, to: Dialect) -> Vec<String> {
    let (raws, diags) = split(ddl, to);
    let mut out: Vec<String> = diags.iter().map(|d| d.message.clone()).collect();
    for raw in raws.iter().filter(|r| r.kind == RawKind::Sql) {
        // Routines are kept as text and are not emitted across engines; nothing else is opaque.
        if matches!(classify(raw, to), Class::Schema)
            && let Err(d) = parse_one(raw, to)
        {
            out.push(format!("{}: {}", raw.text.trim(), d.message));
        }
    }
    out
}

#[test]
fn ddl_for_sqlserver_and_oracle_parses_and_reads_back_as_the_same_schema() {
    let mut failures = Vec::new();
    for (from, rel) in SOURCES {
        let file = load(rel);
        let source = common::convert::with_defaults(from, from, &file);
        let expected = shape(&source.schema);
        assert!(!expected.is_empty(), "{rel}: no table read");
        for to in [Dialect::SqlServer, Dialect::Oracle] {
            let conv = common::convert::with_defaults(from, to, &file);
            if conv.output.tables_created() != conv.schema.tables.len() {
                failures.push(format!("{rel} -> {to}: tables in != tables out"));
            }
            let errors: Vec<&str> = conv
                .diagnostics
                .iter()
                .filter(|d| d.severity() == Severity::Error)
                .map(|d| d.message.as_str())
                .collect();
            if !errors.is_empty() {
                failures.push(format!("{rel} -> {to}: {errors:?}"));
            }
            let ddl = conv.output.render(Section::All);
            for s in unparsed(&ddl, to) {
                failures.push(format!("{rel} -> {to}: does not parse: {s}"));
            }
            let back_file = SourceFile::new(format!("{rel}.{to}.sql"), ddl);
            let back = common::convert::with_defaults(to, to, &back_file);
            if back.stats.parse_errors > 0 {
                failures.push(format!(
                    "{rel} -> {to}: {} parse errors reading it back",
                    back.stats.parse_errors
                ));
            }
            // SQL Server's computed columns declare no type, which the SQL parser cannot read:
            // ferry reads them back as a manual action (F1007), not as columns.
            let mut expected = expected.clone();
            if to == Dialect::SqlServer {
                for t in &source.schema.tables {
                    if let Some(shape) = expected.get_mut(&common::shape::fold(&t.name.name)) {
                        let computed: Vec<String> = t
                            .columns
                            .iter()
                            .filter(|c| c.generated.is_some())
                            .map(|c| common::shape::fold(&c.name))
                            .collect();
                        shape.columns.retain(|c| !computed.contains(&c.0));
                    }
                }
            }
            for line in differences(&expected, &shape(&back.schema), &|_, _, a, b| {
                accepted(to, a, b)
            }) {
                failures.push(format!("{rel} -> {to} -> read back: {line}"));
            }
            let name = format!("{}__to_{}", rel.replace(['/', '.'], "_"), to.name());
            insta::assert_snapshot!(
                name,
                common::convert::snapshot(&file, &conv, from.name(), to)
            );
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn oracle_compat_11_keeps_names_to_30_bytes() {
    let sql = "CREATE TABLE customer_loyalty_programme_memberships (\n  \
               membership_identifier_for_reporting_purposes INT PRIMARY KEY\n);\n";
    let file = SourceFile::new("long.sql", sql);
    let opts = ferry::ConvertOptions {
        oracle_compat: Some(11),
        ..common::convert::options(Dialect::Mysql, Dialect::Oracle)
    };
    let conv = ferry::convert(&file, &opts);
    let ddl = conv.output.render(Section::All);
    // Each name is reported where the output uses it; two names are shortened.
    let mut shortened: Vec<&str> = conv
        .diagnostics
        .iter()
        .filter(|d| d.code.name == "name-shortened")
        .map(|d| d.message.as_str())
        .collect();
    shortened.sort_unstable();
    shortened.dedup();
    assert_eq!(shortened.len(), 2, "{shortened:?}\n{ddl}");
    for quoted in ddl.split('"').skip(1).step_by(2) {
        assert!(
            quoted.len() <= 30,
            "`{quoted}` is longer than 30 bytes:\n{ddl}"
        );
    }
    // Without the option, Oracle 12.2's 128 bytes hold both names.
    let conv = common::convert::with_defaults(Dialect::Mysql, Dialect::Oracle, &file);
    assert!(
        conv.diagnostics
            .iter()
            .all(|d| d.code.name != "name-shortened")
    );
}

/// Oracle 11 has no identity columns: ferry writes a sequence and a BEFORE INSERT trigger,
/// names within 30 bytes, and reads that back as the identity it was.
#[test]
fn oracle_compat_11_numbers_rows_with_a_sequence_and_a_trigger() {
    let sql = "CREATE TABLE customer_loyalty_programme_memberships (\n  \
               membership_id INT AUTO_INCREMENT PRIMARY KEY,\n  name VARCHAR(20)\n) AUTO_INCREMENT=100;\n\
               CREATE TABLE t2 (id BIGINT AUTO_INCREMENT PRIMARY KEY);\n";
    let file = SourceFile::new("identity.sql", sql);
    let opts = ferry::ConvertOptions {
        oracle_compat: Some(11),
        ..common::convert::options(Dialect::Mysql, Dialect::Oracle)
    };
    let conv = ferry::convert(&file, &opts);
    let ddl = conv.output.render(Section::All);
    assert!(!ddl.contains("IDENTITY"), "{ddl}");
    assert_eq!(ddl.matches("CREATE SEQUENCE").count(), 2, "{ddl}");
    assert_eq!(ddl.matches("BEFORE INSERT ON").count(), 2, "{ddl}");
    assert!(ddl.contains("START WITH 100"), "{ddl}");
    for quoted in ddl.split('"').skip(1).step_by(2) {
        assert!(
            quoted.len() <= 30,
            "`{quoted}` is longer than 30 bytes:\n{ddl}"
        );
    }
    assert!(unparsed(&ddl, Dialect::Oracle).is_empty(), "{ddl}");
    let back = common::convert::with_defaults(
        Dialect::Oracle,
        Dialect::Oracle,
        &SourceFile::new("back.sql", ddl.clone()),
    );
    assert!(back.schema.routines.is_empty(), "{ddl}");
    assert!(back.schema.sequences.is_empty(), "{ddl}");
    let ids: Vec<Option<i64>> = back
        .schema
        .tables
        .iter()
        .map(|t| t.columns[0].identity.as_ref().map(|i| i.start.unwrap_or(1)))
        .collect();
    assert_eq!(ids, [Some(100), Some(1)], "{ddl}");
    // Nor has Oracle 11 a row-limiting clause: a view with a limit is left out.
    let file = SourceFile::new(
        "limit.sql",
        "CREATE TABLE t (id INT PRIMARY KEY);\nCREATE VIEW v AS SELECT id FROM t ORDER BY id LIMIT 3;\n",
    );
    let conv = ferry::convert(&file, &opts);
    assert!(conv.output.views.is_empty());
    assert!(
        conv.diagnostics
            .iter()
            .any(|d| d.message.contains("Oracle 11 has no row-limiting clause"))
    );
}

/// The fixtures that must convert cleanly: their SQL Server and Oracle DDL parses in that
/// dialect and reads back with ferry with no parse error and as many tables.
#[test]
fn fixture_ddl_for_sqlserver_and_oracle_parses() {
    let all = common::convert::fixtures("ok");
    assert!(all.len() >= 10, "{} fixtures", all.len());
    let mut failures = Vec::new();
    for (from, stem, text) in all {
        let file = SourceFile::new(format!("{stem}.sql"), text);
        for to in [Dialect::SqlServer, Dialect::Oracle] {
            let conv = common::convert::with_defaults(from, to, &file);
            let ddl = conv.output.render(Section::All);
            for s in unparsed(&ddl, to) {
                failures.push(format!("{stem} -> {to}: does not parse: {s}"));
            }
            let back = common::convert::with_defaults(to, to, &SourceFile::new("back.sql", ddl));
            if back.stats.parse_errors > 0 || back.schema.tables.len() != conv.schema.tables.len() {
                failures.push(format!(
                    "{stem} -> {to}: read back {} tables with {} parse errors, {} emitted",
                    back.schema.tables.len(),
                    back.stats.parse_errors,
                    conv.schema.tables.len()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
