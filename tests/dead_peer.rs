//! A server that stops answering under a load (issue 21, fault 8): frozen with SIGSTOP, it
//! keeps its TCP connections open and answers nothing. The load must notice within its
//! `--io-timeout` (short here, so the test is quick), stop with a non-zero exit code and a
//! message saying which server gave no answer for how long, and keep its state: once the
//! server runs again (SIGCONT), `--resume` finishes the load and `ferry validate` finds the
//! target equal to the source. A PostgreSQL and a MariaDB target, and a PostgreSQL source.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::private_mariadb::PrivateMariadb;
use common::private_pg::PrivatePg;
use common::text;

/// Seconds of silence before a server is checked, in the tests' plans.
const IO_TIMEOUT: &str = "2";

/// How long a stopped load may take at most: the timeout and the check (about 4 s), then the
/// reconnect window (30 s of pauses, six connects of at most 2 s each), with room for a slow
/// machine. Without the timeouts the load waits for ever.
const BOUND: Duration = Duration::from_secs(100);

/// A SQLite source: 300,000 orders, read in chunks of 20,000 rows by two workers.
fn sqlite_source(dir: &Path) -> PathBuf {
    let path = dir.join("source.db");
    let conn = rusqlite::Connection::open(&path).unwrap_or_else(|e| panic!("{e}"));
    conn.execute_batch(
        "CREATE TABLE orders (id INTEGER PRIMARY KEY, customer INTEGER NOT NULL, amount DECIMAL(12,2),
                              note TEXT);
         WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 300000)
           INSERT INTO orders SELECT i, i % 4000, printf('%.2f', (i % 100000) / 7.0),
                                     'note ' || hex(randomblob(8)) FROM k;",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    path
}

/// `ferry plan SOURCE TARGET` with small chunks and batches and the short I/O timeout.
fn make_plan(dir: &Path, source: &str, target: &str, env: &[(&str, &str)]) -> PathBuf {
    let plan = dir.join("plan.json");
    let o = plan.to_str().unwrap_or_default();
    let settings = ["--chunk-rows=20000", "--batch-size=2000", "--jobs=2"];
    let mut args = vec!["plan", source, target, "--prepare=drop-and-create", "-o", o];
    args.extend(settings);
    args.extend(["--io-timeout", IO_TIMEOUT]);
    let out = common::ferry_env(&args, env);
    assert!(out.status.success(), "plan: {}", text(&out.stderr));
    plan
}

fn signal(sig: &str, pids: &[String]) {
    assert!(!pids.is_empty(), "no server process to signal");
    let status = Command::new("kill")
        .arg(sig)
        .args(pids)
        .status()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(status.success(), "kill {sig} {pids:?}");
}

