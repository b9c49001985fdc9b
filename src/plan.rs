//! The data mover's plan: what `ferry load` executes, versioned and complete. Built from one
//! conversion: the target DDL in sections, and per table the source it reads, the columns with
//! their canonical type and value transform, and the key. `plan.json` is the one serialisation
//! boundary of the pipeline; it never holds a password (see `conn`).
//!
//! Each DDL statement is a `Step`: its SQL and its kind (`emit::StepKind`), which the loader
//! decides by. Version 1 plans held the SQL only; `parse` still reads them (`v1.rs`).

mod v1;

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::Conversion;
use crate::canonical::{CanonicalType, Family};
use crate::conn::Endpoint;
pub use crate::emit::StepKind;
use crate::emit::TableTarget;
use crate::ir::Name;
use crate::transform::Transform;

/// The version of the plan format that ferry writes. `parse` reads it and version 1.
pub const PLAN_VERSION: u32 = 2;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Plan {
    pub plan_version: u32,
    pub ferry_version: String,
    pub source: Endpoint,
    pub target: Endpoint,
    /// Target DDL run before the data: schemas, types, sequences, tables with primary keys,
    /// check constraints.
    pub pre_data: Vec<Step>,
    /// Target DDL run after the data: indexes, unique constraints, foreign keys, comments,
    /// routines, triggers.
    pub post_data: Vec<Step>,
    /// Views, after everything else.
    pub views: Vec<Step>,
    pub tables: Vec<TablePlan>,
    pub settings: Settings,
    /// The fingerprint of the source schema the plan was made from (16 hex digits, see
    /// `load::state::source_fingerprint`): a resumed load refuses a source that changed.
    #[serde(default)]
    pub source_fingerprint: Option<String>,
}

impl Plan {
    /// What identifies the work of a plan: its endpoints, DDL and tables, not the settings a
    /// rerun may change (jobs, batch size, what to do with bad rows) nor the source's row
    /// counts (a resumed load follows the chunks its state wrote down). The DDL counts by its
    /// text, which decides the kinds: a version 1 plan keeps its fingerprint when read by a
    /// ferry that writes version 2, so a load the older ferry began can be resumed.
    pub fn fingerprint(&self) -> u64 {
        let tables: Vec<TablePlan> = self
            .tables
            .iter()
            .map(|t| TablePlan {
                estimated_rows: None,
                chunks: Vec::new(),
                ..t.clone()
            })
            .collect();
        let identity = serde_json::json!([
            self.source,
            self.target,
            Step::sql_of(&self.pre_data),
            Step::sql_of(&self.post_data),
            Step::sql_of(&self.views),
            tables,
            self.source_fingerprint,
        ]);
        crate::load::state::fingerprint(&identity.to_string())
    }
}

/// One DDL statement of the plan and what it does: `{"kind": "index", "sql": "CREATE INDEX ..."}`;
/// a foreign key also names its two tables (`StepKind::ForeignKey`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    #[serde(flatten)]
    pub kind: StepKind,
    pub sql: String,
}

