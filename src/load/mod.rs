//! The data mover: reads rows from the plan's source (a dump file or a SQLite file today),
//! shapes each row for its target table (column order, types from text, the plan's transforms),
//! and writes it into the target (SQLite today), then runs the post-data DDL and reports per
//! table. Memory is bounded by the batch size: no table is ever held whole.
//!
//! Order of a load: prepare the target (create / drop_and_create / truncate / do_nothing) and run
//! the pre-data DDL; move the data; count the rows that would break each foreign key (orphans);
//! run the post-data DDL and the views.

pub mod dump;
pub mod mysql;
pub mod pg_source;
pub mod postgres;
pub mod rejects;
pub mod sqlite;

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use serde::Serialize;

use crate::conn::Endpoint;
use crate::ir::Name;
use crate::plan::{ForeignKeyPlan, OnError, OrphanPolicy, Plan, Preparation, TablePlan};
use crate::transform::Applied;
use crate::value::{Row, Value};
use rejects::Rejects;

/// A load that cannot go on; the message names the table, row key or statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError(pub String);

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

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
    /// Engine work after the data and post-data: sequences set past the loaded keys.
    fn after_load(&mut self, plan: &Plan) -> Result<(), LoadError>;
    /// For messages: the database, without a password.
    fn describe(&self) -> String;
}

