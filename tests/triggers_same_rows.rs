//! Converted triggers proved by running them: Sakila's script (schema, data and its 6
//! triggers) loaded into MariaDB and migrated into PostgreSQL, where its MySQL triggers become
//! trigger functions, and into SQLite, where they become SQLite triggers. The same statements then run
//! on both sides, and the rows the triggers write are compared (`common/rows.rs`): film_text,
//! which film's AFTER INSERT / UPDATE / DELETE triggers keep in step, and the times the BEFORE
//! INSERT triggers of customer, rental and payment set to now.

mod common;

use common::db::{ScratchDb, mysql_url, pg_url};
use common::rows::{Engine, canonical, difference, lines, row_sql};
use common::sakila::{in_scratch, loaded_mariadb, migrate, sakila};
use ferry::diag::ObjectKind;
use ferry::dialect::Dialect;
use ferry::source::SourceFile;

/// Statements that fire every trigger, written so that both engines read them alike. The
/// UPDATE that sets a description to NULL does not reach film_text on either: `old.description
/// != new.description` is NULL there, and IF takes NULL as false.
const DML: &str = "
INSERT INTO film (film_id, title, description, language_id) VALUES (5001, 'FERRY TEST', 'A ferry crosses', 1);
UPDATE film SET title = 'FERRY TEST TWO' WHERE film_id = 5001;
UPDATE film SET description = 'Changed by a test' WHERE film_id = 1;
UPDATE film SET rental_duration = 7 WHERE film_id = 2;
UPDATE film SET description = NULL WHERE film_id = 3;
INSERT INTO film (film_id, title, description, language_id) VALUES (5002, 'GONE', NULL, 1);
DELETE FROM film WHERE film_id = 5002;
INSERT INTO customer (customer_id, store_id, first_name, last_name, address_id, active, create_date)
  VALUES (9001, 1, 'ADA', 'FERRY', 1, TRUE, '2000-01-01 00:00:00');
INSERT INTO rental (rental_id, rental_date, inventory_id, customer_id, staff_id)
  VALUES (90001, '2000-01-01 00:00:00', 1, 9001, 1);
INSERT INTO payment (payment_id, customer_id, staff_id, rental_id, amount, payment_date)
  VALUES (60001, 9001, 1, 90001, 2.99, '2000-01-01 00:00:00');
";

/// Sakila's triggers as `ferry convert` writes them for `to`, from the same script MariaDB ran:
/// none may be left out.
fn converted_triggers(to: Dialect) -> Vec<String> {
    let (schema, data) = sakila();
    let file = SourceFile::new(
        "sakila.sql",
        format!("{}\n{}", in_scratch(&schema), in_scratch(&data)),
    );
    let conv = common::convert::with_defaults(Dialect::Mysql, to, &file);
    let manual: Vec<String> = conv
        .diagnostics
        .iter()
        .filter(|d| d.message.contains("trigger `"))
        .map(|d| d.message.clone())
        .collect();
    assert!(manual.is_empty(), "{manual:?}");
    conv.output
        .post_data
        .iter()
        .filter(|s| s.object.kind == ObjectKind::Trigger)
        .map(|s| s.sql.clone())
        .collect()
}

/// A migrated target: its rows as canonical values, and a query's one value.
trait Target {
    fn rows(&self, table: &str, columns: &[String]) -> Vec<String>;
    fn scalar(&self, sql: &str) -> String;
    /// The query that tells whether `column` holds a time of the last ten minutes.
    fn recent(&self, table: &str, column: &str, key: &str) -> String;
    /// What `recent` answers for true.
    fn yes(&self) -> &'static str;
}

impl Target for ScratchDb {
    fn rows(&self, table: &str, columns: &[String]) -> Vec<String> {
        let out = self
            .query_scalar(&row_sql(Engine::Postgres, table, columns))
            .unwrap_or_else(|e| panic!("{table}: {e}"));
        canonical(table, columns, &lines(&out), &[])
    }
    fn scalar(&self, sql: &str) -> String {
        self.query_scalar(sql).unwrap_or_else(|e| panic!("{e}"))
    }
    fn recent(&self, table: &str, column: &str, key: &str) -> String {
        format!("SELECT {column} >= now() - interval '10 minutes' FROM {table} WHERE {key}")
    }
    fn yes(&self) -> &'static str {
        "t"
    }
}

impl Target for rusqlite::Connection {
    fn rows(&self, table: &str, columns: &[String]) -> Vec<String> {
        let rows = self
            .prepare(&row_sql(Engine::Sqlite, table, columns))
            .and_then(|mut st| {
                st.query_map([], |r| r.get::<_, String>(0))?
                    .collect::<Result<Vec<String>, _>>()
            })
            .unwrap_or_else(|e| panic!("{table}: {e}"));
        canonical(table, columns, &rows, &[])
    }
    fn scalar(&self, sql: &str) -> String {
        self.query_row(sql, [], |r| r.get::<_, rusqlite::types::Value>(0))
            .map(|v| match v {
                rusqlite::types::Value::Integer(i) => i.to_string(),
                other => format!("{other:?}"),
            })
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }
    fn recent(&self, table: &str, column: &str, key: &str) -> String {
        format!("SELECT {column} >= datetime('now', '-10 minutes') FROM {table} WHERE {key}")
    }
    fn yes(&self) -> &'static str {
        "1"
    }
}

