//! The portable SQL a load builds: the WHERE of a table's filter and a chunk's range, the
//! reads of a source, the orphan counts and deletes.

use super::KeyRange;
use crate::plan::{ForeignKeyPlan, TablePlan};

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

/// `SELECT count(*) FROM table [WHERE filter]`: the rows a load of the table reads.
pub fn count_sql(table: &TablePlan, from: &str, quote: impl Fn(&str) -> String) -> String {
    format!(
        "SELECT count(*) FROM {from}{}",
        where_clause(table, None, quote)
    )
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
