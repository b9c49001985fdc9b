//! Scheduling the data phase: one load's shared counts and progress (`Run`), a dump read as
//! one stream in segments, database sources read by `jobs` workers taking chunks from a
//! queue, each chunk one target transaction with its `done` mark; batches read and shaped
//! one ahead of the writer.

use std::sync::Mutex;
use std::time::Instant;

use super::progress::Progress;
use super::rejects::Rejects;
use super::shape::{Shape, TableIndex, shape_rows, value_size};
use super::{
    KeyRange, LoadError, RowSource, TableStats, Target, chunk_range, dump, open_sources,
    open_target, plan_chunks, state,
};
use crate::conn::Endpoint;
use crate::ir::Name;
use crate::plan::{OnError, Plan, TablePlan};
use crate::value::Row;

/// One load's shared state: the parallel workers update the counts and progress through it.
pub(crate) struct Run<'a> {
    pub(crate) plan: &'a Plan,
    pub(crate) rejects: &'a Rejects,
    /// Rows of a dump for tables the plan does not load, by table.
    pub(crate) skipped: Mutex<std::collections::BTreeMap<String, u64>>,
    /// Counts of committed rows (and, while a chunk runs, of its rows so far).
    pub(crate) stats: Mutex<Vec<TableStats>>,
    pub(crate) progress: Mutex<Progress>,
    /// Chunks or dump segments an interrupted load had committed, not loaded again.
    pub(crate) kept: std::sync::atomic::AtomicU64,
    /// Whether the sources are to say where their snapshot stands in the change log.
    pub(crate) want_mark: bool,
    /// What the first source said (`RowSource::change_mark`).
    pub(crate) mark: Mutex<Option<String>>,
}

impl<'a> Run<'a> {
    /// A warning for the user, through the progress display (nothing with `--quiet`).
    pub(crate) fn warn(&self, line: &str) {
        if let Ok(p) = self.progress.lock() {
            p.warn(line);
        }
    }

    /// A run of `plan` with no rows counted yet.
    pub(crate) fn new(plan: &'a Plan, rejects: &'a Rejects, quiet: bool) -> Run<'a> {
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
            want_mark: false,
            mark: Mutex::new(None),
        }
    }

    /// Adds one batch's counts to its table's and reports progress.
    pub(crate) fn add(&self, ti: usize, batch: &TableStats) {
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
    pub(crate) fn undo(&self, ti: usize, chunk: &TableStats) {
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
    pub(crate) fn dump(
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
    pub(crate) fn tables_in_parallel(
        &self,
        target: &mut dyn Target,
        saved: Vec<state::Chunk>,
    ) -> Result<(), LoadError> {
        let plan = self.plan;
        let most = match plan.target {
            Endpoint::Sqlite { .. } => 1,
            _ => plan.settings.jobs.max(1),
        };
        let changes = crate::sync::source::sqlite::change_table(plan);
        let mut sources = open_sources(
            &plan.source,
            most,
            plan.settings.timeouts(),
            &|w| self.warn(&w),
            self.want_mark.then_some(changes.as_str()),
        )?;
        let first = sources
            .first()
            .ok_or_else(|| LoadError::state("no source connection".to_string()))?;
        if self.want_mark {
            *self.mark.lock().unwrap_or_else(|p| p.into_inner()) = first.change_mark()?;
        }
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
    pub(crate) fn chunk(
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

/// Marks a unit done and commits it with its rows.
fn commit_unit(target: &mut dyn Target, mark: String) -> Result<(), LoadError> {
    target.execute("state", &mark)?;
    target.execute("data", "COMMIT")
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
