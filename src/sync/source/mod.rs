//! Change sources: what each source engine's log gives, read as `Event`s in commit order.
//!
//! - `postgres.rs`: logical decoding with the `pgoutput` plugin, streamed over a replication
//!   connection (`walsender.rs`) or read through the SQL slot functions;
//! - `mysql.rs`: the row-based binary log of MySQL and MariaDB;
//! - `sqlite.rs`: capture triggers that ferry installs, writing into a change table.
//!
//! Each source checks at the start what it needs from the server (settings, privileges, keys)
//! and refuses with a message naming the setting; each reads from a stored `Position` on.

pub mod mysql;
pub mod postgres;
pub mod sqlite;
pub mod walsender;

use std::time::Duration;

use super::change::{Event, Position};
use crate::conn::Endpoint;
use crate::load::LoadError;
use crate::plan::Plan;

/// A source's change log, read from a position on.
pub trait ChangeSource {
    /// The next event; `None` when nothing arrived within `wait` (the source is idle).
    fn next(&mut self, wait: Duration) -> Result<Option<Event>, LoadError>;
    /// The target committed everything up to `position`: the source may let go of what is
    /// before it (PostgreSQL advances its slot; a SQLite change table is emptied up to it).
    fn confirm(&mut self, position: &Position) -> Result<(), LoadError>;
    /// Where the source's log ends now: `--until-caught-up` stops once it is applied.
    fn end(&mut self) -> Result<Position, LoadError>;
    /// After a `next` that found nothing: a position the source has nothing before that is
    /// not read yet, when it is past the last transaction's (PostgreSQL: the WAL flushed before
    /// that empty read, which other databases' writes move on). Sync stores it, so that an
    /// idle source's position keeps up with its log and the slot lets go of the WAL.
    fn idle_position(&self) -> Option<Position> {
        None
    }
    /// For messages: the source, without a password.
    fn describe(&self) -> String;
}

/// Makes the source ready to be read from this moment on, before the full load takes its
/// snapshot: checks its settings, creates what capture needs (PostgreSQL's publication and
/// slot, SQLite's triggers; nothing on MySQL). Returns the position reading starts at when the
/// full load's snapshot does not say (CDC only: `--start-now`).
pub fn prepare(plan: &Plan) -> Result<Position, LoadError> {
    match &plan.source {
        Endpoint::Postgres(server) => postgres::prepare(plan, server),
        Endpoint::Mysql(server) => mysql::prepare(plan, server),
        Endpoint::Sqlite { path } => sqlite::prepare(plan, path),
        Endpoint::Dump { path, .. } => Err(LoadError::config(format!(
            "{}: a dump file has no change log to follow; sync needs a live source \
             (postgres://, mysql://, sqlite:FILE)",
            path.display()
        ))),
    }
}

/// Opens the source's log at `from`. `snapshot` is what the full load's snapshot recorded
/// about itself (`RowSource::change_mark`): a PostgreSQL source skips the transactions the
/// snapshot holds already.
pub fn open(
    plan: &Plan,
    from: &Position,
    snapshot: Option<&str>,
    pg_read: postgres::PgRead,
) -> Result<Box<dyn ChangeSource>, LoadError> {
    match &plan.source {
        Endpoint::Postgres(server) => Ok(Box::new(postgres::PgChanges::open(
            plan, server, from, snapshot, pg_read,
        )?)),
        Endpoint::Mysql(server) => Ok(Box::new(mysql::BinlogChanges::open(plan, server, from)?)),
        Endpoint::Sqlite { path } => Ok(Box::new(sqlite::TriggerChanges::open(plan, path, from)?)),
        Endpoint::Dump { path, .. } => Err(LoadError::config(format!(
            "{}: a dump file has no change log to follow",
            path.display()
        ))),
    }
}

/// Where the source's change log ends now, without preparing anything (`--status`).
pub fn end(plan: &Plan) -> Result<Position, LoadError> {
    match &plan.source {
        Endpoint::Postgres(server) => postgres::end(plan, server),
        Endpoint::Mysql(server) => mysql::prepare(plan, server),
        Endpoint::Sqlite { path } => sqlite::end(plan, path),
        Endpoint::Dump { path, .. } => Err(LoadError::config(format!(
            "{}: a dump file has no change log",
            path.display()
        ))),
    }
}

/// Removes what `prepare` created at the source (`--drop-slot`, `--drop-capture`).
pub fn remove(plan: &Plan) -> Result<String, LoadError> {
    match &plan.source {
        Endpoint::Postgres(server) => postgres::remove(plan, server),
        Endpoint::Mysql(_) => Ok("a MySQL source keeps nothing for ferry sync".to_string()),
        Endpoint::Sqlite { path } => sqlite::remove(plan, path),
        Endpoint::Dump { .. } => Ok("a dump file keeps nothing for ferry sync".to_string()),
    }
}

/// The name of what ferry creates at the source for this plan (PostgreSQL's slot and
/// publication, SQLite's change table and triggers): `ferry_` and the plan's tables and
/// endpoints as a fingerprint, so two plans never share one.
pub fn capture_name(plan: &Plan) -> String {
    let mut what = plan.source.to_string();
    what.push('\n');
    what.push_str(&plan.target.to_string());
    for t in &plan.tables {
        what.push('\n');
        what.push_str(&t.source.to_string());
    }
    format!(
        "ferry_{:012x}",
        crate::load::state::fingerprint(&what) >> 16
    )
}
