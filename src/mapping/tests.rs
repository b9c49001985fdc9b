//! The read/write matrix goes through one helper, `check`; the other tests cover loading
//! (precedence, ties, closed vocabularies), the pattern grammar, `show` and `map_schema`.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use super::*;
use crate::diag::{Severity, codes};
use crate::ir::{DropAttr, Name, Risk, Table};
use crate::source::Span;
use crate::transform::Transform;
use Dialect::{Mysql as M, Postgres as P, Sqlite as S};

/// The built-in rules for a pair, loaded once per test run; loading them must be error-free.
fn builtin_rules(from: Dialect, to: Dialect) -> &'static Rules {
    static CACHE: OnceLock<Mutex<HashMap<(Dialect, Dialect), &'static Rules>>> = OnceLock::new();
    let mut cache = CACHE
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    cache.entry((from, to)).or_insert_with(|| {
        let (rules, diags) = Rules::load(from, to, None);
        let msgs: Vec<&str> = diags.iter().map(|d| d.message.as_str()).collect();
        assert!(msgs.is_empty(), "built-in rules {from} -> {to}: {msgs:#?}");
        Box::leak(Box::new(rules))
    })
}

/// A column `t.c` of `source_type`. Flags: a fact name (`auto_increment`, `zero_dates`,
/// `primary_key`), `not_null`, `values=a|b`, `enum_type=name`, `charset=x`, `collate=x`,
/// `default`.
fn column(source_type: &str, flags: &[&str]) -> Column {
    let mut c = Column::new("c", Span::new(10, 20), source_type);
    for flag in flags {
        match flag.split_once('=') {
            Some(("values", v)) => c.values = Some(v.split('|').map(str::to_string).collect()),
            Some(("enum_type", v)) => c.enum_type = Some(Name::bare(v)),
            Some(("charset", v)) => c.charset = Some(v.to_string()),
            Some(("collate", v)) => c.collation = Some(v.to_string()),
            _ => match *flag {
                "auto_increment" => c.facts.auto_increment = true,
                "zero_dates" => c.facts.zero_dates = true,
                "primary_key" => c.facts.primary_key = true,
                "not_null" => c.nullable = false,
                "default" => c.default = Some(crate::ir::Default::Number("0".to_string())),
                other => panic!("unknown test flag {other}"),
            },
        }
    }
    c
}

/// A decision's CHECK for the column `col`, quoted as PostgreSQL and SQLite quote it.
fn check_sql(d: &TypeDecision, col: &str) -> Option<String> {
    d.check.as_ref().map(|c| c.sql(&format!("\"{col}\"")))
}

/// THE matrix helper: maps column `t.c` of `source_type` from `from` to `to` with the built-in
/// rules and asserts the target type. Returns the decision and diagnostics for further checks.
#[track_caller]
fn check(
    from: Dialect,
    to: Dialect,
    source_type: &str,
    flags: &[&str],
    expected: &str,
) -> (TypeDecision, Vec<Diagnostic>) {
    let col = column(source_type, flags);
    let ctx = ColumnCtx {
        table: "t",
        column: &col,
        target: to,
    };
    let (d, diags) = map_column(builtin_rules(from, to), &ctx);
    assert_eq!(
        d.target, expected,
        "{from} `{source_type}` {flags:?} -> {to}: {d:#?}"
    );
    (d, diags)
}

/// Like `check` with a user file; the file must load without errors.
#[track_caller]
fn check_user(
    from: Dialect,
    to: Dialect,
    user: &str,
    source_type: &str,
    flags: &[&str],
    expected: &str,
) -> TypeDecision {
    let (rules, diags) = Rules::load(from, to, Some(("my.toml", user)));
    let msgs: Vec<&str> = diags.iter().map(|d| d.message.as_str()).collect();
    assert!(msgs.is_empty(), "{msgs:#?}");
    let col = column(source_type, flags);
    let (d, _) = map_column(
        &rules,
        &ColumnCtx {
            table: "t",
            column: &col,
            target: to,
        },
    );
    assert_eq!(d.target, expected, "{source_type} -> {d:#?}");
    d
}

/// The MAPPING_ERROR messages loading a user file gives.
fn load_errors(from: Dialect, to: Dialect, path: &str, text: &str) -> Vec<String> {
    let (_, diags) = Rules::load(from, to, Some((path, text)));
    assert!(diags.iter().all(|d| d.code == &codes::MAPPING_ERROR));
    diags.into_iter().map(|d| d.message).collect()
}

fn codes_of(diags: &[Diagnostic]) -> Vec<&'static str> {
    diags.iter().map(|d| d.code.name).collect()
}

// ---------------------------------------------------------------------------------------------
// MySQL -> PostgreSQL

#[test]
fn mysql_integers_to_postgres() {
    check(M, P, "tinyint", &[], "smallint");
    check(M, P, "tinyint(4)", &[], "smallint");
    check(M, P, "smallint", &[], "smallint");
    check(M, P, "smallint(6)", &[], "smallint");
    check(M, P, "mediumint", &[], "integer");
    check(M, P, "int", &[], "integer");
    check(M, P, "int(11)", &[], "integer");
    check(M, P, "integer", &[], "integer");
    check(M, P, "bigint", &[], "bigint");
    check(M, P, "bigint(20)", &[], "bigint");
    // Unsigned widens, with a CHECK that keeps the domain; the note says so.
    for (ty, target) in [
        ("tinyint unsigned", "smallint"),
        ("tinyint(3) unsigned", "smallint"),
        ("smallint unsigned", "integer"),
        ("mediumint unsigned", "integer"),
        ("int unsigned", "bigint"),
        ("int(10) unsigned", "bigint"),
        ("int(11) unsigned zerofill", "bigint"),
        ("int zerofill", "bigint"),
        ("bigint unsigned", "numeric(20)"),
        ("bigint(20) unsigned", "numeric(20)"),
        ("serial", "numeric(20)"),
    ] {
        let (d, diags) = check(M, P, ty, &[], target);
        assert_eq!(check_sql(&d, "c").as_deref(), Some("\"c\" >= 0"), "{ty}");
        assert_eq!(d.risk, Risk::None, "{ty}");
        assert_eq!(codes_of(&diags), ["type-note"], "{ty}");
    }
    let (d, _) = check(M, P, "bigint unsigned", &[], "numeric(20)");
    assert!(
        d.note
            .as_deref()
            .is_some_and(|n| n.contains("no unsigned 64-bit type"))
    );
    // An identity column must be an integer type.
    let (d, diags) = check(M, P, "bigint unsigned", &["auto_increment"], "bigint");
    assert_eq!(d.risk, Risk::Lossy);
    assert_eq!(codes_of(&diags), ["type-lossy"]);
    check(M, P, "int unsigned", &["auto_increment"], "bigint");
    // Targets are explicit: never `integer(11)`.
    let (d, diags) = check(
        M,
        P,
        "int(11)",
        &["auto_increment", "primary_key"],
        "integer",
    );
    assert!(diags.is_empty() && d.check.is_none());
    check(M, P, "bigint(20)", &["auto_increment"], "bigint");
    // Synonyms.
    check(M, P, "int1", &[], "smallint");
    check(M, P, "int8 unsigned", &[], "numeric(20)");
}

#[test]
fn mysql_booleans_to_postgres() {
    for ty in ["tinyint(1)", "bool", "boolean", "TINYINT(1)"] {
        let (d, diags) = check(M, P, ty, &[], "boolean");
        assert_eq!(d.canonical.to_string(), "bool");
        assert_eq!(d.transform, Some(Transform::IntToBool));
        assert_eq!(d.risk, Risk::Lossy);
        assert_eq!(codes_of(&diags), ["type-lossy"]);
        assert!(
            diags[0].message.contains("-> boolean"),
            "{}",
            diags[0].message
        );
        assert!(
            diags[0].message.contains("mappings/mysql.toml:"),
            "{}",
            diags[0].message
        );
    }
    // tinyint(1) unsigned is not what `tinyint(1)` names: modifiers must agree.
    check(M, P, "tinyint(1) unsigned", &[], "smallint");
    check(M, P, "tinyint(2)", &[], "smallint");
    // BIT(1) is a boolean too (documented decision); wider BITs stay bit strings.
    let (d, _) = check(M, P, "bit(1)", &[], "boolean");
    assert_eq!(d.transform, Some(Transform::BitToBool));
    check(M, P, "bit", &[], "boolean");
    let (d, _) = check(M, P, "bit(8)", &[], "bit(8)");
    assert_eq!(d.transform, None);
    check(M, P, "bit(64)", &[], "bit(64)");
}

