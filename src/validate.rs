//! `ferry validate`: proves that what the plan moved arrived. Per table, both sides are streamed
//! (bounded memory), every row normalised to one text form per canonical type (so MySQL's
//! tinyint(1) 1 and PostgreSQL's true, a DECIMAL 1.50 and a SQLite REAL 1.5 compare equal),
//! the source through the same transforms the load applied; rows are counted and summed into an
//! order-independent checksum. Where the sums differ and the table has a single integer key,
//! the key range is bisected (a checksum per half, on both sides) down to small ranges whose
//! rows are compared one by one, and the differing keys are named with the values on each side.

use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};

use serde::Serialize;

use crate::canonical::{CanonicalType, Family};
use crate::conn::Endpoint;
use crate::load::{self, KeyBounds, KeyRange, LoadError, RowSource, Shape, TableStats, chunk_key};
use crate::plan::{ColumnPlan, Plan, TablePlan, target_name};
use crate::value::{Row, TextKind, Value};

/// Ranges this small are compared row by row.
const LEAF_KEYS: i64 = 64;

#[derive(Clone, Debug, Serialize)]
pub struct KeyDiff {
    pub key: String,
    /// The normalised row on each side; `None` where the row is missing.
    pub source: Option<String>,
    pub target: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct TableResult {
    pub table: String,
    pub source_rows: u64,
    pub target_rows: u64,
    pub source_checksum: String,
    pub target_checksum: String,
    pub equal: bool,
    /// Differing keys, up to the limit.
    pub differing: Vec<KeyDiff>,
    pub note: Option<String>,
}

/// Counts and an order-independent sum of row hashes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Sum {
    rows: u64,
    hash: u64,
}

impl Sum {
    /// Adds one row of normalised values (each hashed with its end marker, so `a|bc` and `ab|c`
    /// differ).
    fn add(&mut self, row: &[String]) {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        row.hash(&mut h);
        self.rows += 1;
        self.hash = self.hash.wrapping_add(h.finish());
    }
}

/// One value as comparable text, by the column's canonical type.
pub fn normalize(v: &Value, canonical: &CanonicalType) -> String {
    let family = canonical.family();
    // Numbers compare by value whatever the side stored them as (a DECIMAL as REAL in SQLite).
    let number = match v {
        Value::Int(i) => Some(i.to_string()),
        Value::UInt(u) => Some(u.to_string()),
        Value::Float(f) => Some(format!("{f}")),
        Value::Decimal(d) | Value::Text(d) => Some(d.clone()),
        _ => None,
    };
    match (family, number) {
        (Family::Float, Some(n)) if canonical.name() == "float4" => {
            return n.parse::<f32>().map_or(n, |f| float_text(f64::from(f), 6));
        }
        (Family::Float, Some(n)) => return n.parse::<f64>().map_or(n, |f| float_text(f, 12)),
        (Family::Decimal | Family::Int | Family::UInt, Some(n)) => return number_text(&n),
        _ => {}
    }
    // Bit strings as 0/1 digits of the declared width; arrays and sets as JSON arrays.
    if family == Family::Bits {
        let width = canonical
            .numbers()
            .first()
            .and_then(|w| usize::try_from(*w).ok())
            .unwrap_or(1);
        match v {
            Value::Bytes(b) => {
                let d: String = b.iter().map(|x| format!("{x:08b}")).collect();
                return d[d.len().saturating_sub(width)..].to_string();
            }
            Value::UInt(n) => return format!("{n:0width$b}"),
            Value::Int(n) if *n >= 0 => return format!("{n:0width$b}"),
            _ => {}
        }
    }
    if (family == Family::Set || canonical.is_array())
        && let Value::Text(t) = v
        && let Ok(items) = crate::transform::parse_pg_array(t)
    {
        let json: Vec<serde_json::Value> = items
            .into_iter()
            .map(|i| i.map_or(serde_json::Value::Null, serde_json::Value::String))
            .collect();
        return serde_json::Value::Array(json).to_string();
    }
    // Names tell apart what a family does not (a zone, blank padding); an array is its own case.
    let base = if canonical.is_array() {
        ""
    } else {
        canonical.name()
    };
    match v {
        Value::Null => "\\N".into(),
        Value::Bool(b) => if *b { "t" } else { "f" }.into(),
        Value::Int(i) if base == "bool" => if *i != 0 { "t" } else { "f" }.into(),
        Value::Int(i) => i.to_string(),
        Value::UInt(u) => u.to_string(),
        Value::Float(f) => float_text(*f, 12),
        Value::Decimal(d) => number_text(d),
        Value::Bytes(b) => b.iter().map(|x| format!("{x:02x}")).collect(),
        Value::Text(t) => match base {
            "bool" => match t.as_str() {
                "t" | "true" | "1" => "t".into(),
                "f" | "false" | "0" => "f".into(),
                _ => t.clone(),
            },
            // Both sides read in UTC: a `+00` offset says nothing more.
            "timestamptz" => {
                let f = fraction_text(t);
                let f = f
                    .strip_suffix("+00:00")
                    .or_else(|| f.strip_suffix("+00"))
                    .unwrap_or(&f);
                f.strip_suffix('Z').unwrap_or(f).to_string()
            }
            "timestamp" | "time" | "timetz" => fraction_text(t),
            // CHAR(n) is blank-padded: PostgreSQL prints the pad, MySQL strips it.
            "char" => t.trim_end_matches(' ').to_string(),
            "json" | "jsonb" => serde_json::from_str::<serde_json::Value>(t)
                .map_or_else(|_| t.clone(), |j| j.to_string()),
            _ if canonical.is_array() => serde_json::from_str::<serde_json::Value>(t)
                .map_or_else(|_| t.clone(), |j| j.to_string()),
            _ => t.clone(),
        },
    }
}

