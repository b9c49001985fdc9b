//! The test harness in tests/common/db.rs works against the real servers: scratch databases are
//! created and dropped, scripts run with stop-on-first-error, a failing script reports the
//! client's error with its line, tables are counted. Without FERRY_TEST_PG / FERRY_TEST_MYSQL the
//! server tests say "skipped" (and fail under CI, where the servers must be there).

mod common;

use common::db::{ScratchDb, mysql_url, pg_url, sqlite_run_script, sqlite_table_count};

const PARENT_CHILD: &str = "
CREATE TABLE parent (id INT PRIMARY KEY, name VARCHAR(40) NOT NULL);
CREATE TABLE child (
  id INT PRIMARY KEY,
  parent_id INT NOT NULL,
  CONSTRAINT fk_child_parent FOREIGN KEY (parent_id) REFERENCES parent (id)
);
INSERT INTO parent VALUES (1, 'één');
INSERT INTO child VALUES (10, 1);
";

/// Line 3 fails; line 4 must never run.
const FAILS_ON_LINE_3: &str = "CREATE TABLE a (id INT PRIMARY KEY);
CREATE TABLE b (id INT PRIMARY KEY);
INSERT INTO no_such_table VALUES (1);
CREATE TABLE c (id INT PRIMARY KEY);
";

#[test]
fn postgres_scratch_database_runs_a_script_with_a_foreign_key() {
    if pg_url().is_none() {
        eprintln!("skipped: FERRY_TEST_PG not set");
        return;
    }
    let db = ScratchDb::postgres("servers fk");
    db.run_script(PARENT_CHILD)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(db.table_count(), Ok(2));
    assert_eq!(
        db.query_scalar("SELECT name FROM parent WHERE id = 1")
            .as_deref(),
        Ok("één")
    );
    let fk = db.query_scalar(
        "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND conrelid = 'child'::regclass",
    );
    assert_eq!(fk.as_deref(), Ok("1"));
    let err = db
        .run_script("INSERT INTO child VALUES (11, 99);")
        .expect_err("the foreign key must be enforced");
    assert!(err.contains("fk_child_parent"), "{err}");
}

#[test]
fn postgres_failing_script_stops_and_names_the_line() {
    if pg_url().is_none() {
        eprintln!("skipped: FERRY_TEST_PG not set");
        return;
    }
    let db = ScratchDb::postgres("servers err");
    let err = db
        .run_script(FAILS_ON_LINE_3)
        .expect_err("the script must fail");
    assert!(
        err.contains("no_such_table") && err.contains(":3:"),
        "{err}"
    );
    assert!(!err.contains("NOTICE"), "{err}");
    assert_eq!(
        db.table_count(),
        Ok(2),
        "the script went on after the error"
    );
}

#[test]
fn postgres_table_count_leaves_out_extension_tables() {
    if pg_url().is_none() {
        eprintln!("skipped: FERRY_TEST_PG not set");
        return;
    }
    let db = ScratchDb::postgres("servers ext");
    // .ci/run installs PostGIS; a developer's server may lack it.
    if let Err(e) = db.run_script("CREATE EXTENSION postgis;") {
        assert!(
            std::env::var_os("CI").is_none(),
            "PostGIS must be installed in CI: {e}"
        );
        eprintln!("skipped: PostGIS is not installed on this server: {e}");
        return;
    }
    db.run_script(PARENT_CHILD)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        db.table_count(),
        Ok(2),
        "spatial_ref_sys is PostGIS's, not the script's"
    );
}

#[test]
fn postgres_scratch_database_is_dropped() {
    if pg_url().is_none() {
        eprintln!("skipped: FERRY_TEST_PG not set");
        return;
    }
    let db = ScratchDb::postgres("servers drop");
    let name = db.name.clone();
    assert!(db.url().ends_with(&format!("/{name}")));
    drop(db);
    let probe = ScratchDb::postgres("servers probe");
    let left = probe.query_scalar(&format!(
        "SELECT count(*) FROM pg_database WHERE datname = '{name}'"
    ));
    assert_eq!(left.as_deref(), Ok("0"));
}

#[test]
fn mariadb_scratch_database_runs_a_script_with_a_foreign_key() {
    if mysql_url().is_none() {
        eprintln!("skipped: FERRY_TEST_MYSQL not set");
        return;
    }
    let db = ScratchDb::mariadb("servers fk");
    db.run_script(PARENT_CHILD)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(db.table_count(), Ok(2));
    assert_eq!(
        db.query_scalar("SELECT name FROM parent WHERE id = 1")
            .as_deref(),
        Ok("één")
    );
    let fk = db.query_scalar(&format!(
        "SELECT count(*) FROM information_schema.referential_constraints WHERE constraint_schema = '{}'",
        db.name
    ));
    assert_eq!(fk.as_deref(), Ok("1"));
    let err = db
        .run_script("INSERT INTO child VALUES (11, 99);")
        .expect_err("the foreign key must be enforced");
    assert!(err.contains("fk_child_parent"), "{err}");
}

#[test]
fn mariadb_failing_script_stops_and_names_the_line() {
    if mysql_url().is_none() {
        eprintln!("skipped: FERRY_TEST_MYSQL not set");
        return;
    }
    let db = ScratchDb::mariadb("servers err");
    let err = db
        .run_script(FAILS_ON_LINE_3)
        .expect_err("the script must fail");
    assert!(
        err.starts_with("ERROR 1146") && err.contains("no_such_table") && err.contains("at line 3"),
        "{err}"
    );
    assert_eq!(
        db.table_count(),
        Ok(2),
        "the script went on after the error"
    );
}

#[test]
fn mariadb_scratch_database_is_dropped() {
    if mysql_url().is_none() {
        eprintln!("skipped: FERRY_TEST_MYSQL not set");
        return;
    }
    let db = ScratchDb::mariadb("servers drop");
    let name = db.name.clone();
    drop(db);
    let probe = ScratchDb::mariadb("servers probe");
    let left = probe.query_scalar(&format!(
        "SELECT count(*) FROM information_schema.schemata WHERE schema_name = '{name}'"
    ));
    assert_eq!(left.as_deref(), Ok("0"));
}

#[test]
fn sqlite_runs_a_script_with_a_foreign_key() {
    let conn = sqlite_run_script(PARENT_CHILD).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sqlite_table_count(&conn), Ok(2));
    let err = conn
        .execute_batch("INSERT INTO child VALUES (11, 99);")
        .expect_err("foreign_keys must be on");
    assert!(err.to_string().contains("FOREIGN KEY"), "{err}");
    let err = sqlite_run_script(FAILS_ON_LINE_3).expect_err("the script must fail");
    assert!(err.contains("no_such_table"), "{err}");
}
