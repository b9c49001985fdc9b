//! `ferry sync`'s MySQL / MariaDB change source against the real MariaDB (`FERRY_TEST_MYSQL`,
//! started with the row binary log): a plan made by the binary, `prepare`, then writes of every
//! kind, read back through `open` as `Event`s whose values must equal what the full load reads
//! for the same rows; the refusals; and the change mark the full load's snapshot records.

mod common;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use common::db::{ScratchDb, mysql_url};
use common::private_mariadb::PrivateMariadb;
use common::{scratch_dir, text};
use ferry::conn::{Endpoint, Server};
use ferry::load::RowSource;
use ferry::load::mysql::{MysqlSource, open_together};
use ferry::load::{ErrorKind, Timeouts};
use ferry::plan::Plan;
use ferry::sync::change::{Change, Event, Op, Position};
use ferry::sync::source::postgres::PgRead;
use ferry::sync::source::{ChangeSource, open, prepare};
use ferry::value::Value;

/// The plan `ferry plan` makes for the scratch database (into a SQLite file: the target plays
/// no part here), with the source's password put back (plans hold none).
fn plan_for(db: &ScratchDb, name: &str) -> Plan {
    plan_from(&db.url(), &db.url(), name, &[])
}

/// The plan `ferry plan` makes from `url` (with `env`) into a SQLite file, its source then
/// `source` (the URL with its password).
fn plan_from(url: &str, source: &str, name: &str, env: &[(&str, &str)]) -> Plan {
    let dir = scratch_dir("sync_binlog", name);
    let plan_file = dir.join("plan.json").display().to_string();
    let target = format!("sqlite:{}", dir.join("t.db").display());
    let o = common::ferry_env(&["plan", url, &target, "-o", &plan_file, "-q"], env);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let json = std::fs::read_to_string(&plan_file).unwrap_or_else(|e| panic!("{e}"));
    let mut plan = ferry::plan::parse(&json).unwrap_or_else(|e| panic!("{e:?}"));
    plan.source = ferry::conn::parse(source, None).unwrap_or_else(|e| panic!("{e:?}"));
    plan
}

/// A scratch database holding `tables`, and its plan; None (the test is skipped) without
/// `FERRY_TEST_MYSQL`.
fn source_with(hint: &str, tables: &str) -> Option<(ScratchDb, Plan)> {
    let Some(_) = mysql_url() else {
        eprintln!("skipped: FERRY_TEST_MYSQL not set");
        return None;
    };
    let db = ScratchDb::mariadb(hint);
    db.run_script(tables).unwrap_or_else(|e| panic!("{e}"));
    let plan = plan_for(&db, hint);
    Some((db, plan))
}

fn server_of(plan: &Plan) -> Server {
    match &plan.source {
        Endpoint::Mysql(s) => s.clone(),
        other => panic!("not a MySQL source: {other}"),
    }
}

fn table_index(plan: &Plan, name: &str) -> usize {
    plan.tables
        .iter()
        .position(|t| t.source.name == name)
        .unwrap_or_else(|| panic!("no table {name} in the plan"))
}