/// A float to `digits` significant digits (so an f32 read as f64 compares with itself).
fn float_text(f: f64, digits: usize) -> String {
    if f.is_finite() {
        format!("{:.*e}", digits.saturating_sub(1), f)
    } else {
        f.to_string()
    }
}

/// `-0012.3400` -> `-12.34`; text that is not a plain number stays as it is.
fn number_text(s: &str) -> String {
    let t = s.trim();
    let (neg, digits) = match t.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit() || c == '.') {
        // SQLite may store a decimal as REAL: 45309.93 reads back as such; exponents too.
        return match t.parse::<f64>() {
            Ok(f) if f.is_finite() && !t.contains(['e', 'E']) => t.to_string(),
            Ok(f) if f.is_finite() => number_text(&format!("{f}")),
            _ => t.to_string(),
        };
    }
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let int = int.trim_start_matches('0');
    let frac = frac.trim_end_matches('0');
    let mut out = String::new();
    let zero = int.is_empty() && frac.is_empty();
    if neg && !zero {
        out.push('-');
    }
    out.push_str(if int.is_empty() { "0" } else { int });
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    out
}

/// `2020-01-01 10:00:00.500000` -> `2020-01-01 10:00:00.5`
fn fraction_text(t: &str) -> String {
    match t.split_once('.') {
        Some((a, b)) => {
            let digits: String = b.chars().take_while(char::is_ascii_digit).collect();
            let rest = &b[digits.len()..];
            let digits = digits.trim_end_matches('0');
            if digits.is_empty() {
                format!("{a}{rest}")
            } else {
                format!("{a}.{digits}{rest}")
            }
        }
        None => t.to_string(),
    }
}

/// The plan's table as seen from the target: target names in the places a reader looks.
fn target_side(t: &TablePlan) -> TablePlan {
    let cols: Vec<ColumnPlan> = t
        .columns
        .iter()
        .map(|c| ColumnPlan {
            source: target_name(&c.target).name,
            transform: None,
            ..c.clone()
        })
        .collect();
    let key = t
        .key
        .iter()
        .filter_map(|k| t.columns.iter().find(|c| &c.source == k))
        .map(|c| target_name(&c.target).name)
        .collect();
    TablePlan {
        source: target_name(&t.target),
        source_columns: cols.iter().map(|c| c.source.clone()).collect(),
        columns: cols,
        key,
        filter: None,
        ..t.clone()
    }
}

/// The key of a normalised row (its key columns' texts).
fn key_text(t: &TablePlan, row: &[String]) -> String {
    t.key
        .iter()
        .filter_map(|k| t.columns.iter().position(|c| &c.source == k))
        .map(|i| row.get(i).cloned().unwrap_or_default())
        .collect::<Vec<_>>()
        .join(", ")
}

/// How a target's text for a column reads: by its canonical type, but bytes where the target
/// holds them in a byte type (a geometry kept as WKB in `bytea` reads back as `\\x...`, the
/// form `pg_copy::TextField` writes it in).
fn target_text_kind(c: &crate::plan::ColumnPlan) -> TextKind {
    if c.target_type.to_ascii_lowercase().starts_with("bytea") {
        TextKind::Bytes
    } else {
        TextKind::of(&c.canonical)
    }
}

