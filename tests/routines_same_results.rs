//! Converted routines proved by running them: Sakila (schema, data, and its 3 functions and 3
//! procedures) loaded into MariaDB and migrated into PostgreSQL, where `ferry convert` writes
//! the routines in PL/pgSQL. Each routine is then called with the same arguments on both
//! engines and what comes back is compared: a function's value; a procedure's OUT values and
//! the rows of each result set, which on PostgreSQL are the refcursors CALL returns after the
//! OUT values, read with FETCH ALL in the same transaction (`emit/routine/plpgsql.rs`).
//! rewards_report reads last month's payments: the test adds the same ones on both sides.

mod common;

use common::db::{ScratchDb, mysql_url, pg_url};
use common::rows::decimal;
use common::sakila::{in_scratch, loaded_mariadb, migrate, sakila};
use ferry::diag::ObjectKind;
use ferry::dialect::Dialect;
use ferry::source::SourceFile;

/// What a call gave back: each result set's rows (sorted: a SELECT without ORDER BY has no
/// order), then the OUT values or the function's value; or the error's SQLSTATE and message.
#[derive(Debug, PartialEq, Default)]
struct Outcome {
    sets: Vec<Vec<String>>,
    values: Vec<String>,
    error: Option<(String, String)>,
}

/// What PostgreSQL writes differently from MariaDB by type.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Boolean,
    /// A timestamp with time zone, read in UTC on both sides: PostgreSQL appends `+00`.
    Zoned,
    Other,
}

/// A value as text that is equal for equal values on both engines: NULL, booleans as 1 and 0,
/// numbers without trailing zeros, times in UTC without the zone.
fn norm(v: Option<&str>, kind: Kind) -> String {
    match v {
        None => "NULL".into(),
        Some("t") if kind == Kind::Boolean => "1".into(),
        Some("f") if kind == Kind::Boolean => "0".into(),
        Some(s) if kind == Kind::Zoned => s.trim_end_matches("+00").to_string(),
        Some(s) if s.parse::<f64>().is_ok() => decimal(s),
        Some(s) => s.to_string(),
    }
}

/// One routine call, in both spellings.
struct Call {
    /// MariaDB: `SELECT f(...)`, or `CALL p(..., @o1, ...)`.
    mysql: String,
    /// The OUT variables to read after a MariaDB CALL.
    outs: Vec<String>,
    /// PostgreSQL: `SELECT f(...)`, or `CALL p(..., NULL, ...)` with a NULL for each OUT
    /// parameter and each result cursor.
    postgres: String,
    /// How many of the CALL's columns are OUT values (the rest are result cursors).
    out_count: usize,
    /// MariaDB: what sets the INOUT variables first.
    before: Option<String>,
}

fn function(name: &str, args: &str) -> Call {
    Call {
        mysql: format!("SELECT {name}({args})"),
        outs: Vec::new(),
        postgres: format!("SELECT {name}({args})"),
        out_count: 1,
        before: None,
    }
}

/// A query run alike on both sides (a table's rows after a procedure changed them).
fn query(sql: &str) -> Call {
    Call {
        mysql: sql.to_string(),
        outs: Vec::new(),
        postgres: sql.to_string(),
        out_count: usize::MAX,
        before: None,
    }
}

/// A procedure with `outs` OUT parameters after `args` and `cursors` result sets.
fn procedure(name: &str, args: &str, outs: usize, cursors: usize) -> Call {
    let vars: Vec<String> = (1..=outs).map(|i| format!("@ferry_out{i}")).collect();
    let nulls = vec!["NULL"; outs + cursors].join(", ");
    Call {
        mysql: format!("CALL {name}({args}, {})", vars.join(", ")),
        outs: vars,
        postgres: format!("CALL {name}({args}, {nulls})"),
        out_count: outs,
        before: None,
    }
}

