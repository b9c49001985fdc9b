//! MySQL and MariaDB: the row-based binary log, read as a replica reads it (`COM_BINLOG_DUMP`,
//! through mysql_async's `binlog` feature: https://mariadb.com/kb/en/com_binlog_dump/).
//!
//! What it needs from the server, checked by `prepare`: the binary log on (`log_bin`), every
//! row change logged as rows (`binlog_format=ROW`) with every column in both images
//! (`binlog_row_image=FULL`: an update's before image then holds the whole key, its after image
//! the whole row), no compressed events (MariaDB's `log_bin_compress`), the privileges to
//! read it (REPLICATION SLAVE, and REPLICATION CLIENT or its MariaDB 10.5 name BINLOG MONITOR),
//! and a primary key on every planned table.
//!
//! How the log reads as `Event`s: a transaction starts at MySQL's `BEGIN` query or MariaDB's
//! GTID event and ends at its XID event (or a `COMMIT` query, for engines without
//! transactions); rows events of planned tables become changes, the rest is skipped, but every
//! transaction still gives a `Begin` and a `Commit`, so the stored position moves past changes
//! that are not the plan's. A statement logged as such (DDL) is a transaction of its own:
//! `TRUNCATE` of a planned table is a `Truncate` change; another DDL naming a planned table is
//! a `SchemaChange` (then a `Begin`/`Commit` past it, for an applier that can carry on); other
//! statements only move the position. Rolled-back transactions are never in the log.
//!
//! Values come in the form the full load reads them (`load::mysql::from_mysql` with the
//! column's `ReadAs`); the binary log differs from a result set in a few places, fixed here:
//! integers arrive signed unless the table map carries signedness (MariaDB's does not by
//! default), so the plan's source type says which are unsigned; ENUM and SET arrive as their
//! number and bit set, named through `information_schema.columns`; TIMESTAMP as Unix seconds,
//! printed in UTC as the load's session (`time_zone = '+00:00'`) reads it; YEAR as text;
//! MySQL's binary JSON is printed as MySQL prints JSON.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use mysql_async::binlog::events::{Event as LogEvent, EventData, RowsEventData, TableMapEvent};
use mysql_async::binlog::jsonb::{JsonContainer, JsonDom, JsonNumber, JsonScalar};
use mysql_async::binlog::row::BinlogRow;
use mysql_async::binlog::value::BinlogValue;
use mysql_async::consts::ColumnType;
use mysql_async::prelude::Queryable;
use mysql_async::{BinlogStream, BinlogStreamRequest, Conn};
use tokio::runtime::Runtime;

use super::{ChangeSource, Event, Position};
use crate::canonical::CanonicalType;
use crate::conn::Server;
use crate::load::error::{ErrorKind, mysql_error};
use crate::load::mysql::{ReadAs, connect, from_mysql, run};
use crate::load::timeout::Link;
use crate::load::{LoadError, Timeouts};
use crate::plan::{Plan, TablePlan};
use crate::sync::change::{Change, Op};
use crate::transform::Transform;
use crate::value::Value;

/// Checks that the server can be followed for this plan (see the module's comment) and returns
/// where its binary log ends now.
pub fn prepare(plan: &Plan, server: &Server) -> Result<Position, LoadError> {
    let (rt, mut conn, link) = connect(server, plan.settings.timeouts())?;
    let settings = run(&rt, &link, read_settings(&mut conn), || {
        "reading the binary log settings".to_string()
    })?;
    let mut problems = check_settings(&settings, &server.user);
    problems.extend(tables_without_key(plan));
    if !problems.is_empty() {
        return Err(LoadError::config(format!(
            "{}: sync cannot follow this server's changes:\n  - {}",
            link.name,
            problems.join("\n  - ")
        )));
    }
    let position = run(&rt, &link, log_position(&mut conn), || {
        "reading the binary log position".to_string()
    })?;
    let _ = rt.block_on(conn.disconnect());
    position.ok_or_else(|| LoadError::config(format!("{}: {LOG_BIN_OFF}", link.name)))
}

const LOG_BIN_OFF: &str = "log_bin is off: the server writes no binary log for sync to read; \
                           start it with --log-bin (and a server_id)";

/// What `prepare` reads of a server to decide whether sync can follow it.
#[derive(Clone, Debug, Default)]
pub struct BinlogSettings {
    pub mariadb: bool,
    pub log_bin: bool,
    /// `@@GLOBAL.binlog_format`: what new sessions log. A session may change its own.
    pub binlog_format: String,
    pub binlog_row_image: String,
    /// MariaDB's `log_bin_compress`: compressed events (types 165-171) that no reader decodes.
    pub log_bin_compress: bool,
    /// The lines of `SHOW GRANTS` for the connected user.
    pub grants: Vec<String>,
}

async fn read_settings(conn: &mut Conn) -> Result<BinlogSettings, mysql_async::Error> {
    let mariadb = is_mariadb(conn).await?;
    let row: Option<(Option<i64>, Option<String>, Option<String>)> = conn
        .query_first("SELECT @@log_bin, @@GLOBAL.binlog_format, @@GLOBAL.binlog_row_image")
        .await?;
    let (log_bin, format, image) = row.unwrap_or_default();
    let log_bin_compress = if mariadb {
        let c: Option<Option<i64>> = conn.query_first("SELECT @@GLOBAL.log_bin_compress").await?;
        c.flatten().unwrap_or(0) != 0
    } else {
        false
    };
    let grants: Vec<String> = conn.query("SHOW GRANTS").await?;
    Ok(BinlogSettings {
        mariadb,
        log_bin: log_bin.unwrap_or(0) != 0,
        binlog_format: format.unwrap_or_default(),
        binlog_row_image: image.unwrap_or_default(),
        log_bin_compress,
        grants,
    })
}

/// Why sync cannot follow a server with these settings: one line per problem, naming the
/// setting and how to change it; empty when it can. `user` is named in the GRANT to run.
pub fn check_settings(s: &BinlogSettings, user: &str) -> Vec<String> {
    let mut problems = Vec::new();
    if !s.log_bin {
        problems.push(LOG_BIN_OFF.to_string());
    }
    if !s.binlog_format.eq_ignore_ascii_case("ROW") {
        problems.push(format!(
            "binlog_format is {}, sync needs ROW (each changed row logged): \
             SET GLOBAL binlog_format = 'ROW' and binlog_format=ROW in the server's \
             configuration; sessions open before keep their format until they reconnect",
            shown(&s.binlog_format)
        ));
    }
    if !s.binlog_row_image.eq_ignore_ascii_case("FULL") {
        problems.push(format!(
            "binlog_row_image is {}, sync needs FULL (every column before and after a \
             change): SET GLOBAL binlog_row_image = 'FULL' and binlog_row_image=FULL in the \
             server's configuration",
            shown(&s.binlog_row_image)
        ));
    }
    if s.log_bin_compress {
        problems.push(
            "log_bin_compress is on: ferry cannot read compressed binary log events; \
             SET GLOBAL log_bin_compress = OFF"
                .to_string(),
        );
    }
    let missing = missing_privileges(&s.grants, s.mariadb);
    if !missing.is_empty() {
        problems.push(format!(
            "the user {user} lacks {}: GRANT REPLICATION SLAVE, {} ON *.* TO the user",
            missing.join(" and "),
            if s.mariadb {
                "BINLOG MONITOR"
            } else {
                "REPLICATION CLIENT"
            }
        ));
    }
    problems
}

fn shown(value: &str) -> &str {
    if value.is_empty() { "not set" } else { value }
}

/// The privileges to read the binary log that `SHOW GRANTS` does not give on `*.*`:
/// REPLICATION SLAVE (the log itself) and REPLICATION CLIENT (its position; MariaDB 10.5 calls
/// it BINLOG MONITOR, and SUPER still covers it: https://mariadb.com/kb/en/grant/). ALL
/// PRIVILEGES gives both. A grant line is never printed: it may carry a password hash.
fn missing_privileges(grants: &[String], mariadb: bool) -> Vec<&'static str> {
    let mut held: Vec<String> = Vec::new();
    for line in grants {
        let upper = line.to_ascii_uppercase();
        let Some(rest) = upper.strip_prefix("GRANT ") else {
            continue;
        };
        let Some((privileges, _)) = rest.split_once(" ON *.* ") else {
            continue;
        };
        held.extend(privileges.split(',').map(|p| p.trim().to_string()));
    }
    let has = |names: &[&str]| {
        held.iter()
            .any(|h| h == "ALL PRIVILEGES" || h == "ALL" || names.contains(&h.as_str()))
    };
    let mut missing = Vec::new();
    if !has(&["REPLICATION SLAVE", "REPLICATION REPLICA"]) {
        missing.push("REPLICATION SLAVE");
    }
    if !has(&["REPLICATION CLIENT", "BINLOG MONITOR", "SUPER"]) {
        missing.push(if mariadb {
            "BINLOG MONITOR (REPLICATION CLIENT)"
        } else {
            "REPLICATION CLIENT"
        });
    }
    missing
}