/// Reads one side: each row shaped (the source side through the plan's transforms), normalised.
struct Side<'a> {
    reader: &'a dyn RowSource,
    /// Apply the plan's transforms (the source side) or not (the target, which holds results).
    transforms: bool,
}

impl Side<'_> {
    fn rows(
        &self,
        table: &TablePlan,
        range: Option<&KeyRange>,
        each: &mut dyn FnMut(Vec<String>),
    ) -> Result<(), LoadError> {
        let shape = Shape::identity(table);
        let mut stats = TableStats::default();
        self.reader
            .for_each_batch(table, range, 10_000, &mut |rows: Vec<Row>| {
                for row in rows {
                    let shaped = if self.transforms {
                        load::shape_row(table, &shape, row, &mut stats)
                            .map_err(|e| LoadError::refused_row(format!("{}: {e}", table.source)))?
                    } else {
                        row.into_iter()
                            .zip(&table.columns)
                            .map(|(v, c)| match v {
                                Value::Text(t) => Value::from_text(t, target_text_kind(c)),
                                other => other,
                            })
                            .collect()
                    };
                    let texts: Vec<String> = shaped
                        .iter()
                        .zip(&table.columns)
                        .map(|(v, c)| normalize(v, &c.canonical))
                        .collect();
                    each(texts);
                }
                Ok(())
            })
    }

    fn sum(&self, table: &TablePlan, range: Option<&KeyRange>) -> Result<Sum, LoadError> {
        let mut s = Sum::default();
        self.rows(table, range, &mut |r| s.add(&r))?;
        Ok(s)
    }

    fn by_key(
        &self,
        table: &TablePlan,
        range: &KeyRange,
    ) -> Result<BTreeMap<String, String>, LoadError> {
        let mut m = BTreeMap::new();
        self.rows(table, Some(range), &mut |r| {
            m.insert(key_text(table, &r), r.join("\t"));
        })?;
        Ok(m)
    }
}

/// Validates every table of the plan; `max_keys` bounds the differing keys named per table.
pub fn validate(plan: &Plan, max_keys: usize) -> Result<Vec<TableResult>, LoadError> {
    let target_reader = load::open_source(&plan.target, None, plan.settings.timeouts())?;
    let target = Side {
        reader: target_reader.as_ref(),
        transforms: false,
    };
    let mut results = Vec::new();
    if let Endpoint::Dump { path, dialect } = &plan.source {
        let (sums, omitted) = dump_sums(plan, path, *dialect)?;
        for (ti, t) in plan.tables.iter().enumerate() {
            let s = sums.get(&ti).copied().unwrap_or_default();
            // Columns the dump's INSERTs leave out were filled by the target: not compared.
            let mut tt = target_side(t);
            if let Some(left_out) = omitted.get(&ti) {
                let keep: Vec<bool> = t
                    .columns
                    .iter()
                    .map(|c| !left_out.contains(&c.source))
                    .collect();
                let mut i = 0;
                tt.columns.retain(|_| {
                    i += 1;
                    keep[i - 1]
                });
            }
            let g = target.sum(&tt, None)?;
            let note = (s != g).then(|| {
                "a dump cannot be read by key range: the differing rows are not narrowed"
                    .to_string()
            });
            results.push(result(t, s, g, Vec::new(), note));
        }
        return Ok(results);
    }
    let source_reader = load::open_source(&plan.source, None, plan.settings.timeouts())?;
    let source = Side {
        reader: source_reader.as_ref(),
        transforms: true,
    };
    // Both sides are read at once: the target on a thread with a connection of its own.
    let (source_sums, target_sums) = std::thread::scope(|scope| {
        let other = scope.spawn(|| -> Result<Vec<Sum>, LoadError> {
            let reader = load::open_source(&plan.target, None, plan.settings.timeouts())?;
            let side = Side {
                reader: reader.as_ref(),
                transforms: false,
            };
            plan.tables
                .iter()
                .map(|t| side.sum(&target_side(t), None))
                .collect()
        });
        let mine: Result<Vec<Sum>, LoadError> =
            plan.tables.iter().map(|t| source.sum(t, None)).collect();
        let theirs = other
            .join()
            .unwrap_or_else(|_| Err(LoadError::state("the target reader stopped unexpectedly")));
        (mine, theirs)
    });
    let (source_sums, target_sums) = (source_sums?, target_sums?);
    // Per table: the leaf ranges that differ, and whether they are all of them.
    let mut leaves: Vec<Vec<(i64, i64)>> = vec![Vec::new(); plan.tables.len()];
    let mut complete = vec![true; plan.tables.len()];
    for (ti, t) in plan.tables.iter().enumerate() {
        let tt = target_side(t);
        let (s, g) = (source_sums[ti], target_sums[ti]);
        let mut differing = Vec::new();
        let mut note = None;
        if s != g {
            match (
                chunk_key(t),
                source_reader.key_bounds(t)?,
                target_reader.key_bounds(&tt)?,
            ) {
                (Some(_), sb, gb) if sb.is_some() || gb.is_some() => {
                    let bounds = merge_bounds(sb, gb);
                    let mut pending = vec![(bounds.min, bounds.max)];
                    while let Some((lo, hi)) = pending.pop() {
                        if differing.len() >= max_keys {
                            complete[ti] = false;
                            break;
                        }
                        let (sr, gr) = (range(t, lo, hi), range(&tt, lo, hi));
                        if source.sum(t, Some(&sr))? == target.sum(&tt, Some(&gr))? {
                            continue;
                        }
                        if hi - lo < LEAF_KEYS {
                            let before = differing.len();
                            compare_leaf(
                                &source,
                                t,
                                &sr,
                                &target,
                                &tt,
                                &gr,
                                max_keys,
                                &mut differing,
                            )?;
                            if differing.len() > before {
                                leaves[ti].push((lo, hi));
                            }
                        } else {
                            let mid = lo + (hi - lo) / 2;
                            pending.push((mid + 1, hi));
                            pending.push((lo, mid));
                        }
                    }
                }
                _ => {
                    complete[ti] = false;
                    note = Some(
                        "no single integer key: compared by count and whole-table checksum only"
                            .to_string(),
                    );
                }
            }
        } else if chunk_key(t).is_none() {
            note = Some(
                "no single integer key: compared by count and whole-table checksum".to_string(),
            );
        }
        results.push(result(t, s, g, differing, note));
    }
    if results.iter().any(|r| !r.equal) && syncing(plan)? {
        settle(plan, &mut results, &leaves, &complete, max_keys)?;
    }
    Ok(results)
}

