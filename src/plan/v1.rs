//! Reading plans of version 1, whose DDL sections are lists of SQL text. Each statement is
//! given the kind the loader of version 1 read from its text, with the same tests: this is the
//! one place that still tells statements apart by their words, and only for plans that ferry
//! wrote before the kinds were part of the plan (ferry's own emitters printed every statement
//! these tests look at, so they hold for those plans).

use serde_json::Value;

use super::{PLAN_VERSION, Step, StepKind};

/// Turns the text statements of a version 1 plan (`plan_version` 1, as JSON) into steps of the
/// current version, in place. An entry that is not text is left as it is: reading the plan then
/// fails and says where.
pub(super) fn typed_steps(plan: &mut Value) {
    for section in ["pre_data", "post_data", "views"] {
        let Some(Value::Array(items)) = plan.get_mut(section) else {
            continue;
        };
        for item in items.iter_mut() {
            let Value::String(sql) = item else { continue };
            let kind = if section == "views" {
                StepKind::View
            } else {
                kind_of(sql)
            };
            let step = Step {
                kind,
                sql: sql.clone(),
            };
            if let Ok(step) = serde_json::to_value(step) {
                *item = step;
            }
        }
    }
    plan["plan_version"] = Value::from(PLAN_VERSION);
}

/// The kind of a statement of a version 1 plan, as that version's loader read it: an index, a
/// unique or a check constraint (`ALTER TABLE ... ADD CONSTRAINT ... UNIQUE (` / `CHECK `) ran
/// beside the others; a foreign key (`... FOREIGN KEY ...`) in the foreign-key wave; anything
/// else in order. A foreign key whose two tables the text does not say plainly ran alone in its
/// wave then; it runs in order after the wave now (`Other`), alone all the same.
fn kind_of(sql: &str) -> StepKind {
    let head = sql.trim_start();
    let is_fk = sql.contains(" FOREIGN KEY ");
    if head.starts_with("CREATE INDEX ") || head.starts_with("CREATE UNIQUE INDEX ") {
        return StepKind::Index;
    }
    if head.starts_with("ALTER TABLE ") && !is_fk {
        if sql.contains(" UNIQUE (") {
            return StepKind::Unique;
        }
        if sql.contains(" CHECK ") {
            return StepKind::Check;
        }
    }
    match fk_tables(sql) {
        Some([table, references]) if is_fk => StepKind::ForeignKey { table, references },
        _ => StepKind::Other,
    }
}

/// The two tables of a foreign key statement (`ALTER TABLE child ADD CONSTRAINT ... FOREIGN
/// KEY (...) REFERENCES parent (...)`, as the emitters print it), None when the text does not
/// say plainly.
fn fk_tables(sql: &str) -> Option<[String; 2]> {
    let rest = sql.trim_start().strip_prefix("ALTER TABLE ")?;
    let child = &rest[..rest.find(" ADD ")?];
    let after = &rest[rest.find(" REFERENCES ")? + " REFERENCES ".len()..];
    let parent = &after[..after.find(" (").or_else(|| after.find('('))?];
    Some([child.trim().to_string(), parent.trim().to_string()])
}

#[cfg(test)]
mod tests {
    use super::{StepKind, fk_tables, kind_of};

    #[test]
    fn a_foreign_key_names_its_two_tables() {
        let t = |a: &str, b: &str| Some([a.to_string(), b.to_string()]);
        assert_eq!(
            fk_tables(
                "ALTER TABLE orders ADD CONSTRAINT fk_c FOREIGN KEY (customer_id) REFERENCES customers (id)"
            ),
            t("orders", "customers")
        );
        assert_eq!(
            fk_tables(
                "ALTER TABLE \"Order Lines\" ADD CONSTRAINT x FOREIGN KEY (a, b) REFERENCES public.\"Order\" (a, b) ON DELETE CASCADE NOT VALID"
            ),
            t("\"Order Lines\"", "public.\"Order\"")
        );
        assert_eq!(
            fk_tables("ALTER TABLE `t` ADD CONSTRAINT `f` FOREIGN KEY (`p`) REFERENCES `t`(`id`)"),
            t("`t`", "`t`")
        );
        assert_eq!(fk_tables("COMMENT ON TABLE t IS 'x'"), None);
    }

