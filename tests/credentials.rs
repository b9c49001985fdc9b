//! Credentials never leave ferry: a login with a distinctive password runs every command that
//! touches a server (plan, load, resume, worker, validate, migrate, in both directions, and
//! the errors: a wrong password, an unreachable host, nothing to resume), with the password
//! in the URL or in the environment; then everything ferry printed or wrote (standard output
//! and error, plan.json, the reject file, validation JSON) is searched for the password.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::db::{ScratchDb, mysql_url, pg_url};
use common::{scratch_dir, text};

/// Distinctive, and URL-safe so that it is the same text in a URL and in the environment.
const SECRET: &str = "Zq7-cr3d-Wx91-s3cret";

/// Every byte ferry produced in one run, for the search.
struct Seen(String);

impl Seen {
    fn run(&mut self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let out = Command::new(env!("CARGO_BIN_EXE_ferry"))
            .args(args)
            .envs(env.iter().copied())
            .output()
            .unwrap_or_else(|e| panic!("cannot run ferry: {e}"));
        self.0.push_str(&text(&out.stdout));
        self.0.push_str(&text(&out.stderr));
        out
    }

    fn file(&mut self, path: &Path) {
        self.0
            .push_str(&std::fs::read_to_string(path).unwrap_or_default());
    }

    fn assert_clean(&self, what: &str) {
        assert!(
            !self.0.contains(SECRET),
            "{what}: the password appears in ferry's output:\n{}",
            self.0
        );
        assert!(!self.0.is_empty(), "{what}: nothing was captured");
    }
}

fn sqlite_source(dir: &Path) -> String {
    let path = dir.join("source.db");
    rusqlite::Connection::open(&path)
        .and_then(|c| {
            c.execute_batch(
                "CREATE TABLE t (id INTEGER PRIMARY KEY, name VARCHAR(10) NOT NULL);
                 INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c');
                 CREATE TABLE bad (id INTEGER PRIMARY KEY, v VARCHAR(3));
                 INSERT INTO bad VALUES (1, 'ok'), (2, 'too long for three');",
            )
        })
        .unwrap_or_else(|e| panic!("{e}"));
    format!("sqlite:{}", path.display())
}

/// `url`'s host and port (`127.0.0.1:5432`).
fn host_of(url: &str) -> &str {
    url.rsplit_once('@')
        .map_or("127.0.0.1", |(_, h)| h)
        .split('/')
        .next()
        .unwrap_or("127.0.0.1")
}

/// Runs the commands against `target_url` (with the password in it); `unreachable` is the same
/// login on a port nothing listens on.
fn all_commands(dir: &Path, target_url: &str, unreachable: &str, env_name: &str) {
    let mut seen = Seen(String::new());
    let source = sqlite_source(dir);
    let plan = dir.join("plan.json");
    let plan_s = plan.to_str().unwrap_or_default();
    let rejects = dir.join("rejects.jsonl");
    let env = [(env_name, SECRET)];
    let o = seen.run(
        &[
            "plan",
            &source,
            target_url,
            "-o",
            plan_s,
            "--on-error",
            "reject-rows",
            "--reject-file",
            rejects.to_str().unwrap_or_default(),
        ],
        &[],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    seen.file(&plan);
    // No password: the server refuses, and says so without one.
    let o = seen.run(&["load", plan_s], &[(env_name, "not-it")]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    let o = seen.run(&["load", plan_s, "--resume"], &env);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    let o = seen.run(&["load", plan_s, "--keep-state"], &env);
    assert_eq!(
        o.status.code(),
        Some(1),
        "a row is rejected: {}",
        text(&o.stderr)
    );
    seen.file(&rejects);
    let o = seen.run(&["validate", plan_s, "--format", "json"], &env);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let o = seen.run(&["load", plan_s, "--resume"], &env);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    let o = seen.run(
        &[
            "migrate",
            &source,
            target_url,
            "--prepare",
            "drop-and-create",
            "--worker",
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    let o = seen.run(
        &[
            "migrate",
            &source,
            target_url,
            "--prepare",
            "drop-and-create",
            "--on-error",
            "reject-rows",
            "--reject-file",
            rejects.to_str().unwrap_or_default(),
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    seen.file(&rejects);
    // The server as a source, back into SQLite.
    let back = format!("sqlite:{}", dir.join("back.db").display());
    let o = seen.run(&["migrate", target_url, &back], &[]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    // An unreachable host, with the password in the URL.
    let o = seen.run(&["migrate", &source, unreachable], &[]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    seen.assert_clean(target_url.split("://").next().unwrap_or("?"));
}

#[test]
fn no_password_appears_in_any_output_or_file_postgres() {
    let Some(url) = pg_url() else {
        eprintln!("skipped: FERRY_TEST_PG not set");
        return;
    };
    let db = ScratchDb::postgres("creds");
    let user = format!("cred_{}", std::process::id());
    db.run_script(&format!(
        "DROP ROLE IF EXISTS {user}; CREATE ROLE {user} LOGIN SUPERUSER PASSWORD '{SECRET}';"
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    let name = db.url().rsplit('/').next().unwrap_or_default().to_string();
    let target = format!("postgres://{user}:{SECRET}@{}/{name}", host_of(&url));
    let unreachable = format!("postgres://{user}:{SECRET}@127.0.0.1:1/{name}");
    all_commands(
        &scratch_dir("credentials", "postgres"),
        &target,
        &unreachable,
        "PGPASSWORD",
    );
    let _ = ScratchDb::postgres("creds_cleanup").run_script(&format!(
        "DROP OWNED BY {user}; DROP ROLE IF EXISTS {user};"
    ));
}

#[test]
fn no_password_appears_in_any_output_or_file_mariadb() {
    let Some(url) = mysql_url() else {
        eprintln!("skipped: FERRY_TEST_MYSQL not set");
        return;
    };
    let db = ScratchDb::mariadb("creds");
    let user = format!("cred_{}", std::process::id());
    db.run_script(&format!(
        "DROP USER IF EXISTS '{user}'@'127.0.0.1', '{user}'@'localhost';
         CREATE USER '{user}'@'127.0.0.1' IDENTIFIED BY '{SECRET}';
         CREATE USER '{user}'@'localhost' IDENTIFIED BY '{SECRET}';
         GRANT ALL PRIVILEGES ON *.* TO '{user}'@'127.0.0.1';
         GRANT ALL PRIVILEGES ON *.* TO '{user}'@'localhost';"
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    let name = db.url().rsplit('/').next().unwrap_or_default().to_string();
    let target = format!("mysql://{user}:{SECRET}@{}/{name}", host_of(&url));
    let unreachable = format!("mysql://{user}:{SECRET}@127.0.0.1:1/{name}");
    all_commands(
        &scratch_dir("credentials", "mariadb"),
        &target,
        &unreachable,
        "MYSQL_PWD",
    );
    let _ = ScratchDb::mariadb("creds_cleanup").run_script(&format!(
        "DROP USER IF EXISTS '{user}'@'127.0.0.1', '{user}'@'localhost';"
    ));
}
