//! Dependency order: enum types and sequences before the tables that use them, tables before the
//! tables that reference them, views after what they select from. Ties are broken by name, so
//! the output is deterministic. Foreign keys inside a cycle are marked `deferred_to_post_data`.

use std::collections::{BTreeSet, HashMap};

use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use sqlparser::ast::{ObjectName, Visit, Visitor};

use crate::diag::{Diagnostic, codes};
use crate::ir::{Default, Name, Schema};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Object {
    Enum(usize),
    Sequence(usize),
    Table(usize),
    View(usize),
}

/// Objects in creation order.
#[derive(Clone, Debug, Default)]
pub struct Order {
    pub objects: Vec<Object>,
    /// Groups of tables whose foreign keys form a cycle (names), for the report.
    pub cycles: Vec<Vec<String>>,
    /// Dependencies, `(a, b)`: a must exist before b; for the report's graph.
    pub edges: Vec<(Object, Object)>,
}

/// The name of an ordered object, for messages and the report.
pub fn name_of(schema: &Schema, o: Object) -> &Name {
    object_name(schema, o)
}

impl Object {
    pub fn kind(self) -> &'static str {
        match self {
            Object::Enum(_) => "type",
            Object::Sequence(_) => "sequence",
            Object::Table(_) => "table",
            Object::View(_) => "view",
        }
    }
}

fn object_name(schema: &Schema, o: Object) -> &Name {
    match o {
        Object::Enum(i) => &schema.enums[i].name,
        Object::Sequence(i) => &schema.sequences[i].name,
        Object::Table(i) => &schema.tables[i].name,
        Object::View(i) => &schema.views[i].name,
    }
}

/// Table and view names a query reads from.
pub fn relations_of(query: &sqlparser::ast::Query) -> Vec<ObjectName> {
    struct Rel(Vec<ObjectName>);
    impl Visitor for Rel {
        type Break = ();
        fn pre_visit_relation(&mut self, r: &ObjectName) -> std::ops::ControlFlow<()> {
            self.0.push(r.clone());
            std::ops::ControlFlow::Continue(())
        }
    }
    let mut v = Rel(Vec::new());
    let _ = query.visit(&mut v);
    v.0
}

/// A system catalog or pseudo-table (`DUAL`, information_schema, pg_catalog, sqlite_master,
/// ...): it exists on the engine the script was written for, with that engine's contents.
pub fn is_system_relation(n: &Name) -> bool {
    let schema = n.schema.as_deref().unwrap_or("").to_lowercase();
    matches!(
        schema.as_str(),
        "information_schema" | "pg_catalog" | "mysql" | "sys" | "performance_schema"
    ) || n.name.eq_ignore_ascii_case("dual")
        || n.name.to_lowercase().starts_with("sqlite_")
}

/// The relations a view's query reads that the script does not define: not a table, not a
/// view, not a name the query's own WITH clauses define, and (with `catalogs_known`, when
/// source and target are one engine) not a system catalog.
pub fn undefined_relations(
    query: &sqlparser::ast::Query,
    schema: &Schema,
    catalogs_known: bool,
) -> Vec<Name> {
    struct Ctes(std::collections::HashSet<String>);
    impl Visitor for Ctes {
        type Break = ();
        fn pre_visit_query(&mut self, q: &sqlparser::ast::Query) -> std::ops::ControlFlow<()> {
            if let Some(with) = &q.with {
                for c in &with.cte_tables {
                    self.0.insert(c.alias.name.value.to_lowercase());
                }
            }
            std::ops::ControlFlow::Continue(())
        }
    }
    let mut ctes = Ctes(std::collections::HashSet::new());
    let _ = query.visit(&mut ctes);
    relations_of(query)
        .iter()
        .map(object_name_to_name)
        .filter(|n| {
            let known = schema.table(n).is_some()
                || schema.views.iter().any(|v| v.name.matches(n))
                || ctes.0.contains(&n.name.to_lowercase())
                || (catalogs_known && is_system_relation(n));
            !known
        })
        .collect()
}

