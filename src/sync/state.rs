//! The sync state, kept in the target beside the data: the position applied up to, written
//! in the same target transaction as the changes it covers. So whatever kills sync, the
//! target holds the changes up to its stored position and none after, and a restart reads on
//! from there: nothing lost, nothing applied twice.
//!
//! One row in `ferry_sync_state`, in SQL that PostgreSQL, MySQL/MariaDB and SQLite all accept.

use super::apply::{Statement, SyncTarget};
use super::change::Position;
use super::schema::Addition;
use crate::load::LoadError;

/// The table's name: unquoted lower case reads the same on every target.
pub const TABLE: &str = "ferry_sync_state";

/// How far sync got.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// The full load runs (or was interrupted: it is started again from scratch).
    Loading = 1,
    /// Changes are applied from `position` on.
    Streaming = 2,
}

/// The state as stored.
#[derive(Clone, Debug)]
pub struct SyncState {
    /// The plan's fingerprint (hexadecimal): a state belongs to one plan.
    pub plan: String,
    pub phase: Phase,
    /// What the full load's snapshot recorded about itself (PostgreSQL: `xmin:xmax:xip`).
    pub snapshot: Option<String>,
    /// Applied up to here.
    pub position: Option<Position>,
    /// Changes up to here may be in the target already: applied idempotently.
    pub idempotent_until: Option<Position>,
    pub transactions: u64,
    pub changes: u64,
    /// When the last applied transaction committed at the source, and when it was applied
    /// (Unix seconds).
    pub commit_time: Option<f64>,
    pub applied_at: Option<f64>,
    /// Changes per second over the last minute, as the running sync measured it.
    pub rate: Option<f64>,
    /// Why the last sync stopped, when an error stopped it.
    pub last_error: Option<String>,
    /// Columns added at the source while syncing, which the target got too (`schema.rs`).
    pub added: Vec<Addition>,
}

const CREATE: &str = "CREATE TABLE IF NOT EXISTS ferry_sync_state (id INTEGER NOT NULL PRIMARY \
     KEY, plan VARCHAR(40) NOT NULL, phase INTEGER NOT NULL, snapshot TEXT, position TEXT, \
     idempotent_until TEXT, transactions BIGINT NOT NULL, changes BIGINT NOT NULL, commit_time \
     DOUBLE PRECISION, applied_at DOUBLE PRECISION, rate DOUBLE PRECISION, last_error TEXT, added \
     TEXT)";

fn statement(sql: String) -> Statement {
    Statement {
        sql,
        expect: None,
        what: "the sync state".to_string(),
    }
}

/// A string literal every target reads the same way (the text has no backslash: positions,
/// snapshots and messages are made printable first).
fn text(s: &str) -> String {
    format!("'{}'", s.replace('\\', "/").replace('\'', "''"))
}

fn opt_text(s: Option<&str>) -> String {
    s.map_or_else(|| "NULL".to_string(), text)
}

fn number(f: Option<f64>) -> String {
    match f {
        Some(f) if f.is_finite() => format!("{f:.6}"),
        _ => "NULL".to_string(),
    }
}

/// Creates the state table where there is none.
pub fn create(link: &mut dyn SyncTarget) -> Result<(), LoadError> {
    link.run(&[statement(CREATE.to_string())])?;
    Ok(())
}

/// Reads the state; `None` when the target has none (or no state table: the query is then
/// refused, which creates nothing, so that `--status` and `validate` leave the target as is).
pub fn read(link: &mut dyn SyncTarget) -> Result<Option<SyncState>, LoadError> {
    let rows = match link.texts(
        "SELECT plan, phase, snapshot, position, idempotent_until, transactions, changes, \
         commit_time, applied_at, rate, last_error, added FROM ferry_sync_state WHERE id = 1",
    ) {
        Ok(rows) => rows,
        Err(e) if matches!(e.kind(), crate::load::ErrorKind::Sql { .. }) => return Ok(None),
        Err(e) => return Err(e),
    };
    let Some(r) = rows.into_iter().next() else {
        return Ok(None);
    };
    let get = |i: usize| r.get(i).cloned().flatten();
    let bad = |what: &str| {
        LoadError::state(format!(
            "{}: the sync state (table {TABLE}) has an unreadable {what}: drop the table to \
             start over",
            link.describe()
        ))
    };
    let position = |i: usize| match get(i) {
        None => Ok(None),
        Some(p) => Position::parse(&p).map(Some).ok_or_else(|| bad("position")),
    };
    let phase = match get(1).as_deref() {
        Some("1") => Phase::Loading,
        Some("2") => Phase::Streaming,
        _ => return Err(bad("phase")),
    };
    let count = |i: usize| get(i).and_then(|n| n.parse::<u64>().ok()).unwrap_or(0);
    let float = |i: usize| get(i).and_then(|n| n.parse::<f64>().ok());
    Ok(Some(SyncState {
        plan: get(0).unwrap_or_default(),
        phase,
        snapshot: get(2),
        position: position(3)?,
        idempotent_until: position(4)?,
        transactions: count(5),
        changes: count(6),
        commit_time: float(7),
        applied_at: float(8),
        rate: float(9),
        last_error: get(10),
        added: match get(11) {
            None => Vec::new(),
            Some(hex) => from_hex_json(&hex).ok_or_else(|| bad("list of added columns"))?,
        },
    }))
}

