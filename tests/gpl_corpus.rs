//! The GPL-licensed corpus schemas (Roundcube, OpenStreetMap) are not copied into this
//! repository; when `../shared/corpus` (or $FERRY_SHARED) is present this test converts them to
//! every target and runs the output on the real servers, as `execute_on_targets` does for the
//! permissive corpus. Without the folder it says so and passes.

mod common;

use std::path::PathBuf;

use common::db::{ScratchDb, sqlite_run_script, sqlite_table_count};
use ferry::dialect::Dialect;
use ferry::emit::Section;
use ferry::source::SourceFile;

const FILES: &[(Dialect, &str)] = &[
    (Dialect::Mysql, "mysql/roundcube/mysql.initial.sql"),
    (
        Dialect::Postgres,
        "postgresql/roundcube/postgres.initial.sql",
    ),
    (Dialect::Sqlite, "sqlite/roundcube/sqlite.initial.sql"),
    (Dialect::Postgres, "postgresql/openstreetmap/structure.sql"),
];

fn shared_corpus() -> Option<PathBuf> {
    let dir = match std::env::var_os("FERRY_SHARED") {
        Some(d) => PathBuf::from(d).join("corpus"),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"),
    };
    dir.is_dir().then_some(dir)
}

#[test]
fn gpl_schemas_convert_and_run_everywhere() {
    let Some(root) = shared_corpus() else {
        eprintln!("skipped: ../shared/corpus is not here (set FERRY_SHARED to its parent)");
        return;
    };
    let mut failures = Vec::new();
    for (from, rel) in FILES {
        let text = match std::fs::read_to_string(root.join(rel)) {
            Ok(t) => t,
            Err(e) => {
                failures.push(format!("{rel}: {e}"));
                continue;
            }
        };
        let file = SourceFile::new(*rel, text);
        for to in Dialect::ALL {
            let conv = common::convert::with_defaults(*from, to, &file);
            let tables = conv.schema.tables.len();
            let created = conv.output.tables_created();
            if created != tables {
                failures.push(format!(
                    "{rel} -> {to}: {tables} tables read, {created} emitted"
                ));
            }
            if conv.stats.parse_errors > 0 {
                failures.push(format!(
                    "{rel} -> {to}: {} parse errors",
                    conv.stats.parse_errors
                ));
            }
            let ddl = conv.output.render(Section::All);
            let ran = match to {
                Dialect::Postgres if common::db::pg_url().is_some() => {
                    let db = ScratchDb::postgres("gpl");
                    db.run_script(&ddl).and_then(|()| db.table_count())
                }
                Dialect::Mysql if common::db::mysql_url().is_some() => {
                    let db = ScratchDb::mariadb("gpl");
                    db.run_script(&ddl).and_then(|()| db.table_count())
                }
                Dialect::Sqlite => sqlite_run_script(&ddl).and_then(|c| sqlite_table_count(&c)),
                _ => continue,
            };
            match ran {
                Ok(n) if n == tables => {}
                Ok(n) => failures.push(format!(
                    "{rel} -> {to}: {tables} tables declared, {n} created"
                )),
                Err(e) => failures.push(format!("{rel} -> {to}: {e}")),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