/// Starts `ferry load PLAN`, waits until `started` says rows arrived, freezes the server's
/// processes (`pids`, read then), and returns the load's exit code, its standard error and
/// how long it ran after the freeze. The server is thawed before returning, also when the
/// load did not end in time (then the test fails).
fn load_and_freeze(
    plan: &Path,
    env: &[(&str, &str)],
    started: &dyn Fn() -> bool,
    pids: &dyn Fn() -> Vec<String>,
) -> (Option<i32>, String, Duration) {
    let mut child: Child = Command::new(env!("CARGO_BIN_EXE_ferry"))
        .arg("load")
        .arg(plan)
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let waited = Instant::now();
    while !started() {
        if waited.elapsed() > Duration::from_secs(120) || child.try_wait().ok().flatten().is_some()
        {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
            panic!(
                "the load ended or wrote nothing before the freeze: {}",
                text(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let frozen = pids();
    signal("-STOP", &frozen);
    let at = Instant::now();
    let ended = loop {
        if child.try_wait().ok().flatten().is_some() {
            break true;
        }
        if at.elapsed() > BOUND {
            break false;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let ran = at.elapsed();
    signal("-CONT", &frozen);
    if !ended {
        let _ = child.kill();
    }
    let out = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    let err = text(&out.stderr);
    assert!(
        ended,
        "the load still waited {BOUND:?} after the server froze: {err}"
    );
    (out.status.code(), err, ran)
}

/// The stopped load's outcome, then `--resume` and `validate`.
fn check_stopped_then_resume(
    plan: &Path,
    env: &[(&str, &str)],
    (code, err, ran): (Option<i32>, String, Duration),
    frozen_name: &str,
) {
    eprintln!("the load stopped {ran:?} after the freeze:\n{err}");
    assert_eq!(code, Some(2), "after {ran:?}: {err}");
    assert!(
        err.contains("no answer for") && err.contains(frozen_name),
        "the message does not say which server gave no answer: {err}"
    );
    assert!(
        err.contains("--resume"),
        "the message does not say the load can be resumed: {err}"
    );
    let p = plan.to_str().unwrap_or_default();
    let out = common::ferry_env(&["load", p, "--resume", "-q"], env);
    assert!(out.status.success(), "resume: {}", text(&out.stderr));
    let out = common::ferry_env(&["validate", p], env);
    assert!(out.status.success(), "validate: {}", text(&out.stderr));
}

#[test]
fn a_frozen_postgresql_target_stops_the_load_in_time_and_it_resumes() {
    let Some(pg) = PrivatePg::start(common::free_port(), false) else {
        eprintln!("skipped: needs root and PostgreSQL 15's binaries to run a server of its own");
        return;
    };
    let dir = common::scratch_dir("dead_peer", "pg_target");
    let source = format!("sqlite:{}", sqlite_source(&dir).display());
    let plan = make_plan(&dir, &source, &pg.url(), &[]);
    let rows = || {
        pg.scalar("SELECT count(*) FROM orders")
            .and_then(|n| n.parse::<u64>().ok())
            .unwrap_or(0)
    };
    let outcome = load_and_freeze(&plan, &[], &|| rows() > 0, &|| pg.pids());
    let name = pg.url().replace("postgres://", "").replace("/postgres", "");
    check_stopped_then_resume(&plan, &[], outcome, &name);
}

#[test]
fn a_frozen_mariadb_target_stops_the_load_in_time_and_it_resumes() {
    let Some(my) = PrivateMariadb::start(common::free_port()) else {
        eprintln!("skipped: needs root and MariaDB's binaries to run a server of its own");
        return;
    };
    let env = [("MYSQL_PWD", "pw")];
    let dir = common::scratch_dir("dead_peer", "mariadb_target");
    let source = format!("sqlite:{}", sqlite_source(&dir).display());
    let plan = make_plan(&dir, &source, &my.url(), &env);
    let rows = || {
        let out = Command::new("mariadb")
            .args([
                "--no-defaults",
                "-N",
                "-h",
                "127.0.0.1",
                "-u",
                "tls",
                "-ppw",
            ])
            .args([
                "-P",
                &my.url()
                    .rsplit(':')
                    .next()
                    .unwrap_or_default()
                    .replace("/d", ""),
            ])
            .args(["-e", "SELECT count(*) FROM d.orders"])
            .output();
        out.ok()
            .and_then(|o| text(&o.stdout).trim().parse::<u64>().ok())
            .unwrap_or(0)
    };
    let outcome = load_and_freeze(&plan, &env, &|| rows() > 0, &|| my.pids());
    let name = my.url().replace("mysql://", "").replace("/d", "");
    check_stopped_then_resume(&plan, &env, outcome, &name);
}

#[test]
fn a_frozen_postgresql_source_stops_the_load_in_time_and_it_resumes() {
    let Some(pg) = PrivatePg::start(common::free_port(), false) else {
        eprintln!("skipped: needs root and PostgreSQL 15's binaries to run a server of its own");
        return;
    };
    // Rows large enough that the source's socket buffers cannot hold the rest of a table.
    let made = pg.scalar(
        "CREATE TABLE orders AS SELECT i AS id, i % 4000 AS customer, repeat(md5(i::text), 8) AS note \
         FROM generate_series(1, 400000) AS i; ALTER TABLE orders ADD PRIMARY KEY (id); SELECT 1",
    );
    assert!(
        made.as_deref().is_some_and(|m| m.ends_with("\n1")),
        "the source table was not made: {made:?}"
    );
    let dir = common::scratch_dir("dead_peer", "pg_source");
    let target_file = dir.join("target.db");
    let target = format!("sqlite:{}", target_file.display());
    let plan = make_plan(&dir, &pg.url(), &target, &[]);
    let rows = || {
        rusqlite::Connection::open(&target_file)
            .and_then(|c| c.query_row("SELECT count(*) FROM orders", [], |r| r.get::<_, i64>(0)))
            .unwrap_or(0)
    };
    let outcome = load_and_freeze(&plan, &[], &|| rows() > 0, &|| pg.pids());
    let name = pg.url().replace("postgres://", "").replace("/postgres", "");
    check_stopped_then_resume(&plan, &[], outcome, &name);
}

/// `ferry sync` from a PostgreSQL server of the test's own: refused by name while its
/// `wal_level` is below logical; with it logical, a sync streaming from it that the server
/// stops answering (SIGSTOP) ends within its I/O timeout with a message naming the server, and
/// once the server runs again a new sync carries on from where the target stopped.
#[test]
fn a_frozen_postgresql_source_stops_sync_in_time() {
    let Some(pg) = PrivatePg::start(common::free_port(), false) else {
        eprintln!("skipped: needs root and PostgreSQL 15's binaries to run a server of its own");
        return;
    };
    let made = pg.scalar(
        "CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t VALUES (1, 'a'); SELECT 1",
    );
    assert!(made.is_some(), "the source table was not made");
    let dir = common::scratch_dir("dead_peer", "pg_sync");
    let target_file = dir.join("target.db");
    let _ = std::fs::remove_file(&target_file);
    let target = format!("sqlite:{}", target_file.display());
    let plan = make_plan(&dir, &pg.url(), &target, &[]);
    let plan_arg = plan.to_str().unwrap_or_default();
    let name = pg.url().replace("postgres://", "").replace("/postgres", "");

    // initdb's default is wal_level = replica.
    let out = common::ferry_env(&["sync", plan_arg, "--until-caught-up", "-q"], &[]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("wal_level") && err.contains("logical"),
        "{err}"
    );

    assert!(pg.scalar("ALTER SYSTEM SET wal_level = logical").is_some());
    pg.ctl("restart");
    let rows = || {
        rusqlite::Connection::open(&target_file)
            .and_then(|c| c.query_row("SELECT count(*) FROM t", [], |r| r.get::<_, i64>(0)))
            .unwrap_or(0)
    };
    let mut sync = Command::new(env!("CARGO_BIN_EXE_ferry"))
        .args(["sync", plan_arg, "-q"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    // Streaming: a row written after the full load arrives.
    let start = Instant::now();
    while rows() < 1 && start.elapsed() < BOUND {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(pg.scalar("INSERT INTO t VALUES (2, 'b')").is_some());
    while rows() < 2 && start.elapsed() < BOUND {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(
        rows(),
        2,
        "the change made after the full load did not arrive"
    );

    let pids = pg.pids();
    signal("-STOP", &pids);
    let frozen = Instant::now();
    let status = loop {
        if let Ok(Some(status)) = sync.try_wait() {
            break Some(status);
        }
        if frozen.elapsed() > BOUND {
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let took = frozen.elapsed();
    signal("-CONT", &pids);
    let Some(status) = status else {
        let _ = sync.kill();
        panic!("ferry sync still waited {BOUND:?} after the source froze");
    };
    let mut err = String::new();
    if let Some(mut e) = sync.stderr.take() {
        use std::io::Read;
        let _ = e.read_to_string(&mut err);
    }
    assert_eq!(status.code(), Some(2), "{err}");
    assert!(err.contains(&name) && err.contains("answer"), "{err}");
    assert!(
        took < Duration::from_secs(30),
        "noticed after {took:?}: {err}"
    );

    assert!(pg.scalar("INSERT INTO t VALUES (3, 'c')").is_some());
    let out = common::ferry_env(&["sync", plan_arg, "--until-caught-up", "-q"], &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(rows(), 3);
}
