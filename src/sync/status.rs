//! `ferry sync --status`: where a sync stands, read from the target's sync state and the
//! source's end of log; readable while sync runs.

use std::fmt;

use serde::Serialize;

use super::change::Position;
use super::state::{self, Phase};
use super::{apply, now, source};
use crate::load::LoadError;
use crate::plan::Plan;

#[derive(Clone, Debug, Serialize)]
pub struct SyncStatus {
    /// `none`, `loading` or `streaming`.
    pub phase: String,
    /// Where the source's change log ends now.
    pub source_position: Option<String>,
    /// Applied up to here.
    pub applied_position: Option<String>,
    /// How far behind: seconds since the first change not applied was committed at the
    /// source (0 when caught up).
    pub lag_seconds: Option<f64>,
    /// How far behind in the log's own unit: WAL bytes (PostgreSQL), binary log bytes within
    /// one file (MySQL), captured changes (SQLite).
    pub lag_log: Option<u64>,
    pub transactions_applied: u64,
    pub changes_applied: u64,
    /// Changes per second over the last minute, as sync last measured it.
    pub changes_per_second: Option<f64>,
    /// When sync last committed to the target (Unix seconds).
    pub applied_at: Option<f64>,
    pub last_error: Option<String>,
}

/// Reads the status of the plan's sync.
pub fn status(plan: &Plan) -> Result<SyncStatus, LoadError> {
    let mut link = apply::open(plan)?;
    let st = state::read(link.as_mut())?;
    let end = source::end(plan)?;
    let Some(st) = st else {
        return Ok(SyncStatus {
            phase: "none".to_string(),
            source_position: Some(end.to_string()),
            applied_position: None,
            lag_seconds: None,
            lag_log: None,
            transactions_applied: 0,
            changes_applied: 0,
            changes_per_second: None,
            applied_at: None,
            last_error: None,
        });
    };
    let caught_up = st
        .position
        .as_ref()
        .is_some_and(|p| state::reached(p, &end));
    let lag_seconds = if caught_up {
        Some(0.0)
    } else {
        st.commit_time
            .or(st.applied_at)
            .map(|t| (now() - t).max(0.0))
    };
    let lag_log = st.position.as_ref().and_then(|p| match (p, &end) {
        (Position::Lsn(a), Position::Lsn(b)) => Some(b.saturating_sub(*a)),
        (Position::Seq(a), Position::Seq(b)) => Some(b.saturating_sub(*a) as u64),
        (
            Position::Binlog {
                file: fa, pos: pa, ..
            },
            Position::Binlog {
                file: fb, pos: pb, ..
            },
        ) if fa == fb => Some(pb.saturating_sub(*pa)),
        _ => None,
    });
    Ok(SyncStatus {
        phase: match st.phase {
            Phase::Loading => "loading",
            Phase::Streaming => "streaming",
        }
        .to_string(),
        source_position: Some(end.to_string()),
        applied_position: st.position.map(|p| p.to_string()),
        lag_seconds,
        lag_log,
        transactions_applied: st.transactions,
        changes_applied: st.changes,
        changes_per_second: st.rate,
        applied_at: st.applied_at,
        last_error: st.last_error,
    })
}

impl fmt::Display for SyncStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let or = |o: &Option<String>| o.clone().unwrap_or_else(|| "-".to_string());
        writeln!(f, "phase:              {}", self.phase)?;
        writeln!(f, "source position:    {}", or(&self.source_position))?;
        writeln!(f, "applied position:   {}", or(&self.applied_position))?;
        match self.lag_seconds {
            Some(s) => writeln!(f, "lag:                {s:.1} s")?,
            None => writeln!(f, "lag:                -")?,
        }
        if let Some(n) = self.lag_log {
            writeln!(f, "behind by:          {n} (log units)")?;
        }
        writeln!(
            f,
            "applied:            {} transactions, {} changes",
            self.transactions_applied, self.changes_applied
        )?;
        match self.changes_per_second {
            Some(r) => writeln!(
                f,
                "rate:               {r:.0} changes/s over the last minute"
            )?,
            None => writeln!(f, "rate:               -")?,
        }
        if let Some(e) = &self.last_error {
            writeln!(f, "last error:         {e}")?;
        }
        Ok(())
    }
}
