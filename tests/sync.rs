//! `ferry sync` on real servers: a writer changes the source before, during and after the
//! full load (inserts, updates with NULLs and 200 KB values, primary-key changes, deletes,
//! multi-statement and rolled-back transactions, a 20,000-row transaction); sync is stopped
//! with SIGTERM, killed with SIGKILL, restarted, run `--until-caught-up`; then the target must
//! equal the source, row by row, by queries of this test's own, and a counter that every
//! source transaction increments proves that none was applied twice or lost.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::db::{ScratchDb, mysql_url, pg_url};
use common::{password_of, scratch_dir, text};

/// One side of a sync: a scratch database, or a SQLite file.
enum Side {
    Pg(ScratchDb),
    Maria(ScratchDb),
    Sqlite(PathBuf),
}

#[derive(Clone, Copy, PartialEq)]
enum Engine {
    Pg,
    Maria,
    Sqlite,
}

impl Side {
    fn new(engine: Engine, hint: &str, dir: &Path) -> Side {
        match engine {
            Engine::Pg => Side::Pg(ScratchDb::postgres(hint)),
            Engine::Maria => Side::Maria(ScratchDb::mariadb(hint)),
            Engine::Sqlite => {
                let path = dir.join(format!("{hint}.db"));
                let conn = rusqlite::Connection::open(&path).unwrap_or_else(|e| panic!("{e}"));
                // WAL: the writer goes on while the full load reads.
                conn.execute_batch("PRAGMA journal_mode = WAL")
                    .unwrap_or_else(|e| panic!("{e}"));
                Side::Sqlite(path)
            }
        }
    }

    fn engine(&self) -> Engine {
        match self {
            Side::Pg(_) => Engine::Pg,
            Side::Maria(_) => Engine::Maria,
            Side::Sqlite(_) => Engine::Sqlite,
        }
    }

    fn url(&self) -> String {
        match self {
            Side::Pg(db) | Side::Maria(db) => db.url(),
            Side::Sqlite(p) => format!("sqlite:{}", p.display()),
        }
    }

    /// The URL without its password, as a plan holds it.
    fn plain_url(&self) -> String {
        let url = self.url();
        let pw = password_of(&url);
        if pw.is_empty() {
            url
        } else {
            url.replace(&format!(":{pw}@"), "@")
        }
    }

    fn run(&self, sql: &str) {
        match self {
            Side::Pg(db) | Side::Maria(db) => db.run_script(sql).unwrap_or_else(|e| panic!("{e}")),
            Side::Sqlite(p) => rusqlite::Connection::open(p)
                .and_then(|c| c.execute_batch(sql))
                .unwrap_or_else(|e| panic!("{e}")),
        }
    }

    /// A client process running `sql` against this side, returning at once.
    fn spawn(&self, sql: &str) -> Child {
        match self {
            Side::Pg(db) | Side::Maria(db) => db.spawn_script(sql),
            Side::Sqlite(p) => {
                let mut child = Command::new("sqlite3")
                    .arg(p)
                    .stdin(Stdio::piped())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .unwrap_or_else(|e| panic!("cannot start sqlite3: {e}"));
                if let Some(mut stdin) = child.stdin.take() {
                    let script = format!(".timeout 30000\n{sql}");
                    std::thread::spawn(move || {
                        use std::io::Write;
                        let _ = stdin.write_all(script.as_bytes());
                    });
                }
                child
            }
        }
    }

    /// Every row of the test tables as one line of text, in key order, written the same way
    /// by every engine (text as the hexadecimal of its UTF-8 bytes: the clients print tabs and
    /// backslashes each their own way).
    fn rows(&self) -> Vec<String> {
        let queries: [&str; 3] = match self.engine() {
            Engine::Pg => [
                "SELECT concat_ws('|', id, coalesce(name, '~'), coalesce(balance::text, '~'), \
                 coalesce(encode(convert_to(note, 'UTF8'), 'hex'), '~'), coalesce(encode(data, 'hex'), '~')) FROM acct ORDER BY id",
                "SELECT concat_ws('|', id, acct_id, qty) FROM item ORDER BY id",
                "SELECT concat_ws('|', id, n) FROM counter ORDER BY id",
            ],
            Engine::Maria => [
                "SELECT concat_ws('|', id, coalesce(name, '~'), coalesce(balance, '~'), \
                 coalesce(lower(hex(note)), '~'), coalesce(lower(hex(data)), '~')) FROM acct ORDER BY id",
                "SELECT concat_ws('|', id, acct_id, qty) FROM item ORDER BY id",
                "SELECT concat_ws('|', id, n) FROM counter ORDER BY id",
            ],
            Engine::Sqlite => [
                "SELECT id || '|' || coalesce(name, '~') || '|' || CASE WHEN balance IS NULL \
                 THEN '~' ELSE printf('%.2f', balance) END || '|' || CASE WHEN note IS NULL THEN \
                 '~' ELSE lower(hex(note)) END || '|' || \
                 CASE WHEN data IS NULL THEN '~' ELSE lower(hex(data)) END FROM acct ORDER BY id",
                "SELECT id || '|' || acct_id || '|' || qty FROM item ORDER BY id",
                "SELECT id || '|' || n FROM counter ORDER BY id",
            ],
        };
        let mut out = Vec::new();
        for (t, q) in ["acct", "item", "counter"].iter().zip(queries) {
            let lines: Vec<String> = match self {
                Side::Pg(db) | Side::Maria(db) => db
                    .query_scalar(q)
                    .unwrap_or_else(|e| panic!("{e}"))
                    .lines()
                    .map(str::to_string)
                    .collect(),
                Side::Sqlite(p) => {
                    let c = rusqlite::Connection::open(p).unwrap_or_else(|e| panic!("{e}"));
                    let mut s = c.prepare(q).unwrap_or_else(|e| panic!("{e}"));
                    s.query_map([], |r| r.get::<_, String>(0))
                        .and_then(Iterator::collect)
                        .unwrap_or_else(|e| panic!("{e}"))
                }
            };
            out.extend(lines.into_iter().map(|l| format!("{t}|{l}")));
        }
        out
    }
}

