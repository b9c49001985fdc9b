//! The `ferry` binary as a user runs it: exit codes, options, and what it prints.

mod common;

use std::path::Path;
use std::process::Output;

use common::ferry;

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

/// A scratch file in the target directory, unique per test.
fn scratch(name: &str, contents: &[u8]) -> String {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli");
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let p = dir.join(name);
    std::fs::write(&p, contents).unwrap_or_else(|e| panic!("{e}"));
    p.display().to_string()
}

#[test]
fn clean_conversion_exits_0() {
    let o = ferry(&[
        "convert",
        "tests/corpus/mysql/chinook/Chinook_MySql.sql",
        "--from",
        "mysql",
        "--to",
        "postgres",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("CREATE TABLE \"Album\""));
    assert!(stderr(&o).contains("tables: 11 read, 11 converted"));
}

#[test]
fn manual_action_exits_1_and_warnings_only_with_deny() {
    // Sakila has triggers and procedures: manual action.
    let o = ferry(&[
        "check",
        "tests/corpus/mysql/sakila/sakila-mv-schema.sql",
        "--from",
        "mysql",
        "--to",
        "postgres",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("F1002"));
    // Warnings only (a lossy boolean): 0, and 1 with --deny warnings.
    let f = scratch(
        "warn.sql",
        b"CREATE TABLE t (id INT PRIMARY KEY, flag TINYINT(1));\n",
    );
    assert_eq!(
        ferry(&["check", &f, "--from", "mysql", "--to", "postgres"])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        ferry(&[
            "check", &f, "--from", "mysql", "--to", "postgres", "--deny", "warnings"
        ])
        .status
        .code(),
        Some(1)
    );
}

#[test]
fn usage_and_io_errors_exit_2() {
    let o = ferry(&[
        "convert",
        "no/such/file.sql",
        "--from",
        "mysql",
        "--to",
        "postgres",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no/such/file.sql"));
    assert_eq!(
        ferry(&["convert", "x.sql", "--to", "oracle9"])
            .status
            .code(),
        Some(2)
    );
    let f = scratch(
        "latin1.sql",
        b"CREATE TABLE t (name VARCHAR(10) DEFAULT 'caf\xe9');\n",
    );
    let o = ferry(&["convert", &f, "--from", "mysql", "--to", "postgres"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("latin1.sql:1: the file is not valid UTF-8"),
        "{}",
        stderr(&o)
    );
    // No --from and no dump header: the dialect cannot be told.
    let f = scratch("plain.sql", b"CREATE TABLE t (id INT);\n");
    let o = ferry(&["convert", &f, "--to", "postgres"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("pass --from"));
}

#[test]
fn dialect_is_inferred_from_a_dump_header() {
    let f = scratch("dump.sql", b"-- MySQL dump 10.13  Distrib 8.0.36\nCREATE TABLE `t` (`id` int NOT NULL AUTO_INCREMENT, PRIMARY KEY (`id`));\n");
    let o = ferry(&["convert", &f, "--to", "sqlite"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("id integer PRIMARY KEY AUTOINCREMENT"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn parse_errors_name_the_place_and_the_rest_converts() {
    let o = ferry(&[
        "convert",
        "tests/fixtures/err/mysql-bad-statement.sql",
        "--from",
        "mysql",
        "--to",
        "postgres",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("tests/fixtures/err/mysql-bad-statement.sql:2:42"),
        "{}",
        stderr(&o)
    );
    assert!(stdout(&o).contains("CREATE TABLE good_two"));
}

#[test]
fn sections_split_the_output() {
    let file = "tests/corpus/mysql/chinook/Chinook_MySql.sql";
    let pre = stdout(&ferry(&[
        "convert",
        file,
        "--from",
        "mysql",
        "--to",
        "postgres",
        "--section",
        "pre-data",
    ]));
    let post = stdout(&ferry(&[
        "convert",
        file,
        "--from",
        "mysql",
        "--to",
        "postgres",
        "--section",
        "post-data",
    ]));
    assert!(pre.contains("CREATE TABLE") && !pre.contains("FOREIGN KEY"));
    assert!(post.contains("FOREIGN KEY") && !post.contains("CREATE TABLE"));
}

#[test]
fn identifiers_can_be_lower_cased() {
    let o = ferry(&[
        "convert",
        "tests/corpus/mysql/chinook/Chinook_MySql.sql",
        "--from",
        "mysql",
        "--to",
        "postgres",
        "--identifiers",
        "lower",
    ]);
    let out = stdout(&o);
    assert!(
        out.contains("CREATE TABLE album (") && out.contains("albumid integer NOT NULL"),
        "{out}"
    );
    assert!(
        !out.contains('"'),
        "lower-case names need no quotes:\n{out}"
    );
}

#[test]
fn on_update_is_emulated_by_a_trigger_that_runs_on_postgres() {
    let f = scratch("onupdate.sql", b"CREATE TABLE t (id INT PRIMARY KEY, v INT, changed TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP);\n");
    let o = ferry(&[
        "convert",
        &f,
        "--from",
        "mysql",
        "--to",
        "postgres",
        "--emulate",
        "on-update",
    ]);
    let ddl = stdout(&o);
    assert!(
        ddl.contains("CREATE TRIGGER") && ddl.contains("NEW.changed := CURRENT_TIMESTAMP"),
        "{ddl}"
    );
    if common::db::pg_url().is_none() {
        eprintln!("skipped the PostgreSQL half: FERRY_TEST_PG not set");
        return;
    }
    let db = common::db::ScratchDb::postgres("onupdate");
    db.run_script(&ddl).unwrap_or_else(|e| panic!("{e}"));
    let changed = db
        .query_scalar(
            "INSERT INTO t (id, v, changed) VALUES (1, 1, '2000-01-01'); UPDATE t SET v = 2; SELECT changed > '2001-01-01' FROM t;",
        )
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(changed.trim(), "t");
}

#[test]
fn user_mappings_take_precedence_and_show_lists_them() {
    let rules = scratch(
        "rules.toml",
        b"[types]\n\"tinyint(1)\" = { to = \"smallint\", note = \"keep the integers\" }\n",
    );
    let f = scratch("flag.sql", b"CREATE TABLE t (flag TINYINT(1));\n");
    let o = ferry(&[
        "convert",
        &f,
        "--from",
        "mysql",
        "--to",
        "postgres",
        "--mappings",
        &rules,
    ]);
    assert!(stdout(&o).contains("flag smallint"), "{}", stdout(&o));
    let shown = stdout(&ferry(&[
        "mappings",
        "show",
        "mysql",
        "postgres",
        "--mappings",
        &rules,
    ]));
    assert!(shown.contains("rules.toml"), "{shown}");
    let bad = scratch(
        "bad.toml",
        b"[types]\n\"int\" = { to = \"integer\", transform = \"no_such_transform\" }\n",
    );
    let o = ferry(&["mappings", "show", "mysql", "postgres", "--mappings", &bad]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no_such_transform"), "{}", stderr(&o));
}

#[test]
fn explain_prints_every_code() {
    for code in ferry::diag::codes::ALL {
        let o = ferry(&["explain", code.id]);
        assert_eq!(o.status.code(), Some(0));
        assert!(stdout(&o).contains(code.explanation));
    }
    assert_eq!(ferry(&["explain", "F9999"]).status.code(), Some(2));
}

#[test]
fn check_json_is_versioned_and_located() {
    let o = ferry(&[
        "check",
        "tests/fixtures/err/mysql-bad-statement.sql",
        "--from",
        "mysql",
        "--to",
        "postgres",
        "--format",
        "json",
    ]);
    let doc: serde_json::Value =
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(doc["version"], 1);
    let first = &doc["diagnostics"][0];
    assert_eq!(first["code"], "F0001");
    assert_eq!(first["line"], 2);
    assert_eq!(first["column"], 42);
}

#[test]
fn report_format_follows_the_output_file() {
    let src = "tests/corpus/mysql/sakila/sakila-mv-schema.sql";
    let base = ["report", src, "--from", "mysql", "--to", "postgres"];
    type Looks = fn(&str) -> bool;
    let cases: [(&str, Looks); 4] = [
        ("r.md", |t| t.starts_with("## ferry migration assessment")),
        ("r.html", |t| {
            t.starts_with("<!DOCTYPE html>") && t.trim_end().ends_with("</html>")
        }),
        ("r.json", |t| {
            serde_json::from_str::<serde_json::Value>(t)
                .is_ok_and(|v| v["report_version"] == 1 && v["summary"]["manual_items"] == 17)
        }),
        ("r.sarif", |t| {
            serde_json::from_str::<serde_json::Value>(t).is_ok_and(|v| v["version"] == "2.1.0")
        }),
    ];
    for (name, ok) in cases {
        let out = scratch(name, b"");
        let mut args = base.to_vec();
        args.extend(["-o", &out]);
        let o = ferry(&args);
        assert_eq!(o.status.code(), Some(0), "{name}: {}", stderr(&o));
        let text = std::fs::read_to_string(&out).unwrap_or_default();
        assert!(
            ok(&text),
            "{name} has the wrong format:\n{}",
            &text[..text.len().min(300)]
        );
    }
    let mut args = base.to_vec();
    args.extend(["--graph", "dot"]);
    let dot = stdout(&ferry(&args));
    assert!(dot.starts_with("digraph ferry {"), "{dot}");
    assert!(
        dot.contains("\"table film\" -> \"table film_actor\""),
        "{dot}"
    );
}

#[test]
fn check_sarif_exits_1_on_manual_items() {
    let o = ferry(&[
        "check",
        "tests/corpus/mysql/sakila/sakila-mv-schema.sql",
        "--from",
        "mysql",
        "--to",
        "postgres",
        "--format",
        "sarif",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let doc: serde_json::Value =
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}"));
    let first = &doc["runs"][0]["results"][0];
    assert_eq!(
        first["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "tests/corpus/mysql/sakila/sakila-mv-schema.sql"
    );
    assert!(first["locations"][0]["physicalLocation"]["region"]["startLine"].as_u64() > Some(0));
}

#[test]
fn report_on_a_missing_file_exits_2() {
    let o = ferry(&[
        "report",
        "no/such.sql",
        "--from",
        "mysql",
        "--to",
        "postgres",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no/such.sql"), "{}", stderr(&o));
}

/// `ferry convert FILE --from FROM --to TO EXTRA...`.
fn convert(file: &str, from: &str, to: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["convert", file, "--from", from, "--to", to];
    args.extend_from_slice(extra);
    ferry(&args)
}

#[test]
fn sqlserver_and_oracle_convert_by_name_and_alias_but_move_no_data() {
    let sqlserver = "tests/corpus/sqlserver/chinook/Chinook_SqlServer.sql";
    let oracle = "tests/corpus/oracle/chinook/Chinook_Oracle.sql";
    // `mssql` and `tsql` name SQL Server too; Chinook converts cleanly to PostgreSQL.
    for name in ["sqlserver", "mssql", "tsql"] {
        let o = convert(sqlserver, name, "postgres", &[]);
        assert_eq!(o.status.code(), Some(0), "{name}: {}", stderr(&o));
        assert!(stdout(&o).contains("CREATE TABLE \"Album\""), "{name}");
    }
    let o = convert(oracle, "oracle", "sqlserver", &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("CREATE TABLE ALBUM"));
    // --oracle-compat speaks of Oracle targets only.
    let o = convert(oracle, "oracle", "postgres", &["--oracle-compat", "11"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--oracle-compat applies to --to oracle"));
    // Their scripts' data is not loaded: a clear usage error, not a parse failure.
    let db = scratch("vendor.db", b"");
    let target = format!("sqlite:{db}");
    let o = ferry(&["migrate", sqlserver, &target, "--from", "sqlserver", "-q"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("moving data out of sqlserver scripts is not supported yet"));
}
