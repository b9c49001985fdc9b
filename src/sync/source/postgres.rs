//! PostgreSQL as a change source: logical decoding with the built-in `pgoutput` plugin
//! (https://www.postgresql.org/docs/current/protocol-logical-replication.html).
//!
//! ferry creates a publication of the plan's tables and a logical replication slot, both named
//! `capture_name(plan)`, before the full load takes its snapshot; the slot keeps every change
//! committed after its creation. Changes are read one of two ways (`PgRead`, ARCHITECTURE.md
//! says which and why, BENCHMARKS.md what each measured):
//! - the streaming replication protocol (`walsender.rs`), the default: the server decodes the
//!   WAL once, as it is written, and sends the changes as they commit; ferry reports the
//!   position the target committed, and the slot lets go of what is before it;
//! - the SQL slot functions, for connections that cannot replicate (a pooler such as
//!   PgBouncer in between): `pg_logical_slot_peek_binary_changes` streams what the slot holds
//!   (whole transactions, in commit order), and once the target has committed them,
//!   `pg_replication_slot_advance` lets the slot forget them. Each read decodes again from the
//!   slot's restart point, which stays behind a large transaction until the server logs its
//!   next running-transactions record (up to 15 s).
//!
//! The messages are decoded by `pg_walstream`'s decoder, which does no I/O.
//!
//! A transaction the full load's snapshot already shows as committed is skipped: its xid is
//! below the snapshot's xmax and not among the transactions in progress it lists
//! (https://www.postgresql.org/docs/current/functions-info.html#FUNCTIONS-PG-SNAPSHOT-PARTS).
//! So the catch-up after the load applies exactly the changes the snapshot lacks.

use std::collections::HashMap;
use std::pin::Pin;
use std::time::Duration;

use futures_util::StreamExt;
use pg_walstream::{ColumnValue, EventType, Lsn, PgOutputDecoder, RowData};
use tokio_postgres::RowStream;

use super::walsender::{Received, WalSender};
use super::{ChangeSource, Event, Position, capture_name};
use crate::conn::Server;
use crate::load::postgres::{PgConn, connect, native_tls_connector};
use crate::load::{LoadError, Timeouts};
use crate::plan::{Plan, TablePlan};
use crate::sync::change::{Change, Op, parse_lsn};
use crate::value::Value;

/// How many changes one read of the slot asks for (PostgreSQL finishes the transaction it is
/// in, so a large transaction comes whole; its rows are streamed, never held).
const CHANGES_PER_READ: u32 = 250_000;

fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// The plan table's name as PostgreSQL's catalog and pgoutput write it: schema and name
/// (`public` when the plan names none).
fn qualified(t: &TablePlan) -> (String, String) {
    let schema = t
        .source
        .schema
        .clone()
        .unwrap_or_else(|| "public".to_string());
    (schema, t.source.name.clone())
}

/// Reads one column of the first row as text; a query that returned nothing is an error
/// naming it.
fn text(conn: &PgConn, sql: &str) -> Result<Option<String>, LoadError> {
    let rows = conn.run(conn.client.query(sql, &[]), || format!("`{sql}`"))?;
    Ok(rows
        .first()
        .and_then(|r| r.try_get::<_, Option<String>>(0).ok().flatten()))
}

/// Where the WAL ends now: its insert position, which a commit not yet written out (with
/// `synchronous_commit = off`) has passed already.
fn wal_end(conn: &PgConn) -> Result<Position, LoadError> {
    let lsn = text(conn, "SELECT pg_current_wal_insert_lsn()::text")?.unwrap_or_default();
    parse_lsn(&lsn)
        .map(Position::Lsn)
        .ok_or_else(|| LoadError::state(format!("{}: no WAL position", conn.name())))
}

/// Whether the slot `name` exists.
fn slot_exists(conn: &PgConn, name: &str) -> Result<bool, LoadError> {
    let sql = format!(
        "SELECT slot_name::text FROM pg_replication_slots WHERE slot_name = {}",
        literal(name)
    );
    Ok(text(conn, &sql)?.is_some())
}

/// Whether the publication `name` exists.
fn publication_exists(conn: &PgConn, name: &str) -> Result<bool, LoadError> {
    let sql = format!(
        "SELECT pubname::text FROM pg_publication WHERE pubname = {}",
        literal(name)
    );
    Ok(text(conn, &sql)?.is_some())
}