/// The test tables and their first rows, in the source's dialect.
fn schema(engine: Engine, seed_rows: u32) -> String {
    let (bytes, text) = match engine {
        Engine::Pg => ("bytea", "text"),
        Engine::Maria => ("longblob", "longtext"),
        Engine::Sqlite => ("blob", "text"),
    };
    // MariaDB stops a recursive query after 1,000 rounds unless told otherwise.
    let session = if engine == Engine::Maria {
        "SET SESSION max_recursive_iterations = 10000000;\n"
    } else {
        ""
    };
    format!(
        "{session}CREATE TABLE acct (id integer PRIMARY KEY, name varchar(100), balance numeric(12,2), \
         note {text}, data {bytes});\n\
         CREATE TABLE item (id integer PRIMARY KEY, acct_id integer NOT NULL, qty integer NOT NULL);\n\
         CREATE TABLE counter (id integer PRIMARY KEY, n bigint NOT NULL);\n\
         INSERT INTO counter VALUES (1, 0);\n\
         INSERT INTO acct (id, name, balance, note) WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL \
         SELECT n + 1 FROM g WHERE n < {seed_rows}) SELECT n, concat('name ', n), n * 1.25, \
         'seed' FROM g;\n\
         INSERT INTO item WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE \
         n < {seed_rows}) SELECT n, n, n FROM g;\n"
    )
    .replace(
        "concat('name ', n)",
        if engine == Engine::Sqlite {
            "'name ' || n"
        } else {
            "concat('name ', n)"
        },
    )
}

/// `transactions` source transactions of every kind, each but the rolled-back ones adding 1
/// to the counter; with `big`, one of 20,000 rows among them.
fn workload(engine: Engine, from: u32, transactions: u32, big: bool) -> String {
    let repeat = |n: u32| match engine {
        Engine::Sqlite => format!("replace(hex(zeroblob({})), '0', 'x')", n / 2),
        _ => format!("repeat('x', {n})"),
    };
    let hexblob = match engine {
        Engine::Pg => "'\\x00ff10'::bytea",
        _ => "X'00ff10'",
    };
    let count = "UPDATE counter SET n = n + 1 WHERE id = 1;";
    let mut s = String::new();
    if engine == Engine::Maria {
        s.push_str("SET SESSION max_recursive_iterations = 10000000;\n");
    }
    for i in from..from + transactions {
        let new = 100_000 + i;
        let body = match i % 8 {
            0 => format!(
                "UPDATE acct SET name = NULL, note = {}, data = {hexblob} WHERE id = {};",
                repeat(200_000),
                i % 50 + 1
            ),
            1 => format!(
                "UPDATE acct SET id = {} WHERE id = {};",
                500_000 + i,
                i % 400 + 51
            ),
            2 => format!("DELETE FROM item WHERE id = {};", i % 400 + 1),
            3 => format!(
                "INSERT INTO acct (id, name, balance, note) VALUES ({new}, 'it''s {i}', {i}.5, \
                 'tab\there');\nINSERT INTO item VALUES ({new}, {new}, 1);\nUPDATE item SET qty \
                 = qty + 1 WHERE id = {new};"
            ),
            4 => format!(
                "INSERT INTO acct (id, name) VALUES ({new}, 'gone');\nDELETE FROM acct WHERE id \
                 = {new};"
            ),
            5 => format!(
                "UPDATE acct SET balance = balance * 2, name = 'b{i}' WHERE id = {};",
                i % 300 + 460
            ),
            6 => format!("INSERT INTO acct (id, name, note) VALUES ({new}, NULL, NULL);"),
            _ => format!(
                "UPDATE item SET qty = qty - 1 WHERE acct_id < {};",
                i % 30 + 2
            ),
        };
        s.push_str(&format!("BEGIN;\n{body}\n{count}\nCOMMIT;\n"));
        if i % 10 == 9 {
            s.push_str(&format!(
                "BEGIN;\nINSERT INTO acct (id, name) VALUES ({}, 'rolled back');\n{count}\nROLLBACK;\n",
                900_000 + i
            ));
        }
        if big && i == from + transactions / 2 {
            s.push_str(&format!(
                "BEGIN;\nINSERT INTO item WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 \
                 FROM g WHERE n < 20000) SELECT n + 2000000, n, n FROM g;\n{count}\nCOMMIT;\n"
            ));
        }
    }
    s
}

/// The number of committed transactions of a workload (the counter's increase).
fn committed(transactions: u32, big: bool) -> u64 {
    u64::from(transactions) + u64::from(big)
}

fn ferry_cmd(args: &[&str], source: &Side, target: &Side) -> Command {
    // The servers of a test share one password; a SQLite side has none.
    let password = [source, target]
        .iter()
        .map(|s| password_of(&s.url()))
        .find(|p| !p.is_empty())
        .unwrap_or_default();
    let mut c = Command::new(env!("CARGO_BIN_EXE_ferry"));
    c.args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("FERRY_SYNC_PW", password)
        .arg("--password-env")
        .arg("FERRY_SYNC_PW");
    c
}

/// Plans the pair; the plan file.
fn plan(dir: &Path, source: &Side, target: &Side) -> PathBuf {
    let file = dir.join("plan.json");
    let out = Command::new(env!("CARGO_BIN_EXE_ferry"))
        .args(["plan", &source.url(), &target.plain_url(), "-o"])
        .arg(&file)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(out.status.success(), "ferry plan: {}", text(&out.stderr));
    file
}

