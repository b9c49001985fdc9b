//! SQLite as the target.

use super::{BytesLiteral, ColumnAt, Comments, TargetSyntax};
use crate::diag::{Diagnostic, codes};
use crate::ir::Identity;

pub struct Sqlite;

impl TargetSyntax for Sqlite {
    /// SQLite has no CREATE FUNCTION or CREATE PROCEDURE in SQL (<https://www.sqlite.org/lang.html>):
    /// functions are registered by the application through the C API
    /// (<https://www.sqlite.org/c3ref/create_function.html>).
    fn no_routines(&self) -> Option<&'static str> {
        Some(
            "SQLite has no stored functions or procedures (an application registers functions through its driver, https://www.sqlite.org/c3ref/create_function.html): move this code into the application, or into a view or a trigger where it fits",
        )
    }

    /// AUTOINCREMENT exists only on the row id, an `INTEGER PRIMARY KEY`
    /// (<https://www.sqlite.org/autoinc.html>); its next value comes from the sqlite_sequence
    /// table, which DDL cannot set.
    fn identity(
        &self,
        col: &ColumnAt,
        _id: &Identity,
        start: Option<i64>,
        rowid: bool,
        diags: &mut Vec<Diagnostic>,
    ) -> String {
        if !rowid {
            diags.push(col.diag(
                &codes::AUTO_INCREMENT_DROPPED,
                format!(
                    "auto-increment on `{}` is dropped: SQLite has it only on an INTEGER PRIMARY KEY",
                    col.name()
                ),
            ));
            return String::new();
        }
        if let Some(n) = start.filter(|n| *n > 1) {
            diags.push(
                col.diag(
                    &codes::IDENTITY_OPTION_DROPPED,
                    format!(
                        "start value {n} of `{}` is not kept: SQLite's AUTOINCREMENT continues after the largest rowid",
                        col.name()
                    ),
                )
                .help("insert the row (name, seq) into sqlite_sequence after loading to set it"),
            );
        }
        " PRIMARY KEY AUTOINCREMENT".to_string()
    }

    fn rowid_identity(&self) -> bool {
        true
    }

    /// SQLite has no comments (<https://www.sqlite.org/lang_createtable.html>).
    fn comments(&self) -> Comments {
        Comments::Dropped
    }

    /// A REAL column stores the infinities, which 9e999 reads as
    /// (<https://www.sqlite.org/floatingpoint.html>); NaN it stores as NULL.
    fn infinity(&self, negative: bool) -> Option<&'static str> {
        Some(if negative { "-9e999" } else { "9e999" })
    }

    /// CURRENT_TIMESTAMP takes no precision
    /// (<https://www.sqlite.org/lang_createtable.html#the_default_clause>): a fraction of a second
    /// is strftime's `%f`, seconds to the millisecond (<https://sqlite.org/lang_datefunc.html>).
    /// `%s` is the seconds since 1970 (<https://sqlite.org/lang_datefunc.html>); unixepoch()
    /// needs SQLite 3.38.
    fn unix_time_now(&self) -> &'static str {
        "(CAST(strftime('%s', 'now') AS INTEGER))"
    }

    fn current_timestamp(&self, precision: Option<u64>, _ty: &str) -> Result<String, String> {
        Ok(match precision {
            Some(p) if p > 0 => "(strftime('%Y-%m-%d %H:%M:%f', 'now'))".to_string(),
            _ => "CURRENT_TIMESTAMP".to_string(),
        })
    }

    fn local_timestamp(&self) -> Option<&'static str> {
        Some("(datetime('now', 'localtime'))")
    }

    fn stores_any_value(&self) -> bool {
        true
    }

    /// SQLite stores dates as text, so the zero date is a value like any other there
    /// (<https://www.sqlite.org/datatype3.html#date_and_time_datatype>).
    fn keeps_zero_date(&self) -> bool {
        true
    }

    /// SQLite has no bit literals and stores bits as an integer
    /// (<https://www.sqlite.org/lang_expr.html#literal_values_constants_>).
    fn bytes_literal(&self, value: &sqlparser::ast::Value, _ty: &str) -> Option<BytesLiteral> {
        match value {
            sqlparser::ast::Value::SingleQuotedByteStringLiteral(b)
                if !b.is_empty() && b.len() < 64 && b.chars().all(|c| c == '0' || c == '1') =>
            {
                i64::from_str_radix(b, 2)
                    .ok()
                    .map(|n| BytesLiteral::Spelled(n.to_string()))
            }
            _ => None,
        }
    }

    /// SQLite writes no access method; its indexes are B-trees
    /// (<https://www.sqlite.org/lang_createindex.html>).
    fn index_method(&self, _m: &str, _same_engine: bool) -> Option<String> {
        Some(String::new())
    }
}