#[test]
fn mysql_enum_and_set_to_postgres() {
    // Lowering keeps the values apart from the type.
    let (d, diags) = check(M, P, "enum", &["values=G|PG|it's"], "\"t_c\"");
    assert_eq!(d.canonical.to_string(), "enum");
    assert_eq!(
        d.new_enum,
        Some((
            "t_c".to_string(),
            vec!["G".into(), "PG".into(), "it's".into()]
        ))
    );
    assert!(diags.is_empty());
    // Values written inside the type work the same.
    let (d, _) = check(M, P, "enum('a','b''c')", &[], "\"t_c\"");
    assert_eq!(
        d.new_enum,
        Some(("t_c".to_string(), vec!["a".into(), "b'c".into()]))
    );
    // SET: an array with a CHECK on its members.
    let (d, diags) = check(M, P, "set", &["values=a|b"], "text[]");
    assert_eq!(d.transform, Some(Transform::SetToArray));
    assert_eq!(
        check_sql(&d, "c").as_deref(),
        Some("\"c\" <@ ARRAY['a','b']::text[]")
    );
    assert_eq!(codes_of(&diags), ["type-note"]);
    check(M, P, "set('x','y')", &[], "text[]");
}

#[test]
fn mysql_dates_to_postgres() {
    check(M, P, "date", &[], "date");
    check(M, P, "datetime", &[], "timestamp(0)");
    check(M, P, "datetime(3)", &[], "timestamp(3)");
    check(M, P, "datetime(6)", &[], "timestamp(6)");
    // MySQL TIMESTAMP is a point in time.
    let (d, _) = check(M, P, "timestamp", &[], "timestamptz(0)");
    assert_eq!(d.canonical.to_string(), "timestamptz(0)");
    check(M, P, "timestamp(6)", &[], "timestamptz(6)");
    // Zero dates: NULL instead, so NOT NULL goes, and both are reported.
    for (ty, target) in [
        ("datetime", "timestamp(0)"),
        ("datetime(3)", "timestamp(3)"),
        ("timestamp", "timestamptz(0)"),
        ("timestamp(2)", "timestamptz(2)"),
        ("date", "date"),
    ] {
        let (d, diags) = check(M, P, ty, &["zero_dates", "not_null"], target);
        assert_eq!(d.transform, Some(Transform::ZeroDateToNull), "{ty}");
        assert_eq!(d.drop, vec![DropAttr::NotNull], "{ty}");
        assert_eq!(d.risk, Risk::Lossy, "{ty}");
        assert_eq!(
            codes_of(&diags),
            ["attribute-dropped", "type-lossy"],
            "{ty}"
        );
    }
    // Without the fact nothing is dropped.
    let (d, _) = check(M, P, "datetime", &["not_null"], "timestamp(0)");
    assert!(d.drop.is_empty() && d.transform.is_none());
    // TIME: the pair file warns that MySQL TIME is also a duration.
    let (d, _) = check(M, P, "time", &[], "time(0)");
    assert_eq!(d.risk, Risk::Lossy);
    assert!(
        d.origin.starts_with("mappings/mysql-postgres.toml:"),
        "{}",
        d.origin
    );
    assert_eq!(d.canonical.to_string(), "time(0)");
    check(M, P, "time(3)", &[], "time(3)");
    let (d, _) = check(M, P, "year", &[], "smallint");
    assert_eq!(d.transform, Some(Transform::YearToInt));
    check(M, P, "year(4)", &[], "smallint");
}

#[test]
fn mysql_strings_and_blobs_to_postgres() {
    for ty in ["tinytext", "text", "mediumtext", "longtext"] {
        let (d, _) = check(M, P, ty, &[], "text");
        assert_eq!(d.transform, Some(Transform::StripNul));
    }
    let (d, _) = check(M, P, "mediumtext", &[], "text");
    assert_eq!(d.canonical.to_string(), "text(16777215)");
    check(M, P, "char", &[], "char(1)");
    check(M, P, "char(10)", &[], "char(10)");
    check(M, P, "varchar(45)", &[], "varchar(45)");
    check(M, P, "varchar(65535)", &[], "varchar(65535)");
    check(M, P, "nvarchar(40)", &[], "varchar(40)");
    check(M, P, "national varchar(40)", &[], "varchar(40)");
    check(M, P, "character varying(20)", &[], "varchar(20)");
    for ty in [
        "tinyblob",
        "blob",
        "mediumblob",
        "longblob",
        "binary(16)",
        "binary",
        "varbinary(255)",
        "blob(1000)",
    ] {
        check(M, P, ty, &[], "bytea");
    }
    let (d, _) = check(M, P, "longblob", &[], "bytea");
    assert_eq!(d.canonical.to_string(), "blob(4294967295)");
    let (d, _) = check(M, P, "json", &[], "jsonb");
    assert_eq!(d.canonical.to_string(), "jsonb");
}

#[test]
fn mysql_numbers_to_postgres() {
    check(M, P, "decimal(10,2)", &[], "numeric(10,2)");
    check(M, P, "decimal", &[], "numeric(10,0)");
    check(M, P, "decimal(12)", &[], "numeric(12,0)");
    check(M, P, "numeric(65,30)", &[], "numeric(65,30)");
    check(M, P, "dec(5,1)", &[], "numeric(5,1)");
    check(M, P, "fixed(5,1)", &[], "numeric(5,1)");
    let (d, _) = check(M, P, "decimal(10,2) unsigned", &[], "numeric(10,2)");
    assert_eq!(check_sql(&d, "c").as_deref(), Some("\"c\" >= 0"));
    check(M, P, "float", &[], "real");
    check(M, P, "float(10)", &[], "real");
    check(M, P, "float(24)", &[], "real");
    check(M, P, "float(25)", &[], "double precision");
    check(M, P, "float(7,4)", &[], "real");
    check(M, P, "double", &[], "double precision");
    check(M, P, "double(10,2)", &[], "double precision");
    check(M, P, "double precision", &[], "double precision");
    check(M, P, "real", &[], "double precision");
    let (d, _) = check(M, P, "double unsigned", &[], "double precision");
    assert_eq!(check_sql(&d, "c").as_deref(), Some("\"c\" >= 0"));
}

