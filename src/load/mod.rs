//! The data mover: reads rows from the plan's source (a dump file, a SQLite file, a PostgreSQL
//! or MySQL database), shapes each row for its target table, writes it into the target
//! (SQLite, PostgreSQL, MySQL), then runs the post-data DDL and reports per table. Memory is
//! bounded by the batch size: no table is ever held whole.
//!
//! Order of a load (`load`, here): prepare the target (create / drop_and_create / truncate /
//! do_nothing) and run the pre-data DDL; move the data (`run`); count the rows that would
//! break each foreign key (orphans) and run the post-data DDL and the views (`post`). The
//! `Target` and `RowSource` traits, here, are the seams between that order and each engine.
//! The concepts in between have modules of their own: `chunk` (key ranges), `sql` (the
//! portable SQL a load builds), `shape` (rows typed and transformed), `progress`, `summary`.

mod chunk;
pub mod dump;
pub mod error;
pub mod mysql;
pub(crate) mod pg_copy;
pub mod pg_source;
pub mod post;
pub mod postgres;
mod progress;
pub mod rejects;
mod run;
mod shape;
mod sql;
pub mod sqlite;
pub mod state;
mod summary;
pub mod timeout;
pub mod worker;

use std::time::Instant;

use crate::conn::Endpoint;
use crate::plan::{OnError, Plan, Preparation, Step, TablePlan};
use crate::value::Row;
use rejects::Rejects;
pub use timeout::Timeouts;

pub use chunk::{KeyBounds, KeyRange, chunk_key, open_ended, survey};
pub use error::{ErrorKind, LoadError, SqlCode};
pub use sql::{count_sql, orphan_count_sql, orphan_delete_sql, select_sql, where_clause};
pub use summary::{Orphans, Summary, TableStats, summary_table};

pub(crate) use chunk::{chunk_range, plan_chunks};
pub(crate) use run::Run;
pub(crate) use shape::{Shape, TableIndex, shape_row};

/// A database that rows are written into. The order of a load (what to create, drop or empty
/// first, what runs after the data) is decided once, in `prepare` and `finish` below; a target
/// only knows how to do each step on its engine.
pub trait Target: Send {
    /// Whether a table (target name, quoted as in the DDL) exists.
    fn table_exists(&mut self, name: &str) -> Result<bool, LoadError>;
    /// Runs DDL statements, in one transaction where the engine allows it; `what` names the
    /// step in messages.
    fn run(&mut self, what: &str, statements: &[String]) -> Result<(), LoadError>;
    /// `DROP TABLE` for one table, in the engine's spelling.
    fn drop_sql(&self, name: &str) -> String;
    /// Empties these tables (foreign keys between them notwithstanding).
    fn empty(&mut self, names: &[&str]) -> Result<(), LoadError>;
    /// Writes rows into one table. A row the target refuses is rejected (recorded, the load
    /// goes on) or ends the load, per `on_error`. Returns the rows written.
    fn write(
        &mut self,
        table: &TablePlan,
        rows: &[Row],
        on_error: OnError,
        rejects: &Rejects,
    ) -> Result<u64, LoadError>;
    /// The single integer a query returns (`SELECT count(*) ...`).
    fn count(&mut self, sql: &str) -> Result<u64, LoadError>;
    /// Runs one statement as it is: `BEGIN`, `COMMIT`, `ROLLBACK`, DML. `write` runs inside
    /// the transaction the caller began this way.
    fn execute(&mut self, what: &str, sql: &str) -> Result<(), LoadError>;
    /// The rows of a query whose columns are all integers (the load state).
    fn query_ints(&mut self, sql: &str) -> Result<Vec<Vec<i64>>, LoadError>;
    /// How many sessions of other loads are still connected to (PostgreSQL) or running a
    /// statement in (MySQL) the target database: a killed load's last COMMIT may still be in
    /// flight there. SQLite's file locks make the question moot.
    fn other_loads(&mut self) -> Result<u64, LoadError> {
        Ok(0)
    }
    /// Takes (`true`) or releases the lock that lets one `--worker` process at a time set up
    /// or finish a load shared by several (held by the session: a dead process drops it).
    fn setup_lock(&mut self, _take: bool) -> Result<(), LoadError> {
        Err(LoadError::config(format!(
            "{}: --worker needs a PostgreSQL or MySQL target, whose locks the workers share",
            self.describe()
        )))
    }
    /// Whether a DDL statement failed because what it creates exists already. Only engines
    /// whose DDL commits by itself (MySQL) can leave a step run but not recorded.
    fn applied_already(&self, _error: &LoadError) -> bool {
        false
    }
    /// Engine work after the data and post-data: sequences set past the loaded keys.
    fn after_load(&mut self, plan: &Plan) -> Result<(), LoadError>;
    /// For messages: the database, without a password.
    fn describe(&self) -> String;
}

