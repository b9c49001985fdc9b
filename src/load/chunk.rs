//! Chunking: the key ranges a large table is read in, counted from the source (`survey`,
//! `plan_chunks`) or read back from the load state.

use super::{LoadError, RowSource, open_source, state};
use crate::conn::Endpoint;
use crate::plan::{Plan, TablePlan};

/// The chunks of a data phase, numbered from 1 in plan order: the plan's own for a table that
/// has them, else one per table, or key ranges of about `chunk_rows` rows for a large table
/// with an integer key (counted now).
pub(crate) fn plan_chunks(
    plan: &Plan,
    source: &dyn RowSource,
) -> Result<Vec<state::Chunk>, LoadError> {
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
pub(crate) fn chunk_range(plan: &Plan, c: &state::Chunk) -> Result<Option<KeyRange>, LoadError> {
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
    use crate::canonical::Family;
    matches!(c.canonical.family(), Family::Int | Family::UInt).then_some(k.as_str())
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
