//! SQLite as a change source: SQLite keeps no change log another process can read, so ferry
//! installs triggers (https://sqlite.org/lang_createtrigger.html) on each planned table that
//! write every inserted, updated and deleted row into a change table of its own,
//! `ferry_<plan>_changes`, in the writer's transaction. Only writes made through SQLite are
//! seen: a file replaced or copied over from outside is not.
//!
//! The change table holds one row per change (`col = -1`: the table and the kind of change)
//! followed by one row per value (`col` = the plan column; `1000 + k` = the old value of key
//! column k), so a value keeps its exact storage class. `seq` only grows (AUTOINCREMENT).
//!
//! SQLite has one writer at a time and a reader sees whole transactions: everything up to
//! the last `seq` a read transaction sees is a set of whole source transactions, handed on as
//! one; once the target committed them, they are deleted from the change table.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::Connection;

use super::{ChangeSource, Event, Position, capture_name};
use crate::load::LoadError;
use crate::load::sqlite::{err, from_sqlite, quote, to_sql};
use crate::plan::Plan;
use crate::sync::change::{Change, Op};
use crate::value::Value;

/// The change table of the plan's capture.
pub fn change_table(plan: &Plan) -> String {
    format!("{}_changes", capture_name(plan))
}

/// Whether a trigger is one of a capture's (`ferry_<12 hex>_<table>_<I|U|D>`).
pub fn is_capture_trigger(name: &str) -> bool {
    let Some(rest) = name.strip_prefix("ferry_") else {
        return false;
    };
    let mut parts = rest.split('_');
    let (Some(hex), Some(table), Some(op), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    hex.len() == 12
        && hex.bytes().all(|b| b.is_ascii_hexdigit())
        && !table.is_empty()
        && table.bytes().all(|b| b.is_ascii_digit())
        && matches!(op, "I" | "U" | "D")
}

/// Where the old values of a table's key columns are numbered from in the change table.
const OLD_KEY: i64 = 1000;

/// Value rows read at a time.
const PAGE: i64 = 5_000;

fn open_rw(path: &Path) -> Result<Connection, LoadError> {
    if !path.is_file() {
        return Err(LoadError::config(format!(
            "sqlite:{}: no such file",
            path.display()
        )));
    }
    let conn = Connection::open(path).map_err(|e| err(path, "cannot open", e))?;
    conn.busy_timeout(Duration::from_secs(30))
        .map_err(|e| err(path, "cannot set up the connection", e))?;
    Ok(conn)
}

/// The triggers of plan table `i`: their names and statements.
fn triggers(plan: &Plan, i: usize) -> Vec<(String, String)> {
    let t = &plan.tables[i];
    let changes = quote(&change_table(plan));
    let name = |op: &str| format!("{}_{i}_{op}", capture_name(plan));
    let table = quote(&t.source.name);
    let news: Vec<String> = t
        .columns
        .iter()
        .enumerate()
        .map(|(c, col)| format!("({i}, 'v', {c}, NEW.{})", quote(&col.source)))
        .collect();
    let olds: Vec<String> = t
        .key
        .iter()
        .enumerate()
        .map(|(k, col)| format!("({i}, 'v', {}, OLD.{})", OLD_KEY + k as i64, quote(col)))
        .collect();
    let body = |op: &str, values: Vec<&String>| {
        let mut rows = vec![format!("({i}, '{op}', -1, NULL)")];
        rows.extend(values.into_iter().cloned());
        format!(
            "INSERT INTO {changes} (tbl, op, col, val) VALUES {};",
            rows.join(", ")
        )
    };
    let make = |op: &str, event: &str, values: Vec<&String>| {
        (
            name(op),
            format!(
                "CREATE TRIGGER {} AFTER {event} ON {table} BEGIN {} END",
                quote(&name(op)),
                body(op, values)
            ),
        )
    };
    vec![
        make("I", "INSERT", news.iter().collect()),
        make("U", "UPDATE", olds.iter().chain(&news).collect()),
        make("D", "DELETE", olds.iter().collect()),
    ]
}

/// Creates the change table and (again) the capture triggers, in one transaction; returns the
/// last change captured so far.
pub fn prepare(plan: &Plan, path: &Path) -> Result<Position, LoadError> {
    let mut conn = open_rw(path)?;
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(|e| err(path, "cannot begin a transaction", e))?;
    let changes = quote(&change_table(plan));
    let mut sql = format!(
        "CREATE TABLE IF NOT EXISTS {changes} (seq INTEGER PRIMARY KEY AUTOINCREMENT, tbl \
         INTEGER NOT NULL, op TEXT NOT NULL, col INTEGER NOT NULL, val);\n"
    );
    for i in 0..plan.tables.len() {
        for (name, create) in triggers(plan, i) {
            sql.push_str(&format!(
                "DROP TRIGGER IF EXISTS {};\n{create};\n",
                quote(&name)
            ));
        }
    }
    tx.execute_batch(&sql)
        .map_err(|e| err(path, "cannot install the capture triggers", e))?;
    let last = last_seq(&tx, path, &change_table(plan))?;
    tx.commit()
        .map_err(|e| err(path, "cannot install the capture triggers", e))?;
    Ok(Position::Seq(last))
}

/// The last `seq` given out: the change table's largest, or, once the applied changes are
/// deleted, what `sqlite_sequence` remembers of it (https://sqlite.org/autoinc.html).
pub fn last_seq_sql(changes: &str) -> String {
    format!(
        "SELECT max(coalesce((SELECT max(seq) FROM {}), 0), coalesce((SELECT seq FROM \
         sqlite_sequence WHERE name = '{}'), 0))",
        quote(changes),
        changes.replace('\'', "''")
    )
}

fn last_seq(conn: &Connection, path: &Path, changes: &str) -> Result<i64, LoadError> {
    conn.query_row(&last_seq_sql(changes), [], |r| r.get::<_, i64>(0))
    .map_err(|e| {
        err(
            path,
            &format!("cannot read the change table {changes} (was it dropped? run ferry sync again to install it)"),
            e,
        )
    })
}

/// Where the change table ends now.
pub fn end(plan: &Plan, path: &Path) -> Result<Position, LoadError> {
    let conn = open_rw(path)?;
    Ok(Position::Seq(last_seq(&conn, path, &change_table(plan))?))
}

/// Drops the triggers and the change table (`--drop-capture`).
pub fn remove(plan: &Plan, path: &Path) -> Result<String, LoadError> {
    let conn = open_rw(path)?;
    let mut sql = String::from("BEGIN IMMEDIATE;\n");
    for i in 0..plan.tables.len() {
        for (name, _) in triggers(plan, i) {
            sql.push_str(&format!("DROP TRIGGER IF EXISTS {};\n", quote(&name)));
        }
    }
    sql.push_str(&format!(
        "DROP TABLE IF EXISTS {};\nCOMMIT;",
        quote(&change_table(plan))
    ));
    conn.execute_batch(&sql)
        .map_err(|e| err(path, "cannot remove the capture triggers", e))?;
    Ok(format!(
        "sqlite:{}: removed the capture triggers and the change table {}",
        path.display(),
        change_table(plan)
    ))
}

/// A change being assembled from its rows.
struct Partial {
    /// Its first row's `seq`.
    seq: i64,
    table: usize,
    op: String,
    new: Vec<Option<Value>>,
    old_key: Vec<Option<Value>>,
}

/// Reads the change table.
pub struct TriggerChanges {
    conn: Connection,
    path: PathBuf,
    changes: String,
    plan: Plan,
    /// Changes up to here are applied.
    applied: i64,
    /// The read in progress: up to which `seq`, and the last `seq` read.
    reading: Option<(i64, i64)>,
    partial: Option<Partial>,
    ready: VecDeque<Event>,
    /// The schema as last seen (`PRAGMA schema_version`; 0 before the first read, which
    /// compares every planned table with the plan).
    schema_version: i64,
    /// Changes up to here were captured by triggers installed before this plan's: they may
    /// lack the columns added since (`fill`).
    filled_below: i64,
}

impl TriggerChanges {
    pub fn open(plan: &Plan, path: &Path, from: &Position) -> Result<TriggerChanges, LoadError> {
        let Position::Seq(applied) = from else {
            return Err(LoadError::state(format!(
                "sqlite:{}: the stored sync position {from} is not a SQLite one",
                path.display()
            )));
        };
        // The capture triggers as this plan has the tables (columns added while syncing).
        let Position::Seq(filled_below) = prepare(plan, path)? else {
            return Err(LoadError::state(format!(
                "sqlite:{}: no change table position",
                path.display()
            )));
        };
        let conn = open_rw(path)?;
        let changes = change_table(plan);
        let s = TriggerChanges {
            conn,
            path: path.to_path_buf(),
            changes,
            plan: plan.clone(),
            applied: *applied,
            reading: None,
            partial: None,
            ready: VecDeque::new(),
            schema_version: 0,
            filled_below,
        };
        Ok(s)
    }

    fn schema_version(&self) -> Result<i64, LoadError> {
        self.conn
            .query_row("PRAGMA schema_version", [], |r| r.get(0))
            .map_err(|e| err(&self.path, "cannot read the schema version", e))
    }

    /// After the schema changed: a planned table whose columns differ from the plan's.
    fn changed_table(&self) -> Result<Option<Event>, LoadError> {
        for t in &self.plan.tables {
            let mut stmt = self
                .conn
                .prepare(&format!("PRAGMA table_xinfo({})", quote(&t.source.name)))
                .map_err(|e| err(&self.path, "cannot read the schema", e))?;
            let now: Vec<String> = stmt
                .query_map([], |r| r.get::<_, String>(1))
                .and_then(Iterator::collect)
                .map_err(|e| err(&self.path, "cannot read the schema", e))?;
            if now != t.source_columns {
                return Ok(Some(Event::SchemaChange {
                    table: t.source.to_string(),
                    statement: format!(
                        "its columns are now ({}); the plan has ({})",
                        now.join(", "),
                        t.source_columns.join(", ")
                    ),
                }));
            }
        }
        Ok(None)
    }

    /// Starts a read: a read transaction and the last change it sees.
    fn start(&mut self) -> Result<bool, LoadError> {
        self.conn
            .execute_batch("BEGIN")
            .map_err(|e| err(&self.path, "cannot begin a read transaction", e))?;
        let version = self.schema_version()?;
        if version != self.schema_version {
            self.schema_version = version;
            if let Some(ev) = self.changed_table()? {
                self.ready.push_back(ev);
                self.finish_read()?;
                return Ok(false);
            }
        }
        let upto = last_seq(&self.conn, &self.path, &self.changes)?;
        if upto <= self.applied {
            self.finish_read()?;
            return Ok(false);
        }
        self.reading = Some((upto, self.applied));
        self.ready.push_back(Event::Begin { skip: false });
        Ok(true)
    }

    fn finish_read(&mut self) -> Result<(), LoadError> {
        self.reading = None;
        self.conn
            .execute_batch("COMMIT")
            .map_err(|e| err(&self.path, "cannot end the read transaction", e))
    }

    /// A change captured before the triggers knew of columns added since lacks their values:
    /// they are taken from the row as the read sees it (its values after the changes read, as
    /// the target will hold them once they are applied); an inserted row deleted since gets
    /// the columns' defaults, an updated one keeps them as they are.
    fn fill(&self, p: &mut Partial) -> Result<(), LoadError> {
        let t = &self.plan.tables[p.table];
        let missing: Vec<usize> = (0..p.new.len()).filter(|i| p.new[*i].is_none()).collect();
        let key_cols: Vec<usize> = t
            .key
            .iter()
            .filter_map(|k| t.columns.iter().position(|c| &c.source == k))
            .collect();
        let key: Option<Vec<rusqlite::types::Value>> = key_cols
            .iter()
            .map(|i| p.new[*i].as_ref().and_then(|v| to_sql(v).ok()))
            .collect();
        let Some(key) = key else {
            return Ok(());
        };
        let names = |cols: &[usize]| -> Vec<String> {
            cols.iter().map(|i| quote(&t.columns[*i].source)).collect()
        };
        let condition: Vec<String> = names(&key_cols)
            .iter()
            .enumerate()
            .map(|(n, c)| format!("{c} IS ?{}", n + 1))
            .collect();
        let sql = format!(
            "SELECT {} FROM {} WHERE {}",
            names(&missing).join(", "),
            quote(&t.source.name),
            condition.join(" AND ")
        );
        let read = |r: &rusqlite::Row| -> rusqlite::Result<Vec<Value>> {
            (0..missing.len())
                .map(|i| Ok(from_sqlite(r.get_ref(i)?)))
                .collect()
        };
        let found = match self
            .conn
            .query_row(&sql, rusqlite::params_from_iter(key), read)
        {
            Ok(values) => Some(values),
            Err(rusqlite::Error::QueryReturnedNoRows) => None,
            Err(e) => return Err(err(&self.path, "cannot read a row's added columns", e)),
        };
        match found {
            Some(values) => {
                for (i, v) in missing.iter().zip(values) {
                    p.new[*i] = Some(v);
                }
            }
            None if p.op == "I" => {
                for i in missing {
                    p.new[i] = Some(self.default_of(&t.source.name, &t.columns[i].source)?);
                }
            }
            None => {}
        }
        Ok(())
    }

    /// A column's default as SQLite evaluates it now (NULL without one).
    fn default_of(&self, table: &str, column: &str) -> Result<Value, LoadError> {
        let default: Option<String> = self
            .conn
            .query_row(
                &format!(
                    "SELECT dflt_value FROM pragma_table_info({}) WHERE name = ?1",
                    quote(table)
                ),
                [column],
                |r| r.get(0),
            )
            .map_err(|e| err(&self.path, "cannot read a column's default", e))?;
        let Some(default) = default else {
            return Ok(Value::Null);
        };
        self.conn
            .query_row(&format!("SELECT {default}"), [], |r| {
                Ok(from_sqlite(r.get_ref(0)?))
            })
            .map_err(|e| err(&self.path, "cannot evaluate a column's default", e))
    }

    /// Hands on the change assembled so far.
    fn flush(&mut self) -> Result<(), LoadError> {
        let Some(mut p) = self.partial.take() else {
            return Ok(());
        };
        if p.seq <= self.filled_below && p.op != "D" && p.new.iter().any(Option::is_none) {
            self.fill(&mut p)?;
        }
        let bad = |what: &str| {
            LoadError::input(format!(
                "sqlite:{}: change table {}: {what}",
                self.path.display(),
                self.changes
            ))
        };
        let full = |v: Vec<Option<Value>>| -> Result<Vec<Value>, LoadError> {
            v.into_iter()
                .map(|v| v.ok_or_else(|| bad("a change lacks a value")))
                .collect()
        };
        let op = match p.op.as_str() {
            "I" => Op::Insert(full(p.new)?),
            "U" => Op::Update {
                key: full(p.old_key)?,
                row: p.new,
            },
            "D" => Op::Delete(full(p.old_key)?),
            other => return Err(bad(&format!("unknown kind of change {other:?}"))),
        };
        self.ready
            .push_back(Event::Change(Change { table: p.table, op }));
        Ok(())
    }

    /// Reads the next page of the change table into `ready`.
    fn page(&mut self) -> Result<(), LoadError> {
        let Some((upto, after)) = self.reading else {
            return Ok(());
        };
        let rows: Vec<(i64, i64, String, i64, Value)> = {
            let mut stmt = self
                .conn
                .prepare_cached(&format!(
                    "SELECT seq, tbl, op, col, val FROM {} WHERE seq > ?1 AND seq <= ?2 \
                     ORDER BY seq LIMIT {PAGE}",
                    quote(&self.changes)
                ))
                .map_err(|e| err(&self.path, "cannot read the change table", e))?;
            stmt.query_map([after, upto], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    from_sqlite(r.get_ref(4)?),
                ))
            })
            .and_then(Iterator::collect)
            .map_err(|e| err(&self.path, "cannot read the change table", e))?
        };
        let Some(last) = rows.last().map(|r| r.0) else {
            self.flush()?;
            self.finish_read()?;
            self.ready.push_back(Event::Commit {
                position: Position::Seq(upto),
                commit_time: None,
            });
            self.ready.push_back(Event::Pause);
            return Ok(());
        };
        self.reading = Some((upto, last));
        for (seq, tbl, op, col, val) in rows {
            let Some((width, keys)) = usize::try_from(tbl)
                .ok()
                .and_then(|i| self.plan.tables.get(i))
                .map(|t| (t.columns.len(), t.key.len()))
            else {
                continue;
            };
            if col < 0 {
                self.flush()?;
                self.partial = Some(Partial {
                    seq,
                    table: tbl as usize,
                    op,
                    new: vec![None; width],
                    old_key: vec![None; keys],
                });
                continue;
            }
            let Some(p) = self.partial.as_mut() else {
                continue;
            };
            let slot = if col >= OLD_KEY {
                p.old_key.get_mut((col - OLD_KEY) as usize)
            } else {
                p.new.get_mut(col as usize)
            };
            if let Some(slot) = slot {
                *slot = Some(val);
            }
        }
        Ok(())
    }
}