fn on_mariadb(rt: &tokio::runtime::Runtime, url: &str, call: &Call) -> Outcome {
    use mysql_async::prelude::Queryable;
    rt.block_on(async {
        let mut conn = mysql_async::Conn::from_url(url)
            .await
            .unwrap_or_else(|e| panic!("MariaDB: {e}"));
        conn.query_drop("SET time_zone = '+00:00'")
            .await
            .unwrap_or_else(|e| panic!("MariaDB: {e}"));
        if let Some(before) = &call.before {
            conn.query_drop(before.as_str())
                .await
                .unwrap_or_else(|e| panic!("{before}: {e}"));
        }
        let mut sets = Vec::new();
        let mut values = Vec::new();
        {
            let mut result = match conn.query_iter(call.mysql.as_str()).await {
                Ok(r) => r,
                Err(mysql_async::Error::Server(e)) => {
                    return Outcome {
                        error: Some((e.state, e.message)),
                        ..Outcome::default()
                    };
                }
                Err(e) => panic!("{}: {e}", call.mysql),
            };
            while !result.is_empty() {
                let has_columns = result.columns().is_some_and(|c| !c.is_empty());
                let rows: Vec<mysql_async::Row> = result
                    .collect()
                    .await
                    .unwrap_or_else(|e| panic!("{}: {e}", call.mysql));
                if !has_columns {
                    continue;
                }
                let mut set: Vec<String> = rows
                    .into_iter()
                    .map(|r| {
                        r.unwrap()
                            .into_iter()
                            .map(|v| match v {
                                mysql_async::Value::NULL => norm(None, Kind::Other),
                                mysql_async::Value::Bytes(b) => {
                                    norm(Some(&String::from_utf8_lossy(&b)), Kind::Other)
                                }
                                other => norm(Some(&other.as_sql(true)), Kind::Other),
                            })
                            .collect::<Vec<_>>()
                            .join(" | ")
                    })
                    .collect();
                set.sort();
                sets.push(set);
            }
        }
        if call.outs.is_empty() {
            // A function: its one value is the one row of the one set.
            let set = sets.pop().unwrap_or_default();
            values = set;
        } else {
            let row: Option<mysql_async::Row> = conn
                .query_first(format!("SELECT {}", call.outs.join(", ")))
                .await
                .unwrap_or_else(|e| panic!("OUT values: {e}"));
            if let Some(row) = row {
                for v in row.unwrap() {
                    values.push(match v {
                        mysql_async::Value::NULL => norm(None, Kind::Other),
                        mysql_async::Value::Bytes(b) => {
                            norm(Some(&String::from_utf8_lossy(&b)), Kind::Other)
                        }
                        other => norm(Some(&other.as_sql(true)), Kind::Other),
                    });
                }
            }
        }
        let _ = conn.disconnect().await;
        Outcome {
            sets,
            values,
            error: None,
        }
    })
}

/// A PostgreSQL error with the server's message.
fn pg_error(sql: &str, e: tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(d) => format!("{sql}: {}: {}", d.code().code(), d.message()),
        None => format!("{sql}: {e}"),
    }
}

async fn pg_rows(client: &tokio_postgres::Client, sql: &str) -> Vec<Vec<String>> {
    pg_try_rows(client, sql)
        .await
        .unwrap_or_else(|e| panic!("{}", pg_error(sql, e)))
}

/// Runs `sql` with the simple protocol; its rows as text, booleans known from a prepared
/// description of the same statement.
async fn pg_try_rows(
    client: &tokio_postgres::Client,
    sql: &str,
) -> Result<Vec<Vec<String>>, tokio_postgres::Error> {
    let described = client.prepare(sql).await?;
    let kinds: Vec<Kind> = described
        .columns()
        .iter()
        .map(|c| match *c.type_() {
            tokio_postgres::types::Type::BOOL => Kind::Boolean,
            tokio_postgres::types::Type::TIMESTAMPTZ => Kind::Zoned,
            _ => Kind::Other,
        })
        .collect();
    let messages = client.simple_query(sql).await?;
    Ok(messages
        .into_iter()
        .filter_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(r) => Some(
                (0..r.len())
                    .map(|i| norm(r.get(i), kinds.get(i).copied().unwrap_or(Kind::Other)))
                    .collect(),
            ),
            _ => None,
        })
        .collect())
}