/// Prepares the target's tables as `how` says and runs the pre-data DDL.
fn prepare(target: &mut dyn Target, plan: &Plan, how: Preparation) -> Result<(), LoadError> {
    match how {
        Preparation::Create => {
            for t in &plan.tables {
                if target.table_exists(&t.target)? {
                    return Err(LoadError::state(format!(
                        "{}: table {} already exists; use --prepare drop-and-create to replace it, or truncate to empty it",
                        target.describe(),
                        t.target
                    )));
                }
            }
            target.run("pre-data", &Step::sql_of(&plan.pre_data))
        }
        Preparation::DropAndCreate => {
            let drops: Vec<String> = plan
                .tables
                .iter()
                .map(|t| target.drop_sql(&t.target))
                .collect();
            target.run("drop", &drops)?;
            target.run("pre-data", &Step::sql_of(&plan.pre_data))
        }
        Preparation::Truncate => {
            let names: Vec<&str> = plan.tables.iter().map(|t| t.target.as_str()).collect();
            target.empty(&names)
        }
        Preparation::DoNothing => Ok(()),
    }
}

/// Options of one load run that are not part of the plan.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// No progress lines on standard error.
    pub quiet: bool,
    /// Finish the load whose state the target holds, redoing only what it had not committed.
    pub resume: bool,
    /// Leave the state table in the target after success.
    pub keep_state: bool,
    /// One of several processes sharing the plan (`worker.rs`).
    pub worker: bool,
    /// `ferry sync` follows the load: the sources' snapshot records where in the source's
    /// change log it stands (`RowSource::change_mark`), returned in `Summary::change_mark`.
    pub change_mark: bool,
}

/// A connection to the plan's target.
fn open_target(target: &Endpoint, timeouts: Timeouts) -> Result<Box<dyn Target>, LoadError> {
    match target {
        Endpoint::Sqlite { path } => Ok(Box::new(sqlite::SqliteTarget::open(path)?)),
        Endpoint::Postgres(server) => Ok(Box::new(postgres::PgTarget::open(server, timeouts)?)),
        Endpoint::Mysql(server) => Ok(Box::new(mysql::MysqlTarget::open(server, timeouts)?)),
        Endpoint::Dump { path, .. } => Err(LoadError::config(format!(
            "{}: a dump file cannot be a target; load into sqlite:FILE, postgres:// or mysql://",
            path.display()
        ))),
    }
}

/// Reads the source's schema as DDL text: a dump without its data, a SQLite catalog, or a
/// server's catalog (whose answers are waited for as `timeouts` say).
pub fn source_schema(
    source: &Endpoint,
    timeouts: Timeouts,
) -> Result<crate::source::SourceFile, LoadError> {
    use crate::source::SourceFile;
    match source {
        Endpoint::Dump { path, dialect } => {
            let f = std::fs::File::open(path)
                .map_err(|e| LoadError::io(format!("cannot read {}: {e}", path.display()), e))?;
            let text = dump::DumpReader::new(f, *dialect)
                .schema_text()
                .map_err(|e| LoadError::input(format!("{}:{e}", path.display())))?;
            Ok(SourceFile::new(path.display().to_string(), text))
        }
        Endpoint::Sqlite { path } => {
            let s = sqlite::SqliteSource::open(path)?;
            let text = s.schema_text()?;
            Ok(SourceFile::new(
                format!("sqlite:{} (schema)", path.display()),
                text,
            ))
        }
        Endpoint::Postgres(server) => {
            let s = pg_source::PgSource::open(server, None, timeouts)?;
            let text = s.schema_text()?;
            Ok(SourceFile::new(format!("{source} (catalog)"), text))
        }
        Endpoint::Mysql(server) => {
            let s = mysql::MysqlSource::open(server, timeouts)?;
            let text = s.schema_text()?;
            Ok(SourceFile::new(format!("{source} (catalog)"), text))
        }
    }
}

