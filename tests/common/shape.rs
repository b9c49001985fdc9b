//! The shape of a schema, for tests that compare what two scripts describe: tables, columns
//! with the family of their canonical type and nullability, primary keys and foreign keys.
//! Names are compared folded (lower case, without `_`): Oracle folds unquoted names to upper
//! case, and the PostgreSQL Chinook spells `AlbumId` as `album_id`.

use std::collections::BTreeMap;

use ferry::ir::Schema;

#[derive(Clone, Debug, PartialEq)]
pub struct TableShape {
    /// (folded name, type family, nullable), in declaration order.
    pub columns: Vec<(String, &'static str, bool)>,
    pub primary_key: Vec<String>,
    /// (columns, referenced table, referenced columns), sorted.
    pub foreign_keys: Vec<(Vec<String>, String, Vec<String>)>,
}

/// Folded table name -> its shape.
pub type Shape = BTreeMap<String, TableShape>;

pub fn fold(name: &str) -> String {
    name.to_lowercase().replace('_', "")
}

fn folds(names: &[String]) -> Vec<String> {
    names.iter().map(|n| fold(n)).collect()
}

/// The family of a canonical type: what two dialects must agree on for a column to hold the
/// same values. Exact sizes differ between engines by design (each mapping file says why).
pub fn family(canonical: &str) -> &'static str {
    let base = canonical.split('(').next().unwrap_or("");
    match base {
        "bool" => "bool",
        "int1" | "int2" | "int3" | "int4" | "int8" | "uint1" | "uint2" | "uint3" | "uint4"
        | "uint8" | "year" => "integer",
        // An exact number with no digits after the point holds integers.
        "decimal" if canonical.ends_with(",0)") => "integer",
        "decimal" => "decimal",
        "float4" | "float8" => "float",
        "char" | "varchar" | "text" => "text",
        "binary" | "varbinary" | "blob" => "binary",
        "timestamp" => "timestamp",
        "timestamptz" => "timestamptz",
        "date" => "date",
        "time" | "timetz" => "time",
        "json" | "jsonb" => "json",
        other => match other {
            "uuid" => "uuid",
            "interval" => "interval",
            "enum" => "enum",
            _ => "other",
        },
    }
}

pub fn shape(schema: &Schema) -> Shape {
    let mut out = Shape::new();
    for t in &schema.tables {
        let columns = t
            .columns
            .iter()
            .map(|c| {
                let canonical = c
                    .mapped
                    .as_ref()
                    .map_or("?".to_string(), |m| m.canonical.to_string());
                (fold(&c.name), family(&canonical), c.nullable)
            })
            .collect();
        let mut foreign_keys: Vec<_> = t
            .foreign_keys
            .iter()
            .map(|fk| {
                (
                    folds(&fk.columns),
                    fold(&fk.ref_table.name),
                    folds(&fk.ref_columns),
                )
            })
            .collect();
        foreign_keys.sort();
        let primary_key = t
            .primary_key
            .as_ref()
            .map(|k| folds(&k.columns))
            .unwrap_or_default();
        out.insert(
            fold(&t.name.name),
            TableShape {
                columns,
                primary_key,
                foreign_keys,
            },
        );
    }
    out
}

/// The differences between two shapes, one line each; `accepted(table, column, a, b)` says
/// whether two type families of one column are an accepted difference.
pub fn differences(
    a: &Shape,
    b: &Shape,
    accepted: &dyn Fn(&str, &str, &str, &str) -> bool,
) -> Vec<String> {
    let mut out = Vec::new();
    let names_a: Vec<&String> = a.keys().collect();
    let names_b: Vec<&String> = b.keys().collect();
    if names_a != names_b {
        out.push(format!("tables differ: {names_a:?} vs {names_b:?}"));
    }
    for (name, ta) in a {
        let Some(tb) = b.get(name) else { continue };
        let cols_a: Vec<&String> = ta.columns.iter().map(|c| &c.0).collect();
        let cols_b: Vec<&String> = tb.columns.iter().map(|c| &c.0).collect();
        if cols_a != cols_b {
            out.push(format!("{name}: columns differ: {cols_a:?} vs {cols_b:?}"));
            continue;
        }
        for ((col, fa, na), (_, fb, nb)) in ta.columns.iter().zip(&tb.columns) {
            if fa != fb && !accepted(name, col, fa, fb) {
                out.push(format!("{name}.{col}: {fa} vs {fb}"));
            }
            if na != nb {
                out.push(format!("{name}.{col}: nullable {na} vs {nb}"));
            }
        }
        if ta.primary_key != tb.primary_key {
            out.push(format!(
                "{name}: primary key {:?} vs {:?}",
                ta.primary_key, tb.primary_key
            ));
        }
        if ta.foreign_keys != tb.foreign_keys {
            out.push(format!(
                "{name}: foreign keys {:?} vs {:?}",
                ta.foreign_keys, tb.foreign_keys
            ));
        }
    }
    out
}