impl Step {
    /// The SQL of each step, in order: what a target runs.
    pub fn sql_of(steps: &[Step]) -> Vec<String> {
        steps.iter().map(|s| s.sql.clone()).collect()
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TablePlan {
    /// The table as the source names it.
    pub source: Name,
    /// The table as the target DDL names it (quoted where the target needs it).
    pub target: String,
    /// The columns loaded, in the source's order. Generated columns are not loaded: the target
    /// computes them.
    pub columns: Vec<ColumnPlan>,
    /// Every column of the source table, generated ones included, to read positional rows.
    pub source_columns: Vec<String>,
    /// The primary key's source columns (empty without one): chunking and validation use it.
    pub key: Vec<String>,
    /// Foreign keys, in target names: orphans are counted against them before they are created.
    pub foreign_keys: Vec<ForeignKeyPlan>,
    /// Only the rows matching this condition (source SQL) are moved.
    #[serde(default)]
    pub filter: Option<String>,
    /// The SELECT the source is read with (database sources; before a chunk's range).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// The rows the source held when the plan was made (database sources).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimated_rows: Option<u64>,
    /// The key ranges the table is read in, by several workers at once (a large table with a
    /// single integer key); empty: one piece.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub chunks: Vec<ChunkPlan>,
}

/// One key range of a table: `from <= key < below`; a missing bound is open.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChunkPlan {
    pub from: Option<i64>,
    pub below: Option<i64>,
}

impl ChunkPlan {
    /// As the load state stores a range: (lo, hi, last) with i64::MIN / i64::MAX for open
    /// ends (see `load::KeyRange`).
    pub fn bounds(&self) -> (i64, i64, bool) {
        (
            self.from.unwrap_or(i64::MIN),
            self.below.unwrap_or(i64::MAX),
            self.below.is_none(),
        )
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ForeignKeyPlan {
    /// For messages: `table(cols) -> referenced(cols)` in source names.
    pub describe: String,
    pub columns: Vec<String>,
    pub ref_table: String,
    pub ref_columns: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ColumnPlan {
    pub source: String,
    /// Quoted where the target needs it.
    pub target: String,
    pub source_type: String,
    pub canonical: crate::canonical::CanonicalType,
    pub target_type: String,
    pub transform: Option<Transform>,
    /// An auto-increment / identity / serial column: its sequence is set past the loaded
    /// maximum after the load.
    #[serde(default)]
    pub identity: bool,
    /// A sequence the column's default draws from (`nextval`), as the target DDL names it:
    /// set past the loaded maximum after the load, never back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Preparation {
    /// Run the DDL; a table that already exists is an error that names it.
    Create,
    /// Drop the plan's tables first, then create them.
    DropAndCreate,
    /// The tables exist: empty them, run no DDL.
    Truncate,
    /// The tables exist: load into them as they are, run no DDL.
    DoNothing,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum OnError {
    /// Stop at the first bad row, saying which.
    Abort,
    /// Write each bad row to the reject file with the reason and go on.
    RejectRows,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Settings {
    pub jobs: usize,
    pub batch_size: usize,
    pub prepare: Preparation,
    pub on_error: OnError,
    /// Where rejected rows go (JSON lines), for `on_error = reject_rows`.
    pub reject_file: Option<String>,
    /// What rows that break a foreign key do to the load.
    #[serde(default = "default_orphans")]
    pub orphans: OrphanPolicy,
    /// Tables with more rows than this and a single integer key are read in key-range chunks
    /// of about this size, by several workers at once.
    #[serde(default = "default_chunk_rows")]
    pub chunk_rows: u64,
    /// Seconds a server may leave a request unanswered before a new connection checks that
    /// it lives; one that answers neither is given up (the load stops, resumable, or
    /// reconnects). Also sets TCP keepalive and the connect timeout (`load::timeout`); 0
    /// waits for ever.
    #[serde(default = "default_io_timeout")]
    pub io_timeout: u64,
}

fn default_chunk_rows() -> u64 {
    Settings::DEFAULT.chunk_rows
}

fn default_io_timeout() -> u64 {
    Settings::DEFAULT.io_timeout
}

impl Settings {
    /// The defaults, the one place they are written (`--help` repeats them).
    pub const DEFAULT: Settings = Settings {
        jobs: 2,
        batch_size: 10_000,
        prepare: Preparation::Create,
        on_error: OnError::Abort,
        reject_file: None,
        orphans: OrphanPolicy::Abort,
        chunk_rows: 500_000,
        io_timeout: crate::load::timeout::DEFAULT_IO_TIMEOUT,
    };

    /// The reject file of `on_error = reject_rows` when none is named.
    pub const DEFAULT_REJECT_FILE: &str = "ferry-rejects.jsonl";

    /// The settings of a plan: each from the command line, else from migration.toml, else
    /// the default. Counts are at least 1.
    pub fn layered(
        cli: &crate::config::ConfigSettings,
        file: &crate::config::ConfigSettings,
    ) -> Settings {
        let d = Settings::DEFAULT;
        let on_error = cli.on_error.or(file.on_error).unwrap_or(d.on_error);
        let reject_file = match (
            on_error,
            cli.reject_file.clone().or(file.reject_file.clone()),
        ) {
            (_, Some(f)) => Some(f),
            (OnError::RejectRows, None) => Some(Settings::DEFAULT_REJECT_FILE.to_string()),
            (OnError::Abort, None) => None,
        };
        Settings {
            jobs: cli.jobs.or(file.jobs).unwrap_or(d.jobs).max(1),
            batch_size: cli
                .batch_size
                .or(file.batch_size)
                .unwrap_or(d.batch_size)
                .max(1),
            prepare: cli.prepare.or(file.prepare).unwrap_or(d.prepare),
            on_error,
            reject_file,
            orphans: cli.orphans.or(file.orphans).unwrap_or(d.orphans),
            chunk_rows: cli
                .chunk_rows
                .or(file.chunk_rows)
                .unwrap_or(d.chunk_rows)
                .max(1),
            io_timeout: cli.io_timeout.or(file.io_timeout).unwrap_or(d.io_timeout),
        }
    }

    /// The timeouts of the load's connections.
    pub fn timeouts(&self) -> crate::load::Timeouts {
        crate::load::Timeouts::new(self.io_timeout)
    }
}

fn default_orphans() -> OrphanPolicy {
    Settings::DEFAULT.orphans
}

/// Rows whose foreign-key values match no referenced row (common in MySQL databases that ran
/// without foreign-key checks), found after the data, as the foreign keys are created.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum OrphanPolicy {
    /// Stop, listing them: before creating the foreign keys, or on PostgreSQL (which checks
    /// the rows itself) after creating those that no row breaks.
    Abort,
    /// Delete them (counted in the summary).
    Delete,
    /// Keep them and create the foreign key without checking existing rows (PostgreSQL
    /// `NOT VALID`; MySQL and SQLite do not check existing rows when told not to).
    NotValid,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings::DEFAULT
    }
}

/// Builds the plan for moving what `conv` converted from `source` to `target`.
pub fn build(conv: &Conversion, source: Endpoint, target: Endpoint, settings: Settings) -> Plan {
    let steps = |stmts: &[crate::emit::Stmt]| {
        stmts
            .iter()
            .map(|s| Step {
                kind: s.kind.clone(),
                sql: s.sql.clone(),
            })
            .collect::<Vec<Step>>()
    };
    let by_source: std::collections::HashMap<&Name, &TableTarget> =
        conv.output.tables.iter().map(|t| (&t.source, t)).collect();
    let tables = conv
        .output
        .tables
        .iter()
        .filter_map(|tt| {
            let t = conv.schema.table(&tt.source)?;
            let columns = t
                .columns
                .iter()
                .zip(&tt.columns)
                .filter(|(c, _)| c.generated.is_none())
                .map(|(c, (_, target))| {
                    let m = c.mapped.as_ref();
                    ColumnPlan {
                        source: c.name.clone(),
                        target: target.clone(),
                        source_type: c.source_type.clone(),
                        canonical: m.map_or_else(CanonicalType::other, |m| m.canonical.clone()),
                        target_type: m.map_or_else(String::new, |m| m.target.clone()),
                        transform: m.and_then(|m| m.transform).or_else(|| {
                            m.is_some_and(|m| zero_dates_possible(conv.from, &m.canonical))
                                .then_some(Transform::ZeroDateToNull)
                        }),
                        identity: c.identity.is_some(),
                        sequence: conv
                            .output
                            .sequence_defaults
                            .iter()
                            .find(|(t, col, _)| *t == tt.source && *col == c.name)
                            .map(|(_, _, seq)| seq.clone()),
                    }
                })
                .collect();
            Some(TablePlan {
                source: tt.source.clone(),
                target: tt.target.clone(),
                columns,
                source_columns: t.columns.iter().map(|c| c.name.clone()).collect(),
                key: t
                    .primary_key
                    .as_ref()
                    .map_or_else(Vec::new, |k| k.columns.clone()),
                foreign_keys: t
                    .foreign_keys
                    .iter()
                    .filter_map(|fk| {
                        let rt = by_source.get(&fk.ref_table)?;
                        Some(ForeignKeyPlan {
                            describe: format!(
                                "{}({}) -> {}({})",
                                t.name,
                                fk.columns.join(", "),
                                fk.ref_table,
                                fk.ref_columns.join(", ")
                            ),
                            columns: target_columns(tt, &fk.columns)?,
                            ref_table: rt.target.clone(),
                            ref_columns: target_columns(rt, &fk.ref_columns)?,
                        })
                    })
                    .collect(),
                filter: None,
                query: None,
                estimated_rows: None,
                chunks: Vec::new(),
            })
        })
        .collect();
    // CHECK constraints go on the empty tables, before the data: the server then checks each
    // row as it arrives (a row that breaks one is refused like any bad row, with its key)
    // instead of reading every table again afterwards under an exclusive lock, as pg_dump
    // also does.
    let (checks, post_data): (Vec<Step>, Vec<Step>) = steps(&conv.output.post_data)
        .into_iter()
        .partition(|s| s.kind == StepKind::Check);
    let mut pre_data = steps(&conv.output.pre_data);
    pre_data.extend(checks);
    Plan {
        plan_version: PLAN_VERSION,
        ferry_version: env!("CARGO_PKG_VERSION").to_string(),
        source,
        target,
        pre_data,
        post_data,
        views: steps(&conv.output.views),
        tables,
        settings,
        source_fingerprint: None,
    }
}

/// Points the plan at the source's own names where `migration.toml` renamed or dropped:
/// the DDL (and the target) use the new names, the reads use the source's. Every source column
/// stays in `source_columns`, dropped ones included, so that a positional row (a dump's
/// `INSERT INTO t VALUES (...)`) is read by position and the dropped column's value skipped.
pub fn use_source_names(plan: &mut Plan, cfg: &crate::config::MigrationConfig, conv: &Conversion) {
    for t in &mut plan.tables {
        if let Some(rec) = conv.source_names.by_name(&t.source) {
            let source = |c: &str| rec.source_column(c).unwrap_or(c).to_string();
            for c in &mut t.columns {
                c.source = source(&c.source);
            }
            t.key = t.key.iter().map(|c| source(c)).collect();
            t.source_columns = rec.columns.iter().map(|(c, _)| c.clone()).collect();
            t.source = rec.source.clone();
        }
        t.filter = cfg.filter_for(&t.source);
    }
}

/// MySQL stores zero dates (`0000-00-00`) in any DATE or DATETIME column its sql_mode allowed
/// at the time, whatever the column's default says; no other engine has them. The load turns
/// them into NULL (counted) rather than failing on the first one.
fn zero_dates_possible(from: crate::dialect::Dialect, canonical: &CanonicalType) -> bool {
    from == crate::dialect::Dialect::Mysql
        && matches!(canonical.family(), Family::Date | Family::Timestamp)
}

/// A target name as the target stores it: `"a"."b"` -> a.b (quotes and doubled quotes undone).
pub fn target_name(quoted: &str) -> Name {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut chars = quoted.chars().peekable();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        match (quote, c) {
            (None, '"' | '`') => quote = Some(c),
            (Some(q), c) if c == q => {
                if chars.peek() == Some(&q) {
                    cur.push(q);
                    chars.next();
                } else {
                    quote = None;
                }
            }
            (None, '.') => parts.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    parts.push(cur);
    let name = parts.pop().unwrap_or_default();
    Name {
        schema: parts.pop(),
        name,
    }
}

/// Target names of source columns of a table; `None` if one is not in it.
fn target_columns(t: &TableTarget, cols: &[String]) -> Option<Vec<String>> {
    cols.iter()
        .map(|c| {
            t.columns
                .iter()
                .find(|(s, _)| s == c || s.eq_ignore_ascii_case(c))
                .map(|(_, target)| target.clone())
        })
        .collect()
}

/// Why a plan file's text cannot be used. The message says what the user reads; serde_json's
/// error, where there is one, is the `source()`.
#[derive(Debug)]
pub enum PlanError {
    /// The text is not JSON.
    InvalidJson(serde_json::Error),
    /// JSON without a numeric `plan_version`.
    NoVersion,
    /// A `plan_version` this ferry does not read.
    UnsupportedVersion(u64),
    /// JSON of a version ferry reads whose content is not a plan of that version.
    InvalidPlan(serde_json::Error),
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlanError::InvalidJson(e) => write!(f, "not a plan (invalid JSON): {e}"),
            PlanError::NoVersion => write!(f, "not a plan: no plan_version"),
            PlanError::UnsupportedVersion(n) => write!(
                f,
                "plan_version {n} is not supported by this ferry (it reads versions 1 to {PLAN_VERSION})"
            ),
            PlanError::InvalidPlan(e) => write!(f, "not a valid plan: {e}"),
        }
    }
}

impl std::error::Error for PlanError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            PlanError::InvalidJson(e) | PlanError::InvalidPlan(e) => Some(e),
            PlanError::NoVersion | PlanError::UnsupportedVersion(_) => None,
        }
    }
}