fn sync_args<'a>(plan: &'a Path, more: &[&'a str]) -> Vec<&'a str> {
    let mut a = vec!["sync", plan.to_str().unwrap_or_default()];
    a.extend_from_slice(more);
    a
}

/// Runs `ferry sync --until-caught-up` and asserts it succeeds.
fn catch_up(plan_file: &Path, source: &Side, target: &Side) {
    catch_up_with(plan_file, source, target, &[]);
}

/// `catch_up` with more arguments.
fn catch_up_with(plan_file: &Path, source: &Side, target: &Side, more: &[&str]) {
    let mut args = vec!["--until-caught-up", "-q"];
    args.extend_from_slice(more);
    let out = ferry_cmd(&sync_args(plan_file, &args), source, target)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        out.status.success(),
        "ferry sync --until-caught-up: {}",
        text(&out.stderr)
    );
}

fn wait_for(child: &mut Child, limit: Duration, what: &str) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("{what} did not end within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn signal(child: &Child, sig: &str) {
    let _ = Command::new("kill")
        .args([sig, &child.id().to_string()])
        .status();
}

/// Source and target hold the same rows, and the counter says how many source transactions
/// committed.
fn assert_equal(source: &Side, target: &Side, transactions: u64) {
    let (s, t) = (source.rows(), target.rows());
    let counter = format!("counter|1|{transactions}");
    assert!(
        s.contains(&counter),
        "the source's counter is not {transactions}"
    );
    if s != t {
        let missing: Vec<&String> = s.iter().filter(|r| !t.contains(r)).take(5).collect();
        let extra: Vec<&String> = t.iter().filter(|r| !s.contains(r)).take(5).collect();
        let cut = |v: Vec<&String>| -> Vec<String> {
            v.into_iter()
                .map(|r| r.chars().take(120).collect())
                .collect()
        };
        panic!(
            "the target differs from the source ({} rows vs {}): missing {:?}, extra {:?}",
            s.len(),
            t.len(),
            cut(missing),
            cut(extra)
        );
    }
}

/// A writer runs through the full load and the streaming; sync is stopped with SIGTERM, then
/// catches up.
fn writer_during_load_and_stream(source_engine: Engine, target_engine: Engine, name: &str) {
    let dir = scratch_dir("sync", name);
    let source = Side::new(source_engine, &format!("{name}_s"), &dir);
    let target = Side::new(target_engine, &format!("{name}_t"), &dir);
    source.run(&schema(source_engine, 3_000));
    let plan_file = plan(&dir, &source, &target);
    let transactions = 400;
    let mut writer = source.spawn(&workload(source_engine, 1, transactions, true));
    let mut sync = ferry_cmd(&sync_args(&plan_file, &["-q"]), &source, &target)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let status = wait_for(&mut writer, Duration::from_secs(240), "the writer");
    assert!(status.success(), "the writer failed");
    std::thread::sleep(Duration::from_millis(1500));
    signal(&sync, "-TERM");
    let status = wait_for(
        &mut sync,
        Duration::from_secs(60),
        "ferry sync after SIGTERM",
    );
    let mut err = String::new();
    if let Some(mut e) = sync.stderr.take() {
        use std::io::Read;
        let _ = e.read_to_string(&mut err);
    }
    assert!(
        status.success(),
        "ferry sync after SIGTERM: {status}: {err}"
    );
    catch_up(&plan_file, &source, &target);
    assert_equal(&source, &target, committed(transactions, true));
    // Later changes follow, from the stored position; a table emptied at the source is
    // emptied in the target (SQLite has no TRUNCATE: its DELETE without WHERE deletes row by
    // row, through the capture triggers).
    let empty = match source_engine {
        Engine::Sqlite => "DELETE FROM item;",
        _ => "TRUNCATE TABLE item;",
    };
    source.run(empty);
    source.run(&workload(source_engine, 1_000, 20, false));
    catch_up(&plan_file, &source, &target);
    assert_equal(&source, &target, committed(transactions + 20, true));
}

#[test]
fn postgres_to_postgres_with_a_writer() {
    if pg_url().is_none() {
        eprintln!("skipped: FERRY_TEST_PG is not set");
        return;
    }
    writer_during_load_and_stream(Engine::Pg, Engine::Pg, "pg_pg");
}

#[test]
fn postgres_to_mariadb_with_a_writer() {
    if pg_url().is_none() || mysql_url().is_none() {
        eprintln!("skipped: FERRY_TEST_PG or FERRY_TEST_MYSQL is not set");
        return;
    }
    writer_during_load_and_stream(Engine::Pg, Engine::Maria, "pg_my");
}

#[test]
fn sqlite_to_postgres_with_a_writer() {
    if pg_url().is_none() {
        eprintln!("skipped: FERRY_TEST_PG is not set");
        return;
    }
    writer_during_load_and_stream(Engine::Sqlite, Engine::Pg, "lite_pg");
}

/// A seeded sequence of delays (xorshift), so that a failing run can be repeated with
/// FERRY_SYNC_SEED.
struct Delays(u64);

impl Delays {
    fn from_env() -> Delays {
        let seed = std::env::var("FERRY_SYNC_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(1, |d| d.as_nanos() as u64)
            });
        eprintln!("FERRY_SYNC_SEED={seed}");
        Delays(seed | 1)
    }

    /// A delay between `lo` and `hi` milliseconds.
    fn next(&mut self, lo: u64, hi: u64) -> Duration {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        Duration::from_millis(lo + self.0 % (hi - lo))
    }
}

