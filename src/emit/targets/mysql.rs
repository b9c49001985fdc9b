//! MySQL and MariaDB as the target.

use super::{ColumnAt, Comments, TargetSyntax, base_name};
use crate::diag::{Diagnostic, codes};
use crate::dialect::Dialect;
use crate::ir::{Identity, Table};

pub struct Mysql;

impl TargetSyntax for Mysql {
    /// AUTO_INCREMENT. The start goes into the table options (`table_options`); the step is a
    /// server setting
    /// (<https://dev.mysql.com/doc/refman/8.0/en/replication-options-source.html#sysvar_auto_increment_increment>).
    fn identity(
        &self,
        col: &ColumnAt,
        id: &Identity,
        _start: Option<i64>,
        _rowid: bool,
        diags: &mut Vec<Diagnostic>,
    ) -> String {
        if let Some(i) = id.increment.filter(|i| *i != 1) {
            diags.push(col.diag(
                &codes::IDENTITY_OPTION_DROPPED,
                format!(
                    "increment {i} of `{}` is not kept: MySQL sets the step for the whole server (auto_increment_increment)",
                    col.name()
                ),
            ));
        }
        " AUTO_INCREMENT".to_string()
    }

    /// MariaDB takes no NULL or NOT NULL on a generated column
    /// (<https://mariadb.com/kb/en/generated-columns/>, "Supported Features").
    fn not_null_on_generated(&self) -> bool {
        false
    }

    /// `ON UPDATE CURRENT_TIMESTAMP[(fsp)]`, on DATETIME and TIMESTAMP only
    /// (<https://dev.mysql.com/doc/refman/8.0/en/timestamp-initialization.html>).
    fn on_update_clause(&self, ty: &str) -> Option<String> {
        is_datetime(ty).then(|| format!(" ON UPDATE CURRENT_TIMESTAMP{}", fsp_suffix(ty)))
    }

    /// A column's `COMMENT '...'` and the table option `COMMENT='...'`
    /// (<https://dev.mysql.com/doc/refman/8.0/en/create-table.html>).
    fn comments(&self) -> Comments {
        Comments::Inline
    }

    /// MySQL's character sets are MySQL's own names
    /// (<https://dev.mysql.com/doc/refman/8.0/en/charset-column.html>).
    fn keeps_charsets(&self) -> bool {
        true
    }

    /// BLOB, TEXT and JSON columns take a literal default only as an expression, in parentheses
    /// (<https://dev.mysql.com/doc/refman/8.0/en/data-type-defaults.html>).
    fn literal_default(&self, literal: String, ty: &str) -> String {
        if is_blob_or_text(ty) || base_name(ty) == "json" {
            format!("({literal})")
        } else {
            literal
        }
    }

    /// CURRENT_TIMESTAMP is a default of DATETIME and TIMESTAMP only, with their fractional
    /// precision (<https://dev.mysql.com/doc/refman/8.0/en/timestamp-initialization.html>).
    fn current_timestamp(&self, _precision: Option<u64>, ty: &str) -> Result<String, String> {
        if is_datetime(ty) {
            Ok(format!("CURRENT_TIMESTAMP{}", fsp_suffix(ty)))
        } else {
            Err(format!(
                "MySQL accepts CURRENT_TIMESTAMP only on DATETIME and TIMESTAMP, not {ty}"
            ))
        }
    }

