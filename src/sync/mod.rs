//! `ferry sync`: the full load, then every change committed at the source since the load's
//! snapshot, applied to the target in source commit order, until stopped.
//!
//! - `change.rs` what a source's log gives (positions, row changes, events);
//! - `source/` one reader per source engine (PostgreSQL slot, MySQL binary log, SQLite
//!   capture triggers);
//! - `apply/` the applier and one connection per target engine;
//! - `state.rs` the position kept in the target, in the transaction of the changes.
//!
//! Order: take the target's sync lock (a second sync of the plan stands by until the first
//! one dies); read the state; with none, prepare the source's capture (slot, triggers), run
//! the full load, whose snapshot records its place in the change log, and store that place;
//! then read the log from the stored place on, one target transaction per group of whole
//! source transactions, each moving the stored position with it.

pub mod apply;
pub mod change;
pub mod metrics;
pub mod schema;
pub mod source;
pub mod state;
mod status;

pub use status::{SyncStatus, status};

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

use apply::{Applier, Mode};
use change::{Event, Position};
use source::ChangeSource;
use state::{Phase, SyncState};

use crate::conn::Endpoint;
use crate::load::{self, LoadError, LoadOptions};
use crate::plan::{Plan, Preparation};

/// Whether a table is ferry's own: a load's or a sync's state, or a SQLite capture's change
/// table (`ferry_` and twelve hexadecimal digits, `_changes`).
pub fn is_own_table(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    if name == load::state::TABLE || name == state::TABLE {
        return true;
    }
    name.strip_prefix("ferry_")
        .and_then(|r| r.strip_suffix("_changes"))
        .is_some_and(|hex| hex.len() == 12 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Where sync starts when the target holds no sync state.
#[derive(Clone, Debug, PartialEq)]
pub enum Start {
    /// The full load, then the changes since its snapshot.
    Load,
    /// No load (the target was loaded by other means): the changes from now on.
    Now,
    /// No load: the changes from this position on, applied idempotently up to where the
    /// source's log ended when sync started.
    At(Position),
}

/// Options of one sync run.
#[derive(Clone, Debug)]
pub struct SyncOptions {
    pub quiet: bool,
    pub start: Start,
    /// Stop once every change committed before sync started is applied.
    pub until_caught_up: bool,
    /// Counters for `--metrics`.
    pub metrics: Arc<metrics::Metrics>,
    /// How a PostgreSQL source's changes are read.
    pub pg_read: source::postgres::PgRead,
}

/// What a sync run did.
#[derive(Clone, Debug, Default)]
pub struct SyncSummary {
    pub loaded: Option<load::Summary>,
    pub transactions: u64,
    pub changes: u64,
    pub position: Option<String>,
    pub seconds: f64,
}

/// How long `next` waits for the source before the applier commits what it holds.
const IDLE_WAIT: Duration = Duration::from_millis(100);
/// A target transaction is committed at the first source commit after this long.
const GROUP_TIME: Duration = Duration::from_millis(200);
/// Changes after which a target transaction is committed at the next source commit.
const GROUP_CHANGES: u64 = 20_000;
/// A source with no transaction for this long, all applied, has no lag (the `--metrics`
/// gauge reads 0); a shorter pause keeps the last transaction's (a source's log arrives in
/// bursts, as the WAL is flushed).
const CAUGHT_UP_AFTER: Duration = Duration::from_secs(1);

fn now() -> f64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

fn say(quiet: bool, line: &str) {
    if !quiet {
        eprintln!("{line}");
    }
}

/// A change names its row by the primary key. A PostgreSQL table without one can be followed
/// when its REPLICA IDENTITY is FULL (the source's `prepare` checks that): its changes carry
/// the whole old row, and the target's row is found by all its values (`apply`). Changes the
/// target may already hold (`--start-position`, `--start-now`) cannot be told from a new
/// equal row without a key.
fn check_keys(plan: &Plan, start: &Start) -> Result<(), LoadError> {
    let unkeyed: Vec<String> = plan
        .tables
        .iter()
        .filter(|t| t.key.is_empty())
        .map(|t| t.source.to_string())
        .collect();
    if unkeyed.is_empty() {
        return Ok(());
    }
    let postgres = matches!(plan.source, Endpoint::Postgres(_));
    if postgres && matches!(start, Start::Load) {
        return Ok(());
    }
    let why = if postgres {
        "without a full load (--start-position, --start-now), a change the target may hold \
         already cannot be told from a new equal row in a table without a primary key"
    } else {
        "a change names its row by its primary key"
    };
    Err(LoadError::config(format!(
        "sync cannot follow tables without a primary key here: {why}; these have none: {}. \
         Add one at the source (and plan again), or leave them out of the plan ([tables] \
         exclude in migration.toml).",
        unkeyed.join(", ")
    )))
}

/// Runs sync until `stop` is set (SIGTERM, SIGINT), an error, or with `until_caught_up`, the
/// end of what the source had when it started.
pub fn sync(plan: &Plan, opts: &SyncOptions, stop: &AtomicBool) -> Result<SyncSummary, LoadError> {
    let started = Instant::now();
    check_keys(plan, &opts.start)?;
    let mut link = apply::open(plan)?;
    let lock = source::capture_name(plan);
    let mut standing_by = false;
    while !link.try_lock(&lock)? {
        if !standing_by {
            say(
                opts.quiet,
                &format!(
                    "ferry sync: another ferry sync of this plan applies to {}; standing by \
                     to take over when it stops",
                    link.describe()
                ),
            );
            standing_by = true;
        }
        if stop.load(Ordering::Relaxed) {
            return Ok(SyncSummary::default());
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    if standing_by {
        say(
            opts.quiet,
            "ferry sync: the other sync stopped; taking over",
        );
    }
    let fingerprint = format!("{:016x}", plan.fingerprint());
    state::create(link.as_mut())?;
    let existing = state::read(link.as_mut())?;
    // A state left by a load that never finished binds nothing: the load starts over.
    if let Some(st) = &existing
        && st.plan != fingerprint
        && st.phase == Phase::Streaming
    {
        return Err(LoadError::state(format!(
            "{}: the sync state there (table {}) belongs to another plan: sync that plan, or \
             drop the table to start over",
            link.describe(),
            state::TABLE
        )));
    }
    let mut summary = SyncSummary::default();
    let st = match existing {
        Some(st) if st.phase == Phase::Streaming => {
            if opts.start != Start::Load {
                return Err(LoadError::state(format!(
                    "{}: the target follows the source already, from {} (table {}): sync \
                     resumes from there without --start-position or --start-now",
                    link.describe(),
                    st.position
                        .as_ref()
                        .map_or("?".to_string(), |p| p.to_string()),
                    state::TABLE
                )));
            }
            st
        }
        restart => {
            let begun = SyncState {
                plan: fingerprint.clone(),
                phase: Phase::Loading,
                snapshot: None,
                position: None,
                idempotent_until: None,
                transactions: 0,
                changes: 0,
                commit_time: None,
                applied_at: None,
                rate: None,
                last_error: None,
                added: Vec::new(),
            };
            match &opts.start {
                Start::Load => {
                    let slot_position = source::prepare(plan)?;
                    state::write(link.as_mut(), &begun)?;
                    let (loaded, st) =
                        full_load(plan, opts, begun, slot_position, restart.is_some())?;
                    summary.loaded = Some(loaded);
                    state::write(link.as_mut(), &st)?;
                    st
                }
                start => {
                    let here = source::prepare(plan)?;
                    let from = match start {
                        Start::At(p) => p.clone(),
                        _ => here.clone(),
                    };
                    let st = SyncState {
                        phase: Phase::Streaming,
                        position: Some(from),
                        idempotent_until: Some(here),
                        ..begun
                    };
                    state::write(link.as_mut(), &st)?;
                    st
                }
            }
        }
    };
    let Some(from) = st.position.clone() else {
        return Err(LoadError::state(format!(
            "{}: the sync state (table {}) has no position",
            link.describe(),
            state::TABLE
        )));
    };
    let replayed_cascades = matches!(plan.source, Endpoint::Postgres(_) | Endpoint::Sqlite { .. });
    link.set_up(replayed_cascades)?;
    // The plan as sync follows it: with the columns added at the source meanwhile.
    let mut current = plan.clone();
    schema::apply(&mut current, &st.added);
    let mut added = st.added.clone();
    let mut from = from;
    let mut applied_changes = st.changes;
    let mut last_commit_time = st.commit_time;
    loop {
        let mut changes = source::open(&current, &from, st.snapshot.as_deref(), opts.pg_read)?;
        let mut applier = Applier::new(&current, link, replayed_cascades);
        let mut streaming = Stream {
            opts,
            stop,
            applier: &mut applier,
            st: &st,
            summary: &mut summary,
            applied: Some(from.clone()),
            pending: None,
            group_txns: 0,
            group_changes: 0,
            group_started: Instant::now(),
            last_source_commit: Instant::now(),
            last_commit_time,
            rate: Rate {
                marks: Default::default(),
            },
            total: applied_changes,
            added: added.clone(),
        };
        let result = streaming.run(changes.as_mut());
        let (at, total, commit_time) = (
            streaming.applied.clone(),
            streaming.total,
            streaming.last_commit_time,
        );
        if let Err(e) = &result {
            opts.metrics.errors.fetch_add(1, Ordering::Relaxed);
            applier.rollback();
            state::record_error(applier.link.as_mut(), &e.to_string());
        }
        link = applier.link;
        match result? {
            Outcome::Stopped => break,
            Outcome::Added(more) => {
                // The source is read again from the stored position with the new columns.
                say(
                    opts.quiet,
                    &format!(
                        "ferry sync: added {} to the target",
                        more.iter()
                            .map(|a| format!("column {} of table {}", a.column.source, a.table))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
                schema::apply(&mut current, &more);
                added.extend(more);
                from = at.unwrap_or(from);
                applied_changes = total;
                last_commit_time = commit_time;
            }
        }
    }
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

/// How a streaming run ended.
enum Outcome {
    /// Stopped as asked (a signal, or caught up).
    Stopped,
    /// Columns were added at the source and to the target: read again with them.
    Added(Vec<schema::Addition>),
}

/// The full load, started from scratch (an interrupted one is dropped: its snapshot is
/// gone), with its snapshot's place in the change log. Returns the state to stream from.
fn full_load(
    plan: &Plan,
    opts: &SyncOptions,
    begun: SyncState,
    slot_position: Position,
    again: bool,
) -> Result<(load::Summary, SyncState), LoadError> {
    let mut plan = plan.clone();
    if again {
        plan.settings.prepare = Preparation::DropAndCreate;
    }
    let loaded = load::load(
        &plan,
        &LoadOptions {
            quiet: opts.quiet,
            change_mark: true,
            ..LoadOptions::default()
        },
    )?;
    let mark = loaded.change_mark.clone();
    let (position, snapshot) = match (&plan.source, mark) {
        (Endpoint::Postgres(_), Some(snapshot)) => (slot_position, Some(snapshot)),
        (_, Some(mark)) => match Position::parse(&mark) {
            Some(p) => (p, None),
            None => {
                return Err(LoadError::state(format!(
                    "the full load's snapshot gave no place in the change log ({mark})"
                )));
            }
        },
        (_, None) => {
            return Err(LoadError::state(
                "the full load's snapshot did not say where it stands in the source's change \
                 log, so sync cannot know where to start"
                    .to_string(),
            ));
        }
    };
    let st = SyncState {
        phase: Phase::Streaming,
        position: Some(position),
        snapshot,
        ..begun
    };
    Ok((loaded, st))
}

/// Whether adding a column failed because the target has it: PostgreSQL 42701
/// duplicate_column, MySQL 1060; SQLite says so only in its message ("duplicate column name").
fn duplicate_column(e: &LoadError) -> bool {
    match e.kind() {
        load::ErrorKind::Sql { code, .. } => {
            code.sqlstate.as_deref() == Some("42701")
                || code.engine == Some(1060)
                || e.message().contains("duplicate column name")
        }
        _ => false,
    }
}

/// Changes per second over about the last minute.
struct Rate {
    marks: std::collections::VecDeque<(Instant, u64)>,
}

impl Rate {
    fn add(&mut self, total: u64) -> Option<f64> {
        let now = Instant::now();
        self.marks.push_back((now, total));
        while self
            .marks
            .front()
            .is_some_and(|(t, _)| now.duration_since(*t) > Duration::from_secs(60))
        {
            self.marks.pop_front();
        }
        self.per_second()
    }

    /// Changes per second between the oldest and the newest mark (none under half a second).
    fn per_second(&self) -> Option<f64> {
        let ((t0, n0), (t1, n1)) = (self.marks.front()?, self.marks.back()?);
        let secs = t1.duration_since(*t0).as_secs_f64();
        (secs > 0.5).then(|| (n1 - n0) as f64 / secs)
    }
}

/// The streaming loop's state: what the open target transaction holds, and what is applied.
struct Stream<'a, 'p> {
    opts: &'a SyncOptions,
    stop: &'a AtomicBool,
    applier: &'a mut Applier<'p>,
    st: &'a SyncState,
    summary: &'a mut SyncSummary,
    /// Applied (committed in the target) up to here.
    applied: Option<Position>,
    /// The position after the last source transaction in the open target transaction.
    pending: Option<Position>,
    /// Source transactions and changes in the open target transaction.
    group_txns: u64,
    group_changes: u64,
    group_started: Instant,
    /// When the last source transaction was read.
    last_source_commit: Instant,
    last_commit_time: Option<f64>,
    rate: Rate,
    total: u64,
    /// The columns added while syncing, so far.
    added: Vec<schema::Addition>,
}

impl Stream<'_, '_> {
    /// How the next change is applied: idempotently while it may be in the target already.
    fn mode(&self) -> Mode {
        match (&self.st.idempotent_until, &self.applied) {
            (Some(until), Some(at)) if !state::reached(at, until) => Mode::Idempotent,
            (Some(_), None) => Mode::Idempotent,
            _ => Mode::Strict,
        }
    }

    /// Commits the open target transaction with the position of its last source transaction.
    fn commit(&mut self) -> Result<(), LoadError> {
        let Some(position) = self.pending.take() else {
            return Ok(());
        };
        self.total += self.group_changes;
        let per_second = self.rate.add(self.total);
        let sql = state::advance_sql(
            &position,
            self.group_txns,
            self.group_changes,
            self.last_commit_time,
            now(),
            per_second,
        );
        self.applier.commit(sql)?;
        let m = &self.opts.metrics;
        m.transactions.fetch_add(self.group_txns, Ordering::Relaxed);
        m.changes.fetch_add(self.group_changes, Ordering::Relaxed);
        m.commits.fetch_add(1, Ordering::Relaxed);
        m.bytes.store(self.applier.bytes_sent(), Ordering::Relaxed);
        // From the source's commit to the target's: what a reader of the target waits. A
        // commit of no source transaction (an idle source's position) leaves it as it is; a
        // source idle for `CAUGHT_UP_AFTER` makes it 0 (`run`).
        if let Some(t) = self.last_commit_time
            && self.group_txns > 0
        {
            m.lag_ms
                .store(((now() - t).max(0.0) * 1000.0) as u64, Ordering::Relaxed);
        }
        self.summary.transactions += self.group_txns;
        self.summary.changes += self.group_changes;
        self.group_txns = 0;
        self.group_changes = 0;
        self.applied = Some(position);
        Ok(())
    }

    /// When the source is idle: stores the position it is idle at (at most once a second,
    /// or at once when that reaches `end`), and lets the source forget what is before it.
    fn heartbeat(
        &mut self,
        changes: &mut dyn ChangeSource,
        end: Option<&Position>,
        last: &mut Instant,
    ) -> Result<(), LoadError> {
        let Some(idle) = changes.idle_position() else {
            return Ok(());
        };
        let ahead = match &self.applied {
            Some(at) => !state::reached(at, &idle),
            None => true,
        };
        let due = last.elapsed() >= Duration::from_secs(1)
            || end.is_some_and(|e| state::reached(&idle, e));
        if !ahead || !due || self.pending.is_some() {
            return Ok(());
        }
        *last = Instant::now();
        self.pending = Some(idle);
        self.commit()?;
        if let Some(p) = &self.applied {
            changes.confirm(p)?;
        }
        Ok(())
    }

    /// The progress: on a terminal one status line rewritten in place (lag, rate, counts, the
    /// position); otherwise a plain line. Nothing with `-q`.
    fn report(&self, tty: bool) {
        if self.opts.quiet {
            return;
        }
        let lag = self.last_commit_time.map_or(0.0, |t| (now() - t).max(0.0));
        let rate = self.rate.per_second().unwrap_or(0.0);
        let line = format!(
            "ferry sync: lag {lag:.1} s, {rate:.0} changes/s; {} transactions, {} changes applied; \
             at {}",
            self.summary.transactions,
            self.summary.changes,
            self.applied
                .as_ref()
                .map_or("-".to_string(), |p| p.to_string())
        );
        if tty {
            // Carriage return and erase-line: the line is rewritten in place.
            eprint!("\r\x1b[2K{line}");
        } else {
            eprintln!("{line}");
        }
    }

    /// A planned table's definition changed at the source: columns added at its end are
    /// added to the target too (and recorded in the state), anything else stops sync.
    fn schema_change(
        &mut self,
        changes: &dyn ChangeSource,
        table: &str,
        statement: &str,
    ) -> Result<Option<Outcome>, LoadError> {
        let plan = self.applier.plan();
        let stop = |why: &str| {
            LoadError::state(format!(
                "{}: the definition of table {table} changed at the source ({statement}): \
                 {why}. Sync applied everything before it and stopped. Change the target's \
                 table the same way, plan again, then run sync with the new plan and \
                 --start-position {}",
                changes.describe(),
                self.applied
                    .as_ref()
                    .map_or("?".to_string(), |p| p.to_string())
            ))
        };
        let Some(ti) = schema::find_table(plan, table) else {
            return Err(stop("the table is not in the plan"));
        };
        match schema::decide(plan, ti)? {
            schema::Decision::Same => Ok(None),
            schema::Decision::Other(why) => Err(stop(&why)),
            schema::Decision::Added(list) => {
                let mut more = Vec::new();
                for (addition, ddl) in list {
                    let run = self.applier.link.run(&[apply::Statement {
                        sql: ddl.clone(),
                        expect: None,
                        what: format!("`{ddl}`"),
                    }]);
                    match run {
                        Ok(_) => {}
                        // Added by a sync that died before it recorded so.
                        Err(e) if duplicate_column(&e) => {}
                        Err(e) => return Err(e),
                    }
                    more.push(addition);
                }
                let mut all = self.added.clone();
                all.extend(more.iter().cloned());
                self.applier.link.run(&[apply::Statement {
                    sql: state::added_sql(&all),
                    expect: Some(1),
                    what: "the sync state".to_string(),
                }])?;
                self.added = all;
                Ok(Some(Outcome::Added(more)))
            }
        }
    }

    /// Reads and applies until stopped.
    fn run(&mut self, changes: &mut dyn ChangeSource) -> Result<Outcome, LoadError> {
        let end = if self.opts.until_caught_up {
            Some(changes.end()?)
        } else {
            None
        };
        let mut in_transaction = false;
        let mut skip = false;
        let mut last_report = Instant::now();
        let tty = std::io::IsTerminal::is_terminal(&std::io::stderr());
        let every = Duration::from_secs(if tty { 1 } else { 5 });
        let mut reported = false;
        let mut last_heartbeat = Instant::now();
        loop {
            let stopping = self.stop.load(Ordering::Relaxed);
            // Commit the group when it is big or old enough, or when sync is to stop.
            if !in_transaction
                && self.pending.is_some()
                && (self.group_changes >= GROUP_CHANGES
                    || self.group_started.elapsed() >= GROUP_TIME
                    || stopping)
            {
                self.commit()?;
            }
            if !in_transaction && stopping {
                break;
            }
            let caught_up = match (&end, &self.applied) {
                (Some(end), Some(at)) => state::reached(at, end),
                _ => false,
            };
            if !in_transaction && self.pending.is_none() && caught_up {
                break;
            }
            if last_report.elapsed() >= every {
                last_report = Instant::now();
                self.report(tty);
                reported = true;
            }
            let Some(event) = changes.next(IDLE_WAIT)? else {
                if !in_transaction {
                    self.commit()?;
                    if self.last_source_commit.elapsed() >= CAUGHT_UP_AFTER {
                        self.opts.metrics.lag_ms.store(0, Ordering::Relaxed);
                    }
                }
                if !in_transaction {
                    self.heartbeat(changes, end.as_ref(), &mut last_heartbeat)?;
                }
                continue;
            };
            match event {
                Event::Begin { skip: s } => {
                    in_transaction = true;
                    skip = s;
                    if self.pending.is_none() {
                        self.group_started = Instant::now();
                    }
                    if !s {
                        self.applier.begin();
                    }
                }
                Event::Change(change) => {
                    if !in_transaction {
                        return Err(LoadError::input(format!(
                            "{}: a change came outside a transaction",
                            changes.describe()
                        )));
                    }
                    if !skip {
                        let mode = self.mode();
                        self.applier.apply(change, mode)?;
                        self.group_changes += 1;
                    }
                }
                Event::Commit {
                    position,
                    commit_time,
                } => {
                    in_transaction = false;
                    self.group_txns += 1;
                    self.last_source_commit = Instant::now();
                    if commit_time.is_some() {
                        self.last_commit_time = commit_time;
                    }
                    self.pending = Some(position);
                }
                Event::Pause => {
                    self.commit()?;
                    if let Some(p) = &self.applied {
                        changes.confirm(p)?;
                    }
                }
                Event::SchemaChange { table, statement } => {
                    self.commit()?;
                    if let Some(outcome) = self.schema_change(changes, &table, &statement)? {
                        return Ok(outcome);
                    }
                }
            }
        }
        if let Some(p) = &self.applied {
            changes.confirm(p)?;
        }
        // The status line ends before the summary.
        if tty && reported && !self.opts.quiet {
            eprintln!();
        }
        self.summary.position = self.applied.as_ref().map(|p| p.to_string());
        Ok(Outcome::Stopped)
    }
}
