//! The data mover: reads rows from the plan's source (a dump file or a SQLite file today),
//! shapes each row for its target table (column order, types from text, the plan's transforms),
//! and writes it into the target (SQLite today), then runs the post-data DDL and reports per
//! table. Memory is bounded by the batch size: no table is ever held whole.
//!
//! Order of a load: prepare the target (create / drop_and_create / truncate / do_nothing) and run
//! the pre-data DDL; move the data; count the rows that would break each foreign key (orphans);
//! run the post-data DDL and the views.

pub mod dump;
pub mod error;
pub mod mysql;
mod pg_copy;
pub mod pg_source;
pub mod post;
mod postgres;
pub mod rejects;
pub mod sqlite;
pub mod state;
pub mod timeout;
pub mod worker;

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use serde::Serialize;

use crate::conn::Endpoint;
use crate::ir::Name;
use crate::plan::{ColumnPlan, ForeignKeyPlan, OnError, Plan, Preparation, TablePlan};
use crate::transform::Applied;
use crate::value::{Row, TextKind, Value};
use rejects::Rejects;
pub use timeout::Timeouts;

pub use error::{ErrorKind, LoadError, SqlCode};

/// What happened to one table.
#[derive(Clone, Debug, Default, Serialize)]
pub struct TableStats {
    pub table: String,
    pub rows_read: u64,
    pub rows_written: u64,
    pub rows_rejected: u64,
    /// Zero dates that became NULL (`zero_date_to_null`).
    pub zero_dates_nulled: u64,
    /// Text values that had NUL bytes removed (`strip_nul`).
    pub nul_stripped: u64,
    /// Bytes of the values written (their text or binary size).
    pub bytes: u64,
    pub seconds: f64,
}

impl TableStats {
    /// Adds another batch's (or table's) counts to these.
    pub fn add(&mut self, other: &TableStats) {
        self.rows_read += other.rows_read;
        self.rows_written += other.rows_written;
        self.rows_rejected += other.rows_rejected;
        self.zero_dates_nulled += other.zero_dates_nulled;
        self.nul_stripped += other.nul_stripped;
        self.bytes += other.bytes;
        self.seconds += other.seconds;
    }
}

/// Rows that would violate a foreign key, counted before it is enforced.
#[derive(Clone, Debug, Serialize)]
pub struct Orphans {
    pub table: String,
    #[serde(skip)]
    pub target_table: String,
    pub constraint: String,
    pub rows: u64,
    /// Deleted (`--orphans delete`) rather than kept.
    pub deleted: bool,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Summary {
    pub tables: Vec<TableStats>,
    pub orphans: Vec<Orphans>,
    /// Rows a dump holds for tables the plan does not load: (table, rows).
    pub not_loaded: Vec<(String, u64)>,
    /// Chunks (or dump segments) an interrupted load had committed: a resumed load kept them.
    pub kept_units: u64,
    pub seconds: f64,
}

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
            target.run("pre-data", &plan.pre_data)
        }
        Preparation::DropAndCreate => {
            let drops: Vec<String> = plan
                .tables
                .iter()
                .map(|t| target.drop_sql(&t.target))
                .collect();
            target.run("drop", &drops)?;
            target.run("pre-data", &plan.pre_data)
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
    let run = Run::new(plan, &rejects, opts.quiet);
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
        eprintln!(
            "ferry: lost a connection ({error}); reconnecting to {} and carrying on",
            target.describe()
        );
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

/// One load's shared state: the parallel workers update the counts and progress through it.
struct Run<'a> {
    plan: &'a Plan,
    rejects: &'a Rejects,
    /// Rows of a dump for tables the plan does not load, by table.
    skipped: Mutex<std::collections::BTreeMap<String, u64>>,
    /// Counts of committed rows (and, while a chunk runs, of its rows so far).
    stats: Mutex<Vec<TableStats>>,
    progress: Mutex<Progress>,
    /// Chunks or dump segments an interrupted load had committed, not loaded again.
    kept: std::sync::atomic::AtomicU64,
}