#[test]
fn mysql_geometry_and_unknown_to_postgres() {
    for ty in [
        "geometry",
        "point",
        "polygon",
        "multipolygon",
        "geometrycollection",
    ] {
        let (d, diags) = check(M, P, ty, &[], "bytea");
        assert_eq!(d.risk, Risk::Manual);
        assert_eq!(codes_of(&diags), ["type-manual"]);
        assert!(diags[0].message.contains("PostGIS"));
    }
    // A name no rule knows: manual, with the target's text type as the fallback.
    let (d, diags) = check(M, P, "frobnicate(3)", &[], "text");
    assert_eq!(
        (d.risk, d.canonical.to_string().as_str()),
        (Risk::Manual, "other")
    );
    assert_eq!(codes_of(&diags), ["type-manual"]);
    assert!(
        diags[0].message.contains("frobnicate(3) -> text"),
        "{}",
        diags[0].message
    );
    assert!(
        diags[0]
            .message
            .contains("no [read] rule in mappings/mysql.toml"),
        "{}",
        diags[0].message
    );
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL -> MySQL

#[test]
fn postgres_numbers_to_mysql() {
    check(P, M, "smallint", &[], "smallint");
    check(P, M, "integer", &[], "int");
    check(P, M, "int", &[], "int");
    check(P, M, "bigint", &[], "bigint");
    check(P, M, "int2", &[], "smallint");
    check(P, M, "int4", &[], "int");
    check(P, M, "int8", &[], "bigint");
    // Serial types: lowering gives the integer and the auto_increment fact; the names also map.
    check(P, M, "integer", &["auto_increment"], "int");
    check(P, M, "serial", &["auto_increment"], "int");
    check(P, M, "bigserial", &["auto_increment"], "bigint");
    check(P, M, "smallserial", &["auto_increment"], "smallint");
    check(P, M, "boolean", &[], "tinyint(1)");
    check(P, M, "bool", &[], "tinyint(1)");
    // NUMERIC beyond DECIMAL's limits (65 digits, 30 after the point).
    let (d, diags) = check(P, M, "numeric", &[], "decimal(65,30)");
    assert_eq!(d.risk, Risk::Lossy);
    assert!(diags[0].message.contains("65 digits"));
    check(P, M, "numeric(10,2)", &[], "decimal(10,2)");
    check(P, M, "decimal(12)", &[], "decimal(12,0)");
    check(P, M, "numeric(65,30)", &[], "decimal(65,30)");
    let (d, _) = check(P, M, "numeric(100,2)", &[], "decimal(65,2)");
    assert_eq!(d.risk, Risk::Lossy);
    check(P, M, "numeric(1000,500)", &[], "decimal(65,30)");
    let (d, _) = check(P, M, "numeric(40,35)", &[], "decimal(40,30)");
    assert_eq!(d.risk, Risk::Lossy);
    check(P, M, "real", &[], "float");
    check(P, M, "float4", &[], "float");
    check(P, M, "double precision", &[], "double");
    check(P, M, "float8", &[], "double");
    check(P, M, "float", &[], "double");
    check(P, M, "float(10)", &[], "float");
    check(P, M, "float(40)", &[], "double");
    let (_, diags) = check(P, M, "money", &[], "decimal(19,2)");
    assert_eq!(codes_of(&diags), ["type-note"]);
}

#[test]
fn postgres_strings_to_mysql() {
    check(P, M, "char(10)", &[], "char(10)");
    check(P, M, "character(10)", &[], "char(10)");
    check(P, M, "character", &[], "char(1)");
    check(P, M, "char(300)", &[], "varchar(300)");
    check(P, M, "char(20000)", &[], "longtext");
    check(P, M, "character varying(20)", &[], "varchar(20)");
    check(P, M, "varchar(255)", &[], "varchar(255)");
    check(P, M, "varchar(16383)", &[], "varchar(16383)");
    check(P, M, "varchar(16384)", &[], "longtext");
    check(P, M, "varchar(10485760)", &[], "longtext");
    check(P, M, "character varying", &[], "longtext");
    check(P, M, "varchar", &[], "longtext");
    check(P, M, "text", &[], "longtext");
    let (d, _) = check(P, M, "citext", &[], "longtext");
    assert_eq!(d.risk, Risk::Lossy);
    check(P, M, "bytea", &[], "longblob");
    check(P, M, "xml", &[], "longtext");
}

#[test]
fn postgres_dates_and_others_to_mysql() {
    check(P, M, "date", &[], "date");
    check(P, M, "time", &[], "time(6)");
    check(P, M, "time(0)", &[], "time");
    check(P, M, "time(3)", &[], "time(3)");
    check(P, M, "time without time zone", &[], "time(6)");
    let (d, _) = check(P, M, "timetz", &[], "time(6)");
    assert_eq!(d.risk, Risk::Lossy);
    check(P, M, "time with time zone", &[], "time(6)");
    check(P, M, "time(2) with time zone", &[], "time(2)");
    check(P, M, "timestamp", &[], "datetime(6)");
    check(P, M, "timestamp(3)", &[], "datetime(3)");
    check(P, M, "timestamp(0)", &[], "datetime");
    check(P, M, "timestamp without time zone", &[], "datetime(6)");
    let (d, diags) = check(P, M, "timestamptz", &[], "datetime(6)");
    assert_eq!((d.risk, codes_of(&diags)), (Risk::None, vec!["type-note"]));
    check(P, M, "timestamp with time zone", &[], "datetime(6)");
    check(P, M, "timestamp(3) with time zone", &[], "datetime(3)");
    check(P, M, "timestamptz(0)", &[], "datetime");
    let (d, _) = check(P, M, "interval", &[], "varchar(100)");
    assert_eq!(d.risk, Risk::Lossy);
    check(P, M, "interval(3)", &[], "varchar(100)");
    check(P, M, "json", &[], "json");
    check(P, M, "jsonb", &[], "json");
    let (d, _) = check(P, M, "uuid", &[], "char(36)");
    assert_eq!(d.transform, Some(Transform::UuidToText));
    check(P, M, "inet", &[], "varchar(43)");
    check(P, M, "cidr", &[], "varchar(43)");
    check(P, M, "macaddr", &[], "varchar(17)");
    check(P, M, "bit", &[], "bit(1)");
    check(P, M, "bit(10)", &[], "bit(10)");
    let (d, _) = check(P, M, "bit(100)", &[], "longtext");
    assert_eq!(d.risk, Risk::Manual);
    let (d, _) = check(P, M, "bit varying(10)", &[], "bit(10)");
    assert_eq!(d.risk, Risk::Lossy);
    check(P, M, "varbit(10)", &[], "bit(10)");
    let (d, _) = check(P, M, "varbit", &[], "longtext");
    assert_eq!(d.risk, Risk::Manual);
    let (d, diags) = check(P, M, "tsvector", &[], "longtext");
    assert_eq!(
        (d.risk, codes_of(&diags)),
        (Risk::Manual, vec!["type-manual"])
    );
    // A user enum type becomes an inline ENUM.
    let (d, _) = check(
        P,
        M,
        "mood",
        &["enum_type=mood", "values=happy|it's"],
        "enum('happy','it''s')",
    );
    assert_eq!(d.canonical.to_string(), "enum");
    // PostGIS types: MySQL has its own geometry.
    check(P, M, "geometry", &[], "geometry");
    check(P, M, "geometry(point,4326)", &[], "geometry");
    // No rule: manual, MySQL's unbounded text type.
    let (d, _) = check(P, M, "hstore", &[], "longtext");
    assert_eq!(d.risk, Risk::Manual);
}

#[test]
fn postgres_arrays() {
    // MySQL has no arrays: JSON (documented decision).
    for ty in [
        "integer[]",
        "text[]",
        "character varying(20)[]",
        "int[3]",
        "integer[][]",
    ] {
        let (d, diags) = check(P, M, ty, &[], "json");
        assert_eq!(d.transform, Some(Transform::ArrayToJson), "{ty}");
        assert_eq!(
            (d.risk, codes_of(&diags)),
            (Risk::Lossy, vec!["type-lossy"]),
            "{ty}"
        );
    }
    let (d, _) = check(P, M, "integer[]", &[], "json");
    assert_eq!(d.canonical.to_string(), "int4[]");
    // SQLite: JSON text.
    check(P, S, "integer[]", &[], "text");
    // PostgreSQL to PostgreSQL keeps the array, element by element.
    check(P, P, "integer[]", &[], "integer[]");
    check(P, P, "character varying(20)[]", &[], "varchar(20)[]");
    check(
        P,
        P,
        "timestamp(3) with time zone[]",
        &[],
        "timestamptz(3)[]",
    );
    // An element type without a rule makes the whole column manual.
    let (d, _) = check(P, M, "hstore[]", &[], "longtext");
    assert_eq!(d.risk, Risk::Manual);
}

#[test]
fn postgres_to_postgres_keeps_types() {
    check(P, P, "timestamp", &[], "timestamp(6)");
    check(P, P, "timestamptz", &[], "timestamptz(6)");
    check(P, P, "numeric", &[], "numeric");
    check(P, P, "numeric(10,2)", &[], "numeric(10,2)");
    check(P, P, "money", &[], "money");
    check(P, P, "interval", &[], "interval");
    check(P, P, "inet", &[], "inet");
    check(P, P, "tsvector", &[], "tsvector");
    check(P, P, "xml", &[], "xml");
    check(P, P, "varbit(5)", &[], "varbit(5)");
    check(
        P,
        P,
        "time(3) with time zone",
        &[],
        "time(3) with time zone",
    );
    // A named enum type is used, not created again.
    let (d, _) = check(P, P, "mood", &["enum_type=mood", "values=a|b"], "\"mood\"");
    assert_eq!(d.new_enum, None);
}

// ---------------------------------------------------------------------------------------------
// -> SQLite

#[test]
fn mysql_to_sqlite() {
    // Every integer is exactly `integer` (INTEGER PRIMARY KEY makes a rowid alias).
    for ty in [
        "tinyint",
        "smallint",
        "mediumint",
        "int",
        "int(11)",
        "bigint",
        "bigint(20)",
    ] {
        let (d, diags) = check(M, S, ty, &["auto_increment", "primary_key"], "integer");
        assert!(diags.is_empty() && d.check.is_none(), "{ty}");
    }
    let (d, _) = check(M, S, "int unsigned", &[], "integer");
    assert_eq!(check_sql(&d, "c").as_deref(), Some("\"c\" >= 0"));
    let (d, _) = check(M, S, "bigint unsigned", &["auto_increment"], "integer");
    assert_eq!(d.risk, Risk::Lossy);
    // The pair file: SQLite keeps TINYINT(1) integers as they are.
    let (d, diags) = check(M, S, "tinyint(1)", &[], "boolean");
    assert_eq!(
        (d.transform, d.risk, d.canonical.to_string().as_str()),
        (None, Risk::None, "bool")
    );
    assert!(diags.is_empty());
    assert!(d.origin.starts_with("mappings/mysql-sqlite.toml:"));
    check(M, S, "bool", &[], "boolean");
    // ENUM: text with a CHECK of its values.
    let (d, _) = check(M, S, "enum", &["values=a|b'c"], "text");
    assert_eq!(check_sql(&d, "c").as_deref(), Some("\"c\" IN ('a','b''c')"));
    assert_eq!(d.new_enum, None);
    let (d, _) = check(M, S, "set", &["values=a|b"], "text");
    assert_eq!(d.transform, None);
    // SQLite keeps zero dates as text: nothing to do.
    let (d, diags) = check(M, S, "datetime", &["zero_dates", "not_null"], "datetime");
    assert!(d.drop.is_empty() && d.transform.is_none() && diags.is_empty());
    check(M, S, "datetime(3)", &[], "datetime");
    check(M, S, "timestamp", &[], "datetime");
    check(M, S, "date", &[], "date");
    check(M, S, "time", &[], "time");
    check(M, S, "year", &[], "integer");
    check(M, S, "decimal(10,2)", &[], "numeric(10,2)");
    let (d, _) = check(M, S, "decimal(20,2)", &[], "numeric(20,2)");
    assert_eq!(d.risk, Risk::Lossy);
    check(M, S, "double", &[], "real");
    check(M, S, "float", &[], "real");
    check(M, S, "varchar(45)", &[], "varchar(45)");
    check(M, S, "char(2)", &[], "char(2)");
    check(M, S, "longtext", &[], "text");
    check(M, S, "longblob", &[], "blob");
    check(M, S, "varbinary(16)", &[], "blob");
    check(M, S, "json", &[], "text");
    check(M, S, "bit(1)", &[], "boolean");
    let (d, _) = check(M, S, "bit(8)", &[], "integer");
    assert_eq!(d.transform, Some(Transform::BitToInt));
    let (d, _) = check(M, S, "bit(64)", &[], "integer");
    assert_eq!(d.risk, Risk::Lossy);
    let (d, _) = check(M, S, "point", &[], "blob");
    assert_eq!(d.risk, Risk::Lossy);
}

#[test]
fn postgres_to_sqlite() {
    check(P, S, "integer", &[], "integer");
    check(
        P,
        S,
        "bigint",
        &["auto_increment", "primary_key"],
        "integer",
    );
    check(P, S, "boolean", &[], "boolean");
    check(P, S, "numeric(10,2)", &[], "numeric(10,2)");
    let (d, _) = check(P, S, "numeric", &[], "numeric");
    assert_eq!(d.risk, Risk::Lossy);
    check(P, S, "text", &[], "text");
    check(P, S, "varchar(20)", &[], "varchar(20)");
    check(P, S, "character varying", &[], "text");
    check(P, S, "timestamp", &[], "datetime");
    check(P, S, "timestamptz(3)", &[], "datetime");
    check(P, S, "time with time zone", &[], "time");
    check(P, S, "date", &[], "date");
    check(P, S, "bytea", &[], "blob");
    check(P, S, "uuid", &[], "text");
    check(P, S, "jsonb", &[], "text");
    check(P, S, "double precision", &[], "real");
    let (d, _) = check(P, S, "interval", &[], "text");
    assert_eq!(d.risk, Risk::Lossy);
    let (d, _) = check(P, S, "mood", &["enum_type=mood", "values=x|y"], "text");
    assert_eq!(check_sql(&d, "c").as_deref(), Some("\"c\" IN ('x','y')"));
}

// ---------------------------------------------------------------------------------------------
// SQLite ->

#[test]
fn sqlite_declared_types() {
    // The names of https://www.sqlite.org/datatype3.html section 3.1.1.
    for (ty, target) in [
        ("INT", "bigint"),
        ("INTEGER", "bigint"),
        ("TINYINT", "smallint"),
        ("SMALLINT", "smallint"),
        ("MEDIUMINT", "integer"),
        ("BIGINT", "bigint"),
        ("UNSIGNED BIG INT", "bigint"),
        ("INT2", "smallint"),
        ("INT8", "bigint"),
        ("CHARACTER(20)", "char(20)"),
        ("VARCHAR(255)", "varchar(255)"),
        ("VARYING CHARACTER(255)", "varchar(255)"),
        ("NCHAR(55)", "char(55)"),
        ("NATIVE CHARACTER(70)", "char(70)"),
        ("NVARCHAR(100)", "varchar(100)"),
        ("TEXT", "text"),
        ("CLOB", "text"),
        ("BLOB", "bytea"),
        ("REAL", "double precision"),
        ("DOUBLE", "double precision"),
        ("DOUBLE PRECISION", "double precision"),
        ("FLOAT", "double precision"),
        ("NUMERIC", "numeric"),
        ("DECIMAL(10,5)", "numeric(10,5)"),
        ("BOOLEAN", "boolean"),
        ("DATE", "date"),
        ("DATETIME", "timestamp(6)"),
        ("VARCHAR(20)", "varchar(20)"),
        ("NVARCHAR(40)", "varchar(40)"),
    ] {
        let (d, _) = check(S, P, ty, &[], target);
        assert!(!d.origin.contains("affinity"), "{ty}: {}", d.origin);
    }
    let (d, _) = check(S, P, "BOOLEAN", &[], "boolean");
    assert_eq!(
        (d.transform, d.risk),
        (Some(Transform::IntToBool), Risk::Lossy)
    );
    // Lengths beyond PostgreSQL's varchar limit.
    check(S, P, "varchar(10485760)", &[], "varchar(10485760)");
    let (d, _) = check(S, P, "varchar(10485761)", &[], "text");
    assert!(d.note.as_deref().is_some_and(|n| n.contains("10485760")));
    check(S, M, "INTEGER", &[], "bigint");
    check(S, M, "TEXT", &[], "longtext");
    check(S, M, "DATETIME", &[], "datetime(6)");
    check(
        S,
        S,
        "INTEGER",
        &["auto_increment", "primary_key"],
        "integer",
    );
    check(S, S, "VARCHAR(20)", &[], "varchar(20)");
}

#[test]
fn sqlite_untyped_and_affinity() {
    // Untyped: text, with a warning (documented decision).
    let (d, diags) = check(S, P, "", &[], "text");
    assert_eq!(
        (d.risk, codes_of(&diags)),
        (Risk::Lossy, vec!["type-lossy"])
    );
    assert!(
        diags[0].message.contains("(no type) -> text"),
        "{}",
        diags[0].message
    );
    // Names no rule lists go by SQLite's affinity rules, in their order.
    for (ty, target, rule) in [
        ("FLOATING POINT", "bigint", 1), // contains INT: the documentation's own example
        ("MYCHARS(10)", "text", 2),
        ("BIGBLOB", "bytea", 3),
        ("DOUBLE TROUBLE", "double precision", 4),
        ("STRING", "numeric", 5),
        ("int(", "bigint", 1), // not even a type: the rules still apply to the text
    ] {
        let (d, diags) = check(S, P, ty, &[], target);
        assert_affinity_rule(&d, ty, rule);
        let expected = if rule == 5 { "type-lossy" } else { "type-note" };
        assert_eq!(codes_of(&diags), [expected], "{ty}");
    }
    check(S, M, "STRING", &[], "decimal(65,30)");
}

/// Asserts that SQLite's affinity rule `rule` decided the type of `ty`.
#[track_caller]
fn assert_affinity_rule(d: &TypeDecision, ty: &str, rule: u8) {
    assert!(
        d.origin
            .starts_with(&format!("sqlite affinity rule {rule}")),
        "{ty}: {}",
        d.origin
    );
}

#[test]
fn sqlite_type_names_as_people_wrote_them() {
    // Type names as the SQLite reader hands them on: several words joined by `_`, a word after
    // the parameters moved before them, quotes removed. The note names the rule and why.
    for (ty, pg, my, rule, reason) in [
        ("intege", "bigint", "bigint", 1, "INT"),
        ("short_integer", "bigint", "bigint", 1, "INT"),
        ("text_nocase", "text", "longtext", 2, "CHAR, CLOB or TEXT"),
        ("varchar_unsigned(20)", "text", "longtext", 2, "CHAR"),
        ("floating_point", "bigint", "bigint", 1, "INT"),
        ("blobby", "bytea", "longblob", 3, "BLOB"),
        (
            "doub",
            "double precision",
            "double",
            4,
            "REAL, FLOA or DOUB",
        ),
        ("datetimestamp", "numeric", "decimal(65,30)", 5, "none"),
    ] {
        for (to, target) in [(P, pg), (M, my)] {
            let (d, diags) = check(S, to, ty, &[], target);
            assert_affinity_rule(&d, ty, rule);
            let note = d.note.as_deref().unwrap_or_default();
            assert!(
                note.contains(&format!("affinity rule {rule} (the name contains {reason}")),
                "{ty}: {note}"
            );
            assert_eq!(diags.len(), 1, "{ty}: {diags:?}");
        }
    }
    // A quoted type name reaches the rules as the type it spells: no affinity guess.
    for (ty, target) in [
        ("double precision", "double precision"),
        ("datetime", "timestamp(6)"),
    ] {
        let (d, _) = check(S, P, ty, &[], target);
        assert!(!d.origin.contains("affinity"), "{ty}: {}", d.origin);
    }
}

// ---------------------------------------------------------------------------------------------
// Coverage and round trips

#[test]
fn every_canonical_type_has_a_write_rule_in_every_dialect() {
    let sample = |arity: usize| -> Vec<pattern::Param> {
        [10, 2]
            .iter()
            .take(arity)
            .map(|n| pattern::Param::Num(*n))
            .collect()
    };
    for to in Dialect::ALL {
        let rules = builtin_rules(to, to);
        for canon in CANONICAL {
            for &arity in canon.arities {
                for array in [false, true] {
                    let ty = TypeSpec {
                        base: canon.name.to_string(),
                        params: sample(arity),
                        array,
                        ..TypeSpec::default()
                    };
                    let found = rules.write.best(&ty, &|_| false, &|_| true);
                    assert!(
                        found.is_some(),
                        "mappings/{to}.toml has no [write] rule for `{ty}`"
                    );
                }
            }
        }
    }
}

#[test]
fn mysql_postgres_mysql_round_trip() {
    for (mysql, pg, back, flags) in [
        ("tinyint(1)", "boolean", "tinyint(1)", &[][..]),
        ("tinyint", "smallint", "smallint", &[]),
        ("smallint", "smallint", "smallint", &[]),
        ("int", "integer", "int", &[]),
        ("int(11)", "integer", "int", &["auto_increment"]),
        ("bigint", "bigint", "bigint", &[]),
        ("int unsigned", "bigint", "bigint", &[]),
        ("decimal(10,2)", "numeric(10,2)", "decimal(10,2)", &[]),
        ("float", "real", "float", &[]),
        ("double", "double precision", "double", &[]),
        ("char(3)", "char(3)", "char(3)", &[]),
        ("varchar(45)", "varchar(45)", "varchar(45)", &[]),
        ("text", "text", "longtext", &[]),
        ("date", "date", "date", &[]),
        ("datetime", "timestamp(0)", "datetime", &[]),
        ("datetime(3)", "timestamp(3)", "datetime(3)", &[]),
        ("timestamp", "timestamptz(0)", "datetime", &[]),
        ("time", "time(0)", "time", &[]),
        ("json", "jsonb", "json", &[]),
        ("blob", "bytea", "longblob", &[]),
        ("bit(8)", "bit(8)", "bit(8)", &[]),
        ("year", "smallint", "smallint", &[]),
    ] {
        check(M, P, mysql, flags, pg);
        check(P, M, pg, flags, back);
    }
    // Enums go through a PostgreSQL enum type and come back inline.
    check(M, P, "enum", &["values=a|b"], "\"t_c\"");
    check(
        P,
        M,
        "t_c",
        &["enum_type=t_c", "values=a|b"],
        "enum('a','b')",
    );
}

// ---------------------------------------------------------------------------------------------
// Loading: precedence, specificity, ties, closed vocabularies

#[test]
fn user_beats_pair_beats_dialect() {
    // Dialect: mysql.toml [read] + postgres.toml [write].
    let (d, _) = check(M, P, "int", &[], "integer");
    assert_eq!(d.origin.matches("mappings/").count(), 2);
    // Pair beats dialect: `time` is decided by mysql-postgres.toml.
    let (d, _) = check(M, P, "time", &[], "time(0)");
    assert!(d.origin.starts_with("mappings/mysql-postgres.toml:"));
    // User beats pair, at the same specificity.
    let d = check_user(
        M,
        P,
        "[types]\n\"time\" = \"interval\"\n",
        "time",
        &[],
        "interval",
    );
    assert_eq!(d.origin, "my.toml:2");
    assert_eq!(d.risk, Risk::None);
    // User beats dialect, on either side.
    let d = check_user(M, P, "[read]\n\"int\" = \"int8\"\n", "int", &[], "bigint");
    assert!(d.origin.starts_with("my.toml:2 + mappings/postgres.toml:"));
    let d = check_user(M, P, "[write]\nint4 = \"bigint\"\n", "int", &[], "bigint");
    assert!(d.origin.ends_with(" + my.toml:2"), "{}", d.origin);
    // A user [write] rule applies to every source mapped to that canonical type.
    check_user(
        P,
        S,
        "[write]\n\"varchar(n)\" = \"text\"\n",
        "varchar(20)",
        &[],
        "text",
    );
    // Attributes: a user file can keep a charset the target would drop (and says so).
    let col = column("varchar(10)", &["charset=latin1"]);
    let (rules, _) = Rules::load(
        M,
        P,
        Some(("my.toml", "[attributes]\ncharset = { action = \"keep\" }\n")),
    );
    let (d, diags) = map_column(
        &rules,
        &ColumnCtx {
            table: "t",
            column: &col,
            target: P,
        },
    );
    assert!(d.drop.is_empty() && diags.is_empty());
}

#[test]
fn more_specific_beats_less_specific_whatever_the_order() {
    // A user's generic rule does not shadow the dialect's more specific one (pgloader #173).
    check_user(M, P, "[read]\n\"int\" = \"int2\"\n", "int", &[], "smallint");
    check_user(
        M,
        P,
        "[read]\n\"int\" = \"int2\"\n",
        "int unsigned",
        &[],
        "bigint",
    );
    let d = check_user(
        M,
        P,
        "[types]\n\"tinyint\" = \"smallint\"\n",
        "tinyint(1)",
        &[],
        "boolean",
    );
    assert!(d.origin.starts_with("mappings/mysql.toml:"));
    // Within one file, either order.
    let a = "[types]\n\"varchar(n) when n > 100\" = \"text\"\n\"varchar(n)\" = \"varchar({n})\"\n";
    let b = "[types]\n\"varchar(n)\" = \"varchar({n})\"\n\"varchar(n) when n > 100\" = \"text\"\n";
    for user in [a, b] {
        check_user(M, P, user, "varchar(101)", &[], "text");
        check_user(M, P, user, "varchar(100)", &[], "varchar(100)");
    }
    // A fixed parameter beats a variable, a guard beats none.
    // `int(1)` and `int(n) with auto_increment` are equally specific; the last rule decides
    // the one type they share, so they are no tie.
    let user = "[types]\n\"int(n)\" = \"integer\"\n\"int(1)\" = \"boolean\"\n\"int(n) with auto_increment\" = \"bigint\"\n\"int(1) with auto_increment\" = \"smallint\"\n";
    check_user(M, P, user, "int(1)", &[], "boolean");
    check_user(M, P, user, "int(5)", &[], "integer");
    check_user(M, P, user, "int(5)", &["auto_increment"], "bigint");
    check_user(M, P, user, "int(1)", &["auto_increment"], "smallint");
}

#[test]
fn equally_specific_rules_are_an_error_naming_both_lines() {
    let text = "# a user file\n[types]\n\"varchar(n) when n > 10\" = \"text\"\n\"int\" = \"integer\"\n\"varchar(n) when n > 20\" = \"varchar(20)\"\n";
    let errors = load_errors(M, P, "mappings/x.toml", text);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0].starts_with("mappings/x.toml:3 and mappings/x.toml:5: "),
        "{}",
        errors[0]
    );
    // Disjoint conditions are no tie; nor is a shared case a more specific rule decides.
    let ok = "[types]\n\"varchar(n) when n > 10\" = \"text\"\n\"varchar(n) when n <= 10\" = \"varchar(10)\"\n\
              \"int with auto_increment\" = \"bigint\"\n\"int(n)\" = \"integer\"\n\"int(n) with auto_increment\" = \"bigint\"\n";
    assert_eq!(load_errors(M, P, "x.toml", ok), Vec::<String>::new());
    // `int` and `int signed` say the same thing: a tie.
    let errors = load_errors(
        M,
        P,
        "x.toml",
        "[types]\n\"int\" = \"integer\"\n\"INT SIGNED\" = \"bigint\"\n",
    );
    assert_eq!(errors.len(), 1, "{errors:#?}");
    // Matching still decides (by the earlier line) and does not panic.
    let (rules, _) = Rules::load(M, P, Some(("mappings/x.toml", text)));
    let col = column("varchar(30)", &[]);
    let (d, _) = map_column(
        &rules,
        &ColumnCtx {
            table: "t",
            column: &col,
            target: P,
        },
    );
    assert_eq!(d.target, "text");
}