/// Prepares the target's tables per the plan's settings and runs the pre-data DDL.
fn prepare(target: &mut dyn Target, plan: &Plan) -> Result<(), LoadError> {
    match plan.settings.prepare {
        Preparation::Create => {
            for t in &plan.tables {
                if target.table_exists(&t.target)? {
                    return Err(LoadError(format!(
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

/// Counts the rows that break each foreign key, then does what the plan says with them.
fn settle_orphans(target: &mut dyn Target, plan: &Plan) -> Result<Vec<Orphans>, LoadError> {
    let mut found = Vec::new();
    for t in &plan.tables {
        for fk in &t.foreign_keys {
            let rows = target.count(&orphan_count_sql(&t.target, fk))?;
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

/// Runs the post-data DDL and the views (when the load created the tables), then the engine's
/// own finishing work. Foreign keys of tables with orphans kept are created NOT VALID where
/// the engine would otherwise check the existing rows (PostgreSQL).
fn finish(target: &mut dyn Target, plan: &Plan, orphans: &[Orphans]) -> Result<(), LoadError> {
    if matches!(
        plan.settings.prepare,
        Preparation::Create | Preparation::DropAndCreate
    ) {
        let post: Vec<String> = plan
            .post_data
            .iter()
            .map(|sql| {
                let keeps_orphans = orphans.iter().any(|o| {
                    !o.deleted && sql.starts_with(&format!("ALTER TABLE {} ", o.target_table))
                });
                if keeps_orphans
                    && sql.contains(" FOREIGN KEY ")
                    && matches!(plan.target, Endpoint::Postgres(_))
                {
                    format!("{} NOT VALID", sql.trim_end().trim_end_matches(';'))
                } else {
                    sql.clone()
                }
            })
            .collect();
        target.run("post-data", &post)?;
        target.run("view", &plan.views)?;
    }
    target.after_load(plan)
}

/// Options of one load run that are not part of the plan.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// No progress lines on standard error.
    pub quiet: bool,
}

/// A connection to the plan's target.
fn open_target(target: &Endpoint) -> Result<Box<dyn Target>, LoadError> {
    match target {
        Endpoint::Sqlite { path } => Ok(Box::new(sqlite::SqliteTarget::open(path)?)),
        Endpoint::Postgres(server) => Ok(Box::new(postgres::PgTarget::open(server)?)),
        Endpoint::Mysql(server) => Ok(Box::new(mysql::MysqlTarget::open(server)?)),
        Endpoint::Dump { path, .. } => Err(LoadError(format!(
            "{}: a dump file cannot be a target; load into sqlite:FILE, postgres:// or mysql://",
            path.display()
        ))),
    }
}

/// Runs the plan: the whole load, from preparing the target to the views.
pub fn load(plan: &Plan, opts: &LoadOptions) -> Result<Summary, LoadError> {
    let started = Instant::now();
    let mut target = open_target(&plan.target)?;
    let rejects = Rejects::open(plan.settings.reject_file.as_deref())?;
    prepare(target.as_mut(), plan)?;
    let stats: Vec<TableStats> = plan
        .tables
        .iter()
        .map(|t| TableStats {
            table: t.source.to_string(),
            ..TableStats::default()
        })
        .collect();
    let run = Run {
        plan,
        rejects: &rejects,
        skipped: Mutex::new(Default::default()),
        stats: Mutex::new(stats),
        progress: Mutex::new(Progress::new(opts.quiet)),
    };
    let moved = match &plan.source {
        Endpoint::Dump { path, dialect } => run.dump(target.as_mut(), path, *dialect),
        _ => run.tables_in_parallel(),
    };
    run.progress
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .finish();
    let stats = run.stats.into_inner().unwrap_or_else(|p| p.into_inner());
    if let Err(e) = moved {
        let _ = rejects.finish();
        let written: u64 = stats.iter().map(|s| s.rows_written).sum();
        return Err(LoadError(format!(
            "{e}\nThe load stopped: {written} rows had been written, so the target is incomplete \
             (rerun with --prepare drop-and-create, or truncate)."
        )));
    }
    let orphans = settle_orphans(target.as_mut(), plan)?;
    finish(target.as_mut(), plan, &orphans)?;
    rejects.finish()?;
    Ok(Summary {
        tables: stats,
        orphans,
        not_loaded: run
            .skipped
            .into_inner()
            .unwrap_or_else(|p| p.into_inner())
            .into_iter()
            .collect(),
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// One load's shared state: the parallel workers update the counts and progress through it.
struct Run<'a> {
    plan: &'a Plan,
    rejects: &'a Rejects,
    /// Rows of a dump for tables the plan does not load, by table.
    skipped: Mutex<std::collections::BTreeMap<String, u64>>,
    stats: Mutex<Vec<TableStats>>,
    progress: Mutex<Progress>,
}

impl Run<'_> {
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

    /// A dump is one stream: rows go to their tables in the order the dump holds them.
    fn dump(
        &self,
        target: &mut dyn Target,
        path: &std::path::Path,
        dialect: crate::dialect::Dialect,
    ) -> Result<(), LoadError> {
        let plan = self.plan;
        let file = std::fs::File::open(path)
            .map_err(|e| LoadError(format!("cannot read {}: {e}", path.display())))?;
        let mut reader = dump::DumpReader::new(file, dialect);
        let index = TableIndex::new(plan);
        loop {
            let batch = reader
                .next_batch(plan.settings.batch_size)
                .map_err(|e| LoadError(format!("{}: {e}", path.display())))?;
            let Some(batch) = batch else { break };
            let Some(ti) = index.find(&batch.table) else {
                // Rows of a table the plan does not load (not converted, or left out): counted
                // and reported, never dropped in silence.
                let mut skipped = self.skipped.lock().unwrap_or_else(|p| p.into_inner());
                *skipped.entry(batch.table.to_string()).or_default() += batch.rows.len() as u64;
                continue;
            };
            let (shape, table) =
                Shape::new(&plan.tables[ti], batch.columns.as_deref()).map_err(|e| {
                    LoadError(format!(
                        "{}:{}: table {}: {e}",
                        path.display(),
                        batch.line,
                        plan.tables[ti].source
                    ))
                })?;
            let t0 = Instant::now();
            let mut st = TableStats::default();
            let result = move_rows(
                target,
                &table,
                &shape,
                batch.rows,
                plan.settings.on_error,
                self.rejects,
                &mut st,
            );
            st.seconds = t0.elapsed().as_secs_f64();
            self.add(ti, &st);
            result?;
        }
        Ok(())
    }

    /// Database sources: `jobs` workers, each with its own source and target connections,
    /// take tables from a queue. A PostgreSQL source's workers share one exported snapshot.
    /// SQLite takes one writer at a time, so it gets one worker.
    fn tables_in_parallel(&self) -> Result<(), LoadError> {
        let plan = self.plan;
        // The first source connection holds the snapshot the others import.
        let first = open_source(&plan.source, None)?;
        let snapshot = first.snapshot()?;
        let mut work = std::collections::VecDeque::new();
        for (ti, table) in plan.tables.iter().enumerate() {
            match first.key_bounds(table)? {
                Some(b) if b.rows > plan.settings.chunk_rows => {
                    for range in b.chunks(plan.settings.chunk_rows) {
                        work.push_back((ti, Some(range)));
                    }
                }
                _ => work.push_back((ti, None)),
            }
        }
        let jobs = match plan.target {
            Endpoint::Sqlite { .. } => 1,
            _ => plan.settings.jobs.clamp(1, work.len().max(1)),
        };
        let queue = Mutex::new(work);
        let failure: Mutex<Option<LoadError>> = Mutex::new(None);
        let worker = |source: Option<Box<dyn RowSource>>| {
            let result = (|| -> Result<(), LoadError> {
                let source = match source {
                    Some(s) => s,
                    None => open_source(&plan.source, snapshot.as_deref())?,
                };
                let mut target = open_target(&plan.target)?;
                loop {
                    if failure.lock().unwrap_or_else(|p| p.into_inner()).is_some() {
                        return Ok(());
                    }
                    let next = queue.lock().unwrap_or_else(|p| p.into_inner()).pop_front();
                    let Some((ti, range)) = next else {
                        return Ok(());
                    };
                    let table = &plan.tables[ti];
                    let shape = Shape::identity(table);
                    let batch = plan.settings.batch_size;
                    source.for_each_batch(table, range.as_ref(), batch, &mut |rows| {
                        let t0 = Instant::now();
                        let mut st = TableStats::default();
                        let r = move_rows(
                            target.as_mut(),
                            table,
                            &shape,
                            rows,
                            plan.settings.on_error,
                            self.rejects,
                            &mut st,
                        );
                        st.seconds = t0.elapsed().as_secs_f64();
                        self.add(ti, &st);
                        r
                    })?;
                }
            })();
            if let Err(e) = result {
                failure
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .get_or_insert(e);
            }
        };
        std::thread::scope(|scope| {
            for _ in 1..jobs {
                scope.spawn(|| worker(None));
            }
            worker(Some(first));
        });
        match failure.into_inner().unwrap_or_else(|p| p.into_inner()) {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
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
    /// The condition in SQL, with the column quoted by `quote`.
    pub fn condition(&self, quote: impl Fn(&str) -> String) -> String {
        let c = quote(&self.column);
        let op = if self.last { "<=" } else { "<" };
        format!("{c} >= {} AND {c} {op} {}", self.lo, self.hi)
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

/// A database source, read table by table (dumps are read in their own order instead);
/// `snapshot` is one to import (see `RowSource::snapshot`).
pub(crate) fn open_source(
    source: &Endpoint,
    snapshot: Option<&str>,
) -> Result<Box<dyn RowSource>, LoadError> {
    match source {
        Endpoint::Sqlite { path } => Ok(Box::new(sqlite::SqliteSource::open(path)?)),
        Endpoint::Postgres(server) => Ok(Box::new(pg_source::PgSource::open(server, snapshot)?)),
        Endpoint::Mysql(server) => Ok(Box::new(mysql::MysqlSource::open(server)?)),
        other => Err(LoadError(format!(
            "reading from {other} is not supported yet: the sources today are dump files, SQLite files and PostgreSQL"
        ))),
    }
}

/// One attempt to write rows: Err is the engine's reason and, when known, the refused row.
pub type Attempt<'a> = dyn FnMut(&[&Row]) -> Result<(), (String, Option<usize>)> + 'a;

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
        Err((reason, at)) => {
            // With the refused row known, abort at once; otherwise split to find it (the rows
            // found good on the way are written, and the message says so).
            let known = at.and_then(|i| rows.get(i));
            if rows.len() == 1 || (on_error == OnError::Abort && known.is_some()) {
                let culprit = known.unwrap_or(&rows[0]);
                let key = sqlite::row_key(table, culprit);
                if on_error == OnError::Abort {
                    let batch = if rows.len() == 1 {
                        "rows of its batch found good before it were written"
                    } else {
                        "this batch was not written"
                    };
                    return Err(LoadError(format!(
                        "table {}, {key}: {engine} refused the row: {reason}; {batch} \
                         (rerun with --on-error reject-rows to set such rows aside)",
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

/// Where each planned column's value sits in an incoming row.
pub(crate) struct Shape {
    positions: Vec<usize>,
    width: usize,
}

impl Shape {
    /// Rows already in plan order (a source read with the plan's column list).
    pub(crate) fn identity(table: &TablePlan) -> Shape {
        Shape {
            positions: (0..table.columns.len()).collect(),
            width: table.columns.len(),
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
        Ok((
            Shape {
                positions,
                width: names.len(),
            },
            table,
        ))
    }
}

/// Shapes, transforms and writes one batch; updates the table's counts.
fn move_rows(
    target: &mut dyn Target,
    table: &TablePlan,
    shape: &Shape,
    rows: Vec<Row>,
    on_error: OnError,
    rejects: &Rejects,
    stats: &mut TableStats,
) -> Result<(), LoadError> {
    let mut ready = Vec::with_capacity(rows.len());
    for row in rows {
        stats.rows_read += 1;
        match shape_row(table, shape, row, stats) {
            Ok(r) => ready.push(r),
            Err((column, value, reason)) => {
                let key = format!("row {}", stats.rows_read);
                if on_error == OnError::Abort {
                    return Err(LoadError(format!(
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
    for r in &ready {
        stats.bytes += r.iter().map(value_size).sum::<u64>();
    }
    let before = rejects.count();
    stats.rows_written += target.write(table, &ready, on_error, rejects)?;
    stats.rows_rejected += rejects.count() - before;
    Ok(())
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

/// One row in plan order, typed and transformed; Err is (column, value, reason).
pub(crate) fn shape_row(
    table: &TablePlan,
    shape: &Shape,
    row: Row,
    stats: &mut TableStats,
) -> Result<Row, (String, String, String)> {
    if row.len() != shape.width {
        return Err((
            String::from("(row)"),
            format!("{} values", row.len()),
            format!("expected {} values", shape.width),
        ));
    }
    let mut row: Vec<Option<Value>> = row.into_iter().map(Some).collect();
    let mut out = Vec::with_capacity(table.columns.len());
    for (c, &p) in table.columns.iter().zip(&shape.positions) {
        let v = row.get_mut(p).and_then(Option::take).unwrap_or(Value::Null);
        let v = match v {
            Value::Text(t) => Value::from_text(t, &c.canonical),
            other => other,
        };
        let v = match c.transform {
            Some(tr) => {
                let shown = v.display();
                match tr.apply(v) {
                    Ok((v, applied)) => {
                        match applied {
                            Applied::ZeroDateNulled => stats.zero_dates_nulled += 1,
                            Applied::NulStripped => stats.nul_stripped += 1,
                            Applied::Kept | Applied::Changed => {}
                        }
                        v
                    }
                    Err(reason) => return Err((c.source.clone(), shown, reason)),
                }
            }
            None => v,
        };
        out.push(v);
    }
    Ok(out)
}

/// Progress on standard error: on a terminal, a bar per table (rows, rate) under a total
/// line; otherwise a plain line at most every two seconds; nothing with `--quiet`.
struct Progress {
    quiet: bool,
    bars: Option<(indicatif::MultiProgress, indicatif::ProgressBar)>,
    tables: HashMap<usize, indicatif::ProgressBar>,
    last: Instant,
    started: Instant,
}

impl Progress {
    fn new(quiet: bool) -> Progress {
        use std::io::IsTerminal;
        let bars = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let multi = indicatif::MultiProgress::new();
            let total = multi.add(indicatif::ProgressBar::new_spinner());
            total.set_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} total {human_pos} rows, {per_sec}, {elapsed}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
            );
            total.enable_steady_tick(std::time::Duration::from_millis(200));
            (multi, total)
        });
        Progress {
            quiet,
            bars,
            tables: HashMap::new(),
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
            let bar = self.tables.entry(ti).or_insert_with(|| {
                let b = multi.insert_before(total_bar, indicatif::ProgressBar::new_spinner());
                b.set_style(
                    indicatif::ProgressStyle::with_template(
                        "  {prefix:32} {human_pos:>12} rows {per_sec:>14}",
                    )
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
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
        eprintln!(
            "ferry: {total} rows written, {:.0} rows/s",
            total as f64 / secs
        );
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
