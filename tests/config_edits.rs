//! `migration.toml`'s renames and dropped columns through the binary, against real servers:
//! the rows of a positional dump land in the right columns (issue 21, fault 5), and every
//! object over a renamed column follows the rename or is left out with F1008 (fault 6).

mod common;

use std::path::Path;

use common::db::{ScratchDb, mysql_url, pg_url};
use common::{ferry, ferry_env, password_of, scratch_dir, text};

/// The source table: `note` is dropped, `title` renamed to `name`, values of every kind.
const FILM: &str = "CREATE TABLE film (
  id int NOT NULL PRIMARY KEY,
  title varchar(40) NOT NULL,
  note text,
  price decimal(6,2) NOT NULL,
  released date
);
INSERT INTO film VALUES
  (1, 'Alien', 'first', 2.50, '1979-05-25'),
  (2, 'Brazil', NULL, 3.00, NULL),
  (3, 'Café ☕', 'tab\there', 0.99, '1985-12-18'),
  (4, 'Dune', 'x', 10.00, '1984-12-14');
";

const DROP_AND_RENAME: &str =
    "[rename]\ncolumns = { \"film.title\" = \"name\" }\n\n[drop_columns]\nfilm = [\"note\"]\n";

/// The source's rows as the target must hold them: (id, title, price, released).
const EXPECTED: [&str; 4] = [
    "1|Alien|2.50|1979-05-25",
    "2|Brazil|3.00|",
    "3|Café ☕|0.99|1985-12-18",
    "4|Dune|10.00|1984-12-14",
];

/// The target's rows in the form of `EXPECTED` (SQLite keeps `3.00` as the integer 3).
const SQLITE_FILM: &str = "SELECT id || '|' || name || '|' || printf('%.2f', price) || '|' \
     || coalesce(released, '') FROM film ORDER BY id";

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    p.display().to_string()
}