#[test]
fn unknown_names_are_errors_with_file_and_line() {
    let text = "[types]\n\
                \"int\" = { to = \"integer\", transform = \"int_to_boo\" }\n\
                \"bigint\" = { to = \"bigint\", risk = \"risky\" }\n\
                \"date\" = { to = \"date\", drop = [\"nullability\"] }\n\
                \"time\" = { to = \"time\", colour = \"red\" }\n\
                \"year with leap_days\" = \"smallint\"\n\
                [read]\n\
                \"foo\" = \"integer\"\n\
                \"bar(n)\" = \"varchar({m})\"\n\
                \"baz\" = \"decimal(1)\"\n\
                \"qux\" = \"{elem}[]\"\n\
                [write]\n\
                \"integer\" = \"int\"\n\
                \"bool(n)\" = \"boolean\"\n\
                \"text\" = \"text({n})\"\n\
                \"int4\" = { to = \"integer\", check = \"{column} > 0\" }\n\
                \"int8\" = { risk = \"none\" }\n\
                \"int(\" = \"x\"\n\
                \"int2 when n > 3\" = \"x\"\n";
    let errors = load_errors(M, P, "my.toml", text);
    let expect = [
        ("my.toml:2: ", "unknown transform `int_to_boo`"),
        ("my.toml:3: ", "unknown risk `risky`"),
        ("my.toml:4: ", "unknown drop `nullability`"),
        ("my.toml:5: ", "unknown field `colour`"),
        ("my.toml:6: ", "unknown fact"),
        ("my.toml:8: ", "`integer` is not a canonical type"),
        ("my.toml:9: ", "does not bind it"),
        ("my.toml:10: ", "takes 0 or 2 parameter(s), not 1"),
        ("my.toml:11: ", "must end in `[]`"),
        ("my.toml:13: ", "`integer` is not a canonical type"),
        ("my.toml:14: ", "takes 0 parameter(s), not 1"),
        ("my.toml:15: ", "does not bind it"),
        ("my.toml:16: ", "`{column}`"),
        ("my.toml:17: ", "has no `to`"),
        ("my.toml:18: ", "bad type pattern"),
        ("my.toml:19: ", "has no parameter `n`"),
    ];
    assert_eq!(errors.len(), expect.len(), "{errors:#?}");
    for ((prefix, text), e) in expect.iter().zip(&errors) {
        assert!(
            e.starts_with(prefix) && e.contains(text),
            "expected {prefix}..{text}.., got {e}"
        );
    }
    // A bad file as a whole: TOML syntax, an unknown table.
    let e = load_errors(M, P, "my.toml", "[types]\n\"int\" = \n");
    assert!(e.len() == 1 && e[0].starts_with("my.toml:"), "{e:#?}");
    let e = load_errors(M, P, "my.toml", "[reed]\n\"int\" = \"integer\"\n");
    assert!(e.len() == 1 && e[0].contains("reed"), "{e:#?}");
    let e = load_errors(
        M,
        P,
        "my.toml",
        "[attributes]\ncharset = { action = \"burn\" }\n",
    );
    assert!(
        e.len() == 1 && e[0].starts_with("my.toml:2: unknown action"),
        "{e:#?}"
    );
}