fn object_name_to_name(o: &ObjectName) -> Name {
    let parts: Vec<String> =
        o.0.iter()
            .filter_map(|p| p.as_ident())
            .map(|i| i.value.clone())
            .collect();
    match parts.as_slice() {
        [.., s, n] => Name::new(Some(s.clone()), n.clone()),
        [n] => Name::bare(n.clone()),
        [] => Name::bare(o.to_string()),
    }
}

pub fn order(schema: &mut Schema) -> (Order, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let mut graph: DiGraph<Object, ()> = DiGraph::new();
    let mut nodes: Vec<(Object, NodeIndex)> = Vec::new();
    let objects: Vec<Object> = (0..schema.enums.len())
        .map(Object::Enum)
        .chain((0..schema.sequences.len()).map(Object::Sequence))
        .chain((0..schema.tables.len()).map(Object::Table))
        .chain((0..schema.views.len()).map(Object::View))
        .collect();
    for o in &objects {
        nodes.push((*o, graph.add_node(*o)));
    }
    let index: HashMap<Object, NodeIndex> = nodes.iter().copied().collect();
    let find = |schema: &Schema, name: &Name, kinds: &[fn(usize) -> Object]| -> Option<Object> {
        objects.iter().copied().find(|o| {
            kinds
                .iter()
                .any(|k| std::mem::discriminant(&k(0)) == std::mem::discriminant(o))
                && object_name(schema, *o).matches(name)
        })
    };
    // Edge a -> b means: a must be created before b.
    for (ti, t) in schema.tables.iter().enumerate() {
        let me = index[&Object::Table(ti)];
        for fk in &t.foreign_keys {
            // The first table of that name, as `find` would give, by the name index: a schema of
            // thousands of tables has thousands of foreign keys.
            if let Some(dep) = schema.table_position(&fk.ref_table).map(Object::Table) {
                graph.add_edge(index[&dep], me, ());
            }
        }
        for c in &t.columns {
            if let Some(e) = &c.enum_type
                && let Some(dep) = find(schema, e, &[Object::Enum])
            {
                graph.add_edge(index[&dep], me, ());
            }
            if let Some(Default::NextVal(s)) = &c.default
                && let Some(dep) = find(schema, s, &[Object::Sequence])
            {
                graph.add_edge(index[&dep], me, ());
            }
        }
    }
    for (vi, v) in schema.views.iter().enumerate() {
        let me = index[&Object::View(vi)];
        for r in relations_of(&v.query) {
            let n = object_name_to_name(&r);
            if let Some(dep) = find(schema, &n, &[Object::Table, Object::View])
                && dep != Object::View(vi)
            {
                graph.add_edge(index[&dep], me, ());
            }
        }
    }
    // Cycles among tables: their internal FKs move to post-data.
    let mut cycles = Vec::new();
    for scc in tarjan_scc(&graph) {
        if scc.len() < 2 {
            continue;
        }
        let members: Vec<Object> = scc.iter().map(|n| graph[*n]).collect();
        let mut names: Vec<String> = members
            .iter()
            .map(|o| object_name(schema, *o).to_string())
            .collect();
        names.sort();
        for o in &members {
            if let Object::Table(ti) = o {
                let member_names: Vec<Name> = members
                    .iter()
                    .map(|m| object_name(schema, *m).clone())
                    .collect();
                let t = &mut schema.tables[*ti];
                for fk in &mut t.foreign_keys {
                    if member_names.iter().any(|m| m.matches(&fk.ref_table))
                        && !fk.ref_table.matches(&t.name)
                    {
                        fk.deferred_to_post_data = true;
                    }
                }
            }
        }
        diags.push(
            Diagnostic::new(&codes::FK_CYCLE, format!("foreign keys form a cycle between {}", names.join(", ")))
                .note("the tables are created first; these foreign keys are added afterwards with ALTER TABLE"),
        );
        cycles.push(names);
    }
    // Kahn's algorithm, taking the smallest (kind, name) ready object each time; edges inside a
    // cycle are ignored so every object is emitted.
    let scc_of: HashMap<NodeIndex, usize> = tarjan_scc(&graph)
        .into_iter()
        .enumerate()
        .flat_map(|(i, c)| c.into_iter().map(move |n| (n, i)))
        .collect();
    let mut indegree: HashMap<NodeIndex, usize> = HashMap::new();
    for e in graph.edge_indices() {
        if let Some((a, b)) = graph.edge_endpoints(e)
            && scc_of[&a] != scc_of[&b]
        {
            *indegree.entry(b).or_default() += 1;
        }
    }
    let key = |schema: &Schema, n: NodeIndex| {
        let o = graph[n];
        let rank = match o {
            Object::Enum(_) => 0,
            Object::Sequence(_) => 1,
            Object::Table(_) => 2,
            Object::View(_) => 3,
        };
        (
            rank,
            object_name(schema, o).to_string().to_lowercase(),
            n.index(),
        )
    };
    let mut ready: BTreeSet<(u8, String, usize)> = graph
        .node_indices()
        .filter(|n| indegree.get(n).copied().unwrap_or(0) == 0)
        .map(|n| key(schema, n))
        .collect();
    let mut out = Vec::with_capacity(objects.len());
    while let Some(k) = ready.pop_first() {
        let n = NodeIndex::new(k.2);
        out.push(graph[n]);
        for m in graph.neighbors(n) {
            if scc_of[&n] == scc_of[&m] {
                continue;
            }
            if let Some(d) = indegree.get_mut(&m) {
                *d -= 1;
                if *d == 0 {
                    ready.insert(key(schema, m));
                }
            }
        }
    }
    let edges = graph
        .edge_indices()
        .filter_map(|e| graph.edge_endpoints(e))
        .map(|(a, b)| (graph[a], graph[b]))
        .collect();
    (
        Order {
            objects: out,
            cycles,
            edges,
        },
        diags,
    )
}