/// What logical decoding needs at the source, as the settings read say; `Err` names the
/// setting and what to do.
pub fn check_settings(wal_level: &str, may_replicate: bool) -> Result<(), String> {
    if wal_level != "logical" {
        return Err(format!(
            "wal_level is {wal_level}: logical decoding needs wal_level = logical (set it in \
             postgresql.conf or with ALTER SYSTEM SET wal_level = logical, then restart the \
             server)"
        ));
    }
    if !may_replicate {
        return Err(
            "the login may not replicate: grant it with ALTER ROLE ... REPLICATION \
                    (or connect as a superuser)"
                .to_string(),
        );
    }
    Ok(())
}

/// Checks the source, then creates the publication of the plan's tables and the slot (each
/// kept when it exists: a sync that starts again reuses them). Returns the slot's position.
pub fn prepare(plan: &Plan, server: &Server) -> Result<Position, LoadError> {
    let conn = connect(server, plan.settings.timeouts())?;
    let name = capture_name(plan);
    let wal_level = text(&conn, "SHOW wal_level")?.unwrap_or_default();
    let may = text(
        &conn,
        "SELECT (rolreplication OR rolsuper)::text FROM pg_roles WHERE rolname = current_user",
    )?;
    check_settings(&wal_level, may.as_deref() == Some("true"))
        .map_err(|e| LoadError::config(format!("{}: {e}", conn.name())))?;
    // Tables whose deletes and updates would not say which row: no primary key and no
    // REPLICA IDENTITY FULL (or USING INDEX).
    let mut unkeyed = Vec::new();
    for t in &plan.tables {
        let (schema, table) = qualified(t);
        let sql = format!(
            "SELECT c.relreplident::text || CASE WHEN EXISTS (SELECT 1 FROM pg_index i \
             WHERE i.indrelid = c.oid AND i.indisprimary) THEN 'k' ELSE '' END \
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = {} AND c.relname = {}",
            literal(&schema),
            literal(&table)
        );
        match text(&conn, &sql)?.as_deref() {
            // With USING INDEX and no primary key, a change carries the index's columns,
            // which the plan does not know as the key.
            Some("dk") | Some("f") | Some("fk") | Some("ik") => {}
            Some(_) => unkeyed.push(format!("{schema}.{table}")),
            None => {
                return Err(LoadError::config(format!(
                    "{}: table {schema}.{table} of the plan is not in the source",
                    conn.name()
                )));
            }
        }
    }
    if !unkeyed.is_empty() {
        return Err(LoadError::config(format!(
            "{}: sync cannot say which row an update or delete changes in {}: no primary key \
             and no REPLICA IDENTITY FULL. Add a primary key, or run ALTER TABLE ... REPLICA \
             IDENTITY FULL on each.",
            conn.name(),
            unkeyed.join(", ")
        )));
    }
    if !publication_exists(&conn, &name)? {
        let tables: Vec<String> = plan
            .tables
            .iter()
            .map(|t| {
                let (s, n) = qualified(t);
                format!("{}.{}", ident(&s), ident(&n))
            })
            .collect();
        let sql = format!(
            "CREATE PUBLICATION {} FOR TABLE {}",
            ident(&name),
            tables.join(", ")
        );
        conn.run(conn.client.batch_execute(&sql), || {
            format!("creating publication {name}")
        })?;
    }
    let existing = text(
        &conn,
        &format!(
            "SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = {}",
            literal(&name)
        ),
    )?;
    let lsn = match existing {
        Some(lsn) => lsn,
        None => text(
            &conn,
            &format!(
                "SELECT lsn::text FROM pg_create_logical_replication_slot({}, 'pgoutput')",
                literal(&name)
            ),
        )?
        .unwrap_or_default(),
    };
    parse_lsn(&lsn).map(Position::Lsn).ok_or_else(|| {
        LoadError::state(format!(
            "{}: slot {name} has no position ({lsn})",
            conn.name()
        ))
    })
}

/// Where the WAL ends now (`--status`).
pub fn end(plan: &Plan, server: &Server) -> Result<Position, LoadError> {
    wal_end(&connect(server, plan.settings.timeouts())?)
}

