//! Progress on standard error while a load runs.

use std::collections::HashMap;
use std::time::Instant;

use super::TableStats;
use crate::plan::Plan;

/// Progress on standard error: on a terminal, a bar per table (rows, rate, and the share done
/// and time left where the plan estimated the rows) under a total line; otherwise a plain line
/// at most every two seconds; nothing with `--quiet`.
pub(crate) struct Progress {
    quiet: bool,
    bars: Option<(indicatif::MultiProgress, indicatif::ProgressBar)>,
    tables: HashMap<usize, indicatif::ProgressBar>,
    /// The plan's estimated rows per table, and their sum when every table has one.
    estimates: Vec<Option<u64>>,
    expected: Option<u64>,
    last: Instant,
    started: Instant,
}

/// A bar of `len` rows with its share and time left, or a spinner without a length.
fn progress_bar(len: Option<u64>, counted: &str, open: &str) -> indicatif::ProgressBar {
    let (bar, template) = match len {
        Some(n) => (indicatif::ProgressBar::new(n), counted),
        None => (indicatif::ProgressBar::new_spinner(), open),
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template(template)
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    bar
}

impl Progress {
    pub(crate) fn new(quiet: bool, plan: &Plan) -> Progress {
        use std::io::IsTerminal;
        let estimates: Vec<Option<u64>> = plan.tables.iter().map(|t| t.estimated_rows).collect();
        let expected = estimates.iter().copied().sum::<Option<u64>>();
        let bars = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let multi = indicatif::MultiProgress::new();
            let total = multi.add(progress_bar(
                expected,
                "{spinner} total {human_pos}/{human_len} rows {wide_bar} {per_sec}, {elapsed}, about {eta} left",
                "{spinner} total {human_pos} rows, {per_sec}, {elapsed}",
            ));
            total.enable_steady_tick(std::time::Duration::from_millis(200));
            (multi, total)
        });
        Progress {
            quiet,
            bars,
            tables: HashMap::new(),
            estimates,
            expected,
            last: Instant::now(),
            started: Instant::now(),
        }
    }

    /// A warning for the user, unless `--quiet`: above the bars when they are shown.
    pub(crate) fn warn(&self, line: &str) {
        if self.quiet {
            return;
        }
        match &self.bars {
            Some((multi, _)) => {
                let _ = multi.println(line);
            }
            None => say(line),
        }
    }

    /// A table's rows written so far, and the total.
    pub(crate) fn update(&mut self, ti: usize, st: &TableStats, total: u64) {
        if self.quiet {
            return;
        }
        if let Some((multi, total_bar)) = &self.bars {
            let estimate = self.estimates.get(ti).copied().flatten();
            let bar = self.tables.entry(ti).or_insert_with(|| {
                let b = multi.insert_before(
                    total_bar,
                    progress_bar(
                        estimate,
                        "  {prefix:32} {human_pos:>12}/{human_len} rows {bar:20} {per_sec:>14} {eta:>4}",
                        "  {prefix:32} {human_pos:>12} rows {per_sec:>14}",
                    ),
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
        let rate = total as f64 / secs;
        let share = match self.expected {
            Some(n) if n > 0 && rate > 0.0 => format!(
                " of about {n} ({:.0}%, about {:.0} s left)",
                100.0 * total as f64 / n as f64,
                n.saturating_sub(total) as f64 / rate
            ),
            _ => String::new(),
        };
        say(&format!(
            "ferry: {total} rows written{share}, {rate:.0} rows/s"
        ));
    }

    /// Leaves the bars on screen, finished.
    pub(crate) fn finish(&mut self) {
        for b in self.tables.values() {
            b.finish();
        }
        if let Some((_, total)) = &self.bars {
            total.finish();
        }
    }
}

/// A line on standard error; a closed standard error is ignored (a load is not stopped by it).
pub(crate) fn say(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}