#[test]
fn explicit_targets_never_gain_parameters() {
    check(M, P, "int(11)", &[], "integer");
    check(M, S, "int(11)", &[], "integer");
    let d = check_user(
        M,
        P,
        "[types]\n\"int(n)\" = \"integer\"\n",
        "int(11)",
        &[],
        "integer",
    );
    assert_eq!(d.canonical.to_string(), "int4");
    check_user(
        M,
        P,
        "[types]\n\"varchar(n)\" = \"text\"\n",
        "varchar(45)",
        &[],
        "text",
    );
}

#[test]
fn guards() {
    // `with <fact>`, facts from lowering, never default text.
    let user = "[types]\n\"datetime with zero_dates\" = { to = \"text\", drop = [\"default\"] }\n";
    let d = check_user(M, P, user, "datetime", &["zero_dates", "default"], "text");
    assert_eq!(d.drop, vec![DropAttr::Default]);
    check_user(M, P, user, "datetime", &["default"], "timestamp(0)");
    // Several guards joined by `and`, with and without the keyword repeated.
    let user = "[types]\n\"int with auto_increment and primary_key\" = \"bigint\"\n\"bigint(n) when n > 5 and n <= 10\" = \"integer\"\n\"bigint(n) when n > 10 and when n < 20 and with primary_key\" = \"numeric\"\n";
    check_user(
        M,
        P,
        user,
        "int",
        &["auto_increment", "primary_key"],
        "bigint",
    );
    check_user(M, P, user, "int", &["auto_increment"], "integer");
    check_user(M, P, user, "bigint(7)", &[], "integer");
    check_user(M, P, user, "bigint(11)", &["primary_key"], "numeric");
    check_user(M, P, user, "bigint(11)", &[], "bigint");
    // `when n > 10485760` in the built-in PostgreSQL rules.
    check(S, P, "varchar(10485761)", &[], "text");
    check(S, P, "char(10485761)", &[], "text");
    check(S, P, "char(10485760)", &[], "char(10485760)");
}

