//! Several processes sharing one plan (`ferry load --worker`), on one machine or several,
//! without a coordinator of ferry's own: the target's state table (`state.rs`) is the work list.
//!
//! - Set-up: under the target's set-up lock (`Target::setup_lock`: a PostgreSQL advisory lock,
//!   a MySQL named lock), the first worker finds no state, prepares the target and writes the
//!   chunks down; the others find the state and check that it is this plan's and source's.
//! - Data: each worker thread begins a transaction and claims the first chunk not done with
//!   `SELECT ... FOR UPDATE SKIP LOCKED` (PostgreSQL, and MariaDB since 10.6); its rows and
//!   its `done` mark are written in that same transaction. The row lock is the claim: if the
//!   worker dies, its transaction rolls back, the lock goes with its session, and another
//!   worker claims the chunk. A worker with nothing to claim waits while chunks claimed by
//!   others are still not done (one of them may die), and stops when all are.
//! - Finish: under the set-up lock, the first worker to find every chunk done runs the
//!   post-data phase and drops the state; the others find nothing left to do.
//!
//! Each process reads its own snapshot of the source: for a source that is written to during
//! the load, one process (with `--jobs`) reads one moment; several processes do not.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::rejects::Rejects;
use super::{
    LoadError, LoadOptions, Orphans, Run, Summary, Target, chunk_range, open_source, open_sources,
    open_target, plan_chunks, planned_source_fingerprint, prepare, same_load, state,
};
use crate::conn::Endpoint;
use crate::plan::{Plan, Preparation};

/// How long a worker with nothing to claim waits before it looks again.
const IDLE_WAIT: Duration = Duration::from_millis(300);

/// Runs this process's share of the plan.
pub fn load(plan: &Plan, opts: &LoadOptions) -> Result<Summary, LoadError> {
    let started = Instant::now();
    if let Endpoint::Dump { path, .. } = &plan.source {
        return Err(LoadError::config(format!(
            "{}: --worker reads a database source; a dump file is one stream, read by one \
             process (load it without --worker)",
            path.display()
        )));
    }
    let mut target = open_target(&plan.target, plan.settings.timeouts())?;
    locked(&mut target, |t| set_up(t.as_mut(), plan))?;
    // Several processes may write rejects: each appends its own lines.
    let rejects = Rejects::open(plan.settings.reject_file.as_deref(), true)?;
    let run = Run::new(plan, &rejects, opts.quiet);
    let sources = open_sources(
        &plan.source,
        plan.settings.jobs.max(1),
        plan.settings.timeouts(),
        &|w| run.warn(&w),
        None,
    )?;
    let failure: Mutex<Option<LoadError>> = Mutex::new(None);
    std::thread::scope(|scope| {
        for mut source in sources {
            let (run, failure) = (&run, &failure);
            scope.spawn(move || {
                if let Err(e) = claim_chunks(run, source.as_mut(), failure) {
                    failure
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .get_or_insert(e);
                }
            });
        }
    });
    run.progress
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .finish();
    if let Some(e) = failure.into_inner().unwrap_or_else(|p| p.into_inner()) {
        let _ = rejects.finish();
        return Err(e.map_message(|e| {
            format!(
                "{e}\nThis worker stopped; its chunk was rolled back and the other workers (or \
                 a new one) load it."
            )
        }));
    }
    let orphans = locked(&mut target, |t| finish(t, plan, opts))?;
    rejects.finish()?;
    Ok(Summary {
        tables: run.stats.into_inner().unwrap_or_else(|p| p.into_inner()),
        orphans,
        not_loaded: Vec::new(),
        kept_units: 0,
        seconds: started.elapsed().as_secs_f64(),
        change_mark: None,
    })
}

/// Runs `f` holding the set-up lock.
fn locked<T>(
    target: &mut Box<dyn Target>,
    f: impl FnOnce(&mut Box<dyn Target>) -> Result<T, LoadError>,
) -> Result<T, LoadError> {
    target.setup_lock(true)?;
    let result = f(target);
    let _ = target.setup_lock(false);
    result
}

