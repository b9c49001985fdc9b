//! Sakila (MySQL's sample database) from `tests/corpus`, for the tests that load it into
//! MariaDB and migrate it.

use std::path::PathBuf;

use super::db::ScratchDb;

/// Sakila's schema and data from `tests/corpus` (the data gzip-compressed there: 3.4 MB as text).
pub fn sakila() -> (String, String) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/mysql/sakila");
    let schema = std::fs::read_to_string(dir.join("sakila-mv-schema.sql"))
        .unwrap_or_else(|e| panic!("sakila-mv-schema.sql: {e}"));
    let gz = dir.join("sakila-mv-data.sql.gz");
    let out = std::process::Command::new("gzip")
        .arg("-dc")
        .arg(&gz)
        .output()
        .unwrap_or_else(|e| panic!("gzip -dc {}: {e}", gz.display()));
    assert!(out.status.success(), "gzip -dc {} failed", gz.display());
    let data = String::from_utf8(out.stdout).unwrap_or_else(|e| panic!("{}: {e}", gz.display()));
    (schema, data)
}

/// The script without its own schema switching (and its views' `sakila.` qualifiers): it runs
/// in a scratch database.
pub fn in_scratch(sql: &str) -> String {
    sql.replace("sakila.", "")
        .lines()
        .filter(|l| {
            let u = l.trim_start().to_ascii_uppercase();
            !(u.starts_with("DROP SCHEMA")
                || u.starts_with("CREATE SCHEMA")
                || u.starts_with("USE "))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A scratch MariaDB database holding Sakila's schema (tables, views, routines, triggers) and
/// data.
pub fn loaded_mariadb(name_hint: &str) -> ScratchDb {
    let (schema, data) = sakila();
    let my = ScratchDb::mariadb(name_hint);
    my.run_script(&in_scratch(&schema))
        .unwrap_or_else(|e| panic!("{e}"));
    my.run_script(&in_scratch(&data))
        .unwrap_or_else(|e| panic!("{e}"));
    my
}

/// `ferry migrate` from the live scratch MariaDB into `target`: tables, rows and views.
pub fn migrate(my: &ScratchDb, target: &str) {
    let o = super::ferry(&["migrate", &my.url(), target, "--jobs", "2"]);
    let err = super::text(&o.stderr);
    // Exit 1: a full-text and a spatial index need a person.
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(!err.contains("DIFFERENT"), "{err}");
}
