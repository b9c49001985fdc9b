//! MySQL / MariaDB as a target and as a source, through mysql_async on a runtime of its own.
//!
//! Target: multi-row INSERTs of escaped literals, a few MB each; the session runs with
//! `foreign_key_checks=0, unique_checks=0` (the load order is the dump's or the plan's, not the
//! foreign keys'), and a strict sql_mode, so a value the column cannot hold is refused instead
//! of silently truncated or zeroed (https://mariadb.com/kb/en/sql-mode/):
//! `STRICT_ALL_TABLES` refuses bad values, `NO_AUTO_VALUE_ON_ZERO` keeps a key of 0 as 0,
//! `NO_ENGINE_SUBSTITUTION` refuses a silent engine change. An INSERT statement is atomic in
//! InnoDB, so a refused one is split in halves until the refused rows are found (as for
//! PostgreSQL). MySQL DDL commits implicitly: pre- and post-data are not one transaction there.
//! AUTO_INCREMENT follows the loaded keys by itself.
//!
//! Source: the schema from `SHOW CREATE TABLE` and information_schema.views, read in one
//! `START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY`
//! (https://mariadb.com/kb/en/start-transaction/); rows streamed with the binary protocol of a
//! prepared statement, one row at a time off the socket: numbers and dates arrive as they are
//! stored, not as text to allocate and parse, and dates and times are written back in the text
//! MySQL prints for them (https://mariadb.com/kb/en/resultset-row/). MySQL cannot share a snapshot between connections: several
//! workers begin theirs while a coordinator holds `FLUSH TABLES WITH READ LOCK`, released as
//! soon as the last one began (https://mariadb.com/kb/en/flush/; mydumper does the same), so
//! they all read one moment and writers wait only for that moment.

use std::sync::Mutex;

use mysql_async::prelude::Queryable;
use mysql_async::{Conn, OptsBuilder};
use tokio::runtime::Runtime;

use super::error::mysql_error;
use super::rejects::Rejects;
use super::timeout::{Link, Probe, Timeouts};
use super::{
    KeyBounds, KeyRange, LoadError, Refusal, Target, chunk_key, count_sql, select_sql, where_clause,
};
use crate::conn::Server;
use crate::plan::{OnError, Plan, TablePlan};
use crate::sync::source::mysql::{is_mariadb, log_position};
use crate::transform::Transform;
use crate::value::{Row, Value};

/// INSERT statements are cut at about this many bytes (MariaDB's max_allowed_packet is 16 MB).
const MAX_STATEMENT: usize = 4 << 20;

/// Connects to a MySQL or MariaDB server; the error names the server, never the password.
/// The `Link` watches the connection's answers (see `timeout.rs`).
pub(crate) fn connect(
    server: &Server,
    timeouts: Timeouts,
) -> Result<(Runtime, Conn, Link), LoadError> {
    let name = format!(
        "mysql://{}@{}:{}/{}",
        server.user, server.host, server.port, server.database
    );
    let param = |key: &str| {
        server
            .params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    };
    let mode = param("ssl-mode")
        .or_else(|| param("sslmode"))
        .unwrap_or("PREFERRED")
        .to_ascii_uppercase();
    let tls = tls_options(&mode, param("ssl-ca"))
        .map_err(|e| LoadError::config(format!("{name}: {e}")))?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| LoadError::io(format!("cannot start the I/O runtime: {e}"), e))?;
    let opts = |tls: Option<mysql_async::SslOpts>| {
        OptsBuilder::default()
            .ip_or_hostname(server.host.clone())
            .tcp_port(server.port)
            .user(Some(server.user.clone()))
            .pass(server.password.as_ref().map(|p| p.expose().to_string()))
            .db_name((!server.database.is_empty()).then(|| server.database.clone()))
            .prefer_socket(false)
            .tcp_keepalive(Some(timeouts.keepalive().0))
            .ssl_opts(tls)
    };
    let open = |o: OptsBuilder| Link::connect_within(&rt, timeouts, &name, Conn::new(o));
    let mut used = opts(tls.clone());
    let conn = match open(used.clone())? {
        // PREFERRED: a server without TLS is spoken to in plain text, as the mysql client does.
        Err(mysql_async::Error::Driver(mysql_async::DriverError::NoClientSslFlagFromServer))
            if mode == "PREFERRED" =>
        {
            used = opts(None);
            open(used.clone())?
        }
        other => other,
    }
    .map_err(|e| LoadError::connect(format!("{name}: cannot connect (ssl-mode={mode}): {e}"), e))?;
    // The check that a silent server lives: a new connection and `SELECT 1`. Any answer, a
    // refusal included, is one.
    let probe: Probe = Box::new(move || {
        let o = used.clone();
        Box::pin(async move {
            match Conn::new(o).await {
                Ok(mut c) => {
                    let alive = match c.query_drop("SELECT 1").await {
                        Ok(()) => true,
                        Err(e) => matches!(e, mysql_async::Error::Server(_)),
                    };
                    let _ = c.disconnect().await;
                    alive
                }
                Err(e) => matches!(e, mysql_async::Error::Server(_)),
            }
        })
    });
    Ok((rt, conn, Link::new(name, timeouts, probe)))
}