/// The planned tables without a primary key, all in one line (sync finds a changed row by
/// its key).
fn tables_without_key(plan: &Plan) -> Option<String> {
    let keyless: Vec<String> = plan
        .tables
        .iter()
        .filter(|t| t.key.is_empty())
        .map(|t| t.source.to_string())
        .collect();
    let (what, verb) = match keyless.len() {
        0 => return None,
        1 => ("table", "has"),
        _ => ("tables", "have"),
    };
    Some(format!(
        "{what} {} {verb} no primary key: sync finds a changed row by its key; add one \
         (ALTER TABLE ... ADD PRIMARY KEY (...)) or leave the table out of the plan",
        keyless.join(", ")
    ))
}

/// Whether the server is MariaDB (its version says so), whose GTIDs, status and events differ.
pub(crate) async fn is_mariadb(conn: &mut Conn) -> Result<bool, mysql_async::Error> {
    let version: Option<String> = conn.query_first("SELECT VERSION()").await?;
    Ok(version.is_some_and(|v| v.to_ascii_lowercase().contains("mariadb")))
}

/// Where the server's binary log ends now: `SHOW MASTER STATUS` (`SHOW BINARY LOG STATUS`
/// from MySQL 8.4, which removed the old name), with the GTID state at that point: MariaDB's
/// `BINLOG_GTID_POS(file, pos)` (exact for that place), MySQL's `Executed_Gtid_Set`. None
/// when the server writes no binary log.
pub(crate) async fn log_position(conn: &mut Conn) -> Result<Option<Position>, mysql_async::Error> {
    let mariadb = is_mariadb(conn).await?;
    let row: Option<mysql_async::Row> = match conn.query_first("SHOW MASTER STATUS").await {
        Ok(r) => r,
        Err(mysql_async::Error::Server(_)) if !mariadb => {
            conn.query_first("SHOW BINARY LOG STATUS").await?
        }
        Err(e) => return Err(e),
    };
    let Some(row) = row else {
        return Ok(None);
    };
    let text =
        |i: usize| -> Option<String> { row.get_opt::<String, usize>(i).and_then(Result::ok) };
    let (Some(file), Some(pos)) = (text(0), text(1).and_then(|p| p.parse::<u64>().ok())) else {
        return Ok(None);
    };
    let gtid = if mariadb {
        let g: Option<Option<String>> = conn
            .exec_first("SELECT BINLOG_GTID_POS(?, ?)", (file.as_str(), pos))
            .await?;
        g.flatten()
    } else {
        // MySQL prints a long set over several lines.
        text(4).map(|g| g.split_whitespace().collect())
    };
    Ok(Some(Position::Binlog {
        file,
        pos,
        gtid: gtid.filter(|g| !g.is_empty()),
    }))
}

/// The server id ferry reads the log under: a replica needs one of its own (a server drops
/// the older of two readers with one id). Derived from the plan's capture name, so two plans
/// read under two ids and a restarted sync replaces its dead predecessor's connection; kept
/// above 2^30, away from the small ids servers are usually given, and never the server's own.
pub fn replica_id(capture_name: &str, server_own: u32) -> u32 {
    let h = crate::load::state::fingerprint(capture_name);
    let id = 0x4000_0000 | (h as u32 & 0x3FFF_FFFF);
    if id == server_own { id ^ 1 } else { id }
}

/// A MySQL or MariaDB binary log read from a position on.
pub struct BinlogChanges {
    rt: Runtime,
    stream: BinlogStream,
    decoder: Decoder,
    /// A second connection, for `end`.
    sql: (Runtime, Conn, Link),
    name: String,
    timeouts: Timeouts,
    /// How often the server sends a heartbeat when it has nothing to send.
    heartbeat: Duration,
    /// When the stream last gave anything (an event or a heartbeat).
    last_heard: Instant,
}

impl BinlogChanges {
    /// Opens the binary log at `from`: at `file:pos`; on MariaDB, when that file is purged,
    /// after its GTID state instead (the commits after it are in the files kept). The GTID
    /// is the state the commit positions carry on from (on MariaDB, when `from` has none,
    /// `BINLOG_GTID_POS` of the file position).
    pub fn open(plan: &Plan, server: &Server, from: &Position) -> Result<Self, LoadError> {
        let Position::Binlog { file, pos, gtid } = from else {
            return Err(LoadError::config(format!(
                "{from} is not a MySQL binary log position (file:pos)"
            )));
        };
        let timeouts = plan.settings.timeouts();
        let (rt, mut conn, link) = connect(server, timeouts)?;
        let name = link.name.clone();
        let dbs: Vec<String> = {
            let mut d: Vec<String> = plan.tables.iter().map(|t| database_of(t, server)).collect();
            d.sort();
            d.dedup();
            d
        };
        let facts = async {
            let mariadb = is_mariadb(&mut conn).await?;
            let own: Option<(u32, Option<String>)> = conn
                .query_first("SELECT @@server_id, @@GLOBAL.binlog_checksum")
                .await?;
            let (own, checksum) = own.unwrap_or_default();
            let checksums = checksum.is_some_and(|c| !c.eq_ignore_ascii_case("NONE"));
            let mut members = Vec::new();
            for db in &dbs {
                let rows: Vec<(String, String, String)> = conn
                    .exec(
                        "SELECT table_name, column_name, column_type FROM information_schema.columns \
                         WHERE table_schema = ? AND data_type IN ('enum', 'set')",
                        (db.as_str(),),
                    )
                    .await?;
                members.extend(rows.into_iter().map(|(t, c, ty)| (db.clone(), t, c, ty)));
            }
            let gtid = match gtid {
                Some(g) => Some(g.clone()),
                None if mariadb => {
                    let g: Option<Option<String>> = conn
                        .exec_first("SELECT BINLOG_GTID_POS(?, ?)", (file.as_str(), *pos))
                        .await?;
                    g.flatten().filter(|g| !g.is_empty())
                }
                None => None,
            };
            let logs: Vec<mysql_async::Row> = conn.query("SHOW BINARY LOGS").await?;
            let file_kept = logs
                .iter()
                .any(|r| r.get_opt::<String, usize>(0).and_then(Result::ok).as_ref() == Some(file));
            Ok::<_, mysql_async::Error>((mariadb, own, checksums, members, gtid, file_kept))
        };
        let (mariadb, own, checksums, members, gtid, file_kept) = run(&rt, &link, facts, || {
            "reading the tables' ENUM and SET members".to_string()
        })?;
        let decoder = Decoder::new(
            plan,
            server,
            &members,
            mariadb,
            checksums,
            file,
            gtid.as_deref(),
        )?;
        let heartbeat = timeouts
            .io()
            .map_or(Duration::from_secs(30), |t| t / 3)
            .clamp(Duration::from_secs(1), Duration::from_secs(30));
        let id = replica_id(&super::capture_name(plan), own);
        let by_gtid = gtid.as_deref().filter(|_| mariadb && !file_kept);
        let setup = async {
            // The server sends a heartbeat after this long without events, so that silence
            // means a lost connection (https://mariadb.com/kb/en/change-master-to/).
            conn.query_drop(format!(
                "SET @master_heartbeat_period = {}",
                heartbeat.as_nanos()
            ))
            .await?;
            if mariadb {
                // GTID events as they are, not rewritten as `BEGIN` queries for an old replica.
                conn.query_drop("SET @mariadb_slave_capability = 4").await?;
            }
            let mut request = BinlogStreamRequest::new(id).with_hostname(b"ferry-sync");
            match by_gtid {
                // The file is purged but the GTIDs after it are in the files kept: MariaDB
                // starts after the GTID state given (https://mariadb.com/kb/en/gtid/), the
                // file name left empty.
                Some(state) => {
                    conn.exec_drop("SET @slave_connect_state = ?", (state,))
                        .await?;
                    request = request.with_filename(b"").with_pos(4);
                }
                None => request = request.with_filename(file.as_bytes()).with_pos(*pos),
            }
            conn.get_binlog_stream(request).await
        };
        let stream = run(&rt, &link, setup, || {
            format!("reading the binary log from {from}")
        })?;
        let sql = connect(server, timeouts)?;
        Ok(BinlogChanges {
            rt,
            stream,
            decoder,
            sql,
            name,
            timeouts,
            heartbeat,
            last_heard: Instant::now(),
        })
    }

