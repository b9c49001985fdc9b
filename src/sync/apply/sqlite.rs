//! SQLite as the sync target: statements run one by one on a connection of ferry's own;
//! a lock file beside the database lets one `ferry sync` apply at a time.

use std::path::{Path, PathBuf};

use rusqlite::Connection;
use rusqlite::types::Value as SqlValue;

use super::{Statement, SyncTarget};
use crate::load::LoadError;
use crate::load::sqlite::{err, to_sql};
use crate::plan::Plan;
use crate::value::Value;

pub struct SqliteLink {
    conn: Connection,
    path: PathBuf,
    /// The lock file, held while it is open.
    lock: Option<std::fs::File>,
}

impl SqliteLink {
    pub fn open(_plan: &Plan, path: &Path) -> Result<SqliteLink, LoadError> {
        let conn = Connection::open(path).map_err(|e| err(path, "cannot open", e))?;
        conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 10000;")
            .map_err(|e| err(path, "cannot set up the connection", e))?;
        Ok(SqliteLink {
            conn,
            path: path.to_path_buf(),
            lock: None,
        })
    }
}

/// A value as an SQLite literal (https://sqlite.org/lang_expr.html#literal_values_constants_).
fn sqlite_literal(v: &SqlValue, out: &mut String) {
    match v {
        SqlValue::Null => out.push_str("NULL"),
        SqlValue::Integer(i) => out.push_str(itoa::Buffer::new().format(*i)),
        SqlValue::Real(f) if f.is_infinite() => {
            out.push_str(if *f > 0.0 { "9e999" } else { "-9e999" })
        }
        SqlValue::Real(f) => out.push_str(&format!("{f:e}")),
        SqlValue::Text(t) => {
            out.push('\'');
            out.push_str(&t.replace('\'', "''"));
            out.push('\'');
        }
        SqlValue::Blob(b) => {
            out.push_str("X'");
            for x in b {
                out.push_str(&format!("{x:02x}"));
            }
            out.push('\'');
        }
    }
}

impl SyncTarget for SqliteLink {
    fn literal(
        &self,
        _table: usize,
        _column: usize,
        v: &Value,
        out: &mut String,
    ) -> Result<(), String> {
        sqlite_literal(&to_sql(v)?, out);
        Ok(())
    }

    fn upsert(&self, key: &[&str], others: &[&str]) -> String {
        super::postgres::upsert_on_conflict(key, others, "excluded")
    }

    /// `IS` compares NULLs as equal (https://sqlite.org/lang_expr.html#isisnot).
    fn same_value(&self, _table: usize, _column: usize, name: &str, literal: &str) -> String {
        format!("{name} IS {literal}")
    }

    /// The row's `rowid` (https://sqlite.org/lang_createtable.html#rowid): a table without a
    /// primary key always has one.
    fn one_row(&self, table: &str, condition: &str) -> String {
        format!("rowid = (SELECT rowid FROM {table} WHERE {condition} LIMIT 1)")
    }

    fn update_from(&self, table: &str, key: &[&str], set: &[&str], values: &str) -> Option<String> {
        Some(super::postgres::update_from_values(
            table, key, set, values, false,
        ))
    }

    fn run(&mut self, statements: &[Statement]) -> Result<Vec<u64>, LoadError> {
        let mut counts = Vec::with_capacity(statements.len());
        for s in statements {
            let n = self
                .conn
                .execute(&s.sql, [])
                .map_err(|e| err(&self.path, &format!("applying {}", s.what), e))?;
            counts.push(n as u64);
        }
        Ok(counts)
    }

    fn texts(&mut self, sql: &str) -> Result<Vec<Vec<Option<String>>>, LoadError> {
        let path = self.path.clone();
        let mut stmt = self
            .conn
            .prepare(sql)
            .map_err(|e| err(&path, &format!("`{sql}`"), e))?;
        let width = stmt.column_count();
        let rows = stmt
            .query_map([], |r| {
                (0..width)
                    .map(|i| {
                        Ok(match r.get::<_, SqlValue>(i)? {
                            SqlValue::Null => None,
                            SqlValue::Integer(n) => Some(n.to_string()),
                            SqlValue::Real(f) => Some(f.to_string()),
                            SqlValue::Text(t) => Some(t),
                            SqlValue::Blob(b) => Some(String::from_utf8_lossy(&b).into_owned()),
                        })
                    })
                    .collect::<Result<Vec<_>, rusqlite::Error>>()
            })
            .map_err(|e| err(&path, &format!("`{sql}`"), e))?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(|e| err(&path, &format!("`{sql}`"), e))
    }

    /// An exclusive lock on `FILE.ferry-sync-lock` beside the database, held by this process.
    fn try_lock(&mut self, _name: &str) -> Result<bool, LoadError> {
        let mut lock_path = self.path.clone().into_os_string();
        lock_path.push(".ferry-sync-lock");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| {
                LoadError::io(
                    format!(
                        "cannot open the lock file {}: {e}",
                        lock_path.to_string_lossy()
                    ),
                    e,
                )
            })?;
        match file.try_lock() {
            Ok(()) => {
                self.lock = Some(file);
                Ok(true)
            }
            Err(std::fs::TryLockError::WouldBlock) => Ok(false),
            Err(std::fs::TryLockError::Error(e)) => Err(LoadError::io(
                format!("cannot lock {}: {e}", lock_path.to_string_lossy()),
                e,
            )),
        }
    }

    /// The loader's SQLite connections run with `foreign_keys = OFF` (SQLite's default),
    /// and so does this one: a source's own key actions arrive as changes where its log has
    /// them; where it does not (MySQL), they are turned on.
    fn set_up(&mut self, replayed_cascades: bool) -> Result<(), LoadError> {
        let sql = if replayed_cascades {
            "PRAGMA foreign_keys = OFF"
        } else {
            "PRAGMA foreign_keys = ON"
        };
        self.conn
            .execute_batch(sql)
            .map_err(|e| err(&self.path, sql, e))
    }

    fn describe(&self) -> String {
        format!("sqlite:{}", self.path.display())
    }
}
