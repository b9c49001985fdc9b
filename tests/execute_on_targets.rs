//! The corpus converted to each target runs there, statement by statement with stop-on-error, on
//! real servers: PostgreSQL and MariaDB (started by .ci/run) and SQLite through rusqlite. The
//! target then holds as many tables as the source declared. The SQL Server and Oracle corpus runs
//! on PostgreSQL.

mod common;

use std::path::Path;

use common::db::{ScratchDb, sqlite_run_script, sqlite_table_count};
use ferry::dialect::Dialect;
use ferry::emit::Section;
use ferry::source::SourceFile;

fn corpus(dialect_dir: &str) -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus")
        .join(dialect_dir);
    let mut out = Vec::new();
    for db in std::fs::read_dir(&root).into_iter().flatten().flatten() {
        for f in std::fs::read_dir(db.path()).into_iter().flatten().flatten() {
            let p = f.path();
            if p.extension().is_some_and(|e| e == "sql") {
                let text =
                    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
                out.push((p.display().to_string(), text));
            }
        }
    }
    out.sort();
    out
}

/// The fixtures that must convert cleanly run on every target too; the dialect is the prefix.
fn fixtures() -> Vec<(Dialect, String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ok");
    let mut out = Vec::new();
    for f in std::fs::read_dir(&root).into_iter().flatten().flatten() {
        let p = f.path();
        let stem = p
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default();
        let d = Dialect::from_name(stem.split('-').next().unwrap_or("")).unwrap_or(Dialect::Mysql);
        let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        out.push((d, p.display().to_string(), text));
    }
    out.sort();
    out
}

/// The SQL Server and Oracle corpus: run on PostgreSQL, the target they are converted to most.
fn vendor_sources() -> Vec<(Dialect, String, String)> {
    let mut all = Vec::new();
    for (dir, d) in [
        ("sqlserver", Dialect::SqlServer),
        ("oracle", Dialect::Oracle),
    ] {
        for (name, text) in corpus(dir) {
            all.push((d, name, text));
        }
    }
    all
}

fn sources() -> Vec<(Dialect, String, String)> {
    let mut all = fixtures();
    for (dir, d) in [
        ("mysql", Dialect::Mysql),
        ("postgresql", Dialect::Postgres),
        ("sqlite", Dialect::Sqlite),
    ] {
        for (name, text) in corpus(dir) {
            all.push((d, name, text));
        }
    }
    all
}

/// Converts one file; returns (DDL, number of tables the source declared).
fn converted(from: Dialect, to: Dialect, name: &str, text: &str) -> (String, usize) {
    let file = SourceFile::new(name, text);
    let conv = common::convert::with_defaults(from, to, &file);
    (conv.output.render(Section::All), conv.schema.tables.len())
}

#[test]
fn corpus_runs_on_postgres() {
    if common::db::pg_url().is_none() {
        eprintln!("skipped: FERRY_TEST_PG not set");
        return;
    }
    let mut failures = Vec::new();
    let mut all = sources();
    all.extend(vendor_sources());
    assert!(all.iter().any(|(d, _, _)| *d == Dialect::Oracle));
    for (from, name, text) in all {
        let (ddl, tables) = converted(from, Dialect::Postgres, &name, &text);
        let db = ScratchDb::postgres("exec");
        match db.run_script(&ddl) {
            Ok(()) => {
                let n = db.table_count().unwrap_or(usize::MAX);
                if n != tables {
                    failures.push(format!(
                        "{name}: {tables} tables declared, {n} on PostgreSQL"
                    ));
                }
            }
            Err(e) => failures.push(format!("{name} -> postgres: {e}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn corpus_runs_on_mariadb() {
    if common::db::mysql_url().is_none() {
        eprintln!("skipped: FERRY_TEST_MYSQL not set");
        return;
    }
    let mut failures = Vec::new();
    for (from, name, text) in sources() {
        let (ddl, tables) = converted(from, Dialect::Mysql, &name, &text);
        let db = ScratchDb::mariadb("exec");
        match db.run_script(&ddl) {
            Ok(()) => {
                let n = db.table_count().unwrap_or(usize::MAX);
                if n != tables {
                    failures.push(format!("{name}: {tables} tables declared, {n} on MariaDB"));
                }
            }
            Err(e) => failures.push(format!("{name} -> mariadb: {e}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// SQLite creates a view without resolving its functions: each view is also read once, by
/// the bundled library and by the system's `sqlite3` (3.40 on Debian 12, older than the
/// bundled one), so that the output runs on the SQLite users have.
#[test]
fn corpus_runs_on_sqlite() {
    let mut failures = Vec::new();
    let mut system_checked = 0;
    for (from, name, text) in sources() {
        let (ddl, tables) = converted(from, Dialect::Sqlite, &name, &text);
        match sqlite_run_script(&ddl) {
            Ok(conn) => {
                let n = sqlite_table_count(&conn).unwrap_or(usize::MAX);
                if n != tables {
                    failures.push(format!("{name}: {tables} tables declared, {n} on SQLite"));
                }
                let reads = view_reads(&conn);
                if let Err(e) = conn.execute_batch(&reads) {
                    failures.push(format!("{name} -> sqlite, reading its views: {e}"));
                }
                match system_sqlite3(&format!("PRAGMA foreign_keys = ON;\n{ddl}\n{reads}")) {
                    Some(Ok(())) => system_checked += 1,
                    Some(Err(e)) => failures.push(format!("{name} -> system sqlite3: {e}")),
                    None => {}
                }
            }
            Err(e) => failures.push(format!("{name} -> sqlite: {e}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    eprintln!("system sqlite3: {system_checked} outputs run");
}

/// `SELECT * FROM v LIMIT 0;` for every view of the database.
fn view_reads(conn: &rusqlite::Connection) -> String {
    let views: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'view' ORDER BY name")
        .and_then(|mut st| {
            st.query_map([], |r| r.get::<_, String>(0))?
                .collect::<Result<Vec<String>, _>>()
        })
        .unwrap_or_else(|e| panic!("listing views: {e}"));
    views
        .iter()
        .map(|v| format!("SELECT * FROM \"{}\" LIMIT 0;\n", v.replace('"', "\"\"")))
        .collect()
}

/// The script run by the system's `sqlite3` on an empty database, stopping at the first error;
/// None when no `sqlite3` is installed.
fn system_sqlite3(script: &str) -> Option<Result<(), String>> {
    use std::io::Write;
    let mut child = std::process::Command::new("sqlite3")
        .args(["-bail", "-batch", ":memory:"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .ok()?;
    let mut stdin = child.stdin.take()?;
    let text = script.to_string();
    let writer = std::thread::spawn(move || stdin.write_all(text.as_bytes()));
    let out = child.wait_with_output().ok()?;
    let _ = writer.join();
    Some(if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
    })
}