    /// One event of the log, handed to the decoder.
    fn handle(&mut self, event: LogEvent) -> Result<(), LoadError> {
        let name = &self.name;
        let header = event.header();
        let kind = header.event_type_raw();
        if let Some(what) = mariadb_unreadable(kind) {
            return Err(LoadError::input(format!(
                "{name}: the binary log holds {what} (event type {kind}), which ferry cannot \
                 read: SET GLOBAL log_bin_compress = OFF, then start sync again from a position \
                 after the compressed events"
            )));
        }
        if kind == MARIADB_GTID_EVENT {
            self.decoder.mariadb_gtid(event.data(), header.server_id());
            return Ok(());
        }
        let data = event.read_data().map_err(|e| {
            LoadError::input(format!("{name}: a binary log event is unreadable: {e}"))
        })?;
        let Some(data) = data else {
            return Ok(());
        };
        let at = Place {
            pos: u64::from(header.log_pos()),
            time: f64::from(header.timestamp()),
        };
        let d = &mut self.decoder;
        match data {
            EventData::FormatDescriptionEvent(_) => d.described = true,
            EventData::RotateEvent(r) => {
                // The rotate the server sends first comes before the format description
                // that says its events end in a checksum: its name still carries those 4 bytes.
                let mut name = r.name_raw().to_vec();
                if !d.described && d.checksums {
                    name.truncate(name.len().saturating_sub(4));
                }
                d.file = String::from_utf8_lossy(&name).into_owned();
            }
            EventData::QueryEvent(q) => d.query(&q.schema(), &q.query(), at),
            EventData::TableMapEvent(t) => d.map_table(&t),
            EventData::RowsEvent(r) => {
                let tme = self.stream.get_tme(r.table_id());
                d.rows(&r, tme)
                    .map_err(|m| LoadError::input(format!("{name}: {m}")))?;
            }
            EventData::XidEvent(_) => d.commit(at),
            EventData::GtidEvent(g) => {
                if let Some(GtidState::Mysql(set)) = &mut d.gtid {
                    let mut source = uuid_text(&g.sid());
                    if let Some(tag) = g.tag() {
                        source = format!("{source}:{tag}");
                    }
                    add_to_interval_set(set.entry(source).or_default(), g.gno());
                }
            }
            EventData::XaPrepareLogEvent(_) => {
                if d.changed {
                    return Err(LoadError::input(format!(
                        "{name}: an XA transaction changed planned tables (at {}): ferry \
                         cannot tell yet whether it commits; sync does not follow XA \
                         transactions",
                        d.position(at.pos)
                    )));
                }
                d.commit(at);
            }
            _ => {}
        }
        Ok(())
    }

    /// Fails when the stream has said nothing, not even a heartbeat, for longer than the I/O
    /// timeout allows.
    fn check_alive(&self) -> Result<(), LoadError> {
        let Some(io) = self.timeouts.io() else {
            return Ok(());
        };
        let silent = self.last_heard.elapsed();
        if silent > io + self.heartbeat {
            let seconds = silent.as_secs();
            return Err(LoadError::new(
                ErrorKind::Timeout { seconds },
                format!(
                    "{}: the binary log stream sent nothing for {seconds} s, not even its \
                     heartbeat every {} s: the connection is lost (io_timeout = {} s)",
                    self.name,
                    self.heartbeat.as_secs(),
                    io.as_secs()
                ),
            ));
        }
        Ok(())
    }
}

impl ChangeSource for BinlogChanges {
    fn next(&mut self, wait: Duration) -> Result<Option<Event>, LoadError> {
        let deadline = Instant::now() + wait;
        loop {
            if let Some(e) = self.decoder.pending.pop_front() {
                return Ok(Some(e));
            }
            let now = Instant::now();
            let slice = deadline.saturating_duration_since(now).min(self.heartbeat);
            let stream = &mut self.stream;
            let got = self
                .rt
                .block_on(async { tokio::time::timeout(slice, stream.next()).await });
            match got {
                Err(_) => {
                    self.check_alive()?;
                    if Instant::now() >= deadline {
                        return Ok(None);
                    }
                }
                Ok(None) => {
                    return Err(LoadError::new(
                        ErrorKind::ConnectionLost { source: None },
                        format!("{}: the server ended the binary log stream", self.name),
                    ));
                }
                Ok(Some(Err(e))) => {
                    let message = format!("{}: reading the binary log failed: {e}", self.name);
                    return Err(mysql_error(message, e, Vec::new()));
                }
                Ok(Some(Ok(event))) => {
                    self.last_heard = Instant::now();
                    self.handle(event)?;
                }
            }
        }
    }

    /// Nothing to do: a MySQL server keeps its binary logs by its own rule
    /// (`binlog_expire_logs_seconds`, `expire_logs_days`), not by what a reader has read, and
    /// the position lives in the target's sync state.
    fn confirm(&mut self, _position: &Position) -> Result<(), LoadError> {
        Ok(())
    }

    fn end(&mut self) -> Result<Position, LoadError> {
        let (rt, conn, link) = &mut self.sql;
        run(rt, link, log_position(conn), || {
            "reading the binary log position".to_string()
        })?
        .ok_or_else(|| LoadError::config(format!("{}: {LOG_BIN_OFF}", self.name)))
    }

    fn describe(&self) -> String {
        self.name.clone()
    }
}

/// MariaDB's GTID event, which begins each event group (https://mariadb.com/kb/en/gtid_event/).
const MARIADB_GTID_EVENT: u8 = 162;

/// MariaDB's compressed events (`log_bin_compress`): a query (165) and rows events (166-171).
fn mariadb_unreadable(kind: u8) -> Option<&'static str> {
    (165..=171)
        .contains(&kind)
        .then_some("compressed events (log_bin_compress)")
}

/// Where an event ends in the log and when it was written.
#[derive(Clone, Copy)]
struct Place {
    pos: u64,
    time: f64,
}

/// The log's events turned into `Event`s: the transaction state, the table maps of planned
/// tables, the current file and GTID state. Holds no connection.
struct Decoder {
    /// What each event produced, not handed out yet.
    pending: VecDeque<Event>,
    file: String,
    /// The GTID state after the last event read; None where it is not known (a MySQL start
    /// position without one: MySQL cannot say which GTIDs a file position stands after).
    gtid: Option<GtidState>,
    /// Within a transaction (its `Begin` is out).
    open: bool,
    /// The server's events end in a checksum (`binlog_checksum` is not NONE).
    checksums: bool,
    /// The stream's format description has been read.
    described: bool,
    /// The transaction open changed a planned table.
    changed: bool,
    /// Planned tables by (database, table).
    planned: HashMap<(String, String), usize>,
    tables: Vec<TableLayout>,
    /// What a table id of the log is, from its latest table map.
    routes: HashMap<u64, Route>,
}

/// A planned table's columns as the log's row image has them.
struct TableLayout {
    name: String,
    /// The columns of the whole table (the row image's length).
    width: usize,
    row: Vec<Wanted>,
    key: Vec<Wanted>,
}

/// A planned column: its place in the row image and what the plan says of it.
#[derive(Clone)]
struct Wanted {
    name: String,
    pos: usize,
    canonical: CanonicalType,
    transform: Option<Transform>,
    unsigned: bool,
    members: Option<Arc<[String]>>,
}

/// A table id of the log: not planned, planned (with how to read its columns), or planned but
/// with columns the plan does not know (the message says so when it has rows).
enum Route {
    Skip,
    Table {
        table: usize,
        row: Vec<Column>,
        key: Vec<Column>,
    },
    Changed(String),
}