fn on_postgres(rt: &tokio::runtime::Runtime, url: &str, call: &Call) -> Outcome {
    rt.block_on(async {
        let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL: {e}"));
        let task = tokio::spawn(connection);
        // The cursors live until the transaction ends.
        client
            .batch_execute("SET TimeZone = 'UTC'; BEGIN")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        if call.out_count == usize::MAX {
            let mut set: Vec<String> = pg_rows(&client, &call.postgres)
                .await
                .into_iter()
                .map(|r| r.join(" | "))
                .collect();
            set.sort();
            let _ = client.batch_execute("COMMIT").await;
            return Outcome {
                values: set,
                ..Outcome::default()
            };
        }
        let mut rows = match pg_try_rows(&client, &call.postgres).await {
            Ok(rows) => rows,
            Err(e) => {
                let Some(d) = e.as_db_error() else {
                    panic!("{}", pg_error(&call.postgres, e));
                };
                let error = Some((d.code().code().to_string(), d.message().to_string()));
                let _ = client.batch_execute("ROLLBACK").await;
                return Outcome {
                    error,
                    ..Outcome::default()
                };
            }
        };
        if call.out_count == 0 {
            // A procedure without OUT values returns no row.
            let _ = client.batch_execute("COMMIT").await;
            return Outcome::default();
        }
        assert_eq!(rows.len(), 1, "{}: {rows:?}", call.postgres);
        let row = rows.remove(0);
        let mut sets = Vec::new();
        for cursor in &row[call.out_count..] {
            if cursor == "NULL" {
                continue;
            }
            let fetch = format!("FETCH ALL FROM \"{}\"", cursor.replace('"', "\"\""));
            let mut set: Vec<String> = pg_rows(&client, &fetch)
                .await
                .into_iter()
                .map(|r| r.join(" | "))
                .collect();
            set.sort();
            sets.push(set);
        }
        client
            .batch_execute("COMMIT")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        drop(client);
        let _ = task.await;
        Outcome {
            sets,
            values: row[..call.out_count].to_vec(),
            error: None,
        }
    })
}

/// Sakila's functions and procedures as `ferry convert` writes them for PostgreSQL: none may
/// be left out.
fn converted_routines() -> Vec<String> {
    let (schema, data) = sakila();
    let file = SourceFile::new(
        "sakila.sql",
        format!("{}\n{}", in_scratch(&schema), in_scratch(&data)),
    );
    let conv = common::convert::with_defaults(Dialect::Mysql, Dialect::Postgres, &file);
    let manual: Vec<String> = conv
        .diagnostics
        .iter()
        .filter(|d| d.message.contains("function `") || d.message.contains("procedure `"))
        .map(|d| d.message.clone())
        .collect();
    assert!(manual.is_empty(), "{manual:?}");
    conv.output
        .post_data
        .iter()
        .filter(|s| matches!(s.object.kind, ObjectKind::Function | ObjectKind::Procedure))
        .map(|s| s.sql.clone())
        .collect()
}

