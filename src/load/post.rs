//! The phase after the data: rows that would break a foreign key (orphans) are counted and
//! dealt with; the post-data DDL and the views run as steps recorded in the load state
//! (`state.rs`), so that a resumed load runs only those not done.
//!
//! The steps run in waves, chosen by each step's kind (`plan::StepKind`), never by its text.
//! First the indexes, unique and check constraints, in parallel over `jobs` connections (each
//! touches one table: they wait for each other's locks at worst and cannot deadlock); then the
//! foreign keys, in parallel too but never two at once that share a table (each locks the two
//! tables its step names: two sharing one could deadlock); then, one at a time and in the plan's
//! order, the rest (comments, routines, triggers, settings); then the views.

use std::sync::Mutex;

use super::{
    LoadError, LoadOptions, Orphans, Target, after_lost_target, open_target, orphan_count_sql,
    orphan_delete_sql, state,
};
use crate::conn::Endpoint;
use crate::plan::{OrphanPolicy, Plan, Preparation, StepKind};

/// Whether the target checks the existing rows when it creates a foreign key (PostgreSQL): then
/// a key's orphans are counted only when creating it fails (`foreign_key_step`), instead of
/// reading every referencing table once more before the keys. MySQL and SQLite targets take
/// the keys without checking (the load turned the checks off), so their orphans are counted
/// first (`settle_orphans`).
fn checks_keys_itself(plan: &Plan) -> bool {
    matches!(plan.target, Endpoint::Postgres(_))
}

/// Counts the rows that break each foreign key (over `jobs` connections: each count reads a
/// whole table), then does what the plan says with them. Nothing to do where the target checks
/// the rows itself.
fn settle_orphans(target: &mut dyn Target, plan: &Plan) -> Result<Vec<Orphans>, LoadError> {
    if checks_keys_itself(plan) {
        return Ok(Vec::new());
    }
    let keys: Vec<_> = plan
        .tables
        .iter()
        .flat_map(|t| t.foreign_keys.iter().map(move |fk| (t, fk)))
        .collect();
    let counts = over_connections(target, plan, keys.clone(), &|target, (t, fk)| {
        target.count(&orphan_count_sql(&t.target, fk))
    })?;
    let mut found = Vec::new();
    for ((t, fk), rows) in keys.into_iter().zip(counts) {
        if rows > 0 {
            found.push(Orphans {
                table: t.source.to_string(),
                target_table: t.target.clone(),
                constraint: fk.describe.clone(),
                rows,
                deleted: false,
            });
        }
    }
    match plan.settings.orphans {
        _ if found.is_empty() => {}
        OrphanPolicy::Abort => {
            return Err(orphans_stop(
                &found,
                "the foreign keys and later DDL are not",
            ));
        }
        OrphanPolicy::Delete => {
            for (t, fk) in plan
                .tables
                .iter()
                .flat_map(|t| t.foreign_keys.iter().map(move |fk| (t, fk)))
            {
                if found.iter().any(|o| o.constraint == fk.describe) {
                    target.run("orphan delete", &[orphan_delete_sql(&t.target, fk)])?;
                }
            }
            for o in &mut found {
                o.deleted = true;
            }
        }
        OrphanPolicy::NotValid => {}
    }
    Ok(found)
}

/// The error of `--orphans abort`: which keys the rows break, and what is loaded.
fn orphans_stop(found: &[Orphans], not_loaded: &str) -> LoadError {
    let list: Vec<String> = found
        .iter()
        .map(|o| format!("  {} rows break {}", o.rows, o.constraint))
        .collect();
    LoadError::state(format!(
        "rows match no referenced row, so these foreign keys cannot be created:\n{}\n\
         The data is loaded, {not_loaded}: rerun with \
         --orphans delete or --orphans not-valid (and --prepare drop-and-create).",
        list.join("\n")
    ))
}