impl<'a> Run<'a> {
    /// A run of `plan` with no rows counted yet.
    fn new(plan: &'a Plan, rejects: &'a Rejects, quiet: bool) -> Run<'a> {
        Run {
            plan,
            rejects,
            skipped: Mutex::new(Default::default()),
            stats: Mutex::new(
                plan.tables
                    .iter()
                    .map(|t| TableStats {
                        table: t.source.to_string(),
                        ..TableStats::default()
                    })
                    .collect(),
            ),
            progress: Mutex::new(Progress::new(quiet, plan)),
            kept: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// Adds one batch's counts to its table's and reports progress.
    fn add(&self, ti: usize, batch: &TableStats) {
        let mut stats = self.stats.lock().unwrap_or_else(|p| p.into_inner());
        stats[ti].add(batch);
        let table = stats[ti].clone();
        let written: u64 = stats.iter().map(|s| s.rows_written).sum();
        drop(stats);
        self.progress
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .update(ti, &table, written);
    }

    /// Takes back the counts of a chunk that was rolled back.
    fn undo(&self, ti: usize, chunk: &TableStats) {
        let mut stats = self.stats.lock().unwrap_or_else(|p| p.into_inner());
        let t = &mut stats[ti];
        t.rows_read = t.rows_read.saturating_sub(chunk.rows_read);
        t.rows_written = t.rows_written.saturating_sub(chunk.rows_written);
        t.bytes = t.bytes.saturating_sub(chunk.bytes);
        t.zero_dates_nulled = t.zero_dates_nulled.saturating_sub(chunk.zero_dates_nulled);
        t.nul_stripped = t.nul_stripped.saturating_sub(chunk.nul_stripped);
    }

    /// A dump is one stream: rows go to their tables in the order the dump holds them. Each
    /// segment (a run of rows of one table) is one transaction with its `done` record; a
    /// resumed load reads past the segments in `done`.
    fn dump(
        &self,
        target: &mut dyn Target,
        path: &std::path::Path,
        dialect: crate::dialect::Dialect,
        done: &[i64],
    ) -> Result<(), LoadError> {
        let plan = self.plan;
        let file = std::fs::File::open(path)
            .map_err(|e| LoadError::io(format!("cannot read {}: {e}", path.display()), e))?;
        let mut reader = dump::DumpReader::new(file, dialect);
        let index = TableIndex::new(plan);
        let mut segment: i64 = 0;
        let mut current: Option<Name> = None;
        // The segment being written: its number, table and counts so far.
        let mut open: Option<(i64, usize, TableStats)> = None;
        let result = (|| -> Result<(), LoadError> {
            loop {
                let batch = reader
                    .next_batch(plan.settings.batch_size)
                    .map_err(|e| LoadError::input(format!("{}: {e}", path.display())))?;
                let Some(batch) = batch else { break };
                if current.as_ref() != Some(&batch.table) {
                    if let Some((unit, _, _)) = open.take() {
                        commit_unit(target, state::segment_done_sql(unit))?;
                    }
                    segment += 1;
                    current = Some(batch.table.clone());
                    if done.contains(&segment) {
                        self.kept.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                }
                let Some(ti) = index.find(&batch.table) else {
                    // Rows of a table the plan does not load (not converted, or left out):
                    // counted and reported, never dropped in silence.
                    let mut skipped = self.skipped.lock().unwrap_or_else(|p| p.into_inner());
                    *skipped.entry(batch.table.to_string()).or_default() += batch.rows.len() as u64;
                    continue;
                };
                if done.contains(&segment) {
                    continue;
                }
                let (shape, table) = Shape::new(&plan.tables[ti], batch.columns.as_deref())
                    .map_err(|e| {
                        LoadError::input(format!(
                            "{}:{}: table {}: {e}",
                            path.display(),
                            batch.line,
                            plan.tables[ti].source
                        ))
                    })?;
                if open.is_none() {
                    target.execute("data", "BEGIN")?;
                    open = Some((segment, ti, TableStats::default()));
                }
                let t0 = Instant::now();
                let mut st = TableStats::default();
                let on_error = plan.settings.on_error;
                let moved = shape_rows(&table, &shape, batch.rows, on_error, self.rejects, &mut st)
                    .and_then(|ready| {
                        write_rows(target, &table, &ready, on_error, self.rejects, &mut st)
                    });
                st.seconds = t0.elapsed().as_secs_f64();
                self.add(ti, &st);
                if let Some((_, _, so_far)) = open.as_mut() {
                    so_far.add(&st);
                }
                moved?;
            }
            if let Some((unit, _, _)) = open.take() {
                commit_unit(target, state::segment_done_sql(unit))?;
            }
            Ok(())
        })();
        if result.is_err()
            && let Some((_, ti, so_far)) = open
        {
            let _ = target.execute("data", "ROLLBACK");
            self.undo(ti, &so_far);
        }
        result
    }

    /// Database sources: `jobs` workers, each with its own source and target connections,
    /// take chunks (whole tables, or key ranges of large ones) from a queue; each chunk is one
    /// transaction on the target, with its `done` mark. The chunks are written down in the
    /// state first (a resumed load passes the ones it read back in `saved`). A PostgreSQL
    /// source's workers share one exported snapshot, a MySQL source's start theirs at one
    /// moment (`open_sources`). SQLite takes one writer at a time, so it gets one worker.
    fn tables_in_parallel(
        &self,
        target: &mut dyn Target,
        saved: Vec<state::Chunk>,
    ) -> Result<(), LoadError> {
        let plan = self.plan;
        let most = match plan.target {
            Endpoint::Sqlite { .. } => 1,
            _ => plan.settings.jobs.max(1),
        };
        let mut sources = open_sources(&plan.source, most, plan.settings.timeouts())?;
        let first = sources
            .first()
            .ok_or_else(|| LoadError::state("no source connection".to_string()))?;
        let chunks = if saved.is_empty() {
            let chunks = plan_chunks(plan, first.as_ref())?;
            state::start_data(target, &chunks)?;
            chunks
        } else {
            saved
        };
        let mut work = std::collections::VecDeque::new();
        for c in chunks {
            if c.done {
                self.kept.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                continue;
            }
            work.push_back((c.unit, c.table, chunk_range(plan, &c)?));
        }
        sources.truncate(work.len().max(1));
        let queue = Mutex::new(work);
        let failure: Mutex<Option<LoadError>> = Mutex::new(None);
        let worker = |mut source: Box<dyn RowSource>| {
            let result = (|| -> Result<(), LoadError> {
                let mut target = open_target(&plan.target, plan.settings.timeouts())?;
                loop {
                    if failure.lock().unwrap_or_else(|p| p.into_inner()).is_some() {
                        return Ok(());
                    }
                    let next = queue.lock().unwrap_or_else(|p| p.into_inner()).pop_front();
                    let Some((unit, ti, range)) = next else {
                        return Ok(());
                    };
                    target.execute("data", "BEGIN")?;
                    self.chunk(source.as_mut(), target.as_mut(), unit, ti, range.as_ref())?;
                }
            })();
            if let Err(e) = result {
                failure
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .get_or_insert(e);
            }
        };
        let worker = &worker;
        std::thread::scope(|scope| {
            for source in sources {
                scope.spawn(move || worker(source));
            }
        });
        match failure.into_inner().unwrap_or_else(|p| p.into_inner()) {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Loads one chunk in the transaction the caller began, marks it done and commits; rolls
    /// it back on error.
    fn chunk(
        &self,
        source: &mut dyn RowSource,
        target: &mut dyn Target,
        unit: i64,
        ti: usize,
        range: Option<&KeyRange>,
    ) -> Result<(), LoadError> {
        let plan = self.plan;
        let table = &plan.tables[ti];
        let on_error = plan.settings.on_error;
        let mut so_far = TableStats::default();
        let moved = read_ahead(
            source,
            table,
            range,
            (plan.settings.batch_size, on_error),
            self.rejects,
            &mut |rows, mut st| {
                let t0 = Instant::now();
                let r = write_rows(target, table, &rows, on_error, self.rejects, &mut st);
                st.seconds += t0.elapsed().as_secs_f64();
                self.add(ti, &st);
                so_far.add(&st);
                r
            },
        );
        let result = moved.and_then(|()| commit_unit(target, state::chunk_done_sql(unit)));
        if result.is_err() {
            let _ = target.execute("data", "ROLLBACK");
            self.undo(ti, &so_far);
        }
        result
    }
}

/// The chunks of a data phase, numbered from 1 in plan order: the plan's own for a table that
/// has them, else one per table, or key ranges of about `chunk_rows` rows for a large table
/// with an integer key (counted now).
fn plan_chunks(plan: &Plan, source: &dyn RowSource) -> Result<Vec<state::Chunk>, LoadError> {
    let mut chunks = Vec::new();
    for (ti, table) in plan.tables.iter().enumerate() {
        // A surveyed plan (`survey`) says how the table is cut; an older one is counted now.
        let cut = if table.estimated_rows.is_some() {
            table.chunks.clone()
        } else {
            source
                .key_bounds(table)?
                .map(|b| open_ended(&b, plan.settings.chunk_rows))
                .unwrap_or_default()
        };
        let ranges: Vec<Option<(i64, i64, bool)>> = if cut.is_empty() {
            vec![None]
        } else {
            cut.iter().map(|c| Some(c.bounds())).collect()
        };
        for range in ranges {
            chunks.push(state::Chunk {
                unit: chunks.len() as i64 + 1,
                table: ti,
                range,
                done: false,
            });
        }
    }
    Ok(chunks)
}

/// The key ranges of about `chunk_rows` rows a table is read in, the first open below and the
/// last open above, so that rows added to the source since it was counted are read too (a
/// resumed load reads a newer snapshot); none for a table that fits one chunk.
pub fn open_ended(b: &KeyBounds, chunk_rows: u64) -> Vec<crate::plan::ChunkPlan> {
    if b.rows <= chunk_rows {
        return Vec::new();
    }
    let ranges = b.chunks(chunk_rows);
    let n = ranges.len();
    ranges
        .into_iter()
        .enumerate()
        .map(|(i, r)| crate::plan::ChunkPlan {
            from: (i > 0).then_some(r.lo),
            below: (i + 1 < n).then_some(r.hi),
        })
        .collect()
}

/// Fills in what the plan says of a database source's tables before any row moves: the query
/// each is read with, its rows, and its chunks. Dumps are read as they are written: nothing.
pub fn survey(plan: &mut Plan) -> Result<(), LoadError> {
    if matches!(plan.source, Endpoint::Dump { .. }) {
        return Ok(());
    }
    let source = open_source(&plan.source, None, plan.settings.timeouts())?;
    let chunk_rows = plan.settings.chunk_rows;
    for t in &mut plan.tables {
        t.query = Some(source.query(t));
        match source.key_bounds(t)? {
            Some(b) => {
                t.estimated_rows = Some(b.rows);
                t.chunks = open_ended(&b, chunk_rows);
            }
            None => t.estimated_rows = Some(source.count(t)?),
        }
    }
    Ok(())
}

/// The key range a chunk of the state reads, checked against the plan.
fn chunk_range(plan: &Plan, c: &state::Chunk) -> Result<Option<KeyRange>, LoadError> {
    let table = plan.tables.get(c.table).ok_or_else(|| {
        LoadError::state(format!(
            "the load state names table number {} of a plan with {}",
            c.table,
            plan.tables.len()
        ))
    })?;
    match (c.range, chunk_key(table)) {
        (None, _) => Ok(None),
        (Some((lo, hi, last)), Some(key)) => Ok(Some(KeyRange {
            column: key.to_string(),
            lo,
            hi,
            last,
        })),
        (Some(_), None) => Err(LoadError::state(format!(
            "the load state has key ranges for table {}, which has no integer key",
            table.source
        ))),
    }
}

/// Marks a unit done and commits it with its rows.
fn commit_unit(target: &mut dyn Target, mark: String) -> Result<(), LoadError> {
    target.execute("state", &mark)?;
    target.execute("data", "COMMIT")
}

/// A range of a single integer key: `lo <= key < hi`, or `<= hi` for the last chunk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyRange {
    /// The key column, as the source names it.
    pub column: String,
    pub lo: i64,
    pub hi: i64,
    pub last: bool,
}

impl KeyRange {
    /// The condition in SQL, with the column quoted by `quote`. A range open at an end
    /// (`lo` = i64::MIN; `hi` = i64::MAX on the last chunk) has no bound there.
    pub fn condition(&self, quote: impl Fn(&str) -> String) -> String {
        let c = quote(&self.column);
        let mut parts = Vec::new();
        if self.lo != i64::MIN {
            parts.push(format!("{c} >= {}", self.lo));
        }
        if !(self.last && self.hi == i64::MAX) {
            let op = if self.last { "<=" } else { "<" };
            parts.push(format!("{c} {op} {}", self.hi));
        }
        if parts.is_empty() {
            "1 = 1".to_string()
        } else {
            parts.join(" AND ")
        }
    }
}

/// The smallest and largest key of a table and its row count.
#[derive(Clone, Debug)]
pub struct KeyBounds {
    pub column: String,
    pub min: i64,
    pub max: i64,
    pub rows: u64,
}

impl KeyBounds {
    /// Ranges of equal key width holding about `chunk_rows` rows each when keys are dense.
    pub fn chunks(&self, chunk_rows: u64) -> Vec<KeyRange> {
        let n = self.rows.div_ceil(chunk_rows.max(1)).max(1);
        let width = (i128::from(self.max) - i128::from(self.min) + 1) as u128;
        let step = width.div_ceil(u128::from(n)).max(1);
        let mut out = Vec::new();
        let mut lo = i128::from(self.min);
        while lo <= i128::from(self.max) {
            let hi = lo + step as i128;
            let last = hi > i128::from(self.max);
            out.push(KeyRange {
                column: self.column.clone(),
                lo: lo as i64,
                hi: if last { self.max } else { hi as i64 },
                last,
            });
            lo = hi;
        }
        out
    }
}

/// ` WHERE ...` for a table's row filter and a chunk's key range (empty when neither).
pub fn where_clause(
    table: &TablePlan,
    range: Option<&KeyRange>,
    quote: impl Fn(&str) -> String,
) -> String {
    let mut parts = Vec::new();
    if let Some(f) = &table.filter {
        parts.push(format!("({f})"));
    }
    if let Some(r) = range {
        parts.push(r.condition(quote));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", parts.join(" AND "))
    }
}

/// `SELECT count(*) FROM table [WHERE filter]`: the rows a load of the table reads.
pub fn count_sql(table: &TablePlan, from: &str, quote: impl Fn(&str) -> String) -> String {
    format!(
        "SELECT count(*) FROM {from}{}",
        where_clause(table, None, quote)
    )
}

/// `SELECT cols FROM table [WHERE ...]` for a source read: the plan's columns in order, the
/// row filter and the chunk's range. `from` is the table's name as the source quotes it.
pub fn select_sql(
    table: &TablePlan,
    range: Option<&KeyRange>,
    from: &str,
    quote: impl Fn(&str) -> String + Copy,
) -> String {
    let cols: Vec<String> = table.columns.iter().map(|c| quote(&c.source)).collect();
    format!(
        "SELECT {} FROM {from}{}",
        cols.join(", "),
        where_clause(table, range, quote)
    )
}

impl KeyBounds {
    /// Bounds from a `min, max, count` query; `None` for an empty table.
    pub fn from_row(key: &str, min: Option<i64>, max: Option<i64>, rows: i64) -> Option<KeyBounds> {
        Some(KeyBounds {
            column: key.to_string(),
            min: min?,
            max: max?,
            rows: rows.max(0) as u64,
        })
    }
}

/// The key a table can be chunked by: one column of an integer canonical type. (An unsigned
/// 64-bit key is chunked when its values fit a signed one; `key_bounds` says None otherwise.)
pub fn chunk_key(table: &TablePlan) -> Option<&str> {
    let [k] = table.key.as_slice() else {
        return None;
    };
    let c = table.columns.iter().find(|c| &c.source == k)?;
    matches!(
        c.canonical.as_str(),
        "int1"
            | "int2"
            | "int3"
            | "int4"
            | "int8"
            | "uint1"
            | "uint2"
            | "uint3"
            | "uint4"
            | "uint8"
    )
    .then_some(k.as_str())
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
/// together under a brief global read lock (`mysql::open_together`).
pub(crate) fn open_sources(
    source: &Endpoint,
    n: usize,
    timeouts: Timeouts,
) -> Result<Vec<Box<dyn RowSource>>, LoadError> {
    if let Endpoint::Mysql(server) = source {
        return Ok(mysql::open_together(server, n, timeouts)?
            .into_iter()
            .map(|s| Box::new(s) as Box<dyn RowSource>)
            .collect());
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
    /// The engine refused the rows: its reason and, when known, the refused row's index.
    Row(String, Option<usize>),
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
        Err(Refusal::Row(reason, at)) => {
            // With the refused row known, abort at once; otherwise split to find it (the rows
            // found good on the way are written, and the message says so).
            let known = at.and_then(|i| rows.get(i));
            if rows.len() == 1 || (on_error == OnError::Abort && known.is_some()) {
                let culprit = known.unwrap_or(&rows[0]);
                let key = sqlite::row_key(table, culprit);
                if on_error == OnError::Abort {
                    return Err(LoadError::refused_row(format!(
                        "table {}, {key}: {engine} refused the row: {reason}; the rows of its \
                         chunk were rolled back (rerun with --on-error reject-rows to set such \
                         rows aside)",
                        table.source
                    )));
                }
                rejects.add(&table.source.to_string(), &key, "", "", &reason)?;
                return Ok(0);
            }
            let (a, b) = rows.split_at(rows.len() / 2);
            Ok(write_split(engine, table, a, on_error, rejects, attempt)?
                + write_split(engine, table, b, on_error, rejects, attempt)?)
        }
    }
}

/// The condition that makes a row of `row` (the table or its alias) an orphan of `fk`: its
/// foreign-key columns are all set but match no row of the referenced table (portable SQL
/// over target names).
fn orphan_condition(row: &str, fk: &ForeignKeyPlan) -> String {
    let set: Vec<String> = fk
        .columns
        .iter()
        .map(|c| format!("{row}.{c} IS NOT NULL"))
        .collect();
    let join: Vec<String> = fk
        .columns
        .iter()
        .zip(&fk.ref_columns)
        .map(|(c, r)| format!("p.{r} = {row}.{c}"))
        .collect();
    format!(
        "{} AND NOT EXISTS (SELECT 1 FROM {} p WHERE {})",
        set.join(" AND "),
        fk.ref_table,
        join.join(" AND ")
    )
}

/// Counts the orphans of `fk` in `table`.
pub fn orphan_count_sql(table: &str, fk: &ForeignKeyPlan) -> String {
    format!(
        "SELECT count(*) FROM {table} c WHERE {}",
        orphan_condition("c", fk)
    )
}

/// Deletes the orphans of `fk` in `table`.
pub fn orphan_delete_sql(table: &str, fk: &ForeignKeyPlan) -> String {
    format!("DELETE FROM {table} WHERE {}", orphan_condition(table, fk))
}

/// Finds a plan table by the name a dump uses for it: exactly, then ignoring case and schema.
pub(crate) struct TableIndex {
    exact: HashMap<Name, usize>,
    loose: HashMap<String, usize>,
}

impl TableIndex {
    pub(crate) fn new(plan: &Plan) -> TableIndex {
        let mut exact = HashMap::new();
        let mut loose = HashMap::new();
        for (i, t) in plan.tables.iter().enumerate() {
            exact.insert(t.source.clone(), i);
            loose.entry(t.source.name.to_lowercase()).or_insert(i);
        }
        TableIndex { exact, loose }
    }

    pub(crate) fn find(&self, name: &Name) -> Option<usize> {
        self.exact
            .get(name)
            .or_else(|| self.loose.get(&name.name.to_lowercase()))
            .copied()
    }
}

/// Where each planned column's value sits in an incoming row, and what its text is read as.
pub(crate) struct Shape {
    positions: Vec<usize>,
    width: usize,
    /// Per planned column (of the table `new` returns).
    kinds: Vec<TextKind>,
    /// The row is in plan order already: shaped in place.
    in_order: bool,
}

impl Shape {
    /// Rows already in plan order (a source read with the plan's column list).
    pub(crate) fn identity(table: &TablePlan) -> Shape {
        Shape {
            positions: (0..table.columns.len()).collect(),
            width: table.columns.len(),
            kinds: text_kinds(&table.columns),
            in_order: true,
        }
    }

    /// Rows of a dump statement, with its column list or positional over the source columns.
    /// Planned columns the statement leaves out get the target's default: the table comes back
    /// narrowed to the columns the rows carry.
    pub(crate) fn new<'p>(
        table: &'p TablePlan,
        columns: Option<&[String]>,
    ) -> Result<(Shape, Cow<'p, TablePlan>), String> {
        let names: Vec<&str> = match columns {
            Some(c) => c.iter().map(String::as_str).collect(),
            None => table.source_columns.iter().map(String::as_str).collect(),
        };
        let mut positions = Vec::with_capacity(table.columns.len());
        let mut kept = Vec::with_capacity(table.columns.len());
        for c in &table.columns {
            let at = names
                .iter()
                .position(|n| *n == c.source)
                .or_else(|| names.iter().position(|n| n.eq_ignore_ascii_case(&c.source)));
            match at {
                Some(p) => {
                    positions.push(p);
                    kept.push(c.clone());
                }
                None if columns.is_some() => {}
                None => return Err(format!("the data has no value for column {}", c.source)),
            }
        }
        let table = if kept.len() == table.columns.len() {
            Cow::Borrowed(table)
        } else {
            Cow::Owned(TablePlan {
                columns: kept,
                ..table.clone()
            })
        };
        let in_order =
            positions.len() == names.len() && positions.iter().enumerate().all(|(i, p)| i == *p);
        Ok((
            Shape {
                positions,
                width: names.len(),
                kinds: text_kinds(&table.columns),
                in_order,
            },
            table,
        ))
    }
}

fn text_kinds(columns: &[ColumnPlan]) -> Vec<TextKind> {
    columns.iter().map(|c| TextKind::of(&c.canonical)).collect()
}

/// A batch as read, typed and transformed for the target; the rows refused on the way are
/// set aside (or stop the load, by `on_error`) and counted in `stats`.
fn shape_rows(
    table: &TablePlan,
    shape: &Shape,
    rows: Vec<Row>,
    on_error: OnError,
    rejects: &Rejects,
    stats: &mut TableStats,
) -> Result<Vec<Row>, LoadError> {
    let mut ready = Vec::with_capacity(rows.len());
    for row in rows {
        stats.rows_read += 1;
        match shape_row(table, shape, row, stats) {
            Ok(r) => ready.push(r),
            Err(Refused {
                column,
                value,
                reason,
                key,
            }) => {
                let key = key.unwrap_or_else(|| format!("row {}", stats.rows_read));
                if on_error == OnError::Abort {
                    return Err(LoadError::refused_row(format!(
                        "table {}, {key}, column {column}: {reason} (value {value}); \
                         rerun with --on-error reject-rows to set such rows aside",
                        table.source
                    )));
                }
                rejects.add(&table.source.to_string(), &key, &column, &value, &reason)?;
                stats.rows_rejected += 1;
            }
        }
    }
    Ok(ready)
}

/// Writes shaped rows; the rows the target refuses are set aside by `write_split` and counted.
fn write_rows(
    target: &mut dyn Target,
    table: &TablePlan,
    ready: &[Row],
    on_error: OnError,
    rejects: &Rejects,
    stats: &mut TableStats,
) -> Result<(), LoadError> {
    for r in ready {
        stats.bytes += r.iter().map(value_size).sum::<u64>();
    }
    let written = target.write(table, ready, on_error, rejects)?;
    stats.rows_written += written;
    // Every row is written or rejected (an abort returns above): counting the difference,
    // not the reject file's growth, which other workers add to at the same time.
    stats.rows_rejected += (ready.len() as u64).saturating_sub(written);
    Ok(())
}

/// Reads a table's batches (of `range` only, when given) on a thread of its own, where they are
/// also shaped, while this thread writes the batch before: the source, ferry and the target
/// work at the same time. One batch waits at most, so memory stays at about three batches per
/// worker. `write` gets each shaped batch with the counts of its shaping.
fn read_ahead(
    source: &mut dyn RowSource,
    table: &TablePlan,
    range: Option<&KeyRange>,
    settings: (usize, OnError),
    rejects: &Rejects,
    write: &mut dyn FnMut(Vec<Row>, TableStats) -> Result<(), LoadError>,
) -> Result<(), LoadError> {
    let (batch, on_error) = settings;
    let shape = Shape::identity(table);
    let (tx, rx) = std::sync::mpsc::sync_channel::<(Vec<Row>, TableStats)>(1);
    std::thread::scope(|scope| {
        let reader = scope.spawn(move || {
            source.for_each_batch(table, range, batch, &mut |rows| {
                let t0 = Instant::now();
                let mut st = TableStats::default();
                let ready = shape_rows(table, &shape, rows, on_error, rejects, &mut st)?;
                st.seconds = t0.elapsed().as_secs_f64();
                // A closed channel means the writer stopped on an error of its own, which it
                // reports: reading stops here.
                tx.send((ready, st))
                    .map_err(|_| LoadError::state("the writer stopped".to_string()))
            })
        });
        let mut written = Ok(());
        for (rows, st) in rx.iter() {
            written = write(rows, st);
            if written.is_err() {
                break;
            }
        }
        drop(rx);
        let read = reader
            .join()
            .unwrap_or_else(|_| Err(LoadError::state("the reading thread panicked".to_string())));
        // The writer's error comes first: the reader's is then only "the writer stopped".
        written.and(read)
    })
}

fn value_size(v: &Value) -> u64 {
    match v {
        Value::Null => 0,
        Value::Bool(_) => 1,
        Value::Int(_) | Value::UInt(_) | Value::Float(_) => 8,
        Value::Decimal(s) | Value::Text(s) => s.len() as u64,
        Value::Bytes(b) => b.len() as u64,
    }
}

/// A value that shaping refused.
pub(crate) struct Refused {
    pub column: String,
    /// The value as text.
    pub value: String,
    pub reason: String,
    /// The row's key (`id=4`), None for a table without one.
    pub key: Option<String>,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} = {}: {}", self.column, self.value, self.reason)
    }
}

/// The key of a row refused at planned column `at`, for the reject file: `shown(i)` is the
/// value of planned column `i` as text.
fn refused_key(table: &TablePlan, shown: &dyn Fn(usize) -> Option<String>) -> Option<String> {
    let parts: Vec<String> = table
        .key
        .iter()
        .filter_map(|k| {
            let i = table.columns.iter().position(|c| &c.source == k)?;
            Some(format!("{k}={}", shown(i)?))
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// One row in plan order, typed and transformed. A row already in plan order (every live
/// source) is shaped in place; a dump's row is picked into plan order.
pub(crate) fn shape_row(
    table: &TablePlan,
    shape: &Shape,
    row: Row,
    stats: &mut TableStats,
) -> Result<Row, Refused> {
    if row.len() != shape.width {
        return Err(Refused {
            column: String::from("(row)"),
            value: format!("{} values", row.len()),
            reason: format!("expected {} values", shape.width),
            key: None,
        });
    }
    let refused =
        |c: &ColumnPlan, (value, reason), shown: &dyn Fn(usize) -> Option<String>| Refused {
            column: c.source.clone(),
            key: refused_key(table, shown),
            value,
            reason,
        };
    if shape.in_order {
        let mut row = row;
        for (i, (c, kind)) in table.columns.iter().zip(&shape.kinds).enumerate() {
            let v = std::mem::replace(&mut row[i], Value::Null);
            match shape_value(c, *kind, v, stats) {
                Ok(v) => row[i] = v,
                Err(e) => {
                    let value = e.0.clone();
                    let shown = |k: usize| match k == i {
                        true => Some(value.clone()),
                        false => row.get(k).map(Value::display),
                    };
                    return Err(refused(c, e, &shown));
                }
            }
        }
        return Ok(row);
    }
    let mut row: Vec<Option<Value>> = row.into_iter().map(Some).collect();
    let mut out = Vec::with_capacity(table.columns.len());
    for (i, (c, kind)) in table.columns.iter().zip(&shape.kinds).enumerate() {
        let p = shape.positions[i];
        let v = row.get_mut(p).and_then(Option::take).unwrap_or(Value::Null);
        match shape_value(c, *kind, v, stats) {
            Ok(v) => out.push(v),
            Err(e) => {
                // Planned columns before `i` are shaped in `out`; later ones still in `row`.
                let value = e.0.clone();
                let shown = |k: usize| match k.cmp(&i) {
                    std::cmp::Ordering::Less => out.get(k).map(Value::display),
                    std::cmp::Ordering::Equal => Some(value.clone()),
                    std::cmp::Ordering::Greater => row
                        .get(*shape.positions.get(k)?)?
                        .as_ref()
                        .map(Value::display),
                };
                return Err(refused(c, e, &shown));
            }
        }
    }
    Ok(out)
}

/// One value typed by its column's kind and transformed; Err is (the value as text, the
/// reason) for the reject file.
fn shape_value(
    c: &ColumnPlan,
    kind: TextKind,
    v: Value,
    stats: &mut TableStats,
) -> Result<Value, (String, String)> {
    let v = match v {
        Value::Text(t) => Value::from_text(t, kind),
        other => other,
    };
    let Some(tr) = c.transform else {
        return Ok(v);
    };
    // The value before the transform, for the reject file (a copy only when it may refuse).
    let before = tr.may_reject().then(|| v.clone());
    match tr.apply(v) {
        Ok((v, applied)) => {
            match applied {
                Applied::ZeroDateNulled => stats.zero_dates_nulled += 1,
                Applied::NulStripped => stats.nul_stripped += 1,
                Applied::Kept | Applied::Changed => {}
            }
            Ok(v)
        }
        Err(reason) => Err((before.map(|b| b.display()).unwrap_or_default(), reason)),
    }
}

/// Progress on standard error: on a terminal, a bar per table (rows, rate, and the share done
/// and time left where the plan estimated the rows) under a total line; otherwise a plain line
/// at most every two seconds; nothing with `--quiet`.
struct Progress {
    quiet: bool,
    bars: Option<(indicatif::MultiProgress, indicatif::ProgressBar)>,
    tables: HashMap<usize, indicatif::ProgressBar>,
    /// The plan's estimated rows per table, and their sum when every table has one.
    estimates: Vec<Option<u64>>,
    expected: Option<u64>,
    last: Instant,
    started: Instant,
}

/// A bar of `len` rows with its share and time left, or a spinner without a length.
fn progress_bar(len: Option<u64>, counted: &str, open: &str) -> indicatif::ProgressBar {
    let (bar, template) = match len {
        Some(n) => (indicatif::ProgressBar::new(n), counted),
        None => (indicatif::ProgressBar::new_spinner(), open),
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template(template)
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    bar
}

impl Progress {
    fn new(quiet: bool, plan: &Plan) -> Progress {
        use std::io::IsTerminal;
        let estimates: Vec<Option<u64>> = plan.tables.iter().map(|t| t.estimated_rows).collect();
        let expected = estimates.iter().copied().sum::<Option<u64>>();
        let bars = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let multi = indicatif::MultiProgress::new();
            let total = multi.add(progress_bar(
                expected,
                "{spinner} total {human_pos}/{human_len} rows {wide_bar} {per_sec}, {elapsed}, about {eta} left",
                "{spinner} total {human_pos} rows, {per_sec}, {elapsed}",
            ));
            total.enable_steady_tick(std::time::Duration::from_millis(200));
            (multi, total)
        });
        Progress {
            quiet,
            bars,
            tables: HashMap::new(),
            estimates,
            expected,
            last: Instant::now(),
            started: Instant::now(),
        }
    }

    /// A table's rows written so far, and the total.
    fn update(&mut self, ti: usize, st: &TableStats, total: u64) {
        if self.quiet {
            return;
        }
        if let Some((multi, total_bar)) = &self.bars {
            let estimate = self.estimates.get(ti).copied().flatten();
            let bar = self.tables.entry(ti).or_insert_with(|| {
                let b = multi.insert_before(
                    total_bar,
                    progress_bar(
                        estimate,
                        "  {prefix:32} {human_pos:>12}/{human_len} rows {bar:20} {per_sec:>14} {eta:>4}",
                        "  {prefix:32} {human_pos:>12} rows {per_sec:>14}",
                    ),
                );
                b.set_prefix(st.table.clone());
                b
            });
            bar.set_position(st.rows_written);
            total_bar.set_position(total);
            return;
        }
        if self.last.elapsed().as_secs_f64() < 2.0 {
            return;
        }
        self.last = Instant::now();
        let secs = self.started.elapsed().as_secs_f64().max(1e-9);
        let rate = total as f64 / secs;
        let share = match self.expected {
            Some(n) if n > 0 && rate > 0.0 => format!(
                " of about {n} ({:.0}%, about {:.0} s left)",
                100.0 * total as f64 / n as f64,
                n.saturating_sub(total) as f64 / rate
            ),
            _ => String::new(),
        };
        eprintln!("ferry: {total} rows written{share}, {rate:.0} rows/s");
    }

    /// Leaves the bars on screen, finished.
    fn finish(&mut self) {
        for b in self.tables.values() {
            b.finish();
        }
        if let Some((_, total)) = &self.bars {
            total.finish();
        }
    }
}

/// The per-table summary as a plain table, with totals.
pub fn summary_table(s: &Summary) -> String {
    let mut out = format!(
        "{:<32} {:>10} {:>10} {:>9} {:>11} {:>8} {:>10}\n",
        "table", "read", "written", "rejected", "bytes", "seconds", "rows/s"
    );
    let mut total = TableStats::default();
    for t in &s.tables {
        out.push_str(&row_line(&t.table, t));
        total.add(t);
    }
    total.seconds = s.seconds;
    out.push_str(&row_line("total", &total));
    if total.zero_dates_nulled > 0 {
        out.push_str(&format!(
            "{} zero dates became NULL\n",
            total.zero_dates_nulled
        ));
    }
    if total.nul_stripped > 0 {
        out.push_str(&format!(
            "{} text values had NUL bytes removed\n",
            total.nul_stripped
        ));
    }
    if s.kept_units > 0 {
        out.push_str(&format!(
            "resumed: {} chunks committed by the interrupted load were kept; the counts above are this run's\n",
            s.kept_units
        ));
    }
    for (table, rows) in &s.not_loaded {
        out.push_str(&format!(
            "{rows} rows of {table} in the dump were not loaded: the table is not in the plan (not converted, or left out)\n"
        ));
    }
    for o in &s.orphans {
        let what = if o.deleted {
            "were deleted: they broke"
        } else {
            "kept, breaking"
        };
        out.push_str(&format!(
            "{} rows of {} {what} the foreign key {}\n",
            o.rows, o.table, o.constraint
        ));
    }
    out
}

fn row_line(name: &str, t: &TableStats) -> String {
    let rate = if t.seconds > 0.0 {
        t.rows_written as f64 / t.seconds
    } else {
        0.0
    };
    format!(
        "{:<32} {:>10} {:>10} {:>9} {:>11} {:>8.2} {:>10.0}\n",
        name, t.rows_read, t.rows_written, t.rows_rejected, t.bytes, t.seconds, rate
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_cover_every_key_once() {
        for (min, max, rows, chunk) in [
            (1, 10, 10, 3),
            (-5, 5, 11, 4),
            (7, 7, 1, 1),
            (0, 1000, 20, 3),
        ] {
            let b = KeyBounds {
                column: "id".into(),
                min,
                max,
                rows,
            };
            let ranges = b.chunks(chunk);
            assert_eq!(
                ranges.len() as u64,
                rows.div_ceil(chunk).min((max - min + 1) as u64).max(1)
            );
            for k in min..=max {
                let hits = ranges
                    .iter()
                    .filter(|r| k >= r.lo && (k < r.hi || (r.last && k <= r.hi)))
                    .count();
                assert_eq!(hits, 1, "key {k} in {ranges:?}");
            }
        }
        let edge = KeyBounds {
            column: "id".into(),
            min: i64::MAX - 2,
            max: i64::MAX,
            rows: 3,
        };
        assert_eq!(edge.chunks(1).len(), 3);
    }
}