#[cfg(test)]
mod tests {
    use crate::dialect::Dialect;
    use crate::emit::IdentCase;
    use crate::source::SourceFile;
    use crate::{ConvertOptions, convert};

    /// Table and view names in creation order, and the cycles found.
    fn check(sql: &str, expected_order: &[&str], expected_cycles: &[&[&str]]) {
        let file = SourceFile::new("t.sql", sql);
        let opts = ConvertOptions {
            from: Dialect::Mysql,
            to: Dialect::Postgres,
            identifiers: IdentCase::Keep,
            emulate_on_update: false,
            user_mappings: None,
            config: None,
            oracle_compat: None,
        };
        let conv = convert(&file, &opts);
        let names: Vec<String> = conv
            .order
            .objects
            .iter()
            .map(|o| super::object_name(&conv.schema, *o).to_string())
            .collect();
        assert_eq!(names, expected_order);
        let cycles: Vec<Vec<String>> = expected_cycles
            .iter()
            .map(|c| c.iter().map(|s| s.to_string()).collect())
            .collect();
        assert_eq!(conv.order.cycles, cycles);
    }

    #[test]
    fn referenced_tables_come_first_and_ties_go_by_name() {
        check(
            "CREATE TABLE c (id INT PRIMARY KEY, b_id INT REFERENCES b (id));
             CREATE TABLE b (id INT PRIMARY KEY, a_id INT REFERENCES a (id));
             CREATE TABLE a (id INT PRIMARY KEY);
             CREATE TABLE z (id INT PRIMARY KEY);
             CREATE VIEW v AS SELECT id FROM c;",
            &["a", "b", "c", "z", "v"],
            &[],
        );
    }

    #[test]
    fn cycles_are_found_and_self_references_are_not_cycles() {
        check(
            "CREATE TABLE x (id INT PRIMARY KEY, y_id INT, parent INT REFERENCES x (id));
             CREATE TABLE y (id INT PRIMARY KEY, x_id INT REFERENCES x (id));
             ALTER TABLE x ADD CONSTRAINT x_y FOREIGN KEY (y_id) REFERENCES y (id);",
            &["x", "y"],
            &[&["x", "y"]],
        );
    }
}