/// Runs a foreign key step on a target that checks the existing rows itself. When creating the
/// key fails and rows of its table break it, they are counted and dealt with as the plan says
/// (deleted and the key created; the key created `NOT VALID`; or, with `abort`, the key left
/// out), and recorded in `found`. Any other failure is the step's error.
fn foreign_key_step(
    target: &mut dyn Target,
    plan: &Plan,
    step: &Step,
    started: &[i64],
    found: &Mutex<Vec<Orphans>>,
) -> Result<(), LoadError> {
    let Some(tables) = step.tables() else {
        return run_step(target, step, started);
    };
    let settings: &[&str] = if probes_by_index(plan, tables) {
        &PROBE_BY_INDEX
    } else {
        &[]
    };
    let Err(error) = run_step_after(target, step, started, settings) else {
        return Ok(());
    };
    let mut broken = Vec::new();
    for (t, fk) in keys_of_step(plan, tables) {
        let rows = target.count(&orphan_count_sql(&t.target, fk))?;
        if rows > 0 {
            broken.push((t, fk, rows));
        }
    }
    if broken.is_empty() {
        return Err(error);
    }
    // The first attempt recorded the step as begun.
    let begun = [step.number];
    let deleted = plan.settings.orphans == OrphanPolicy::Delete;
    match plan.settings.orphans {
        OrphanPolicy::Abort => {}
        OrphanPolicy::Delete => {
            for (t, fk, _) in &broken {
                target.run("orphan delete", &[orphan_delete_sql(&t.target, fk)])?;
            }
            run_step_after(target, step, &begun, settings)?;
        }
        OrphanPolicy::NotValid => {
            let sql = format!("{} NOT VALID", step.sql.trim_end().trim_end_matches(';'));
            let not_valid = Step {
                sql,
                kind: step.kind.clone(),
                ..*step
            };
            run_step(target, &not_valid, &begun)?;
        }
    }
    found
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .extend(broken.into_iter().map(|(t, fk, rows)| Orphans {
            table: t.source.to_string(),
            target_table: t.target.clone(),
            constraint: fk.describe.clone(),
            rows,
            deleted,
        }));
    Ok(())
}

/// PostgreSQL checks a new foreign key's rows with one anti join of the two tables, and its
/// planner hashes the whole referenced table for it, whatever the sizes. When the referencing
/// table has far fewer rows (the plan's estimates), probing the referenced key's unique index
/// once per row is faster: measured on PostgreSQL 15, 100k attachments against 5M orders took
/// 0.69 s instead of 1.45 s. Hash and merge joins are then turned off for the key's
/// transaction only (`SET LOCAL`, https://www.postgresql.org/docs/15/runtime-config-query.html),
/// which leaves the nested loop over that index.
const PROBE_BY_INDEX: [&str; 2] = [
    "SET LOCAL enable_hashjoin = off",
    "SET LOCAL enable_mergejoin = off",
];

/// Referencing rows at most this share of the referenced ones are checked by index probes (a
/// probe costs about 20 times a hash-table insert, measured as above).
const PROBE_RATIO: u64 = 20;

fn probes_by_index(plan: &Plan, [child, parent]: [&str; 2]) -> bool {
    let rows = |name: &str| {
        plan.tables
            .iter()
            .find(|t| t.target == name)
            .and_then(|t| t.estimated_rows)
    };
    matches!((rows(child), rows(parent)),
        (Some(c), Some(p)) if c.saturating_mul(PROBE_RATIO) <= p)
}

/// The plan's foreign keys that a foreign key step may create: those of its table that
/// reference its referenced table (all of its table's when none match by that name).
fn keys_of_step<'p>(
    plan: &'p Plan,
    [child, parent]: [&str; 2],
) -> Vec<(&'p crate::plan::TablePlan, &'p crate::plan::ForeignKeyPlan)> {
    let of_child: Vec<_> = plan
        .tables
        .iter()
        .filter(|t| t.target == child)
        .flat_map(|t| t.foreign_keys.iter().map(move |fk| (t, fk)))
        .collect();
    let to_parent: Vec<_> = of_child
        .iter()
        .copied()
        .filter(|(_, fk)| fk.ref_table == parent)
        .collect();
    if to_parent.is_empty() {
        of_child
    } else {
        to_parent
    }
}

/// One post-data or view statement, numbered in the plan's order (its step in the state).
struct Step {
    number: i64,
    what: &'static str,
    kind: StepKind,
    sql: String,
}

impl Step {
    /// Whether the step touches one table only (an index, a unique or check constraint), so
    /// that it can run beside others.
    fn one_table(&self) -> bool {
        matches!(
            self.kind,
            StepKind::Index | StepKind::Unique | StepKind::Check
        )
    }

    /// A foreign key's two tables (its own, the referenced), which its creation locks; None
    /// for other steps.
    fn tables(&self) -> Option<[&str; 2]> {
        match &self.kind {
            StepKind::ForeignKey { table, references } => Some([table, references]),
            _ => None,
        }
    }
}