/// Drops the slot and the publication (`ferry sync --drop-slot`).
pub fn remove(plan: &Plan, server: &Server) -> Result<String, LoadError> {
    let conn = connect(server, plan.settings.timeouts())?;
    let name = capture_name(plan);
    let mut said = Vec::new();
    if slot_exists(&conn, &name)? {
        text(
            &conn,
            &format!("SELECT pg_drop_replication_slot({})::text", literal(&name)),
        )?;
        said.push(format!("dropped replication slot {name}"));
    }
    let sql = format!("DROP PUBLICATION IF EXISTS {}", ident(&name));
    if publication_exists(&conn, &name)? {
        conn.run(conn.client.batch_execute(&sql), || format!("`{sql}`"))?;
        said.push(format!("dropped publication {name}"));
    }
    if said.is_empty() {
        said.push(format!("no slot or publication {name} was there"));
    }
    Ok(format!("{}: {}", conn.name(), said.join("; ")))
}

/// A snapshot as `pg_current_snapshot()` prints it: `xmin:xmax:xip,xip`.
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    xmax: u64,
    in_progress: Vec<u64>,
}

impl Snapshot {
    pub fn parse(text: &str) -> Option<Snapshot> {
        let mut parts = text.trim().split(':');
        let _xmin: u64 = parts.next()?.parse().ok()?;
        let xmax = parts.next()?.parse().ok()?;
        let in_progress = match parts.next()? {
            "" => Vec::new(),
            list => list
                .split(',')
                .map(|x| x.parse().ok())
                .collect::<Option<Vec<u64>>>()?,
        };
        Some(Snapshot { xmax, in_progress })
    }

    /// Whether a committed transaction (its 32-bit xid, as pgoutput sends it) was committed
    /// when the snapshot was taken. The xid gets the epoch of xmax, or the one before when it
    /// would lie above xmax by more than half the xid space (wraparound).
    pub fn holds(&self, xid: u32) -> bool {
        let epoch = self.xmax & !0xFFFF_FFFF;
        let mut full = epoch | u64::from(xid);
        if full > self.xmax && full - self.xmax > 1 << 31 && epoch > 0 {
            full -= 1 << 32;
        }
        full < self.xmax && !self.in_progress.contains(&full)
    }
}

/// The plan's tables by the names pgoutput writes (`schema.table`).
fn table_index(plan: &Plan) -> HashMap<String, usize> {
    plan.tables
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let (s, n) = qualified(t);
            (format!("{s}.{n}"), i)
        })
        .collect()
}

/// Reads a slot.
/// How changes are read from a PostgreSQL source (see the module's comment).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum PgRead {
    /// The streaming replication protocol.
    #[default]
    Stream,
    /// The SQL slot functions (peek, then advance once applied).
    SlotFunctions,
}

/// A target commit is asked for (`Event::Pause`) at the first source commit after this long
/// of streaming, so that the slot is told how far the target got.
const CONFIRM_EVERY: Duration = Duration::from_secs(1);

/// The replication connection and its decoder, with what streaming keeps track of.
struct Streaming {
    sender: WalSender,
    decoder: PgOutputDecoder,
    /// Inside a source transaction (between its Begin and Commit).
    in_transaction: bool,
    last_pause: std::time::Instant,
    pause_due: bool,
}

pub struct PgChanges {
    conn: PgConn,
    /// The replication connection, when changes are streamed (`PgRead::Stream`).
    streaming: Option<Streaming>,
    slot: String,
    tables: HashMap<String, usize>,
    plan: Plan,
    /// Transactions at or before this position are in the target already.
    applied: u64,
    /// The full load's snapshot: the transactions it holds are skipped.
    snapshot: Option<Snapshot>,
    /// The read in progress and its decoder (a new one per read: each read starts at a
    /// transaction and repeats the Relation messages it needs).
    reading: Option<(Pin<Box<RowStream>>, PgOutputDecoder)>,
    /// Whether the transaction being read is skipped.
    skipping: bool,
    /// The slot was advanced up to here.
    confirmed: u64,
    /// Rows the read in progress gave so far.
    read_rows: u64,
    /// Tables of a TRUNCATE still to hand out, one event each.
    pending_truncates: Vec<usize>,
    /// Where the WAL was flushed before the read in progress began (decoding reads no
    /// further); after a read that found nothing, every transaction committed up to it is
    /// applied.
    flushed: u64,
    /// The flush position before the last read that found nothing.
    idle_at: Option<u64>,
    /// Reads refused so far because another session still held the slot.
    busy_waits: u32,
}

