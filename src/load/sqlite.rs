//! SQLite as a target (the embedded default) and as a source, through rusqlite.
//! Target: prepared INSERTs in one transaction per batch, WAL journal with synchronous=NORMAL
//! (fast, and a crash cannot corrupt the file: https://sqlite.org/wal.html), foreign keys off
//! while loading and orphans counted with `PRAGMA foreign_key_check` afterwards.

use std::path::Path;

use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OpenFlags};

use super::error::ErrorKind;
use super::rejects::Rejects;
use super::{
    KeyBounds, KeyRange, LoadError, Target, chunk_key, count_sql, select_sql, where_clause,
};
use crate::plan::{OnError, Plan, TablePlan};
use crate::value::{Row, Value};

/// A SQLite error by kind: a file that cannot be opened is a connect error, the rest are
/// statements refused, with SQLite's extended result code.
pub(crate) fn err(path: &Path, what: &str, e: rusqlite::Error) -> LoadError {
    let message = format!("sqlite:{}: {what}: {e}", path.display());
    let engine = e.sqlite_error().map(|f| i64::from(f.extended_code));
    let cannot_open = e.sqlite_error_code() == Some(rusqlite::ErrorCode::CannotOpen);
    let source: Option<super::error::Cause> = Some(std::sync::Arc::new(e));
    if cannot_open {
        return LoadError::new(ErrorKind::Connect { source }, message);
    }
    let code = super::SqlCode {
        engine,
        ..super::SqlCode::default()
    };
    LoadError::new(ErrorKind::Sql { code, source }, message)
}

pub struct SqliteTarget {
    conn: Connection,
    path: std::path::PathBuf,
}

impl SqliteTarget {
    pub fn open(path: &Path) -> Result<SqliteTarget, LoadError> {
        let conn = Connection::open(path).map_err(|e| err(path, "cannot open", e))?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = OFF;",
        )
        .map_err(|e| err(path, "cannot set up the connection", e))?;
        Ok(SqliteTarget {
            conn,
            path: path.to_path_buf(),
        })
    }

    fn exists(&self, name: &str) -> Result<bool, LoadError> {
        self.conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type IN ('table', 'view') AND name = ?1",
                [crate::plan::target_name(name).name],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n > 0)
            .map_err(|e| err(&self.path, "cannot read the catalog", e))
    }

    /// Runs statements in one transaction: all of them or none.
    fn run_all(&mut self, what: &str, statements: &[String]) -> Result<(), LoadError> {
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction()
            .map_err(|e| err(&path, "cannot begin a transaction", e))?;
        for sql in statements {
            tx.execute_batch(sql).map_err(|e| {
                let first = sql.lines().next().unwrap_or("");
                err(&path, &format!("{what} statement `{first}` failed"), e)
            })?;
        }
        tx.commit()
            .map_err(|e| err(&path, &format!("cannot commit the {what} statements"), e))
    }
}

/// A value as SQLite stores it; Err for a value SQLite would silently change (NaN becomes
/// NULL: https://sqlite.org/floatingpoint.html).
pub(crate) fn to_sql(v: &Value) -> Result<SqlValue, String> {
    Ok(match v {
        Value::Null => SqlValue::Null,
        Value::Bool(b) => SqlValue::Integer(i64::from(*b)),
        Value::Int(i) => SqlValue::Integer(*i),
        Value::UInt(u) => {
            i64::try_from(*u).map_or_else(|_| SqlValue::Text(u.to_string()), SqlValue::Integer)
        }
        Value::Float(f) if f.is_nan() => {
            return Err("NaN: SQLite stores it as NULL, which would lose it".to_string());
        }
        Value::Float(f) => SqlValue::Real(*f),
        Value::Decimal(d) => SqlValue::Text(d.clone()),
        Value::Text(t) => SqlValue::Text(t.clone()),
        Value::Bytes(b) => SqlValue::Blob(b.clone()),
    })
}

/// The row's primary-key values (`id=5`) for messages and the reject file.
pub fn row_key(table: &TablePlan, row: &Row) -> String {
    let parts: Vec<String> = table
        .key
        .iter()
        .filter_map(|k| {
            let i = table.columns.iter().position(|c| &c.source == k)?;
            Some(format!("{k}={}", row.get(i)?.display()))
        })
        .collect();
    if parts.is_empty() {
        "(no key)".to_string()
    } else {
        parts.join(", ")
    }
}

impl Target for SqliteTarget {
    fn table_exists(&mut self, name: &str) -> Result<bool, LoadError> {
        self.exists(name)
    }