/// Runs the post-data DDL and the views (when the load created the tables), then the engine's
/// own finishing work. Where the target checks a foreign key's rows itself, a key that its rows
/// break is dealt with as `--orphans` says (`foreign_key_step`) and added to `found`. Steps an
/// interrupted load ran are not run again; a step it began but did not record may have run
/// where DDL commits by itself (MySQL): run again, its "already exists" error means it had.
fn finish(
    target: &mut dyn Target,
    plan: &Plan,
    saved: Option<&state::State>,
    found: &Mutex<Vec<Orphans>>,
) -> Result<(), LoadError> {
    let (done, started) = saved.map_or((&[][..], &[][..]), |s| {
        (&s.steps_done[..], &s.steps_started[..])
    });
    if matches!(
        plan.settings.prepare,
        Preparation::Create | Preparation::DropAndCreate
    ) {
        let post = plan.post_data.iter().map(|s| ("post-data", s));
        let views = plan.views.iter().map(|s| ("view", s));
        let steps: Vec<Step> = (0i64..)
            .zip(post.chain(views))
            .filter(|(number, _)| !done.contains(number))
            .map(|(number, (what, s))| Step {
                number,
                what,
                kind: s.kind.clone(),
                sql: s.sql.clone(),
            })
            .collect();
        let (side_by_side, in_order): (Vec<Step>, Vec<Step>) =
            steps.into_iter().partition(Step::one_table);
        in_parallel(target, plan, side_by_side, started)?;
        let (foreign_keys, in_order): (Vec<Step>, Vec<Step>) =
            in_order.into_iter().partition(|s| s.tables().is_some());
        let checks_itself = checks_keys_itself(plan);
        foreign_keys_in_parallel(target, plan, foreign_keys, &|t, step| {
            if checks_itself {
                foreign_key_step(t, plan, step, started, found)
            } else {
                run_step(t, step, started)
            }
        })?;
        let found = found.lock().unwrap_or_else(|p| p.into_inner());
        if plan.settings.orphans == OrphanPolicy::Abort && !found.is_empty() {
            return Err(orphans_stop(
                &found,
                "as are its indexes and the other foreign keys; these keys and later DDL are not",
            ));
        }
        drop(found);
        for step in &in_order {
            run_step(target, step, started)?;
        }
    }
    target.after_load(plan)
}

/// Runs the foreign key steps over up to `jobs` connections, never two at once that share a
/// table: each locks its two tables, and two that lock the same ones in opposite orders could
/// deadlock. A step that names no two tables (none does: the caller passes foreign keys) runs
/// alone.
fn foreign_keys_in_parallel(
    target: &mut dyn Target,
    plan: &Plan,
    steps: Vec<Step>,
    run: &(dyn Fn(&mut dyn Target, &Step) -> Result<(), LoadError> + Sync),
) -> Result<(), LoadError> {
    if steps.is_empty() {
        return Ok(());
    }
    let slots: Vec<()> = vec![(); plan.settings.jobs.clamp(1, steps.len())];
    /// The steps not begun, and the tables of the running ones (None: one runs alone).
    struct Board {
        waiting: Vec<(Step, Option<[String; 2]>)>,
        busy: Vec<Option<[String; 2]>>,
    }
    let board = Mutex::new(Board {
        waiting: steps
            .into_iter()
            .map(|s| {
                let tables = s.tables().map(|t| t.map(str::to_string));
                (s, tables)
            })
            .collect(),
        busy: Vec::new(),
    });
    let turn = std::sync::Condvar::new();
    let free = |busy: &[Option<[String; 2]>], tables: &Option<[String; 2]>| match tables {
        None => busy.is_empty(),
        Some(t) => busy
            .iter()
            .all(|b| b.as_ref().is_some_and(|b| !t.iter().any(|x| b.contains(x)))),
    };
    over_connections(target, plan, slots, &|target, ()| {
        loop {
            let mut b = board.lock().unwrap_or_else(|p| p.into_inner());
            let (step, tables) = loop {
                if b.waiting.is_empty() {
                    return Ok(());
                }
                match b.waiting.iter().position(|(_, t)| free(&b.busy, t)) {
                    Some(i) => break b.waiting.remove(i),
                    None => b = turn.wait(b).unwrap_or_else(|p| p.into_inner()),
                }
            };
            b.busy.push(tables.clone());
            drop(b);
            let result = run(target, &step);
            let mut b = board.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(i) = b.busy.iter().position(|t| *t == tables) {
                b.busy.remove(i);
            }
            if result.is_err() {
                // The others stop taking steps: the load stops with this error.
                b.waiting.clear();
            }
            drop(b);
            turn.notify_all();
            result?;
        }
    })
    .map(|_| ())
}

/// Runs steps over up to `jobs` connections.
fn in_parallel(
    target: &mut dyn Target,
    plan: &Plan,
    steps: Vec<Step>,
    started: &[i64],
) -> Result<(), LoadError> {
    over_connections(target, plan, steps, &|t, step| run_step(t, step, started)).map(|_| ())
}