/// While the session of a sync that died still holds the slot: how often, and how long apart,
/// reading is tried again (30 s in all).
const BUSY_WAITS: u32 = 120;
const BUSY_PAUSE: Duration = Duration::from_millis(250);

/// Whether an error says the slot is in use by another session.
fn slot_busy(e: &LoadError) -> bool {
    matches!(e.kind(), crate::load::ErrorKind::Sql { code, .. } if code.sqlstate.as_deref() == Some("55006"))
}

impl PgChanges {
    pub fn open(
        plan: &Plan,
        server: &Server,
        from: &Position,
        snapshot: Option<&str>,
        read: PgRead,
    ) -> Result<PgChanges, LoadError> {
        let conn = connect(server, plan.settings.timeouts())?;
        let Position::Lsn(applied) = from else {
            return Err(LoadError::state(format!(
                "{}: the stored sync position {from} is not a PostgreSQL position",
                conn.name()
            )));
        };
        let snapshot = match snapshot {
            Some(s) => Some(Snapshot::parse(s).ok_or_else(|| {
                LoadError::state(format!("the stored snapshot {s:?} does not read"))
            })?),
            None => None,
        };
        let slot = capture_name(plan);
        if !slot_exists(&conn, &slot)? {
            return Err(LoadError::state(format!(
                "{}: replication slot {slot} is gone (dropped by hand, or by ferry sync \
                 --drop-slot): the changes since {from} are lost to sync. Start over: drop \
                 the target's tables and the table ferry_sync_state, then run ferry sync \
                 again.",
                conn.name()
            )));
        }
        // A sync that died may have left its session reading the slot, which keeps the slot
        // busy until the server notices; this sync holds the target's lock, so that session
        // is a dead one's.
        text(
            &conn,
            &format!(
                "SELECT count(pg_terminate_backend(active_pid))::text FROM pg_replication_slots \
                 WHERE slot_name = {} AND active_pid IS NOT NULL AND active_pid <> \
                 pg_backend_pid()",
                literal(&slot)
            ),
        )?;
        let streaming = match read {
            PgRead::SlotFunctions => None,
            PgRead::Stream => Some(start_streaming(
                &conn,
                server,
                &slot,
                *applied,
                plan.settings.timeouts(),
            )?),
        };
        Ok(PgChanges {
            conn,
            streaming,
            tables: table_index(plan),
            slot,
            plan: plan.clone(),
            applied: *applied,
            snapshot,
            reading: None,
            skipping: false,
            confirmed: 0,
            read_rows: 0,
            pending_truncates: Vec::new(),
            flushed: 0,
            idle_at: None,
            busy_waits: 0,
        })
    }

    fn start_read(&mut self) -> Result<(), LoadError> {
        let flushed = text(&self.conn, "SELECT pg_current_wal_flush_lsn()::text")?;
        self.flushed = flushed.as_deref().and_then(parse_lsn).unwrap_or(0);
        let sql = format!(
            "SELECT lsn::text, data FROM pg_logical_slot_peek_binary_changes({}, NULL, {}, \
             'proto_version', '1', 'publication_names', {})",
            literal(&self.slot),
            CHANGES_PER_READ,
            literal(&ident(&self.slot))
        );
        let params: [&(dyn tokio_postgres::types::ToSql + Sync); 0] = [];
        let stream = self
            .conn
            .run(self.conn.client.query_raw(&sql, params), || {
                format!("reading slot {}", self.slot)
            })?;
        self.reading = Some((Box::pin(stream), PgOutputDecoder::with_protocol_version(1)));
        Ok(())
    }

    /// The plan's values of a decoded row, by column name; a column the row does not carry
    /// is `None`.
    fn values(&self, table: usize, data: &RowData) -> Result<Vec<Option<Value>>, LoadError> {
        let t = &self.plan.tables[table];
        t.columns
            .iter()
            .map(|c| match data.get(&c.source) {
                None => Ok(None),
                Some(ColumnValue::Null) => Ok(Some(Value::Null)),
                Some(ColumnValue::Text(b)) | Some(ColumnValue::Binary(b)) => {
                    match std::str::from_utf8(b) {
                        Ok(s) => Ok(Some(Value::Text(s.to_string()))),
                        Err(_) => Err(LoadError::input(format!(
                            "{}: table {}, column {}: the change's value is not UTF-8 text",
                            self.conn.name(),
                            t.source,
                            c.source
                        ))),
                    }
                }
            })
            .collect()
    }