/// How one value of the row image is read.
struct Column {
    pos: usize,
    name: String,
    conv: Conv,
}

#[derive(Clone)]
enum Conv {
    /// As the full load reads the column's type.
    Plain(ReadAs),
    /// An unsigned integer of this many bits, logged as signed.
    Unsigned(u32),
    /// A signed MEDIUMINT: mysql_common 0.37 reads a negative one as its 24 bits unsigned.
    Medium,
    /// YEAR, logged as text (`1900` standing for 0000).
    Year,
    /// TIMESTAMP, logged as Unix seconds (`1700000000.250000`), with this many decimals.
    Timestamp(u8),
    /// ENUM, logged as the member's number (1-based, 0 the empty string).
    Enum(Arc<[String]>),
    /// SET, logged as a bit set.
    Set(Arc<[String]>),
}

impl Decoder {
    fn new(
        plan: &Plan,
        server: &Server,
        members: &[(String, String, String, String)],
        mariadb: bool,
        checksums: bool,
        file: &str,
        gtid: Option<&str>,
    ) -> Result<Decoder, LoadError> {
        let mut lists: HashMap<(&str, &str, &str), Arc<[String]>> = HashMap::new();
        for (db, t, c, ty) in members {
            lists.insert((db, t, c), enum_members(ty).into());
        }
        let mut planned = HashMap::new();
        let mut tables = Vec::new();
        for (i, t) in plan.tables.iter().enumerate() {
            let db = database_of(t, server);
            let wanted = |name: &str| -> Result<Wanted, LoadError> {
                let pos = t.source_columns.iter().position(|c| c == name);
                let col = t.columns.iter().find(|c| c.source == name);
                let (Some(pos), Some(col)) = (pos, col) else {
                    return Err(LoadError::config(format!(
                        "table {}: column {name} is not among the columns the plan loads; sync \
                         needs every key column",
                        t.source
                    )));
                };
                Ok(Wanted {
                    name: name.to_string(),
                    pos,
                    canonical: col.canonical.clone(),
                    transform: col.transform,
                    unsigned: col.source_type.to_ascii_lowercase().contains("unsigned"),
                    members: lists
                        .get(&(db.as_str(), t.source.name.as_str(), name))
                        .cloned(),
                })
            };
            let row = t
                .columns
                .iter()
                .map(|c| wanted(&c.source))
                .collect::<Result<_, _>>()?;
            let key = t.key.iter().map(|k| wanted(k)).collect::<Result<_, _>>()?;
            planned.insert((db, t.source.name.clone()), i);
            tables.push(TableLayout {
                name: t.source.to_string(),
                width: t.source_columns.len(),
                row,
                key,
            });
        }
        let gtid = gtid.and_then(|g| GtidState::parse(g, mariadb));
        Ok(Decoder {
            pending: VecDeque::new(),
            file: file.to_string(),
            gtid,
            open: false,
            checksums,
            described: false,
            changed: false,
            planned,
            tables,
            routes: HashMap::new(),
        })
    }

    /// The position after the event ending at `pos`.
    fn position(&self, pos: u64) -> Position {
        Position::Binlog {
            file: self.file.clone(),
            pos,
            gtid: self.gtid.as_ref().map(GtidState::to_string),
        }
    }

    fn begin(&mut self) {
        if !self.open {
            self.pending.push_back(Event::Begin { skip: false });
            self.open = true;
            self.changed = false;
        }
    }

    fn commit(&mut self, at: Place) {
        self.begin();
        self.pending.push_back(Event::Commit {
            position: self.position(at.pos),
            commit_time: Some(at.time),
        });
        self.open = false;
        self.changed = false;
    }

    /// MariaDB's GTID event: sequence number (8 bytes), domain (4), flags (1); it begins a
    /// transaction unless it stands for a single statement (`FL_STANDALONE`, a DDL), which
    /// then ends by itself.
    fn mariadb_gtid(&mut self, data: &[u8], server: u32) {
        let (Some(seq), Some(domain), Some(flags)) = (
            data.get(0..8)
                .and_then(|b| b.try_into().ok())
                .map(u64::from_le_bytes),
            data.get(8..12)
                .and_then(|b| b.try_into().ok())
                .map(u32::from_le_bytes),
            data.get(12),
        ) else {
            return;
        };
        if let Some(GtidState::Mariadb(state)) = &mut self.gtid {
            state.insert(domain, (server, seq));
        }
        const FL_STANDALONE: u8 = 1;
        if flags & FL_STANDALONE == 0 {
            self.begin();
        }
    }

    /// A statement logged as text: transaction control, or a statement of its own (DDL).
    fn query(&mut self, schema: &str, text: &str, at: Place) {
        let statement = classify(text);
        match statement {
            Statement::Begin => return self.begin(),
            Statement::Commit | Statement::Rollback if self.open => return self.commit(at),
            _ => {}
        }
        let is_planned = |db: &Option<String>, table: &str| -> Option<usize> {
            let db = db.as_deref().unwrap_or(schema);
            self.planned
                .iter()
                .find(|((d, t), _)| d.eq_ignore_ascii_case(db) && t.eq_ignore_ascii_case(table))
                .map(|(_, &i)| i)
        };
        let mut truncated = Vec::new();
        let mut changed = None;
        match &statement {
            Statement::Truncate(names) => {
                truncated = names.iter().filter_map(|(d, t)| is_planned(d, t)).collect();
            }
            Statement::Ddl(names) => {
                changed = names.iter().find_map(|(d, t)| is_planned(d, t));
            }
            Statement::DropDatabase(db) => {
                changed = self
                    .planned
                    .iter()
                    .filter(|((d, _), _)| d.eq_ignore_ascii_case(db))
                    .map(|(_, &i)| i)
                    .min();
            }
            _ => {}
        }
        if let Some(i) = changed {
            self.pending.push_back(Event::SchemaChange {
                table: self.tables[i].name.clone(),
                statement: text.trim().to_string(),
            });
        }
        let inside = self.open;
        self.begin();
        for table in truncated {
            self.changed = true;
            self.pending.push_back(Event::Change(Change {
                table,
                op: Op::Truncate,
            }));
        }
        if !inside {
            self.commit(at);
        }
    }

    /// A table map: which planned table (if any) a table id stands for, and how its columns
    /// read.
    fn map_table(&mut self, map: &TableMapEvent<'_>) {
        let key = (
            map.database_name().into_owned(),
            map.table_name().into_owned(),
        );
        let route = match self.planned.get(&key) {
            None => Route::Skip,
            Some(&table) => {
                let layout = &self.tables[table];
                let width = map.columns_count() as usize;
                if width != layout.width {
                    Route::Changed(format!(
                        "table {} has {width} columns in the binary log, the plan {}: its \
                         definition changed since the plan was made; make a new plan",
                        layout.name, layout.width
                    ))
                } else {
                    let read = |w: &Wanted| column(map, w);
                    let row: Result<Vec<Column>, String> = layout.row.iter().map(read).collect();
                    let key: Result<Vec<Column>, String> = layout.key.iter().map(read).collect();
                    match (row, key) {
                        (Ok(row), Ok(key)) => Route::Table { table, row, key },
                        (Err(m), _) | (_, Err(m)) => {
                            Route::Changed(format!("table {}: {m}", layout.name))
                        }
                    }
                }
            }
        };
        self.routes.insert(map.table_id(), route);
    }

    /// A rows event: one change per row of a planned table; others are skipped.
    fn rows(
        &mut self,
        event: &RowsEventData<'_>,
        map: Option<&TableMapEvent<'static>>,
    ) -> Result<(), String> {
        let (table, row_cols, key_cols) = match self.routes.get(&event.table_id()) {
            None | Some(Route::Skip) => return Ok(()),
            Some(Route::Changed(m)) => return Err(m.clone()),
            Some(Route::Table { table, row, key }) => (*table, row, key),
        };
        let name = &self.tables[table].name;
        let map = map.ok_or_else(|| format!("table {name}: a rows event without its table map"))?;
        if matches!(event, RowsEventData::PartialUpdateRowsEvent(_)) {
            return Err(format!(
                "table {name}: a partial JSON update (binlog_row_value_options = PARTIAL_JSON); \
                 SET GLOBAL binlog_row_value_options = ''"
            ));
        }
        let mut changes = Vec::new();
        for pair in event.rows(map) {
            let (before, after) = pair.map_err(|e| format!("table {name}: unreadable row: {e}"))?;
            let op = match (before, after) {
                (None, Some(mut after)) => Op::Insert(pick(&mut after, row_cols, name)?),
                (Some(mut before), Some(mut after)) => Op::Update {
                    key: pick(&mut before, key_cols, name)?,
                    row: pick(&mut after, row_cols, name)?
                        .into_iter()
                        .map(Some)
                        .collect(),
                },
                (Some(mut before), None) => Op::Delete(pick(&mut before, key_cols, name)?),
                (None, None) => continue,
            };
            changes.push(Event::Change(Change { table, op }));
        }
        self.begin();
        self.changed = true;
        self.pending.extend(changes);
        Ok(())
    }
}

