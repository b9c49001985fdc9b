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
    // Sakila has procedures, which SQLite cannot hold: manual action.
    let o = ferry(&[
        "check",
        "tests/corpus/mysql/sakila/sakila-mv-schema.sql",
        "--from",
        "mysql",
        "--to",
        "sqlite",
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

/// `mappings show --functions`: the rules tried for a pair, in order, and the function table,
/// each with its documentation; a rule of another pair is not listed.
#[test]
fn mappings_show_functions_lists_the_rules_of_the_pair() {
    let o = ferry(&["mappings", "show", "--functions", "mysql", "postgres"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let shown = stdout(&o);
    let at = |needle: &str| {
        shown
            .find(needle)
            .unwrap_or_else(|| panic!("{needle} missing:\n{shown}"))
    };
    assert!(at("mysql_operators") < at("function_names"), "{shown}");
    assert!(
        at("function_names") < at("group_concat_postgres"),
        "{shown}"
    );
    assert!(at("group_concat ") > at("# functions"), "{shown}");
    assert!(
        shown.contains("https://www.postgresql.org/docs/15/functions-aggregate.html"),
        "{shown}"
    );
    assert!(shown.contains("ucase                -> upper"), "{shown}");
    assert!(!shown.contains("group_concat_sqlite"), "{shown}");
    assert!(!shown.contains("oracle_pseudo_columns"), "{shown}");
}

#[test]
fn explain_prints_every_code() {
    for code in ferry::diag::codes::ALL {
        let o = ferry(&["explain", code.id]);
        assert_eq!(o.status.code(), Some(0));
        assert!(stdout(&o).contains(code.explanation));
        assert!(stdout(&o).contains(code.ferry_did));
    }
    assert_eq!(ferry(&["explain", "F9999"]).status.code(), Some(2));
    // A code that a split retired still answers, with the codes that replaced it.
    for retired in ["F2008", "feature-dropped"] {
        let o = ferry(&["explain", retired]);
        assert_eq!(o.status.code(), Some(0));
        assert!(stdout(&o).contains("F2008 feature-dropped (retired)"));
        assert!(stdout(&o).contains("F2018 index-prefix-dropped"));
    }
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

/// `check --format json`, the report's action items and SARIF print one finding alike: the
/// same fields, taken from one `diag::Finding`.
#[test]
fn check_report_and_sarif_print_a_finding_alike() {
    let src = "tests/corpus/mysql/sakila/sakila-mv-schema.sql";
    let run = |args: &[&str]| -> serde_json::Value {
        let mut all = vec![args[0], src, "--from", "mysql", "--to", "sqlserver"];
        all.extend(&args[1..]);
        let o = ferry(&all);
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&o)))
    };
    let check = run(&["check", "--format", "json"]);
    let report = run(&["report", "--format", "json"]);
    let sarif = run(&["check", "--format", "sarif"]);
    let found = check["diagnostics"].as_array().cloned().unwrap_or_default();
    let items = report["action_items"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let results = sarif["runs"][0]["results"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(found.len(), results.len());
    let keys = [
        "code",
        "name",
        "severity",
        "message",
        "file",
        "line",
        "column",
        "end_line",
        "end_column",
        "object",
        "help",
        "notes",
    ];
    let warnings: Vec<&serde_json::Value> =
        found.iter().filter(|f| f["severity"] != "note").collect();
    assert!(!items.is_empty());
    assert_eq!(warnings.len(), items.len());
    for (f, i) in warnings.iter().zip(&items) {
        for key in keys {
            assert!(f.get(key).is_some(), "check JSON lacks {key}: {f}");
            assert_eq!(f[key], i[key], "{key}: {f} / {i}");
        }
        if f["line"] != 0 {
            assert_eq!(i["location"]["line"], f["line"]);
            assert_eq!(i["location"]["end_column"], f["end_column"]);
        }
    }
    for (f, r) in found.iter().zip(&results) {
        assert_eq!(r["ruleId"], f["code"]);
        assert!(
            r["message"]["text"]
                .as_str()
                .is_some_and(|t| t.starts_with(f["message"].as_str().unwrap_or("?"))),
            "{r}"
        );
        let region = &r["locations"][0]["physicalLocation"]["region"];
        if f["line"] != 0 {
            for (sarif_key, key) in [
                ("startLine", "line"),
                ("startColumn", "column"),
                ("endLine", "end_line"),
                ("endColumn", "end_column"),
            ] {
                assert_eq!(region[sarif_key], f[key], "{sarif_key}");
            }
        }
    }
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
                .is_ok_and(|v| v["report_version"] == 1 && v["summary"]["manual_items"] == 3)
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

/// A MySQL script of `n` tables that each give the same two kinds of findings (an unsigned
/// column, ON UPDATE), as large generated schemas do.
fn many_alike_tables(n: usize) -> String {
    (0..n)
        .map(|i| {
            format!(
                "CREATE TABLE t{i:04} (id INT UNSIGNED PRIMARY KEY, \
                 at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP);\n"
            )
        })
        .collect()
}

/// Runs ferry with `input` on its standard input.
fn ferry_stdin(args: &[&str], input: &[u8]) -> Output {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ferry"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run ferry: {e}"));
    let mut stdin = child.stdin.take().unwrap_or_else(|| panic!("no stdin"));
    // A command that refuses before it reads closes the pipe early: not the test's failure.
    if let Err(e) = stdin.write_all(input) {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
    }
    drop(stdin);
    child.wait_with_output().unwrap_or_else(|e| panic!("{e}"))
}

const ESC: &str = "\u{1b}[";

#[test]
fn colour_only_on_a_terminal_or_when_asked() {
    let sakila = "tests/corpus/mysql/sakila/sakila-mv-schema.sql";
    // Standard error is a pipe here, as with `2>file`: no escape codes.
    let o = convert(sakila, "mysql", "postgres", &[]);
    assert!(stderr(&o).contains("warning["), "{}", stderr(&o));
    assert!(!stderr(&o).contains(ESC), "colour on a pipe");
    let o = convert(sakila, "mysql", "postgres", &["--color", "always"]);
    assert!(stderr(&o).contains(ESC), "--color always gave no colour");
    let o = convert(sakila, "mysql", "postgres", &["--color", "never"]);
    assert!(!stderr(&o).contains(ESC));
    // On a terminal (a pseudo-terminal from util-linux `script`): colour, unless NO_COLOR is set.
    let bin = env!("CARGO_BIN_EXE_ferry");
    let on_tty = |no_color: bool| {
        let cmd = format!(
            "{bin} convert {sakila} --from mysql --to postgres -o /dev/null 2>&1 >/dev/null"
        );
        let mut c = std::process::Command::new("script");
        c.args(["-qec", &cmd, "/dev/null"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env_remove("NO_COLOR");
        if no_color {
            c.env("NO_COLOR", "1");
        }
        let o = c
            .output()
            .unwrap_or_else(|e| panic!("cannot run script: {e}"));
        stdout(&o)
    };
    let tty = on_tty(false);
    assert!(tty.contains("warning") && tty.contains(ESC), "{tty}");
    let tty = on_tty(true);
    assert!(
        tty.contains("warning") && !tty.contains(ESC),
        "NO_COLOR: {tty}"
    );
}

#[test]
fn a_closed_stdout_ends_the_command_quietly() {
    use std::io::BufRead;
    let script = scratch("closed_pipe.sql", many_alike_tables(400).as_bytes());
    for args in [
        vec![
            "check", &script, "--from", "mysql", "--to", "postgres", "--format", "json",
        ],
        vec![
            "convert", &script, "--from", "mysql", "--to", "postgres", "-q",
        ],
    ] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ferry"))
            .args(&args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("{e}"));
        let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
        // `| head -1`: one line read, then the pipe is closed.
        let mut first = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut first)
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(!first.is_empty());
        let o = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
        let err = stderr(&o);
        assert!(
            !err.contains("panicked") && !err.contains("Broken pipe"),
            "{args:?}: {err}"
        );
        // The command's own exit code: 0 clean, 1 with the script's findings (warnings are not
        // denied, so 0 here); never 101, the code of a panic.
        assert_eq!(o.status.code(), Some(0), "{args:?}: {err}");
    }
}

#[test]
fn a_dash_reads_the_script_from_stdin() {
    let text = std::fs::read("tests/corpus/mysql/chinook/Chinook_MySql.sql")
        .unwrap_or_else(|e| panic!("{e}"));
    let o = ferry_stdin(
        &["convert", "-", "--from", "mysql", "--to", "sqlite"],
        &text,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("CREATE TABLE Album ("),
        "{}",
        stdout(&o)
    );
    // Its dialect is inferred as a file's is, and findings name it `<stdin>:LINE:COLUMN`.
    let o = ferry_stdin(
        &["check", "-", "--to", "postgres"],
        b"-- MySQL dump 10.13\nCREATE TABLE t (a INT);\nCREATE TABLE u (a INT UNSIGNED, b GARBAGE(;\n",
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("<stdin>:3:"), "{}", stderr(&o));
    // Not UTF-8 on stdin: named as such, exit 2.
    let o = ferry_stdin(
        &["convert", "-", "--from", "mysql", "--to", "sqlite"],
        b"\n\xff",
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("<stdin>:2: the file is not valid UTF-8"),
        "{}",
        stderr(&o)
    );
    // A plan must read its source again: standard input is refused with the reason.
    let db = scratch("stdin_target.db", b"");
    let target = format!("sqlite:{db}");
    let o = ferry_stdin(&["plan", "-", &target, "--from", "mysql"], &text);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("cannot be standard input"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn every_command_takes_the_output_flags() {
    let chinook = "tests/corpus/mysql/chinook/Chinook_MySql.sql";
    let db = scratch("flags_target.db", b"");
    let target = format!("sqlite:{db}");
    let plan = scratch("flags_plan.json", b"");
    // Before and after the command's own arguments.
    for flags in [["-q", "--color=never"], ["--verbose", "--color=always"]] {
        let mut args = vec![
            flags[0], "plan", chinook, &target, "-o", &plan, "--from", "mysql",
        ];
        args.push(flags[1]);
        let o = ferry(&args);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        let o = ferry(&["validate", &plan, flags[0], flags[1]]);
        assert_eq!(
            o.status.code(),
            Some(2),
            "an empty target: the tables are missing"
        );
        for cmd in [
            vec!["convert", chinook, "--from", "mysql", "--to", "sqlite"],
            vec!["check", chinook, "--from", "mysql", "--to", "sqlite"],
            vec![
                "report", chinook, "--from", "mysql", "--to", "sqlite", "--format", "md",
            ],
            vec!["explain", "F2001"],
            vec!["mappings", "show", "mysql", "sqlite"],
        ] {
            let mut args = cmd.clone();
            args.extend_from_slice(&flags);
            let o = ferry(&args);
            assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        }
    }
    // -q on plan: no findings, only the summary line.
    let o = ferry(&["plan", chinook, &target, "--from", "mysql", "-q"]);
    assert!(!stderr(&o).contains("note["), "{}", stderr(&o));
    assert!(stdout(&o).contains("\"tables\""));
}

#[test]
fn alike_findings_are_grouped_unless_verbose() {
    let script = scratch("alike.sql", many_alike_tables(300).as_bytes());
    let args = ["convert", &script, "--from", "mysql", "--to", "postgres"];
    let o = ferry(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    // Two kinds of finding, each shown three times, then one line for the other 297.
    assert_eq!(err.matches("and 297 more like this").count(), 2, "{err}");
    assert!(err.contains("`t0003.id`"), "the line names a few: {err}");
    assert!(err.lines().count() < 100, "{} lines", err.lines().count());
    // --verbose shows every one, as JSON lists every one.
    let mut verbose = args.to_vec();
    verbose.push("-v");
    let err = stderr(&ferry(&verbose));
    let json = ferry(&[
        "check", &script, "--from", "mysql", "--to", "postgres", "--format", "json",
    ]);
    let doc: serde_json::Value =
        serde_json::from_slice(&json.stdout).unwrap_or_else(|e| panic!("{e}"));
    let total = doc["diagnostics"].as_array().map_or(0, Vec::len);
    assert_eq!(total, 2 * 300, "two per table");
    let headers = err
        .lines()
        .filter(|l| l.starts_with("note[") || l.starts_with("warning["))
        .count();
    assert_eq!(headers, total, "{err}");
    assert!(!err.contains("more like this"));
}

#[test]
fn options_that_do_not_apply_are_refused() {
    let chinook = "tests/corpus/mysql/chinook/Chinook_MySql.sql";
    // A report exits 0 once written; --deny would be silently ignored, so it is refused.
    let o = ferry(&[
        "report", chinook, "--from", "mysql", "--to", "sqlite", "--deny", "warnings",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--deny"), "{}", stderr(&o));
    // Oracle releases that do not exist.
    let oracle = "tests/corpus/oracle/chinook/Chinook_Oracle.sql";
    for bad in ["3", "13", "x"] {
        let o = convert(oracle, "oracle", "oracle", &["--oracle-compat", bad]);
        assert_eq!(o.status.code(), Some(2), "{bad}");
        assert!(
            stderr(&o).contains("not an Oracle release ferry knows"),
            "{}",
            stderr(&o)
        );
    }
    let o = convert(oracle, "oracle", "oracle", &["--oracle-compat", "19"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn validate_prints_its_result_on_stdout_in_both_formats() {
    let db = scratch("validate_src.db", b"");
    let _ = std::fs::remove_file(&db);
    let src = rusqlite::Connection::open(&db).unwrap_or_else(|e| panic!("{e}"));
    src.execute_batch(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t VALUES (1, 'a'), (2, 'b');",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    drop(src);
    let dst = scratch("validate_dst.db", b"");
    let _ = std::fs::remove_file(&dst);
    let plan = scratch("validate_plan.json", b"");
    let (source, target) = (format!("sqlite:{db}"), format!("sqlite:{dst}"));
    let o = ferry(&["plan", &source, &target, "-o", &plan]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = ferry(&["load", &plan, "-q"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = ferry(&["validate", &plan]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let table_line = stdout(&o)
        .lines()
        .find(|l| l.starts_with("t "))
        .map(str::to_string);
    assert!(
        table_line
            .as_deref()
            .is_some_and(|l| l.contains(" 2 ") && l.ends_with("equal")),
        "the result is on stdout: {}",
        stdout(&o)
    );
    assert!(stderr(&o).is_empty(), "{}", stderr(&o));
    let o = ferry(&["validate", &plan, "--format", "json"]);
    let doc: serde_json::Value =
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(doc["tables"][0]["equal"], true, "{doc}");
}