/// The fingerprint of the source as it is now (see `state::source_fingerprint`).
pub fn current_source_fingerprint(source: &Endpoint, timeouts: Timeouts) -> Result<u64, LoadError> {
    let file = source_schema(source, timeouts)?;
    schema_fingerprint(source, &file.text)
}

/// The fingerprint of a source whose schema text `source_schema` read.
pub fn schema_fingerprint(source: &Endpoint, schema: &str) -> Result<u64, LoadError> {
    let dump_len = match source {
        Endpoint::Dump { path, .. } => Some(
            std::fs::metadata(path)
                .map_err(|e| LoadError::io(format!("cannot read {}: {e}", path.display()), e))?
                .len(),
        ),
        _ => None,
    };
    Ok(state::source_fingerprint(schema, dump_len))
}

/// The source fingerprint the plan carries, or the source's as it is now for a plan without.
fn planned_source_fingerprint(plan: &Plan) -> Result<u64, LoadError> {
    match plan
        .source_fingerprint
        .as_deref()
        .and_then(|f| u64::from_str_radix(f, 16).ok())
    {
        Some(f) => Ok(f),
        None => current_source_fingerprint(&plan.source, plan.settings.timeouts()),
    }
}

/// Reads the target's state for a resumed load and checks that it belongs to this plan and
/// this source; a fresh load refuses a target holding an unfinished one.
fn begin_state(
    target: &mut dyn Target,
    plan: &Plan,
    opts: &LoadOptions,
) -> Result<Option<state::State>, LoadError> {
    let existing = state::read(target)?;
    let where_ = target.describe();
    if !opts.resume {
        if existing
            .as_ref()
            .is_some_and(|s| s.phase != state::Phase::Done)
            && plan.settings.prepare != Preparation::DropAndCreate
        {
            return Err(LoadError::state(format!(
                "{where_}: an interrupted load left its state there (table {}): rerun with \
                 --resume to finish it, or with --prepare drop-and-create to start over",
                state::TABLE
            )));
        }
        state::create(
            target,
            plan.fingerprint(),
            planned_source_fingerprint(plan)?,
        )?;
        return Ok(None);
    }
    // The interrupted load's sessions must be gone before its state is read: a COMMIT it
    // sent just before it died may still be running.
    let waited = Instant::now();
    loop {
        let others = target.other_loads()?;
        if others == 0 {
            break;
        }
        if waited.elapsed() > std::time::Duration::from_secs(60) {
            return Err(LoadError::state(format!(
                "{where_}: another ferry load is still working in this database ({others} \
                 sessions after 60 s); let it finish or stop it, then resume"
            )));
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let existing = state::read(target)?;
    let Some(st) = existing else {
        return Err(LoadError::state(format!(
            "{where_}: nothing to resume: no load state (table {}) is there; the load finished \
             or never began. Load without --resume.",
            state::TABLE
        )));
    };
    if st.phase == state::Phase::Done {
        return Err(LoadError::state(format!(
            "{where_}: nothing to resume: the load that left the state (table {}) finished",
            state::TABLE
        )));
    }
    same_load(&where_, plan, &st)?;
    Ok(Some(st))
}

/// Checks that the state a target holds was written for this plan and this source schema.
fn same_load(where_: &str, plan: &Plan, st: &state::State) -> Result<(), LoadError> {
    if st.plan_fingerprint != plan.fingerprint() {
        return Err(LoadError::state(format!(
            "{where_}: cannot resume: the plan is not the one the interrupted load ran (its \
             tables, DDL or endpoints changed). Resume with that plan, or start over with \
             --prepare drop-and-create."
        )));
    }
    if st.source_fingerprint != current_source_fingerprint(&plan.source, plan.settings.timeouts())?
    {
        return Err(LoadError::state(format!(
            "{where_}: cannot resume: the source schema changed since the interrupted load \
             began ({}). Start over with --prepare drop-and-create.",
            plan.source
        )));
    }
    Ok(())
}

/// Runs the plan: the whole load, from preparing the target to the views. With
/// `opts.resume`, finishes the interrupted load the target's state describes.
pub fn load(plan: &Plan, opts: &LoadOptions) -> Result<Summary, LoadError> {
    if opts.worker {
        return worker::load(plan, opts);
    }
    let started = Instant::now();
    let mut target = open_target(&plan.target, plan.settings.timeouts())?;
    let resumed = begin_state(target.as_mut(), plan, opts)?;
    let phase = resumed.as_ref().map_or(state::Phase::Prepare, |s| s.phase);
    let rejects = Rejects::open(plan.settings.reject_file.as_deref(), resumed.is_some())?;
    if phase == state::Phase::Prepare {
        // An interrupted load may have created some of the tables (MySQL runs DDL one
        // statement at a time): they are its own, so they are dropped and made again.
        let how = match plan.settings.prepare {
            Preparation::Create if resumed.is_some() => Preparation::DropAndCreate,
            how => how,
        };
        prepare(target.as_mut(), plan, how)?;
    }
    let mut run = Run::new(plan, &rejects, opts.quiet);
    run.want_mark = opts.change_mark;
    let mut kept_before = None;
    let mut saved = resumed;
    if phase <= state::Phase::Data {
        for attempt in 0.. {
            let moved = match &plan.source {
                Endpoint::Dump { path, dialect } => {
                    let done = saved
                        .as_ref()
                        .map_or_else(Vec::new, |s| s.segments_done.clone());
                    run.dump(target.as_mut(), path, *dialect, &done)
                }
                _ => {
                    let chunks = saved.as_ref().map_or_else(Vec::new, |s| s.chunks.clone());
                    run.tables_in_parallel(target.as_mut(), chunks)
                }
            }
            .and_then(|()| target.execute("state", &state::phase_sql(state::Phase::PostData)));
            // Units this run committed before a reconnect are not the interrupted load's.
            kept_before.get_or_insert(run.kept.load(std::sync::atomic::Ordering::Relaxed));
            let Err(e) = moved else { break };
            if let Some(again) = after_lost_target(&mut target, plan, &e, attempt, opts.quiet)? {
                saved = Some(again);
                continue;
            }
            run.progress
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .finish();
            let _ = rejects.finish();
            let stats = run.stats.lock().unwrap_or_else(|p| p.into_inner());
            let written: u64 = stats.iter().map(|s| s.rows_written).sum();
            return Err(e.map_message(|e| {
                format!(
                    "{e}\nThe load stopped: {written} rows were committed, in whole chunks; the \
                     chunk that failed was rolled back. The target keeps the load's state: fix \
                     the cause and rerun with --resume to load the rest."
                )
            }));
        }
        run.progress
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .finish();
    }
    let orphans = post::post_data(&mut target, plan, saved, opts)?;
    rejects.finish()?;
    Ok(Summary {
        tables: run.stats.into_inner().unwrap_or_else(|p| p.into_inner()),
        orphans,
        not_loaded: run
            .skipped
            .into_inner()
            .unwrap_or_else(|p| p.into_inner())
            .into_iter()
            .collect(),
        kept_units: kept_before.unwrap_or(0),
        seconds: started.elapsed().as_secs_f64(),
        change_mark: run.mark.into_inner().unwrap_or_else(|p| p.into_inner()),
    })
}

/// How long a load waits for a target that went away (a restart, a failover) before it stops:
/// these pauses between attempts to connect, about 30 s in all.
const RECONNECT_WAITS_MS: [u64; 6] = [500, 1_000, 2_000, 4_000, 8_000, 15_000];

/// How many times one load reconnects and carries on before it stops.
const RECONNECTS: usize = 3;

/// After a failed step: when the target's connection is gone (the server restarted), waits
/// for it to come back, reconnects and returns its state, so that the step is carried on
/// where its committed chunks end. `None` when the connection still answers (the error is
/// the load's own, not the server's) or the reconnects are used up; Err when the target
/// does not come back in time.
fn after_lost_target(
    target: &mut Box<dyn Target>,
    plan: &Plan,
    error: &LoadError,
    attempt: usize,
    quiet: bool,
) -> Result<Option<state::State>, LoadError> {
    if attempt >= RECONNECTS || !error.is_connection_lost() {
        return Ok(None);
    }
    if !quiet {
        progress::say(&format!(
            "ferry: lost a connection ({error}); reconnecting to {} and carrying on",
            target.describe()
        ));
    }
    let mut last = None;
    for ms in RECONNECT_WAITS_MS {
        std::thread::sleep(std::time::Duration::from_millis(ms));
        match open_target(&plan.target, plan.settings.timeouts()) {
            Ok(t) => {
                *target = t;
                last = None;
                break;
            }
            Err(e) => last = Some(e),
        }
    }
    if let Some(e) = last {
        return Err(error.clone().map_message(|error| {
            format!(
                "{error}\nThe target went away and did not come back within {} s ({e}). It \
                 keeps the load's state: rerun with --resume once it is back.",
                RECONNECT_WAITS_MS.iter().sum::<u64>() / 1000
            )
        }));
    }
    let st = state::read(target.as_mut())?.ok_or_else(|| {
        LoadError::state(format!(
            "{error}\nAfter reconnecting, {} holds no load state (table {}): the load cannot \
             carry on; start over with --prepare drop-and-create.",
            target.describe(),
            state::TABLE
        ))
    })?;
    Ok(Some(st))
}

/// A database read table by table. Each parallel worker has its own.
pub trait RowSource: Send {
    /// The SELECT that reads a table (before a chunk's range is added), as the source gets it.
    fn query(&self, table: &TablePlan) -> String;
    /// The rows of a table that the load would read (its filter applied).
    fn count(&self, table: &TablePlan) -> Result<u64, LoadError>;
    /// The key range of a table that can be read in chunks (see `chunk_key`), if it has one.
    fn key_bounds(&self, _table: &TablePlan) -> Result<Option<KeyBounds>, LoadError> {
        Ok(None)
    }
    /// A snapshot other connections can import to read the same data (PostgreSQL's exported
    /// snapshots); `None` where the engine has no such thing.
    fn snapshot(&self) -> Result<Option<String>, LoadError> {
        Ok(None)
    }
    /// Where this connection's snapshot stands in the source's change log, for `ferry sync`
    /// (PostgreSQL: the snapshot itself, `xmin:xmax:xip`; MySQL: the binary log position read
    /// under the read lock all workers began under; SQLite: the last captured change).
    fn change_mark(&self) -> Result<Option<String>, LoadError> {
        Ok(None)
    }
    /// Calls `each` with batches of at most `batch` rows of the table (of its `range` only,
    /// when given), in the plan's column order.
    fn for_each_batch(
        &self,
        table: &TablePlan,
        range: Option<&KeyRange>,
        batch: usize,
        each: &mut dyn FnMut(Vec<Row>) -> Result<(), LoadError>,
    ) -> Result<(), LoadError>;
}

/// `n` connections to a database source that all read one moment of it: PostgreSQL's import
/// the first one's exported snapshot; MySQL's begin their consistent-snapshot transactions
/// together under a brief global read lock (`mysql::open_together`, which may `warn`).
/// `want_mark` (for `ferry sync`; with a SQLite source, its change table) asks the sources to
/// record where their snapshot stands in the change log (`RowSource::change_mark`); a SQLite
/// source then reads in one transaction, on one connection.
pub(crate) fn open_sources(
    source: &Endpoint,
    n: usize,
    timeouts: Timeouts,
    warn: &dyn Fn(String),
    want_mark: Option<&str>,
) -> Result<Vec<Box<dyn RowSource>>, LoadError> {
    if let (Endpoint::Sqlite { path }, Some(changes)) = (source, want_mark) {
        return Ok(vec![Box::new(sqlite::SqliteSource::open_marked(
            path, changes,
        )?)]);
    }
    if let Endpoint::Mysql(server) = source {
        return Ok(
            mysql::open_together(server, n, timeouts, warn, want_mark.is_some())?
                .into_iter()
                .map(|s| Box::new(s) as Box<dyn RowSource>)
                .collect(),
        );
    }
    let first = open_source(source, None, timeouts)?;
    let snapshot = first.snapshot()?;
    let mut all = vec![first];
    for _ in 1..n.max(1) {
        all.push(open_source(source, snapshot.as_deref(), timeouts)?);
    }
    Ok(all)
}

/// A database source, read table by table (dumps are read in their own order instead);
/// `snapshot` is one to import (see `RowSource::snapshot`).
pub(crate) fn open_source(
    source: &Endpoint,
    snapshot: Option<&str>,
    timeouts: Timeouts,
) -> Result<Box<dyn RowSource>, LoadError> {
    match source {
        Endpoint::Sqlite { path } => Ok(Box::new(sqlite::SqliteSource::open(path)?)),
        Endpoint::Postgres(server) => Ok(Box::new(pg_source::PgSource::open(
            server, snapshot, timeouts,
        )?)),
        Endpoint::Mysql(server) => Ok(Box::new(mysql::MysqlSource::open(server, timeouts)?)),
        other => Err(LoadError::config(format!(
            "reading from {other} is not supported yet: the sources today are dump files, SQLite files and PostgreSQL"
        ))),
    }
}

/// Why an attempt to write rows failed.
pub enum Refusal {
    /// The engine refused the rows: its reason, when known the refused row's index, and the
    /// column the engine named (its target name).
    Row(String, Option<usize>, Option<String>),
    /// The write could not be made at all (the connection is lost, the server silent): the
    /// rows are not to blame, the load stops.
    Stop(LoadError),
}

impl From<LoadError> for Refusal {
    fn from(e: LoadError) -> Refusal {
        Refusal::Stop(e)
    }
}

/// One attempt to write rows.
pub type Attempt<'a> = dyn FnMut(&[&Row]) -> Result<(), Refusal> + 'a;

/// Writes `rows` with `attempt`; a refused batch is split in halves until the refused rows are
/// alone, so every other row is written once. A refused row is rejected, or ends the load
/// with its table and key (`on_error = abort`). `engine` names the target in messages.
pub fn write_split(
    engine: &str,
    table: &TablePlan,
    rows: &[&Row],
    on_error: OnError,
    rejects: &Rejects,
    attempt: &mut Attempt,
) -> Result<u64, LoadError> {
    if rows.is_empty() {
        return Ok(0);
    }
    match attempt(rows) {
        Ok(()) => Ok(rows.len() as u64),
        Err(Refusal::Stop(e)) => Err(e),
        Err(Refusal::Row(reason, at, column)) => {
            // With the refused row known, abort at once; otherwise split to find it (the rows
            // found good on the way are written, and the message says so).
            let known = at.and_then(|i| rows.get(i));
            if rows.len() == 1 || (on_error == OnError::Abort && known.is_some()) {
                let culprit = known.unwrap_or(&rows[0]);
                let key = sqlite::row_key(table, culprit);
                // The column the engine named, by its source name, and its value as read.
                let named = column.as_deref().and_then(|target| {
                    let i = table.columns.iter().position(|c| {
                        c.target == target || c.target.trim_matches(['"', '`']) == target
                    })?;
                    Some((table.columns[i].source.clone(), culprit.get(i)?.display()))
                });
                let (col, value) = named.clone().unwrap_or_default();
                if on_error == OnError::Abort {
                    let place = match &named {
                        Some((c, v)) => format!(", column {c} (value {v})"),
                        None => String::new(),
                    };
                    return Err(LoadError::refused_row(format!(
                        "table {}, {key}{place}: {engine} refused the row: {reason}; the rows of \
                         its chunk were rolled back (rerun with --on-error reject-rows to set \
                         such rows aside)",
                        table.source
                    )));
                }
                rejects.add(&table.source.to_string(), &key, &col, &value, &reason)?;
                return Ok(0);
            }
            let (a, b) = rows.split_at(rows.len() / 2);
            Ok(write_split(engine, table, a, on_error, rejects, attempt)?
                + write_split(engine, table, b, on_error, rejects, attempt)?)
        }
    }
}