/// `ferry migrate` (which validates), then `ferry plan` + `ferry validate` once more on the
/// loaded target: both succeed.
fn migrate_and_validate(dir: &Path, source: &str, target: &str, cfg: &str, env: &[(&str, &str)]) {
    let o = ferry_env(&["migrate", source, target, "--config", cfg, "-q"], env);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(!err.contains("expected"), "{err}");
    let plan = dir.join("plan.json").display().to_string();
    let o = ferry_env(
        &["plan", source, target, "--config", cfg, "--output", &plan],
        env,
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let o = ferry_env(&["validate", &plan], env);
    let (out, err) = (text(&o.stdout), text(&o.stderr));
    assert_eq!(o.status.code(), Some(0), "{out}{err}");
    assert!(out.contains("equal"), "{out}");
}

/// The first column of a query's rows in a SQLite file, as text.
fn sqlite_rows(path: &Path, sql: &str) -> Vec<String> {
    let conn = rusqlite::Connection::open(path).unwrap_or_else(|e| panic!("{e}"));
    let mut stmt = conn.prepare(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    let rows = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    rows.map(|r| r.unwrap_or_else(|e| panic!("{e}"))).collect()
}

fn pg_rows(db: &ScratchDb, sql: &str) -> Vec<String> {
    db.query_scalar(sql)
        .unwrap_or_else(|e| panic!("{e}"))
        .lines()
        .map(str::to_string)
        .collect()
}

/// Fault 5: mariadb-dump writes `INSERT INTO film VALUES (...)` without a column list; with
/// `note` dropped and `title` renamed, every row still lands, each value in its column, from
/// the dump and from the server itself, into SQLite and PostgreSQL.
#[test]
fn positional_dump_rows_land_with_dropped_and_renamed_columns() {
    if mysql_url().is_none() || pg_url().is_none() {
        eprintln!("skipped: FERRY_TEST_MYSQL or FERRY_TEST_PG not set");
        return;
    }
    let src = ScratchDb::mariadb("cfg_positional");
    src.run_script(FILM).unwrap_or_else(|e| panic!("{e}"));
    // The test's own reading of the source, in the target's terms.
    let expected: Vec<String> = src
        .query_scalar("SELECT id, title, price, coalesce(released, '') FROM film ORDER BY id")
        .unwrap_or_else(|e| panic!("{e}"))
        .lines()
        .map(|l| l.replace('\t', "|").replace("\\t", "\t"))
        .collect();
    assert_eq!(expected, EXPECTED);
    let dump = src.dump().unwrap_or_else(|e| panic!("{e}"));
    assert!(
        dump.contains("INSERT INTO `film` VALUES") && !dump.contains("INSERT INTO `film` ("),
        "mariadb-dump writes positional INSERTs: {dump}"
    );
    let dir = scratch_dir("config_edits", "positional");
    let dump_file = write(&dir, "dump.sql", &dump);
    let cfg = write(&dir, "migration.toml", DROP_AND_RENAME);
    let server = src.url();
    let pw = password_of(&server);
    for (i, source) in [dump_file.as_str(), server.as_str()]
        .into_iter()
        .enumerate()
    {
        let env = [("MYSQL_PWD", pw.as_str()), ("PGPASSWORD", pw.as_str())];
        let dst = dir.join(format!("dst{i}.db"));
        let target = format!("sqlite:{}", dst.display());
        migrate_and_validate(&dir, source, &target, &cfg, &env);
        assert_eq!(
            sqlite_rows(&dst, SQLITE_FILM),
            EXPECTED,
            "{source} -> SQLite"
        );
        let cols = sqlite_rows(&dst, "SELECT name FROM pragma_table_info('film')");
        assert_eq!(cols, ["id", "name", "price", "released"]);

        let pg = ScratchDb::postgres("cfg_positional");
        let target = pg.url();
        let pg_pw = password_of(&target);
        let env = [("MYSQL_PWD", pw.as_str()), ("PGPASSWORD", pg_pw.as_str())];
        migrate_and_validate(&dir, source, &target, &cfg, &env);
        let sql = "SELECT id, name, price, coalesce(released::text, '') FROM film ORDER BY id";
        assert_eq!(pg_rows(&pg, sql), EXPECTED, "{source} -> PostgreSQL");
        let cols = pg_rows(
            &pg,
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'film' ORDER BY ordinal_position",
        );
        assert_eq!(cols, ["id", "name", "price", "released"]);
    }
}

/// Fault 5 from a PostgreSQL server and a SQLite file: the reads use the source's names.
#[test]
fn database_sources_read_by_their_own_names() {
    if pg_url().is_none() {
        eprintln!("skipped: FERRY_TEST_PG not set");
        return;
    }
    let dir = scratch_dir("config_edits", "database_sources");
    let cfg = write(&dir, "migration.toml", DROP_AND_RENAME);
    let pg = ScratchDb::postgres("cfg_pg_source");
    pg.run_script(FILM).unwrap_or_else(|e| panic!("{e}"));
    let file = dir.join("src.db");
    let conn = rusqlite::Connection::open(&file).unwrap_or_else(|e| panic!("{e}"));
    conn.execute_batch(FILM).unwrap_or_else(|e| panic!("{e}"));
    drop(conn);
    let pw = password_of(&pg.url());
    let env = [("PGPASSWORD", pw.as_str())];
    for (i, source) in [pg.url(), format!("sqlite:{}", file.display())]
        .iter()
        .enumerate()
    {
        let dst = dir.join(format!("dst{i}.db"));
        let target = format!("sqlite:{}", dst.display());
        migrate_and_validate(&dir, source, &target, &cfg, &env);
        assert_eq!(sqlite_rows(&dst, SQLITE_FILM), EXPECTED, "source {i}");
    }
}

/// A PostgreSQL script whose objects all name `film.title`, which the configuration renames
/// (and `film`, renamed to `movie`).
const OBJECTS: &str = "CREATE TABLE film (
  id int PRIMARY KEY,
  title varchar(40) NOT NULL,
  note text,
  price numeric(6,2) NOT NULL,
  title_up varchar(40) GENERATED ALWAYS AS (upper(title)) STORED,
  CONSTRAINT title_set CHECK (title <> '')
);
CREATE INDEX film_lower_title ON film (lower(title));
CREATE INDEX film_cheap ON film (price) WHERE title <> 'x' AND price < 5;
CREATE VIEW cheap AS SELECT f.id, f.title, film2.price FROM film f JOIN film AS film2 ON film2.id = f.id WHERE f.price < 5;
CREATE VIEW titles AS SELECT id, upper(title) AS t FROM film;
CREATE VIEW notes AS SELECT id, note FROM film;
CREATE VIEW over_notes AS SELECT * FROM notes;
INSERT INTO film (id, title, note, price) VALUES (1, 'Alien', 'a', 2.50), (2, 'Brazil', NULL, 7.00), (3, 'Dune', 'c', 1.00);
";

const RENAME_ALL: &str = "[rename]\ntables = { film = \"movie\" }\n\
     columns = { \"film.title\" = \"name\" }\n\n[drop_columns]\nfilm = [\"note\"]\n";

/// Fault 6: the view, expression index, partial index, CHECK and generated column over the
/// renamed column follow it on PostgreSQL and SQLite and work; the views over the dropped
/// column are left out, each named with F1008, and the migration says so with exit code 1.
#[test]
fn objects_over_renamed_columns_follow_and_over_dropped_ones_are_left_out() {
    if pg_url().is_none() {
        eprintln!("skipped: FERRY_TEST_PG not set");
        return;
    }
    let dir = scratch_dir("config_edits", "objects");
    let script = write(&dir, "schema.sql", OBJECTS);
    let cfg = write(&dir, "migration.toml", RENAME_ALL);
    let check_findings = |err: &str| {
        for view in ["notes", "over_notes"] {
            assert!(
                err.contains("F1008") && err.contains(&format!("view `{view}`")),
                "{err}"
            );
        }
        assert!(err.contains("film.note"), "{err}");
        assert!(!err.contains("view `cheap`"), "{err}");
    };

    let dst = dir.join("dst.db");
    let target = format!("sqlite:{}", dst.display());
    let o = ferry(&[
        "migrate", &script, &target, "--from", "postgres", "--config", &cfg,
    ]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "manual findings: {err}");
    check_findings(&err);
    assert!(err.contains("equal"), "the data is validated: {err}");
    let rows = |sql: &str| sqlite_rows(&dst, sql);
    assert_eq!(
        rows("SELECT id || '|' || name || '|' || printf('%.2f', price) FROM cheap ORDER BY id"),
        ["1|Alien|2.50", "3|Dune|1.00"]
    );
    assert_eq!(
        rows("SELECT t FROM titles ORDER BY id"),
        ["ALIEN", "BRAZIL", "DUNE"]
    );
    assert_eq!(
        rows("SELECT title_up FROM movie ORDER BY id"),
        ["ALIEN", "BRAZIL", "DUNE"]
    );
    let indexes = rows(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name",
    );
    assert_eq!(indexes, ["film_cheap", "film_lower_title"]);
    // INDEXED BY fails unless the index serves the expression as written on the new name.
    let by_index = "SELECT name FROM movie INDEXED BY film_lower_title WHERE lower(name) = 'alien'";
    assert_eq!(rows(by_index), ["Alien"]);
    assert!(
        rows("SELECT name FROM sqlite_master WHERE name IN ('notes', 'over_notes')").is_empty()
    );
    let conn = rusqlite::Connection::open(&dst).unwrap_or_else(|e| panic!("{e}"));
    let refused = conn.execute("INSERT INTO movie (id, name, price) VALUES (9, '', 1)", []);
    assert!(refused.is_err(), "the CHECK holds on the new name");

    let pg = ScratchDb::postgres("cfg_objects");
    let target = pg.url();
    let pw = password_of(&target);
    let o = ferry_env(
        &[
            "migrate", &script, &target, "--from", "postgres", "--config", &cfg,
        ],
        &[("PGPASSWORD", pw.as_str())],
    );
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "manual findings: {err}");
    check_findings(&err);
    assert_eq!(
        pg_rows(&pg, "SELECT id, name, price FROM cheap ORDER BY id"),
        ["1|Alien|2.50", "3|Dune|1.00"]
    );
    assert_eq!(
        pg_rows(&pg, "SELECT t FROM titles ORDER BY id"),
        ["ALIEN", "BRAZIL", "DUNE"]
    );
    assert_eq!(
        pg_rows(&pg, "SELECT title_up FROM movie ORDER BY id"),
        ["ALIEN", "BRAZIL", "DUNE"]
    );
    let defs = pg_rows(
        &pg,
        "SELECT indexdef FROM pg_indexes WHERE tablename = 'movie' AND indexname <> 'movie_pkey' ORDER BY indexname",
    );
    assert_eq!(defs.len(), 2, "{defs:?}");
    assert!(
        defs[0].contains("WHERE") && defs[0].contains("name"),
        "{defs:?}"
    );
    assert!(defs[1].contains("lower((name)::text)"), "{defs:?}");
    assert!(
        pg.run_script("INSERT INTO movie (id, name, price) VALUES (9, '', 1)")
            .is_err()
    );
    assert!(!pg.has_table("notes"));
}