#[test]
fn sakila_routines_give_the_same_results_on_postgres() {
    let (Some(_), Some(_)) = (mysql_url(), pg_url()) else {
        eprintln!("skipped: FERRY_TEST_MYSQL or FERRY_TEST_PG not set");
        return;
    };
    let my = loaded_mariadb("routines");
    let pg = ScratchDb::postgres("routines");
    migrate(&my, &pg.url());
    let routines = converted_routines();
    assert_eq!(routines.len(), 6, "{routines:#?}");
    pg.run_script(&format!("{};", routines.join(";\n")))
        .unwrap_or_else(|e| panic!("{e}"));

    // Last month's payments for rewards_report, the same on both sides (an UPDATE: payment's
    // BEFORE INSERT trigger on MariaDB stamps new rows with the time of the insert).
    let day = my
        .query_scalar("SELECT DATE_FORMAT(CURRENT_DATE - INTERVAL 1 MONTH, '%Y-%m-15')")
        .unwrap_or_else(|e| panic!("{e}"));
    let mut dml = String::new();
    for customer in 1..=6 {
        for n in 0..(customer + 4) {
            let id = 50000 + customer * 100 + n;
            dml.push_str(&format!(
                "INSERT INTO payment (payment_id, customer_id, staff_id, rental_id, amount, payment_date) VALUES ({id}, {customer}, 1, NULL, {}.99, '{day} 10:00:00');\n",
                customer
            ));
        }
    }
    dml.push_str(&format!(
        "UPDATE payment SET payment_date = '{day} 10:00:00' WHERE payment_id >= 50000;\n"
    ));
    my.run_script(&dml)
        .unwrap_or_else(|e| panic!("MariaDB: {e}"));
    pg.run_script(&dml)
        .unwrap_or_else(|e| panic!("PostgreSQL: {e}"));

    // Inventory items out (rented, not returned), and others.
    let out = my
        .query_scalar(
            "SELECT inventory_id FROM rental WHERE return_date IS NULL ORDER BY inventory_id LIMIT 3",
        )
        .unwrap_or_else(|e| panic!("{e}"));
    let mut items: Vec<String> = out.lines().map(str::to_string).collect();
    assert_eq!(items.len(), 3, "{out}");
    items.extend(["1", "2", "367", "99999"].map(String::from));

    let mut calls = Vec::new();
    for (c, d) in [
        ("1", "'2005-07-30 00:00:00'"),
        ("148", "'2006-02-15 00:00:00'"),
        ("2", "'2005-06-01 00:00:00'"),
        ("526", "'2005-08-23 12:00:00'"),
        ("9999", "'2006-01-01 00:00:00'"),
    ] {
        calls.push(function("get_customer_balance", &format!("{c}, {d}")));
    }
    for i in &items {
        calls.push(function("inventory_held_by_customer", i));
        calls.push(function("inventory_in_stock", i));
    }
    for (f, s) in [
        ("1", "1"),
        ("1", "2"),
        ("2", "2"),
        ("10", "1"),
        ("1000", "2"),
    ] {
        calls.push(procedure("film_in_stock", &format!("{f}, {s}"), 1, 1));
        calls.push(procedure("film_not_in_stock", &format!("{f}, {s}"), 1, 1));
    }
    for (n, amount) in [("0", "10"), ("1", "0"), ("7", "20.00"), ("5", "10.00")] {
        calls.push(procedure("rewards_report", &format!("{n}, {amount}"), 1, 3));
    }

    let (failures, passed, rows_seen) = run_calls(&calls, &my, &pg);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Every routine called, and the result sets were not all empty.
    assert_eq!(passed.len(), 6, "{passed:?}");
    assert!(rows_seen > 20, "{rows_seen} rows in the result sets");
}

/// Each call on both sides: the failures, the routines that gave the same on both, and how
/// many result-set rows MariaDB returned.
fn run_calls(
    calls: &[Call],
    my: &ScratchDb,
    pg: &ScratchDb,
) -> (Vec<String>, std::collections::BTreeSet<String>, usize) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let (my_url, pg_url) = (my.url(), pg.url());
    let mut failures = Vec::new();
    let mut passed = std::collections::BTreeSet::new();
    let mut rows_seen = 0;
    for call in calls {
        let source = on_mariadb(&rt, &my_url, call);
        let target = on_postgres(&rt, &pg_url, call);
        rows_seen += source.sets.iter().map(Vec::len).sum::<usize>();
        if source == target {
            passed.insert(call.mysql.split('(').next().unwrap_or("").to_string());
        } else {
            failures.push(format!(
                "{}\n  MariaDB:    {source:?}\n  PostgreSQL: {target:?}",
                call.mysql
            ));
        }
    }
    (failures, passed, rows_seen)
}