    /// The statements version 1 plans hold, each with the kind its loader read from it.
    #[test]
    fn each_statement_of_a_version_1_plan_gets_the_kind_its_loader_read() {
        let fk = |table: &str, references: &str| StepKind::ForeignKey {
            table: table.to_string(),
            references: references.to_string(),
        };
        let cases = [
            ("CREATE INDEX i ON t (a)", StepKind::Index),
            ("CREATE UNIQUE INDEX i ON t (a, b)", StepKind::Index),
            (
                "ALTER TABLE t ADD CONSTRAINT u UNIQUE (a)",
                StepKind::Unique,
            ),
            (
                "ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0)",
                StepKind::Check,
            ),
            (
                "ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES p (id)",
                fk("t", "p"),
            ),
            (
                "ALTER TABLE t ADD FOREIGN KEY (a) REFERENCES p (id) ON DELETE CASCADE",
                fk("t", "p"),
            ),
            ("COMMENT ON TABLE t IS 'a UNIQUE (thing)'", StepKind::Other),
            (
                "CREATE TABLE t (\n  a integer,\n  CHECK (a > 0)\n)",
                StepKind::Other,
            ),
            (
                "CREATE TABLE t (\n  a integer,\n  FOREIGN KEY (a) REFERENCES p (id)\n)",
                StepKind::Other,
            ),
            ("SET check_function_bodies = false", StepKind::Other),
            ("CREATE FULLTEXT INDEX f ON t (a)", StepKind::Other),
        ];
        for (sql, kind) in cases {
            assert_eq!(kind_of(sql), kind, "{sql}");
        }
    }
}

/// The version 1 plans kept in `tests/fixtures/plan-v1` (written by the ferry of that version),
/// read now, against the plan this ferry builds from the same schema.
#[cfg(test)]
mod old_plans {
    use super::super::{Plan, Step, StepKind, build, parse};
    use crate::dialect::Dialect;
    use crate::source::SourceFile;

    fn fixture(name: &str) -> String {
        let path = format!(
            "{}/tests/fixtures/plan-v1/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    /// When the loader runs a step (`load::post`): beside the others on one table, in the
    /// foreign-key wave (by its two tables), in order, or with the views.
    fn wave(kind: &StepKind) -> String {
        match kind {
            StepKind::Index | StepKind::Unique | StepKind::Check => "one table".into(),
            StepKind::ForeignKey { table, references } => format!("{table} -> {references}"),
            StepKind::View => "view".into(),
            _ => "in order".into(),
        }
    }

    fn waves(steps: &[Step]) -> Vec<(String, &str)> {
        steps
            .iter()
            .map(|s| (wave(&s.kind), s.sql.as_str()))
            .collect()
    }

    /// The plan ferry builds now from the fixtures' schema, for the old plan's endpoints.
    fn built_now(old: &Plan, to: Dialect) -> Plan {
        let opts = crate::ConvertOptions {
            from: Dialect::Mysql,
            to,
            identifiers: Default::default(),
            emulate_on_update: false,
            user_mappings: None,
            config: None,
            oracle_compat: None,
        };
        let conv = crate::convert(&SourceFile::new("shop.sql", fixture("shop.sql")), &opts);
        let mut plan = build(
            &conv,
            old.source.clone(),
            old.target.clone(),
            old.settings.clone(),
        );
        plan.source_fingerprint = old.source_fingerprint.clone();
        plan
    }

    #[test]
    fn an_old_plan_runs_its_statements_as_a_new_plan_of_its_schema_does() {
        for (file, to) in [
            ("shop-sqlite.plan.json", Dialect::Sqlite),
            ("shop-postgres.plan.json", Dialect::Postgres),
            ("shop-mysql.plan.json", Dialect::Mysql),
        ] {
            let text = fixture(file);
            let raw: serde_json::Value =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
            assert_eq!(raw["plan_version"], 1, "{file}");
            let old = parse(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
            let new = built_now(&old, to);
            assert_eq!(
                Step::sql_of(&old.pre_data),
                Step::sql_of(&new.pre_data),
                "{file}"
            );
            assert_eq!(waves(&old.post_data), waves(&new.post_data), "{file}");
            assert_eq!(waves(&old.views), waves(&new.views), "{file}");
            // The fingerprint is the one the old ferry wrote into a load's state (its DDL as
            // text), so a load it began resumes; and a new plan of the same schema has it too.
            let as_before = serde_json::json!([
                old.source,
                old.target,
                raw["pre_data"],
                raw["post_data"],
                raw["views"],
                old.tables,
                old.source_fingerprint,
            ]);
            let before = crate::load::state::fingerprint(&as_before.to_string());
            assert_eq!(old.fingerprint(), before, "{file}");
            assert_eq!(new.fingerprint(), before, "{file}");
        }
    }

    /// Every kind the loader decides by occurs in the old plans read now: they test each wave.
    #[test]
    fn the_old_plans_hold_every_wave() {
        let old = parse(&fixture("shop-postgres.plan.json")).unwrap_or_else(|e| panic!("{e}"));
        let kinds: Vec<String> = old
            .pre_data
            .iter()
            .chain(&old.post_data)
            .chain(&old.views)
            .map(|s| wave(&s.kind))
            .collect();
        for w in ["one table", "shipment -> order_line", "in order", "view"] {
            assert!(kinds.iter().any(|k| k == w), "{w}: {kinds:?}");
        }
    }
}