/// Replaces the state by `st` in one transaction.
pub fn write(link: &mut dyn SyncTarget, st: &SyncState) -> Result<(), LoadError> {
    let insert = format!(
        "INSERT INTO ferry_sync_state (id, plan, phase, snapshot, position, idempotent_until, \
         transactions, changes, commit_time, applied_at, rate, last_error, added) VALUES (1, {}, \
         {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {})",
        text(&st.plan),
        st.phase as i64,
        opt_text(st.snapshot.as_deref()),
        opt_text(st.position.as_ref().map(Position::to_string).as_deref()),
        opt_text(
            st.idempotent_until
                .as_ref()
                .map(Position::to_string)
                .as_deref()
        ),
        st.transactions,
        st.changes,
        number(st.commit_time),
        number(st.applied_at),
        number(st.rate),
        opt_text(st.last_error.as_deref()),
        text(&hex_json(&st.added)),
    );
    link.run(&[
        statement("BEGIN".to_string()),
        statement("DELETE FROM ferry_sync_state".to_string()),
        statement(insert),
        statement("COMMIT".to_string()),
    ])?;
    Ok(())
}

/// The statement that records, in the transaction of the changes, that they are applied.
pub fn advance_sql(
    position: &Position,
    transactions: u64,
    changes: u64,
    commit_time: Option<f64>,
    applied_at: f64,
    rate: Option<f64>,
) -> String {
    format!(
        "UPDATE ferry_sync_state SET position = {}, transactions = transactions + \
         {transactions}, changes = changes + {changes}, commit_time = {}, applied_at = {}, \
         rate = {}, last_error = NULL WHERE id = 1",
        text(&position.to_string()),
        number(commit_time),
        number(Some(applied_at)),
        number(rate),
    )
}

/// The statement that records the columns added so far (in the transaction that follows
/// their DDL where the target has transactional DDL).
pub fn added_sql(added: &[Addition]) -> String {
    format!(
        "UPDATE ferry_sync_state SET added = {} WHERE id = 1",
        text(&hex_json(added))
    )
}

/// The added columns as JSON in hexadecimal: text every target stores and reads back as it
/// is, whatever quotes or backslashes the names hold.
fn hex_json(added: &[Addition]) -> String {
    let json = serde_json::to_string(added).unwrap_or_else(|_| "[]".to_string());
    json.bytes().map(|b| format!("{b:02x}")).collect()
}

fn from_hex_json(hex: &str) -> Option<Vec<Addition>> {
    let bytes = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect::<Option<Vec<u8>>>()?;
    serde_json::from_slice(&bytes).ok()
}

/// Records why sync stopped (outside any transaction; best effort).
pub fn record_error(link: &mut dyn SyncTarget, message: &str) {
    let short: String = message.chars().take(2000).collect();
    let _ = link.run(&[statement(format!(
        "UPDATE ferry_sync_state SET last_error = {} WHERE id = 1",
        text(&short)
    ))]);
}

/// Whether applying up to `at` covers everything up to `end`.
pub fn reached(at: &Position, end: &Position) -> bool {
    match (at, end) {
        (Position::Lsn(a), Position::Lsn(b)) => a >= b,
        (Position::Seq(a), Position::Seq(b)) => a >= b,
        (
            Position::Binlog {
                file: fa, pos: pa, ..
            },
            Position::Binlog {
                file: fb, pos: pb, ..
            },
        ) => (file_number(fa), *pa) >= (file_number(fb), *pb),
        _ => false,
    }
}

/// The sequence number of a binary log file (`mysql-bin.000012` -> 12).
fn file_number(file: &str) -> u64 {
    file.rsplit('.')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_compare_within_their_kind() {
        let p = |s: &str| Position::parse(s).expect("reads");
        assert!(reached(&p("0/20"), &p("0/1F")));
        assert!(!reached(&p("0/1F"), &p("1/0")));
        assert!(reached(&p("bin.000010:4"), &p("bin.000009:900")));
        assert!(!reached(&p("bin.000009:4"), &p("bin.000009:900")));
        assert!(reached(&p("seq:7"), &p("seq:7")));
        assert!(!reached(&p("seq:7"), &p("0/1")));
    }
}