/// Whether `ferry sync` keeps this pair in step (the target holds a streaming sync state).
fn syncing(plan: &Plan) -> Result<bool, LoadError> {
    let mut link = crate::sync::apply::open(plan)?;
    Ok(crate::sync::state::read(link.as_mut())?
        .is_some_and(|st| st.phase == crate::sync::state::Phase::Streaming))
}

/// How many times differing rows of a syncing pair are compared again.
const SETTLE_ROUNDS: usize = 3;
/// How long a round waits for sync to apply past the source's position.
const SETTLE_WAIT: std::time::Duration = std::time::Duration::from_secs(60);

/// Waits until the sync state says the target holds the source up to `end`.
fn wait_for_sync(plan: &Plan, end: &crate::sync::change::Position) -> Result<bool, LoadError> {
    let started = std::time::Instant::now();
    let mut link = crate::sync::apply::open(plan)?;
    while started.elapsed() < SETTLE_WAIT {
        let st = crate::sync::state::read(link.as_mut())?;
        if st
            .and_then(|st| st.position)
            .is_some_and(|at| crate::sync::state::reached(&at, end))
        {
            return Ok(true);
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    Ok(false)
}

/// A pair `ferry sync` keeps in step changes while it is compared: the two sides were read at
/// different moments. The rows that differed are compared again, with fresh reads, once sync
/// has applied everything the source held when the round began; those that agree then were
/// changes in flight. What still differs after `SETTLE_ROUNDS`, or could not be re-read (no
/// single integer key, more differing rows than `max_keys`), is said in the table's note.
fn settle(
    plan: &Plan,
    results: &mut [TableResult],
    leaves: &[Vec<(i64, i64)>],
    complete: &[bool],
    max_keys: usize,
) -> Result<(), LoadError> {
    let mut leaves: Vec<Vec<(i64, i64)>> = leaves.to_vec();
    // A difference seen the same in two rounds in a row is stable: a real one.
    let seen = |r: &TableResult| -> Vec<(String, Option<String>, Option<String>)> {
        r.differing
            .iter()
            .map(|d| (d.key.clone(), d.source.clone(), d.target.clone()))
            .collect()
    };
    let mut stable = vec![false; results.len()];
    for _ in 0..SETTLE_ROUNDS {
        if leaves.iter().all(Vec::is_empty) {
            break;
        }
        let end = crate::sync::source::end(plan)?;
        if !wait_for_sync(plan, &end)? {
            for r in results.iter_mut().filter(|r| !r.equal) {
                r.note = Some(format!(
                    "the pair is syncing and sync did not apply up to the source's position {end} \
                     within {} s: the differences could not be re-checked",
                    SETTLE_WAIT.as_secs()
                ));
            }
            return Ok(());
        }
        let source_reader = load::open_source(&plan.source, None, plan.settings.timeouts())?;
        let target_reader = load::open_source(&plan.target, None, plan.settings.timeouts())?;
        let source = Side {
            reader: source_reader.as_ref(),
            transforms: true,
        };
        let target = Side {
            reader: target_reader.as_ref(),
            transforms: false,
        };
        for (ti, t) in plan.tables.iter().enumerate() {
            if leaves[ti].is_empty() {
                continue;
            }
            let tt = target_side(t);
            let mut differing = Vec::new();
            let mut still = Vec::new();
            for &(lo, hi) in &leaves[ti] {
                let before = differing.len();
                let (sr, gr) = (range(t, lo, hi), range(&tt, lo, hi));
                compare_leaf(&source, t, &sr, &target, &tt, &gr, max_keys, &mut differing)?;
                if differing.len() > before {
                    still.push((lo, hi));
                }
            }
            leaves[ti] = still;
            let before = seen(&results[ti]);
            results[ti].differing = differing;
            stable[ti] = !before.is_empty() && before == seen(&results[ti]);
        }
    }
    for (ti, r) in results.iter_mut().enumerate() {
        if r.equal {
            continue;
        }
        if !complete[ti] {
            r.note = Some(
                "the pair is syncing: rows changed while they were compared, and this table \
                 cannot be compared again row by row (no single integer key, or more differing \
                 rows than --max-keys): not settled"
                    .to_string(),
            );
        } else if leaves[ti].is_empty() {
            r.equal = true;
            r.note = Some(
                "the pair is syncing: the rows that differed were changing while compared, and \
                 agree once sync applied past them"
                    .to_string(),
            );
        } else if stable[ti] {
            r.note = Some(
                "the pair is syncing: these rows differ the same way again after sync applied \
                 past the source's position: a real difference"
                    .to_string(),
            );
        } else {
            r.note = Some(format!(
                "the pair is syncing: these rows kept changing while compared ({SETTLE_ROUNDS} \
                 times, each after sync applied past the source's position): not settled"
            ));
        }
    }
    Ok(())
}

fn result(
    t: &TablePlan,
    s: Sum,
    g: Sum,
    differing: Vec<KeyDiff>,
    note: Option<String>,
) -> TableResult {
    TableResult {
        table: t.source.to_string(),
        source_rows: s.rows,
        target_rows: g.rows,
        source_checksum: format!("{:016x}", s.hash),
        target_checksum: format!("{:016x}", g.hash),
        equal: s == g,
        differing,
        note,
    }
}

fn merge_bounds(a: Option<KeyBounds>, b: Option<KeyBounds>) -> KeyBounds {
    match (a, b) {
        (Some(a), Some(b)) => KeyBounds {
            min: a.min.min(b.min),
            max: a.max.max(b.max),
            ..a
        },
        (Some(x), None) | (None, Some(x)) => x,
        (None, None) => KeyBounds {
            column: String::new(),
            min: 0,
            max: 0,
            rows: 0,
        },
    }
}

/// `lo <= key <= hi` on the table's key column (its name on that side).
fn range(t: &TablePlan, lo: i64, hi: i64) -> KeyRange {
    KeyRange {
        column: t.key.first().cloned().unwrap_or_default(),
        lo,
        hi,
        last: true,
    }
}

#[allow(clippy::too_many_arguments)]
fn compare_leaf(
    source: &Side,
    st: &TablePlan,
    sr: &KeyRange,
    target: &Side,
    tt: &TablePlan,
    tr: &KeyRange,
    max_keys: usize,
    out: &mut Vec<KeyDiff>,
) -> Result<(), LoadError> {
    let a = source.by_key(st, sr)?;
    let b = target.by_key(tt, tr)?;
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    keys.sort_by_key(|k| k.parse::<i64>().unwrap_or(i64::MAX));
    keys.dedup();
    for k in keys {
        if out.len() >= max_keys {
            break;
        }
        let (x, y) = (a.get(k), b.get(k));
        if x != y {
            out.push(KeyDiff {
                key: format!("{}={k}", st.key.first().cloned().unwrap_or_default()),
                source: x.cloned(),
                target: y.cloned(),
            });
        }
    }
    Ok(())
}

/// Counts and sums of every planned table in one pass over a dump, and the columns its
/// statements leave out (per table).
#[allow(clippy::type_complexity)]
fn dump_sums(
    plan: &Plan,
    path: &std::path::Path,
    dialect: crate::dialect::Dialect,
) -> Result<
    (
        HashMap<usize, Sum>,
        HashMap<usize, std::collections::HashSet<String>>,
    ),
    LoadError,
> {
    let file = std::fs::File::open(path)
        .map_err(|e| LoadError::io(format!("cannot read {}: {e}", path.display()), e))?;
    let mut reader = load::dump::DumpReader::new(file, dialect);
    let index = load::TableIndex::new(plan);
    let mut sums: HashMap<usize, Sum> = HashMap::new();
    let mut omitted: HashMap<usize, std::collections::HashSet<String>> = HashMap::new();
    let mut stats = TableStats::default();
    while let Some(batch) = reader
        .next_batch(10_000)
        .map_err(|e| LoadError::input(format!("{}: {e}", path.display())))?
    {
        let Some(ti) = index.find(&batch.table) else {
            continue;
        };
        let (shape, table) = Shape::new(&plan.tables[ti], batch.columns.as_deref())
            .map_err(|e| LoadError::input(format!("{}:{}: {e}", path.display(), batch.line)))?;
        for c in &plan.tables[ti].columns {
            if !table.columns.iter().any(|x| x.source == c.source) {
                omitted.entry(ti).or_default().insert(c.source.clone());
            }
        }
        let sum = sums.entry(ti).or_default();
        for row in batch.rows {
            let shaped = load::shape_row(&table, &shape, row, &mut stats)
                .map_err(|e| LoadError::refused_row(format!("{}: {e}", table.source)))?;
            let texts: Vec<String> = shaped
                .iter()
                .zip(&table.columns)
                .map(|(v, c)| normalize(v, &c.canonical))
                .collect();
            sum.add(&texts);
        }
    }
    Ok((sums, omitted))
}

/// The results as a plain table for people.
pub fn human(results: &[TableResult]) -> String {
    let mut out = format!(
        "{:<32} {:>12} {:>12}  {}\n",
        "table", "source rows", "target rows", "result"
    );
    for r in results {
        let verdict = if r.equal { "equal" } else { "DIFFERENT" };
        out.push_str(&format!(
            "{:<32} {:>12} {:>12}  {verdict}\n",
            r.table, r.source_rows, r.target_rows
        ));
        for d in &r.differing {
            out.push_str(&format!(
                "    {}: source {} | target {}\n",
                d.key,
                d.source.as_deref().unwrap_or("(missing)"),
                d.target.as_deref().unwrap_or("(missing)")
            ));
        }
        if let Some(n) = &r.note {
            out.push_str(&format!("    note: {n}\n"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(text: &str) -> CanonicalType {
        CanonicalType::parse(text).unwrap_or_default()
    }

    #[test]
    fn values_compare_across_engines() {
        assert_eq!(
            normalize(&Value::Int(1), &c("bool")),
            normalize(&Value::Text("t".into()), &c("bool"))
        );
        assert_eq!(
            normalize(&Value::Decimal("1.50".into()), &c("decimal(10,2)")),
            normalize(&Value::Float(1.5), &c("decimal(10,2)"))
        );
        assert_eq!(number_text("-0012.3400"), "-12.34");
        assert_eq!(number_text("-0.00"), "0");
        assert_eq!(
            fraction_text("2020-01-01 10:00:00.500000"),
            "2020-01-01 10:00:00.5"
        );
        assert_eq!(
            fraction_text("2020-01-01 10:00:00.000+02"),
            "2020-01-01 10:00:00+02"
        );
        assert_eq!(
            normalize(&Value::Text("{\"b\": 1, \"a\": [1,2]}".into()), &c("jsonb")),
            normalize(&Value::Text("{\"a\":[1,2],\"b\":1}".into()), &c("json"))
        );
        assert_eq!(target_name("\"my \"\"x\"\"\".\"t\"").name, "t");
        assert_eq!(target_name("`a`.`b`").schema.as_deref(), Some("a"));
    }
}