/// The rows of a table as the full load reads them now, by their first column (the key).
fn load_rows(plan: &Plan, table: &str) -> HashMap<String, Vec<Value>> {
    let source =
        MysqlSource::open(&server_of(plan), Timeouts::default()).unwrap_or_else(|e| panic!("{e}"));
    let t = &plan.tables[table_index(plan, table)];
    let mut rows = HashMap::new();
    source
        .for_each_batch(t, None, 1000, &mut |batch| {
            for r in batch {
                rows.insert(format!("{:?}", r[0]), r);
            }
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
    rows
}

fn row_of(rows: &HashMap<String, Vec<Value>>, id: i64) -> Vec<Value> {
    rows.get(&format!("{:?}", Value::Int(id)))
        .cloned()
        .unwrap_or_else(|| panic!("the load read no row {id}"))
}

/// Events until `done` says the last one read is the last wanted, or 30 s have passed.
fn read_until(source: &mut dyn ChangeSource, mut done: impl FnMut(&Event) -> bool) -> Vec<Event> {
    let started = Instant::now();
    let mut events = Vec::new();
    while started.elapsed() < Duration::from_secs(30) {
        match source.next(Duration::from_millis(300)) {
            Ok(Some(e)) => {
                let last = done(&e);
                events.push(e);
                if last {
                    return events;
                }
            }
            Ok(None) => {}
            Err(e) => panic!("reading the binary log: {e}\nread so far: {events:#?}"),
        }
    }
    panic!("the wanted event did not come within 30 s; read: {events:#?}")
}

/// One committed transaction as read: its changes and where it ends.
#[derive(Debug)]
struct Transaction {
    changes: Vec<Change>,
    position: Position,
}

/// The events as transactions, checking the shape on the way: every change and every commit
/// inside a Begin, no Begin inside another, a schema change between transactions. Schema
/// changes are returned with the number of transactions before them.
fn transactions(events: &[Event]) -> (Vec<Transaction>, Vec<(usize, String, String)>) {
    let mut done = Vec::new();
    let mut schema = Vec::new();
    let mut open: Option<Vec<Change>> = None;
    for e in events {
        match e {
            Event::Begin { skip } => {
                assert!(!skip, "a MySQL source never skips");
                assert!(open.is_none(), "a Begin inside a transaction: {events:#?}");
                open = Some(Vec::new());
            }
            Event::Change(c) => open
                .as_mut()
                .unwrap_or_else(|| panic!("a change outside a transaction: {events:#?}"))
                .push(c.clone()),
            Event::Commit {
                position,
                commit_time,
            } => {
                assert!(commit_time.is_some_and(|t| t > 1.6e9), "{commit_time:?}");
                let changes = open
                    .take()
                    .unwrap_or_else(|| panic!("a commit outside a transaction: {events:#?}"));
                done.push(Transaction {
                    changes,
                    position: position.clone(),
                });
            }
            Event::SchemaChange { table, statement } => {
                assert!(open.is_none(), "{events:#?}");
                schema.push((done.len(), table.clone(), statement.clone()));
            }
            Event::Pause => {}
        }
    }
    assert!(open.is_none(), "a transaction left open: {events:#?}");
    (done, schema)
}

/// Short enough to read in a failure message.
fn shown(v: &Value) -> String {
    let s = format!("{v:?}");
    if s.len() > 80 {
        format!(
            "{}... ({} chars)",
            s.chars().take(60).collect::<String>(),
            s.len()
        )
    } else {
        s
    }
}

/// Asserts two change lists equal, naming each differing column of a row.
fn same_changes(plan: &Plan, got: &[Change], want: &[Change]) {
    let rows = |op: &Op| -> Vec<Vec<Value>> {
        match op {
            Op::Insert(r) | Op::Delete(r) => vec![r.clone()],
            Op::Update { key, row } => vec![
                key.clone(),
                row.iter()
                    .map(|v| v.clone().unwrap_or(Value::Null))
                    .collect(),
            ],
            Op::Truncate => vec![],
        }
    };
    let mut problems = Vec::new();
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        if g == w {
            continue;
        }
        let same_kind = std::mem::discriminant(&g.op) == std::mem::discriminant(&w.op);
        if g.table != w.table || !same_kind {
            problems.push(format!("change {i}: {g:?}\n  wanted {w:?}"));
            continue;
        }
        let table = &plan.tables[g.table];
        for (gr, wr) in rows(&g.op).iter().zip(rows(&w.op)) {
            for (j, (a, b)) in gr.iter().zip(&wr).enumerate() {
                if a != b {
                    let col = table.columns.get(j).map_or("?", |c| c.source.as_str());
                    problems.push(format!(
                        "change {i} ({}), value {j} ({col}): read {} but the load reads {}",
                        table.source,
                        shown(a),
                        shown(b)
                    ));
                }
            }
        }
    }
    if got.len() != want.len() {
        problems.push(format!("{} changes read, {} wanted", got.len(), want.len()));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

fn binlog_place(p: &Position) -> (String, u64) {
    match p {
        Position::Binlog { file, pos, .. } => (file.clone(), *pos),
        other => panic!("not a binary log position: {other}"),
    }
}

/// The server's current end of the binary log, as `prepare` reads it (the plan's own check).
fn log_end(plan: &Plan) -> Position {
    prepare(plan).unwrap_or_else(|e| panic!("{e}"))
}

const TABLES: &str = "
CREATE TABLE t (
  id int unsigned PRIMARY KEY,
  ti tinyint, tu tinyint unsigned, si smallint, su smallint unsigned,
  mi mediumint, mu mediumint unsigned, ii int, iu int unsigned, bi bigint, bu bigint unsigned,
  d decimal(20,4), f float, db double,
  dt datetime(6), dt0 datetime, da date, tm time(3), ts timestamp(3) NULL, y year,
  b blob, tx mediumtext, j json, e enum('x','y z',''), s set('a','b','c'), bt bit(10),
  c char(5), vb varbinary(10), g int AS (ii + 1) VIRTUAL
);
CREATE TABLE k2 (a int NOT NULL, b varchar(10) NOT NULL, v int, PRIMARY KEY (b, a));
";

const ROW_1: &str = "INSERT INTO t (id, ti, tu, si, su, mi, mu, ii, iu, bi, bu, d, f, db, dt, dt0, da, tm, ts, y, b, tx, j, e, s, bt, c, vb) VALUES
  (1, -128, 255, -32768, 65535, -8388608, 16777215, -2147483648, 4294967295,
   -9223372036854775808, 18446744073709551615, -1234567890123456.7891, 0.1, 2.5e300,
   '2024-02-29 23:59:58.123456', '1999-12-31 01:02:03', '2024-02-29', '-838:59:59.500',
   '2038-01-19 03:14:07.999', 2155, X'00FF10', REPEAT('é', 100000), '{\"b\": [1, 2.5, \"x\"], \"a\": null}',
   'y z', 'a,c', b'1000000001', 'ab', X'0001'),
  (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
   NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  (3, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0.5, -1.5, 0, '0000-00-00 00:00:00', '1000-01-01 00:00:00',
   '0000-00-00', '00:00:00', '1970-01-01 00:00:01', 0, X'', '', '[]', '', '', b'0', '', X'');";

#[test]
fn changes_of_every_kind_are_read_as_the_full_load_reads_the_rows() {
    let tables = format!("SET SESSION sql_mode = '';{TABLES}");
    let Some((db, plan)) = source_with("sync_kinds", &tables) else {
        return;
    };
    let (t, k2) = (table_index(&plan, "t"), table_index(&plan, "k2"));
    let from = prepare(&plan).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        matches!(&from, Position::Binlog { gtid: Some(g), .. } if g.contains('-')),
        "{from}"
    );
    let run = |sql: &str| db.run_script(sql).unwrap_or_else(|e| panic!("{e}"));

    // 1. Three rows in one statement: every type, all NULLs, zero dates and empty values.
    run(&format!("SET SESSION sql_mode = ''; {ROW_1}"));
    let first = load_rows(&plan, "t");
    // 2. An update, 3. a primary-key change.
    run("UPDATE t SET tx = 'short', ts = '2001-02-03 04:05:06.7', e = 'x', bu = 7 WHERE id = 1");
    let second = load_rows(&plan, "t");
    run("UPDATE t SET id = 20 WHERE id = 2");
    let third = load_rows(&plan, "t");
    // 4. A table outside the plan, created and written; 5. a transaction of several
    // statements over two planned tables and the outside one; 6. a rolled-back one.
    run("CREATE TABLE outside (id int PRIMARY KEY, v text)");
    run(
        "BEGIN; INSERT INTO k2 VALUES (1, 'q', 10), (2, 'p', 20); INSERT INTO outside VALUES (1, 'o'); \
         UPDATE k2 SET v = 11 WHERE a = 1; DELETE FROM t WHERE id = 20; DELETE FROM k2 WHERE a = 2; COMMIT;",
    );
    run("BEGIN; INSERT INTO t (id) VALUES (99); UPDATE k2 SET v = 0; ROLLBACK;");
    // 7. Only the outside table: its commit still moves the position on.
    run("INSERT INTO outside VALUES (2, 'p')");
    let after_outside = log_end(&plan);
    // 8. TRUNCATE, 9. ALTER TABLE of a planned table.
    run("TRUNCATE TABLE k2");
    run("ALTER TABLE t ADD COLUMN extra int");

    let mut source = open(&plan, &from, None, PgRead::default()).unwrap_or_else(|e| panic!("{e}"));
    assert!(source.describe().starts_with("mysql://ferry@"));
    assert!(!source.describe().contains(":ferry@"));
    let mut seen_schema_change = false;
    let events = read_until(source.as_mut(), |e| {
        // The Commit after the schema change (moving the position past it) is the last one.
        seen_schema_change |= matches!(e, Event::SchemaChange { .. });
        seen_schema_change && matches!(e, Event::Commit { .. })
    });
    let (all, schema) = transactions(&events);

    let insert = |table, row| Change {
        table,
        op: Op::Insert(row),
    };
    let update = |table, key, row: Vec<Value>| Change {
        table,
        op: Op::Update {
            key,
            row: row.into_iter().map(Some).collect(),
        },
    };
    let delete = |table, key| Change {
        table,
        op: Op::Delete(key),
    };
    let k2_row =
        |a: i64, b: &str, v: i64| vec![Value::Int(a), Value::Text(b.into()), Value::Int(v)];
    let k2_key = |a: i64, b: &str| vec![Value::Text(b.into()), Value::Int(a)];
    let expected = vec![
        vec![
            insert(t, row_of(&first, 1)),
            insert(t, row_of(&first, 2)),
            insert(t, row_of(&first, 3)),
        ],
        vec![update(t, vec![Value::Int(1)], row_of(&second, 1))],
        vec![update(t, vec![Value::Int(2)], row_of(&third, 20))],
        vec![
            insert(k2, k2_row(1, "q", 10)),
            insert(k2, k2_row(2, "p", 20)),
            update(k2, k2_key(1, "q"), k2_row(1, "q", 11)),
            delete(t, vec![Value::Int(20)]),
            delete(k2, k2_key(2, "p")),
        ],
        vec![Change {
            table: k2,
            op: Op::Truncate,
        }],
    ];
    let with_changes: Vec<&Vec<Change>> = all
        .iter()
        .map(|tx| &tx.changes)
        .filter(|c| !c.is_empty())
        .collect();
    assert_eq!(with_changes.len(), expected.len(), "{all:#?}");
    for (got, want) in with_changes.iter().zip(&expected) {
        same_changes(&plan, got, want);
    }
    // The values are the load's own, which are what the types say.
    let one = row_of(&first, 1);
    let col = |name: &str| {
        plan.tables[t]
            .columns
            .iter()
            .position(|c| c.source == name)
            .unwrap_or_else(|| panic!("no column {name}"))
    };
    assert_eq!(one[col("bu")], Value::UInt(u64::MAX));
    assert_eq!(one[col("tu")], Value::Int(255));
    assert_eq!(one[col("e")], Value::Text("y z".into()));
    assert_eq!(one[col("s")], Value::Text("a,c".into()));
    assert!(matches!(&one[col("tx")], Value::Text(t) if t.len() == 200_000));
    assert!(row_of(&first, 2)[1..].iter().all(|v| *v == Value::Null));

    // The schema change names the table and the statement, after the TRUNCATE's transaction,
    // and a transaction without changes moves the position past it.
    assert_eq!(schema.len(), 1, "{schema:?}");
    let (at, table, statement) = &schema[0];
    assert_eq!(table, "t");
    assert_eq!(statement, "ALTER TABLE t ADD COLUMN extra int");
    // (Other databases' transactions, of other tests, may come between.)
    let before = all[..*at].iter().rev().find(|tx| !tx.changes.is_empty());
    assert!(
        before.is_some_and(|tx| tx.changes == expected[4]),
        "{all:#?}"
    );
    assert!(all[*at].changes.is_empty());
    // Transactions outside the plan (creating and writing `outside`) still end in a commit:
    // the position after the one that wrote only `outside` is among them.
    assert!(
        all.iter().any(|tx| tx.position == after_outside),
        "no commit at {after_outside}: {:?}",
        all.iter()
            .map(|t| t.position.to_string())
            .collect::<Vec<_>>()
    );
    // Positions only move on.
    for pair in all.windows(2) {
        assert!(
            binlog_place(&pair[0].position) < binlog_place(&pair[1].position),
            "{pair:?}"
        );
    }
    // The end of the log is at least where the last commit read is.
    let end = source.end().unwrap_or_else(|e| panic!("{e}"));
    let last = &all[all.len() - 1].position;
    assert!(binlog_place(&end) >= binlog_place(last), "{end} < {last}");
}

/// A login of a test's own with only the privileges given, dropped at the end.
struct Login<'a> {
    db: &'a ScratchDb,
    user: String,
}

impl<'a> Login<'a> {
    fn new(db: &'a ScratchDb, hint: &str, grants: &[&str]) -> Login<'a> {
        let user = format!("ferry_sb_{hint}_{}", std::process::id());
        let mut sql = String::new();
        for host in ["localhost", "127.0.0.1"] {
            sql.push_str(&format!(
                "DROP USER IF EXISTS '{user}'@'{host}'; CREATE USER '{user}'@'{host}' IDENTIFIED BY 'pw-{hint}';\n"
            ));
            for g in grants {
                sql.push_str(&format!("GRANT {g} TO '{user}'@'{host}';\n"));
            }
        }
        db.run_script(&sql).unwrap_or_else(|e| panic!("{e}"));
        Login { db, user }
    }

    /// The plan with this login as the source's.
    fn plan(&self, plan: &Plan, hint: &str) -> Plan {
        let mut p = plan.clone();
        let url = format!(
            "mysql://{}:pw-{hint}@127.0.0.1:{}/{}",
            self.user,
            server_of(plan).port,
            self.db.name
        );
        p.source = ferry::conn::parse(&url, None).unwrap_or_else(|e| panic!("{e:?}"));
        p
    }
}

impl Drop for Login<'_> {
    fn drop(&mut self) {
        let _ = self.db.run_script(&format!(
            "DROP USER IF EXISTS '{0}'@'localhost'; DROP USER IF EXISTS '{0}'@'127.0.0.1';",
            self.user
        ));
    }
}

#[test]
fn keyless_tables_and_missing_privileges_are_refused_by_name() {
    let tables =
        "CREATE TABLE a (x int); CREATE TABLE b (y int); CREATE TABLE k (id int PRIMARY KEY);";
    let Some((db, plan)) = source_with("sync_refusals", tables) else {
        return;
    };
    let e = prepare(&plan)
        .err()
        .unwrap_or_else(|| panic!("keyless tables accepted"));
    assert!(matches!(e.kind(), ErrorKind::Config), "{e:?}");
    let m = e.to_string();
    assert!(
        m.contains("sync cannot follow this server's changes"),
        "{m}"
    );
    assert!(m.contains("tables a, b have no primary key"), "{m}");
    assert!(!m.contains("lacks"), "{m}");
    assert!(!m.contains(":ferry@"), "{m}");

    // A login that may read the tables but not the binary log: both problems in one message,
    // with the GRANT to run, and no password.
    let reader = Login::new(&db, "norepl", &[&format!("SELECT ON `{}`.*", db.name)]);
    let e = prepare(&reader.plan(&plan, "norepl"))
        .err()
        .unwrap_or_else(|| panic!("a login without REPLICATION SLAVE accepted"));
    let m = e.to_string();
    assert!(
        m.contains(&format!(
            "the user {} lacks REPLICATION SLAVE and BINLOG MONITOR (REPLICATION CLIENT): \
             GRANT REPLICATION SLAVE, BINLOG MONITOR ON *.* TO the user",
            reader.user
        )),
        "{m}"
    );
    assert!(m.contains("tables a, b have no primary key"), "{m}");
    assert!(!m.contains("pw-norepl"), "{m}");
    // With the privileges it passes (the keyless tables left out of the plan).
    let mut keyed = plan.clone();
    keyed.tables.retain(|t| !t.key.is_empty());
    let replica = Login::new(
        &db,
        "repl",
        &[
            &format!("SELECT ON `{}`.*", db.name),
            "REPLICATION SLAVE, BINLOG MONITOR ON *.*",
        ],
    );
    let at = prepare(&replica.plan(&keyed, "repl")).unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(at, Position::Binlog { .. }), "{at}");
}

/// Opens the full load's sources with the change mark, checks every one has the same mark,
/// and that reading from it gives a row written after the sources opened but not one written
/// before, which the snapshot holds instead.
fn mark_divides_before_from_after(plan: &Plan, db: &ScratchDb, n: usize, id: i64) {
    let run = |sql: &str| db.run_script(sql).unwrap_or_else(|e| panic!("{e}"));
    run(&format!("INSERT INTO m VALUES ({id}, 0)"));
    let sources = open_together(
        &server_of(plan),
        n,
        Timeouts::default(),
        &|w| panic!("unexpected warning: {w}"),
        true,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sources.len(), n);
    let marks: Vec<Option<String>> = sources
        .iter()
        .map(|s| s.change_mark().unwrap_or_else(|e| panic!("{e}")))
        .collect();
    let mark = marks[0].clone().unwrap_or_else(|| panic!("no change mark"));
    assert!(marks.iter().all(|m| m.as_ref() == Some(&mark)), "{marks:?}");
    run(&format!("INSERT INTO m VALUES ({}, 1)", id + 1));
    // The snapshot holds the row written before, not the one after.
    let m = &plan.tables[table_index(plan, "m")];
    let mut ids = Vec::new();
    sources[n - 1]
        .for_each_batch(m, None, 100, &mut |rows| {
            ids.extend(rows.into_iter().map(|r| r[0].clone()));
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(ids.contains(&Value::Int(id)), "{ids:?}");
    assert!(!ids.contains(&Value::Int(id + 1)), "{ids:?}");
    drop(sources);
    let from = Position::parse(&mark).unwrap_or_else(|| panic!("{mark} does not read"));
    let mut source = open(plan, &from, None, PgRead::default()).unwrap_or_else(|e| panic!("{e}"));
    let events = read_until(source.as_mut(), |e| matches!(e, Event::Change(_)));
    let Some(Event::Change(Change {
        op: Op::Insert(row),
        ..
    })) = events.last()
    else {
        panic!("{events:?}")
    };
    assert_eq!(row, &vec![Value::Int(id + 1), Value::Int(1)]);
}

#[test]
fn the_change_mark_divides_the_snapshot_from_the_changes_after_it() {
    let Some((db, plan)) = source_with("sync_mark", "CREATE TABLE m (id int PRIMARY KEY, v int)")
    else {
        return;
    };
    // Under FLUSH TABLES WITH READ LOCK: one source, and three reading one moment.
    mark_divides_before_from_after(&plan, &db, 1, 10);
    mark_divides_before_from_after(&plan, &db, 3, 20);
    // Without RELOAD, on MariaDB: one source reads its snapshot's own position; several are
    // refused with what to do.
    let login = Login::new(
        &db,
        "noreload",
        &[
            &format!("SELECT, INSERT ON `{}`.*", db.name),
            "REPLICATION SLAVE, BINLOG MONITOR ON *.*",
        ],
    );
    let limited = login.plan(&plan, "noreload");
    mark_divides_before_from_after(&limited, &db, 1, 30);
    let e = open_together(&server_of(&limited), 2, Timeouts::default(), &|_| {}, true)
        .err()
        .unwrap_or_else(|| panic!("two sources without RELOAD gave a change mark"));
    assert!(matches!(e.kind(), ErrorKind::Config), "{e:?}");
    assert!(
        e.to_string()
            .contains("sync needs it to know where the full load's snapshot stands in the binary log; grant RELOAD, or use --jobs 1"),
        "{e}"
    );
}

#[test]
fn a_lost_connection_is_an_error_not_a_hang() {
    let Some((db, plan)) = source_with("sync_lost", "CREATE TABLE m (id int PRIMARY KEY)") else {
        return;
    };
    let dumps = || -> Vec<String> {
        db.query_scalar(
            "SELECT id FROM information_schema.processlist WHERE command LIKE 'Binlog Dump%'",
        )
        .unwrap_or_else(|e| panic!("{e}"))
        .lines()
        .map(|l| l.trim().to_string())
        .filter(|l| l.chars().all(|c| c.is_ascii_digit()) && !l.is_empty())
        .collect()
    };
    let before = dumps();
    let from = prepare(&plan).unwrap_or_else(|e| panic!("{e}"));
    let mut source = open(&plan, &from, None, PgRead::default()).unwrap_or_else(|e| panic!("{e}"));
    // A wait is kept (other writers may give events meanwhile, or none).
    let asked = Instant::now();
    let first = source.next(Duration::from_millis(200));
    assert!(
        first.is_ok() && asked.elapsed() < Duration::from_secs(2),
        "{first:?}"
    );
    let ours: Vec<String> = dumps()
        .into_iter()
        .filter(|d| !before.contains(d))
        .collect();
    assert!(!ours.is_empty(), "no binary log reader in the process list");
    for id in &ours {
        let _ = db.run_script(&format!("KILL {id}"));
    }
    let started = Instant::now();
    let error = loop {
        match source.next(Duration::from_millis(500)) {
            Err(e) => break e,
            Ok(_) if started.elapsed() < Duration::from_secs(20) => {}
            Ok(e) => panic!("the killed stream still reads: {e:?}"),
        }
    };
    assert!(error.is_connection_lost(), "{error:?}");
    assert!(error.to_string().starts_with("mysql://ferry@"), "{error}");
}

#[test]
fn a_purged_file_is_read_past_by_gtid_an_idle_server_keeps_the_stream_and_a_frozen_one_ends_it() {
    let Some((server, plan)) = private_source("frozen") else {
        return;
    };
    let sql = |q: &str| private_sql(&server, q);
    // A position whose file is purged since: read from its GTID state on.
    let from = prepare(&plan).unwrap_or_else(|e| panic!("{e}"));
    sql("FLUSH BINARY LOGS");
    sql("INSERT INTO d.m VALUES (7)");
    let (file, _) = binlog_place(&from);
    let next_file = binlog_place(&log_end(&plan)).0;
    assert_ne!(file, next_file);
    sql(&format!("PURGE BINARY LOGS TO '{next_file}'"));
    let mut source = open(&plan, &from, None, PgRead::default()).unwrap_or_else(|e| panic!("{e}"));
    let events = read_until(source.as_mut(), |e| matches!(e, Event::Commit { .. }));
    let (read, _) = transactions(&events);
    assert_eq!(read.len(), 1, "{events:?}");
    let insert = Change {
        table: 0,
        op: Op::Insert(vec![Value::Int(7)]),
    };
    assert_eq!(read[0].changes, vec![insert]);
    // The commit's position is in the new file, at most the end of the log: MariaDB may add a
    // binlog checkpoint event after a FLUSH BINARY LOGS, in its own time.
    let end = log_end(&plan);
    assert_eq!(binlog_place(&read[0].position).0, binlog_place(&end).0);
    assert!(
        ferry::sync::state::reached(&end, &read[0].position),
        "{:?} after {end:?}",
        read[0].position
    );
    // Idle for longer than the I/O timeout: the server's heartbeats keep the stream alive.
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(5) {
        let got = source.next(Duration::from_millis(500));
        assert!(matches!(got, Ok(None)), "{got:?}");
    }
    // Frozen: an error within the timeout and a heartbeat or two, not a hang.
    let pids = server.pids();
    let signal = |sig: &str| {
        let ok = std::process::Command::new("kill")
            .arg(sig)
            .args(&pids)
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "kill {sig} {pids:?}");
    };
    signal("-STOP");
    let frozen = Instant::now();
    let mut result = Ok(None);
    while frozen.elapsed() < Duration::from_secs(20) {
        result = source.next(Duration::from_millis(500));
        if result.is_err() {
            break;
        }
    }
    let took = frozen.elapsed();
    signal("-CONT");
    let error = result
        .err()
        .unwrap_or_else(|| panic!("no error 20 s after the freeze"));
    assert!(error.is_connection_lost(), "{error:?}");
    assert!(took < Duration::from_secs(8), "{took:?}: {error}");
    assert!(error.to_string().contains("io_timeout = 2 s"), "{error}");
}

/// Runs `sql` on a private MariaDB as its TLS login.
fn private_sql(server: &PrivateMariadb, sql: &str) {
    let url = server.url();
    let port = url
        .rsplit(':')
        .next()
        .and_then(|p| p.split('/').next())
        .unwrap_or("");
    let o = std::process::Command::new("mariadb")
        .args([
            "--no-defaults",
            "--ssl",
            "-h",
            "127.0.0.1",
            "-P",
            port,
            "-u",
            "tls",
        ])
        .args(["-e", sql])
        .env("MYSQL_PWD", "pw")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(o.status.success(), "{sql}: {}", text(&o.stderr));
}

/// A private MariaDB whose database `d` holds table `m (id int PRIMARY KEY)`, and its plan
/// into a SQLite file, with the password in the source and an I/O timeout of 2 s; None (the
/// test is skipped) without `FERRY_TEST_MYSQL`, root or MariaDB's binaries.
fn private_source(name: &str) -> Option<(PrivateMariadb, Plan)> {
    if mysql_url().is_none() {
        eprintln!("skipped: FERRY_TEST_MYSQL not set");
        return None;
    }
    let Some(server) = PrivateMariadb::start(common::free_port()) else {
        eprintln!("skipped: a private MariaDB needs root and MariaDB's binaries");
        return None;
    };
    private_sql(&server, "CREATE TABLE d.m (id int PRIMARY KEY)");
    let url = server.url().replacen("tls@", "tls:pw@", 1);
    let mut plan = plan_from(&server.url(), &url, name, &[("MYSQL_PWD", "pw")]);
    plan.settings.io_timeout = 2;
    Some((server, plan))
}

/// A server whose binary log is not what sync reads (statement-based, or rows without their
/// every column) is refused before anything is made, each setting named with what to set.
#[test]
fn binlog_settings_are_refused_by_name_on_a_server_that_has_them() {
    let Some((server, plan)) = private_source("settings") else {
        return;
    };
    assert!(prepare(&plan).is_ok(), "the server as started is followed");
    // The refusal of `prepare` after `sql` ran on the server.
    let refusal_after = |sql: &str| {
        private_sql(&server, sql);
        prepare(&plan)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    };
    let err = refusal_after(
        "SET GLOBAL binlog_format = 'STATEMENT'; SET GLOBAL binlog_row_image = 'MINIMAL'",
    );
    assert!(
        err.contains("binlog_format is STATEMENT") && err.contains("binlog_row_image is MINIMAL"),
        "{err}"
    );
    let err =
        refusal_after("SET GLOBAL binlog_format = 'ROW'; SET GLOBAL binlog_row_image = 'NOBLOB'");
    assert!(
        err.contains("binlog_row_image is NOBLOB") && !err.contains("binlog_format"),
        "{err}"
    );
}