/// Calls `each` for every item over up to `jobs` connections (this one and new ones; one on
/// SQLite), the items taken in order from a queue; the results in the items' order. The first
/// error stops the rest.
fn over_connections<T: Sync, R: Send>(
    target: &mut dyn Target,
    plan: &Plan,
    items: Vec<T>,
    each: &(dyn Fn(&mut dyn Target, &T) -> Result<R, LoadError> + Sync),
) -> Result<Vec<R>, LoadError> {
    let jobs = match plan.target {
        Endpoint::Sqlite { .. } => 1,
        _ => plan.settings.jobs.clamp(1, items.len().max(1)),
    };
    let queue = Mutex::new(items.iter().enumerate());
    let results: Mutex<Vec<Option<R>>> = Mutex::new(items.iter().map(|_| None).collect());
    let failure: Mutex<Option<LoadError>> = Mutex::new(None);
    let work = |target: &mut dyn Target| -> Result<(), LoadError> {
        loop {
            if failure.lock().unwrap_or_else(|p| p.into_inner()).is_some() {
                return Ok(());
            }
            let next = queue.lock().unwrap_or_else(|p| p.into_inner()).next();
            let Some((i, item)) = next else { return Ok(()) };
            let r = each(target, item)?;
            results.lock().unwrap_or_else(|p| p.into_inner())[i] = Some(r);
        }
    };
    let fail = |e: LoadError| {
        failure
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get_or_insert(e);
    };
    std::thread::scope(|scope| {
        for _ in 1..jobs {
            scope.spawn(|| {
                if let Err(e) = open_target(&plan.target, plan.settings.timeouts())
                    .and_then(|mut t| work(t.as_mut()))
                {
                    fail(e);
                }
            });
        }
        if let Err(e) = work(target) {
            fail(e);
        }
    });
    if let Some(e) = failure.into_inner().unwrap_or_else(|p| p.into_inner()) {
        return Err(e);
    }
    results
        .into_inner()
        .unwrap_or_else(|p| p.into_inner())
        .into_iter()
        .map(|r| r.ok_or_else(|| LoadError::state("a parallel step did not run")))
        .collect()
}

/// One step: recorded as begun, then run with its `done` mark in one transaction.
fn run_step(target: &mut dyn Target, step: &Step, started: &[i64]) -> Result<(), LoadError> {
    run_step_after(target, step, started, &[])
}

/// `run_step`, with `settings` (`SET LOCAL ...`) first in the step's transaction.
fn run_step_after(
    target: &mut dyn Target,
    step: &Step,
    started: &[i64],
    settings: &[&str],
) -> Result<(), LoadError> {
    let was_started = started.contains(&step.number);
    if !was_started {
        target.execute("state", &state::step_started_sql(step.number))?;
    }
    let mut statements: Vec<String> = settings.iter().map(|s| s.to_string()).collect();
    statements.push(step.sql.clone());
    statements.push(state::step_done_sql(step.number));
    match state::in_transaction(target, step.what, &statements) {
        Ok(()) => Ok(()),
        Err(e) if was_started && target.applied_already(&e) => {
            target.execute("state", &state::step_done_sql(step.number))
        }
        Err(e) => Err(e),
    }
}

/// The phase after the data: orphans, post-data DDL and views (carrying on after a lost
/// target), then the state is dropped or, with `--keep-state`, marked done.
pub(super) fn post_data(
    target: &mut Box<dyn Target>,
    plan: &Plan,
    mut saved: Option<state::State>,
    opts: &LoadOptions,
) -> Result<Vec<Orphans>, LoadError> {
    // Orphans found by the keys themselves stay found when a lost target makes the phase start
    // again (their steps are done then); those counted first are counted again.
    let by_keys = Mutex::new(Vec::new());
    let mut counted = Vec::new();
    for attempt in 0.. {
        let done = settle_orphans(target.as_mut(), plan).and_then(|found| {
            counted = found;
            finish(target.as_mut(), plan, saved.as_ref(), &by_keys)
        });
        let Err(e) = done else { break };
        match after_lost_target(target, plan, &e, attempt, opts.quiet)? {
            Some(again) => saved = Some(again),
            None => return Err(e),
        }
    }
    if opts.keep_state {
        target.execute("state", &state::phase_sql(state::Phase::Done))?;
    } else {
        let drop = target.drop_sql(state::TABLE);
        target.run("state", &[drop])?;
    }
    counted.extend(by_keys.into_inner().unwrap_or_else(|p| p.into_inner()));
    Ok(counted)
}