    fn run(&mut self, what: &str, statements: &[String]) -> Result<(), LoadError> {
        self.run_all(what, statements)
    }

    fn drop_sql(&self, name: &str) -> String {
        format!("DROP TABLE IF EXISTS {name}")
    }

    fn empty(&mut self, names: &[&str]) -> Result<(), LoadError> {
        let deletes: Vec<String> = names.iter().map(|n| format!("DELETE FROM {n}")).collect();
        self.run_all("empty", &deletes)
    }

    fn describe(&self) -> String {
        format!("sqlite:{}", self.path.display())
    }

    fn after_load(&mut self, _plan: &Plan) -> Result<(), LoadError> {
        // AUTOINCREMENT counters follow explicit keys by themselves (sqlite_sequence).
        Ok(())
    }

    fn write(
        &mut self,
        table: &TablePlan,
        rows: &[Row],
        on_error: OnError,
        rejects: &Rejects,
    ) -> Result<u64, LoadError> {
        let cols: Vec<&str> = table.columns.iter().map(|c| c.target.as_str()).collect();
        let marks = vec!["?"; cols.len()].join(", ");
        let sql = format!(
            "INSERT INTO {} ({}) VALUES ({marks})",
            table.target,
            cols.join(", ")
        );
        // The caller's transaction holds the whole chunk; a refused INSERT undoes only itself.
        let path = self.path.clone();
        let mut written = 0;
        {
            let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| {
                err(
                    &path,
                    &format!("cannot prepare the insert into {}", table.target),
                    e,
                )
            })?;
            for row in rows {
                let result = row
                    .iter()
                    .map(to_sql)
                    .collect::<Result<Vec<SqlValue>, String>>()
                    .and_then(|values| {
                        stmt.execute(rusqlite::params_from_iter(values))
                            .map_err(|e| format!("SQLite refused the row: {e}"))
                    });
                match result {
                    Ok(_) => written += 1,
                    Err(reason) => {
                        let key = row_key(table, row);
                        if on_error == OnError::Abort {
                            return Err(LoadError::refused_row(format!(
                                "table {}, {key}: {reason}; the rows of its chunk were rolled back \
                                 (rerun with --on-error reject-rows to set such rows aside)",
                                table.source
                            )));
                        }
                        rejects.add(&table.source.to_string(), &key, "", "", &reason)?;
                    }
                }
            }
        }
        Ok(written)
    }

    fn execute(&mut self, what: &str, sql: &str) -> Result<(), LoadError> {
        self.conn
            .execute_batch(sql)
            .map_err(|e| err(&self.path, &format!("{what} statement `{sql}` failed"), e))
    }

    fn query_ints(&mut self, sql: &str) -> Result<Vec<Vec<i64>>, LoadError> {
        let path = self.path.clone();
        let fail = |e: rusqlite::Error| err(&path, &format!("`{sql}` failed"), e);
        let mut stmt = self.conn.prepare(sql).map_err(fail)?;
        let width = stmt.column_count();
        let rows = stmt
            .query_map([], |r| (0..width).map(|i| r.get::<_, i64>(i)).collect())
            .map_err(fail)?;
        rows.collect::<Result<Vec<Vec<i64>>, _>>().map_err(fail)
    }

    fn count(&mut self, sql: &str) -> Result<u64, LoadError> {
        self.conn
            .query_row(sql, [], |r| r.get::<_, i64>(0))
            .map(|n| n.max(0) as u64)
            .map_err(|e| err(&self.path, &format!("`{sql}` failed"), e))
    }
}

/// A SQLite file read as a source, opened read-only.
pub struct SqliteSource {
    conn: Connection,
    path: std::path::PathBuf,
    /// The last change captured when the read transaction began (`open_marked`).
    mark: Option<String>,
}

impl SqliteSource {
    pub fn open(path: &Path) -> Result<SqliteSource, LoadError> {
        if !path.is_file() {
            return Err(LoadError::config(format!(
                "sqlite:{}: no such file",
                path.display()
            )));
        }
        let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(|e| err(path, "cannot open", e))?;
        Ok(SqliteSource {
            conn,
            path: path.to_path_buf(),
            mark: None,
        })
    }

    /// A source that reads everything in one read transaction, begun by reading the last
    /// change `ferry sync`'s capture triggers wrote into `changes`: the load's rows hold
    /// exactly the changes up to that one (https://sqlite.org/isolation.html).
    pub fn open_marked(path: &Path, changes: &str) -> Result<SqliteSource, LoadError> {
        let mut s = SqliteSource::open(path)?;
        s.conn
            .execute_batch("BEGIN")
            .map_err(|e| err(path, "cannot begin a read transaction", e))?;
        let last = s
            .conn
            .query_row(
                &crate::sync::source::sqlite::last_seq_sql(changes),
                [],
                |r| r.get::<_, i64>(0),
            )
            .map_err(|e| err(path, &format!("cannot read the change table {changes}"), e))?;
        s.mark = Some(format!("seq:{last}"));
        Ok(s)
    }