/// Runs one request on `rt`, watched by `link`. Err, by kind, is "`server`: `doing` failed:
/// the server's message", or a `Timeout` when the server stopped answering.
pub(crate) fn run<T>(
    rt: &Runtime,
    link: &Link,
    work: impl std::future::Future<Output = Result<T, mysql_async::Error>>,
    doing: impl Fn() -> String,
) -> Result<T, LoadError> {
    link.wait(rt, work, &doing)?.map_err(|e| {
        let message = format!("{}: {} failed: {e}", link.name, doing());
        mysql_error(message, e, Vec::new())
    })
}

/// The column a server refusal names: ``for column `db`.`t`.`c` at row 1`` (MariaDB),
/// `for column 'c' at row 1` (MySQL).
fn refused_column(message: &str) -> Option<String> {
    let rest = &message[message.find("for column ")? + 11..];
    let name = rest.split(" at row").next()?.trim();
    let last = name.rsplit('.').next()?;
    let bare = last.trim_matches(['`', '\'']);
    (!bare.is_empty()).then(|| bare.to_string())
}

/// TLS as the MySQL and MariaDB clients' `--ssl-mode` asks for it
/// (https://dev.mysql.com/doc/refman/8.0/en/connection-options.html#option_general_ssl-mode):
/// `DISABLED` none; `PREFERRED` (the default) TLS when the server offers it; `REQUIRED` TLS
/// without checking the certificate; `VERIFY_CA` a certificate signed by a trusted authority
/// (`ssl-ca=FILE`, else the system's); `VERIFY_IDENTITY` that, for this host name.
fn tls_options(mode: &str, ca: Option<&str>) -> Result<Option<mysql_async::SslOpts>, String> {
    let (check_cert, check_host) = match mode {
        "DISABLED" => return Ok(None),
        "PREFERRED" | "REQUIRED" => (false, false),
        "VERIFY_CA" => (true, false),
        "VERIFY_IDENTITY" => (true, true),
        other => {
            return Err(format!(
                "ssl-mode={other} is not one of DISABLED, PREFERRED, REQUIRED, VERIFY_CA, VERIFY_IDENTITY"
            ));
        }
    };
    let mut tls = mysql_async::SslOpts::default()
        .with_danger_accept_invalid_certs(!check_cert)
        .with_danger_skip_domain_validation(!check_host);
    if let Some(path) = ca {
        std::fs::metadata(path).map_err(|e| format!("cannot read ssl-ca {path}: {e}"))?;
        tls = tls.with_root_certs(vec![std::path::PathBuf::from(path).into()]);
    }
    Ok(Some(tls))
}

pub(crate) fn quote(s: &str) -> String {
    format!("`{}`", s.replace('`', "``"))
}

/// A string literal: backslash and quote escaped, NUL as `\0`
/// (https://mariadb.com/kb/en/string-literals/).
fn string_literal(s: &str, out: &mut String) {
    out.push('\'');
    if !s.bytes().any(|b| matches!(b, b'\\' | b'\'' | b'\0')) {
        out.push_str(s);
        out.push('\'');
        return;
    }
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\0' => out.push_str("\\0"),
            _ => out.push(c),
        }
    }
    out.push('\'');
}

pub(crate) fn is_binary(target_type: &str) -> bool {
    let t = target_type.to_ascii_lowercase();
    t.contains("blob") || t.contains("binary") || t.starts_with("bit")
}

/// One value as a MySQL literal (`binary`: for a binary column); Err is a reason to refuse the
/// row.
pub(crate) fn literal(
    v: &Value,
    target_type: &str,
    binary: bool,
    out: &mut String,
) -> Result<(), String> {
    match v {
        Value::Null => out.push_str("NULL"),
        Value::Bool(b) => out.push(if *b { '1' } else { '0' }),
        Value::Int(i) => out.push_str(itoa::Buffer::new().format(*i)),
        Value::UInt(u) => out.push_str(itoa::Buffer::new().format(*u)),
        Value::Float(f) if !f.is_finite() => {
            return Err(format!("{f}: MySQL floats hold no NaN or infinity"));
        }
        Value::Float(f) => out.push_str(&format!("{f:e}")),
        Value::Decimal(d) if d.chars().all(|c| c.is_ascii_digit() || ".-+eE".contains(c)) => {
            out.push_str(d)
        }
        Value::Decimal(d) => string_literal(d, out),
        Value::Text(t) if binary => hex_literal(t.as_bytes(), out),
        Value::Text(t) => string_literal(t, out),
        Value::Bytes(b) if binary => hex_literal(b, out),
        Value::Bytes(b) => match std::str::from_utf8(b) {
            Ok(t) => string_literal(t, out),
            Err(_) => {
                return Err(format!(
                    "the value is not valid UTF-8 text for {target_type}"
                ));
            }
        },
    }
    Ok(())
}

/// About the length of a value's literal, without printing it.
fn literal_size(v: &Value) -> usize {
    4 + match v {
        Value::Null | Value::Bool(_) => 1,
        Value::Int(_) | Value::UInt(_) | Value::Float(_) => 24,
        Value::Decimal(t) | Value::Text(t) => t.len() + t.len() / 8,
        Value::Bytes(b) => 2 * b.len(),
    }
}

/// `X'00ff'`.
fn hex_literal(b: &[u8], out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.reserve(b.len() * 2 + 3);
    out.push_str("X'");
    for x in b {
        out.push(char::from(HEX[usize::from(x >> 4)]));
        out.push(char::from(HEX[usize::from(x & 15)]));
    }
    out.push('\'');
}

