//! PostgreSQL as the target.

use super::{ColumnAt, Comments, Generated, TargetSyntax};
use crate::diag::{Diagnostic, codes};

pub struct Postgres;

impl TargetSyntax for Postgres {
    /// PostgreSQL before 18 has stored generated columns only
    /// (<https://www.postgresql.org/docs/15/ddl-generated-columns.html>).
    fn generated(&self, col: &ColumnAt, expr: &str, diags: &mut Vec<Diagnostic>) -> Generated {
        if !col.generated_stored() {
            diags.push(col.diag(
                &codes::GENERATED_COLUMN_STORED,
                format!(
                    "generated column `{}` is computed when written (STORED): PostgreSQL 15 has no virtual generated columns",
                    col.name()
                ),
            ));
        }
        Generated::Clause(format!(" GENERATED ALWAYS AS ({expr}) STORED"))
    }

    /// PostgreSQL has no ON UPDATE attribute; `--emulate on-update` writes a trigger that does
    /// it (<https://www.postgresql.org/docs/current/plpgsql-trigger.html>).
    fn on_update_trigger(&self, emulate: bool) -> bool {
        emulate
    }

    fn on_update_help(&self) -> &'static str {
        "use --emulate on-update to get a trigger that does it"
    }

    /// Objects may use an extension's types and operator classes
    /// (<https://www.postgresql.org/docs/current/sql-createextension.html>).
    fn keeps_extensions(&self) -> bool {
        true
    }

    /// <https://www.postgresql.org/docs/current/sql-comment.html>
    fn comments(&self) -> Comments {
        Comments::CommentOn
    }

    /// A boolean is `true` or `false`; PostgreSQL casts no integer to boolean in a default
    /// (<https://www.postgresql.org/docs/current/datatype-boolean.html>).
    fn bool_literal(&self, b: bool) -> &'static str {
        if b { "true" } else { "false" }
    }

    /// `'NaN'`, `'Infinity'` and `'-Infinity'` are values of its floats and numerics
    /// (<https://www.postgresql.org/docs/current/datatype-numeric.html>).
    fn has_non_finite_floats(&self) -> bool {
        true
    }

    /// An array literal is `{...}` with its elements in double quotes
    /// (<https://www.postgresql.org/docs/current/arrays.html#ARRAYS-INPUT>).
    fn set_as_array(&self, set: &str) -> Option<String> {
        if set.is_empty() {
            return Some("{}".to_string());
        }
        let elems: Vec<String> = set
            .split(',')
            .map(|e| format!("\"{}\"", e.replace('\\', "\\\\").replace('"', "\\\"")))
            .collect();
        Some(format!("{{{}}}", elems.join(",")))
    }

    /// `nextval('name')` (<https://www.postgresql.org/docs/current/functions-sequence.html>).
    fn next_value(&self, sequence: &str) -> String {
        format!(
            "nextval({})",
            crate::dialect::Dialect::Postgres.quote_string(sequence)
        )
    }

    /// The loader sets the sequences past the loaded values (`load/postgres.rs`).
    fn loader_sets_sequences(&self) -> bool {
        true
    }

    /// MySQL's `X'0A'` is a bit string on PostgreSQL; bytea takes `'\x0a'`
    /// (<https://www.postgresql.org/docs/current/datatype-binary.html>).
    fn bytes_literal(
        &self,
        value: &sqlparser::ast::Value,
        ty: &str,
    ) -> Option<super::BytesLiteral> {
        match value {
            sqlparser::ast::Value::HexStringLiteral(h) if ty == "bytea" => Some(
                super::BytesLiteral::Spelled(format!("'\\x{}'", h.to_lowercase())),
            ),
            _ => None,
        }
    }

    /// Any expression is a default as it is
    /// (<https://www.postgresql.org/docs/current/sql-createtable.html>, DEFAULT).
    fn expression_default(&self, expr: String) -> String {
        expr
    }

    /// B-tree and hash, and (within PostgreSQL) the other built-in access methods; others
    /// (hnsw, ivfflat, ...) come from extensions
    /// (<https://www.postgresql.org/docs/current/indexes-types.html>).
    fn index_method(&self, m: &str, same_engine: bool) -> Option<String> {
        match m {
            "btree" | "hash" => Some(format!(" USING {}", m.to_uppercase())),
            "gist" | "spgist" | "gin" | "brin" if same_engine => Some(format!(" USING {m}")),
            _ => None,
        }
    }

    /// `CREATE INDEX name ON table USING method (...)`
    /// (<https://www.postgresql.org/docs/current/sql-createindex.html>).
    fn method_before_columns(&self) -> bool {
        true
    }

    /// <https://www.postgresql.org/docs/current/sql-creatematerializedview.html>
    fn has_materialized_views(&self) -> bool {
        true
    }

    /// Functions may call functions defined after them; PostgreSQL checks SQL function bodies
    /// at creation unless told not to, which is what pg_dump does too
    /// (<https://www.postgresql.org/docs/current/runtime-config-client.html#GUC-CHECK-FUNCTION-BODIES>).
    fn routine_setting(&self) -> Option<(&'static str, &'static str)> {
        Some(("check_function_bodies", "SET check_function_bodies = false"))
    }
}