/// SIGKILL at seeded random moments: during the full load, the catch-up and the stream;
/// each time sync starts again. Nothing is lost and no source transaction is applied twice
/// (the counter), whatever moment the kill hits.
fn killed_and_restarted(source_engine: Engine, target_engine: Engine, name: &str) {
    let dir = scratch_dir("sync", name);
    let source = Side::new(source_engine, &format!("{name}_s"), &dir);
    let target = Side::new(target_engine, &format!("{name}_t"), &dir);
    source.run(&schema(source_engine, 20_000));
    let plan_file = plan(&dir, &source, &target);
    let transactions = 600;
    let mut writer = source.spawn(&workload(source_engine, 1, transactions, true));
    let mut delays = Delays::from_env();
    for round in 0..5 {
        let mut sync = ferry_cmd(&sync_args(&plan_file, &["-q"]), &source, &target)
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{e}"));
        // The first kill comes early: within the full load.
        let delay = if round == 0 {
            delays.next(50, 400)
        } else {
            delays.next(200, 2_500)
        };
        std::thread::sleep(delay);
        signal(&sync, "-KILL");
        let _ = sync.wait();
    }
    let status = wait_for(&mut writer, Duration::from_secs(240), "the writer");
    assert!(status.success(), "the writer failed");
    catch_up(&plan_file, &source, &target);
    assert_equal(&source, &target, committed(transactions, true));
}

#[test]
fn postgres_to_postgres_killed_anywhere() {
    if pg_url().is_none() {
        eprintln!("skipped: FERRY_TEST_PG is not set");
        return;
    }
    killed_and_restarted(Engine::Pg, Engine::Pg, "pg_pg_kill");
}

#[test]
fn sqlite_to_mariadb_killed_anywhere() {
    if mysql_url().is_none() {
        eprintln!("skipped: FERRY_TEST_MYSQL is not set");
        return;
    }
    killed_and_restarted(Engine::Sqlite, Engine::Maria, "lite_my_kill");
}

/// A second sync of the plan stands by while the first applies, and takes over when the
/// first is killed, from the stored position.
#[test]
fn a_standby_takes_over_from_a_killed_sync() {
    if pg_url().is_none() {
        eprintln!("skipped: FERRY_TEST_PG is not set");
        return;
    }
    let dir = scratch_dir("sync", "standby");
    let source = Side::new(Engine::Pg, "standby_s", &dir);
    let target = Side::new(Engine::Pg, "standby_t", &dir);
    source.run(&schema(Engine::Pg, 2_000));
    let plan_file = plan(&dir, &source, &target);
    let transactions = 300;
    let mut writer = source.spawn(&workload(Engine::Pg, 1, transactions, false));
    let mut active = ferry_cmd(&sync_args(&plan_file, &[]), &source, &target)
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    std::thread::sleep(Duration::from_millis(1_500));
    let mut standby = ferry_cmd(&sync_args(&plan_file, &[]), &source, &target)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    std::thread::sleep(Duration::from_millis(1_500));
    signal(&active, "-KILL");
    let _ = active.wait();
    let status = wait_for(&mut writer, Duration::from_secs(240), "the writer");
    assert!(status.success(), "the writer failed");
    std::thread::sleep(Duration::from_secs(3));
    signal(&standby, "-TERM");
    let status = wait_for(&mut standby, Duration::from_secs(60), "the standby");
    let mut err = String::new();
    if let Some(mut e) = standby.stderr.take() {
        use std::io::Read;
        let _ = e.read_to_string(&mut err);
    }
    assert!(status.success(), "the standby: {status}: {err}");
    assert!(
        err.contains("standing by"),
        "the standby did not stand by: {err}"
    );
    assert!(
        err.contains("taking over"),
        "the standby did not take over: {err}"
    );
    // The standby applied the writer's changes itself: no catch-up run before comparing.
    assert_equal(&source, &target, committed(transactions, false));
}