    /// The schema as DDL text: every `sql` of sqlite_master, in creation order. SQLite's own
    /// tables (`sqlite_sequence`, `sqlite_stat1`) come too: lowering skips them with a note.
    pub fn schema_text(&self) -> Result<String, LoadError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid",
            )
            .map_err(|e| err(&self.path, "cannot read the schema", e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })
            .map_err(|e| err(&self.path, "cannot read the schema", e))?;
        let mut out = String::new();
        for row in rows {
            let (kind, name, sql) =
                row.map_err(|e| err(&self.path, "cannot read the schema", e))?;
            // `ferry sync`'s capture triggers are not the user's schema.
            if kind == "trigger" && crate::sync::source::sqlite::is_capture_trigger(&name) {
                continue;
            }
            out.push_str(sql.trim_end_matches(';'));
            out.push_str(";\n");
        }
        Ok(out)
    }
}

/// A name quoted for SQLite.
pub(crate) fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// A value as SQLite holds it, in the form the loader reads it: text that is not UTF-8
/// stays bytes.
pub(crate) fn from_sqlite(v: rusqlite::types::ValueRef) -> Value {
    match v {
        rusqlite::types::ValueRef::Null => Value::Null,
        rusqlite::types::ValueRef::Integer(n) => Value::Int(n),
        rusqlite::types::ValueRef::Real(f) => Value::Float(f),
        rusqlite::types::ValueRef::Text(t) => match std::str::from_utf8(t) {
            Ok(s) => Value::Text(s.to_string()),
            Err(_) => Value::Bytes(t.to_vec()),
        },
        rusqlite::types::ValueRef::Blob(b) => Value::Bytes(b.to_vec()),
    }
}

impl super::RowSource for SqliteSource {
    fn query(&self, table: &TablePlan) -> String {
        select_sql(table, None, &quote(&table.source.name), quote)
    }

    fn change_mark(&self) -> Result<Option<String>, LoadError> {
        Ok(self.mark.clone())
    }

    fn count(&self, table: &TablePlan) -> Result<u64, LoadError> {
        let sql = count_sql(table, &quote(&table.source.name), quote);
        self.conn
            .query_row(&sql, [], |r| r.get::<_, i64>(0))
            .map(|n| n.max(0) as u64)
            .map_err(|e| err(&self.path, &format!("cannot count {}", table.source), e))
    }

    fn key_bounds(&self, table: &TablePlan) -> Result<Option<KeyBounds>, LoadError> {
        let Some(key) = chunk_key(table) else {
            return Ok(None);
        };
        let sql = format!(
            "SELECT min({k}), max({k}), count(*) FROM {}{}",
            quote(&table.source.name),
            where_clause(table, None, quote),
            k = quote(key)
        );
        let bounds = self
            .conn
            .query_row(&sql, [], |r| {
                Ok((
                    r.get::<_, Option<i64>>(0)?,
                    r.get::<_, Option<i64>>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            })
            .map_err(|e| err(&self.path, &format!("cannot read {}", table.source), e))?;
        let (min, max, rows) = bounds;
        Ok(KeyBounds::from_row(key, min, max, rows))
    }

    fn for_each_batch(
        &self,
        table: &TablePlan,
        range: Option<&KeyRange>,
        batch: usize,
        each: &mut dyn FnMut(Vec<Row>) -> Result<(), LoadError>,
    ) -> Result<(), LoadError> {
        let width = table.columns.len();
        let sql = select_sql(table, range, &quote(&table.source.name), quote);
        let read_err =
            |e: rusqlite::Error| err(&self.path, &format!("cannot read {}", table.source), e);
        let mut stmt = self.conn.prepare(&sql).map_err(read_err)?;
        let mut rows = stmt.query([]).map_err(read_err)?;
        let mut out = Vec::with_capacity(batch.min(65_536));
        while let Some(r) = rows.next().map_err(read_err)? {
            let mut row = Vec::with_capacity(width);
            for i in 0..width {
                row.push(from_sqlite(r.get_ref(i).map_err(read_err)?));
            }
            out.push(row);
            if out.len() >= batch {
                each(std::mem::take(&mut out))?;
            }
        }
        if !out.is_empty() {
            each(out)?;
        }
        Ok(())
    }
}
