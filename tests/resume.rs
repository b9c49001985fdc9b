//! Crash safety through the binary: a load killed with SIGKILL at random points, then resumed
//! with `ferry load --resume`, must leave the target equal to the source (`ferry validate`:
//! counts and checksums of every table, so no row lost and none doubled), into real
//! PostgreSQL and MariaDB servers and into a SQLite file. And the refusals: a resume whose
//! source schema or plan changed, a fresh load over an interrupted one.
//!
//! `FERRY_KILL_SEEDS` (default 2) sets how many seeds each target runs and
//! `FERRY_KILL_SEED_BASE` the first one; `bench/kill-resume.sh` runs many.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::db::{ScratchDb, mysql_url, pg_url};
use common::private_pg::PrivatePg;
use common::{ferry, password_of, text};

fn scratch_dir(name: &str) -> PathBuf {
    common::scratch_dir("resume", name)
}

/// A small deterministic generator (64-bit LCG): the same seed kills at the same moments.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % below.max(1)
    }
}

/// A SQLite source of three tables: customers, orders chunked by key (a foreign key to the
/// customers), and a log without a key (one unit, validated by count and checksum).
fn source_db(dir: &Path) -> PathBuf {
    let path = dir.join("source.db");
    let conn = rusqlite::Connection::open(&path).unwrap_or_else(|e| panic!("{e}"));
    conn.execute_batch(
        "CREATE TABLE customer (id INTEGER PRIMARY KEY, name VARCHAR(80) NOT NULL, email VARCHAR(120), created DATETIME);
         CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customer(id),
                              amount DECIMAL(12,2), note TEXT, placed DATETIME NOT NULL);
         CREATE INDEX orders_customer ON orders (customer_id);
         CREATE TABLE event_log (kind VARCHAR(20) NOT NULL, n INTEGER);
         BEGIN;
         WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 40000)
           INSERT INTO customer SELECT i, 'customer ' || i, CASE WHEN i % 10 = 0 THEN NULL ELSE 'c' || i || '@example.org' END,
                                  datetime(1600000000 + i * 37, 'unixepoch') FROM k;
         WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 240000)
           INSERT INTO orders SELECT i, 1 + (i * 7919) % 40000, printf('%.2f', (i % 100000) / 7.0),
                                  CASE WHEN i % 9 = 0 THEN NULL ELSE 'note ' || hex(randomblob(6)) END,
                                  datetime(1650000000 + i * 13, 'unixepoch') FROM k;
         WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 30000)
           INSERT INTO event_log SELECT CASE i % 3 WHEN 0 THEN 'login' WHEN 1 THEN 'view' ELSE 'buy' END, i % 500 FROM k;
         COMMIT;",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    path
}

fn make_plan(dir: &Path, source: &Path, target: &str) -> PathBuf {
    let plan = dir.join("plan.json");
    let src = format!("sqlite:{}", source.display());
    let out = ferry(&[
        "plan",
        &src,
        target,
        "--chunk-rows",
        "20000",
        "--batch-size",
        "2000",
        "--jobs",
        "2",
        "-o",
        plan.to_str().unwrap_or_default(),
    ]);
    assert!(out.status.success(), "plan: {}", text(&out.stderr));
    plan
}

/// The ferry binary with the target's password in the environment, as a user passes it (the
/// plan holds none).
fn ferry_with(password: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ferry"));
    c.env("PGPASSWORD", password).env("MYSQL_PWD", password);
    c
}

