//! Real databases for tests: scratch databases on the PostgreSQL and MariaDB servers named by
//! FERRY_TEST_PG / FERRY_TEST_MYSQL (started by .ci/start-servers), driven through their own
//! command-line clients, and in-memory SQLite through rusqlite. Passwords go to the clients
//! through PGPASSWORD / MYSQL_PWD, never on a command line or into an error message.

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The PostgreSQL server URL, or None on a developer machine without one. Under CI a missing
/// server is a failure, not a skip.
pub fn pg_url() -> Option<String> {
    server_url("FERRY_TEST_PG")
}

pub fn mysql_url() -> Option<String> {
    server_url("FERRY_TEST_MYSQL")
}

fn server_url(var: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => Some(v),
        _ if std::env::var_os("CI").is_some() => {
            panic!("{var} is not set, but CI needs the real server: run .ci/start-servers")
        }
        _ => None,
    }
}

/// user, password, host, port from `scheme://user:password@host:port/...`.
struct Conn {
    user: String,
    password: String,
    host: String,
    port: String,
}

fn parse_url(url: &str, default_port: &str) -> Conn {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let (auth, hostpart) = rest.rsplit_once('@').unwrap_or(("", rest));
    let (user, password) = auth.split_once(':').unwrap_or((auth, ""));
    let hostport = hostpart.split('/').next().unwrap_or("");
    let (host, port) = hostport.split_once(':').unwrap_or((hostport, default_port));
    Conn {
        user: user.to_string(),
        password: password.to_string(),
        host: host.to_string(),
        port: port.to_string(),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Engine {
    Postgres,
    Mariadb,
}

/// A database created for one test and dropped when the value is dropped.
pub struct ScratchDb {
    engine: Engine,
    conn: Conn,
    pub name: String,
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

fn unique_name(hint: &str) -> String {
    let clean: String = hint
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .take(20)
        .collect::<String>()
        .to_lowercase();
    format!(
        "scratch_{clean}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    )
}

impl ScratchDb {
    pub fn postgres(hint: &str) -> ScratchDb {
        let url = pg_url().expect("FERRY_TEST_PG is set (check pg_url() first)");
        let db = ScratchDb {
            engine: Engine::Postgres,
            conn: parse_url(&url, "5432"),
            name: unique_name(hint),
        };
        db.admin(&format!(
            "DROP DATABASE IF EXISTS {0}; CREATE DATABASE {0}",
            db.name
        ));
        db
    }

    pub fn mariadb(hint: &str) -> ScratchDb {
        let url = mysql_url().expect("FERRY_TEST_MYSQL is set (check mysql_url() first)");
        let db = ScratchDb {
            engine: Engine::Mariadb,
            conn: parse_url(&url, "3306"),
            name: unique_name(hint),
        };
        db.admin(&format!(
            "DROP DATABASE IF EXISTS {0}; CREATE DATABASE {0} CHARACTER SET utf8mb4",
            db.name
        ));
        db
    }

    fn admin(&self, sql: &str) {
        let database = match self.engine {
            Engine::Postgres => "postgres",
            Engine::Mariadb => "",
        };
        for stmt in sql.split("; ") {
            if let Err(e) = self.client(database, stmt) {
                panic!("setting up scratch database {}: {e}", self.name);
            }
        }
    }

    /// Runs a client with `sql` on stdin against `database`, stopping at the first error.
    fn client(&self, database: &str, sql: &str) -> Result<String, String> {
        let mut cmd = match self.engine {
            Engine::Postgres => {
                let mut c = Command::new("psql");
                c.args([
                    "-X",
                    "-q",
                    "-A",
                    "-t",
                    "-v",
                    "ON_ERROR_STOP=1",
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
                .env("PGPASSWORD", &self.conn.password);
                c
            }
            Engine::Mariadb => {
                let mut c = Command::new("mariadb");
                c.args([
                    "--batch",
                    "--skip-column-names",
                    "-h",
                    &self.conn.host,
                    "-P",
                    &self.conn.port,
                    "-u",
                    &self.conn.user,
                ])
                .env("MYSQL_PWD", &self.conn.password);
                if !database.is_empty() {
                    c.arg(database);
                }
                c
            }
        };
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start the database client: {e}"))?;
        if let Some(mut stdin) = child.stdin.take() {
            stdin
                .write_all(sql.as_bytes())
                .map_err(|e| format!("writing to the client: {e}"))?;
        }
        let out = child
            .wait_with_output()
            .map_err(|e| format!("waiting for the client: {e}"))?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
        } else {
            Err(String::from_utf8_lossy(&out.stderr)
                .replace(&self.conn.password, "***")
                .trim()
                .to_string())
        }
    }

    /// Runs a whole script with stop-on-first-error; Err holds the client's message, which names
    /// the failing line.
    pub fn run_script(&self, sql: &str) -> Result<(), String> {
        self.client(&self.name, sql).map(|_| ())
    }

    pub fn query_scalar(&self, sql: &str) -> Result<String, String> {
        self.client(&self.name, sql)
    }

    /// Base tables in the scratch database (all non-system schemas on PostgreSQL).
    pub fn table_count(&self) -> Result<usize, String> {
        let sql = match self.engine {
            // Tables an extension creates (PostGIS's spatial_ref_sys) are not the script's.
            Engine::Postgres => "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') \
                AND n.nspname NOT LIKE 'pg_toast%' AND NOT EXISTS (SELECT 1 FROM pg_depend d \
                WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')"
                .to_string(),
            Engine::Mariadb => format!("SELECT count(*) FROM information_schema.tables WHERE table_type = 'BASE TABLE' AND table_schema = '{}'", self.name),
        };
        self.query_scalar(&sql)?
            .parse()
            .map_err(|e| format!("table count: {e}"))
    }
}

impl Drop for ScratchDb {
    fn drop(&mut self) {
        let (db, sql) = match self.engine {
            Engine::Postgres => (
                "postgres",
                format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
            ),
            Engine::Mariadb => ("", format!("DROP DATABASE IF EXISTS {}", self.name)),
        };
        let _ = self.client(db, &sql);
    }
}

/// Runs a script in a fresh in-memory SQLite database with foreign keys on.
pub fn sqlite_run_script(sql: &str) -> Result<rusqlite::Connection, String> {
    let conn = rusqlite::Connection::open_in_memory().map_err(|e| e.to_string())?;
    conn.execute_batch("PRAGMA foreign_keys = ON;")
        .map_err(|e| e.to_string())?;
    conn.execute_batch(sql).map_err(|e| e.to_string())?;
    Ok(conn)
}

pub fn sqlite_table_count(conn: &rusqlite::Connection) -> Result<usize, String> {
    conn.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        [],
        |r| r.get::<_, i64>(0),
    )
    .map(|n| n as usize)
    .map_err(|e| e.to_string())
}
