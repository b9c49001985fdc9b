//! Plans of version 1, written by the ferry that wrote that version (`tests/fixtures/plan-v1`),
//! loaded by this ferry into SQLite, PostgreSQL and MariaDB and validated: every row arrives,
//! and every index, unique and check constraint, foreign key, comment and view of the plan
//! exists on the target. Only the plan's target is changed (to a scratch database); its
//! statements are the old ferry's.

mod common;

use std::path::{Path, PathBuf};

use common::db::{ScratchDb, mysql_url, pg_url};
use common::{ferry_env, password_of, scratch_dir, text};

/// The version 1 plan `file` of the fixtures, pointed at `target` (the plan holds no password),
/// written into `dir`.
fn v1_plan(file: &str, target: &str, dir: &Path) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/plan-v1")
        .join(file);
    let old = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut plan: serde_json::Value =
        serde_json::from_str(&old).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(plan["plan_version"], 1, "{file} is a version 1 plan");
    assert!(
        plan["post_data"].as_array().is_some_and(|s| !s.is_empty())
            && plan["post_data"][0].is_string(),
        "{file}: version 1 statements are text"
    );
    let endpoint = ferry::conn::parse(target, None).unwrap_or_else(|e| panic!("{e}"));
    plan["target"] = serde_json::to_value(endpoint).unwrap_or_else(|e| panic!("{e}"));
    let out = dir.join(file);
    std::fs::write(&out, plan.to_string()).unwrap_or_else(|e| panic!("{e}"));
    out
}

/// Loads the plan, then validates it: both succeed, and every table's rows are equal.
fn load_and_validate(plan: &Path, env: &[(&str, &str)]) {
    let plan = plan.display().to_string();
    let o = ferry_env(&["load", &plan, "-q"], env);
    assert_eq!(o.status.code(), Some(0), "load: {}", text(&o.stderr));
    let o = ferry_env(&["validate", &plan, "--format", "json"], env);
    assert_eq!(o.status.code(), Some(0), "validate: {}", text(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}"));
    let tables = v["tables"].as_array().cloned().unwrap_or_default();
    assert_eq!(tables.len(), 6, "{v}");
    assert!(tables.iter().all(|t| t["equal"] == true), "{v}");
    let rows: u64 = tables
        .iter()
        .filter_map(|t| t["target_rows"].as_u64())
        .sum();
    assert_eq!(rows, 4 + 3 + 4 + 3 + 5 + 3, "{v}");
}

/// Loads the version 1 plan `file` into the scratch database `db` of a server (the password
/// from the variable `password_var`, as a user would give it) and validates it.
fn load_into_server(db: &ScratchDb, file: &str, password_var: &str) {
    let dir = scratch_dir("plan_v1", file);
    let url = db.url();
    let password = password_of(&url);
    let plan = v1_plan(file, &url, &dir);
    load_and_validate(&plan, &[(password_var, &password)]);
}

/// The fixture's index names as an SQL list: `'a', 'b', ...`.
fn index_list() -> String {
    INDEXES.map(|i| format!("'{i}'")).join(", ")
}

/// The index names the fixture's schema gives (shop.sql's KEYs).
const INDEXES: [&str; 6] = [
    "category_parent",
    "customer_name",
    "product_category",
    "orders_customer",
    "order_line_product",
    "shipment_line",
];

#[test]
fn a_version_1_plan_loads_into_sqlite() {
    let dir = scratch_dir("plan_v1", "sqlite");
    let db = dir.join("shop.db");
    let plan = v1_plan(
        "shop-sqlite.plan.json",
        &format!("sqlite:{}", db.display()),
        &dir,
    );
    load_and_validate(&plan, &[]);
    let conn = rusqlite::Connection::open(&db).unwrap_or_else(|e| panic!("{e}"));
    let names = |sql: &str| -> Vec<String> {
        let mut st = conn.prepare(sql).unwrap_or_else(|e| panic!("{e}"));
        let rows = st
            .query_map([], |r| r.get::<_, String>(0))
            .unwrap_or_else(|e| panic!("{e}"));
        rows.map(|r| r.unwrap_or_else(|e| panic!("{e}"))).collect()
    };
    let mut indexes = names(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
    );
    indexes.sort();
    let mut expected: Vec<String> = INDEXES.iter().map(|s| s.to_string()).collect();
    expected.sort();
    assert_eq!(indexes, expected);
    assert_eq!(
        names("SELECT name FROM sqlite_master WHERE type = 'view'"),
        ["order_total"]
    );
    let keys: i64 = conn
        .query_row(
            "SELECT count(DISTINCT m.name || '.' || f.id) FROM sqlite_master m, \
             pragma_foreign_key_list(m.name) f WHERE m.type = 'table'",
            [],
            |r| r.get(0),
        )
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(keys, 6);
    let totals: i64 = conn
        .query_row("SELECT count(*) FROM order_total", [], |r| r.get(0))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(totals, 3);
}

#[test]
fn a_version_1_plan_loads_into_postgres() {
    let Some(_) = pg_url() else {
        eprintln!("skipped: FERRY_TEST_PG not set (-> PostgreSQL)");
        return;
    };
    let pg = ScratchDb::postgres("plan_v1");
    load_into_server(&pg, "shop-postgres.plan.json", "PGPASSWORD");
    let q = |sql: &str| pg.query_scalar(sql).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        q(&format!(
            "SELECT count(*) FROM pg_indexes WHERE indexname IN ({})",
            index_list()
        )),
        "6"
    );
    // By kind: foreign keys, unique and check constraints (unsigned columns' and the script's).
    assert_eq!(
        q(
            "SELECT string_agg(contype::text || '=' || n, ',' ORDER BY contype) FROM \
           (SELECT contype, count(*) AS n FROM pg_constraint c JOIN pg_namespace s ON s.oid = c.connamespace \
           WHERE s.nspname = 'public' AND contype IN ('c', 'f', 'u') GROUP BY contype) k"
        ),
        "c=6,f=6,u=2"
    );
    assert_eq!(
        q("SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND convalidated"),
        "6"
    );
    assert_eq!(
        q("SELECT obj_description('category'::regclass, 'pg_class')"),
        "what products are grouped by"
    );
    assert_eq!(
        q("SELECT col_description('customer'::regclass, 3)"),
        "as the customer writes it"
    );
    assert_eq!(q("SELECT count(*) FROM order_total"), "3");
}