/// The database a planned table lives in: its own schema, else the endpoint's database.
fn database_of(t: &TablePlan, server: &Server) -> String {
    t.source
        .schema
        .clone()
        .unwrap_or_else(|| server.database.clone())
}

/// How a planned column of this table map reads (see `Conv`).
fn column(map: &TableMapEvent<'_>, w: &Wanted) -> Result<Column, String> {
    use ColumnType as T;
    let kind = match map.get_column_type(w.pos) {
        Ok(Some(k)) => k,
        _ => return Err(format!("column {} has a type ferry cannot read", w.name)),
    };
    let meta = map.get_column_metadata(w.pos).unwrap_or(&[]);
    let decimals = meta.first().copied().unwrap_or(0);
    let members = || {
        w.members
            .clone()
            .ok_or_else(|| format!("column {}: its ENUM or SET members are unknown", w.name))
    };
    let conv = match kind {
        T::MYSQL_TYPE_TINY if w.unsigned => Conv::Unsigned(8),
        T::MYSQL_TYPE_SHORT if w.unsigned => Conv::Unsigned(16),
        T::MYSQL_TYPE_INT24 if w.unsigned => Conv::Unsigned(24),
        T::MYSQL_TYPE_INT24 => Conv::Medium,
        T::MYSQL_TYPE_LONG if w.unsigned => Conv::Unsigned(32),
        T::MYSQL_TYPE_LONGLONG if w.unsigned => Conv::Unsigned(64),
        T::MYSQL_TYPE_YEAR => Conv::Year,
        T::MYSQL_TYPE_TIMESTAMP2 => Conv::Timestamp(decimals),
        T::MYSQL_TYPE_TIMESTAMP => Conv::Timestamp(0),
        T::MYSQL_TYPE_ENUM => Conv::Enum(members()?),
        T::MYSQL_TYPE_SET => Conv::Set(members()?),
        other => {
            let (as_type, decimals) = match other {
                T::MYSQL_TYPE_DATETIME2 => (T::MYSQL_TYPE_DATETIME, decimals),
                T::MYSQL_TYPE_TIME2 => (T::MYSQL_TYPE_TIME, decimals),
                T::MYSQL_TYPE_DATETIME | T::MYSQL_TYPE_TIME => (other, 0),
                _ => (other, 0),
            };
            match ReadAs::of_type(as_type, decimals, &w.canonical, w.transform) {
                ReadAs::TextOnly => {
                    return Err(format!(
                        "column {} has a type ferry cannot read from the binary log ({other:?})",
                        w.name
                    ));
                }
                read => Conv::Plain(read),
            }
        }
    };
    Ok(Column {
        pos: w.pos,
        name: w.name.clone(),
        conv,
    })
}

/// The values of `cols` out of a row image.
fn pick(row: &mut BinlogRow, cols: &[Column], table: &str) -> Result<Vec<Value>, String> {
    cols.iter()
        .map(|c| {
            let v = row.take(c.pos).ok_or_else(|| {
                format!(
                    "table {table}: column {} is missing from the row image: \
                     binlog_row_image must be FULL",
                    c.name
                )
            })?;
            value(v, &c.conv).map_err(|m| format!("table {table}, column {}: {m}", c.name))
        })
        .collect()
}

/// One value of a row image as the full load reads it (see the module's comment).
fn value(v: BinlogValue<'_>, conv: &Conv) -> Result<Value, String> {
    use mysql_async::Value as M;
    let v = match v {
        BinlogValue::Value(v) => v,
        BinlogValue::Jsonb(j) => {
            let dom = j
                .parse()
                .map_err(|e| format!("unreadable binary JSON: {e}"))?;
            let mut text = String::new();
            mysql_json(&dom, &mut text);
            return Ok(Value::Text(text));
        }
        BinlogValue::JsonDiff(_) => return Err("a partial JSON update".to_string()),
    };
    if v == M::NULL {
        return Ok(Value::Null);
    }
    Ok(match (conv, v) {
        (Conv::Plain(read), v) => from_mysql(v, *read),
        (Conv::Unsigned(bits), M::Int(i)) => unsigned(i, *bits),
        (Conv::Medium, M::Int(i)) => Value::Int(((i & 0xFF_FFFF) << 40) >> 40),
        (Conv::Year, M::Bytes(b)) => {
            let year: i64 = std::str::from_utf8(&b)
                .ok()
                .and_then(|t| t.parse().ok())
                .ok_or("an unreadable YEAR")?;
            // The log's byte 0 (year 0000) comes out as 1900, a year YEAR cannot hold.
            Value::Int(if year == 1900 { 0 } else { year })
        }
        (Conv::Timestamp(decimals), M::Bytes(b)) => {
            let text = std::str::from_utf8(&b).map_err(|_| "an unreadable TIMESTAMP")?;
            let date = timestamp_value(text).ok_or("an unreadable TIMESTAMP")?;
            from_mysql(date, ReadAs::DateTime(*decimals))
        }
        (Conv::Timestamp(decimals), M::Int(seconds)) => {
            let date = timestamp_value(&seconds.to_string()).ok_or("an unreadable TIMESTAMP")?;
            from_mysql(date, ReadAs::DateTime(*decimals))
        }
        (Conv::Enum(members), M::Int(i)) => match usize::try_from(i) {
            Ok(0) => Value::Text(String::new()),
            Ok(n) => Value::Text(
                members
                    .get(n - 1)
                    .cloned()
                    .ok_or_else(|| format!("ENUM member {n} of {}", members.len()))?,
            ),
            Err(_) => return Err(format!("ENUM member {i}")),
        },
        (Conv::Set(members), M::Bytes(bits)) => {
            let chosen: Vec<&str> = members
                .iter()
                .enumerate()
                .filter(|(i, _)| bits.get(i / 8).is_some_and(|b| b >> (i % 8) & 1 == 1))
                .map(|(_, m)| m.as_str())
                .collect();
            Value::Text(chosen.join(","))
        }
        (_, v) => from_mysql(v, ReadAs::Value),
    })
}

/// An integer logged as signed, read back as the unsigned number of `bits` bits it is; as the
/// load's binary protocol gives it (`Int` while it fits, else `UInt`).
fn unsigned(i: i64, bits: u32) -> Value {
    let u = if bits >= 64 {
        i as u64
    } else {
        (i as u64) & ((1u64 << bits) - 1)
    };
    i64::try_from(u).map_or(Value::UInt(u), Value::Int)
}

/// `1700000000.250000` (Unix seconds, as the log gives a TIMESTAMP) as a UTC date and time;
/// 0 is the zero date `0000-00-00 00:00:00`.
fn timestamp_value(text: &str) -> Option<mysql_async::Value> {
    let (secs, micros) = match text.split_once('.') {
        Some((s, f)) => (s.parse::<i64>().ok()?, f.parse::<u32>().ok()?),
        None => (text.parse::<i64>().ok()?, 0),
    };
    if secs == 0 && micros == 0 {
        return Some(mysql_async::Value::Date(0, 0, 0, 0, 0, 0, 0));
    }
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let rest = secs.rem_euclid(86_400);
    Some(mysql_async::Value::Date(
        u16::try_from(y).ok()?,
        m,
        d,
        (rest / 3600) as u8,
        (rest / 60 % 60) as u8,
        (rest % 60) as u8,
        micros,
    ))
}