// ---------------------------------------------------------------------------------------------
// The type-pattern grammar

#[test]
fn concrete_types_parse() {
    let t = |s: &str| parse_concrete(s).unwrap_or_else(|e| panic!("{s}: {e}"));
    let ty = t("double precision");
    assert_eq!((ty.base.as_str(), ty.params.len()), ("double precision", 0));
    let ty = t("timestamp(3) with time zone");
    assert_eq!(
        (ty.base.as_str(), ty.params.clone(), ty.with_tz),
        ("timestamp", vec![pattern::Param::Num(3)], true)
    );
    let ty = t("TIMESTAMP(3) WITHOUT TIME ZONE");
    assert_eq!(ty.to_string(), "timestamp(3)");
    let ty = t("int(11) unsigned zerofill");
    assert_eq!(
        (ty.base.as_str(), ty.unsigned, ty.zerofill),
        ("int", true, true)
    );
    assert_eq!(ty.params, vec![pattern::Param::Num(11)]);
    let ty = t("enum('a','b''c', 'd\\'e')");
    assert_eq!(ty.string_params(), vec!["a", "b'c", "d'e"]);
    let ty = t("character varying(20)[]");
    assert_eq!((ty.base.as_str(), ty.array), ("character varying", true));
    assert_eq!(ty.element().to_string(), "character varying(20)");
    let ty = t("unsigned big int");
    assert_eq!((ty.base.as_str(), ty.unsigned), ("unsigned big int", false));
    let ty = t("int [3]");
    assert!(ty.array);
    let ty = t("geometry(Point, 4326)");
    assert_eq!(
        ty.params,
        vec![
            pattern::Param::Word("point".into()),
            pattern::Param::Num(4326)
        ]
    );
    let ty = t("\"public\".\"Mood\"");
    assert_eq!(ty.base, "\"public\".\"mood\"");
    let ty = t("time with time zone");
    assert_eq!((ty.base.as_str(), ty.with_tz), ("time", true));
    assert_eq!(t("").base, "");
    assert_eq!(t("  Double   Precision ").base, "double precision");
    for bad in [
        "int(",
        "(",
        "int)",
        "varchar(99999999999999999999999)",
        "numeric(10,-2)",
        "int unsigned unsigned big",
        "enum('a",
    ] {
        assert!(parse_concrete(bad).is_err(), "{bad} should not parse");
    }
}

