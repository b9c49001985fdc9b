//! Oracle as the target.

use super::{BytesLiteral, ColumnAt, Comments, Generated, TargetSyntax, base_name};
use crate::diag::Diagnostic;

pub struct Oracle;

impl TargetSyntax for Oracle {
    /// `--oracle-compat` names an Oracle release.
    fn compat_release(&self, oracle_compat: Option<u32>) -> Option<u32> {
        oracle_compat
    }

    /// Oracle before 12c has no identity columns
    /// (<https://docs.oracle.com/en/database/oracle/oracle-database/19/sqlrf/CREATE-TABLE.html>,
    /// identity_clause, new in 12.1).
    fn identity_by_trigger(&self, oracle_compat: Option<u32>) -> bool {
        oracle_compat.is_some_and(|r| r < 12)
    }

    /// Virtual columns are computed when read; there is no stored kind
    /// (<https://docs.oracle.com/en/database/oracle/oracle-database/19/sqlrf/CREATE-TABLE.html>,
    /// virtual_column_definition).
    fn generated(&self, _col: &ColumnAt, expr: &str, _diags: &mut Vec<Diagnostic>) -> Generated {
        Generated::Clause(format!(" GENERATED ALWAYS AS ({expr}) VIRTUAL"))
    }

    /// Oracle's COMMENT ON is PostgreSQL's
    /// (<https://docs.oracle.com/en/database/oracle/oracle-database/19/sqlrf/COMMENT.html>).
    fn comments(&self) -> Comments {
        Comments::CommentOn
    }

    /// Oracle reads '' as NULL
    /// (<https://docs.oracle.com/en/database/oracle/oracle-database/19/sqlrf/Nulls.html>).
    fn refuses_empty_string(&self) -> Option<&'static str> {
        Some("Oracle reads '' as NULL; an empty string cannot be stored there")
    }

    /// Oracle's CURRENT_DATE holds the time of day too
    /// (<https://docs.oracle.com/en/database/oracle/oracle-database/19/sqlrf/CURRENT_DATE.html>).
    fn current_date(&self) -> &'static str {
        "TRUNC(CURRENT_DATE)"
    }

    /// The days since 1970 of the UTC time now, in seconds
    /// (<https://docs.oracle.com/en/database/oracle/oracle-database/19/sqlrf/SYS_EXTRACT_UTC.html>).
    fn unix_time_now(&self) -> &'static str {
        "(ROUND((CAST(SYS_EXTRACT_UTC(SYSTIMESTAMP) AS DATE) - DATE '1970-01-01') * 86400))"
    }

    /// Oracle has no time-of-day type
    /// (<https://docs.oracle.com/en/database/oracle/oracle-database/19/sqlrf/Data-Types.html>).
    fn current_time(&self) -> Result<&'static str, &'static str> {
        Err("Oracle has no time-of-day type to take CURRENT_TIME")
    }

    /// Oracle 12c and later take a sequence in a DEFAULT
    /// (<https://docs.oracle.com/en/database/oracle/oracle-database/19/sqlrf/CREATE-TABLE.html>,
    /// DEFAULT); an identity column's sequence is its own.
    fn next_value(&self, sequence: &str) -> String {
        format!("{sequence}.NEXTVAL")
    }

    fn identity_owns_sequence(&self) -> bool {
        true
    }

    /// Hex is `HEXTORAW('...')`
    /// (<https://docs.oracle.com/en/database/oracle/oracle-database/19/sqlrf/HEXTORAW.html>); there
    /// are no bit-string literals.
    fn bytes_literal(&self, value: &sqlparser::ast::Value, _ty: &str) -> Option<BytesLiteral> {
        super::hex_only(value, |h| format!("HEXTORAW('{h}')"))
    }

    /// LOBs cannot be index keys (ORA-02327,
    /// <https://docs.oracle.com/en/database/oracle/oracle-database/19/errmg/ORA-01500.html>).
    fn can_index(&self, ty: &str) -> bool {
        !matches!(
            base_name(ty).as_str(),
            "clob" | "nclob" | "blob" | "long" | "xmltype"
        )
    }

    /// FETCH FIRST came in 12c
    /// (<https://docs.oracle.com/en/database/oracle/oracle-database/19/sqlrf/SELECT.html>,
    /// row_limiting_clause).
    fn refuses_row_limit(&self, oracle_release: Option<u32>) -> Option<&'static str> {
        oracle_release
            .is_some_and(|r| r < 12)
            .then_some("Oracle 11 has no row-limiting clause (FETCH FIRST came in 12c)")
    }

    /// A SELECT names a table; without one it selects from DUAL
    /// (<https://docs.oracle.com/en/database/oracle/oracle-database/19/sqlrf/Selecting-from-the-DUAL-Table.html>).
    fn refuses_select_without_from(&self) -> Option<&'static str> {
        Some("a SELECT without FROM selects from DUAL on Oracle")
    }

    /// Oracle takes no AS before a table alias
    /// (<https://docs.oracle.com/en/database/oracle/oracle-database/19/sqlrf/SELECT.html>, t_alias).
    fn table_alias_takes_as(&self) -> bool {
        false
    }

    /// A B-tree is what Oracle builds anyway; other methods it lacks
    /// (<https://docs.oracle.com/en/database/oracle/oracle-database/19/sqlrf/CREATE-INDEX.html>).
    fn index_method(&self, m: &str, _same_engine: bool) -> Option<String> {
        (m == "btree").then(String::new)
    }
}