#[test]
fn a_version_1_plan_loads_into_mariadb() {
    let Some(_) = mysql_url() else {
        eprintln!("skipped: FERRY_TEST_MYSQL not set (-> MariaDB)");
        return;
    };
    let my = ScratchDb::mariadb("plan_v1");
    load_into_server(&my, "shop-mysql.plan.json", "MYSQL_PWD");
    let q = |sql: &str| my.query_scalar(sql).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        q(&format!(
            "SELECT count(DISTINCT index_name) FROM information_schema.statistics \
             WHERE table_schema = DATABASE() AND index_name IN ({})",
            index_list()
        )),
        "6"
    );
    assert_eq!(
        q(
            "SELECT GROUP_CONCAT(CONCAT(constraint_type, '=', n) ORDER BY constraint_type) FROM \
           (SELECT constraint_type, count(*) AS n FROM information_schema.table_constraints \
           WHERE constraint_schema = DATABASE() AND constraint_type <> 'PRIMARY KEY' \
           GROUP BY constraint_type) k"
        ),
        "CHECK=2,FOREIGN KEY=6,UNIQUE=2"
    );
    assert_eq!(q("SELECT count(*) FROM order_total"), "3");
}

/// A plan file that cannot be read: exit 2, and a message that names the file and says why
/// (not JSON, no version, a version ferry does not read, not a plan of its version).
#[test]
fn a_plan_that_cannot_be_read_names_the_file_and_why() {
    let dir = scratch_dir("plan_v1", "unreadable");
    let v1 = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/plan-v1/shop-sqlite.plan.json"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let cases = [
        (
            "cut.json",
            "{\"plan_version\": 2,".to_string(),
            "not a plan (invalid JSON): EOF",
        ),
        (
            "none.json",
            "{\"tables\": []}".to_string(),
            "not a plan: no plan_version",
        ),
        (
            "future.json",
            "{\"plan_version\": 3}".to_string(),
            "plan_version 3 is not supported",
        ),
        (
            // Version 2 with version 1's text statements.
            "text.json",
            v1.replacen("\"plan_version\": 1", "\"plan_version\": 2", 1),
            "not a valid plan: invalid type: string",
        ),
    ];
    for (name, content, says) in cases {
        let path = dir.join(name);
        std::fs::write(&path, content).unwrap_or_else(|e| panic!("{e}"));
        for command in ["load", "validate"] {
            let o = ferry_env(&[command, &path.display().to_string()], &[]);
            let err = text(&o.stderr);
            assert_eq!(o.status.code(), Some(2), "{command} {name}: {err}");
            assert!(
                err.contains(&format!("error: {}: {says}", path.display())),
                "{command} {name}: {err}"
            );
        }
    }
}
