//! SQL Server as the target.

use super::{BytesLiteral, ColumnAt, Comments, Generated, TargetSyntax};
use crate::diag::Diagnostic;
use crate::ir::Identity;

pub struct SqlServer;

impl TargetSyntax for SqlServer {
    /// `IDENTITY(seed, increment)`: both or neither
    /// (<https://learn.microsoft.com/en-us/sql/t-sql/statements/create-table-transact-sql-identity-property>).
    fn identity(
        &self,
        _col: &ColumnAt,
        id: &Identity,
        start: Option<i64>,
        _rowid: bool,
        _diags: &mut Vec<Diagnostic>,
    ) -> String {
        format!(
            " IDENTITY({}, {})",
            start.unwrap_or(1),
            id.increment.unwrap_or(1)
        )
    }

    /// The grammar lists START WITH first
    /// (<https://learn.microsoft.com/en-us/sql/t-sql/statements/create-sequence-transact-sql>).
    fn sequence_start_first(&self) -> bool {
        true
    }

    /// A computed column has no type: `name AS (expr) [PERSISTED]`, NOT NULL only on a
    /// persisted one
    /// (<https://learn.microsoft.com/en-us/sql/t-sql/statements/alter-table-computed-column-definition-transact-sql>).
    fn generated(&self, col: &ColumnAt, expr: &str, _diags: &mut Vec<Diagnostic>) -> Generated {
        let persisted = match (col.generated_stored(), col.column.nullable) {
            (true, false) => " PERSISTED NOT NULL",
            (true, true) => " PERSISTED",
            (false, _) => "",
        };
        Generated::Computed(format!("AS ({expr}){persisted}"))
    }

    /// Comments are the extended property MS_Description
    /// (<https://learn.microsoft.com/en-us/sql/relational-databases/system-stored-procedures/sp-addextendedproperty-transact-sql>).
    fn comments(&self) -> Comments {
        Comments::ExtendedProperty
    }

    /// CURRENT_TIMESTAMP takes no precision
    /// (<https://learn.microsoft.com/en-us/sql/t-sql/functions/current-timestamp-transact-sql>).
    fn current_timestamp(&self, _precision: Option<u64>, _ty: &str) -> Result<String, String> {
        Ok("CURRENT_TIMESTAMP".to_string())
    }

    /// SQL Server has no CURRENT_DATE nor CURRENT_TIME
    /// (<https://learn.microsoft.com/en-us/sql/t-sql/functions/getdate-transact-sql>).
    fn current_date(&self) -> &'static str {
        "(CAST(GETDATE() AS date))"
    }

    fn current_time(&self) -> Result<&'static str, &'static str> {
        Ok("(CAST(GETDATE() AS time))")
    }

    /// <https://learn.microsoft.com/en-us/sql/t-sql/functions/datediff-big-transact-sql>
    /// (SQL Server 2016), from the UTC time now.
    fn unix_time_now(&self) -> &'static str {
        "(DATEDIFF_BIG(SECOND, '1970-01-01', SYSUTCDATETIME()))"
    }

    /// `NEXT VALUE FOR` draws from a sequence
    /// (<https://learn.microsoft.com/en-us/sql/t-sql/functions/next-value-for-transact-sql>);
    /// an identity column's numbering is its own.
    fn identity_owns_sequence(&self) -> bool {
        true
    }

    /// Binary constants are `0x...`, and there are no bit-string literals
    /// (<https://learn.microsoft.com/en-us/sql/t-sql/data-types/constants-transact-sql>).
    fn bytes_literal(&self, value: &sqlparser::ast::Value, _ty: &str) -> Option<BytesLiteral> {
        super::hex_only(value, |h| format!("0x{h}"))
    }

    /// Index keys are at most 900 or 1700 bytes: no `(max)` or legacy large-object type
    /// (<https://learn.microsoft.com/en-us/sql/sql-server/maximum-capacity-specifications-for-sql-server>).
    fn can_index(&self, ty: &str) -> bool {
        !(ty.ends_with("(max)") || matches!(ty, "text" | "ntext" | "image" | "xml"))
    }

    /// SQL Server checks foreign keys at once; there is no DEFERRABLE
    /// (<https://learn.microsoft.com/en-us/sql/t-sql/statements/create-table-transact-sql>).
    fn has_deferrable_fks(&self) -> bool {
        false
    }

    /// A B-tree is what SQL Server builds anyway; other methods it lacks
    /// (<https://learn.microsoft.com/en-us/sql/t-sql/statements/create-index-transact-sql>).
    fn index_method(&self, m: &str, _same_engine: bool) -> Option<String> {
        (m == "btree").then(String::new)
    }

    /// OFFSET ... FETCH comes after an ORDER BY
    /// (<https://learn.microsoft.com/en-us/sql/t-sql/queries/select-order-by-clause-transact-sql>).
    fn row_limit_needs_order_by(&self) -> bool {
        true
    }

    /// SQL Server has neither JOIN ... USING nor NATURAL JOIN
    /// (<https://learn.microsoft.com/en-us/sql/t-sql/queries/from-transact-sql>).
    fn has_using_joins(&self) -> bool {
        false
    }

    /// SQL Server takes ORDER BY in a view only with a row limit
    /// (<https://learn.microsoft.com/en-us/sql/t-sql/statements/create-view-transact-sql>).
    fn view_takes_order_by(&self) -> bool {
        false
    }
}
