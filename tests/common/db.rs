//! Real databases for tests.
//!
//! - PostgreSQL and MariaDB: scratch databases on the servers named by `FERRY_TEST_PG` and
//!   `FERRY_TEST_MYSQL` (started by `.ci/start-servers`), driven through their own command-line
//!   clients `psql` and `mariadb`, so that a script runs exactly as a user would run it.
//! - SQLite: an in-memory database through rusqlite.
//!
//! Passwords reach the clients through the `PGPASSWORD` / `MYSQL_PWD` environment of the child
//! process, never on a command line and never in an error message.
//!
//! A test that needs a server starts with:
//! ```ignore
//! if common::db::pg_url().is_none() {
//!     eprintln!("skipped: FERRY_TEST_PG not set");
//!     return;
//! }
//! let db = common::db::ScratchDb::postgres("my_test");
//! ```

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The PostgreSQL server URL from `FERRY_TEST_PG`, e.g.
/// `postgres://ferry:ferry@127.0.0.1:5432/postgres`.
///
/// When the variable is unset or empty: under CI (`CI` set) this panics, because CI must have the
/// servers; on a developer machine it returns `None`, and the test should print
/// `skipped: FERRY_TEST_PG not set` and return.
pub fn pg_url() -> Option<String> {
    server_url("FERRY_TEST_PG")
}

/// The MariaDB (or MySQL) server URL from `FERRY_TEST_MYSQL`, e.g.
/// `mysql://ferry:ferry@127.0.0.1:3306/`. Unset: panics under CI, `None` otherwise (as
/// [`pg_url`]).
pub fn mysql_url() -> Option<String> {
    server_url("FERRY_TEST_MYSQL")
}

fn server_url(var: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(v) if !v.trim().is_empty() => Some(v.trim().to_string()),
        _ if ci() => panic!(
            "{var} is not set, but CI must test against the real server: run .ci/start-servers and export what it prints"
        ),
        _ => None,
    }
}

/// CI is set to anything but "", "0" or "false" (insta reads it the same way).
fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.as_str(), "" | "0" | "false"))
}

/// user, password, host and port from `scheme://user:password@host:port/database`.
struct Conn {
    user: String,
    password: String,
    host: String,
    port: String,
}

fn parse_url(url: &str, default_port: &str) -> Conn {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    let (auth, hostport) = authority.rsplit_once('@').unwrap_or(("", authority));
    let (user, password) = auth.split_once(':').unwrap_or((auth, ""));
    let (host, port) = hostport
        .rsplit_once(':')
        .unwrap_or((hostport, default_port));
    Conn {
        user: percent_decode(user),
        password: percent_decode(password),
        host: if host.is_empty() {
            "127.0.0.1".to_string()
        } else {
            host.to_string()
        },
        port: if port.is_empty() {
            default_port.to_string()
        } else {
            port.to_string()
        },
    }
}

