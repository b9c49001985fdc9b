//! Converted views proved by running them: Sakila (and the rules' fixture, with rows of its own)
//! loaded into MariaDB, migrated with `ferry migrate` into PostgreSQL and into an SQLite file,
//! then every view of the source queried on both sides and the rows compared as multisets of
//! canonical values (`common/rows.rs`). The SQLite file is read by the bundled library and by
//! the system's `sqlite3` (Debian 12: 3.40, older than the 3.44 that brought concat() and ORDER
//! BY in aggregates), so the views must run on an SQLite that old.

mod common;

use common::db::{ScratchDb, mysql_url, pg_url};
use common::ferry;
use common::rows::{Engine, canonical, difference, lines, row_sql, system_sqlite3};
use common::sakila::loaded_mariadb;

/// GROUP_CONCAT without ORDER BY joins the values in no defined order
/// (https://mariadb.com/kb/en/group_concat/): these columns are compared as the multiset of
/// their items. (view, column, separator)
const UNORDERED_LISTS: &[(&str, &str, &str)] = &[
    ("film_list", "actors", ", "),
    ("nicer_but_slower_film_list", "actors", ", "),
    ("team_roster", "upper_nicks", ","),
];

/// How many views returned the source's rows on each target, and what differed.
struct Compared {
    views: usize,
    /// PostgreSQL, SQLite (bundled), SQLite (system `sqlite3`, None when not installed).
    same: [usize; 3],
    system_sqlite: bool,
    failures: Vec<String>,
}

/// Migrates the MariaDB database `my` into a new PostgreSQL database and a new SQLite file with
/// `ferry migrate`, then compares every view of the source with its namesake on both.
fn compare_views(my: &ScratchDb, name: &str) -> Compared {
    let pg = ScratchDb::postgres(name);
    let dir = common::scratch_dir("views_same_rows", name);
    let file = dir.join("target.db");
    let sqlite_url = format!("sqlite:{}", file.display());
    for target in [pg.url(), sqlite_url] {
        let o = ferry(&["migrate", &my.url(), &target, "--jobs", "2"]);
        let err = common::text(&o.stderr);
        // Exit 0, or 1 where routines and triggers need a person; no view may.
        assert!(matches!(o.status.code(), Some(0 | 1)), "{err}");
        assert!(!err.contains("DIFFERENT"), "{err}");
        assert!(
            !err.lines()
                .any(|l| l.contains("view `") && l.contains("is not converted")),
            "a view was left out:\n{err}"
        );
    }

    let views = lines(
        &my.query_scalar(
            "SELECT table_name FROM information_schema.views \
             WHERE table_schema = DATABASE() ORDER BY table_name",
        )
        .unwrap_or_else(|e| panic!("{e}")),
    );
    let conn = rusqlite::Connection::open(&file).unwrap_or_else(|e| panic!("{e}"));
    let mut out = Compared {
        views: views.len(),
        same: [0; 3],
        system_sqlite: true,
        failures: Vec::new(),
    };
    for view in &views {
        let columns = lines(
            &my.query_scalar(&format!(
                "SELECT column_name FROM information_schema.columns \
                 WHERE table_schema = DATABASE() AND table_name = '{view}' ORDER BY ordinal_position"
            ))
            .unwrap_or_else(|e| panic!("{e}")),
        );
        let canon = |rows: &[String]| canonical(view, &columns, rows, UNORDERED_LISTS);
        let source = canon(&lines(
            &my.query_scalar(&row_sql(Engine::Mariadb, view, &columns))
                .unwrap_or_else(|e| panic!("{view} on MariaDB: {e}")),
        ));
        assert!(!source.is_empty(), "{view} has no rows at the source");

        let on_pg = pg
            .query_scalar(&row_sql(Engine::Postgres, view, &columns))
            .map(|rows| canon(&lines(&rows)));
        let sql = row_sql(Engine::Sqlite, view, &columns);
        let on_sqlite = conn
            .prepare(&sql)
            .and_then(|mut st| {
                st.query_map([], |r| r.get::<_, String>(0))?
                    .collect::<Result<Vec<String>, _>>()
            })
            .map(|rows| canon(&rows))
            .map_err(|e| e.to_string());
        let on_system_sqlite = match system_sqlite3(&file, &sql) {
            Some(r) => r.map(|rows| canon(&rows)),
            None => {
                out.system_sqlite = false;
                Ok(source.clone())
            }
        };
        for (i, (target, got)) in [
            ("PostgreSQL", on_pg),
            ("SQLite (bundled)", on_sqlite),
            ("SQLite (system sqlite3)", on_system_sqlite),
        ]
        .into_iter()
        .enumerate()
        {
            match got {
                Ok(rows) if rows == source => out.same[i] += 1,
                Ok(rows) => out.failures.push(format!(
                    "{view} on {target}: {}",
                    difference(&source, &rows)
                )),
                Err(e) => out.failures.push(format!("{view} on {target}: {e}")),
            }
        }
    }
    let n = out.views;
    eprintln!(
        "{name}: views with the same rows: PostgreSQL {}/{n}, SQLite {}/{n}, system sqlite3 {}",
        out.same[0],
        out.same[1],
        if out.system_sqlite {
            format!("{}/{n}", out.same[2])
        } else {
            "not installed".to_string()
        },
    );
    out
}