    /// The key of a row (its values of the plan table's key columns).
    /// The key of a changed row; a table without one (REPLICA IDENTITY FULL) is keyed by all
    /// its planned columns (`apply` finds the row by all its values).
    fn key(&self, table: usize, data: &RowData) -> Result<Vec<Value>, LoadError> {
        let t = &self.plan.tables[table];
        let row = self.values(table, data)?;
        if t.key.is_empty() {
            return row
                .into_iter()
                .zip(&t.columns)
                .map(|(v, c)| {
                    v.ok_or_else(|| {
                        LoadError::input(format!(
                            "{}: table {}: a change's old row lacks column {} (is REPLICA \
                             IDENTITY still FULL?)",
                            self.conn.name(),
                            t.source,
                            c.source
                        ))
                    })
                })
                .collect();
        }
        t.key
            .iter()
            .map(|k| {
                t.columns
                    .iter()
                    .position(|c| &c.source == k)
                    .and_then(|i| row[i].clone())
                    .ok_or_else(|| {
                        LoadError::input(format!(
                            "{}: table {}: a change does not carry key column {k}",
                            self.conn.name(),
                            t.source
                        ))
                    })
            })
            .collect()
    }

    /// Turns one decoded message into an event (None: nothing for the applier).
    fn event(&mut self, ev: EventType) -> Result<Option<Event>, LoadError> {
        Ok(match ev {
            EventType::Begin {
                transaction_id,
                final_lsn,
                ..
            } => {
                let done = final_lsn.0 <= self.applied;
                let in_snapshot = self
                    .snapshot
                    .as_ref()
                    .is_some_and(|s| s.holds(transaction_id));
                self.skipping = done || in_snapshot;
                Some(Event::Begin {
                    skip: self.skipping,
                })
            }
            EventType::Commit {
                end_lsn,
                commit_timestamp,
                ..
            } => Some(Event::Commit {
                position: Position::Lsn(end_lsn.0),
                commit_time: Some(commit_timestamp.timestamp_micros() as f64 / 1e6),
            }),
            _ if self.skipping => None,
            EventType::Relation {
                namespace,
                relation_name,
                columns,
                ..
            } => {
                let name = format!("{namespace}.{relation_name}");
                let Some(&ti) = self.tables.get(&name) else {
                    return Ok(None);
                };
                let t = &self.plan.tables[ti];
                let now: Vec<&str> = columns.iter().map(|c| &*c.name).collect();
                let planned: Vec<&str> = t.source_columns.iter().map(String::as_str).collect();
                // Generated columns are not published (PostgreSQL < 18): only the planned,
                // loaded columns must all be there, and nothing beyond the source's columns.
                let missing = t.columns.iter().any(|c| !now.contains(&c.source.as_str()));
                let added = now.iter().any(|c| !planned.contains(c));
                if missing || added {
                    return Ok(Some(Event::SchemaChange {
                        table: name,
                        statement: format!(
                            "its columns are now ({}); the plan has ({})",
                            now.join(", "),
                            planned.join(", ")
                        ),
                    }));
                }
                None
            }
            EventType::Insert {
                schema,
                table,
                data,
                ..
            } => {
                let Some(&ti) = self.tables.get(&format!("{schema}.{table}")) else {
                    return Ok(None);
                };
                let row = self.values(ti, &data)?;
                let row = row.into_iter().map(|v| v.unwrap_or(Value::Null)).collect();
                Some(Event::Change(Change {
                    table: ti,
                    op: Op::Insert(row),
                }))
            }
            EventType::Update {
                schema,
                table,
                old_data,
                new_data,
                ..
            } => {
                let Some(&ti) = self.tables.get(&format!("{schema}.{table}")) else {
                    return Ok(None);
                };
                let key = self.key(ti, old_data.as_ref().unwrap_or(&new_data))?;
                let row = self.values(ti, &new_data)?;
                Some(Event::Change(Change {
                    table: ti,
                    op: Op::Update { key, row },
                }))
            }
            EventType::Delete {
                schema,
                table,
                old_data,
                ..
            } => {
                let Some(&ti) = self.tables.get(&format!("{schema}.{table}")) else {
                    return Ok(None);
                };
                Some(Event::Change(Change {
                    table: ti,
                    op: Op::Delete(self.key(ti, &old_data)?),
                }))
            }
            EventType::Truncate { tables, .. } => {
                // One event per table: the applier empties each.
                let mut planned = tables.iter().filter_map(|t| self.tables.get(&**t));
                let first = planned.next().copied();
                let rest: Vec<usize> = planned.copied().collect();
                self.pending_truncates.extend(rest);
                first.map(|ti| {
                    Event::Change(Change {
                        table: ti,
                        op: Op::Truncate,
                    })
                })
            }
            _ => None,
        })
    }
}

