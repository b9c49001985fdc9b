//! DDL at the source while syncing. A column added at the end of a planned table is converted
//! through the same pipeline as the plan (the source's schema read again, converted to the
//! target's dialect, planned) and added to the target; anything else stops sync with the
//! statement named. The columns added are kept in the sync state, so a restarted sync plans
//! with them.

use serde::{Deserialize, Serialize};

use crate::load::{self, LoadError};
use crate::plan::{ColumnPlan, Plan, TablePlan};

/// A column sync added to a planned table.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Addition {
    /// The table, as the source names it (`TablePlan::source` printed).
    pub table: String,
    pub column: ColumnPlan,
    /// The source table's columns with it.
    pub source_columns: Vec<String>,
}

/// What a change of a planned table's definition amounts to.
#[derive(Debug)]
pub enum Decision {
    /// The table's columns are what the plan has (the DDL changed something else, or was seen
    /// before): carry on.
    Same,
    /// Columns added at the end: these, and the target DDL that adds each.
    Added(Vec<(Addition, String)>),
    /// Something sync cannot follow, and why.
    Other(String),
}

/// The plan table a source's message names (`schema.table` or `table`).
pub fn find_table(plan: &Plan, name: &str) -> Option<usize> {
    plan.tables.iter().position(|t| {
        t.source.to_string() == name
            || t.source.name == name
            || format!("public.{}", t.source.name) == name && t.source.schema.is_none()
    })
}

/// Adds the stored additions to the plan.
pub fn apply(plan: &mut Plan, additions: &[Addition]) {
    for a in additions {
        if let Some(t) = plan
            .tables
            .iter_mut()
            .find(|t| t.source.to_string() == a.table)
            && !t.columns.iter().any(|c| c.source == a.column.source)
        {
            t.columns.push(a.column.clone());
            t.source_columns = a.source_columns.clone();
        }
    }
}

/// The source's table `ti` as it is now, converted and planned as `plan` was, with the
/// CREATE TABLE the conversion printed for it.
fn replanned(plan: &Plan, ti: usize) -> Result<Option<(TablePlan, String)>, LoadError> {
    let file = load::source_schema(&plan.source, plan.settings.timeouts())?;
    let opts = crate::ConvertOptions {
        from: plan.source.dialect(),
        to: plan.target.dialect(),
        identifiers: Default::default(),
        emulate_on_update: false,
        user_mappings: None,
        config: None,
        oracle_compat: None,
    };
    let conv = crate::convert(&file, &opts);
    let fresh = crate::plan::build(
        &conv,
        plan.source.clone(),
        plan.target.clone(),
        plan.settings.clone(),
    );
    let want = &plan.tables[ti].source;
    Ok(fresh
        .tables
        .iter()
        .find(|t| &t.source == want || t.source.name == want.name)
        .map(|t| {
            let create = fresh
                .pre_data
                .iter()
                .find(|s| s.sql.starts_with(&format!("CREATE TABLE {} (", t.target)))
                .map(|s| s.sql.clone())
                .unwrap_or_default();
            (t.clone(), create)
        }))
}

/// Decides what a change of table `ti`'s definition at the source means for sync.
pub fn decide(plan: &Plan, ti: usize) -> Result<Decision, LoadError> {
    let old = &plan.tables[ti];
    let Some((new, create)) = replanned(plan, ti)? else {
        return Ok(Decision::Other(format!(
            "table {} is no longer in the source (dropped or renamed)",
            old.source
        )));
    };
    let same = |a: &ColumnPlan, b: &ColumnPlan| {
        a.source == b.source && a.target == b.target && a.target_type == b.target_type
    };
    let kept = old.columns.len() <= new.columns.len()
        && old
            .columns
            .iter()
            .zip(&new.columns)
            .all(|(a, b)| same(a, b))
        && new.source_columns.starts_with(&old.source_columns);
    if !kept {
        let now: Vec<&str> = new.columns.iter().map(|c| c.source.as_str()).collect();
        return Ok(Decision::Other(format!(
            "its columns are now ({}): sync adds columns at the end of a table, and follows no \
             other change",
            now.join(", ")
        )));
    }
    if new.columns.len() == old.columns.len() {
        return Ok(Decision::Same);
    }
    let mut added = Vec::new();
    for c in &new.columns[old.columns.len()..] {
        // The column's line of the CREATE TABLE the conversion printed: its type, NOT NULL and
        // default as the target spells them (a default fills the rows the table holds, at the
        // source as at the target, without a change for each).
        let prefix = format!("{} ", c.target);
        let Some(definition) = create
            .lines()
            .map(|l| l.trim().trim_end_matches(','))
            .find(|l| l.starts_with(&prefix))
        else {
            return Ok(Decision::Other(format!(
                "the converted definition of the new column {} was not found",
                c.source
            )));
        };
        added.push((
            Addition {
                table: old.source.to_string(),
                column: c.clone(),
                source_columns: new.source_columns.clone(),
            },
            format!("ALTER TABLE {} ADD COLUMN {definition}", old.target),
        ));
    }
    Ok(Decision::Added(added))
}
