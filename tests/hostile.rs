//! Hostile and broken input through the binary: each case must end within the time limit, with
//! the exit code it names (never 101, a panic) and a message that names the place or the
//! problem. Inputs are made here (no server needed), so the cases run everywhere.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn dir() -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join("hostile");
    std::fs::create_dir_all(&d).unwrap_or_else(|e| panic!("{e}"));
    d
}

/// Runs ferry with a deadline; (exit code, stderr). A hang is a failure of the case.
fn run(args: &[String], deadline: Duration) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ferry"))
        .args(args)
        .current_dir(dir())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run ferry: {e}"));
    let mut stderr = child.stderr.take().unwrap_or_else(|| panic!("no stderr"));
    let reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = std::io::Read::read_to_end(&mut stderr, &mut s);
        String::from_utf8_lossy(&s).to_string()
    });
    let start = Instant::now();
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            let err = reader.join().unwrap_or_default();
            return (status.code(), err);
        }
        if start.elapsed() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return (None, format!("did not finish in {deadline:?}"));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// What a case runs.
enum Cmd {
    /// `convert FILE --from D --to postgres`
    Convert(&'static str),
    /// `migrate FILE sqlite:out --from D`
    Migrate(&'static str),
    /// Other arguments; `{file}` is the input's path.
    Args(&'static [&'static str]),
}

struct Case {
    name: &'static str,
    input: Vec<u8>,
    cmd: Cmd,
    /// Accepted exit codes.
    exit: &'static [i32],
    /// Text stderr must contain.
    says: &'static str,
}

fn case(
    name: &'static str,
    input: impl Into<Vec<u8>>,
    cmd: Cmd,
    exit: &'static [i32],
    says: &'static str,
) -> Case {
    Case {
        name,
        input: input.into(),
        cmd,
        exit,
        says,
    }
}

fn nested(depth: usize) -> String {
    format!(
        "CREATE TABLE t (a int CHECK ({}a > 0{}));",
        "(".repeat(depth),
        ")".repeat(depth)
    )
}

fn cases() -> Vec<Case> {
    use Cmd::*;
    let big_ident = "x".repeat(100_000);
    let mut ten_mb = b"CREATE TABLE t (a int, b text);\nINSERT INTO t VALUES ".to_vec();
    for i in 0..400_000 {
        ten_mb.extend_from_slice(format!("({i},'abcdefghijklmnop'),").as_bytes());
    }
    ten_mb.extend_from_slice(b"(0,'end');\n");
    let many_cols: String = (0..5000)
        .map(|i| format!("c{i} int"))
        .collect::<Vec<_>>()
        .join(", ");
    let many_enum: String = (0..50_000)
        .map(|i| format!("'v{i}'"))
        .collect::<Vec<_>>()
        .join(",");
    let fk_chain: String = (0..1000)
        .map(|i| {
            format!(
                "CREATE TABLE t{i} (id int PRIMARY KEY, p int REFERENCES t{} (id));\n",
                (i + 1) % 1000
            )
        })
        .collect();
    vec![
        case(
            "empty file",
            "",
            Convert("mysql"),
            &[2],
            "holds no SQL statement",
        ),
        case(
            "whitespace only",
            " \n\t\n",
            Convert("mysql"),
            &[2],
            "holds no SQL statement",
        ),
        case(
            "comments only",
            "-- a\n/* b */\n# c\n",
            Convert("mysql"),
            &[2],
            "holds no SQL statement",
        ),
        case(
            "binary bytes",
            vec![0u8, 159, 146, 150, 255, 0, 1, 2],
            Convert("mysql"),
            &[2],
            "not valid UTF-8",
        ),
        case(
            "UTF-16 file",
            b"\xff\xfeC\0R\0E\0A\0T\0E\0".to_vec(),
            Convert("mysql"),
            &[2],
            ":1: the file is not valid UTF-8",
        ),
        case(
            "invalid UTF-8 on line 3",
            b"CREATE TABLE a (x int);\n\nCREATE TABLE b (y varchar(3) DEFAULT '\xe9');\n".to_vec(),
            Convert("mysql"),
            &[2],
            ":3:",
        ),
        case(
            "UTF-8 BOM",
            "\u{feff}CREATE TABLE t (a int);",
            Convert("mysql"),
            &[0],
            "1 read, 1 converted",
        ),
        case(
            "NUL byte in SQL",
            "CREATE TABLE t (a int);\0\nCREATE TABLE u (b int);",
            Convert("mysql"),
            &[0, 1],
            "statements",
        ),
        case(
            "unterminated string",
            "CREATE TABLE t (a varchar(3) DEFAULT 'abc);",
            Convert("mysql"),
            &[1],
            "F0002",
        ),
        case(
            "unterminated block comment",
            "CREATE TABLE t (a int);\n/* never closed",
            Convert("mysql"),
            &[1],
            "F0002",
        ),
        case(
            "unterminated dollar quote",
            "CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1",
            Convert("postgres"),
            &[1],
            "F0002",
        ),
        case(
            "unterminated quoted identifier",
            "CREATE TABLE \"t (a int);",
            Convert("postgres"),
            &[1],
            "F0002",
        ),
        case(
            "unterminated backquote",
            "CREATE TABLE `t (a int);",
            Convert("mysql"),
            &[1],
            "F0002",
        ),
        case(
            "setval with a broken argument list",
            "CREATE SEQUENCE s;\nSELECT pg_catalog.setval('s', ;",
            Convert("postgres"),
            &[1],
            "cannot read this setval call",
        ),
        case(
            "setval past the largest bigint",
            "CREATE SEQUENCE s;\nSELECT setval('s', 9223372036854775807, true);",
            Convert("postgres"),
            &[0],
            "past the largest bigint",
        ),
        case(
            "domain with a broken CHECK",
            "CREATE DOMAIN d AS int CONSTRAINT CHECK (VALUE > );\nCREATE TABLE t (a d);",
            Convert("postgres"),
            &[1],
            "cannot read this CREATE DOMAIN",
        ),
        case(
            "versioned partitioning that never closes",
            "CREATE TABLE t (a int) /*!50100 PARTITION BY RANGE (a (PARTITION p0 VALUES LESS THAN (1) */;",
            Convert("mysql"),
            &[1],
            "F0001",
        ),
        case(
            "identity options with a word for a number",
            "CREATE TABLE t (id int GENERATED ALWAYS AS IDENTITY (START WITH x CACHE INCREMENT BY 1));",
            Convert("postgres"),
            &[1],
            "F0001",
        ),
        case(
            "nested block comments (PostgreSQL)",
            "/* a /* b */ still comment */ CREATE TABLE t (a int);",
            Convert("postgres"),
            &[0],
            "1 read, 1 converted",
        ),
        case(
            "line comment at EOF",
            "CREATE TABLE t (a int); -- end",
            Convert("mysql"),
            &[0],
            "1 read",
        ),
        case(
            "100 KB identifier",
            format!("CREATE TABLE {big_ident} (a int);"),
            Convert("mysql"),
            &[0, 1],
            "F2005",
        ),
        case(
            "10 MB statement",
            ten_mb.clone(),
            Convert("mysql"),
            &[0],
            "1 read, 1 converted",
        ),
        case(
            "nesting 100 deep",
            nested(100),
            Convert("mysql"),
            &[0, 1],
            "statements",
        ),
        case(
            "nesting 10,000 deep",
            nested(10_000),
            Convert("mysql"),
            &[1],
            "F0001",
        ),
        // SQL Server's splitter tracks parentheses (a line-start keyword inside them does not
        // start a statement): deep nesting must end in an error, not a stack overflow.
        case(
            "SQL Server nesting 100,000 deep",
            nested(100_000),
            Convert("sqlserver"),
            &[1],
            "F0001",
        ),
        case(
            "SQL Server unterminated bracket identifier",
            "CREATE TABLE [t (a int)\nGO\n",
            Convert("sqlserver"),
            &[1],
            "F0002",
        ),
        case(
            "SQL Server batch of GO lines only",
            "GO\nGO 5\ngo\n",
            Convert("sqlserver"),
            &[2],
            "holds no SQL statement",
        ),
        case(
            "SQL Server unclosed parenthesis runs to GO",
            "CREATE TABLE t (a int\nGO\nCREATE TABLE u (b int)\nGO\n",
            Convert("sqlserver"),
            &[1],
            "F0001",
        ),
        case(
            "Oracle PL/SQL block without its slash line",
            "CREATE TABLE t (a NUMBER);\nCREATE OR REPLACE PROCEDURE p AS\nBEGIN\n  NULL;\nEND;\n",
            Convert("oracle"),
            &[1],
            "F1002",
        ),
        case(
            "Oracle SQL*Plus commands only",
            "SET ECHO ON\nPROMPT hello\nEXIT\n",
            Convert("oracle"),
            &[2],
            "holds no SQL statement",
        ),
        case(
            "Oracle unterminated q-less string",
            "CREATE TABLE t (a VARCHAR2(3) DEFAULT 'abc);",
            Convert("oracle"),
            &[1],
            "F0002",
        ),
        case(
            "view nesting 5,000 deep",
            format!(
                "CREATE VIEW v AS SELECT {}1{};",
                "(".repeat(5000),
                ")".repeat(5000)
            ),
            Convert("mysql"),
            &[1],
            "F0001",
        ),
        case(
            "wrong dialect: PostgreSQL read as MySQL",
            "CREATE TABLE t (id serial, d timestamptz DEFAULT now(), tags text[]);\nCREATE FUNCTION f() RETURNS trigger AS $$ BEGIN RETURN NEW; END $$ LANGUAGE plpgsql;",
            Convert("mysql"),
            &[1],
            "error",
        ),
        case(
            "wrong dialect: MySQL read as SQLite",
            "CREATE TABLE `t` (`id` int unsigned NOT NULL AUTO_INCREMENT, PRIMARY KEY (`id`)) ENGINE=InnoDB;",
            Convert("sqlite"),
            &[0, 1],
            "statements",
        ),
        case(
            "garbage text",
            "lorem ipsum dolor sit amet;\n@@@ ### $$$;",
            Convert("mysql"),
            &[1],
            "F0001",
        ),
        case(
            "only semicolons",
            ";;;;;;",
            Convert("mysql"),
            &[2],
            "holds no SQL statement",
        ),
        case(
            "DELIMITER without value",
            "DELIMITER\nCREATE TABLE t (a int);",
            Convert("mysql"),
            &[0, 1],
            "statements",
        ),
        case(
            "DELIMITER never restored",
            "DELIMITER //\nCREATE TABLE t (a int)//\nCREATE TABLE u (b int)",
            Convert("mysql"),
            &[0, 1],
            "statements",
        ),
        case(
            "5,000 columns",
            format!("CREATE TABLE t ({many_cols});"),
            Convert("mysql"),
            &[0, 1],
            "1 read",
        ),
        case(
            "duplicate column names",
            "CREATE TABLE t (a int, a int);",
            Convert("mysql"),
            &[0, 1],
            "statements",
        ),
        case(
            "1,000-table FK cycle",
            fk_chain,
            Convert("postgres"),
            &[0, 1],
            "1000 read",
        ),
        case(
            "CRLF line endings",
            "CREATE TABLE t (\r\n  a int\r\n);\r\n",
            Convert("mysql"),
            &[0],
            "1 read, 1 converted",
        ),
        case(
            "CR-only line endings",
            "CREATE TABLE t (\r  a int\r);\r",
            Convert("mysql"),
            &[0],
            "1 read",
        ),
        case(
            "emoji identifiers",
            "CREATE TABLE `🚀` (`✓` int);",
            Convert("mysql"),
            &[0, 1],
            "1 read",
        ),
        case(
            "backslash at EOF in a MySQL string",
            "INSERT INTO t VALUES ('abc\\",
            Convert("mysql"),
            &[1, 2],
            "F0002",
        ),
        case(
            "psql meta-commands only",
            "\\connect db\n\\set ON_ERROR_STOP on\n",
            Convert("postgres"),
            &[2],
            "holds no SQL statement",
        ),
        case(
            "COPY without its end",
            "CREATE TABLE t (a int);\nCOPY t (a) FROM stdin;\n1\n2\n",
            Convert("postgres"),
            &[0, 1],
            "statements",
        ),
        case(
            "AUTO_INCREMENT beyond 64 bits",
            "CREATE TABLE t (a int AUTO_INCREMENT PRIMARY KEY) AUTO_INCREMENT=99999999999999999999999;",
            Convert("mysql"),
            &[0, 1],
            "statements",
        ),
        case(
            "VARCHAR length beyond 64 bits",
            "CREATE TABLE t (a varchar(99999999999999999999));",
            Convert("mysql"),
            &[0, 1],
            "statements",
        ),
        case(
            "DECIMAL(1000,2000)",
            "CREATE TABLE t (a decimal(1000,2000));",
            Convert("mysql"),
            &[0, 1],
            "statements",
        ),
        case(
            "ENUM of 50,000 values",
            format!("CREATE TABLE t (a enum({many_enum}));"),
            Convert("mysql"),
            &[0, 1],
            "1 read",
        ),
        case(
            "nonsense type",
            "CREATE TABLE t (a foo(bar(baz)));",
            Convert("mysql"),
            &[0, 1],
            "statements",
        ),
        case(
            "missing input file",
            "",
            Args(&[
                "convert",
                "no-such-file.sql",
                "--to",
                "postgres",
                "--from",
                "mysql",
            ]),
            &[2],
            "no-such-file.sql",
        ),
        case(
            "bad --mappings file",
            "[types\nx =",
            Args(&[
                "convert",
                "{file}",
                "--from",
                "mysql",
                "--to",
                "postgres",
                "--mappings",
                "{file}",
            ]),
            &[1, 2],
            "mapping",
        ),
        case(
            "unknown --from dialect",
            "CREATE TABLE t (a int);",
            Args(&["convert", "{file}", "--from", "cobol", "--to", "postgres"]),
            &[2],
            "cobol",
        ),
        case(
            "plan.json that is not JSON",
            "{ not json",
            Args(&["load", "{file}"]),
            &[2],
            "not a plan",
        ),
        case(
            "plan.json of another version",
            "{\"plan_version\": 7}",
            Args(&["load", "{file}"]),
            &[2],
            "plan_version 7",
        ),
        case(
            "plan.json cut short",
            "{\"plan_version\": 1, \"ferry_version\": \"0.1.0\", \"source\": {\"kind\": \"sqlite\"",
            Args(&["load", "{file}"]),
            &[2],
            "not a plan",
        ),
        case(
            "migration.toml with an unknown key",
            "[tablez]\n",
            Args(&[
                "migrate",
                "x.sql",
                "sqlite:x.db",
                "--from",
                "mysql",
                "--config",
                "{file}",
            ]),
            &[2],
            "tablez",
        ),
        case(
            "dump truncated mid-INSERT",
            "CREATE TABLE t (a int PRIMARY KEY, b text);\nINSERT INTO t VALUES (1,'a'),\n(2,'b",
            Migrate("mysql"),
            &[2],
            "line 3: a string opened here is never closed",
        ),
        case(
            "dump truncated in COPY",
            "CREATE TABLE t (a int PRIMARY KEY);\nCOPY public.t (a) FROM stdin;\n1\n2",
            Migrate("postgres"),
            &[2],
            "has no `\\.` end",
        ),
        case(
            "INSERT with too few values",
            "CREATE TABLE t (a int PRIMARY KEY, b text);\nINSERT INTO t VALUES (1);",
            Migrate("mysql"),
            &[2],
            "expected 2 values",
        ),
        case(
            "INSERT into a table not in the schema",
            "CREATE TABLE t (a int PRIMARY KEY);\nINSERT INTO t VALUES (1);\nINSERT INTO ghost VALUES (1),(2);",
            Migrate("mysql"),
            &[0, 1],
            "2 rows of ghost",
        ),
        case(
            "text into an integer key",
            "CREATE TABLE t (a int PRIMARY KEY);\nINSERT INTO t VALUES ('x');",
            Migrate("mysql"),
            &[0, 1, 2],
            "rows",
        ),
        case(
            "target path that cannot exist",
            "CREATE TABLE t (a int);",
            Args(&[
                "migrate",
                "{file}",
                "sqlite:/no/such/dir/x.db",
                "--from",
                "mysql",
            ]),
            &[2],
            "/no/such/dir/x.db",
        ),
        case(
            "SQLite source that is not a database",
            b"this is not an SQLite file at all, just text".to_vec(),
            Args(&["migrate", "sqlite:{file}", "sqlite:out-notdb.db"]),
            &[2],
            "sqlite:",
        ),
        // Found by the fuzzer (bench/fuzz.rs), minimised by hand.
        case(
            "parse error at a 4-byte character",
            "CREATE TABLE t (a int 🚀);",
            Convert("mysql"),
            &[1],
            ":1:23",
        ),
        case(
            "parse error at a 2-byte character",
            "CREATE TABLE t (a int,\n  b int é);",
            Convert("sqlite"),
            &[1],
            ":2:9",
        ),
        case(
            "PostgreSQL parse error before multi-byte text",
            "CREATE TABLE t (a int) zéééééééé;",
            Convert("postgres"),
            &[1],
            ":1:24",
        ),
        case(
            "routine named in multi-byte letters",
            "CREATE FUNCTION éééééééé() RETURNS int RETURN 1;",
            Convert("mysql"),
            &[0],
            "functions: 1 read, 1 converted",
        ),
    ]
}

#[test]
fn hostile_inputs_end_with_a_clear_error_and_never_a_panic() {
    let all = cases();
    assert!(all.len() >= 50, "{} cases", all.len());
    let mut failures = Vec::new();
    for (i, c) in all.iter().enumerate() {
        let file = dir().join(format!("case{i}.sql"));
        std::fs::write(&file, &c.input).unwrap_or_else(|e| panic!("{e}"));
        let f = file.display().to_string();
        let out = dir().join(format!("case{i}.db"));
        let _ = std::fs::remove_file(&out);
        let args: Vec<String> = match &c.cmd {
            Cmd::Convert(from) => [
                "convert",
                &f,
                "--from",
                from,
                "--to",
                "postgres",
                "-o",
                "/dev/null",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
            Cmd::Migrate(from) => [
                "migrate",
                &f,
                &format!("sqlite:{}", out.display()),
                "--from",
                from,
                "-q",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
            Cmd::Args(a) => a.iter().map(|s| s.replace("{file}", &f)).collect(),
        };
        let (code, err) = run(&args, Duration::from_secs(120));
        let ok = code.is_some_and(|x| c.exit.contains(&x))
            && !err.contains("panicked")
            && err.contains(c.says);
        if !ok {
            let shown: String = err.chars().take(600).collect();
            failures.push(format!(
                "{}: exit {code:?}, wanted {:?} and `{}` in:\n{shown}",
                c.name, c.exit, c.says
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n\n{}",
        failures.len(),
        all.len(),
        failures.join("\n\n")
    );
}