pub struct MysqlTarget {
    rt: Runtime,
    conn: Conn,
    link: Link,
    /// Whether a refused statement undoes only itself (see `write`).
    statement_rollback: bool,
}

impl MysqlTarget {
    pub fn open(server: &Server, timeouts: Timeouts) -> Result<MysqlTarget, LoadError> {
        let (rt, conn, link) = connect(server, timeouts)?;
        let mut t = MysqlTarget {
            rt,
            conn,
            link,
            statement_rollback: false,
        };
        t.exec(
            "session",
            "SET NAMES utf8mb4, SESSION foreign_key_checks = 0, SESSION unique_checks = 0, \
             SESSION sql_mode = 'STRICT_ALL_TABLES,NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION', \
             SESSION time_zone = '+00:00'",
        )?;
        // A slot lock for as long as the connection lives (see `other_loads`).
        for slot in 0..LOAD_SLOTS {
            if t.count(&format!(
                "SELECT GET_LOCK({}, 0)",
                slot_lock(&slot.to_string())
            ))? == 1
            {
                break;
            }
        }
        Ok(t)
    }

    fn exec(&mut self, what: &str, sql: &str) -> Result<(), LoadError> {
        let tagged = format!("{LOAD_TAG}{sql}");
        let doing = || {
            let first = sql.lines().next().unwrap_or("");
            let first: String = first.chars().take(120).collect();
            format!("{what} statement `{first}`")
        };
        let result = self
            .link
            .wait(&self.rt, self.conn.query_drop(tagged), doing)?;
        result.map_err(|e| {
            // Error 1005 "can't create table" says why only in the notes it leaves behind.
            let notes = match &e {
                mysql_async::Error::Server(s) if s.code == 1005 => self.warning_codes(),
                _ => Vec::new(),
            };
            let message = format!("{}: {} failed: {e}", self.link.name, doing());
            mysql_error(message, e, notes)
        })
    }

    /// The codes of the session's last notes (`SHOW WARNINGS`); none when they cannot be read.
    fn warning_codes(&mut self) -> Vec<i64> {
        let rows: Vec<(String, i64, String)> = self
            .link
            .wait(&self.rt, self.conn.query("SHOW WARNINGS"), || {
                "SHOW WARNINGS".to_string()
            })
            .ok()
            .and_then(Result::ok)
            .unwrap_or_default();
        rows.into_iter().map(|(_, code, _)| code).collect()
    }

    /// One INSERT of `rows`; a refusal carries the server's message, a lost or silent server
    /// stops the write.
    fn insert(&mut self, table: &TablePlan, rows: &[&Row]) -> Result<(), Refusal> {
        let cols: Vec<&str> = table.columns.iter().map(|c| c.target.as_str()).collect();
        let mut sql = format!(
            "{LOAD_TAG}INSERT INTO {} ({}) VALUES ",
            table.target,
            cols.join(", ")
        );
        let binary: Vec<bool> = table
            .columns
            .iter()
            .map(|c| is_binary(&c.target_type))
            .collect();
        for (i, row) in rows.iter().enumerate() {
            if i > 0 {
                sql.push(',');
            }
            sql.push('(');
            for (j, ((v, c), bin)) in row.iter().zip(&table.columns).zip(&binary).enumerate() {
                if j > 0 {
                    sql.push(',');
                }
                literal(v, &c.target_type, *bin, &mut sql).map_err(|r| {
                    Refusal::Row(format!("column {}: {r}", c.source), Some(i), None)
                })?;
            }
            sql.push(')');
        }
        let doing = || format!("INSERT into {}", table.target);
        let result = self.link.wait(&self.rt, self.conn.query_drop(sql), doing)?;
        result.map_err(|e| match e {
            // The server's own refusal: the rows are to blame.
            mysql_async::Error::Server(_) => {
                let column = refused_column(&e.to_string());
                Refusal::Row(e.to_string(), None, column)
            }
            e => {
                let message = format!("{}: {} failed: {e}", self.link.name, doing());
                Refusal::Stop(mysql_error(message, e, Vec::new()))
            }
        })
    }
}

impl Target for MysqlTarget {
    fn table_exists(&mut self, name: &str) -> Result<bool, LoadError> {
        let bare = crate::plan::target_name(name).name;
        let n: Option<i64> = run(
            &self.rt,
            &self.link,
            self.conn.exec_first(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?",
                (bare.as_str(),),
            ),
            || format!("looking for table {bare}"),
        )?;
        Ok(n.unwrap_or(0) > 0)
    }

    fn run(&mut self, what: &str, statements: &[String]) -> Result<(), LoadError> {
        for sql in statements {
            self.exec(what, sql)?;
        }
        Ok(())
    }

    fn drop_sql(&self, name: &str) -> String {
        format!("DROP TABLE IF EXISTS {name}")
    }

    fn empty(&mut self, names: &[&str]) -> Result<(), LoadError> {
        for n in names {
            self.exec("truncate", &format!("TRUNCATE TABLE {n}"))?;
        }
        Ok(())
    }

