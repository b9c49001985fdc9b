//! The load's state, kept in the target itself so that a load stopped by a crash, a kill or a
//! lost connection can be resumed (`ferry load --resume`) without losing or doubling a row.
//!
//! One table, `ferry_load_state`, in the target's default schema, in SQL that PostgreSQL,
//! MySQL/MariaDB and SQLite all accept:
//!
//! | unit | kind | what the row says |
//! |---|---|---|
//! | 0 | header | the phase reached, the plan's and the source schema's fingerprints |
//! | n | chunk | a table (or one key range of it) read from a database source; `done` = 1 once loaded |
//! | n | segment | the n-th run of rows of one table in a dump file, recorded once loaded |
//! | n | step | the n-th post-data or view statement, recorded once run |
//!
//! A chunk's or segment's rows and its `done` mark are committed in one transaction: after a
//! crash a unit is either wholly in the target and marked, or wholly absent and redone. The
//! chunks of a database source are written down before the data phase starts, so a resumed load
//! redoes exactly the ranges the first one planned, whatever the source holds meanwhile.
//! The table is dropped when the load completes, unless `--keep-state`.

use super::{LoadError, Target};

/// The state table's name: unquoted lower case reads the same on every target.
pub const TABLE: &str = "ferry_load_state";

/// How far a load got. Stored as a number in the header row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Phase {
    /// Creating, dropping or emptying the tables and running the pre-data DDL.
    Prepare = 0,
    /// Moving rows; the chunks are written down.
    Data = 1,
    /// Orphans, post-data DDL, views, sequences.
    PostData = 2,
    /// Everything ran (seen only with `--keep-state`).
    Done = 3,
}

impl Phase {
    fn from_number(n: i64) -> Option<Phase> {
        [Phase::Prepare, Phase::Data, Phase::PostData, Phase::Done]
            .into_iter()
            .find(|p| *p as i64 == n)
    }
}

/// What a row of the state table records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Header = 0,
    Chunk = 1,
    Segment = 2,
    Step = 3,
}

/// A unit of data work: a whole table, or the key range `lo <= key < hi` (`<= hi` when
/// `last`) of a table read in chunks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chunk {
    pub unit: i64,
    /// The plan's table index.
    pub table: usize,
    /// `None` for the whole table.
    pub range: Option<(i64, i64, bool)>,
    pub done: bool,
}

/// The state a target holds.
#[derive(Clone, Debug)]
pub struct State {
    pub phase: Phase,
    pub plan_fingerprint: u64,
    pub source_fingerprint: u64,
    pub chunks: Vec<Chunk>,
    /// Dump segments and post-data steps recorded as done.
    pub segments_done: Vec<i64>,
    pub steps_done: Vec<i64>,
    /// Post-data steps begun but not recorded as done: on MySQL, whose DDL commits by itself,
    /// such a step may have run.
    pub steps_started: Vec<i64>,
}

