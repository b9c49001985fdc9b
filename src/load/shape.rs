//! Row shaping: each row in plan order, typed from text by its column's canonical type and
//! transformed as the plan says; what shaping refuses, with the row's key.

use std::borrow::Cow;
use std::collections::HashMap;

use super::rejects::Rejects;
use super::{LoadError, TableStats};
use crate::ir::Name;
use crate::plan::{ColumnPlan, OnError, Plan, TablePlan};
use crate::transform::Applied;
use crate::value::{Row, TextKind, Value};

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

/// Where each planned column's value sits in an incoming row, and what its text is read as.
pub(crate) struct Shape {
    positions: Vec<usize>,
    width: usize,
    /// Per planned column (of the table `new` returns).
    kinds: Vec<TextKind>,
    /// The row is in plan order already: shaped in place.
    in_order: bool,
}

impl Shape {
    /// Rows already in plan order (a source read with the plan's column list).
    pub(crate) fn identity(table: &TablePlan) -> Shape {
        Shape {
            positions: (0..table.columns.len()).collect(),
            width: table.columns.len(),
            kinds: text_kinds(&table.columns),
            in_order: true,
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
        let in_order =
            positions.len() == names.len() && positions.iter().enumerate().all(|(i, p)| i == *p);
        Ok((
            Shape {
                positions,
                width: names.len(),
                kinds: text_kinds(&table.columns),
                in_order,
            },
            table,
        ))
    }
}

fn text_kinds(columns: &[ColumnPlan]) -> Vec<TextKind> {
    columns.iter().map(|c| TextKind::of(&c.canonical)).collect()
}

/// A batch as read, typed and transformed for the target; the rows refused on the way are
/// set aside (or stop the load, by `on_error`) and counted in `stats`.
pub(crate) fn shape_rows(
    table: &TablePlan,
    shape: &Shape,
    rows: Vec<Row>,
    on_error: OnError,
    rejects: &Rejects,
    stats: &mut TableStats,
) -> Result<Vec<Row>, LoadError> {
    let mut ready = Vec::with_capacity(rows.len());
    for row in rows {
        stats.rows_read += 1;
        match shape_row(table, shape, row, stats) {
            Ok(r) => ready.push(r),
            Err(Refused {
                column,
                value,
                reason,
                key,
            }) => {
                let key = key.unwrap_or_else(|| format!("row {}", stats.rows_read));
                if on_error == OnError::Abort {
                    return Err(LoadError::refused_row(format!(
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
    Ok(ready)
}

pub(crate) fn value_size(v: &Value) -> u64 {
    match v {
        Value::Null => 0,
        Value::Bool(_) => 1,
        Value::Int(_) | Value::UInt(_) | Value::Float(_) => 8,
        Value::Decimal(s) | Value::Text(s) => s.len() as u64,
        Value::Bytes(b) => b.len() as u64,
    }
}

/// A value that shaping refused.
pub(crate) struct Refused {
    pub column: String,
    /// The value as text.
    pub value: String,
    pub reason: String,
    /// The row's key (`id=4`), None for a table without one.
    pub key: Option<String>,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} = {}: {}", self.column, self.value, self.reason)
    }
}

/// The key of a row refused at planned column `at`, for the reject file: `shown(i)` is the
/// value of planned column `i` as text.
fn refused_key(table: &TablePlan, shown: &dyn Fn(usize) -> Option<String>) -> Option<String> {
    let parts: Vec<String> = table
        .key
        .iter()
        .filter_map(|k| {
            let i = table.columns.iter().position(|c| &c.source == k)?;
            Some(format!("{k}={}", shown(i)?))
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// One row in plan order, typed and transformed. A row already in plan order (every live
/// source) is shaped in place; a dump's row is picked into plan order.
pub(crate) fn shape_row(
    table: &TablePlan,
    shape: &Shape,
    row: Row,
    stats: &mut TableStats,
) -> Result<Row, Refused> {
    if row.len() != shape.width {
        return Err(Refused {
            column: String::from("(row)"),
            value: format!("{} values", row.len()),
            reason: format!("expected {} values", shape.width),
            key: None,
        });
    }
    let refused =
        |c: &ColumnPlan, (value, reason), shown: &dyn Fn(usize) -> Option<String>| Refused {
            column: c.source.clone(),
            key: refused_key(table, shown),
            value,
            reason,
        };
    if shape.in_order {
        let mut row = row;
        for (i, (c, kind)) in table.columns.iter().zip(&shape.kinds).enumerate() {
            let v = std::mem::replace(&mut row[i], Value::Null);
            match shape_value(c, *kind, v, stats) {
                Ok(v) => row[i] = v,
                Err(e) => {
                    let value = e.0.clone();
                    let shown = |k: usize| match k == i {
                        true => Some(value.clone()),
                        false => row.get(k).map(Value::display),
                    };
                    return Err(refused(c, e, &shown));
                }
            }
        }
        return Ok(row);
    }
    let mut row: Vec<Option<Value>> = row.into_iter().map(Some).collect();
    let mut out = Vec::with_capacity(table.columns.len());
    for (i, (c, kind)) in table.columns.iter().zip(&shape.kinds).enumerate() {
        let p = shape.positions[i];
        let v = row.get_mut(p).and_then(Option::take).unwrap_or(Value::Null);
        match shape_value(c, *kind, v, stats) {
            Ok(v) => out.push(v),
            Err(e) => {
                // Planned columns before `i` are shaped in `out`; later ones still in `row`.
                let value = e.0.clone();
                let shown = |k: usize| match k.cmp(&i) {
                    std::cmp::Ordering::Less => out.get(k).map(Value::display),
                    std::cmp::Ordering::Equal => Some(value.clone()),
                    std::cmp::Ordering::Greater => row
                        .get(*shape.positions.get(k)?)?
                        .as_ref()
                        .map(Value::display),
                };
                return Err(refused(c, e, &shown));
            }
        }
    }
    Ok(out)
}

/// One value typed by its column's kind and transformed; Err is (the value as text, the
/// reason) for the reject file.
fn shape_value(
    c: &ColumnPlan,
    kind: TextKind,
    v: Value,
    stats: &mut TableStats,
) -> Result<Value, (String, String)> {
    let v = match v {
        Value::Text(t) => Value::from_text(t, kind),
        other => other,
    };
    let Some(tr) = c.transform else {
        return Ok(v);
    };
    // The value before the transform, for the reject file (a copy only when it may refuse).
    let before = tr.may_reject().then(|| v.clone());
    match tr.apply(v) {
        Ok((v, applied)) => {
            match applied {
                Applied::ZeroDateNulled => stats.zero_dates_nulled += 1,
                Applied::NulStripped => stats.nul_stripped += 1,
                Applied::Kept | Applied::Changed => {}
            }
            Ok(v)
        }
        Err(reason) => Err((before.map(|b| b.display()).unwrap_or_default(), reason)),
    }
}