    fn write(
        &mut self,
        table: &TablePlan,
        rows: &[Row],
        on_error: OnError,
        rejects: &Rejects,
    ) -> Result<u64, LoadError> {
        // With unique_checks and foreign_key_checks off, InnoDB loads an empty table in bulk
        // and a refused statement then undoes every row the transaction put in that table,
        // not only its own (https://jira.mariadb.org/browse/MDEV-24621): rows written before
        // a rejected one would be lost. Setting bad rows aside needs statement rollback, so
        // unique checks go back on for it; a load that aborts on a bad row rolls its chunk
        // back anyway and keeps the bulk load.
        if on_error == OnError::RejectRows && !self.statement_rollback {
            self.exec("session", "SET SESSION unique_checks = 1")?;
            self.statement_rollback = true;
        }
        // Statements of at most MAX_STATEMENT bytes, judged by the values' sizes.
        let mut written = 0;
        let mut start = 0;
        let mut size = 0;
        for (i, row) in rows.iter().enumerate() {
            size += row.iter().map(literal_size).sum::<usize>();
            if size > MAX_STATEMENT || i + 1 == rows.len() {
                let refs: Vec<&Row> = rows[start..=i].iter().collect();
                written +=
                    super::write_split("MySQL", table, &refs, on_error, rejects, &mut |b| {
                        self.insert(table, b)
                    })?;
                start = i + 1;
                size = 0;
            }
        }
        Ok(written)
    }

    fn count(&mut self, sql: &str) -> Result<u64, LoadError> {
        let n: Option<i64> = run(&self.rt, &self.link, self.conn.query_first(sql), || {
            format!("`{sql}`")
        })?;
        Ok(n.unwrap_or(0).max(0) as u64)
    }

    fn after_load(&mut self, _plan: &Plan) -> Result<(), LoadError> {
        Ok(())
    }

    fn describe(&self) -> String {
        self.link.name.clone()
    }

    fn execute(&mut self, what: &str, sql: &str) -> Result<(), LoadError> {
        self.exec(what, sql)
    }

    fn setup_lock(&mut self, take: bool) -> Result<(), LoadError> {
        // A named lock per database, held by the session (https://mariadb.com/kb/en/get_lock/).
        const NAME: &str = "CONCAT('ferry-load:', DATABASE())";
        if !take {
            return self.exec("lock", &format!("DO RELEASE_LOCK({NAME})"));
        }
        match self.count(&format!("SELECT GET_LOCK({NAME}, 600)"))? {
            1 => Ok(()),
            _ => Err(LoadError::state(format!(
                "{}: another ferry worker held the set-up lock for 10 minutes",
                self.link.name
            ))),
        }
    }

    fn other_loads(&mut self) -> Result<u64, LoadError> {
        // A killed load's connection lives on in the server until the server has read all it
        // was sent (a COMMIT among it) and then its end: its slot lock goes only then.
        let lock = slot_lock("n");
        self.count(&format!(
            "WITH RECURSIVE k(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM k WHERE n < {last}) \
             SELECT count(*) FROM k WHERE IS_USED_LOCK({lock}) IS NOT NULL \
             AND IS_USED_LOCK({lock}) <> CONNECTION_ID()",
            last = LOAD_SLOTS - 1
        ))
    }

    fn applied_already(&self, error: &LoadError) -> bool {
        // By the server's error code (see `SqlCode::already_exists`).
        error.already_exists()
    }

    fn query_ints(&mut self, sql: &str) -> Result<Vec<Vec<i64>>, LoadError> {
        let rows: Vec<mysql_async::Row> = run(&self.rt, &self.link, self.conn.query(sql), || {
            format!("`{sql}`")
        })?;
        rows.iter()
            .map(|r| {
                (0..r.len())
                    .map(|i| {
                        r.get_opt::<i64, usize>(i)
                            .and_then(Result::ok)
                            .ok_or_else(|| {
                                LoadError::sql(format!(
                                    "{}: `{sql}`: column {i} is not an integer",
                                    self.link.name
                                ))
                            })
                    })
                    .collect()
            })
            .collect()
    }
}

/// The comment every statement a load sends starts with: the server's process list shows a
/// database administrator which statements are ferry's.
const LOAD_TAG: &str = "/* ferry-load */ ";

/// Every target connection of a load holds a named lock `ferry-load-slot:DB:N`, the first of
/// these slots that is free, for as long as it lives (https://mariadb.com/kb/en/get_lock/): a
/// resumed load waits until no other connection holds one.
const LOAD_SLOTS: u32 = 256;

/// The SQL expression naming slot `n` (a number or a column) of the connection's database.
fn slot_lock(n: &str) -> String {
    format!("CONCAT('ferry-load-slot:', IFNULL(DATABASE(), ''), ':', {n})")
}

/// A live MySQL or MariaDB database read as a source.
pub struct MysqlSource {
    rt: Runtime,
    conn: Mutex<Conn>,
    link: Link,
    /// Where the snapshot stands in the binary log (`Position`'s text), when asked for.
    mark: Option<String>,
}