/// Fault 6 on MariaDB, where a DEFAULT may name a column: a default, a CHECK, a generated
/// column and a view over the renamed column, MariaDB to MariaDB.
#[test]
fn mariadb_default_and_generated_column_follow_a_rename() {
    if mysql_url().is_none() || pg_url().is_none() {
        eprintln!("skipped: FERRY_TEST_MYSQL or FERRY_TEST_PG not set");
        return;
    }
    let src = ScratchDb::mariadb("cfg_default");
    src.run_script(
        "CREATE TABLE film (
           id int PRIMARY KEY,
           title varchar(40) NOT NULL,
           shown varchar(40) DEFAULT (concat('[', title, ']')),
           title_len int AS (char_length(title)) STORED,
           CONSTRAINT title_set CHECK (title <> '')
         );
         CREATE VIEW titles AS SELECT id, title FROM film;
         INSERT INTO film (id, title) VALUES (1, 'Alien'), (2, 'Brazil');",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let dir = scratch_dir("config_edits", "mariadb_default");
    let cfg = write(
        &dir,
        "migration.toml",
        "[rename]\ncolumns = { \"film.title\" = \"name\" }\n",
    );
    let source = src.url();
    let pw = password_of(&source);
    let dst = ScratchDb::mariadb("cfg_default_dst");
    let o = ferry_env(
        &["migrate", &source, &dst.url(), "--config", &cfg],
        &[("MYSQL_PWD", pw.as_str())],
    );
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    dst.run_script("INSERT INTO film (id, name) VALUES (3, 'Dune')")
        .unwrap_or_else(|e| panic!("the default over `name` works: {e}"));
    assert_eq!(
        dst.query_scalar("SELECT concat_ws('|', id, name, shown, title_len) FROM film ORDER BY id")
            .unwrap_or_else(|e| panic!("{e}")),
        "1|Alien|[Alien]|5\n2|Brazil|[Brazil]|6\n3|Dune|[Dune]|4"
    );
    assert_eq!(
        dst.query_scalar("SELECT title FROM titles ORDER BY id")
            .unwrap_or_else(|e| panic!("{e}")),
        "Alien\nBrazil\nDune"
    );
    assert!(
        dst.run_script("INSERT INTO film (id, name) VALUES (4, '')")
            .is_err()
    );
}