/// Opens the replication connection at `from`; waits while the session of a sync that died
/// still holds the slot (`open` ended it; the server lets go of the slot a moment later).
fn start_streaming(
    conn: &PgConn,
    server: &Server,
    slot: &str,
    from: u64,
    timeouts: Timeouts,
) -> Result<Streaming, LoadError> {
    let param = |key: &str| server.param(key);
    let tls = native_tls_connector(param("sslmode").unwrap_or("prefer"), param("sslrootcert"))
        .map_err(|e| LoadError::config(format!("{}: {e}", conn.name())))?;
    let mut waits = 0;
    loop {
        match WalSender::start(server, tls.clone(), slot, slot, from, timeouts) {
            Ok(sender) => {
                return Ok(Streaming {
                    sender,
                    decoder: PgOutputDecoder::with_protocol_version(1),
                    in_transaction: false,
                    last_pause: std::time::Instant::now(),
                    pause_due: false,
                });
            }
            Err(e) if slot_busy(&e) && waits < BUSY_WAITS => {
                waits += 1;
                std::thread::sleep(BUSY_PAUSE);
            }
            Err(e) => return Err(e),
        }
    }
}

impl PgChanges {
    /// `next` over the replication connection.
    fn next_streamed(&mut self, wait: Duration) -> Result<Option<Event>, LoadError> {
        loop {
            let Some(st) = self.streaming.as_mut() else {
                return Ok(None);
            };
            if !st.in_transaction && std::mem::take(&mut st.pause_due) {
                return Ok(Some(Event::Pause));
            }
            let (lsn, data) = match st.sender.next(wait)? {
                None => {
                    if !st.in_transaction {
                        st.sender.ask()?;
                    }
                    return Ok(None);
                }
                Some(Received::Keepalive { wal_end }) => {
                    // Everything before the walsender's position is sent: when no
                    // transaction is open, nothing before it is left to read.
                    if !st.in_transaction {
                        self.idle_at = Some(wal_end);
                    }
                    return Ok(None);
                }
                Some(Received::Data { lsn, data }) => (lsn, data),
            };
            self.idle_at = None;
            let decoded = st
                .decoder
                .decode_message(data, Lsn::new(lsn))
                .map_err(|e| {
                    LoadError::input(format!(
                        "{}: slot {}: a message at {} does not decode: {e}",
                        self.conn.name(),
                        self.slot,
                        Position::Lsn(lsn)
                    ))
                })?;
            let Some(decoded) = decoded else {
                continue;
            };
            let event = self.event(decoded.event_type)?;
            let Some(st) = self.streaming.as_mut() else {
                return Ok(None);
            };
            match &event {
                Some(Event::Begin { .. }) => st.in_transaction = true,
                Some(Event::Commit { .. }) => {
                    st.in_transaction = false;
                    if st.last_pause.elapsed() >= CONFIRM_EVERY {
                        st.last_pause = std::time::Instant::now();
                        st.pause_due = true;
                    }
                }
                _ => {}
            }
            if event.is_some() {
                return Ok(event);
            }
        }
    }
}