/// `n` sources reading one moment of the database (see the module's comment). Without the
/// RELOAD privilege the lock is refused: the workers then read a snapshot each, and `warn`
/// says so.
///
/// `want_mark` (for `ferry sync`): each source also knows where its snapshot stands in the
/// binary log (`RowSource::change_mark`), read while the lock holds every writer back, so no
/// commit falls between the position and the snapshots. Without the lock, a single source on
/// MariaDB reads its snapshot's own position (`binlog_snapshot_file` and `_position`, exact for
/// a consistent-snapshot transaction: https://mariadb.com/kb/en/enhancements-for-start-transaction-with-consistent-snapshot/);
/// otherwise there is no exact position and sync is refused.
pub fn open_together(
    server: &Server,
    n: usize,
    timeouts: Timeouts,
    warn: &dyn Fn(String),
    want_mark: bool,
) -> Result<Vec<MysqlSource>, LoadError> {
    if n <= 1 && !want_mark {
        return Ok(vec![MysqlSource::open(server, timeouts)?]);
    }
    let (rt, mut conn, link) = connect(server, timeouts)?;
    let name = &link.name;
    let lock = async {
        conn.query_drop("SET SESSION lock_wait_timeout = 30")
            .await?;
        conn.query_drop("FLUSH TABLES WITH READ LOCK").await
    };
    let locked = link.wait(&rt, lock, || "FLUSH TABLES WITH READ LOCK".to_string())?;
    let mark = match &locked {
        Ok(()) if want_mark => Some(position_text(
            run(&rt, &link, log_position(&mut conn), || {
                "reading the binary log position".to_string()
            })?,
            name,
        )?),
        Ok(()) => None,
        Err(e) if want_mark => {
            let mariadb = run(&rt, &link, is_mariadb(&mut conn), || {
                "reading the server's version".to_string()
            })?;
            if !(mariadb && n <= 1) {
                return Err(LoadError::config(format!(
                    "{name}: FLUSH TABLES WITH READ LOCK was refused ({e}): sync needs it to \
                     know where the full load's snapshot stands in the binary log; grant \
                     RELOAD{}",
                    if mariadb { ", or use --jobs 1" } else { "" }
                )));
            }
            let mut source = MysqlSource::open(server, timeouts)?;
            source.mark = Some(source.snapshot_position()?);
            return Ok(vec![source]);
        }
        Err(e) => {
            warn(format!(
                "ferry: warning: {name}: FLUSH TABLES WITH READ LOCK was refused ({e}): the {n} \
                 workers read a consistent snapshot each, not one moment; grant RELOAD, or use \
                 --jobs 1"
            ));
            None
        }
    };
    let sources = (0..n.max(1))
        .map(|_| {
            let mut s = MysqlSource::open(server, timeouts)?;
            s.mark = mark.clone();
            Ok(s)
        })
        .collect();
    if locked.is_ok() {
        run(&rt, &link, conn.query_drop("UNLOCK TABLES"), || {
            "UNLOCK TABLES".to_string()
        })?;
    }
    sources
}

/// A position read for a change mark, as text; none means the server writes no binary log.
fn position_text(
    position: Option<crate::sync::change::Position>,
    name: &str,
) -> Result<String, LoadError> {
    position.map(|p| p.to_string()).ok_or_else(|| {
        LoadError::config(format!(
            "{name}: the server writes no binary log (log_bin is off): sync reads the changes \
             from it; start the server with --log-bin"
        ))
    })
}

impl MysqlSource {
    pub fn open(server: &Server, timeouts: Timeouts) -> Result<MysqlSource, LoadError> {
        let (rt, conn, link) = connect(server, timeouts)?;
        let src = MysqlSource {
            rt,
            conn: Mutex::new(conn),
            link,
            mark: None,
        };
        src.exec("SET NAMES utf8mb4, SESSION time_zone = '+00:00'")?;
        src.exec("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ")?;
        src.exec("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")?;
        Ok(src)
    }

    /// The binary log position of this source's snapshot (MariaDB's `binlog_snapshot_file`
    /// and `binlog_snapshot_position`, read inside the snapshot's transaction), as text.
    fn snapshot_position(&self) -> Result<String, LoadError> {
        let status: Vec<(String, String)> = self.strings("SHOW STATUS LIKE 'binlog_snapshot_%'")?;
        let get = |key: &str| {
            status
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| v.clone())
        };
        let file = get("Binlog_snapshot_file").filter(|f| !f.is_empty());
        let pos = get("Binlog_snapshot_position").and_then(|p| p.parse::<u64>().ok());
        let (Some(file), Some(pos)) = (file, pos) else {
            return position_text(None, &self.link.name);
        };
        let mut conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        let gtid: Option<Option<String>> = run(
            &self.rt,
            &self.link,
            conn.exec_first("SELECT BINLOG_GTID_POS(?, ?)", (file.as_str(), pos)),
            || "reading the snapshot's GTID position".to_string(),
        )?;
        let position = crate::sync::change::Position::Binlog {
            file,
            pos,
            gtid: gtid.flatten().filter(|g| !g.is_empty()),
        };
        Ok(position.to_string())
    }

    fn exec(&self, sql: &str) -> Result<(), LoadError> {
        let mut conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        run(&self.rt, &self.link, conn.query_drop(sql), || {
            format!("`{sql}`")
        })
    }

    fn strings(&self, sql: &str) -> Result<Vec<(String, String)>, LoadError> {
        let mut conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        run(
            &self.rt,
            &self.link,
            conn.query::<(String, String), _>(sql),
            || {
                let first: String = sql.chars().take(80).collect();
                format!("reading the catalog (`{first}`)")
            },
        )
    }

    /// The database's schema as MySQL DDL: `SHOW CREATE TABLE` of every base table, then the
    /// views (definer and algorithm left out).
    pub fn schema_text(&self) -> Result<String, LoadError> {
        let mut out = String::new();
        let tables = self.strings(
            "SELECT table_name, table_type FROM information_schema.tables \
             WHERE table_schema = DATABASE() ORDER BY table_name",
        )?;
        for (t, kind) in tables.iter().filter(|(_, k)| k == "BASE TABLE") {
            let _ = kind;
            let rows = self.strings(&format!("SHOW CREATE TABLE {}", quote(t)))?;
            for (_, ddl) in rows {
                out.push_str(&ddl);
                out.push_str(";\n\n");
            }
        }
        // information_schema qualifies every table of a view with the database name; within
        // the database the name is noise, and on the target it would name a missing schema.
        let db = self
            .strings("SELECT 'db', DATABASE()")?
            .first()
            .map(|(_, d)| d.clone())
            .unwrap_or_default();
        let qualifier = format!("{}.", quote(&db));
        for (v, body) in self.strings(
            "SELECT table_name, view_definition FROM information_schema.views \
             WHERE table_schema = DATABASE() ORDER BY table_name",
        )? {
            let body = body.replace(&qualifier, "");
            out.push_str(&format!("CREATE VIEW {} AS {body};\n\n", quote(&v)));
        }
        Ok(out)
    }
}