#[test]
fn patterns_parse() {
    let p = |s: &str| pattern::parse_pattern(s).unwrap_or_else(|e| panic!("{s}: {e}"));
    let pat = p("tinyint(1)");
    assert_eq!(pat.params, Some(vec![pattern::PParam::Fixed(1)]));
    assert_eq!(pat.specificity(), 3);
    let pat = p("datetime(fsp) with zero_dates");
    assert_eq!(
        (pat.facts.clone(), pat.specificity()),
        (vec!["zero_dates".to_string()], 3)
    );
    let pat = p("varchar(n) when n > 10485760");
    assert_eq!(pat.conds.len(), 1);
    assert_eq!(pat.specificity(), 3);
    let pat = p("timestamp(p) with time zone with auto_increment");
    assert!(pat.with_tz && pat.facts == ["auto_increment"]);
    let pat = p("INT UNSIGNED");
    assert_eq!(
        (pat.base.as_deref(), pat.unsigned, pat.specificity()),
        (Some("int"), true, 2)
    );
    let pat = p("any[]");
    assert_eq!(
        (pat.base.clone(), pat.array, pat.specificity()),
        (None, true, 0)
    );
    assert_eq!(p("").base.as_deref(), Some(""));
    for bad in [
        "int(n, n)",
        "int when n > 3",
        "int('a')",
        "int(n) when n > 5 and n < 3",
        "with auto_increment",
        "int(n) when n ~ 3",
    ] {
        assert!(
            pattern::parse_pattern(bad).is_err(),
            "{bad} should not parse"
        );
    }
    // Matching: a bare name ignores the display width, a fixed one does not.
    let int = p("int");
    assert!(
        int.match_type(&parse_concrete("int(11)").unwrap_or_default())
            .is_some()
    );
    assert!(
        int.match_type(&parse_concrete("int unsigned").unwrap_or_default())
            .is_none()
    );
    assert!(
        int.match_type(&parse_concrete("int[]").unwrap_or_default())
            .is_none()
    );
    let one = p("tinyint(1)");
    assert!(
        one.match_type(&parse_concrete("tinyint(1)").unwrap_or_default())
            .is_some()
    );
    assert!(
        one.match_type(&parse_concrete("tinyint(4)").unwrap_or_default())
            .is_none()
    );
    assert!(
        one.match_type(&parse_concrete("tinyint").unwrap_or_default())
            .is_none()
    );
}

#[test]
fn garbage_never_panics() {
    for to in Dialect::ALL {
        for from in Dialect::ALL {
            for ty in [
                "",
                "(",
                "int(",
                "))",
                "enum(",
                "'",
                "int[",
                "numeric(10,-2)",
                "ñandú",
                "int(99999999999999999999)",
                "[]",
                "varchar(0)",
                "any",
                "enum",
                "set",
            ] {
                let col = column(ty, &["zero_dates", "auto_increment"]);
                let (d, _) = map_column(
                    builtin_rules(from, to),
                    &ColumnCtx {
                        table: "t",
                        column: &col,
                        target: to,
                    },
                );
                assert!(!d.target.is_empty(), "{from} `{ty}` -> {to}");
            }
        }
    }
    // An enum without values cannot be written as an ENUM: manual, not broken DDL.
    let (d, _) = check(P, M, "mood", &["enum_type=mood"], "longtext");
    assert_eq!(d.risk, Risk::Manual);
}

// ---------------------------------------------------------------------------------------------
// map_schema, show

fn table(name: &str, columns: Vec<Column>) -> Table {
    Table {
        columns,
        ..Table::new(Name::bare(name), Span::default())
    }
}

#[test]
fn map_schema_decides_like_each_column_alone() {
    // Columns that share a type and facts share the type rules' decision (a CHECK leaves the
    // column's name for emit to fill in); what is the column's own (an enum type named after it,
    // its values, its attributes) stays its own.
    let named = |n: &str, ty: &str, flags: &[&str]| Column {
        name: n.into(),
        ..column(ty, flags)
    };
    let mut schema = Schema::default();
    schema.add_table(table(
        "a",
        vec![
            named("x", "int unsigned", &[]),
            named("y", "int unsigned", &["not_null"]),
            named("z", "varchar(10)", &["charset=latin1"]),
            named("w", "varchar(10)", &[]),
            named("d", "decimal(10,2) unsigned", &[]),
        ],
    ));
    schema.add_table(table(
        "b",
        vec![
            named("z", "varchar(10)", &["collate=latin1_bin"]),
            named("e", "enum", &["values=A|B"]),
            named("f", "enum", &["values=C|D"]),
            named("d", "decimal(10,2) unsigned", &[]),
            named("p", "int unsigned", &["primary_key"]),
        ],
    ));
    let rules = builtin_rules(M, P);
    let mut alone = Vec::new();
    let mut alone_diags = Vec::new();
    for t in &schema.tables {
        for c in &t.columns {
            let ctx = ColumnCtx {
                table: &t.name.name,
                column: c,
                target: P,
            };
            let (d, diags) = map_column(rules, &ctx);
            alone.push(d);
            alone_diags.extend(diags.into_iter().map(|d| d.message));
        }
    }
    let diags = map_schema(&mut schema, rules);
    let mapped: Vec<TypeDecision> = schema
        .tables
        .iter()
        .flat_map(|t| {
            t.columns
                .iter()
                .filter_map(|c| c.mapped.as_deref().cloned())
        })
        .collect();
    assert_eq!(mapped, alone);
    let messages: Vec<String> = diags.into_iter().map(|d| d.message).collect();
    assert_eq!(messages, alone_diags);
    assert_eq!(check_sql(&mapped[0], "x").as_deref(), Some("\"x\" >= 0"));
    assert_eq!(check_sql(&mapped[1], "y").as_deref(), Some("\"y\" >= 0"));
}

