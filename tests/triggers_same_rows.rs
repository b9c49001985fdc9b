//! Converted triggers proved by running them: Sakila's script (schema, data and its 6
//! triggers) loaded into MariaDB and migrated into PostgreSQL, where its MySQL triggers become
//! trigger functions. The same statements then run
//! on both sides, and the rows the triggers write are compared (`common/rows.rs`): film_text,
//! which film's AFTER INSERT / UPDATE / DELETE triggers keep in step, and the times the BEFORE
//! INSERT triggers of customer, rental and payment set to now.

mod common;

use common::db::{ScratchDb, mysql_url, pg_url};
use common::ferry;
use common::rows::{Engine, canonical, difference, lines, row_sql};
use common::sakila::{in_scratch, loaded_mariadb, sakila};
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

#[test]
fn sakila_triggers_write_the_same_rows_on_postgres() {
    let (Some(_), Some(_)) = (mysql_url(), pg_url()) else {
        eprintln!("skipped: FERRY_TEST_MYSQL or FERRY_TEST_PG not set");
        return;
    };
    let my = loaded_mariadb("triggers");
    let pg = ScratchDb::postgres("triggers");
    // Tables, rows and views through `ferry migrate` from the live database, which reads no
    // triggers yet; the triggers as `ferry convert` writes them from the same script.
    let o = ferry(&["migrate", &my.url(), &pg.url(), "--jobs", "2"]);
    let err = common::text(&o.stderr);
    // Exit 1: a full-text and a spatial index need a person.
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(!err.contains("DIFFERENT"), "{err}");
    let (schema, data) = sakila();
    let file = SourceFile::new(
        "sakila.sql",
        format!("{}\n{}", in_scratch(&schema), in_scratch(&data)),
    );
    let conv = common::convert::with_defaults(Dialect::Mysql, Dialect::Postgres, &file);
    let manual: Vec<String> = conv
        .diagnostics
        .iter()
        .filter(|d| d.message.contains("trigger `"))
        .map(|d| d.message.clone())
        .collect();
    assert!(manual.is_empty(), "{manual:?}");
    let triggers: Vec<&str> = conv
        .output
        .post_data
        .iter()
        .filter(|s| s.object.kind == ObjectKind::Trigger)
        .map(|s| s.sql.as_str())
        .collect();
    // A function and a CREATE TRIGGER for each of the 6.
    assert_eq!(triggers.len(), 12, "{triggers:#?}");
    pg.run_script(&format!("{};", triggers.join(";\n")))
        .unwrap_or_else(|e| panic!("{e}"));
    let on_pg = pg
        .query_scalar("SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(on_pg.trim(), "6");

    my.run_script(DML)
        .unwrap_or_else(|e| panic!("MariaDB: {e}"));
    pg.run_script(DML)
        .unwrap_or_else(|e| panic!("PostgreSQL: {e}"));

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
        let rows = |db: &ScratchDb, engine: Engine| {
            let out = db
                .query_scalar(&row_sql(engine, table, &columns))
                .unwrap_or_else(|e| panic!("{table}: {e}"));
            canonical(table, &columns, &lines(&out), &[])
        };
        let (source, target) = (rows(&my, Engine::Mariadb), rows(&pg, Engine::Postgres));
        assert!(source.len() > 1000, "{table}: {} rows", source.len());
        if source != target {
            failures.push(format!("{table}: {}", difference(&source, &target)));
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
        let pg_now = pg
            .query_scalar(&format!(
                "SELECT {column} >= now() - interval '10 minutes' FROM {table} WHERE {key}"
            ))
            .unwrap_or_else(|e| panic!("{e}"));
        if (my_now.trim(), pg_now.trim()) != ("1", "t") {
            failures.push(format!(
                "{table}.{column} stamped now: MariaDB {my_now:?}, PostgreSQL {pg_now:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