/// The fixture of procedural constructs (`fixtures/ok/mysql-routines.sql`): its routines
/// created on MariaDB as written and on PostgreSQL as converted, then called alike.
#[test]
fn fixture_routines_give_the_same_results_on_postgres() {
    let (Some(_), Some(_)) = (mysql_url(), pg_url()) else {
        eprintln!("skipped: FERRY_TEST_MYSQL or FERRY_TEST_PG not set");
        return;
    };
    let path = "tests/fixtures/ok/mysql-routines.sql";
    let text = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path))
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    let file = SourceFile::new(path, text.clone());
    let conv = common::convert::with_defaults(Dialect::Mysql, Dialect::Postgres, &file);
    // Dynamic SQL is left out, named with its line and column.
    let left: Vec<String> = conv
        .diagnostics
        .iter()
        .filter(|d| d.message.contains("must be rewritten"))
        .map(|d| {
            let (line, col) = d.span.map_or((0, 0), |s| file.line_col(s.start));
            format!("{}:{line}:{col}: {}", file.name, d.message)
        })
        .collect();
    assert_eq!(
        left,
        [format!(
            "{path}:108:3: procedure `count_rows` must be rewritten for postgres: dynamic SQL (`PREPARE`) is not converted"
        )]
    );
    let my = ScratchDb::mariadb("routines_fixture");
    let pg = ScratchDb::postgres("routines_fixture");
    my.run_script(&text)
        .unwrap_or_else(|e| panic!("MariaDB: {e}"));
    pg.run_script(&conv.output.render(ferry::emit::Section::All))
        .unwrap_or_else(|e| panic!("PostgreSQL: {e}"));
    let rows = "INSERT INTO item (id, name, qty, price) VALUES (1, 'bolt', 10, 0.25), (2, 'nut', 3, 0.10), (3, 'gear', 7, 12.50), (4, 'belt', 0, 8.00);";
    my.run_script(rows)
        .unwrap_or_else(|e| panic!("MariaDB: {e}"));
    pg.run_script(rows)
        .unwrap_or_else(|e| panic!("PostgreSQL: {e}"));

    let mut calls = Vec::new();
    for (q, max) in [
        ("NULL", "5"),
        ("-4", "5"),
        ("3", "5"),
        ("9", "5"),
        ("5", "5"),
    ] {
        calls.push(function("clamp_qty", &format!("{q}, {max}")));
    }
    for n in ["0", "1", "4", "10", "-2"] {
        calls.push(function("triangle", n));
        calls.push(function("odd_sum", n));
        calls.push(function("countdown", n));
    }
    for (min, count) in [("0", "0"), ("5", "10"), ("100", "1"), ("3", "NULL")] {
        calls.push(Call {
            mysql: format!("CALL stock_value({min}, @ferry_out1, @ferry_out2)"),
            outs: vec!["@ferry_out1".into(), "@ferry_out2".into()],
            postgres: format!("CALL stock_value({min}, NULL, {count})"),
            out_count: 2,
            before: Some(format!("SET @ferry_out2 = {count}")),
        });
    }
    let items = query("SELECT id, name, qty, price FROM item");
    for (id, add) in [("1", "5"), ("2", "0"), ("99", "1"), ("3", "-1"), ("4", "2")] {
        calls.push(Call {
            mysql: format!("CALL restock({id}, {add})"),
            outs: Vec::new(),
            postgres: format!("CALL restock({id}, {add})"),
            out_count: 0,
            before: None,
        });
        calls.push(query(&items.mysql));
    }
    let (failures, passed, _) = run_calls(&calls, &my, &pg);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(passed.len(), 7, "{passed:?}");
}
