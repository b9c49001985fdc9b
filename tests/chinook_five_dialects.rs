//! Chinook is published in MySQL, PostgreSQL, SQLite, SQL Server and Oracle. Lowered into the IR
//! (and mapped to canonical types), the five scripts describe the same schema: same tables,
//! columns, nullability, primary keys and foreign keys, and type families that agree. Every
//! difference the scripts' authors made is listed below with its reason; anything else fails.

mod common;

use std::path::Path;

use common::shape::{Shape, differences, shape};
use ferry::dialect::Dialect;
use ferry::source::SourceFile;

const FILES: [(Dialect, &str); 5] = [
    (Dialect::Mysql, "mysql/chinook/Chinook_MySql.sql"),
    (
        Dialect::Postgres,
        "postgresql/chinook/Chinook_PostgreSql.sql",
    ),
    (Dialect::Sqlite, "sqlite/chinook/Chinook_Sqlite.sql"),
    (
        Dialect::SqlServer,
        "sqlserver/chinook/Chinook_SqlServer.sql",
    ),
    (Dialect::Oracle, "oracle/chinook/Chinook_Oracle.sql"),
];

/// The shape of a corpus file, converted to its own dialect (mapping decides canonical types).
fn read(d: Dialect, rel: &str) -> (Shape, usize) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus")
        .join(rel);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{rel}: {e}"));
    let conv = common::convert::with_defaults(d, d, &SourceFile::new(rel, text));
    (shape(&conv.schema), conv.stats.parse_errors)
}

/// Type families that differ between the MySQL script and another, and why that is right.
/// (Differences ferry removes are not listed: Oracle's DATE holds a time of day and reads as a
/// timestamp, like MySQL's DATETIME; SQL Server's DATETIME too; SQLite's INTEGER is 64-bit but
/// still an integer; every text type is text.)
fn accepted(other: Dialect, table: &str, column: &str, mysql: &str, theirs: &str) -> bool {
    match (other, mysql, theirs) {
        // Oracle's script declares every key and count as bare NUMBER, which holds any
        // decimal: ferry keeps it an unbounded decimal rather than guess that only integers go
        // there. The integer columns of the other four scripts are exactly these.
        (Dialect::Oracle, "integer", "decimal") => table_has_integer_column(table, column),
        _ => false,
    }
}

/// The integer columns of Chinook (ids, Milliseconds, Bytes, Quantity), by folded name.
fn table_has_integer_column(table: &str, column: &str) -> bool {
    column.ends_with("id")
        || column == "reportsto"
        || column == "supportrepid"
        || (table == "track" && matches!(column, "milliseconds" | "bytes"))
        || (table == "invoiceline" && column == "quantity")
}

#[test]
fn chinook_in_five_dialects_is_one_schema() {
    let (reference, errors) = read(FILES[0].0, FILES[0].1);
    assert_eq!(errors, 0);
    assert_eq!(reference.len(), 11, "MySQL Chinook has 11 tables");
    let columns: usize = reference.values().map(|t| t.columns.len()).sum();
    let fks: usize = reference.values().map(|t| t.foreign_keys.len()).sum();
    assert_eq!(
        (columns, fks),
        (64, 11),
        "MySQL Chinook's columns and foreign keys"
    );
    let mut failures = Vec::new();
    for (d, rel) in &FILES[1..] {
        let (theirs, errors) = read(*d, rel);
        if errors > 0 {
            failures.push(format!("{rel}: {errors} parse errors"));
        }
        for line in differences(&reference, &theirs, &|t, c, a, b| accepted(*d, t, c, a, b)) {
            failures.push(format!("{rel}: {line}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
