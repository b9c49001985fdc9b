//! `ferry migrate` through the binary, against real parts: the Chinook dumps written by the real
//! `mariadb-dump` and `pg_dump` from real servers, the corpus dump itself, and real SQLite files.
//! Each migration is checked row by row against the source server or file (every value of every
//! table, normalised only where engines print one number differently), plus bad input: a
//! truncated dump, a table that exists already, rows the target refuses.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::db::{ScratchDb, mysql_url, pg_url};
use common::{ferry, ferry_env, text};

fn scratch_dir(name: &str) -> PathBuf {
    common::scratch_dir("migrate", name)
}

fn corpus(rel: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus")
        .join(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The script without its own database switching (it runs in a scratch database).
fn without_database_statements(sql: &str) -> String {
    sql.lines()
        .filter(|l| {
            let u = l.trim_start().to_ascii_uppercase();
            !(u.starts_with("DROP DATABASE")
                || u.starts_with("CREATE DATABASE")
                || u.starts_with("USE ")
                || u.starts_with("\\C"))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// One value as a comparable string: NULL as `\N`, numbers in one form (a DECIMAL 1.00 and a
/// SQLite REAL 1.0 are the same number), text as is.
fn norm(v: &str) -> String {
    // A DATETIME(6) prints `.000000` where a timestamp prints nothing: the same instant.
    let b = v.as_bytes();
    if b.len() > 20 && b[10] == b' ' && b[19] == b'.' && b[20..].iter().all(u8::is_ascii_digit) {
        let t = v.trim_end_matches('0').trim_end_matches('.');
        return t.to_string();
    }
    if let Ok(f) = v.parse::<f64>()
        && v.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | 'e' | 'E' | '+'))
    {
        return format!("{}", (f * 1e9).round() / 1e9);
    }
    v.to_string()
}

/// Rows of a table in a SQLite file, ordered by the first column, normalised.
fn sqlite_rows(path: &Path, table: &str) -> Vec<Vec<String>> {
    let conn = rusqlite::Connection::open(path).unwrap_or_else(|e| panic!("{e}"));
    let sql = format!("SELECT * FROM \"{table}\" ORDER BY 1, 2");
    let mut stmt = conn.prepare(&sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    let n = stmt.column_count();
    let rows = stmt
        .query_map([], |r| {
            (0..n)
                .map(|i| {
                    Ok(match r.get_ref(i)? {
                        rusqlite::types::ValueRef::Null => "\\N".to_string(),
                        rusqlite::types::ValueRef::Integer(i) => norm(&i.to_string()),
                        rusqlite::types::ValueRef::Real(f) => norm(&f.to_string()),
                        rusqlite::types::ValueRef::Text(t) => norm(&String::from_utf8_lossy(t)),
                        rusqlite::types::ValueRef::Blob(b) => format!("{b:?}"),
                    })
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .unwrap_or_else(|e| panic!("{e}"));
    rows.map(|r| r.unwrap_or_else(|e| panic!("{e}"))).collect()
}

/// Client output (one row per line, tab-separated, `\`-escapes) as normalised rows; `null` is
/// how the client prints NULL.
fn client_rows(out: &str, null: &str) -> Vec<Vec<String>> {
    out.lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            l.split('\t')
                .map(|f| {
                    if f == null {
                        "\\N".to_string()
                    } else {
                        norm(
                            &f.replace("\\n", "\n")
                                .replace("\\t", "\t")
                                .replace("\\\\", "\\"),
                        )
                    }
                })
                .collect()
        })
        .collect()
}

/// Rows of a MariaDB table (`--batch` output), ordered by the first columns.
fn mariadb_rows(db: &ScratchDb, table: &str) -> Vec<Vec<String>> {
    let sql = format!("SELECT * FROM `{table}` ORDER BY 1, 2");
    client_rows(
        &db.query_scalar(&sql).unwrap_or_else(|e| panic!("{e}")),
        "NULL",
    )
}

/// Rows of a PostgreSQL table through COPY's text format, ordered likewise.
fn postgres_rows(db: &ScratchDb, table: &str) -> Vec<Vec<String>> {
    let sql = format!("COPY (SELECT * FROM \"{table}\" ORDER BY 1, 2) TO STDOUT");
    client_rows(
        &db.query_scalar(&sql).unwrap_or_else(|e| panic!("{e}")),
        "\\N",
    )
}

/// Chinook's tables as the PostgreSQL scripts name them.
const CHINOOK_PG_TABLES: [&str; 11] = [
    "album",
    "artist",
    "customer",
    "employee",
    "genre",
    "invoice",
    "invoice_line",
    "media_type",
    "playlist",
    "playlist_track",
    "track",
];

/// The corpus's Chinook SQLite script run into `dir/src.db`.
fn chinook_sqlite_file(dir: &Path) -> PathBuf {
    let src = dir.join("src.db");
    let conn = rusqlite::Connection::open(&src).unwrap_or_else(|e| panic!("{e}"));
    conn.execute_batch(&corpus("sqlite/chinook/Chinook_Sqlite.sql"))
        .unwrap_or_else(|e| panic!("{e}"));
    src
}

const CHINOOK_TABLES: [&str; 11] = [
    "Album",
    "Artist",
    "Customer",
    "Employee",
    "Genre",
    "Invoice",
    "InvoiceLine",
    "MediaType",
    "Playlist",
    "PlaylistTrack",
    "Track",
];

fn migrate_ok(args: &[&str]) -> Output {
    let o = ferry(args);
    assert!(
        o.status.code() == Some(0),
        "ferry {args:?} exited {:?}\n{}",
        o.status.code(),
        text(&o.stderr)
    );
    o
}

#[test]
fn chinook_corpus_dump_to_sqlite_equals_mariadb_running_it() {
    let dir = scratch_dir("chinook-corpus");
    let out = dir.join("chinook.db");
    let target = format!("sqlite:{}", out.display());
    let o = migrate_ok(&[
        "migrate",
        "tests/corpus/mysql/chinook/Chinook_MySql.sql",
        &target,
        "--from",
        "mysql",
    ]);
    let err = text(&o.stderr);
    assert!(
        err.contains("PlaylistTrack") && err.contains("total"),
        "{err}"
    );
    let Some(_) = mysql_url() else {
        eprintln!("skipped: FERRY_TEST_MYSQL not set (chinook dump vs MariaDB)");
        return;
    };
    let db = ScratchDb::mariadb("chinook_corpus");
    db.run_script(&without_database_statements(&corpus(
        "mysql/chinook/Chinook_MySql.sql",
    )))
    .unwrap_or_else(|e| panic!("{e}"));
    for t in CHINOOK_TABLES {
        let want = mariadb_rows(&db, t);
        assert!(!want.is_empty(), "{t} has rows in MariaDB");
        assert_eq!(sqlite_rows(&out, t), want, "table {t}");
    }
}

/// Loads a corpus script into the scratch database, dumps it with the engine's own tool, and
/// migrates that dump (no --from: the dump's header names it) into a SQLite file.
fn dump_and_migrate(db: &ScratchDb, script: &str, name: &str) -> (String, PathBuf) {
    db.run_script(&without_database_statements(&corpus(script)))
        .unwrap_or_else(|e| panic!("{e}"));
    let dir = scratch_dir(name);
    let dump = dir.join("dump.sql");
    let dumped = db.dump().unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(&dump, &dumped).unwrap_or_else(|e| panic!("{e}"));
    let out = dir.join("out.db");
    migrate_ok(&[
        "migrate",
        &dump.display().to_string(),
        &format!("sqlite:{}", out.display()),
    ]);
    (dumped, out)
}

#[test]
fn mariadb_dump_to_sqlite_keeps_every_value() {
    let Some(_) = mysql_url() else {
        eprintln!("skipped: FERRY_TEST_MYSQL not set (mariadb-dump -> SQLite)");
        return;
    };
    let db = ScratchDb::mariadb("chinook_dump");
    let (_, out) = dump_and_migrate(&db, "mysql/chinook/Chinook_MySql.sql", "mariadb-dump");
    for t in CHINOOK_TABLES {
        assert_eq!(sqlite_rows(&out, t), mariadb_rows(&db, t), "table {t}");
    }
}

#[test]
fn pg_dump_copy_blocks_to_sqlite_keep_every_value() {
    let Some(_) = pg_url() else {
        eprintln!("skipped: FERRY_TEST_PG not set (pg_dump -> SQLite)");
        return;
    };
    let db = ScratchDb::postgres("chinook_pgdump");
    let (dumped, out) =
        dump_and_migrate(&db, "postgresql/chinook/Chinook_PostgreSql.sql", "pg-dump");
    assert!(
        dumped.contains("COPY public."),
        "pg_dump writes COPY blocks"
    );
    for t in CHINOOK_PG_TABLES {
        let want = postgres_rows(&db, t);
        assert!(!want.is_empty(), "{t} has rows in PostgreSQL");
        assert_eq!(sqlite_rows(&out, t), want, "table {t}");
    }
}

#[test]
fn sqlite_file_to_sqlite_file_is_identical() {
    let dir = scratch_dir("sqlite-sqlite");
    let src = chinook_sqlite_file(&dir);
    let dst = dir.join("dst.db");
    migrate_ok(&[
        "migrate",
        &format!("sqlite:{}", src.display()),
        &format!("sqlite:{}", dst.display()),
    ]);
    for t in CHINOOK_TABLES {
        let want = sqlite_rows(&src, t);
        assert!(!want.is_empty());
        assert_eq!(sqlite_rows(&dst, t), want, "table {t}");
    }
}

#[test]
fn bad_input_gives_a_located_error_and_no_silent_partial_load() {
    let dir = scratch_dir("bad");
    // A truncated dump: the error names the line where the cut statement starts.
    let dump = dir.join("cut.sql");
    std::fs::write(
        &dump,
        "CREATE TABLE t (id int PRIMARY KEY, name varchar(10));\nINSERT INTO t VALUES (1,'a'),\n(2,'b",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let target = format!("sqlite:{}", dir.join("cut.db").display());
    let o = ferry(&[
        "migrate",
        &dump.display().to_string(),
        &target,
        "--from",
        "mysql",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("cut.sql:line 3"),
        "{}",
        text(&o.stderr)
    );

    // The table exists already: refused, naming it, unless asked to replace it.
    let good = dir.join("good.sql");
    std::fs::write(
        &good,
        "CREATE TABLE t (id int PRIMARY KEY, name varchar(10) NOT NULL);\nINSERT INTO t VALUES (1,'a'),(2,NULL),(3,'c');\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let target = format!("sqlite:{}", dir.join("good.db").display());
    let good = good.display().to_string();
    let o = ferry(&["migrate", &good, &target, "--from", "mysql"]);
    // Row 2 breaks NOT NULL: abort names the table and key.
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("id=2"), "{}", text(&o.stderr));
    // The aborted load left its state: a plain rerun is refused and pointed at --resume.
    let o = ferry(&["migrate", &good, &target, "--from", "mysql"]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(
        err.contains("an interrupted load left its state") && err.contains("--resume"),
        "{err}"
    );
    // A table someone else made (no load state): refused, naming it.
    let other = dir.join("other.db");
    rusqlite::Connection::open(&other)
        .and_then(|c| c.execute_batch("CREATE TABLE t (id int)"))
        .unwrap_or_else(|e| panic!("{e}"));
    let other = format!("sqlite:{}", other.display());
    let o = ferry(&["migrate", &good, &other, "--from", "mysql"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("table t already exists"),
        "{}",
        text(&o.stderr)
    );
    // With reject-rows the other rows arrive and the bad one is in the reject file.
    let rejects = dir.join("rejects.jsonl");
    let o = ferry(&[
        "migrate",
        &good,
        &target,
        "--from",
        "mysql",
        "--prepare",
        "drop-and-create",
        "--on-error",
        "reject-rows",
        "--reject-file",
        &rejects.display().to_string(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let lines = std::fs::read_to_string(&rejects).unwrap_or_default();
    assert_eq!(lines.lines().count(), 1, "{lines}");
    assert!(
        lines.contains("\"key\":\"id=2\"") && lines.contains("NOT NULL"),
        "{lines}"
    );
    assert_eq!(sqlite_rows(&dir.join("good.db"), "t").len(), 2);
}

/// MySQL before 8.0.16 ignored CHECK constraints, so its dumps can hold rows that break them.
/// The checks are on the target's tables before the data: such a row is refused with its key
/// and the reason, like any bad row, and the rest arrive (on PostgreSQL and on MariaDB). A value
/// that a transform refuses (not a number for a TINYINT(1) boolean) is named by its key too.
#[test]
fn a_row_that_breaks_a_check_constraint_or_a_transform_is_refused_with_its_key() {
    let (Some(_), Some(_)) = (pg_url(), mysql_url()) else {
        eprintln!("skipped: FERRY_TEST_PG or FERRY_TEST_MYSQL not set (check constraints)");
        return;
    };
    let dir = scratch_dir("checks");
    let dump = dir.join("dump.sql");
    std::fs::write(
        &dump,
        "CREATE TABLE stock (id int PRIMARY KEY, qty int, CONSTRAINT qty_positive CHECK (qty >= 0));\n\
         INSERT INTO stock VALUES (1,5),(2,-3),(3,7);\n\
         CREATE TABLE flags (id int PRIMARY KEY, on_sale tinyint(1));\n\
         INSERT INTO flags VALUES (1,1),(2,'maybe'),(3,0);\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let dump = dump.display().to_string();
    for target in [
        ScratchDb::postgres("checks_pg"),
        ScratchDb::mariadb("checks_my"),
    ] {
        let rejects = dir.join("rejects.jsonl");
        let o = ferry(&[
            "migrate",
            &dump,
            &target.url(),
            "--from",
            "mysql",
            "--on-error",
            "reject-rows",
            "--reject-file",
            &rejects.display().to_string(),
            "--no-validate",
        ]);
        assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
        let lines = std::fs::read_to_string(&rejects).unwrap_or_default();
        assert_eq!(lines.lines().count(), 2, "{lines}");
        let stock = lines.lines().find(|l| l.contains("\"table\":\"stock\""));
        assert!(
            stock.is_some_and(|l| l.contains("\"key\":\"id=2\"") && l.contains("qty_positive")),
            "{lines}"
        );
        let flags = lines.lines().find(|l| l.contains("\"table\":\"flags\""));
        assert!(
            flags.is_some_and(|l| l.contains("\"key\":\"id=2\"") && l.contains("maybe")),
            "{lines}"
        );
        for table in ["stock", "flags"] {
            let n = target
                .query_scalar(&format!("SELECT count(*) FROM {table}"))
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(n.trim(), "2", "{table}");
        }
    }
}

#[test]
fn plan_is_versioned_and_holds_no_password() {
    let dir = scratch_dir("plan");
    let plan = dir.join("plan.json");
    let o = ferry(&[
        "plan",
        "tests/corpus/mysql/chinook/Chinook_MySql.sql",
        "postgres://ferry:hunter2secret@127.0.0.1:1/x",
        "--from",
        "mysql",
        "-o",
        &plan.display().to_string(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let p = std::fs::read_to_string(&plan).unwrap_or_default();
    assert!(!p.contains("hunter2secret") && !text(&o.stderr).contains("hunter2secret"));
    let v: serde_json::Value = serde_json::from_str(&p).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(v["plan_version"], 2);
    assert_eq!(v["tables"].as_array().map(Vec::len), Some(11));
    // A plan of another version is refused with a clear message.
    let old = dir.join("old.json");
    std::fs::write(
        &old,
        p.replacen("\"plan_version\": 2", "\"plan_version\": 99", 1),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let o = ferry(&["load", &old.display().to_string()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("plan_version 99"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn chinook_dump_and_sqlite_file_into_postgres() {
    let Some(_) = pg_url() else {
        eprintln!("skipped: FERRY_TEST_PG not set (-> PostgreSQL)");
        return;
    };
    // The corpus MySQL script into PostgreSQL, every value compared with MariaDB running it.
    let pg = ScratchDb::postgres("chinook_into_pg");
    let o = migrate_ok(&[
        "migrate",
        "tests/corpus/mysql/chinook/Chinook_MySql.sql",
        &pg.url(),
        "--from",
        "mysql",
    ]);
    // The URL carried the password: no output shows it in URL form (the wrong-password test
    // below checks a password that cannot appear by chance).
    assert!(!text(&o.stderr).contains(":ferry@"), "{}", text(&o.stderr));
    if mysql_url().is_some() {
        let my = ScratchDb::mariadb("chinook_for_pg");
        my.run_script(&without_database_statements(&corpus(
            "mysql/chinook/Chinook_MySql.sql",
        )))
        .unwrap_or_else(|e| panic!("{e}"));
        for t in CHINOOK_TABLES {
            assert_eq!(postgres_rows(&pg, t), mariadb_rows(&my, t), "table {t}");
        }
    }

    // A SQLite file into PostgreSQL, compared with the file.
    let dir = scratch_dir("sqlite-pg");
    let src = chinook_sqlite_file(&dir);
    let pg2 = ScratchDb::postgres("sqlite_into_pg");
    migrate_ok(&["migrate", &format!("sqlite:{}", src.display()), &pg2.url()]);
    for t in CHINOOK_TABLES {
        assert_eq!(postgres_rows(&pg2, t), sqlite_rows(&src, t), "table {t}");
    }
}

#[test]
fn identity_continues_after_the_loaded_rows_in_postgres() {
    let Some(_) = pg_url() else {
        eprintln!("skipped: FERRY_TEST_PG not set (identity reset)");
        return;
    };
    let pg = ScratchDb::postgres("identity");
    // Its INSERTs leave the AUTO_INCREMENT keys out: the target generates them.
    migrate_ok(&[
        "migrate",
        "tests/corpus/mysql/chinook/Chinook_MySql_AutoIncrementPKs.sql",
        &pg.url(),
        "--from",
        "mysql",
    ]);
    let next = pg
        .query_scalar("INSERT INTO \"Artist\" (\"Name\") VALUES ('new') RETURNING \"ArtistId\"")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(next.lines().next(), Some("276"), "275 artists were loaded");
}

#[test]
fn sequences_behind_column_defaults_continue_after_the_loaded_rows() {
    let Some(_) = pg_url() else {
        eprintln!("skipped: FERRY_TEST_PG not set (sequence reset)");
        return;
    };
    // One sequence serves two tables; the rows carry explicit keys, so the source's sequence
    // never moved: the target's must still go past every loaded key.
    let src = ScratchDb::postgres("seq_src");
    src.run_script(
        "CREATE SEQUENCE shared_id;
         CREATE TABLE invoice (id bigint PRIMARY KEY DEFAULT nextval('shared_id'), note text);
         CREATE TABLE credit (id bigint PRIMARY KEY DEFAULT nextval('shared_id'), note text);
         INSERT INTO invoice SELECT g, 'i' FROM generate_series(1, 50) g;
         INSERT INTO credit SELECT g, 'c' FROM generate_series(51, 80) g;",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let dst = ScratchDb::postgres("seq_dst");
    migrate_ok(&["migrate", &src.url(), &dst.url()]);
    let next = dst
        .query_scalar("INSERT INTO invoice (note) VALUES ('new') RETURNING id")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(next.lines().next(), Some("81"), "keys up to 80 were loaded");
}

#[test]
fn a_wrong_password_or_host_is_a_clear_error() {
    let Some(url) = pg_url() else {
        eprintln!("skipped: FERRY_TEST_PG not set (bad credentials)");
        return;
    };
    let host = url.rsplit('@').next().unwrap_or("127.0.0.1:5432/postgres");
    let wrong = format!("postgres://ferry:not-the-password-42@{host}");
    let o = ferry(&[
        "migrate",
        "tests/corpus/mysql/chinook/Chinook_MySql.sql",
        &wrong,
        "--from",
        "mysql",
        "-q",
    ]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("password authentication failed"), "{err}");
    assert!(!err.contains("not-the-password-42"), "{err}");
    let o = ferry(&[
        "migrate",
        "tests/corpus/mysql/chinook/Chinook_MySql.sql",
        "postgres://ferry@127.0.0.1:1/x",
        "--from",
        "mysql",
        "-q",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("postgres://ferry@127.0.0.1:1/x: cannot connect"),
        "{}",
        text(&o.stderr)
    );
}

/// PostgreSQL live: Chinook (serial keys) read from the catalog and COPY, into SQLite, into
/// another PostgreSQL database and into MariaDB; every value compared with the source; serials
/// continue.
#[test]
fn live_postgres_into_sqlite_and_postgres() {
    let Some(_) = pg_url() else {
        eprintln!("skipped: FERRY_TEST_PG not set (live PostgreSQL source)");
        return;
    };
    let src = ScratchDb::postgres("live_src");
    src.run_script(&without_database_statements(&corpus(
        "postgresql/chinook/Chinook_PostgreSql_SerialPKs.sql",
    )))
    .unwrap_or_else(|e| panic!("{e}"));
    let dir = scratch_dir("live-pg");
    let out = dir.join("out.db");
    migrate_ok(&["migrate", &src.url(), &format!("sqlite:{}", out.display())]);
    // Three workers, tables over 1,000 rows read in key-range chunks.
    let dst = ScratchDb::postgres("live_dst");
    migrate_ok(&[
        "migrate",
        &src.url(),
        &dst.url(),
        "--jobs",
        "3",
        "--chunk-rows",
        "1000",
    ]);
    for t in CHINOOK_PG_TABLES {
        let want = postgres_rows(&src, t);
        assert!(!want.is_empty(), "{t}");
        assert_eq!(sqlite_rows(&out, t), want, "SQLite table {t}");
        assert_eq!(postgres_rows(&dst, t), want, "PostgreSQL table {t}");
    }
    // And into MariaDB, compared value by value too.
    if mysql_url().is_some() {
        let my = ScratchDb::mariadb("from_pg");
        migrate_ok(&["migrate", &src.url(), &my.url(), "-q"]);
        for t in CHINOOK_PG_TABLES {
            assert_eq!(
                mariadb_rows(&my, t),
                postgres_rows(&src, t),
                "MariaDB table {t}"
            );
        }
    }
    let next = dst
        .query_scalar("INSERT INTO artist (name) VALUES ('new') RETURNING artist_id")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(next.lines().next(), Some("276"));
}

/// Values that are easy to lose: each one checked as it arrives in SQLite and in PostgreSQL.
/// Values of every type the loader writes in PostgreSQL's binary COPY format (numbers, decimals
/// of every shape, dates and times far from 1970 and 2000, zones, uuid, json, enum labels), and a
/// table whose odd values (infinity, NaN decimals, 24:00) send their batch in text format: both
/// arrive as the source holds them.
#[test]
fn binary_copy_values_arrive_intact() {
    let Some(_) = pg_url() else {
        eprintln!("skipped: FERRY_TEST_PG not set (binary COPY values)");
        return;
    };
    let src = ScratchDb::postgres("bin_src");
    src.run_script(
        "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');\n\
         CREATE TABLE plain (id int PRIMARY KEY, b boolean, s smallint, i int, g bigint, r real, \
           f float8, n numeric, n2 numeric(12,2), t text, v varchar(10), c char(3), j json, jb jsonb, \
           by bytea, d date, ts timestamp(3), tz timestamptz, tm time, u uuid, m mood);\n\
         INSERT INTO plain VALUES \
           (1, true, -32768, -2147483648, -9223372036854775808, 1.5, -1e300, 12345678901234567890.0123456789, \
            -0.05, E'tab\\there \\\\ back', 'ten chars!', 'ab', '{\"k\": 1}', '{\"k\": [1, \"two\"]}', \
            '\\x00ff5c', '0001-01-01', '1999-12-31 23:59:59.999', '2020-02-29 23:59:59.123456+02', \
            '00:00:00', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'happy'), \
           (2, false, 32767, 2147483647, 9223372036854775807, -0.25, 5e-324, 0.000000000000000000001, \
            1000000000.00, '', '', 'x', 'null', '[]', '', '9999-12-31', '1969-07-20 20:17:40', \
            '1901-12-13 20:45:52-05:30', '23:59:59.999999', '00000000-0000-0000-0000-000000000000', 'sad'), \
           (3, NULL, 0, 0, 0, 0, 0, 0, 0.00, '😀 ünï', 'ü', 'üüü', NULL, NULL, NULL, '2000-01-01', \
            '2000-01-01 00:00:00', '2000-01-01 00:00:00+00', '12:34:56.5', NULL, NULL), \
           (4, NULL, NULL, NULL, NULL, NULL, NULL, -10000, -99.99, NULL, NULL, NULL, NULL, NULL, NULL, \
            '1600-02-29', '2400-02-29 12:00:00', '1970-01-01 00:00:00.000001+00', NULL, NULL, NULL);\n\
         CREATE TABLE odd (id int PRIMARY KEY, n numeric, d date, ts timestamp, tm time, f float8);\n\
         INSERT INTO odd VALUES (1, 'NaN', 'infinity', '-infinity', '24:00:00', 'NaN'), \
           (2, 1.5, '2001-02-03', '2001-02-03 04:05:06', '04:05:06', 'Infinity');",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let dst = ScratchDb::postgres("bin_dst");
    migrate_ok(&["migrate", &src.url(), &dst.url(), "-q"]);
    for table in ["plain", "odd"] {
        assert_eq!(
            postgres_rows(&dst, table),
            postgres_rows(&src, table),
            "table {table}"
        );
    }
}

#[test]
fn edge_values_from_postgres_arrive_intact() {
    let Some(_) = pg_url() else {
        eprintln!("skipped: FERRY_TEST_PG not set (edge values)");
        return;
    };
    let src = ScratchDb::postgres("edge_src");
    src.run_script(
        "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');\n\
         CREATE TABLE edge (id int PRIMARY KEY, b boolean, n numeric(30,10), f float8, \
           by bytea, t text, ts timestamptz, j jsonb, u uuid, a int[], m mood);\n\
         INSERT INTO edge VALUES \
           (1, true, 12345678901234567890.0123456789, 1.5, '\\x00ff5c', E'tab\\there\\nline \\\\ back', \
            '2020-02-29 23:59:59.123456+02', '{\"k\": [1, \"two\"]}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', \
            '{1,2,3}', 'happy'), \
           (2, false, -0.0000000001, 'Infinity', '', '😀 ünï', '1970-01-01 00:00:00+00', 'null', NULL, '{}', 'sad'), \
           (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL), \
           (4, NULL, NULL, 'NaN', NULL, NULL, NULL, NULL, NULL, NULL, NULL);",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let dst = ScratchDb::postgres("edge_dst");
    migrate_ok(&["migrate", &src.url(), &dst.url()]);
    assert_eq!(postgres_rows(&dst, "edge"), postgres_rows(&src, "edge"));

    // SQLite would store NaN as NULL: that row is refused, with the reason, not silently changed.
    let dir = scratch_dir("edge");
    let out = dir.join("edge.db");
    let rejects = dir.join("rejects.jsonl");
    let o = ferry(&[
        "migrate",
        &src.url(),
        &format!("sqlite:{}", out.display()),
        "--on-error",
        "reject-rows",
        "--reject-file",
        &rejects.display().to_string(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let rejected = std::fs::read_to_string(&rejects).unwrap_or_default();
    assert!(
        rejected.contains("\"key\":\"id=4\"") && rejected.contains("NaN"),
        "{rejected}"
    );
    assert_eq!(rejected.lines().count(), 1, "{rejected}");
    let conn = rusqlite::Connection::open(&out).unwrap_or_else(|e| panic!("{e}"));
    let row = |id: i64, col: &str| -> rusqlite::types::Value {
        conn.query_row(
            &format!("SELECT {col} FROM edge WHERE id = ?1"),
            [id],
            |r| r.get(0),
        )
        .unwrap_or_else(|e| panic!("{col}: {e}"))
    };
    use rusqlite::types::Value as V;
    assert_eq!(row(1, "b"), V::Integer(1));
    assert_eq!(row(2, "b"), V::Integer(0));
    assert_eq!(row(1, "by"), V::Blob(vec![0, 255, 92]));
    assert_eq!(row(1, "t"), V::Text("tab\there\nline \\ back".into()));
    assert_eq!(row(2, "t"), V::Text("😀 ünï".into()));
    assert_eq!(
        row(1, "u"),
        V::Text("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11".into())
    );
    assert_eq!(
        row(1, "a"),
        V::Text("[\"1\",\"2\",\"3\"]".into()),
        "arrays become JSON arrays"
    );
    assert_eq!(row(1, "m"), V::Text("happy".into()));
    assert_eq!(row(3, "n"), V::Null);
    let f = row(2, "f");
    assert!(matches!(f, V::Real(x) if x.is_infinite()), "{f:?}");
}

#[test]
fn migration_toml_selects_renames_drops_and_filters() {
    let dir = scratch_dir("config");
    let src = chinook_sqlite_file(&dir);
    let cfg = dir.join("migration.toml");
    std::fs::write(
        &cfg,
        "[settings]\nbatch_size = 100\norphans = \"delete\"\n\n\
         [tables]\ninclude = [\"Album\", \"Artist\", \"Track\"]\n\n\
         [rename]\ntables = { Artist = \"Singer\" }\ncolumns = { \"Artist.Name\" = \"FullName\" }\n\n\
         [drop_columns]\nTrack = [\"Composer\"]\n\n\
         [filter]\nAlbum = \"AlbumId <= 10\"\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let dst = dir.join("dst.db");
    let target = format!("sqlite:{}", dst.display());
    let source = format!("sqlite:{}", src.display());
    let cfg = cfg.display().to_string();
    // The load succeeds; validation then says truthfully that Track lost the rows whose
    // albums were filtered out (deleted as orphans), and names them: exit 1.
    let o = ferry(&["migrate", &source, &target, "--config", &cfg]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    let different: Vec<&str> = err.lines().filter(|l| l.contains("DIFFERENT")).collect();
    assert_eq!(different.len(), 1, "{err}");
    assert!(different[0].starts_with("Track "), "{err}");
    assert!(
        err.contains("TrackId=99: source 99\tYour Time Has Come"),
        "{err}"
    );
    let out = rusqlite::Connection::open(&dst).unwrap_or_else(|e| panic!("{e}"));
    let scalar = |sql: &str| -> i64 {
        out.query_row(sql, [], |r| r.get(0))
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    };
    assert_eq!(
        scalar("SELECT count(*) FROM sqlite_master WHERE type = 'table'"),
        3
    );
    assert_eq!(scalar("SELECT count(*) FROM Album"), 10);
    assert_eq!(
        scalar("SELECT count(*) FROM Singer WHERE FullName = 'AC/DC'"),
        1
    );
    // Tracks of the albums filtered out break their foreign key: deleted, as configured.
    let src_conn = rusqlite::Connection::open(&src).unwrap_or_else(|e| panic!("{e}"));
    let kept: i64 = src_conn
        .query_row("SELECT count(*) FROM Track WHERE AlbumId <= 10", [], |r| {
            r.get(0)
        })
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(kept > 0);
    assert_eq!(scalar("SELECT count(*) FROM Track"), kept);
    assert_eq!(
        scalar("SELECT count(*) FROM pragma_table_info('Track') WHERE name = 'Composer'"),
        0
    );
    // Album's foreign key now points at Singer.
    assert_eq!(
        scalar("SELECT count(*) FROM pragma_foreign_key_list('Album') WHERE \"table\" = 'Singer'"),
        1
    );

    // A name the source does not have stops everything before anything is written; an
    // unknown setting names the file and the key.
    let bad = dir.join("bad.toml");
    let target2 = format!("sqlite:{}", dir.join("bad.db").display());
    for (toml, says) in [
        ("[drop_columns]\nNoSuchTable = [\"x\"]\n", "NoSuchTable"),
        ("[settings]\njbos = 3\n", "bad.toml"),
    ] {
        std::fs::write(&bad, toml).unwrap_or_else(|e| panic!("{e}"));
        let o = ferry(&[
            "migrate",
            &source,
            &target2,
            "--config",
            &bad.display().to_string(),
        ]);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains(says), "{err}");
        assert!(!dir.join("bad.db").exists(), "nothing was created");
    }
}

#[test]
fn orphans_stop_the_load_or_are_deleted_or_kept_not_valid() {
    let Some(_) = pg_url() else {
        eprintln!("skipped: FERRY_TEST_PG not set (orphans)");
        return;
    };
    let dir = scratch_dir("orphans");
    let dump = dir.join("orphans.sql");
    // MySQL databases that ran with foreign_key_checks=0 hold rows like order 3.
    std::fs::write(
        &dump,
        "CREATE TABLE customer (id int PRIMARY KEY, name varchar(20));\n\
         CREATE TABLE orders (id int PRIMARY KEY, customer_id int, \
           CONSTRAINT fk_customer FOREIGN KEY (customer_id) REFERENCES customer (id));\n\
         INSERT INTO customer VALUES (1,'a'),(2,'b');\n\
         INSERT INTO orders VALUES (1,1),(2,NULL),(3,99);\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let dump = dump.display().to_string();
    let pg = ScratchDb::postgres("orphans");
    let o = ferry(&["migrate", &dump, &pg.url(), "--from", "mysql", "-q"]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("1 rows break orders(customer_id) -> customer(id)"),
        "{err}"
    );

    // Kept: the foreign key exists NOT VALID. Deleted: it exists, validated.
    // Deleted orphans are rows the target lacks: validation says so (exit 1).
    let migrate_again = |source: &[&str], policy: &str, rows: &str, validated: &str| {
        let url = pg.url();
        let mut args = vec!["migrate"];
        args.extend_from_slice(source);
        args.extend_from_slice(&[
            &url,
            "-q",
            "--prepare",
            "drop-and-create",
            "--orphans",
            policy,
        ]);
        let o = ferry(&args);
        let err = text(&o.stderr);
        let deleted = policy == "delete";
        assert_eq!(o.status.code(), Some(i32::from(deleted)), "{policy}: {err}");
        let count = pg.query_scalar("SELECT count(*) FROM orders");
        assert_eq!(count.ok().as_deref(), Some(rows), "{policy}: {err}");
        let valid =
            pg.query_scalar("SELECT convalidated FROM pg_constraint WHERE conname = 'fk_customer'");
        assert_eq!(valid.ok().as_deref(), Some(validated), "{policy}: {err}");
        let said = if deleted {
            "1 rows of orders were deleted"
        } else {
            "kept"
        };
        assert!(err.contains(said), "{err}");
        assert_eq!(err.contains("DIFFERENT"), deleted, "{err}");
    };
    for (policy, rows, validated) in [("not-valid", "3", "f"), ("delete", "2", "t")] {
        migrate_again(&[&dump, "--from", "mysql"], policy, rows, validated);
    }

    // A live source's row estimates show 2 orders against 40 customers: PostgreSQL checks
    // that key by index probes (hash joins off for its transaction), and orphans are handled
    // the same way.
    let src = dir.join("orphans.db");
    let conn = rusqlite::Connection::open(&src).unwrap_or_else(|e| panic!("{e}"));
    let customers: Vec<String> = (1..=40).map(|i| format!("({i},'c{i}')")).collect();
    conn.execute_batch(&format!(
        "PRAGMA foreign_keys = OFF;\n\
         CREATE TABLE customer (id integer PRIMARY KEY, name varchar(20));\n\
         CREATE TABLE orders (id integer PRIMARY KEY, customer_id integer \
           CONSTRAINT fk_customer REFERENCES customer (id));\n\
         INSERT INTO customer VALUES {};\n\
         INSERT INTO orders VALUES (1,7),(2,99);\n",
        customers.join(",")
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    drop(conn);
    let src = format!("sqlite:{}", src.display());
    for (policy, rows, validated) in [("not-valid", "2", "f"), ("delete", "1", "t")] {
        migrate_again(&[&src], policy, rows, validated);
    }
}

#[test]
fn validate_names_the_rows_that_differ() {
    let Some(_) = pg_url() else {
        eprintln!("skipped: FERRY_TEST_PG not set (validate)");
        return;
    };
    let dir = scratch_dir("validate");
    let src = chinook_sqlite_file(&dir);
    let pg = ScratchDb::postgres("validate");
    let plan = dir.join("plan.json").display().to_string();
    let o = ferry(&[
        "plan",
        &format!("sqlite:{}", src.display()),
        &pg.url(),
        "-o",
        &plan,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    // The plan holds no password: it comes from the environment, as PGPASSWORD.
    let url = pg.url();
    let password = url
        .split("://")
        .nth(1)
        .and_then(|r| r.split('@').next())
        .and_then(|a| a.split(':').nth(1))
        .unwrap_or("");
    let env = [("PGPASSWORD", password)];
    assert!(
        !std::fs::read_to_string(&plan)
            .unwrap_or_default()
            .contains(&format!(":{password}@"))
    );
    let o = ferry_env(&["load", &plan, "-q"], &env);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let o = ferry_env(&["validate", &plan], &env);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));

    // Someone changes the target behind our back: one value, one row gone, one row added.
    pg.run_script(
        "UPDATE \"Track\" SET \"UnitPrice\" = 9.99 WHERE \"TrackId\" = 1234;\n\
         DELETE FROM \"PlaylistTrack\" WHERE \"TrackId\" = 3000;\n\
         DELETE FROM \"InvoiceLine\" WHERE \"InvoiceLineId\" = 77;\n\
         INSERT INTO \"Genre\" VALUES (999, 'Polka');",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let o = ferry_env(&["validate", &plan, "--format", "json"], &env);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}"));
    let tables = v["tables"].as_array().cloned().unwrap_or_default();
    let get = |name: &str| {
        tables
            .iter()
            .find(|t| t["table"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("{name} not in {v}"))
    };
    let track = get("Track");
    assert_eq!(track["equal"], false);
    assert_eq!(track["differing"][0]["key"], "TrackId=1234", "{track}");
    assert!(
        track["differing"][0]["target"]
            .as_str()
            .unwrap_or("")
            .ends_with("9.99")
    );
    let line = get("InvoiceLine");
    assert_eq!(line["differing"][0]["key"], "InvoiceLineId=77");
    assert!(
        line["differing"][0]["target"].is_null(),
        "the row is missing on the target"
    );
    let genre = get("Genre");
    assert_eq!(genre["target_rows"], 26);
    assert_eq!(genre["differing"][0]["key"], "GenreId=999");
    assert!(genre["differing"][0]["source"].is_null());
    // No single integer key: count and checksum, with a note.
    let pt = get("PlaylistTrack");
    assert_eq!(pt["equal"], false);
    assert!(
        pt["target_rows"].as_u64() < pt["source_rows"].as_u64(),
        "{pt}"
    );
    assert!(
        pt["note"]
            .as_str()
            .unwrap_or("")
            .contains("no single integer key")
    );
    assert_eq!(get("Artist")["equal"], true);
}

#[test]
fn mariadb_as_target_and_as_live_source() {
    let Some(_) = mysql_url() else {
        eprintln!("skipped: FERRY_TEST_MYSQL not set (MariaDB target and source)");
        return;
    };
    // The corpus script into MariaDB through ferry, compared with MariaDB running it itself.
    let reference = ScratchDb::mariadb("chinook_ref");
    reference
        .run_script(&without_database_statements(&corpus(
            "mysql/chinook/Chinook_MySql.sql",
        )))
        .unwrap_or_else(|e| panic!("{e}"));
    let loaded = ScratchDb::mariadb("chinook_loaded");
    migrate_ok(&[
        "migrate",
        "tests/corpus/mysql/chinook/Chinook_MySql.sql",
        &loaded.url(),
        "--from",
        "mysql",
        "-q",
    ]);
    for t in CHINOOK_TABLES {
        assert_eq!(
            mariadb_rows(&loaded, t),
            mariadb_rows(&reference, t),
            "table {t}"
        );
    }
    // The live MariaDB database out again, into SQLite and into PostgreSQL (in chunks).
    let dir = scratch_dir("mariadb-live");
    let out = dir.join("out.db");
    migrate_ok(&[
        "migrate",
        &reference.url(),
        &format!("sqlite:{}", out.display()),
        "-q",
    ]);
    let Some(_) = pg_url() else {
        eprintln!("skipped: FERRY_TEST_PG not set (MariaDB -> PostgreSQL)");
        return;
    };
    let pg = ScratchDb::postgres("from_mariadb");
    migrate_ok(&[
        "migrate",
        &reference.url(),
        &pg.url(),
        "-q",
        "--chunk-rows",
        "1000",
        "--jobs",
        "3",
    ]);
    for t in CHINOOK_TABLES {
        let want = mariadb_rows(&reference, t);
        assert_eq!(sqlite_rows(&out, t), want, "SQLite table {t}");
        assert_eq!(postgres_rows(&pg, t), want, "PostgreSQL table {t}");
    }
}

/// Dates, times, years and floats of every precision, read off MariaDB's binary protocol, are
/// written as MariaDB itself prints them: a MariaDB copy prints the same text, byte for byte,
/// and SQLite (which keeps the text) holds that text.
#[test]
fn temporal_and_float_values_from_mariadb_keep_their_printed_form() {
    if mysql_url().is_none() {
        eprintln!("skipped: FERRY_TEST_MYSQL not set (MariaDB temporal values)");
        return;
    }
    let src = ScratchDb::mariadb("temporal_my");
    src.run_script(
        "SET SESSION sql_mode = '';\n\
         CREATE TABLE tv (id int PRIMARY KEY, d date, dt3 datetime(3), dt0 datetime, \
           tm time, tm6 time(6), y year, f float, db double, mi mediumint unsigned, si smallint);\n\
         INSERT INTO tv VALUES \
           (1, '2024-02-29', '2024-02-29 23:59:59.120', '1000-01-01 00:00:00', '-838:59:59', \
            '-00:00:01.500000', 2155, 0.1, 1e308, 16777215, -32768), \
           (2, '0000-00-00', '9999-12-31 23:59:59.999', '2000-01-01 00:00:00', '838:59:59', \
            '12:34:56.000001', 1901, 3.40282e38, -2.2250738585072014e-308, 0, 32767), \
           (3, '1970-01-01', '1970-01-01 00:00:00.000', '1970-01-01 00:00:01', '00:00:00', \
            '-100:00:00.000000', 0, -1.5, 123456789.123456789, 1, 0), \
           (4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let select = "SELECT * FROM tv ORDER BY id";
    let want = src.query_scalar(select).unwrap_or_else(|e| panic!("{e}"));

    let copy = ScratchDb::mariadb("temporal_my_copy");
    migrate_ok(&["migrate", &src.url(), &copy.url(), "-q"]);
    let got = copy.query_scalar(select).unwrap_or_else(|e| panic!("{e}"));
    // The one difference: the zero date became NULL (the mapping's zero_date_to_null).
    assert!(want.contains("\t0000-00-00\t"), "{want}");
    let want = want.replace("\t0000-00-00\t", "\tNULL\t");
    assert_eq!(got, want, "the MariaDB copy prints what the source prints");

    let dir = scratch_dir("temporal-my");
    let sqlite = format!("sqlite:{}", dir.join("tv.db").display());
    migrate_ok(&["migrate", &src.url(), &sqlite, "-q"]);
    let conn = rusqlite::Connection::open(dir.join("tv.db")).unwrap_or_else(|e| panic!("{e}"));
    let row = |id: i64| -> Vec<rusqlite::types::Value> {
        conn.query_row(
            "SELECT d, dt3, dt0, tm, tm6, y, f, db, mi, si FROM tv WHERE id = ?1",
            [id],
            |r| (0..10).map(|i| r.get(i)).collect(),
        )
        .unwrap_or_else(|e| panic!("row {id}: {e}"))
    };
    use rusqlite::types::Value as V;
    let t = |s: &str| V::Text(s.to_string());
    assert_eq!(
        row(1),
        vec![
            t("2024-02-29"),
            t("2024-02-29 23:59:59.120"),
            t("1000-01-01 00:00:00"),
            t("-838:59:59"),
            t("-00:00:01.500000"),
            V::Integer(2155),
            V::Real(0.1),
            V::Real(1e308),
            V::Integer(16_777_215),
            V::Integer(-32768),
        ]
    );
    assert_eq!(
        row(2),
        vec![
            V::Null,
            t("9999-12-31 23:59:59.999"),
            t("2000-01-01 00:00:00"),
            t("838:59:59"),
            t("12:34:56.000001"),
            V::Integer(1901),
            V::Real(3.40282e38),
            V::Real(-2.2250738585072014e-308),
            V::Integer(0),
            V::Integer(32767),
        ],
        "the zero date became NULL"
    );
    assert_eq!(
        row(3),
        vec![
            t("1970-01-01"),
            t("1970-01-01 00:00:00.000"),
            t("1970-01-01 00:00:01"),
            t("00:00:00"),
            t("-100:00:00.000000"),
            V::Integer(0),
            V::Real(-1.5),
            V::Real(123_456_789.123_456_79),
            V::Integer(1),
            V::Integer(0),
        ]
    );
    assert_eq!(row(4), vec![V::Null; 10]);
}

/// MySQL values that are easy to lose, from a live MariaDB into PostgreSQL and SQLite.
#[test]
fn edge_values_from_mariadb_arrive_intact() {
    let (Some(_), Some(_)) = (mysql_url(), pg_url()) else {
        eprintln!("skipped: FERRY_TEST_MYSQL or FERRY_TEST_PG not set (MariaDB edge values)");
        return;
    };
    let src = ScratchDb::mariadb("edge_my");
    src.run_script(
        "SET SESSION sql_mode = '';\n\
         CREATE TABLE edge (id int PRIMARY KEY, flag tinyint(1), big bigint unsigned, \
           d decimal(65,30), dt datetime(6), zero datetime, st enum('a','b'), s set('x','y','z'), \
           b bit(8), bl blob, t varchar(20), j json);\n\
         INSERT INTO edge VALUES \
           (1, 1, 18446744073709551615, 12345678901234567890.123456789012345678901234567890, \
            '2020-02-29 23:59:59.123456', '0000-00-00 00:00:00', 'b', 'x,z', b'10100101', \
            X'00FF005C', '😀 ünï', '{\"k\": [1, \"two\"]}'), \
           (2, 0, 0, -0.000000000000000000000000000001, '1970-01-01 00:00:00', NULL, 'a', '', \
            b'0', '', '', 'null'), \
           (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let pg = ScratchDb::postgres("edge_from_my");
    migrate_ok(&["migrate", &src.url(), &pg.url(), "-q"]);
    let got = postgres_rows(&pg, "edge");
    let want: Vec<Vec<&str>> = vec![
        vec![
            "1",
            "t",
            "18446744073709551615",
            "12345678901234567890.12345678901234567890123456789",
            "2020-02-29 23:59:59.123456",
            "\\N",
            "b",
            "{x,z}",
            "10100101",
            "\\x00ff005c",
            "😀 ünï",
            "{\"k\": [1, \"two\"]}",
        ],
        vec![
            "2",
            "f",
            "0",
            "-0.000000000000000000000000000001",
            "1970-01-01 00:00:00",
            "\\N",
            "a",
            "{}",
            "00000000",
            "\\x",
            "",
            "null",
        ],
    ];
    for (row, w) in got.iter().zip(&want) {
        let w: Vec<String> = w.iter().map(|s| norm(s)).collect();
        assert_eq!(row[..row.len().min(w.len())], w[..], "PostgreSQL row");
    }
    assert_eq!(
        got[2].iter().filter(|v| *v == "\\N").count(),
        11,
        "row 3 is NULLs"
    );

    // SQLite keeps 64-bit signed integers and ~15 digits: the mapping warned (lossy) about the
    // unsigned 64-bit and the DECIMAL(65,30) columns, and validation shows the loss in row 1.
    let dir = scratch_dir("edge-my");
    let out = dir.join("edge.db");
    let o = ferry(&["migrate", &src.url(), &format!("sqlite:{}", out.display())]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("F2001") && err.contains("9223372036854775807"),
        "{err}"
    );
    let different: Vec<&str> = err
        .lines()
        .filter(|l| l.trim_start().starts_with("id="))
        .collect();
    assert_eq!(different.len(), 1, "{err}");
    assert!(different[0].trim_start().starts_with("id=1:"), "{err}");
    let conn = rusqlite::Connection::open(&out).unwrap_or_else(|e| panic!("{e}"));
    let val = |col: &str, id: i64| -> rusqlite::types::Value {
        conn.query_row(
            &format!("SELECT {col} FROM edge WHERE id = ?1"),
            [id],
            |r| r.get(0),
        )
        .unwrap_or_else(|e| panic!("{col}: {e}"))
    };
    use rusqlite::types::Value as V;
    assert_eq!(val("flag", 1), V::Integer(1));
    assert_eq!(val("zero", 1), V::Null, "the zero date became NULL");
    assert_eq!(val("b", 1), V::Integer(165));
    assert_eq!(val("bl", 1), V::Blob(vec![0, 255, 0, 92]));
    assert_eq!(val("t", 1), V::Text("😀 ünï".into()));
    assert_eq!(val("st", 1), V::Text("b".into()));
}

/// A MariaDB login without RELOAD cannot take FLUSH TABLES WITH READ LOCK: the workers read a
/// snapshot each, and a warning says so, unless `-q` asks for quiet.
#[test]
fn the_read_lock_warning_follows_quiet() {
    if mysql_url().is_none() || pg_url().is_none() {
        eprintln!("skipped: FERRY_TEST_MYSQL or FERRY_TEST_PG is not set");
        return;
    }
    let src = ScratchDb::mariadb("noreload");
    src.run_script(
        "CREATE TABLE a (id INT PRIMARY KEY, v TEXT); INSERT INTO a VALUES (1, 'x'), (2, 'y');\n\
         CREATE TABLE b (id INT PRIMARY KEY); INSERT INTO b VALUES (1);",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let user = format!("{}_u", src.name);
    src.run_script(&format!(
        "DROP USER IF EXISTS '{user}'@'%';\n\
         CREATE USER '{user}'@'%' IDENTIFIED BY 'noreload';\n\
         GRANT SELECT, SHOW VIEW ON `{db}`.* TO '{user}'@'%';",
        db = src.name
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    let url = src.url();
    let host = url.split('@').nth(1).unwrap_or_default();
    let source = format!("mysql://{user}:noreload@{host}");
    // Several workers read the source only into a server (SQLite takes one writer).
    for (quiet, warned) in [(false, true), (true, false)] {
        let dst = ScratchDb::postgres("noreload");
        let target = dst.url();
        let mut args = vec!["migrate", &source, &target, "--jobs", "2"];
        if quiet {
            args.push("-q");
        }
        let o = migrate_ok(&args);
        let err = text(&o.stderr);
        assert_eq!(
            err.contains("FLUSH TABLES WITH READ LOCK was refused"),
            warned,
            "-q {quiet}: {err}"
        );
    }
    src.run_script(&format!("DROP USER '{user}'@'%';"))
        .unwrap_or_else(|e| panic!("{e}"));
}

/// A SQLite file as applications write them: double-quoted string defaults, defaults that fit
/// no target type, SQLite's time functions, AUTOINCREMENT (so `sqlite_sequence`), ANALYZE (so
/// `sqlite_stat1`), and a user table whose name only looks like SQLite's own.
fn wild_defaults_sqlite_file(dir: &Path) -> PathBuf {
    let src = dir.join("src.db");
    let _ = std::fs::remove_file(&src);
    let conn = rusqlite::Connection::open(&src).unwrap_or_else(|e| panic!("{e}"));
    conn.execute_batch(
        "CREATE TABLE note (
           id INTEGER PRIMARY KEY AUTOINCREMENT,
           title TEXT NOT NULL DEFAULT \"\",
           kind VARCHAR(20) DEFAULT \"plain\",
           created DATETIME DEFAULT 0,
           hits INTEGER DEFAULT '\"0\"',
           touched DATETIME DEFAULT (datetime('now')),
           local DATETIME DEFAULT (datetime('now', 'localtime')),
           stamp DATETIME DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
           day DATE DEFAULT current_date,
           score INTEGER DEFAULT '7'
         );
         CREATE INDEX note_kind ON note (kind);
         INSERT INTO note (title, created, hits) VALUES ('first', '2020-01-02 03:04:05', 1);
         CREATE TABLE sqlitex (id INTEGER PRIMARY KEY, v TEXT);
         INSERT INTO sqlitex VALUES (1, 'kept');
         ANALYZE;",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    src
}

/// The row the target's defaults write, as `title|kind|created null|hits null|touched set|
/// local set|stamp set|day set|score`.
fn default_row(db: &ScratchDb) -> String {
    db.run_script("INSERT INTO note (id) VALUES (100)")
        .unwrap_or_else(|e| panic!("{e}"));
    let sql = "SELECT concat_ws('|', title, kind, \
               CASE WHEN created IS NULL THEN 1 ELSE 0 END, CASE WHEN hits IS NULL THEN 1 ELSE 0 END, \
               CASE WHEN touched IS NULL THEN 0 ELSE 1 END, CASE WHEN local IS NULL THEN 0 ELSE 1 END, \
               CASE WHEN stamp IS NULL THEN 0 ELSE 1 END, CASE WHEN day IS NULL THEN 0 ELSE 1 END, \
               score) FROM note WHERE id = 100";
    db.query_scalar(sql).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn sqlite_file_defaults_from_the_wild_land_on_postgres_and_mariadb() {
    let mut targets = Vec::new();
    if pg_url().is_some() {
        targets.push(ScratchDb::postgres("wild_defaults"));
    }
    if mysql_url().is_some() {
        targets.push(ScratchDb::mariadb("wild_defaults"));
    }
    if targets.is_empty() {
        eprintln!("skipped: neither FERRY_TEST_PG nor FERRY_TEST_MYSQL set");
        return;
    }
    let dir = scratch_dir("wild-defaults");
    let src = wild_defaults_sqlite_file(&dir);
    for db in &targets {
        let o = migrate_ok(&["migrate", &format!("sqlite:{}", src.display()), &db.url()]);
        let err = text(&o.stderr);
        assert!(err.contains("skipped `sqlite_sequence`"), "{err}");
        assert!(err.contains("skipped `sqlite_stat1`"), "{err}");
        assert!(err.contains("default of `note.created` dropped"), "{err}");
        assert!(err.contains("default of `note.hits` dropped"), "{err}");
        assert!(
            err.contains("default of `note.local`: the source wrote the local time"),
            "{err}"
        );
        assert!(
            db.has_table("sqlitex"),
            "{}: a user table was lost",
            db.url()
        );
        assert!(!db.has_table("sqlite_sequence") && !db.has_table("sqlite_stat1"));
        assert_eq!(db.table_count(), Ok(2));
        assert_eq!(default_row(db), "|plain|1|1|1|1|1|1|7");
        let first = db
            .query_scalar("SELECT title FROM note WHERE id = 1")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(first, "first");
    }
}

/// SQLite lets a column hold values of any type (text in an INTEGER column): the mapping's
/// choice holds on the target, and the value it refuses is named with its table, key, column
/// and value; with `--on-error reject-rows` it goes to the reject file and the other rows
/// arrive.
#[test]
fn sqlite_values_that_do_not_match_their_column_are_named_or_set_aside() {
    let dir = scratch_dir("mismatched");
    let file = dir.join("mixed.db");
    let conn = rusqlite::Connection::open(&file).unwrap_or_else(|e| panic!("{e}"));
    conn.execute_batch(
        "CREATE TABLE m (id integer PRIMARY KEY, n integer, d date, r real);
         INSERT INTO m VALUES (1, 5, '2020-01-01', 1.5), (2, 'five', '2020-01-02', 2.5),
                              (3, 7, '2021-02-03', 2);",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    drop(conn);
    let source = format!("sqlite:{}", file.display());
    let mut targets = Vec::new();
    if pg_url().is_some() {
        targets.push((
            ScratchDb::postgres("mixed_a"),
            ScratchDb::postgres("mixed_b"),
        ));
    }
    if mysql_url().is_some() {
        targets.push((ScratchDb::mariadb("mixed_a"), ScratchDb::mariadb("mixed_b")));
    }
    for (abort_db, reject_db) in targets {
        let out = ferry(&["migrate", &source, &abort_db.url(), "-q"]);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(
            err.contains("table m, id=2, column n (value five)"),
            "the refusal names table, key, column and value: {err}"
        );
        let rejects = dir.join("rejects.jsonl");
        let _ = std::fs::remove_file(&rejects);
        let reject_file = rejects.display().to_string();
        let out = ferry(&[
            "migrate",
            &source,
            &reject_db.url(),
            "-q",
            "--on-error",
            "reject-rows",
            "--reject-file",
            &reject_file,
        ]);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
        let set_aside = std::fs::read_to_string(&rejects).unwrap_or_default();
        let line: serde_json::Value =
            serde_json::from_str(set_aside.trim()).unwrap_or_else(|e| panic!("{e}: {set_aside}"));
        assert_eq!(line["table"], "m");
        assert_eq!(line["key"], "id=2");
        assert_eq!(line["column"], "n");
        assert_eq!(line["value"], "five");
        assert_eq!(
            reject_db
                .query_scalar("SELECT count(*) FROM m")
                .ok()
                .as_deref()
                .map(str::trim),
            Some("2")
        );
    }
}