#[test]
fn map_schema_fills_every_column_and_locates_diagnostics() {
    let mut film_id = column("smallint unsigned", &["auto_increment", "primary_key"]);
    film_id.name = "film_id".into();
    let mut title = column(
        "varchar(255)",
        &["charset=latin1", "collate=latin1_swedish_ci"],
    );
    title.name = "title".into();
    let mut rating = column("enum", &["values=G|PG"]);
    rating.name = "rating".into();
    rating.span = Span::new(100, 120);
    let mut flag = column("tinyint(1)", &[]);
    flag.name = "Flag".into();
    let mut schema = Schema::default();
    schema.add_table(table("Film", vec![film_id, title, rating, flag]));
    let rules = builtin_rules(M, P);
    let diags = map_schema(&mut schema, rules);
    let cols = &schema.tables[0].columns;
    let targets: Vec<&str> = cols
        .iter()
        .map(|c| c.mapped.as_ref().map_or("", |m| m.target.as_str()))
        .collect();
    assert_eq!(
        targets,
        ["integer", "varchar(255)", "\"film_rating\"", "boolean"]
    );
    assert_eq!(
        cols[1].mapped.as_ref().map(|m| m.drop.clone()),
        Some(vec![DropAttr::Charset, DropAttr::Collate])
    );
    assert_eq!(
        codes_of(&diags),
        [
            "type-note",
            "attribute-dropped",
            "attribute-dropped",
            "type-lossy"
        ]
    );
    assert!(
        diags
            .iter()
            .all(|d| d.object == Some(crate::diag::ObjectRef::table("Film")) && d.span.is_some())
    );
    assert!(
        diags[1].message.contains("CHARACTER SET latin1 dropped"),
        "{}",
        diags[1].message
    );
    assert!(
        diags[1].message.contains("mappings/postgres.toml:"),
        "{}",
        diags[1].message
    );
    assert!(
        diags[3]
            .message
            .contains("`Film.Flag`: tinyint(1) -> boolean"),
        "{}",
        diags[3].message
    );
    assert_eq!(diags[1].severity(), Severity::Note);
    assert_eq!(diags[3].severity(), Severity::Warning);
    // The same engine keeps its own attributes.
    let col = column("varchar(10)", &["charset=latin1"]);
    let (d, diags) = map_column(
        builtin_rules(M, M),
        &ColumnCtx {
            table: "t",
            column: &col,
            target: M,
        },
    );
    assert!(d.drop.is_empty() && diags.is_empty());
}

#[test]
fn show_prints_the_effective_table_with_origins() {
    let out = show(builtin_rules(M, P));
    let line = |pat: &str| {
        out.lines()
            .find(|l| l.starts_with(&format!("{pat} ")))
            .unwrap_or_else(|| panic!("no line for {pat} in\n{out}"))
            .to_string()
    };
    let l = line("tinyint(1)");
    assert!(
        l.contains("bool")
            && l.contains("boolean")
            && l.contains("int_to_bool")
            && l.contains("lossy"),
        "{l}"
    );
    assert!(
        l.contains("mappings/mysql.toml:") && l.contains("values other than 0 and 1"),
        "{l}"
    );
    let l = line("varchar(n)");
    assert!(
        l.contains("varchar({n}); text when {n} > 10485760 (mappings/postgres.toml:"),
        "{l}"
    );
    let l = line("datetime(fsp)");
    assert!(l.contains("timestamp({fsp}) with zero_dates"), "{l}");
    let l = line("time");
    assert!(
        l.contains("mappings/mysql-postgres.toml:") && l.contains("lossy"),
        "{l}"
    );
    assert!(out.contains("charset: drop (mappings/postgres.toml:"));
    // A user rule shadows the same pattern below it: one line, the user's.
    let (rules, _) = Rules::load(
        M,
        P,
        Some(("my.toml", "[types]\n\"time\" = \"interval\"\n")),
    );
    let out = show(&rules);
    let times: Vec<&str> = out.lines().filter(|l| l.starts_with("time ")).collect();
    assert!(
        times.len() == 1 && times[0].contains("my.toml:2"),
        "{times:#?}"
    );
    let out = show(builtin_rules(S, P));
    assert!(out.contains("sqlite affinity rules 1-5"));
}

#[test]
fn forty_thousand_columns() {
    let types = [
        "int(11)",
        "int(10) unsigned",
        "varchar(255)",
        "varchar(45)",
        "datetime",
        "timestamp",
        "tinyint(1)",
        "decimal(10,2)",
        "text",
        "enum",
        "bigint(20) unsigned",
        "smallint(5) unsigned",
        "char(2)",
        "longtext",
        "date",
        "double",
        "json",
        "blob",
        "year",
        "set",
    ];
    let mut tables = Vec::new();
    for t in 0..2000 {
        let columns = (0..20)
            .map(|i| {
                let mut c = column(types[(t + i) % types.len()], &["values=a|b"]);
                c.name = format!("c{i}");
                c
            })
            .collect();
        tables.push(table(&format!("t{t}"), columns));
    }
    let mut schema = Schema::default();
    tables.into_iter().for_each(|t| schema.add_table(t));
    let rules = builtin_rules(M, P);
    let _ = map_schema(&mut schema, rules);
    assert!(
        schema
            .tables
            .iter()
            .all(|t| t.columns.iter().all(|c| c.mapped.is_some()))
    );
    // Speed is measured by bench/convert.sh, not here.
}

#[test]
fn readme_examples_load() {
    // The TOML examples of mappings/README.md are valid user files.
    let readme = include_str!("../../mappings/README.md");
    let blocks: Vec<&str> = readme
        .split("```toml\n")
        .skip(1)
        .filter_map(|b| b.split("```").next())
        .collect();
    assert!(blocks.len() >= 3);
    for block in blocks {
        assert_eq!(
            load_errors(M, P, "README.md", block),
            Vec::<String>::new(),
            "{block}"
        );
    }
}

/// A concrete type that `p` matches, or None for the wildcard.
fn sample(p: &pattern::Pattern) -> Option<TypeSpec> {
    let base = p.base.clone()?;
    let mut params = Vec::new();
    for (pos, param) in p.params.iter().flatten().enumerate() {
        let value = match param {
            pattern::PParam::Fixed(f) => *f,
            pattern::PParam::Var(_) => [
                10, 2, 1, 0, 24, 25, 31, 64, 65, 100, 255, 256, 1001, 20000, 70000, 10485761,
                20000000,
            ]
            .into_iter()
            .find(|v| {
                p.conds
                    .iter()
                    .filter(|c| c.pos == pos)
                    .all(|c| c.op.holds(*v, c.value))
            })?,
        };
        params.push(pattern::Param::Num(value));
    }
    Some(TypeSpec {
        base,
        params,
        unsigned: p.unsigned,
        zerofill: p.zerofill,
        with_tz: p.with_tz,
        array: p.array,
    })
}

#[test]
fn every_built_in_rule_decides_its_own_pattern() {
    for from in Dialect::ALL {
        for to in Dialect::ALL {
            let rules = builtin_rules(from, to);
            for set in [&rules.source, &rules.write] {
                for rule in &set.rules {
                    let shadowed = set.rules.iter().any(|o| {
                        o.level > rule.level && show::same_constraints(&o.pattern, &rule.pattern)
                    });
                    let Some(ty) = sample(&rule.pattern) else {
                        continue;
                    };
                    if shadowed {
                        continue;
                    }
                    let found =
                        set.best(&ty, &|f| rule.pattern.facts.iter().any(|x| x == f), &|_| {
                            true
                        });
                    let winner = found.map(|f| set.rules[f.rule].origin.to_string());
                    assert_eq!(
                        winner,
                        Some(rule.origin.to_string()),
                        "{from} -> {to}: `{ty}` for `{}`",
                        rule.pattern.text
                    );
                    if std::ptr::eq(set, &rules.source) {
                        let flags: Vec<&str> = rule
                            .pattern
                            .facts
                            .iter()
                            .map(String::as_str)
                            .chain(["values=a|b"])
                            .collect();
                        let col = column(&ty.to_string(), &flags);
                        let (d, diags) = map_column(
                            rules,
                            &ColumnCtx {
                                table: "t",
                                column: &col,
                                target: to,
                            },
                        );
                        assert!(
                            d.origin.starts_with(&rule.origin.to_string()),
                            "{from} -> {to} `{ty}`: {}",
                            d.origin
                        );
                        let errors: Vec<&str> = diags
                            .iter()
                            .filter(|d| d.code == &codes::MAPPING_ERROR)
                            .map(|d| d.message.as_str())
                            .collect();
                        assert!(errors.is_empty(), "{from} -> {to} `{ty}`: {errors:#?}");
                    }
                }
            }
        }
    }
}

#[test]
fn every_builtin_pair_loads_without_diagnostics() {
    for from in Dialect::ALL {
        for to in Dialect::ALL {
            let (_, diags) = Rules::load(from, to, None);
            let msgs: Vec<&str> = diags.iter().map(|d| d.message.as_str()).collect();
            assert!(diags.is_empty(), "{from} -> {to}: {msgs:?}");
        }
    }
}