/// `ferry check --format json` on a script; (stdout as JSON, exit code).
fn check_json(dir: &Path, name: &str, script: &str, from: &str) -> (serde_json::Value, i32) {
    let file = write(dir, name, script);
    let o = ferry(&[
        "check", &file, "--from", from, "--to", "postgres", "--format", "json",
    ]);
    let json =
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&o.stderr)));
    (json, o.status.code().unwrap_or(-1))
}

/// Issue 21, fault 9: TABLESPACE clauses and table options the lowering does not read are
/// dropped with a note naming them (PostgreSQL's `CREATE INDEX ... TABLESPACE` included, which
/// did not parse); and a repair that blanks a clause holding multi-byte characters keeps the
/// column of a later error in the statement right.
#[test]
fn dropped_storage_clauses_are_named_and_positions_survive_multibyte_blanking() {
    let dir = scratch_dir("config_edits", "storage");
    let cases = [
        (
            "postgres",
            "CREATE TABLE t (a int) TABLESPACE fast;\nCREATE INDEX t_a ON t (a) TABLESPACE fast;\n",
            vec![
                "TABLESPACE fast of table `t`",
                "the TABLESPACE clause is dropped",
            ],
        ),
        (
            "oracle",
            "CREATE TABLE t (a NUMBER(10)) TABLESPACE users;\n",
            vec!["TABLESPACE users of table `T`"],
        ),
        (
            "mysql",
            "CREATE TABLE t (a int) ENGINE=InnoDB ROW_FORMAT=COMPRESSED KEY_BLOCK_SIZE=8;\n",
            vec!["ROW_FORMAT = COMPRESSED, KEY_BLOCK_SIZE = 8 of table `t`"],
        ),
    ];
    for (from, script, says) in cases {
        let (json, code) = check_json(&dir, &format!("{from}.sql"), script, from);
        assert_eq!(code, 0, "{json}");
        let messages: Vec<&str> = json["diagnostics"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|d| d["code"] == "F2026")
            .filter_map(|d| d["message"].as_str())
            .collect();
        for s in says {
            assert!(
                messages.iter().any(|m| m.contains(s)),
                "{from}: {s}: {messages:?}"
            );
        }
        assert!(
            !messages.iter().any(|m| m.contains("ENGINE")),
            "ENGINE is dropped quietly: {messages:?}"
        );
    }
    // `garbage` stands 69 characters (75 bytes) into the line.
    let script =
        "CREATE TABLE t (a NUMBER(10)) STORAGE (BUFFER_POOL \"☕☕☕\") PCTFREE 10 garbage here;\n";
    let (json, code) = check_json(&dir, "multibyte.sql", script, "oracle");
    assert_eq!(code, 1, "{json}");
    let d = &json["diagnostics"][0];
    assert_eq!(d["code"], "F0001", "{json}");
    assert!(
        d["message"].as_str().is_some_and(|m| m.contains("garbage")),
        "{json}"
    );
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(1), Some(70)),
        "{json}"
    );
}

/// A foreign key to a table the configuration leaves out is not created, and said so with a
/// code of its own (F2031): the plan's DDL holds the table without the key.
#[test]
fn a_key_to_a_table_left_out_is_named() {
    let dir = scratch_dir("config_edits", "fk_left_out");
    let script = write(
        &dir,
        "schema.sql",
        "CREATE TABLE author (id int PRIMARY KEY);\n\
         CREATE TABLE book (id int PRIMARY KEY, author_id int REFERENCES author (id));\n",
    );
    let cfg = write(&dir, "migration.toml", "[tables]\nexclude = [\"author\"]\n");
    let plan = dir.join("plan.json").display().to_string();
    let target = format!("sqlite:{}", dir.join("dst.db").display());
    let o = ferry(&[
        "plan", &script, &target, "--from", "postgres", "--config", &cfg, "-o", &plan,
    ]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        err.contains("warning[F2031 fk-target-left-out]: foreign key of `book` to `author`"),
        "{err}"
    );
    let plan = std::fs::read_to_string(&plan).unwrap_or_else(|e| panic!("{e}"));
    assert!(plan.contains("CREATE TABLE book"), "{plan}");
    assert!(!plan.contains("REFERENCES"), "{plan}");
}