/// Runs `ferry sync` expecting it to fail; its standard error.
fn refused(plan_file: &Path, source: &Side, target: &Side, more: &[&str]) -> String {
    let out = ferry_cmd(&sync_args(plan_file, more), source, target)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let err = text(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(2),
        "ferry sync was not refused: {err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    err
}

#[test]
fn sync_refuses_what_it_cannot_follow() {
    if pg_url().is_none() {
        eprintln!("skipped: FERRY_TEST_PG is not set");
        return;
    }
    let dir = scratch_dir("sync", "refusals");
    let source = Side::new(Engine::Pg, "refuse_s", &dir);
    let target = Side::new(Engine::Pg, "refuse_t", &dir);
    // A table without a key: its changes could not name their row.
    source.run("CREATE TABLE keyed (id int PRIMARY KEY, v text); CREATE TABLE loose (v text);");
    let plan_file = plan(&dir, &source, &target);
    let err = refused(&plan_file, &source, &target, &["--until-caught-up"]);
    assert!(
        err.contains("loose") && err.contains("primary key"),
        "{err}"
    );

    // A login that may not replicate.
    source.run("DROP TABLE loose;");
    let plan_file = plan(&dir, &source, &target);
    let role = format!("ferry_norepl_{}", std::process::id());
    // The password the target's login has too: one --password-env serves both.
    let password = password_of(&source.url());
    source.run(&format!(
        "DROP ROLE IF EXISTS {role}; CREATE ROLE {role} LOGIN PASSWORD '{password}' NOREPLICATION;"
    ));
    let plain = std::fs::read_to_string(&plan_file).unwrap_or_default();
    let user = source
        .plain_url()
        .split("://")
        .nth(1)
        .and_then(|r| r.split('@').next())
        .unwrap_or_default()
        .to_string();
    let other = dir.join("norepl.json");
    std::fs::write(
        &other,
        plain.replacen(&format!("\"{user}\""), &format!("\"{role}\""), 1),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let out = Command::new(env!("CARGO_BIN_EXE_ferry"))
        .args([
            "sync",
            other.to_str().unwrap_or_default(),
            "--password-env",
            "NOREPL_PW",
        ])
        .env("NOREPL_PW", &password)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let err = text(&out.stderr);
    source.run(&format!("DROP ROLE IF EXISTS {role};"));
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("REPLICATION"), "{err}");

    // A column added at the source while syncing is added to the target, with its default
    // for the rows there; a column dropped stops sync, named, after what came before.
    catch_up(&plan_file, &source, &target);
    source.run(
        "INSERT INTO keyed VALUES (1, 'before'); ALTER TABLE keyed ADD COLUMN extra int NOT NULL \
         DEFAULT 5; INSERT INTO keyed VALUES (2, 'after', 7);",
    );
    catch_up(&plan_file, &source, &target);
    let Side::Pg(t) = &target else { unreachable!() };
    let rows = |t: &ScratchDb, sql: &str| t.query_scalar(sql).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        rows(
            t,
            "SELECT string_agg(v || ':' || extra, ',' ORDER BY id) FROM keyed"
        ),
        "before:5,after:7"
    );
    // Started again, sync plans with the added column (kept in its state).
    source.run("UPDATE keyed SET extra = 9 WHERE id = 1;");
    catch_up(&plan_file, &source, &target);
    assert_eq!(
        rows(
            t,
            "SELECT string_agg(v || ':' || extra, ',' ORDER BY id) FROM keyed"
        ),
        "before:9,after:7"
    );
    source.run("ALTER TABLE keyed DROP COLUMN v; INSERT INTO keyed VALUES (3, 8);");
    let err = refused(&plan_file, &source, &target, &["--until-caught-up"]);
    assert!(
        err.contains("keyed") && err.contains("(id, extra)"),
        "{err}"
    );
    assert_eq!(rows(t, "SELECT count(*) FROM keyed"), "2");

    // --drop-slot removes the slot and the publication.
    let out = ferry_cmd(&sync_args(&plan_file, &["--drop-slot"]), &source, &target)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("dropped replication slot"),
        "{}",
        text(&out.stderr)
    );
    let Side::Pg(s) = &source else { unreachable!() };
    let left = s
        .query_scalar(
            "SELECT count(*) FROM pg_replication_slots WHERE database = current_database()",
        )
        .unwrap_or_default();
    assert_eq!(left.trim(), "0");
}

fn sqlite_scalar(path: &Path, sql: &str) -> Option<i64> {
    rusqlite::Connection::open(path)
        .and_then(|c| c.query_row(sql, [], |r| r.get(0)))
        .ok()
}