impl ChangeSource for PgChanges {
    fn next(&mut self, wait: Duration) -> Result<Option<Event>, LoadError> {
        if let Some(ti) = self.pending_truncates.pop() {
            return Ok(Some(Event::Change(Change {
                table: ti,
                op: Op::Truncate,
            })));
        }
        if self.streaming.is_some() {
            return self.next_streamed(wait);
        }
        loop {
            if self.reading.is_none() {
                self.start_read()?;
            }
            let Some((stream, _)) = self.reading.as_mut() else {
                return Ok(None);
            };
            let slot = &self.slot;
            let row = match self
                .conn
                .run(async { stream.as_mut().next().await.transpose() }, || {
                    format!("reading slot {slot}")
                }) {
                Ok(row) => row,
                // The session of a sync that died still holds the slot for a moment after
                // `open` ended it: 55006 object_in_use; read again.
                Err(e) if self.read_rows == 0 && slot_busy(&e) && self.busy_waits < BUSY_WAITS => {
                    self.busy_waits += 1;
                    self.reading = None;
                    std::thread::sleep(BUSY_PAUSE);
                    continue;
                }
                Err(e) => return Err(e),
            };
            let Some(row) = row else {
                // The read is over: the applier commits and confirms, then a new read
                // starts; an empty read means the slot holds nothing more now.
                self.reading = None;
                if std::mem::take(&mut self.read_rows) > 0 {
                    return Ok(Some(Event::Pause));
                }
                self.idle_at = Some(self.flushed);
                std::thread::sleep(wait);
                return Ok(None);
            };
            self.read_rows += 1;
            let lsn: String = row.try_get(0).map_err(|e| {
                LoadError::input(format!("{}: slot {}: {e}", self.conn.name(), self.slot))
            })?;
            let data: Vec<u8> = row.try_get(1).map_err(|e| {
                LoadError::input(format!("{}: slot {}: {e}", self.conn.name(), self.slot))
            })?;
            let at = Lsn::new(parse_lsn(&lsn).unwrap_or(0));
            let Some((_, decoder)) = self.reading.as_mut() else {
                return Ok(None);
            };
            let decoded = decoder.decode_message(data, at).map_err(|e| {
                LoadError::input(format!(
                    "{}: slot {}: a message at {lsn} does not decode: {e}",
                    self.conn.name(),
                    self.slot
                ))
            })?;
            if let Some(ev) = decoded
                && let Some(ev) = self.event(ev.event_type)?
            {
                return Ok(Some(ev));
            }
        }
    }

    fn confirm(&mut self, position: &Position) -> Result<(), LoadError> {
        let Position::Lsn(lsn) = position else {
            return Ok(());
        };
        if let Some(st) = self.streaming.as_mut() {
            st.sender.confirm(*lsn)?;
            self.confirmed = self.confirmed.max(*lsn);
            self.applied = self.applied.max(*lsn);
            return Ok(());
        }
        if *lsn <= self.confirmed || self.reading.is_some() {
            return Ok(());
        }
        let at = Position::Lsn(*lsn).to_string();
        text(
            &self.conn,
            &format!(
                "SELECT pg_replication_slot_advance({}, {})::text",
                literal(&self.slot),
                literal(&at)
            ),
        )?;
        self.confirmed = *lsn;
        self.applied = self.applied.max(*lsn);
        Ok(())
    }

    fn end(&mut self) -> Result<Position, LoadError> {
        wal_end(&self.conn)
    }

    fn idle_position(&self) -> Option<Position> {
        self.idle_at.map(Position::Lsn)
    }

    fn describe(&self) -> String {
        format!("{} (slot {})", self.conn.name(), self.slot)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snapshot_holds_what_committed_before_it() {
        let s = Snapshot::parse("100:105:100,103").expect("reads");
        assert!(s.holds(99));
        assert!(!s.holds(100));
        assert!(s.holds(101));
        assert!(!s.holds(103));
        assert!(s.holds(104));
        assert!(!s.holds(105));
        assert!(!s.holds(4000));
        let empty = Snapshot::parse("7:7:").expect("reads");
        assert!(empty.holds(6) && !empty.holds(7));
        // Past the first epoch: xid 5 of epoch 1 is 4294967301.
        let later = Snapshot::parse("4294967290:4294967302:").expect("reads");
        assert!(later.holds(5));
        assert!(later.holds(0xFFFF_FFFB));
        assert!(!later.holds(7));
        assert_eq!(Snapshot::parse("x:1:"), None);
        assert_eq!(Snapshot::parse("1:2:a"), None);
    }

    #[test]
    fn the_settings_refused_name_what_to_change() {
        assert!(check_settings("logical", true).is_ok());
        assert!(
            check_settings("replica", true)
                .expect_err("refused")
                .contains("wal_level = logical")
        );
        assert!(
            check_settings("logical", false)
                .expect_err("refused")
                .contains("REPLICATION")
        );
    }
}
