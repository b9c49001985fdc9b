//! What a load reports: counts per table, orphans, the kept units of a resumed load, and
//! the summary table printed after it.

use serde::Serialize;

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
    /// Chunks (or dump segments) an interrupted load had committed: a resumed load kept them.
    pub kept_units: u64,
    pub seconds: f64,
    /// Where the load's snapshot stood in the source's change log (`LoadOptions::change_mark`).
    pub change_mark: Option<String>,
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
    if s.kept_units > 0 {
        out.push_str(&format!(
            "resumed: {} chunks committed by the interrupted load were kept; the counts above are this run's\n",
            s.kept_units
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