/// Reads a plan file's text, of the current version or of version 1 (whose statements are
/// given their kinds by `v1::typed_steps`, the one place that reads a kind from SQL text).
pub fn parse(text: &str) -> Result<Plan, PlanError> {
    let mut v: serde_json::Value = serde_json::from_str(text).map_err(PlanError::InvalidJson)?;
    match v.get("plan_version").and_then(serde_json::Value::as_u64) {
        Some(n) if n == u64::from(PLAN_VERSION) => {}
        Some(1) => v1::typed_steps(&mut v),
        Some(n) => return Err(PlanError::UnsupportedVersion(n)),
        None => return Err(PlanError::NoVersion),
    }
    serde_json::from_value(v).map_err(PlanError::InvalidPlan)
}

#[cfg(test)]
mod tests {
    use super::{PlanError, StepKind, parse};
    use std::error::Error;

    /// A version 2 plan as text: the version 1 plan of the fixtures, read and written again.
    fn plan_v2_text() -> String {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/plan-v1/shop-postgres.plan.json"
        );
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let plan = parse(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
        serde_json::to_string_pretty(&plan).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_version_2_plan_reads_back_as_written() {
        let text = plan_v2_text();
        assert!(text.contains("\"plan_version\": 2"), "{text}");
        let plan = parse(&text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            serde_json::to_string_pretty(&plan).unwrap_or_else(|e| panic!("{e}")),
            text
        );
        let fk = plan
            .post_data
            .iter()
            .find(|s| matches!(s.kind, StepKind::ForeignKey { .. }))
            .unwrap_or_else(|| panic!("no foreign key in {text}"));
        let json = serde_json::to_value(fk).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(json["kind"], "foreign_key");
        assert_eq!(json["table"], "category");
        assert_eq!(json["references"], "category");
    }

    #[test]
    fn a_plan_that_cannot_be_read_says_why_by_kind() {
        let v2 = plan_v2_text();
        let cases: [(&str, String); 6] = [
            ("invalid JSON", "{\"plan_version\": 2,".to_string()),
            ("no version", "{\"tables\": []}".to_string()),
            ("unsupported version", "{\"plan_version\": 3}".to_string()),
            ("invalid plan", "{\"plan_version\": 2}".to_string()),
            (
                "invalid plan",
                v2.replacen("\"kind\": \"index\"", "\"kind\": \"spatial\"", 1),
            ),
            (
                "invalid plan",
                v2.replacen("\"table\": \"category\",", "", 1),
            ),
        ];
        for (why, text) in cases {
            let e = match parse(&text) {
                Ok(_) => panic!("{why}: read as a plan:\n{text}"),
                Err(e) => e,
            };
            let kind = match e {
                PlanError::InvalidJson(_) => "invalid JSON",
                PlanError::NoVersion => "no version",
                PlanError::UnsupportedVersion(3) => "unsupported version",
                PlanError::UnsupportedVersion(_) => "another version",
                PlanError::InvalidPlan(_) => "invalid plan",
            };
            assert_eq!(kind, why, "{e}");
            assert_eq!(
                e.source().is_some(),
                matches!(e, PlanError::InvalidJson(_) | PlanError::InvalidPlan(_)),
                "{e}"
            );
        }
        // A version 2 plan's statements are steps: text alone is not one.
        let text_steps = v2.replacen(
            "\"post_data\": [",
            "\"post_data\": [\"CREATE INDEX i ON t (a)\",",
            1,
        );
        let e = parse(&text_steps).err().map(|e| e.to_string());
        assert!(
            e.as_deref()
                .is_some_and(|e| e.starts_with("not a valid plan: ")),
            "{e:?}"
        );
    }
}
