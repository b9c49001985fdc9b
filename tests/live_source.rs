//! The source stays live: while `ferry load` reads a PostgreSQL or MariaDB database with four
//! parallel workers over many key-range chunks, a client keeps committing transactions that
//! touch two tables at once (a new row in each, and the same update to both). The writes must
//! go on during the load (ferry takes no lock that blocks them beyond a moment), and the
//! target must hold one moment of the source: the same ids in both tables and no row whose
//! two halves come from different moments, which a load reading the tables at different
//! times (one snapshot per worker) would show.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::db::{ScratchDb, mysql_url, pg_url};
use common::{password_of, text};

const ROWS: u32 = 60_000;

/// Source tables `a` and `b` with ids 1..=ROWS and equal `v` for equal ids.
fn seed_source(db: &ScratchDb, postgres: bool) {
    let fill = if postgres {
        format!(
            "INSERT INTO a SELECT g, md5(g::text) FROM generate_series(1, {ROWS}) g;\n\
             INSERT INTO b SELECT g, g, md5(g::text) FROM generate_series(1, {ROWS}) g;"
        )
    } else {
        format!(
            "INSERT INTO a SELECT seq, md5(seq) FROM seq_1_to_{ROWS};\n\
             INSERT INTO b SELECT seq, seq, md5(seq) FROM seq_1_to_{ROWS};"
        )
    };
    db.run_script(&format!(
        "CREATE TABLE a (id bigint PRIMARY KEY, v varchar(64) NOT NULL);\n\
         CREATE TABLE b (id bigint PRIMARY KEY, a_id bigint NOT NULL, v varchar(64) NOT NULL);\n\
         {fill}"
    ))
    .unwrap_or_else(|e| panic!("{e}"));
}

/// Transactions that each add a row to both tables and change one old row of both the same
/// way, back to back (a commit every millisecond or so: reads begun even a few milliseconds
/// apart see different data), more than the load takes.
fn writer_script() -> String {
    let mut s = String::new();
    for i in 1..=30_000u32 {
        let new = ROWS + i;
        s.push_str(&format!(
            "BEGIN; INSERT INTO a VALUES ({new}, 'w{i}'); INSERT INTO b VALUES ({new}, {new}, 'w{i}'); \
             UPDATE a SET v = 'u{i}' WHERE id = {i}; UPDATE b SET v = 'u{i}' WHERE id = {i}; COMMIT;\n"
        ));
    }
    s
}

fn count(db: &ScratchDb, table: &str) -> u64 {
    db.query_scalar(&format!("SELECT count(*) FROM {table}"))
        .ok()
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0)
}

fn live_load(source: &ScratchDb, target: &ScratchDb, source_is_postgres: bool) {
    seed_source(source, source_is_postgres);
    let mut writer = source.spawn_script(&writer_script());
    // The writer is under way before the load begins.
    let started = Instant::now();
    while count(source, "a") == u64::from(ROWS) {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the writer wrote nothing"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let before = count(source, "a");
    let out = Command::new(env!("CARGO_BIN_EXE_ferry"))
        .args(["migrate", &source.url(), &target.url()])
        .args([
            "--jobs",
            "2",
            "--chunk-rows",
            "4000",
            "--batch-size",
            "1000",
        ])
        .args(["--no-validate", "-q"])
        .env("PGPASSWORD", password_of(&target.url()))
        .env("MYSQL_PWD", password_of(&target.url()))
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let after = count(source, "a");
    let _ = writer.kill();
    let _ = writer.wait();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        after > before,
        "no write went through while the load ran ({before} rows before, {after} after)"
    );
    // One moment: the same ids on both sides, and both halves of every update or neither.
    let (ta, tb) = (count(target, "a"), count(target, "b"));
    assert_eq!(ta, tb, "a and b were read at different moments");
    assert!(
        ta >= before && ta <= after,
        "{ta} rows, not between {before} and {after}"
    );
    let torn = target
        .query_scalar("SELECT count(*) FROM a JOIN b ON a.id = b.id WHERE a.v <> b.v")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(torn.trim(), "0", "rows of a and b from different moments");
}

#[test]
fn a_live_mariadb_source_is_read_at_one_moment_without_blocking_its_writers() {
    if pg_url().is_none() || mysql_url().is_none() {
        eprintln!("skipped: FERRY_TEST_PG or FERRY_TEST_MYSQL not set");
        return;
    }
    live_load(
        &ScratchDb::mariadb("live_src"),
        &ScratchDb::postgres("live_tgt"),
        false,
    );
}

#[test]
fn a_live_postgres_source_is_read_at_one_moment_without_blocking_its_writers() {
    if pg_url().is_none() || mysql_url().is_none() {
        eprintln!("skipped: FERRY_TEST_PG or FERRY_TEST_MYSQL not set");
        return;
    }
    live_load(
        &ScratchDb::postgres("live_src"),
        &ScratchDb::mariadb("live_tgt"),
        true,
    );
}