/// A stable 64-bit FNV-1a hash: the same text gives the same fingerprint in every run and
/// every build (std's hashers promise neither).
pub fn fingerprint(text: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The source schema's fingerprint: its DDL text with what changes as rows arrive left out
/// (MySQL's `AUTO_INCREMENT=n` table option), plus, for a dump, the file's length (its data).
pub fn source_fingerprint(schema: &str, dump_len: Option<u64>) -> u64 {
    let mut text = String::with_capacity(schema.len());
    for line in schema.lines() {
        let mut line = line.to_string();
        while let Some(at) = line.find(" AUTO_INCREMENT=") {
            let digits = line[at + 16..]
                .bytes()
                .take_while(u8::is_ascii_digit)
                .count();
            line.replace_range(at..at + 16 + digits, "");
        }
        text.push_str(&line);
        text.push('\n');
    }
    if let Some(n) = dump_len {
        text.push_str(&format!("-- dump of {n} bytes"));
    }
    fingerprint(&text)
}

/// The fingerprints are stored in BIGINT columns: the same 64 bits, signed.
fn stored(f: u64) -> i64 {
    f as i64
}

/// Reads the state a target holds, if it holds one.
pub fn read(target: &mut dyn Target) -> Result<Option<State>, LoadError> {
    if !target.table_exists(TABLE)? {
        return Ok(None);
    }
    let rows = target.query_ints(&format!(
        "SELECT unit, kind, tbl, lo, hi, last_chunk, done, phase, plan_fp, source_fp \
         FROM {TABLE} ORDER BY unit, kind"
    ))?;
    let name = target.describe();
    let bad = |what: &str| {
        LoadError::state(format!(
            "{name}: the table {TABLE} is not a ferry load state ({what}); drop it, or load with --prepare drop-and-create"
        ))
    };
    let mut header = None;
    let mut chunks = Vec::new();
    let mut segments_done = Vec::new();
    let mut steps_done = Vec::new();
    let mut steps_started = Vec::new();
    let mut any = false;
    for r in rows {
        let [
            unit,
            kind,
            tbl,
            lo,
            hi,
            last,
            done,
            phase,
            plan_fp,
            source_fp,
        ] = r[..]
        else {
            return Err(bad("a row of another shape"));
        };
        any = true;
        match kind {
            k if k == Kind::Header as i64 => {
                let phase = Phase::from_number(phase).ok_or_else(|| bad("an unknown phase"))?;
                header = Some((phase, plan_fp as u64, source_fp as u64));
            }
            k if k == Kind::Chunk as i64 => chunks.push(Chunk {
                unit,
                table: usize::try_from(tbl).map_err(|_| bad("a negative table index"))?,
                range: (last >= 0).then_some((lo, hi, last == 1)),
                done: done == 1,
            }),
            k if k == Kind::Segment as i64 && done == 1 => segments_done.push(unit),
            k if k == Kind::Step as i64 && done == 1 => steps_done.push(unit),
            k if k == Kind::Step as i64 => steps_started.push(unit),
            _ => {}
        }
    }
    if !any {
        // Created, but the load stopped before its header: nothing was begun.
        return Ok(None);
    }
    let (phase, plan_fingerprint, source_fingerprint) =
        header.ok_or_else(|| bad("no header row"))?;
    Ok(Some(State {
        phase,
        plan_fingerprint,
        source_fingerprint,
        chunks,
        segments_done,
        steps_done,
        steps_started,
    }))
}

/// Drops any old state and writes a new header in the Prepare phase.
pub fn create(
    target: &mut dyn Target,
    plan_fingerprint: u64,
    source_fingerprint: u64,
) -> Result<(), LoadError> {
    target.run("state", &[target.drop_sql(TABLE)])?;
    target.run(
        "state",
        &[
            format!(
                "CREATE TABLE {TABLE} (unit BIGINT NOT NULL, kind SMALLINT NOT NULL, \
                 tbl INTEGER NOT NULL, lo BIGINT NOT NULL, hi BIGINT NOT NULL, \
                 last_chunk SMALLINT NOT NULL, done SMALLINT NOT NULL, phase SMALLINT NOT NULL, \
                 plan_fp BIGINT NOT NULL, source_fp BIGINT NOT NULL, PRIMARY KEY (kind, unit))"
            ),
            format!(
                "INSERT INTO {TABLE} VALUES (0, {}, -1, 0, 0, -1, 0, {}, {}, {})",
                Kind::Header as i64,
                Phase::Prepare as i64,
                stored(plan_fingerprint),
                stored(source_fingerprint)
            ),
        ],
    )
}

/// `UPDATE` of the header to a new phase.
pub fn phase_sql(phase: Phase) -> String {
    format!(
        "UPDATE {TABLE} SET phase = {} WHERE kind = {}",
        phase as i64,
        Kind::Header as i64
    )
}

/// Writes down the data phase's chunks and enters it, in one transaction.
pub fn start_data(target: &mut dyn Target, chunks: &[Chunk]) -> Result<(), LoadError> {
    let mut statements = Vec::new();
    for part in chunks.chunks(500) {
        let values: Vec<String> = part
            .iter()
            .map(|c| {
                let (lo, hi, last) = match c.range {
                    Some((lo, hi, last)) => (lo, hi, i64::from(last)),
                    None => (0, 0, -1),
                };
                format!(
                    "({}, {}, {}, {lo}, {hi}, {last}, 0, 0, 0, 0)",
                    c.unit,
                    Kind::Chunk as i64,
                    c.table
                )
            })
            .collect();
        statements.push(format!("INSERT INTO {TABLE} VALUES {}", values.join(", ")));
    }
    statements.push(phase_sql(Phase::Data));
    in_transaction(target, "state", &statements)
}

/// The statement that marks a chunk done, run in the chunk's own transaction.
pub fn chunk_done_sql(unit: i64) -> String {
    format!(
        "UPDATE {TABLE} SET done = 1 WHERE kind = {} AND unit = {unit}",
        Kind::Chunk as i64
    )
}

/// Claims the first chunk not done that no other worker holds, locking its row until the
/// claiming transaction ends (PostgreSQL; MariaDB 10.6+; MySQL 8.0+).
pub fn claim_sql() -> String {
    format!(
        "SELECT unit, tbl, lo, hi, last_chunk FROM {TABLE} WHERE kind = {} AND done = 0 \
         ORDER BY unit LIMIT 1 FOR UPDATE SKIP LOCKED",
        Kind::Chunk as i64
    )
}

/// Counts the chunks not done, claimed or not.
pub fn chunks_left_sql() -> String {
    format!(
        "SELECT count(*) FROM {TABLE} WHERE kind = {} AND done = 0",
        Kind::Chunk as i64
    )
}

/// The statement that records a dump segment as done, in the segment's transaction.
pub fn segment_done_sql(unit: i64) -> String {
    format!(
        "INSERT INTO {TABLE} VALUES ({unit}, {}, -1, 0, 0, -1, 1, 0, 0, 0)",
        Kind::Segment as i64
    )
}

/// The statement that records a post-data step as begun, committed before it runs.
pub fn step_started_sql(unit: i64) -> String {
    format!(
        "INSERT INTO {TABLE} VALUES ({unit}, {}, -1, 0, 0, -1, 0, 0, 0, 0)",
        Kind::Step as i64
    )
}

/// The statement that records a post-data step as done, in the step's transaction.
pub fn step_done_sql(unit: i64) -> String {
    format!(
        "UPDATE {TABLE} SET done = 1 WHERE kind = {} AND unit = {unit}",
        Kind::Step as i64
    )
}

/// Runs statements in one transaction on every engine (`Target::run` cannot promise that on
/// MySQL, where DDL commits by itself; these are DML only).
pub fn in_transaction(
    target: &mut dyn Target,
    what: &str,
    statements: &[String],
) -> Result<(), LoadError> {
    target.execute(what, "BEGIN")?;
    for sql in statements {
        if let Err(e) = target.execute(what, sql) {
            let _ = target.execute(what, "ROLLBACK");
            return Err(e);
        }
    }
    target.execute(what, "COMMIT")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_stable_and_ignore_auto_increment_counters() {
        // FNV-1a's published test vector: "a" -> af63dc4c8601ec8c.
        assert_eq!(fingerprint("a"), 0xaf63_dc4c_8601_ec8c);
        let before = "CREATE TABLE `t` (\n  `id` int\n) ENGINE=InnoDB AUTO_INCREMENT=17 DEFAULT CHARSET=utf8mb4";
        let after = "CREATE TABLE `t` (\n  `id` int\n) ENGINE=InnoDB AUTO_INCREMENT=90210 DEFAULT CHARSET=utf8mb4";
        assert_eq!(
            source_fingerprint(before, None),
            source_fingerprint(after, None)
        );
        let other = "CREATE TABLE `t` (\n  `id` bigint\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4";
        assert_ne!(
            source_fingerprint(before, None),
            source_fingerprint(other, None)
        );
        assert_ne!(
            source_fingerprint(before, Some(10)),
            source_fingerprint(before, Some(11))
        );
    }
}