/// Starts `ferry load PLAN [extra]` and kills it with SIGKILL after `after`; returns whether
/// the kill came first (false: the load had ended by itself, with success).
fn load_and_kill(plan: &Path, password: &str, extra: &[&str], after: Duration) -> bool {
    let mut child = ferry_with(password)
        .arg("load")
        .arg(plan)
        .args(["-q"])
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run ferry: {e}"));
    let started = Instant::now();
    while started.elapsed() < after {
        if let Some(status) = child.try_wait().unwrap_or_else(|e| panic!("{e}")) {
            assert!(status.success(), "the load failed by itself: {status}");
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    // Child::kill sends SIGKILL on Unix: no destructor, no rollback by ferry itself.
    child.kill().unwrap_or_else(|e| panic!("{e}"));
    let _ = child.wait();
    true
}

fn seeds() -> std::ops::Range<u64> {
    let read = |var: &str, default: u64| {
        std::env::var(var)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let base = read("FERRY_KILL_SEED_BASE", 1);
    base..base + read("FERRY_KILL_SEEDS", 2)
}

/// A whole load without a kill, validated: how long one takes here, so that the kills fall
/// within a load on a machine of any speed.
fn timed_load(plan: &Path, password: &str) -> Duration {
    let started = Instant::now();
    let out = ferry_with(password)
        .arg("load")
        .arg(plan)
        .arg("-q")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(out.status.success(), "load: {}", text(&out.stderr));
    let took = started.elapsed();
    let out = ferry_with(password)
        .arg("validate")
        .arg(plan)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(out.status.success(), "validate: {}", text(&out.stderr));
    took
}

/// Kills the load twice at random points of seed `seed` (within `span`, a whole load's time),
/// resumes, and validates. Returns whether a resume found state to finish (rather than a load
/// killed before it began).
fn kill_resume_validate(
    plan: &Path,
    password: &str,
    seed: u64,
    span: Duration,
    has_table: &dyn Fn(&str) -> bool,
) -> bool {
    let has_state = || has_table("ferry_load_state");
    let mut rng = Lcg(seed);
    let mut resumed = false;
    let ms = span.as_millis() as u64;
    let first = Duration::from_millis(ms / 20 + rng.next(ms * 9 / 10));
    if !load_and_kill(plan, password, &[], first) {
        eprintln!("seed {seed}: the load ended before the kill at {first:?}");
    } else {
        let again = Duration::from_millis(rng.next(ms / 2));
        let state_after_first = has_state();
        if state_after_first {
            // A second kill, during the resume itself.
            load_and_kill(plan, password, &["--resume"], again);
        }
        let out = ferry_with(password)
            .arg("load")
            .arg(plan)
            .args(["-q", "--resume"])
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        let err = text(&out.stderr);
        if out.status.success() {
            resumed = true;
        } else if has_table("orders") {
            // Killed after the end of a load (its state dropped) but before its exit: the
            // target is complete, as the validation below checks.
            assert!(
                err.contains("nothing to resume"),
                "seed {seed}: resume failed: {err}"
            );
        } else {
            // Killed before the state had its header: nothing was begun, a fresh load starts.
            assert!(
                err.contains("nothing to resume"),
                "seed {seed}: resume failed: {err}"
            );
            let out = ferry_with(password)
                .arg("load")
                .arg(plan)
                .arg("-q")
                .output()
                .unwrap_or_else(|e| panic!("{e}"));
            assert!(
                out.status.success(),
                "seed {seed}: fresh load: {}",
                text(&out.stderr)
            );
        }
    }
    assert!(
        !has_state(),
        "seed {seed}: the state table stays after success"
    );
    let out = ferry_with(password)
        .arg("validate")
        .arg(plan)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        out.status.success(),
        "seed {seed}: validate after kill and resume: {}",
        text(&out.stderr)
    );
    resumed
}

#[test]
fn killed_loads_into_sqlite_resume_to_an_equal_target() {
    let dir = scratch_dir("sqlite");
    let source = source_db(&dir);
    let mut resumed = 0;
    let span = timed_load(
        &make_plan(
            &dir,
            &source,
            &format!("sqlite:{}", dir.join("whole.db").display()),
        ),
        "",
    );
    for seed in seeds() {
        let target = dir.join(format!("target-{seed}.db"));
        let plan = make_plan(&dir, &source, &format!("sqlite:{}", target.display()));
        let has_table = |name: &str| {
            rusqlite::Connection::open(&target)
                .and_then(|c| {
                    c.query_row(
                        "SELECT count(*) FROM sqlite_master WHERE name = ?1",
                        [name],
                        |r| r.get::<_, i64>(0),
                    )
                })
                .is_ok_and(|n| n > 0)
        };
        resumed += usize::from(kill_resume_validate(&plan, "", seed, span, &has_table));
    }
    eprintln!("sqlite: {resumed} of {} seeds resumed", seeds().count());
}

fn server_kills(db: &ScratchDb, dir: &Path, source: &Path, seed: u64, span: Duration) -> bool {
    let plan = make_plan(dir, source, &db.url());
    let has_table = |name: &str| db.has_table(name);
    kill_resume_validate(&plan, &password_of(&db.url()), seed, span, &has_table)
}

/// The kill seeds on scratch databases of one server: a whole load first, timed, then a
/// fresh database per seed.
fn server_seeds(engine: &str, scratch: fn(&str) -> ScratchDb) {
    let dir = scratch_dir(engine);
    let source = source_db(&dir);
    let whole = scratch("resume");
    let span = timed_load(
        &make_plan(&dir, &source, &whole.url()),
        &password_of(&whole.url()),
    );
    let resumed = seeds()
        .filter(|&seed| server_kills(&scratch("resume"), &dir, &source, seed, span))
        .count();
    eprintln!("{engine}: {resumed} of {} seeds resumed", seeds().count());
}

#[test]
fn killed_loads_into_postgres_resume_to_an_equal_target() {
    if pg_url().is_none() {
        eprintln!("skipped: FERRY_TEST_PG not set");
        return;
    }
    server_seeds("postgres", ScratchDb::postgres);
}

#[test]
fn killed_loads_into_mariadb_resume_to_an_equal_target() {
    if mysql_url().is_none() {
        eprintln!("skipped: FERRY_TEST_MYSQL not set");
        return;
    }
    server_seeds("mariadb", ScratchDb::mariadb);
}

/// A load killed in the middle of its data, reliably: the plan's batches are small and the
/// kill waits until some rows have arrived.
fn interrupted(dir: &Path, source: &Path, target: &Path) -> PathBuf {
    let plan = make_plan(dir, source, &format!("sqlite:{}", target.display()));
    let mut child = Command::new(env!("CARGO_BIN_EXE_ferry"))
        .arg("load")
        .arg(&plan)
        .arg("-q")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let started = Instant::now();
    loop {
        let rows = rusqlite::Connection::open(target)
            .and_then(|c| c.query_row("SELECT count(*) FROM orders", [], |r| r.get::<_, i64>(0)))
            .unwrap_or(0);
        if rows > 0 {
            break;
        }
        assert!(
            child.try_wait().ok().flatten().is_none(),
            "the load ended before any row could be seen"
        );
        assert!(started.elapsed() < Duration::from_secs(60), "no rows came");
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap_or_else(|e| panic!("{e}"));
    let _ = child.wait();
    plan
}

#[test]
fn resume_refuses_a_changed_source_or_plan_and_a_fresh_load_refuses_the_state() {
    let dir = scratch_dir("refusals");
    let source = source_db(&dir);
    let target = dir.join("target.db");
    let plan = interrupted(&dir, &source, &target);
    let plan_arg = plan.to_str().unwrap_or_default();

    let out = ferry(&["load", plan_arg, "-q"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(
        err.contains("an interrupted load left its state") && err.contains("--resume"),
        "{err}"
    );

    // Another plan: one table fewer.
    let mut other: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&plan).unwrap_or_default())
            .unwrap_or_else(|e| panic!("{e}"));
    if let Some(tables) = other["tables"].as_array_mut() {
        tables.pop();
    }
    let other_path = dir.join("other-plan.json");
    std::fs::write(&other_path, other.to_string()).unwrap_or_else(|e| panic!("{e}"));
    let out = ferry(&[
        "load",
        other_path.to_str().unwrap_or_default(),
        "-q",
        "--resume",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("the plan is not the one the interrupted load ran"),
        "{}",
        text(&out.stderr)
    );

    // The source schema changes under the interrupted load.
    rusqlite::Connection::open(&source)
        .and_then(|c| c.execute_batch("ALTER TABLE customer ADD COLUMN vip INTEGER"))
        .unwrap_or_else(|e| panic!("{e}"));
    let out = ferry(&["load", plan_arg, "-q", "--resume"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("the source schema changed"),
        "{}",
        text(&out.stderr)
    );

    // Back as it was, the resume goes through and keeps its state when asked to.
    rusqlite::Connection::open(&source)
        .and_then(|c| c.execute_batch("ALTER TABLE customer DROP COLUMN vip"))
        .unwrap_or_else(|e| panic!("{e}"));
    let out = ferry(&["load", plan_arg, "--resume", "--keep-state"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("chunks committed by the interrupted load were kept"),
        "{}",
        text(&out.stderr)
    );
    let out = ferry(&["validate", plan_arg]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = ferry(&["load", plan_arg, "-q", "--resume"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("nothing to resume"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_target_server_restarted_mid_load_is_reconnected_and_the_load_completes() {
    let Some(pg) = PrivatePg::start(common::free_port(), false) else {
        eprintln!("skipped: needs root and PostgreSQL 15's binaries to run a server of its own");
        return;
    };
    let dir = scratch_dir("restart");
    let source = source_db(&dir);
    let plan = make_plan(&dir, &source, &pg.url());
    let child = Command::new(env!("CARGO_BIN_EXE_ferry"))
        .arg("load")
        .arg(&plan)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let started = Instant::now();
    // Some chunks committed, the load not done: then the server restarts under it.
    loop {
        let rows: u64 = pg
            .scalar("SELECT count(*) FROM orders")
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        if rows > 0 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(120), "no rows came");
        std::thread::sleep(Duration::from_millis(20));
    }
    pg.ctl("restart");
    let out = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    let err = text(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("lost a connection"),
        "no reconnect happened: {err}"
    );
    let out = ferry(&["validate", plan.to_str().unwrap_or_default()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        pg.scalar(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'ferry_load_state'"
        )
        .as_deref(),
        Some("0")
    );
}

/// Three `ferry load --worker` processes share one plan; one is killed in the middle of the
/// data. The other two finish its work: the target equals the source, both did part of it,
/// and the state is gone.
fn workers_share_a_plan(db: &ScratchDb, engine: &str) {
    let dir = scratch_dir(&format!("workers-{engine}"));
    let source = source_db(&dir);
    let plan = make_plan(&dir, &source, &db.url());
    let password = password_of(&db.url());
    let spawn = || {
        ferry_with(&password)
            .arg("load")
            .arg(&plan)
            .args(["--worker", "-q"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run ferry: {e}"))
    };
    let mut victim = spawn();
    let (a, b) = (spawn(), spawn());
    let started = Instant::now();
    loop {
        let rows: u64 = db
            .query_scalar("SELECT count(*) FROM orders")
            .ok()
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or(0);
        if rows > 0 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(120), "no rows came");
        std::thread::sleep(Duration::from_millis(10));
    }
    victim.kill().unwrap_or_else(|e| panic!("{e}"));
    let _ = victim.wait();
    for worker in [a, b] {
        let out = worker.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
        let err = text(&out.stderr);
        assert!(out.status.success(), "{engine} worker: {err}");
        let written: u64 = err
            .lines()
            .find(|l| l.starts_with("total "))
            .and_then(|l| l.split_whitespace().nth(2))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        assert!(written > 0, "{engine}: a worker loaded nothing: {err}");
    }
    let out = ferry_with(&password)
        .arg("validate")
        .arg(&plan)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(out.status.success(), "{engine}: {}", text(&out.stderr));
    assert!(
        !db.has_table("ferry_load_state"),
        "{engine}: the state table stays"
    );
}

#[test]
fn workers_share_a_plan_in_postgres_and_finish_the_work_of_a_killed_one() {
    if pg_url().is_none() {
        eprintln!("skipped: FERRY_TEST_PG not set");
        return;
    }
    workers_share_a_plan(&ScratchDb::postgres("workers"), "postgres");
}

#[test]
fn workers_share_a_plan_in_mariadb_and_finish_the_work_of_a_killed_one() {
    if mysql_url().is_none() {
        eprintln!("skipped: FERRY_TEST_MYSQL not set");
        return;
    }
    workers_share_a_plan(&ScratchDb::mariadb("workers"), "mariadb");
}

#[test]
fn a_worker_refuses_a_dump_source_and_a_sqlite_target() {
    let dir = scratch_dir("worker-refusals");
    let source = source_db(&dir);
    let plan = make_plan(
        &dir,
        &source,
        &format!("sqlite:{}", dir.join("t.db").display()),
    );
    let out = ferry(&["load", plan.to_str().unwrap_or_default(), "--worker"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--worker needs a PostgreSQL or MySQL target"),
        "{}",
        text(&out.stderr)
    );
    let dump = dir.join("dump.sql");
    std::fs::write(
        &dump,
        "CREATE TABLE t (id int PRIMARY KEY);\nINSERT INTO t VALUES (1),(2);\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let plan = dir.join("dump-plan.json");
    let target = format!("sqlite:{}", dir.join("d.db").display());
    let out = ferry(&[
        "plan",
        dump.to_str().unwrap_or_default(),
        &target,
        "--from",
        "mysql",
        "-o",
        plan.to_str().unwrap_or_default(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = ferry(&["load", plan.to_str().unwrap_or_default(), "--worker"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--worker reads a database source"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_plan_holds_each_tables_query_estimated_rows_and_open_ended_chunks() {
    let dir = scratch_dir("survey");
    let source = source_db(&dir);
    let plan = make_plan(
        &dir,
        &source,
        &format!("sqlite:{}", dir.join("t.db").display()),
    );
    let plan: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&plan).unwrap_or_default())
            .unwrap_or_else(|e| panic!("{e}"));
    let table = |name: &str| {
        plan["tables"]
            .as_array()
            .and_then(|ts| ts.iter().find(|t| t["source"]["name"] == name))
            .cloned()
            .unwrap_or_else(|| panic!("no table {name} in the plan"))
    };
    let orders = table("orders");
    assert_eq!(orders["estimated_rows"], 240_000);
    assert!(
        orders["query"]
            .as_str()
            .is_some_and(|q| q.starts_with("SELECT ") && q.contains("\"orders\"")),
        "{orders}"
    );
    let chunks = orders["chunks"].as_array().cloned().unwrap_or_default();
    assert_eq!(chunks.len(), 12, "{orders}");
    // Open at both ends, each chunk starting where the one before stops.
    assert!(chunks[0]["from"].is_null() && chunks[11]["below"].is_null());
    for pair in chunks.windows(2) {
        assert_eq!(pair[0]["below"], pair[1]["from"]);
    }
    let log = table("event_log");
    assert_eq!(log["estimated_rows"], 30_000);
    assert!(log.get("chunks").is_none(), "no key, one piece: {log}");
}