/// The proleptic Gregorian date of a day count from 1970-01-01 (Howard Hinnant's
/// `civil_from_days`, http://howardhinnant.github.io/date_algorithms.html).
fn civil_from_days(days: i64) -> (i64, u8, u8) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// The members of `enum('a','b''c')` or `set(...)` as `information_schema.columns` prints the
/// type: quoted, a quote doubled, a backslash escaping the next character.
fn enum_members(column_type: &str) -> Vec<String> {
    let mut members = Vec::new();
    let Some(open) = column_type.find('(') else {
        return members;
    };
    let mut chars = column_type[open + 1..].chars().peekable();
    let mut current: Option<String> = None;
    while let Some(c) = chars.next() {
        match (&mut current, c) {
            (None, '\'') => current = Some(String::new()),
            (None, _) => {}
            (Some(m), '\'') if chars.peek() == Some(&'\'') => {
                chars.next();
                m.push('\'');
            }
            (Some(_), '\'') => members.extend(current.take()),
            (Some(m), '\\') => {
                if let Some(next) = chars.next() {
                    m.push(next);
                }
            }
            (Some(m), c) => m.push(c),
        }
    }
    members
}

/// JSON as MySQL prints it (`JSON_EXTRACT`, a SELECT of a JSON column): `", "` between
/// elements, `": "` after a key, an object's keys in the order MySQL stores them (shorter
/// first, then by bytes).
fn mysql_json(dom: &JsonDom, out: &mut String) {
    match dom {
        JsonDom::Container(JsonContainer::Array(items)) => {
            json_list(out, ('[', ']'), items, mysql_json);
        }
        JsonDom::Container(JsonContainer::Object(fields)) => {
            let mut keys: Vec<&String> = fields.keys().collect();
            keys.sort_by(|a, b| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
            json_list(out, ('{', '}'), keys, |k, out| {
                json_string(k, out);
                out.push_str(": ");
                if let Some(v) = fields.get(k) {
                    mysql_json(v, out);
                }
            });
        }
        JsonDom::Scalar(s) => match s {
            JsonScalar::Null => out.push_str("null"),
            JsonScalar::Boolean(b) => out.push_str(if *b { "true" } else { "false" }),
            JsonScalar::String(t) => json_string(t, out),
            JsonScalar::Number(JsonNumber::Int(i)) => out.push_str(&i.to_string()),
            JsonScalar::Number(JsonNumber::Uint(u)) => out.push_str(&u.to_string()),
            JsonScalar::Number(JsonNumber::Double(f)) => out.push_str(&format!("{f:?}")),
            JsonScalar::Number(JsonNumber::Decimal(d)) => out.push_str(&d.to_string()),
            JsonScalar::DateTime(t) => json_string(&format!("{t:.6}"), out),
            JsonScalar::Opaque(o) => json_string(&o.to_string(), out),
        },
    }
}

/// `items` between `brackets`, `", "` between them.
fn json_list<T>(
    out: &mut String,
    brackets: (char, char),
    items: impl IntoIterator<Item = T>,
    each: impl Fn(T, &mut String),
) {
    out.push(brackets.0);
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        each(item, out);
    }
    out.push(brackets.1);
}

fn json_string(s: &str, out: &mut String) {
    out.push_str(&serde_json::Value::String(s.to_string()).to_string());
}

/// A server's GTID state at a place of its log, in either flavour.
#[derive(Clone, Debug, PartialEq)]
enum GtidState {
    /// MariaDB: `domain -> (server, sequence)`, printed `0-1-42,1-2-7`.
    Mariadb(BTreeMap<u32, (u32, u64)>),
    /// MySQL: the executed GTID set, `source -> intervals` (a source is a server UUID, or
    /// `uuid:tag` from 8.4), printed `uuid:1-5:7,uuid2:1-3`.
    Mysql(BTreeMap<String, Vec<(u64, u64)>>),
}

impl GtidState {
    fn parse(text: &str, mariadb: bool) -> Option<GtidState> {
        let parts = text
            .split(',')
            .map(|p| p.split_whitespace().collect::<String>())
            .filter(|p| !p.is_empty());
        if mariadb {
            let mut state = BTreeMap::new();
            for part in parts {
                let mut it = part.split('-');
                let (Some(d), Some(s), Some(n), None) =
                    (it.next(), it.next(), it.next(), it.next())
                else {
                    return None;
                };
                state.insert(d.parse().ok()?, (s.parse().ok()?, n.parse().ok()?));
            }
            return Some(GtidState::Mariadb(state));
        }
        let mut set: BTreeMap<String, Vec<(u64, u64)>> = BTreeMap::new();
        for part in parts {
            let mut source = String::new();
            let mut counted = false;
            for piece in part.split(':') {
                let range = match piece.split_once('-') {
                    Some((a, b)) => a.parse::<u64>().ok().zip(b.parse::<u64>().ok()),
                    None => piece.parse::<u64>().ok().map(|n| (n, n)),
                };
                match range {
                    // The UUID (and a tag) before the intervals.
                    None if !counted => {
                        source = if source.is_empty() {
                            piece.to_ascii_lowercase()
                        } else {
                            format!("{source}:{piece}")
                        };
                    }
                    None => return None,
                    Some(_) if source.is_empty() => return None,
                    Some((a, b)) => {
                        counted = true;
                        add_interval(set.entry(source.clone()).or_default(), (a, b.max(a)));
                    }
                }
            }
            if !counted {
                return None;
            }
        }
        Some(GtidState::Mysql(set))
    }
}

impl std::fmt::Display for GtidState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = match self {
            GtidState::Mariadb(state) => state
                .iter()
                .map(|(d, (s, n))| format!("{d}-{s}-{n}"))
                .collect(),
            GtidState::Mysql(set) => set
                .iter()
                .filter(|(_, intervals)| !intervals.is_empty())
                .map(|(source, intervals)| {
                    let mut text = source.clone();
                    for (a, b) in intervals {
                        text.push_str(&if a == b {
                            format!(":{a}")
                        } else {
                            format!(":{a}-{b}")
                        });
                    }
                    text
                })
                .collect(),
        };
        f.write_str(&parts.join(","))
    }
}

/// Adds transaction number `n` to sorted, disjoint intervals, joining neighbours.
fn add_to_interval_set(intervals: &mut Vec<(u64, u64)>, n: u64) {
    add_interval(intervals, (n, n));
}

/// Adds the interval `(a, b)` to sorted, disjoint intervals, joining the ones it touches.
fn add_interval(intervals: &mut Vec<(u64, u64)>, (mut a, mut b): (u64, u64)) {
    let mut kept = Vec::with_capacity(intervals.len() + 1);
    for &(x, y) in intervals.iter() {
        if y.saturating_add(1) < a || b.saturating_add(1) < x {
            kept.push((x, y));
        } else {
            a = a.min(x);
            b = b.max(y);
        }
    }
    kept.push((a, b));
    kept.sort_unstable();
    *intervals = kept;
}

/// A server UUID as MySQL prints it: `3e11fa47-71ca-11e1-9e33-c80aa9429562`.
fn uuid_text(sid: &[u8; 16]) -> String {
    let hex: String = sid.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// What a statement logged as text does, as far as sync cares.
#[derive(Debug, PartialEq)]
enum Statement {
    Begin,
    Commit,
    Rollback,
    /// `TRUNCATE` of these tables (database when named, table).
    Truncate(Vec<(Option<String>, String)>),
    /// A statement that changes the definition of these tables.
    Ddl(Vec<(Option<String>, String)>),
    DropDatabase(String),
    /// Anything else: it changes no planned table's rows or definition.
    Other,
}

/// A token of a logged statement: a word, a quoted name, a string literal, or a sign.
#[derive(Debug, PartialEq)]
enum Token {
    Word(String),
    Name(String),
    Text,
    Sign(char),
}

/// The tokens of a statement: comments skipped, but the body of an executable comment
/// (`/*!40000 ... */`, MariaDB's `/*M!...`) read as code, as the server reads it.
fn tokens(text: &str) -> Vec<Token> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c.is_whitespace() {
            i += 1;
        } else if c == '/' && next == Some('*') {
            let body = i + 2;
            let executable = match chars.get(body) {
                Some('!') => Some(body + 1),
                Some('M') if chars.get(body + 1) == Some(&'!') => Some(body + 2),
                _ => None,
            };
            if let Some(mut j) = executable {
                while j < chars.len() && chars[j].is_ascii_digit() {
                    j += 1;
                }
                i = j;
            } else {
                i = body;
                while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                    i += 1;
                }
                i += 2;
            }
        } else if c == '*' && next == Some('/') {
            i += 2;
        } else if c == '#' || (c == '-' && next == Some('-')) {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '`' || c == '"' || c == '\'' {
            let mut s = String::new();
            i += 1;
            while i < chars.len() {
                if chars[i] == c && chars.get(i + 1) == Some(&c) {
                    s.push(c);
                    i += 2;
                } else if chars[i] == c {
                    i += 1;
                    break;
                } else if chars[i] == '\\' && c != '`' && i + 1 < chars.len() {
                    s.push(chars[i + 1]);
                    i += 2;
                } else {
                    s.push(chars[i]);
                    i += 1;
                }
            }
            out.push(if c == '\'' {
                Token::Text
            } else {
                Token::Name(s)
            });
        } else if c.is_alphanumeric() || c == '_' || c == '$' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '$')
            {
                i += 1;
            }
            out.push(Token::Word(chars[start..i].iter().collect()));
        } else {
            out.push(Token::Sign(c));
            i += 1;
        }
    }
    out
}