#[test]
fn sakila_views_return_the_same_rows_on_postgres_and_sqlite() {
    let (Some(_), Some(_)) = (mysql_url(), pg_url()) else {
        eprintln!("skipped: FERRY_TEST_MYSQL or FERRY_TEST_PG not set");
        return;
    };
    let my = loaded_mariadb("views_rows");
    let c = compare_views(&my, "sakila");
    assert!(c.failures.is_empty(), "{}", c.failures.join("\n"));
    assert_eq!(c.views, 7);
    assert_eq!(c.same[0], 7);
    assert_eq!(c.same[1], 7);
}

/// The rules' fixture (tests/fixtures/ok/mysql-view-functions.sql) with rows that reach their
/// corners: NULLs that CONCAT propagates and GROUP_CONCAT skips, a value repeated under
/// DISTINCT, an order by a key that is not the value, a group with no value at all, a
/// multibyte name for LENGTH, an average with more places than the column. A value repeated
/// under DISTINCT keeps its place whichever of its keys orders it: MariaDB takes one or the
/// other depending on the plan (`tagged` of team 3 changed with the columns selected when its
/// two `dan` rows had keys on both sides of `eve`'s).
const FIXTURE_ROWS: &str = "
INSERT INTO team VALUES (1, 'Reds', 'Oslo', 1), (2, 'Blues', 'Rome', 0),
  (3, 'Grøn', NULL, 1), (4, 'Empty', 'Pisa', 1), (5, 'Nils', 'Bern', 1);
INSERT INTO player VALUES
  (1, 1, 'ace', 1500.25), (2, 1, 'ace', 999.99), (3, 1, NULL, 100.10),
  (4, 2, 'bob', 2000.00), (5, 2, 'zed', 0.01), (8, 2, 'amy', 1.00),
  (6, 3, 'dan', 1.00), (7, 3, 'dan', 1.00), (9, 3, 'eve', 2.00),
  (10, 5, NULL, 3.33);
";

#[test]
fn rule_fixture_views_return_the_same_rows_on_postgres_and_sqlite() {
    let (Some(_), Some(_)) = (mysql_url(), pg_url()) else {
        eprintln!("skipped: FERRY_TEST_MYSQL or FERRY_TEST_PG not set");
        return;
    };
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/ok/mysql-view-functions.sql");
    let schema = std::fs::read_to_string(&fixture).unwrap_or_else(|e| panic!("{e}"));
    let my = ScratchDb::mariadb("view_rules");
    my.run_script(&format!("{schema}\n{FIXTURE_ROWS}"))
        .unwrap_or_else(|e| panic!("{e}"));
    let c = compare_views(&my, "rules");
    assert!(c.failures.is_empty(), "{}", c.failures.join("\n"));
    assert_eq!(c.views, 4);
    assert_eq!(c.same[0], 4);
    assert_eq!(c.same[1], 4);
}

#[test]
fn canonical_values_are_equal_for_equal_values() {
    let cols = ["a".to_string()];
    let hex = |s: &str| s.bytes().map(|b| format!("{b:02X}")).collect::<String>();
    for (a, b) in [
        ("[5314.21]", "[5314.210]"),
        ("[5]", "[5.00]"),
        ("[true]", "[1]"),
        ("[\"2006-02-15 04:34:33\"]", "[\"2006-02-15T04:34:33\"]"),
        ("[null]", "[null]"),
    ] {
        assert_eq!(
            canonical("v", &cols, &[hex(a)], UNORDERED_LISTS),
            canonical("v", &cols, &[hex(b)], UNORDERED_LISTS),
            "{a} {b}"
        );
    }
    for (a, b) in [("[5314.21]", "[5314.20999999985]"), ("[\"a\"]", "[null]")] {
        assert_ne!(
            canonical("v", &cols, &[hex(a)], UNORDERED_LISTS),
            canonical("v", &cols, &[hex(b)], UNORDERED_LISTS),
            "{a} {b}"
        );
    }
    let actors = ["actors".to_string()];
    assert_eq!(
        canonical("film_list", &actors, &[hex("[\"B, A\"]")], UNORDERED_LISTS),
        canonical("film_list", &actors, &[hex("[\"A, B\"]")], UNORDERED_LISTS)
    );
    assert_ne!(
        canonical("film_list", &actors, &[hex("[\"B, A\"]")], UNORDERED_LISTS),
        canonical("film_list", &actors, &[hex("[\"A, C\"]")], UNORDERED_LISTS)
    );
}