impl super::RowSource for MysqlSource {
    fn query(&self, table: &TablePlan) -> String {
        select_sql(table, None, &quote(&table.source.name), quote)
    }

    fn change_mark(&self) -> Result<Option<String>, LoadError> {
        Ok(self.mark.clone())
    }

    fn count(&self, table: &TablePlan) -> Result<u64, LoadError> {
        let sql = count_sql(table, &quote(&table.source.name), quote);
        let mut conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        let n: Option<i64> = run(&self.rt, &self.link, conn.query_first(sql), || {
            format!("counting {}", table.source)
        })?;
        Ok(n.unwrap_or(0).max(0) as u64)
    }

    fn key_bounds(&self, table: &TablePlan) -> Result<Option<KeyBounds>, LoadError> {
        let Some(key) = chunk_key(table) else {
            return Ok(None);
        };
        // As text: an unsigned 64-bit key beyond i64 is then simply not chunked.
        let sql = format!(
            "SELECT CAST(min({k}) AS CHAR), CAST(max({k}) AS CHAR) FROM {}{}",
            quote(&table.source.name),
            where_clause(table, None, quote),
            k = quote(key)
        );
        let doing = || format!("reading {}", table.source);
        let mut conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        let r: Option<(Option<String>, Option<String>)> =
            run(&self.rt, &self.link, conn.query_first(sql), doing)?;
        let parse = |v: Option<String>| v.and_then(|t| t.parse::<i64>().ok());
        let Some((Some(min), Some(max))) = r.map(|(a, b)| (parse(a), parse(b))) else {
            return Ok(None);
        };
        // Counting a large InnoDB table reads all of it (seconds for millions of rows): the
        // statistics' estimate is used instead when it is plausible for the key's span (at
        // least a tenth of it; a stale one usually says far fewer rows). The count only
        // decides how many key ranges the table is read in.
        let estimate: Option<u64> = if table.filter.is_none() {
            run(
                &self.rt,
                &self.link,
                conn.exec_first(
                    "SELECT table_rows FROM information_schema.tables \
                     WHERE table_schema = DATABASE() AND table_name = ?",
                    (table.source.name.as_str(),),
                ),
                doing,
            )?
            .flatten()
        } else {
            None
        };
        drop(conn);
        let span = u64::try_from(i128::from(max) - i128::from(min) + 1).unwrap_or(u64::MAX);
        let rows = match estimate {
            Some(e) if e > 0 && e.saturating_mul(10) >= span => e.min(span),
            _ => super::RowSource::count(self, table)?,
        };
        Ok(KeyBounds::from_row(key, Some(min), Some(max), rows as i64))
    }

    fn for_each_batch(
        &self,
        table: &TablePlan,
        range: Option<&KeyRange>,
        batch: usize,
        each: &mut dyn FnMut(Vec<Row>) -> Result<(), LoadError>,
    ) -> Result<(), LoadError> {
        let sql = select_sql(table, range, &quote(&table.source.name), quote);
        let doing = || format!("reading {}", table.source);
        let mut conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        // The binary protocol sends numbers and dates as they are stored, with no text to
        // allocate and parse per value. A column type mysql_async cannot decode in it (none
        // known today) falls back to the text protocol.
        let stmt = run(&self.rt, &self.link, conn.prep(sql.as_str()), doing)?;
        let reads: Vec<ReadAs> = stmt
            .columns()
            .iter()
            .zip(&table.columns)
            .map(|(col, c)| ReadAs::of(col, &c.canonical, c.transform))
            .collect();
        let result = if reads.iter().all(|r| *r != ReadAs::TextOnly) {
            let mut result = run(&self.rt, &self.link, conn.exec_iter(&stmt, ()), doing)?;
            let r = self.stream(&mut result, &reads, batch, each, &doing);
            drop(result);
            r
        } else {
            let mut result = run(&self.rt, &self.link, conn.query_iter(sql), doing)?;
            self.stream(&mut result, &reads, batch, each, &doing)
        };
        result?;
        run(&self.rt, &self.link, conn.close(stmt), doing)
    }
}