    /// Other functions are defaults only as expressions, in parentheses (MySQL 8.0.13 and
    /// later, <https://dev.mysql.com/doc/refman/8.0/en/data-type-defaults.html>).
    /// <https://mariadb.com/kb/en/unix_timestamp/>, in an expression default (MariaDB 10.2,
    /// MySQL 8.0.13).
    fn unix_time_now(&self) -> &'static str {
        "(UNIX_TIMESTAMP())"
    }

    fn current_date(&self) -> &'static str {
        "(CURRENT_DATE)"
    }

    fn current_time(&self) -> Result<&'static str, &'static str> {
        Ok("(CURRENT_TIME)")
    }

    /// The zero date is MySQL's own
    /// (<https://dev.mysql.com/doc/refman/8.0/en/date-and-time-types.html>).
    fn keeps_zero_date(&self) -> bool {
        true
    }

    /// MySQL names every primary key PRIMARY
    /// (<https://dev.mysql.com/doc/refman/8.0/en/create-table.html>, "PRIMARY KEY").
    fn names_primary_key(&self) -> bool {
        false
    }

    /// An AUTO_INCREMENT column must lead some key
    /// (<https://dev.mysql.com/doc/refman/8.0/en/example-auto-increment.html>).
    fn identity_must_lead_key(&self) -> bool {
        true
    }

    /// `AUTO_INCREMENT=n` (the identity's start), the table's default charset and collation
    /// in MySQL's own names, and its comment
    /// (<https://dev.mysql.com/doc/refman/8.0/en/create-table.html>, "Table Options").
    fn table_options(&self, t: &Table, same_engine: bool) -> String {
        let mut sql = String::new();
        let identity_start = t
            .columns
            .iter()
            .find_map(|c| c.identity.as_ref()?.start)
            .and_then(|s| u64::try_from(s).ok());
        if let Some(n) = t.auto_increment_start.or(identity_start).filter(|n| *n > 1) {
            sql.push_str(&format!(" AUTO_INCREMENT={n}"));
        }
        if same_engine {
            if let Some(cs) = &t.default_charset {
                sql.push_str(&format!(" DEFAULT CHARSET={cs}"));
            }
            if let Some(co) = &t.default_collation {
                sql.push_str(&format!(" COLLATE={co}"));
            }
        }
        if let Some(cm) = &t.comment {
            sql.push_str(&format!(" COMMENT={}", Dialect::Mysql.quote_string(cm)));
        }
        sql
    }

    /// A key on a TEXT or BLOB column needs a prefix length
    /// (<https://dev.mysql.com/doc/refman/8.0/en/column-indexes.html>, "Index Prefixes").
    fn needs_key_prefix(&self, ty: &str) -> bool {
        is_blob_or_text(ty)
    }

    fn has_prefix_indexes(&self) -> bool {
        true
    }

    /// InnoDB checks foreign keys at once
    /// (<https://dev.mysql.com/doc/refman/8.0/en/ansi-diff-foreign-keys.html>).
    fn has_deferrable_fks(&self) -> bool {
        false
    }

    /// FULLTEXT and SPATIAL indexes are MySQL's own
    /// (<https://dev.mysql.com/doc/refman/8.0/en/create-index.html>).
    fn keeps_fulltext_spatial(&self) -> bool {
        true
    }

    /// MariaDB has no expression indexes (MySQL has them from 8.0.13, but ferry's MySQL
    /// output runs on both; <https://mariadb.com/kb/en/create-index/>).
    fn refuses_expression_indexes(&self) -> Option<&'static str> {
        Some("MariaDB has no expression indexes")
    }

    /// `USING BTREE | HASH` (<https://dev.mysql.com/doc/refman/8.0/en/create-index.html>).
    fn index_method(&self, m: &str, _same_engine: bool) -> Option<String> {
        matches!(m, "btree" | "hash").then(|| format!(" USING {}", m.to_uppercase()))
    }

    /// The mysql client ends a statement at `;` unless told another delimiter
    /// (<https://dev.mysql.com/doc/refman/8.0/en/stored-programs-defining.html>).
    fn delimits_routines(&self) -> bool {
        true
    }
}

fn is_datetime(ty: &str) -> bool {
    matches!(base_name(ty).as_str(), "datetime" | "timestamp")
}

fn is_blob_or_text(ty: &str) -> bool {
    matches!(
        base_name(ty).as_str(),
        "text"
            | "tinytext"
            | "mediumtext"
            | "longtext"
            | "blob"
            | "tinyblob"
            | "mediumblob"
            | "longblob"
    )
}

/// `(3)` of `datetime(3)`, or nothing.
fn fsp_suffix(ty: &str) -> String {
    match (ty.find('('), ty.find(')')) {
        (Some(a), Some(b)) if b > a => ty[a..=b].to_string(),
        _ => String::new(),
    }
}