/// The first worker prepares the target and writes the chunks down (again, if one died in the
/// middle of that); the others check that the state is this plan's.
fn set_up(target: &mut dyn Target, plan: &Plan) -> Result<(), LoadError> {
    let how = match state::read(target)? {
        None => {
            state::create(
                target,
                plan.fingerprint(),
                planned_source_fingerprint(plan)?,
            )?;
            plan.settings.prepare
        }
        Some(st) => {
            same_load(&target.describe(), plan, &st)?;
            match st.phase {
                state::Phase::Prepare => match plan.settings.prepare {
                    // A worker died setting up: the tables it made are the load's own.
                    Preparation::Create => Preparation::DropAndCreate,
                    how => how,
                },
                state::Phase::Done => {
                    return Err(LoadError::state(format!(
                        "{}: nothing to do: the load of this plan finished (its state was kept \
                         with --keep-state)",
                        target.describe()
                    )));
                }
                state::Phase::Data | state::Phase::PostData => return Ok(()),
            }
        }
    };
    prepare(target, plan, how)?;
    let source = open_source(&plan.source, None, plan.settings.timeouts())?;
    let chunks = plan_chunks(plan, source.as_ref())?;
    state::start_data(target, &chunks)
}

/// One worker thread: claims and loads chunks until every chunk is done (or another thread of
/// this process failed).
fn claim_chunks(
    run: &Run,
    source: &mut dyn super::RowSource,
    failure: &Mutex<Option<LoadError>>,
) -> Result<(), LoadError> {
    let plan = run.plan;
    let mut target = open_target(&plan.target, plan.settings.timeouts())?;
    loop {
        if failure.lock().unwrap_or_else(|p| p.into_inner()).is_some() {
            return Ok(());
        }
        target.execute("claim", "BEGIN")?;
        let claimed = match target.query_ints(&state::claim_sql()) {
            Ok(rows) => rows,
            Err(e) => {
                let _ = target.execute("claim", "ROLLBACK");
                return finished_by_others(target.as_mut(), e);
            }
        };
        let Some(&[unit, tbl, lo, hi, last]) = claimed.first().map(Vec::as_slice) else {
            target.execute("claim", "COMMIT")?;
            match target.count(&state::chunks_left_sql()) {
                Ok(0) => return Ok(()),
                Ok(_) => {}
                Err(e) => return finished_by_others(target.as_mut(), e),
            }
            // Chunks claimed by other workers are not done yet; one of them may die.
            std::thread::sleep(IDLE_WAIT);
            continue;
        };
        let chunk = state::Chunk {
            unit,
            table: usize::try_from(tbl).unwrap_or(usize::MAX),
            range: (last >= 0).then_some((lo, hi, last == 1)),
            done: false,
        };
        let range = match chunk_range(plan, &chunk) {
            Ok(r) => r,
            Err(e) => {
                let _ = target.execute("claim", "ROLLBACK");
                return Err(e);
            }
        };
        run.chunk(source, target.as_mut(), unit, chunk.table, range.as_ref())?;
    }
}

/// A claim that failed because the state is gone: another worker found every chunk done,
/// ran the post-data phase and dropped the state between this thread's last chunk and its
/// next claim. Nothing is left to do; any other failure stands.
fn finished_by_others(target: &mut dyn Target, error: LoadError) -> Result<(), LoadError> {
    match state::read(target) {
        Ok(None) => Ok(()),
        _ => Err(error),
    }
}

/// The first worker to find every chunk done runs the post-data phase and drops the state;
/// the others find it gone, or find chunks still being loaded and leave them to their owners.
fn finish(
    target: &mut Box<dyn Target>,
    plan: &Plan,
    opts: &LoadOptions,
) -> Result<Vec<Orphans>, LoadError> {
    let Some(st) = state::read(target.as_mut())? else {
        return Ok(Vec::new());
    };
    if st.phase == state::Phase::Done || st.chunks.iter().any(|c| !c.done) {
        return Ok(Vec::new());
    }
    if st.phase == state::Phase::Data {
        target.execute("state", &state::phase_sql(state::Phase::PostData))?;
    }
    super::post::post_data(target, plan, Some(st), opts)
}