impl MysqlSource {
    /// Reads a result set in batches of `batch` rows, each read inside one await; `each` runs
    /// outside it (it may block on the target's own runtime).
    fn stream<P: mysql_async::prelude::Protocol>(
        &self,
        result: &mut mysql_async::QueryResult<'_, '_, P>,
        reads: &[ReadAs],
        batch: usize,
        each: &mut dyn FnMut(Vec<Row>) -> Result<(), LoadError>,
        doing: &dyn Fn() -> String,
    ) -> Result<(), LoadError> {
        loop {
            let next = async {
                let mut rows = Vec::with_capacity(batch.min(65_536));
                while rows.len() < batch {
                    match result.next().await? {
                        Some(r) => rows.push(
                            r.unwrap()
                                .into_iter()
                                .zip(reads)
                                .map(|(v, read)| from_mysql(v, *read))
                                .collect(),
                        ),
                        None => break,
                    }
                }
                Ok::<_, mysql_async::Error>(rows)
            };
            let rows: Vec<Row> = run(&self.rt, &self.link, next, doing)?;
            if rows.is_empty() {
                return Ok(());
            }
            each(rows)?;
        }
    }
}

/// How a column's values come off the wire: what the plan's canonical type and the result's
/// column type say about bytes, text and the text form of a temporal value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum ReadAs {
    /// Binary columns and bit strings keep their bytes.
    Bytes,
    /// Text, or bytes when they are not UTF-8; numbers as numbers.
    Value,
    /// A date: `2009-01-31`.
    Date,
    /// A date and time with this many fractional digits at least: `2009-01-31 08:05:00.120`.
    DateTime(u8),
    /// A time of day or duration: `-838:59:59.5`.
    Time(u8),
    /// A column type mysql_async's binary protocol does not decode: read as text.
    TextOnly,
}

impl ReadAs {
    fn of(
        column: &mysql_async::Column,
        canonical: &crate::canonical::CanonicalType,
        transform: Option<Transform>,
    ) -> ReadAs {
        ReadAs::of_type(
            column.column_type(),
            column.decimals(),
            canonical,
            transform,
        )
    }

    /// As `of`, from a column's type and its fractional digits (`decimals`): the binary log's
    /// table map gives these, not a result's column.
    pub(crate) fn of_type(
        column_type: mysql_async::consts::ColumnType,
        decimals: u8,
        canonical: &crate::canonical::CanonicalType,
        transform: Option<Transform>,
    ) -> ReadAs {
        use crate::canonical::Family;
        use mysql_async::consts::ColumnType as T;
        let bytes = matches!(canonical.family(), Family::Binary | Family::Bits)
            || matches!(transform, Some(Transform::BitToBool | Transform::BitToInt));
        match column_type {
            T::MYSQL_TYPE_DATE | T::MYSQL_TYPE_NEWDATE => ReadAs::Date,
            T::MYSQL_TYPE_DATETIME | T::MYSQL_TYPE_TIMESTAMP => ReadAs::DateTime(decimals),
            T::MYSQL_TYPE_TIME => ReadAs::Time(decimals),
            T::MYSQL_TYPE_STRING
            | T::MYSQL_TYPE_VAR_STRING
            | T::MYSQL_TYPE_BLOB
            | T::MYSQL_TYPE_TINY_BLOB
            | T::MYSQL_TYPE_MEDIUM_BLOB
            | T::MYSQL_TYPE_LONG_BLOB
            | T::MYSQL_TYPE_SET
            | T::MYSQL_TYPE_ENUM
            | T::MYSQL_TYPE_DECIMAL
            | T::MYSQL_TYPE_VARCHAR
            | T::MYSQL_TYPE_BIT
            | T::MYSQL_TYPE_NEWDECIMAL
            | T::MYSQL_TYPE_GEOMETRY
            | T::MYSQL_TYPE_JSON
            | T::MYSQL_TYPE_TINY
            | T::MYSQL_TYPE_SHORT
            | T::MYSQL_TYPE_YEAR
            | T::MYSQL_TYPE_LONG
            | T::MYSQL_TYPE_INT24
            | T::MYSQL_TYPE_LONGLONG
            | T::MYSQL_TYPE_FLOAT
            | T::MYSQL_TYPE_DOUBLE
            | T::MYSQL_TYPE_NULL => {
                if bytes {
                    ReadAs::Bytes
                } else {
                    ReadAs::Value
                }
            }
            _ => ReadAs::TextOnly,
        }
    }
}