impl ChangeSource for TriggerChanges {
    fn next(&mut self, wait: Duration) -> Result<Option<Event>, LoadError> {
        loop {
            if let Some(ev) = self.ready.pop_front() {
                return Ok(Some(ev));
            }
            if self.reading.is_none() && !self.start()? {
                if let Some(ev) = self.ready.pop_front() {
                    return Ok(Some(ev));
                }
                std::thread::sleep(wait);
                return Ok(None);
            }
            self.page()?;
        }
    }

    /// Deletes the applied changes from the change table.
    fn confirm(&mut self, position: &Position) -> Result<(), LoadError> {
        let Position::Seq(n) = position else {
            return Ok(());
        };
        if self.reading.is_some() {
            return Ok(());
        }
        self.conn
            .execute(
                &format!("DELETE FROM {} WHERE seq <= ?1", quote(&self.changes)),
                [n],
            )
            .map_err(|e| err(&self.path, "cannot empty the change table", e))?;
        self.applied = self.applied.max(*n);
        Ok(())
    }

    fn end(&mut self) -> Result<Position, LoadError> {
        Ok(Position::Seq(last_seq(
            &self.conn,
            &self.path,
            &self.changes,
        )?))
    }

    fn describe(&self) -> String {
        format!(
            "sqlite:{} (change table {})",
            self.path.display(),
            self.changes
        )
    }
}