/// Reads a statement logged as text (see `Statement`).
fn classify(text: &str) -> Statement {
    let t = tokens(text);
    let word = |i: usize| match t.get(i) {
        Some(Token::Word(w)) => w.to_ascii_uppercase(),
        _ => String::new(),
    };
    // A table name at `i`, qualified or not; the index after it.
    let name = |i: usize| -> Option<((Option<String>, String), usize)> {
        let part = |j: usize| match t.get(j) {
            Some(Token::Word(w) | Token::Name(w)) => Some(w.clone()),
            _ => None,
        };
        let first = part(i)?;
        if t.get(i + 1) == Some(&Token::Sign('.')) {
            let second = part(i + 2)?;
            return Some(((Some(first), second), i + 3));
        }
        Some(((None, first), i + 1))
    };
    // Names separated by commas from `i` (`a, b`), or by TO as well (`RENAME a TO b, c TO d`).
    let names = |mut i: usize| {
        let mut all = Vec::new();
        while let Some((n, after)) = name(i) {
            all.push(n);
            match t.get(after) {
                Some(Token::Sign(',')) => i = after + 1,
                Some(Token::Word(w)) if w.eq_ignore_ascii_case("TO") => i = after + 1,
                _ => break,
            }
        }
        all
    };
    let mut i;
    let skip = |i: &mut usize, words: &[&str]| {
        while words.contains(&word(*i).as_str()) {
            *i += 1;
        }
    };
    let if_exists = |i: &mut usize| {
        if word(*i) == "IF" {
            *i += if word(*i + 1) == "NOT" { 3 } else { 2 };
        }
    };
    match word(0).as_str() {
        "BEGIN" => Statement::Begin,
        "START" if word(1) == "TRANSACTION" => Statement::Begin,
        "COMMIT" => Statement::Commit,
        "ROLLBACK" if word(1) != "TO" => Statement::Rollback,
        "XA" => match word(1).as_str() {
            "START" | "BEGIN" => Statement::Begin,
            "COMMIT" => Statement::Commit,
            "ROLLBACK" => Statement::Rollback,
            _ => Statement::Other,
        },
        "TRUNCATE" => {
            i = 1;
            skip(&mut i, &["TABLE"]);
            Statement::Truncate(names(i))
        }
        "ALTER" => {
            i = 1;
            skip(&mut i, &["ONLINE", "OFFLINE", "IGNORE"]);
            if word(i) != "TABLE" {
                return Statement::Other;
            }
            i += 1;
            if_exists(&mut i);
            Statement::Ddl(names(i))
        }
        "RENAME" if matches!(word(1).as_str(), "TABLE" | "TABLES") => Statement::Ddl(names(2)),
        "DROP" | "CREATE" => {
            i = 1;
            skip(&mut i, &["OR", "REPLACE", "ONLINE", "OFFLINE"]);
            if word(i) == "TEMPORARY" {
                return Statement::Other;
            }
            skip(&mut i, &["UNIQUE", "FULLTEXT", "SPATIAL"]);
            match word(i).as_str() {
                "TABLE" | "TABLES" => {
                    i += 1;
                    if_exists(&mut i);
                    Statement::Ddl(names(i))
                }
                "INDEX" => match (i..t.len()).find(|&j| word(j) == "ON") {
                    Some(on) => Statement::Ddl(names(on + 1).into_iter().take(1).collect()),
                    None => Statement::Other,
                },
                "DATABASE" | "SCHEMA" if word(0) == "DROP" => {
                    i += 1;
                    if_exists(&mut i);
                    match name(i) {
                        Some(((None, db), _)) => Statement::DropDatabase(db),
                        _ => Statement::Other,
                    }
                }
                _ => Statement::Other,
            }
        }
        _ => Statement::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> BinlogSettings {
        BinlogSettings {
            mariadb: true,
            log_bin: true,
            binlog_format: "ROW".into(),
            binlog_row_image: "FULL".into(),
            log_bin_compress: false,
            grants: vec![
                "GRANT REPLICATION SLAVE, BINLOG MONITOR ON *.* TO `u`@`%` IDENTIFIED BY PASSWORD '*ABC'"
                    .into(),
                "GRANT SELECT ON `shop`.* TO `u`@`%`".into(),
            ],
        }
    }

    #[test]
    fn good_settings_pass_and_each_bad_one_is_named_with_its_fix() {
        assert_eq!(check_settings(&good(), "u"), Vec::<String>::new());
        let all = BinlogSettings {
            grants: vec![
                "GRANT ALL PRIVILEGES ON *.* TO `ferry`@`localhost` WITH GRANT OPTION".into(),
            ],
            ..good()
        };
        assert!(check_settings(&all, "ferry").is_empty());

        let off = BinlogSettings {
            log_bin: false,
            ..good()
        };
        let p = check_settings(&off, "u");
        assert_eq!(p.len(), 1);
        assert!(
            p[0].starts_with("log_bin is off") && p[0].contains("--log-bin"),
            "{p:?}"
        );

        let statement = BinlogSettings {
            binlog_format: "MIXED".into(),
            ..good()
        };
        let p = check_settings(&statement, "u");
        assert!(
            p[0].starts_with("binlog_format is MIXED, sync needs ROW"),
            "{p:?}"
        );
        assert!(p[0].contains("SET GLOBAL binlog_format = 'ROW'"), "{p:?}");

        let minimal = BinlogSettings {
            binlog_row_image: "MINIMAL".into(),
            ..good()
        };
        let p = check_settings(&minimal, "u");
        assert_eq!(p.len(), 1);
        assert!(
            p[0].starts_with("binlog_row_image is MINIMAL, sync needs FULL"),
            "{p:?}"
        );
        assert!(
            p[0].contains("SET GLOBAL binlog_row_image = 'FULL'"),
            "{p:?}"
        );

        let compressed = BinlogSettings {
            log_bin_compress: true,
            ..good()
        };
        assert!(check_settings(&compressed, "u")[0].starts_with("log_bin_compress is on"));
    }

    #[test]
    fn privileges_are_read_from_the_global_grants_only() {
        let with = |lines: &[&str], mariadb: bool| BinlogSettings {
            mariadb,
            grants: lines.iter().map(|l| l.to_string()).collect(),
            ..good()
        };
        // Granted on one database only: not enough.
        let p = check_settings(
            &with(&["GRANT ALL PRIVILEGES ON `shop`.* TO `u`@`%`"], true),
            "u",
        );
        assert_eq!(p.len(), 1);
        assert!(
            p[0].starts_with(
                "the user u lacks REPLICATION SLAVE and BINLOG MONITOR (REPLICATION CLIENT)"
            ),
            "{p:?}"
        );
        assert!(
            p[0].contains("GRANT REPLICATION SLAVE, BINLOG MONITOR ON *.*"),
            "{p:?}"
        );
        // The password hash of a grant line is never repeated.
        let hashed = with(
            &["GRANT USAGE ON *.* TO `u`@`%` IDENTIFIED BY PASSWORD '*SECRETHASH'"],
            false,
        );
        let p = check_settings(&hashed, "u");
        assert!(!p[0].contains("SECRETHASH"), "{p:?}");
        assert!(
            p[0].contains("REPLICATION SLAVE and REPLICATION CLIENT"),
            "{p:?}"
        );
        // MySQL's names, and SUPER for the position.
        let mysql = with(
            &["GRANT SELECT, RELOAD, SUPER, REPLICATION SLAVE ON *.* TO `u`@`%`"],
            false,
        );
        assert!(check_settings(&mysql, "u").is_empty());
        let client_only = with(&["GRANT REPLICATION CLIENT ON *.* TO `u`@`%`"], false);
        let p = check_settings(&client_only, "u");
        assert!(
            p[0].starts_with("the user u lacks REPLICATION SLAVE:"),
            "{p:?}"
        );
    }

    #[test]
    fn statements_are_told_apart() {
        let t = |db: Option<&str>, n: &str| (db.map(str::to_string), n.to_string());
        let cases = [
            ("BEGIN", Statement::Begin),
            ("COMMIT", Statement::Commit),
            ("ROLLBACK", Statement::Rollback),
            ("ROLLBACK TO SAVEPOINT a", Statement::Other),
            ("XA START 'x'", Statement::Begin),
            (
                "TRUNCATE TABLE `shop`.`order items`",
                Statement::Truncate(vec![t(Some("shop"), "order items")]),
            ),
            ("truncate t", Statement::Truncate(vec![t(None, "t")])),
            (
                "/* app */ ALTER ONLINE TABLE t ADD COLUMN c int",
                Statement::Ddl(vec![t(None, "t")]),
            ),
            (
                "DROP TABLE IF EXISTS `a`,`b``c` /* generated by server */",
                Statement::Ddl(vec![t(None, "a"), t(None, "b`c")]),
            ),
            (
                "RENAME TABLE a TO b, db.c TO d",
                Statement::Ddl(vec![
                    t(None, "a"),
                    t(None, "b"),
                    t(Some("db"), "c"),
                    t(None, "d"),
                ]),
            ),
            (
                "CREATE UNIQUE INDEX i ON t (a)",
                Statement::Ddl(vec![t(None, "t")]),
            ),
            (
                "DROP INDEX IF EXISTS i ON s.t",
                Statement::Ddl(vec![t(Some("s"), "t")]),
            ),
            (
                "CREATE OR REPLACE TABLE t (a int)",
                Statement::Ddl(vec![t(None, "t")]),
            ),
            (
                "CREATE TABLE IF NOT EXISTS t2 LIKE t",
                Statement::Ddl(vec![t(None, "t2")]),
            ),
            ("DROP TEMPORARY TABLE IF EXISTS t", Statement::Other),
            (
                "/*!40000 ALTER TABLE `t` DISABLE KEYS */",
                Statement::Ddl(vec![t(None, "t")]),
            ),
            (
                "DROP DATABASE IF EXISTS shop",
                Statement::DropDatabase("shop".into()),
            ),
            ("GRANT SELECT ON t TO u", Statement::Other),
            ("CREATE USER u", Statement::Other),
            ("ALTER USER u", Statement::Other),
            ("-- note\n# more\nFLUSH PRIVILEGES", Statement::Other),
        ];
        for (text, want) in cases {
            assert_eq!(classify(text), want, "{text}");
        }
    }

    #[test]
    fn enum_and_set_members_are_read_from_the_column_type() {
        assert_eq!(enum_members("enum('x','y z')"), ["x", "y z"]);
        assert_eq!(enum_members("set('a','it''s','b,c')"), ["a", "it's", "b,c"]);
        assert_eq!(enum_members("enum('','a\\\\b')"), ["", "a\\b"]);
    }

    #[test]
    fn unsigned_integers_logged_as_signed_are_read_back() {
        assert_eq!(unsigned(-1, 8), Value::Int(255));
        assert_eq!(unsigned(-1, 16), Value::Int(65_535));
        assert_eq!(unsigned(-1, 24), Value::Int(16_777_215));
        assert_eq!(unsigned(-2, 32), Value::Int(4_294_967_294));
        assert_eq!(unsigned(-1, 64), Value::UInt(u64::MAX));
        assert_eq!(unsigned(7, 64), Value::Int(7));
        let medium = |i| {
            value(
                BinlogValue::Value(mysql_async::Value::Int(i)),
                &Conv::Medium,
            )
        };
        assert_eq!(medium(8_388_608), Ok(Value::Int(-8_388_608)));
        assert_eq!(medium(16_777_215), Ok(Value::Int(-1)));
        assert_eq!(medium(8_388_607), Ok(Value::Int(8_388_607)));
    }

    #[test]
    fn timestamps_are_printed_in_utc() {
        let text = |t: &str, d: u8| {
            from_mysql(
                timestamp_value(t).unwrap_or_else(|| panic!("{t}")),
                ReadAs::DateTime(d),
            )
        };
        assert_eq!(text("0", 0), Value::Text("0000-00-00 00:00:00".into()));
        assert_eq!(text("1", 0), Value::Text("1970-01-01 00:00:01".into()));
        assert_eq!(
            text("1709210096.250000", 3),
            Value::Text("2024-02-29 12:34:56.250".into())
        );
        assert_eq!(
            text("2147483647", 0),
            Value::Text("2038-01-19 03:14:07".into())
        );
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }

    #[test]
    fn gtid_states_read_print_and_grow() {
        let maria = GtidState::parse("0-1-42,1-2-7", true).unwrap_or_else(|| panic!("unread"));
        assert_eq!(maria.to_string(), "0-1-42,1-2-7");
        assert_eq!(GtidState::parse("0-1", true), None);
        assert_eq!(
            GtidState::parse("", true).map(|s| s.to_string()),
            Some(String::new())
        );
        // MySQL prints a long set over several lines; a tag (8.4) belongs to its UUID.
        let text = "3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5:7,\n\
                    4e11fa47-71ca-11e1-9e33-c80aa9429562:1,\n\
                    4e11fa47-71ca-11e1-9e33-c80aa9429562:night:3-4";
        let mut mysql = GtidState::parse(text, false).unwrap_or_else(|| panic!("unread"));
        assert_eq!(
            mysql.to_string(),
            "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5:7,\
             4e11fa47-71ca-11e1-9e33-c80aa9429562:1,\
             4e11fa47-71ca-11e1-9e33-c80aa9429562:night:3-4"
        );
        let GtidState::Mysql(set) = &mut mysql else {
            panic!("not MySQL's");
        };
        let first = set
            .get_mut("3e11fa47-71ca-11e1-9e33-c80aa9429562")
            .unwrap_or_else(|| panic!("no source"));
        add_to_interval_set(first, 6);
        add_to_interval_set(first, 9);
        assert_eq!(*first, vec![(1, 7), (9, 9)]);
        assert_eq!(GtidState::parse("1-5", false), None);
        let mut sid = [0u8; 16];
        sid[0] = 0x3e;
        sid[15] = 0x62;
        assert_eq!(uuid_text(&sid), "3e000000-0000-0000-0000-000000000062");
    }

    #[test]
    fn mysql_json_is_printed_as_mysql_prints_it() {
        use mysql_async::binlog::jsonb::{JsonContainer as C, JsonDom as D, JsonScalar as S};
        let mut fields = std::collections::BTreeMap::new();
        fields.insert(
            "bb".to_string(),
            D::Scalar(S::Number(JsonNumber::Double(1.5))),
        );
        fields.insert("a\"".to_string(), D::Scalar(S::Null));
        fields.insert(
            "c".to_string(),
            D::Container(C::Array(vec![
                D::Scalar(S::Number(JsonNumber::Int(-1))),
                D::Scalar(S::Boolean(true)),
                D::Scalar(S::String("é\n".into())),
            ])),
        );
        let mut out = String::new();
        mysql_json(&D::Container(C::Object(fields)), &mut out);
        assert_eq!(out, r#"{"c": [-1, true, "é\n"], "a\"": null, "bb": 1.5}"#);
    }

    #[test]
    fn the_replica_id_is_stable_high_and_never_the_servers() {
        let a = replica_id("ferry_0123456789ab", 1);
        assert_eq!(a, replica_id("ferry_0123456789ab", 1));
        assert!(a >= 0x4000_0000);
        assert_ne!(a, replica_id("ferry_0123456789ac", 1));
        assert_ne!(replica_id("ferry_0123456789ab", a), a);
    }
}