/// A value of either protocol as a ferry value. Temporal values become the text the text
/// protocol prints for them (so both protocols give the same rows); a FLOAT becomes the double
/// of its shortest decimal form, as MySQL shows it (`0.1`, not `0.10000000149011612`).
pub(crate) fn from_mysql(v: mysql_async::Value, read: ReadAs) -> Value {
    use mysql_async::Value as M;
    match v {
        M::NULL => Value::Null,
        M::Bytes(b) if read == ReadAs::Bytes => Value::Bytes(b),
        M::Bytes(b) => super::dump::text_or_bytes(b),
        M::Int(i) => Value::Int(i),
        M::UInt(u) => Value::UInt(u),
        M::Float(f) => Value::Float(f.to_string().parse().unwrap_or(f64::from(f))),
        M::Double(f) => Value::Float(f),
        M::Date(y, m, d, h, mi, s, us) => {
            let mut t = String::with_capacity(26);
            push_digits(&mut t, u32::from(y), 4);
            t.push('-');
            push_digits(&mut t, u32::from(m), 2);
            t.push('-');
            push_digits(&mut t, u32::from(d), 2);
            if let ReadAs::DateTime(decimals) | ReadAs::Time(decimals) = read {
                t.push(' ');
                push_clock(&mut t, (u32::from(h), mi, s), us, decimals);
            } else if read != ReadAs::Date || (h, mi, s, us) != (0, 0, 0, 0) {
                t.push(' ');
                push_clock(&mut t, (u32::from(h), mi, s), us, 0);
            }
            Value::Text(t)
        }
        M::Time(negative, days, h, mi, s, us) => {
            let mut t = String::with_capacity(18);
            if negative {
                t.push('-');
            }
            let decimals = match read {
                ReadAs::Time(d) | ReadAs::DateTime(d) => d,
                _ => 0,
            };
            push_clock(&mut t, (days * 24 + u32::from(h), mi, s), us, decimals);
            Value::Text(t)
        }
    }
}

/// `HH:MM:SS`, then the fraction with `decimals` digits, or more when the value has more (a
/// digit is never cut; MariaDB reports 39 decimals for a computed time of unknown precision).
fn push_clock(out: &mut String, (h, mi, s): (u32, u8, u8), micros: u32, decimals: u8) {
    push_digits(out, h, 2);
    out.push(':');
    push_digits(out, u32::from(mi), 2);
    out.push(':');
    push_digits(out, u32::from(s), 2);
    let mut needed = 6;
    let mut rest = micros;
    while needed > 0 && rest.is_multiple_of(10) {
        rest /= 10;
        needed -= 1;
    }
    let digits = if decimals <= 6 {
        decimals.max(needed)
    } else {
        needed
    };
    if digits > 0 {
        out.push('.');
        let mut frac = micros;
        for _ in digits..6 {
            frac /= 10;
        }
        push_digits(out, frac, usize::from(digits));
    }
}

/// `n` in decimal, zero-padded to `width` digits at least.
fn push_digits(out: &mut String, n: u32, width: usize) {
    let mut buf = itoa::Buffer::new();
    let s = buf.format(n);
    for _ in s.len()..width {
        out.push('0');
    }
    out.push_str(s);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// On the shared MariaDB (`FERRY_TEST_MYSQL`; skipped without it): a foreign key added
    /// twice fails with error 1005, whose note 121 says the name is taken, and a CHECK added
    /// twice with 1826; both read as "already exists" by their codes, a malformed key not.
    #[test]
    fn a_refusal_names_its_column() {
        assert_eq!(
            refused_column("ERROR 1366 (22007): Incorrect integer value: 'five' for column `db`.`m`.`n` at row 1")
                .as_deref(),
            Some("n")
        );
        assert_eq!(
            refused_column("Incorrect integer value: 'x' for column 'qty' at row 3").as_deref(),
            Some("qty")
        );
        assert_eq!(
            refused_column("Duplicate entry '1' for key 'PRIMARY'"),
            None
        );
    }

    #[test]
    fn a_constraint_made_twice_already_exists_by_its_codes() {
        let Ok(url) = std::env::var("FERRY_TEST_MYSQL") else {
            eprintln!("skipped: FERRY_TEST_MYSQL is not set");
            return;
        };
        let Ok(crate::conn::Endpoint::Mysql(server)) = crate::conn::parse(&url, None) else {
            panic!("FERRY_TEST_MYSQL is not a mysql:// URL");
        };
        let mut t =
            MysqlTarget::open(&server, Timeouts::default()).unwrap_or_else(|e| panic!("{e}"));
        let setup = [
            "CREATE DATABASE IF NOT EXISTS ferry_unit_exists",
            "USE ferry_unit_exists",
            "DROP TABLE IF EXISTS c, p",
            "CREATE TABLE p (id INT PRIMARY KEY)",
            "CREATE TABLE c (id INT, pid INT, s VARCHAR(3))",
            "ALTER TABLE c ADD CONSTRAINT c_fk FOREIGN KEY (pid) REFERENCES p (id)",
            "ALTER TABLE c ADD CONSTRAINT c_ck CHECK (id > 0)",
        ];
        for sql in setup {
            t.exec("test", sql).unwrap_or_else(|e| panic!("{e}"));
        }
        let again = |t: &mut MysqlTarget, sql: &str| match t.exec("test", sql) {
            Err(e) => e,
            Ok(()) => panic!("{sql} succeeded twice"),
        };
        let fk = again(
            &mut t,
            "ALTER TABLE c ADD CONSTRAINT c_fk FOREIGN KEY (pid) REFERENCES p (id)",
        );
        assert!(fk.already_exists(), "{fk} ({:?})", fk.kind());
        let ck = again(&mut t, "ALTER TABLE c ADD CONSTRAINT c_ck CHECK (id > 0)");
        assert!(ck.already_exists(), "{ck} ({:?})", ck.kind());
        // A key whose types do not match is refused (1005, errno 150), not a duplicate.
        let bad = again(
            &mut t,
            "ALTER TABLE c ADD CONSTRAINT c_bad FOREIGN KEY (s) REFERENCES p (id)",
        );
        assert!(!bad.already_exists(), "{bad} ({:?})", bad.kind());
        let _ = t.exec("test", "DROP DATABASE ferry_unit_exists");
    }
}