/// `%XX` escapes in the user or password part of a URL.
fn percent_decode(s: &str) -> String {
    fn hex(c: u8) -> Option<u8> {
        (c as char).to_digit(16).map(|d| d as u8)
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2]))
        {
            out.push(h * 16 + l);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Engine {
    Postgres,
    Mariadb,
}

/// A database created for one test, empty and uniquely named, dropped again when the value is
/// dropped (also when the test panics).
pub struct ScratchDb {
    engine: Engine,
    conn: Conn,
    /// The database name: `scratch_<hint>_<process id>_<counter>`.
    pub name: String,
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// `scratch_<hint>_<pid>_<n>`: the hint reduced to at most 20 lowercase ASCII letters, digits and
/// underscores, so the name needs no quoting on either server and stays within 63 characters.
fn unique_name(hint: &str) -> String {
    let clean: String = hint
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .take(20)
        .collect();
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    format!("scratch_{clean}_{}_{n}", std::process::id())
}

impl ScratchDb {
    /// Creates a fresh database on the PostgreSQL server of [`pg_url`] (dropping a leftover one of
    /// the same name first). Panics if `FERRY_TEST_PG` is unset (check [`pg_url`] first) or the
    /// server refuses.
    pub fn postgres(name_hint: &str) -> ScratchDb {
        let url =
            pg_url().expect("FERRY_TEST_PG is not set: check pg_url() before ScratchDb::postgres");
        let db = ScratchDb {
            engine: Engine::Postgres,
            conn: parse_url(&url, "5432"),
            name: unique_name(name_hint),
        };
        // Two calls: DROP/CREATE DATABASE cannot share a transaction.
        db.admin(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", db.name));
        db.admin(&format!(
            "CREATE DATABASE {} ENCODING 'UTF8' TEMPLATE template0",
            db.name
        ));
        db
    }

    /// Creates a fresh database (utf8mb4) on the MariaDB server of [`mysql_url`] (dropping a
    /// leftover one of the same name first). Panics if `FERRY_TEST_MYSQL` is unset (check
    /// [`mysql_url`] first) or the server refuses.
    pub fn mariadb(name_hint: &str) -> ScratchDb {
        let url = mysql_url()
            .expect("FERRY_TEST_MYSQL is not set: check mysql_url() before ScratchDb::mariadb");
        let db = ScratchDb {
            engine: Engine::Mariadb,
            conn: parse_url(&url, "3306"),
            name: unique_name(name_hint),
        };
        db.admin(&format!("DROP DATABASE IF EXISTS `{}`", db.name));
        db.admin(&format!(
            "CREATE DATABASE `{}` CHARACTER SET utf8mb4",
            db.name
        ));
        db
    }

    /// The URL of this scratch database (with the password), for code under test that connects
    /// by itself. Do not print it.
    pub fn url(&self) -> String {
        let scheme = match self.engine {
            Engine::Postgres => "postgres",
            Engine::Mariadb => "mysql",
        };
        format!(
            "{scheme}://{}:{}@{}:{}/{}",
            self.conn.user, self.conn.password, self.conn.host, self.conn.port, self.name
        )
    }

    /// Runs one statement outside the scratch database; panics on failure.
    fn admin(&self, sql: &str) {
        let maintenance = match self.engine {
            Engine::Postgres => "postgres",
            Engine::Mariadb => "",
        };
        if let Err(e) = self.client(maintenance, sql) {
            panic!("setting up scratch database {}: {e}", self.name);
        }
    }

    /// Runs the client on `database` ("" = none) with `sql` on standard input, stopping at the
    /// first error. Ok: standard output, trimmed. Err: standard error, trimmed.
    fn client(&self, database: &str, sql: &str) -> Result<String, String> {
        let mut cmd = self.command(database);
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| {
                format!(
                    "cannot start the database client {:?}: {e}",
                    cmd.get_program()
                )
            })?;
        // Write from another thread: a client that fills its stdout/stderr pipes while we are
        // still writing a large script would otherwise deadlock.
        let mut stdin = child
            .stdin
            .take()
            .ok_or("the client has no standard input")?;
        let script = sql.to_owned();
        let writer = std::thread::spawn(move || stdin.write_all(script.as_bytes()));
        let out = child
            .wait_with_output()
            .map_err(|e| format!("waiting for the database client: {e}"))?;
        // A client that stops at an error closes its input early: that broken pipe is not news.
        let _ = writer.join();
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
        } else {
            let err = String::from_utf8_lossy(&out.stderr).trim().to_string();
            Err(self.redact(if err.is_empty() {
                format!("the client exited with {}", out.status)
            } else {
                err
            }))
        }
    }

    /// Starts the client on the scratch database with `sql` on standard input and returns at
    /// once: a writer that keeps working while the test does something else. Its output is
    /// discarded; kill it when done.
    pub fn spawn_script(&self, sql: &str) -> std::process::Child {
        let mut child = self
            .command(&self.name)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start the database client: {e}"));
        if let Some(mut stdin) = child.stdin.take() {
            let script = sql.to_owned();
            std::thread::spawn(move || stdin.write_all(script.as_bytes()));
        }
        child
    }

    /// The engine's client on `database` ("" = none), reading a script from standard input.
    fn command(&self, database: &str) -> Command {
        match self.engine {
            Engine::Postgres => {
                let mut c = Command::new("psql");
                c.args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"])
                    .args([
                        "-h",
                        &self.conn.host,
                        "-p",
                        &self.conn.port,
                        "-U",
                        &self.conn.user,
                        "-d",
                        database,
                        "-f",
                        "-",
                    ])
                    .env("PGPASSWORD", &self.conn.password)
                    .env("PGCONNECT_TIMEOUT", "10")
                    .env("PGCLIENTENCODING", "UTF8")
                    // NOTICEs (e.g. "table does not exist, skipping") would bury the error.
                    .env("PGOPTIONS", "-c client_min_messages=warning");
                c
            }
            Engine::Mariadb => {
                let mut c = Command::new("mariadb");
                // --no-defaults first: no option file of this machine changes the behaviour.
                // --batch: tab-separated output and stop at the first error ("ERROR 1064 (42000)
                // at line 3: ..."). --comments: the server receives the script as written.
                // --skip-print-query-on-error: the error alone, not a copy of a statement that
                // may be a 500 kB INSERT.
                c.args([
                    "--no-defaults",
                    "--batch",
                    "--skip-column-names",
                    "--comments",
                    "--skip-print-query-on-error",
                    "--default-character-set=utf8mb4",
                    "--connect-timeout=10",
                ])
                .args([
                    "-h",
                    &self.conn.host,
                    "-P",
                    &self.conn.port,
                    "-u",
                    &self.conn.user,
                ])
                .env("MYSQL_PWD", &self.conn.password);
                if !database.is_empty() {
                    c.args(["-D", database]);
                }
                c
            }
        }
    }

    /// Clients never see the password except in their environment, so they cannot print it;
    /// this only guards against a URL echoed back in a message.
    fn redact(&self, msg: String) -> String {
        if self.conn.password.is_empty() {
            msg
        } else {
            msg.replace(&format!(":{}@", self.conn.password), ":***@")
        }
    }

    /// Runs a whole SQL script in the scratch database with the real client, stopping at the
    /// first error (psql `-v ON_ERROR_STOP=1 -X -q -f -`; mariadb `--batch`). Err holds the
    /// client's standard error, which names the failing line, e.g.
    /// `psql:<stdin>:3: ERROR:  relation "nope" does not exist` or
    /// `ERROR 1146 (42S02) at line 3: Table 'scratch_x.nope' doesn't exist`.
    pub fn run_script(&self, sql: &str) -> Result<(), String> {
        self.client(&self.name, sql).map(|_| ())
    }

    /// The scratch database as its engine's own dump tool writes it: `pg_dump` plain format (COPY
    /// blocks) or `mariadb-dump` (extended INSERTs, routines and triggers). Err: its stderr.
    pub fn dump(&self) -> Result<String, String> {
        let mut cmd = match self.engine {
            Engine::Postgres => {
                let mut c = Command::new("pg_dump");
                c.args(["--no-owner", "--no-privileges", "-h", &self.conn.host])
                    .args([
                        "-p",
                        &self.conn.port,
                        "-U",
                        &self.conn.user,
                        "-d",
                        &self.name,
                    ])
                    .env("PGPASSWORD", &self.conn.password)
                    .env("PGCONNECT_TIMEOUT", "10");
                c
            }
            Engine::Mariadb => {
                let mut c = Command::new("mariadb-dump");
                c.args(["--no-defaults", "--default-character-set=utf8mb4"])
                    .args(["--routines", "--triggers", "-h", &self.conn.host])
                    .args(["-P", &self.conn.port, "-u", &self.conn.user, &self.name])
                    .env("MYSQL_PWD", &self.conn.password);
                c
            }
        };
        let out = cmd
            .output()
            .map_err(|e| format!("cannot start {:?}: {e}", cmd.get_program()))?;
        if out.status.success() {
            String::from_utf8(out.stdout).map_err(|e| format!("the dump is not UTF-8: {e}"))
        } else {
            Err(self.redact(String::from_utf8_lossy(&out.stderr).trim().to_string()))
        }
    }

    /// Runs `sql` in the scratch database and returns its output without headers, trimmed: for a
    /// query returning one row of one column, that value as text (NULL is "" on PostgreSQL and
    /// "NULL" on MariaDB). Several rows come back one per line, columns separated by `|` on
    /// PostgreSQL and by a tab on MariaDB.
    pub fn query_scalar(&self, sql: &str) -> Result<String, String> {
        self.client(&self.name, sql)
    }

    /// The number of user tables in the scratch database. PostgreSQL: ordinary and partitioned
    /// tables (partitions count too) in every schema but the system ones, without the tables an
    /// extension creates (PostGIS's spatial_ref_sys is not the script's). MariaDB:
    /// information_schema.tables of this database with table_type 'BASE TABLE'.
    /// Whether this database (and no other on the server) has a table of this name.
    pub fn has_table(&self, name: &str) -> bool {
        let sql = match self.engine {
            Engine::Postgres => format!(
                "SELECT count(*) FROM information_schema.tables WHERE table_catalog = current_database() AND table_name = '{name}'"
            ),
            Engine::Mariadb => format!(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = '{}' AND table_name = '{name}'",
                self.name
            ),
        };
        self.query_scalar(&sql).is_ok_and(|n| n.trim() != "0")
    }

    pub fn table_count(&self) -> Result<usize, String> {
        let sql = match self.engine {
            Engine::Postgres => "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') \
                 AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%' \
                 AND NOT EXISTS (SELECT 1 FROM pg_depend d \
                 WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')"
                .to_string(),
            Engine::Mariadb => format!(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = '{}' AND table_type = 'BASE TABLE'",
                self.name
            ),
        };
        let out = self.query_scalar(&sql)?;
        out.parse()
            .map_err(|e| format!("table count: cannot read {out:?} as a number: {e}"))
    }
}

impl Drop for ScratchDb {
    /// Drops the database; failures are ignored (the next run drops leftovers by name anyway).
    fn drop(&mut self) {
        let (maintenance, sql) = match self.engine {
            Engine::Postgres => (
                "postgres",
                format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
            ),
            Engine::Mariadb => ("", format!("DROP DATABASE IF EXISTS `{}`", self.name)),
        };
        let _ = self.client(maintenance, &sql);
    }
}

/// Runs a script in a fresh in-memory SQLite database with `PRAGMA foreign_keys = ON`, through
/// `execute_batch` (stops at the first error). Returns the connection for further checks, or the
/// SQLite error message.
pub fn sqlite_run_script(sql: &str) -> Result<rusqlite::Connection, String> {
    let conn = rusqlite::Connection::open_in_memory().map_err(|e| format!("sqlite: {e}"))?;
    conn.execute_batch("PRAGMA foreign_keys = ON;")
        .map_err(|e| format!("sqlite: {e}"))?;
    conn.execute_batch(sql)
        .map_err(|e| format!("sqlite: {e}"))?;
    Ok(conn)
}

/// The number of user tables in an SQLite database (sqlite_master entries of type 'table',
/// without SQLite's own `sqlite_%` tables).
pub fn sqlite_table_count(conn: &rusqlite::Connection) -> Result<usize, String> {
    conn.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
        [],
        |r| r.get::<_, i64>(0),
    )
    .map(|n| n as usize)
    .map_err(|e| format!("sqlite: {e}"))
}