/// After the same statements on both sides: film_text and film compared, and the stamps of
/// the BEFORE INSERT triggers checked on each side against its own clock.
fn compare(my: &ScratchDb, target: &dyn Target, name: &str) {
    let mut failures = Vec::new();
    let compared: &[(&str, &[&str])] = &[
        ("film_text", &["film_id", "title", "description"]),
        (
            "film",
            &["film_id", "title", "description", "rental_duration"],
        ),
    ];
    for (table, columns) in compared {
        let columns: Vec<String> = columns.iter().map(|c| c.to_string()).collect();
        let out = my
            .query_scalar(&row_sql(Engine::Mariadb, table, &columns))
            .unwrap_or_else(|e| panic!("{table}: {e}"));
        let source = canonical(table, &columns, &lines(&out), &[]);
        let got = target.rows(table, &columns);
        assert!(source.len() > 1000, "{table}: {} rows", source.len());
        if source != got {
            failures.push(format!("{name}: {table}: {}", difference(&source, &got)));
        }
    }
    // The BEFORE INSERT triggers stamp the row with the time of the insert, whatever it said.
    for (table, column, key) in [
        ("customer", "create_date", "customer_id = 9001"),
        ("rental", "rental_date", "rental_id = 90001"),
        ("payment", "payment_date", "payment_id = 60001"),
    ] {
        let my_now = my
            .query_scalar(&format!(
                "SELECT {column} >= NOW() - INTERVAL 10 MINUTE FROM {table} WHERE {key}"
            ))
            .unwrap_or_else(|e| panic!("{e}"));
        let now = target.scalar(&target.recent(table, column, key));
        if (my_now.trim(), now.trim()) != ("1", target.yes()) {
            failures.push(format!(
                "{table}.{column} stamped now: MariaDB {my_now:?}, {name} {now:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn sakila_triggers_write_the_same_rows_on_postgres() {
    let (Some(_), Some(_)) = (mysql_url(), pg_url()) else {
        eprintln!("skipped: FERRY_TEST_MYSQL or FERRY_TEST_PG not set");
        return;
    };
    let my = loaded_mariadb("triggers");
    let pg = ScratchDb::postgres("triggers");
    migrate(&my, &pg.url());
    let triggers = converted_triggers(Dialect::Postgres);
    // A function and a CREATE TRIGGER for each of the 6.
    assert_eq!(triggers.len(), 12, "{triggers:#?}");
    pg.run_script(&format!("{};", triggers.join(";\n")))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        pg.scalar("SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal")
            .trim(),
        "6"
    );
    my.run_script(DML)
        .unwrap_or_else(|e| panic!("MariaDB: {e}"));
    pg.run_script(DML)
        .unwrap_or_else(|e| panic!("PostgreSQL: {e}"));
    compare(&my, &pg, "PostgreSQL");
}

/// SQLite: the triggers created and the statements run by the system's `sqlite3` (3.40 on
/// Debian 12) where it is installed, else by the bundled library.
#[test]
fn sakila_triggers_write_the_same_rows_on_sqlite() {
    let Some(_) = mysql_url() else {
        eprintln!("skipped: FERRY_TEST_MYSQL not set");
        return;
    };
    let my = loaded_mariadb("triggers_sqlite");
    let dir = common::scratch_dir("triggers_same_rows", "sqlite");
    let file = dir.join("sakila.db");
    migrate(&my, &format!("sqlite:{}", file.display()));
    let triggers = converted_triggers(Dialect::Sqlite);
    assert_eq!(triggers.len(), 6, "{triggers:#?}");
    let script = format!("{};\n{DML}", triggers.join(";\n"));
    let system = std::process::Command::new("sqlite3")
        .args(["-bail", "-batch"])
        .arg(&file)
        .arg(&script)
        .output();
    match system {
        Ok(out) => assert!(
            out.status.success(),
            "system sqlite3: {}",
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(_) => {
            eprintln!("no system sqlite3: the bundled library runs the triggers");
            rusqlite::Connection::open(&file)
                .and_then(|c| c.execute_batch(&script))
                .unwrap_or_else(|e| panic!("{e}"));
        }
    }
    my.run_script(DML)
        .unwrap_or_else(|e| panic!("MariaDB: {e}"));
    let conn = rusqlite::Connection::open(&file).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        conn.scalar("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'"),
        "6"
    );
    compare(&my, &conn, "SQLite");
}