/// The embedded default: `migrate --sync` between two SQLite files keeps the second in step
/// with writes to the first until SIGTERM; `--metrics` serves the counters meanwhile.
#[test]
fn migrate_sync_between_sqlite_files_with_metrics() {
    let dir = scratch_dir("sync", "lite_lite");
    let source = Side::new(Engine::Sqlite, "src", &dir);
    let target_path = dir.join("dst.db");
    source.run(&schema(Engine::Sqlite, 100));
    let mut migrate = Command::new(env!("CARGO_BIN_EXE_ferry"))
        .args([
            "migrate",
            &source.url(),
            &format!("sqlite:{}", target_path.display()),
            "--sync",
            "-q",
        ])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let seen = |n: i64| {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(30) {
            if sqlite_scalar(&target_path, "SELECT n FROM counter") == Some(n) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        false
    };
    assert!(seen(0), "the full load did not arrive");
    source.run(&workload(Engine::Sqlite, 1, 30, false));
    assert!(seen(30), "the changes did not arrive");
    signal(&migrate, "-TERM");
    let status = wait_for(
        &mut migrate,
        Duration::from_secs(30),
        "ferry migrate --sync",
    );
    assert!(status.success(), "ferry migrate --sync: {status}");
    let target = Side::Sqlite(target_path.clone());
    assert_equal(&source, &target, 30);

    // The same pair through a plan, with the counters served over HTTP.
    let plan_file = dir.join("plan.json");
    let out = Command::new(env!("CARGO_BIN_EXE_ferry"))
        .args([
            "plan",
            &source.url(),
            &format!("sqlite:{}", dir.join("dst2.db").display()),
            "-o",
        ])
        .arg(&plan_file)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let port = common::free_port();
    let addr = format!("127.0.0.1:{port}");
    let mut sync = ferry_cmd(
        &sync_args(&plan_file, &["-q", "--metrics", &addr]),
        &source,
        &target,
    )
    .spawn()
    .unwrap_or_else(|e| panic!("{e}"));
    let loaded = Instant::now();
    while sqlite_scalar(&dir.join("dst2.db"), "SELECT n FROM counter") != Some(30) {
        assert!(
            loaded.elapsed() < Duration::from_secs(30),
            "the full load did not arrive"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    source.run(&workload(Engine::Sqlite, 100, 10, false));
    let get = || -> Option<String> {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(&addr).ok()?;
        s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
            .ok()?;
        let mut body = String::new();
        s.read_to_string(&mut body).ok()?;
        Some(body)
    };
    let start = Instant::now();
    let mut last = String::new();
    while start.elapsed() < Duration::from_secs(30) {
        last = get().unwrap_or_default();
        if last.contains("ferry_sync_transactions_applied_total 1\n") {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    signal(&sync, "-TERM");
    let _ = wait_for(&mut sync, Duration::from_secs(30), "ferry sync --metrics");
    assert!(last.starts_with("HTTP/1.1 200 OK"), "{last}");
    // The ten transactions arrive as one: SQLite's change table is read whole, and its
    // transactions are applied as one target transaction. Each changed the counter and at
    // least one other row.
    let changes: u64 = last
        .lines()
        .find_map(|l| l.strip_prefix("ferry_sync_changes_applied_total "))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(changes >= 20, "{last}");
    assert!(
        last.contains("# TYPE ferry_sync_lag_seconds gauge"),
        "{last}"
    );
}

/// `ferry validate` on a pair that is syncing: rows changing while compared are compared again
/// once sync has applied past them; a difference made by hand in the target is named as real.
#[test]
fn validate_while_syncing() {
    if pg_url().is_none() {
        eprintln!("skipped: FERRY_TEST_PG is not set");
        return;
    }
    let dir = scratch_dir("sync", "validate");
    let source = Side::new(Engine::Pg, "val_s", &dir);
    let target = Side::new(Engine::Pg, "val_t", &dir);
    source.run(&schema(Engine::Pg, 2_000));
    let plan_file = plan(&dir, &source, &target);
    let mut sync = ferry_cmd(&sync_args(&plan_file, &["-q"]), &source, &target)
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let Side::Pg(t) = &target else { unreachable!() };
    let started = Instant::now();
    while t.query_scalar("SELECT n FROM counter").ok().as_deref() != Some("0") {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the full load did not arrive"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let validate = || {
        let out = ferry_cmd(
            &["validate", plan_file.to_str().unwrap_or_default()],
            &source,
            &target,
        )
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
        (out.status.code(), text(&out.stdout), text(&out.stderr))
    };
    // While a writer runs: equal, or differences said to be unsettled; never an error.
    let mut writer = source.spawn(&workload(Engine::Pg, 1, 300, false));
    let (code, out, err) = validate();
    assert!(matches!(code, Some(0) | Some(1)), "{code:?}: {out}{err}");
    if code == Some(1) {
        assert!(out.contains("syncing"), "{out}");
    }
    let status = wait_for(&mut writer, Duration::from_secs(120), "the writer");
    assert!(status.success());
    let (code, out, err) = validate();
    assert_eq!(code, Some(0), "{out}{err}");
    // A row changed by hand in the target is a real difference.
    target.run("UPDATE acct SET name = 'changed by hand' WHERE id = 1999");
    let (code, out, err) = validate();
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(
        out.contains("a real difference") && out.contains("id=1999"),
        "{out}"
    );
    signal(&sync, "-TERM");
    let status = wait_for(&mut sync, Duration::from_secs(30), "ferry sync");
    assert!(status.success());
}

#[test]
fn mariadb_to_postgres_with_a_writer() {
    if pg_url().is_none() || mysql_url().is_none() {
        eprintln!("skipped: FERRY_TEST_PG or FERRY_TEST_MYSQL is not set");
        return;
    }
    writer_during_load_and_stream(Engine::Maria, Engine::Pg, "my_pg");
}

#[test]
fn mariadb_to_mariadb_with_a_writer() {
    if mysql_url().is_none() {
        eprintln!("skipped: FERRY_TEST_MYSQL is not set");
        return;
    }
    writer_during_load_and_stream(Engine::Maria, Engine::Maria, "my_my");
}

#[test]
fn mariadb_to_postgres_killed_anywhere() {
    if pg_url().is_none() || mysql_url().is_none() {
        eprintln!("skipped: FERRY_TEST_PG or FERRY_TEST_MYSQL is not set");
        return;
    }
    killed_and_restarted(Engine::Maria, Engine::Pg, "my_pg_kill");
}

/// MariaDB: a column added by ALTER TABLE while syncing reaches the target with its default
/// for the rows it held, and the rows written after it carry it.
#[test]
fn mariadb_column_added_while_syncing() {
    if pg_url().is_none() || mysql_url().is_none() {
        eprintln!("skipped: FERRY_TEST_PG or FERRY_TEST_MYSQL is not set");
        return;
    }
    let dir = scratch_dir("sync", "my_add_column");
    let source = Side::new(Engine::Maria, "addcol_s", &dir);
    let target = Side::new(Engine::Pg, "addcol_t", &dir);
    source
        .run("CREATE TABLE k (id int PRIMARY KEY, v varchar(20)); INSERT INTO k VALUES (1, 'a');");
    let plan_file = plan(&dir, &source, &target);
    catch_up(&plan_file, &source, &target);
    source.run(
        "INSERT INTO k VALUES (2, 'b'); ALTER TABLE k ADD COLUMN note varchar(30) NOT NULL DEFAULT \
         'none', ADD COLUMN n int; INSERT INTO k VALUES (3, 'c', 'given', 4); UPDATE k SET n = 1 \
         WHERE id = 1;",
    );
    catch_up(&plan_file, &source, &target);
    let Side::Pg(t) = &target else { unreachable!() };
    assert_eq!(
        t.query_scalar("SELECT string_agg(concat_ws(':', id, v, note, n), ',' ORDER BY id) FROM k")
            .unwrap_or_else(|e| panic!("{e}")),
        "1:a:none:1,2:b:none,3:c:given:4"
    );
}

/// On a terminal sync keeps one status line (lag and rate) rewritten in place; in a pipe it
/// writes plain lines, and nothing with `-q`.
#[test]
fn progress_is_a_status_line_on_a_terminal() {
    let dir = scratch_dir("sync", "tty");
    let source = Side::new(Engine::Sqlite, "src", &dir);
    source.run(&schema(Engine::Sqlite, 10));
    let plan_file = dir.join("plan.json");
    let target = format!("sqlite:{}", dir.join("dst.db").display());
    let out = Command::new(env!("CARGO_BIN_EXE_ferry"))
        .args(["plan", &source.url(), &target, "-o"])
        .arg(&plan_file)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let bin = env!("CARGO_BIN_EXE_ferry");
    // Sync for about 2.5 s under a pseudo-terminal (util-linux `script`), then SIGTERM.
    let cmd = format!(
        "timeout -s TERM 2.5 {bin} sync {} 2>&1",
        plan_file.display()
    );
    let o = Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .output()
        .unwrap_or_else(|e| panic!("cannot run script: {e}"));
    let shown = text(&o.stdout);
    assert!(
        shown.contains("\r\x1b[2Kferry sync: lag ") && shown.contains("changes/s"),
        "{shown:?}"
    );
    // In a pipe: plain lines, every 5 s; quiet: none.
    let o = Command::new("timeout")
        .args([
            "-s",
            "TERM",
            "1.5",
            bin,
            "sync",
            plan_file.to_str().unwrap_or_default(),
            "-q",
        ])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let err = text(&o.stderr);
    assert!(!err.contains("lag") && !err.contains('\r'), "{err:?}");
}

/// Changes applied while sync was stopped are netted into a few statements per table; where
/// the netted statements break a unique index that each change kept (two rows swapping a
/// value through a third), the changes are replayed one by one. Either way the target ends
/// equal to the source: rows swapped, deleted and inserted again, inserted and deleted, moved
/// to another key.
/// The PostgreSQL source is read over the replication protocol for the PostgreSQL target and
/// with the SQL slot functions (`--pg-read slot-functions`) for the MariaDB one.
#[test]
fn netted_changes_end_as_the_source_did() {
    if pg_url().is_none() || mysql_url().is_none() {
        eprintln!("skipped: FERRY_TEST_PG or FERRY_TEST_MYSQL is not set");
        return;
    }
    let dir = scratch_dir("sync", "netted");
    for target_engine in [Engine::Pg, Engine::Maria] {
        let hint = if target_engine == Engine::Pg {
            "pg"
        } else {
            "my"
        };
        let source = Side::new(Engine::Pg, &format!("net_s_{hint}"), &dir);
        let target = Side::new(target_engine, &format!("net_t_{hint}"), &dir);
        source.run(
            "CREATE TABLE u (id int PRIMARY KEY, code varchar(10) NOT NULL UNIQUE, n int); \
             INSERT INTO u SELECT g, 'c' || g, 0 FROM generate_series(1, 20) g;",
        );
        let plan_file = dir.join(format!("plan_{hint}.json"));
        std::fs::rename(plan(&dir, &source, &target), &plan_file).unwrap_or_else(|e| panic!("{e}"));
        let read: &[&str] = if target_engine == Engine::Pg {
            &[]
        } else {
            &["--pg-read", "slot-functions"]
        };
        catch_up_with(&plan_file, &source, &target, read);
        source.run(
            "UPDATE u SET code = 'tmp' WHERE id = 1; UPDATE u SET code = 'c1' WHERE id = 2; \
             UPDATE u SET code = 'c2' WHERE id = 1; \
             DELETE FROM u WHERE id = 3; INSERT INTO u VALUES (3, 'c3', 33); \
             INSERT INTO u VALUES (21, 'c21', 1); DELETE FROM u WHERE id = 21; \
             UPDATE u SET id = 40, n = 4 WHERE id = 4; UPDATE u SET n = 5 WHERE id = 40; \
             DELETE FROM u WHERE id = 5; UPDATE u SET id = 5 WHERE id = 6; \
             UPDATE u SET n = n + 1 WHERE id > 10;",
        );
        catch_up_with(&plan_file, &source, &target, read);
        let q = "SELECT concat_ws(':', id, code, n) FROM u ORDER BY id";
        let rows = |side: &Side| match side {
            Side::Pg(db) | Side::Maria(db) => db.query_scalar(q).unwrap_or_else(|e| panic!("{e}")),
            Side::Sqlite(_) => unreachable!(),
        };
        let want = rows(&source);
        assert!(want.contains("1:c2:0") && want.contains("2:c1:0") && want.contains("5:c6:0"));
        assert_eq!(rows(&target), want, "target {hint}");
        // A row deleted by hand in the target: the netted UPDATE finds one row less, the
        // changes are replayed, and sync stops naming the table: the target no longer matches.
        target.run("DELETE FROM u WHERE id = 7");
        source.run("UPDATE u SET n = 70 WHERE id = 7; UPDATE u SET n = 71 WHERE id = 8;");
        let mut args = vec!["--until-caught-up"];
        args.extend_from_slice(read);
        let err = refused(&plan_file, &source, &target, &args);
        assert!(
            err.contains("table public.u") && err.contains("no longer matches the source"),
            "{err}"
        );
    }
}

/// A PostgreSQL table without a primary key but with REPLICA IDENTITY FULL is followed: each
/// update or delete changes one row of those equal to its old values (NULLs included), into
/// PostgreSQL, MariaDB and SQLite. Without a full load (`--start-now`) such a table is refused.
#[test]
fn a_keyless_table_with_replica_identity_full_is_followed() {
    if pg_url().is_none() || mysql_url().is_none() {
        eprintln!("skipped: FERRY_TEST_PG or FERRY_TEST_MYSQL is not set");
        return;
    }
    let dir = scratch_dir("sync", "keyless");
    for target_engine in [Engine::Pg, Engine::Maria, Engine::Sqlite] {
        let hint = match target_engine {
            Engine::Pg => "pg",
            Engine::Maria => "my",
            Engine::Sqlite => "lite",
        };
        let source = Side::new(Engine::Pg, &format!("keyless_s_{hint}"), &dir);
        let target = Side::new(target_engine, &format!("keyless_t_{hint}"), &dir);
        source.run(
            "CREATE TABLE loose (v varchar(10), n int); ALTER TABLE loose REPLICA IDENTITY FULL; \
             INSERT INTO loose VALUES ('a', 1), ('a', 1), (NULL, 2), ('b', NULL), ('x', 9);",
        );
        let plan_file = dir.join(format!("plan_{hint}.json"));
        std::fs::rename(plan(&dir, &source, &target), &plan_file).unwrap_or_else(|e| panic!("{e}"));
        let err = refused(&plan_file, &source, &target, &["--start-now"]);
        assert!(
            err.contains("loose") && err.contains("primary key"),
            "{err}"
        );
        catch_up(&plan_file, &source, &target);
        source.run(
            "DELETE FROM loose WHERE ctid = (SELECT ctid FROM loose WHERE v = 'a' LIMIT 1); \
             UPDATE loose SET v = 'c' WHERE v IS NULL; UPDATE loose SET n = 3 WHERE n IS NULL; \
             INSERT INTO loose VALUES ('d', 4), ('d', 4); \
             UPDATE loose SET n = 5 WHERE ctid = (SELECT ctid FROM loose WHERE v = 'd' LIMIT 1); \
             DELETE FROM loose WHERE v = 'x';",
        );
        catch_up(&plan_file, &source, &target);
        let rows = |side: &Side| -> Vec<String> {
            let mut lines: Vec<String> = match side {
                Side::Pg(db) | Side::Maria(db) => {
                    let q = if side.engine() == Engine::Pg {
                        "SELECT coalesce(v, '~') || ':' || coalesce(n::text, '~') FROM loose"
                    } else {
                        "SELECT concat(coalesce(v, '~'), ':', coalesce(n, '~')) FROM loose"
                    };
                    db.query_scalar(q)
                        .unwrap_or_else(|e| panic!("{e}"))
                        .lines()
                        .map(str::to_string)
                        .collect()
                }
                Side::Sqlite(p) => {
                    let c = rusqlite::Connection::open(p).unwrap_or_else(|e| panic!("{e}"));
                    let mut s = c
                        .prepare("SELECT coalesce(v, '~') || ':' || coalesce(n, '~') FROM loose")
                        .unwrap_or_else(|e| panic!("{e}"));
                    s.query_map([], |r| r.get::<_, String>(0))
                        .and_then(Iterator::collect)
                        .unwrap_or_else(|e| panic!("{e}"))
                }
            };
            lines.sort();
            lines
        };
        let want = rows(&source);
        assert_eq!(want, ["a:1", "b:3", "c:2", "d:4", "d:5"], "the source");
        assert_eq!(rows(&target), want, "target {hint}");
    }
}

/// SQLite: columns added by ALTER TABLE reach the target, as from the servers' logs. The
/// changes the capture triggers copied before they were installed again lack the new columns:
/// those come from the row as it is (an inserted row deleted since gets the defaults). Once
/// with sync stopped over the ALTER, once with sync running.
#[test]
fn sqlite_column_added_while_syncing() {
    if pg_url().is_none() {
        eprintln!("skipped: FERRY_TEST_PG is not set");
        return;
    }
    let dir = scratch_dir("sync", "lite_add_column");
    let _ = std::fs::remove_file(dir.join("addcol_lite_s.db"));
    let source = Side::new(Engine::Sqlite, "addcol_lite_s", &dir);
    let target = Side::new(Engine::Pg, "addcol_lite_t", &dir);
    source.run(
        "CREATE TABLE k (id integer PRIMARY KEY, v varchar(20)); INSERT INTO k VALUES (1, 'a');",
    );
    let plan_file = plan(&dir, &source, &target);
    catch_up(&plan_file, &source, &target);
    source.run(
        "INSERT INTO k VALUES (2, 'b'); ALTER TABLE k ADD COLUMN note varchar(30) NOT NULL \
         DEFAULT 'none'; ALTER TABLE k ADD COLUMN n int; INSERT INTO k VALUES (3, 'c', 'given', 4); \
         UPDATE k SET n = 1 WHERE id = 1; INSERT INTO k VALUES (4, 'd', 'gone', 5); \
         DELETE FROM k WHERE id = 4; INSERT INTO k (id, v) VALUES (5, 'e');",
    );
    catch_up(&plan_file, &source, &target);
    let Side::Pg(t) = &target else { unreachable!() };
    let rows = || {
        t.query_scalar("SELECT string_agg(concat_ws(':', id, v, note, n), ',' ORDER BY id) FROM k")
            .unwrap_or_else(|e| panic!("{e}"))
    };
    assert_eq!(rows(), "1:a:none:1,2:b:none,3:c:given:4,5:e:none");

    // Sync running: it sees the ALTER at its next read.
    let mut sync = ferry_cmd(&sync_args(&plan_file, &["-q"]), &source, &target)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    std::thread::sleep(Duration::from_millis(500));
    source.run(
        "ALTER TABLE k ADD COLUMN w int NOT NULL DEFAULT 7; UPDATE k SET w = 8, n = 9 WHERE id = 2; \
         INSERT INTO k VALUES (6, 'f', 'six', 6, 66);",
    );
    let start = Instant::now();
    let want = "1:a:none:1:7,2:b:none:9:8,3:c:given:4:7,5:e:none:7,6:f:six:6:66";
    let query = "SELECT string_agg(concat_ws(':', id, v, note, n, w), ',' ORDER BY id) FROM k";
    while start.elapsed() < Duration::from_secs(60)
        && t.query_scalar(query).ok().as_deref() != Some(want)
    {
        if let Ok(Some(status)) = sync.try_wait() {
            let mut err = String::new();
            if let Some(mut e) = sync.stderr.take() {
                use std::io::Read;
                let _ = e.read_to_string(&mut err);
            }
            panic!("sync ended: {status}: {err}");
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    signal(&sync, "-TERM");
    wait_for(
        &mut sync,
        Duration::from_secs(30),
        "ferry sync after SIGTERM",
    );
    assert_eq!(
        t.query_scalar(query).unwrap_or_else(|e| panic!("{e}")),
        want
    );
}
