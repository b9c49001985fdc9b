//! The phase after the data: rows that would break a foreign key (orphans) are counted and
//! dealt with; the post-data DDL and the views run as steps recorded in the load state
//! (`state.rs`), so that a resumed load runs only those not done.
//!
//! The steps run in waves. First the indexes, unique and check constraints, in parallel over
//! `jobs` connections (each touches one table: they wait for each other's locks at worst and
//! cannot deadlock); then the foreign keys, in parallel too but never two at once that share a
//! table (each locks two tables: two sharing one could deadlock); then, one at a time and in the
//! plan's order, comments, triggers and routines; then the views.

use std::sync::Mutex;

use super::{
    LoadError, LoadOptions, Orphans, Target, after_lost_target, open_target, orphan_count_sql,
    orphan_delete_sql, state,
};
use crate::conn::Endpoint;
use crate::plan::{OrphanPolicy, Plan, Preparation};

/// Counts the rows that break each foreign key (over `jobs` connections: each count reads a
/// whole table), then does what the plan says with them.
fn settle_orphans(target: &mut dyn Target, plan: &Plan) -> Result<Vec<Orphans>, LoadError> {
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
            let list: Vec<String> = found
                .iter()
                .map(|o| format!("  {} rows break {}", o.rows, o.constraint))
                .collect();
            return Err(LoadError(format!(
                "rows match no referenced row, so these foreign keys cannot be created:\n{}\n\
                 The data is loaded, the foreign keys and later DDL are not: rerun with \
                 --orphans delete or --orphans not-valid (and --prepare drop-and-create).",
                list.join("\n")
            )));
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

/// One post-data or view statement, numbered in the plan's order (its step in the state).
struct Step {
    number: i64,
    what: &'static str,
    sql: String,
}

/// Whether a statement touches one table only (an index, a unique or check constraint), so
/// that it can run beside others.
fn one_table(sql: &str) -> bool {
    let head = sql.trim_start();
    head.starts_with("CREATE INDEX ")
        || head.starts_with("CREATE UNIQUE INDEX ")
        || (head.starts_with("ALTER TABLE ")
            && !sql.contains(" FOREIGN KEY ")
            && (sql.contains(" UNIQUE (") || sql.contains(" CHECK ")))
}

/// Runs the post-data DDL and the views (when the load created the tables), then the engine's
/// own finishing work. Foreign keys of tables with orphans kept are created NOT VALID where
/// the engine would otherwise check the existing rows (PostgreSQL). Steps an interrupted load
/// ran are not run again; a step it began but did not record may have run where DDL commits
/// by itself (MySQL): run again, its "already exists" error means it had.
fn finish(
    target: &mut dyn Target,
    plan: &Plan,
    orphans: &[Orphans],
    saved: Option<&state::State>,
) -> Result<(), LoadError> {
    let (done, started) = saved.map_or((&[][..], &[][..]), |s| {
        (&s.steps_done[..], &s.steps_started[..])
    });
    if matches!(
        plan.settings.prepare,
        Preparation::Create | Preparation::DropAndCreate
    ) {
        let post = plan.post_data.iter().map(|sql| {
            let keeps_orphans = orphans.iter().any(|o| {
                !o.deleted && sql.starts_with(&format!("ALTER TABLE {} ", o.target_table))
            });
            if keeps_orphans
                && sql.contains(" FOREIGN KEY ")
                && matches!(plan.target, Endpoint::Postgres(_))
            {
                (
                    "post-data",
                    format!("{} NOT VALID", sql.trim_end().trim_end_matches(';')),
                )
            } else {
                ("post-data", sql.clone())
            }
        });
        let views = plan.views.iter().map(|sql| ("view", sql.clone()));
        let steps: Vec<Step> = (0i64..)
            .zip(post.chain(views))
            .filter(|(number, _)| !done.contains(number))
            .map(|(number, (what, sql))| Step { number, what, sql })
            .collect();
        let (side_by_side, in_order): (Vec<Step>, Vec<Step>) = steps
            .into_iter()
            .partition(|s| s.what == "post-data" && one_table(&s.sql));
        in_parallel(target, plan, side_by_side, started)?;
        let (foreign_keys, in_order): (Vec<Step>, Vec<Step>) = in_order
            .into_iter()
            .partition(|s| s.what == "post-data" && s.sql.contains(" FOREIGN KEY "));
        foreign_keys_in_parallel(target, plan, foreign_keys, started)?;
        for step in &in_order {
            run_step(target, step, started)?;
        }
    }
    target.after_load(plan)
}

/// The two tables a foreign key statement locks (`ALTER TABLE child ADD CONSTRAINT ... FOREIGN
/// KEY (...) REFERENCES parent (...)`, as the emitters print it), None when the text does not
/// say plainly.
fn fk_tables(sql: &str) -> Option<[String; 2]> {
    let rest = sql.trim_start().strip_prefix("ALTER TABLE ")?;
    let child = &rest[..rest.find(" ADD ")?];
    let after = &rest[rest.find(" REFERENCES ")? + " REFERENCES ".len()..];
    let parent = &after[..after.find(" (").or_else(|| after.find('('))?];
    Some([child.trim().to_string(), parent.trim().to_string()])
}

/// Runs the foreign key steps over up to `jobs` connections, never two at once that share a
/// table: each locks its two tables, and two that lock the same ones in opposite orders could
/// deadlock. A step whose tables ferry cannot read runs alone.
fn foreign_keys_in_parallel(
    target: &mut dyn Target,
    plan: &Plan,
    steps: Vec<Step>,
    started: &[i64],
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
                let tables = fk_tables(&s.sql);
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
            let result = run_step(target, &step, started);
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
                if let Err(e) = open_target(&plan.target).and_then(|mut t| work(t.as_mut())) {
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
        .map(|r| r.ok_or_else(|| LoadError("a parallel step did not run".to_string())))
        .collect()
}

/// One step: recorded as begun, then run with its `done` mark in one transaction.
fn run_step(target: &mut dyn Target, step: &Step, started: &[i64]) -> Result<(), LoadError> {
    let was_started = started.contains(&step.number);
    if !was_started {
        target.execute("state", &state::step_started_sql(step.number))?;
    }
    match state::in_transaction(
        target,
        step.what,
        &[step.sql.clone(), state::step_done_sql(step.number)],
    ) {
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
    let mut orphans = Vec::new();
    for attempt in 0.. {
        let done = settle_orphans(target.as_mut(), plan).and_then(|found| {
            orphans = found;
            finish(target.as_mut(), plan, &orphans, saved.as_ref())
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
    Ok(orphans)
}

#[cfg(test)]
mod tests {
    use super::fk_tables;

    #[test]
    fn a_foreign_key_names_its_two_tables() {
        let t = |a: &str, b: &str| Some([a.to_string(), b.to_string()]);
        assert_eq!(
            fk_tables(
                "ALTER TABLE orders ADD CONSTRAINT fk_c FOREIGN KEY (customer_id) REFERENCES customers (id)"
            ),
            t("orders", "customers")
        );
        assert_eq!(
            fk_tables(
                "ALTER TABLE \"Order Lines\" ADD CONSTRAINT x FOREIGN KEY (a, b) REFERENCES public.\"Order\" (a, b) ON DELETE CASCADE NOT VALID"
            ),
            t("\"Order Lines\"", "public.\"Order\"")
        );
        assert_eq!(
            fk_tables("ALTER TABLE `t` ADD CONSTRAINT `f` FOREIGN KEY (`p`) REFERENCES `t`(`id`)"),
            t("`t`", "`t`")
        );
        assert_eq!(fk_tables("COMMENT ON TABLE t IS 'x'"), None);
    }
}
