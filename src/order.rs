//! Dependency order: enum types and sequences before the tables that use them, tables before the
//! tables that reference them, views after what they select from. Within one engine, where
//! domains and routines are kept as written, also: a domain before the tables, functions and
//! operators that name it, a function before the tables whose defaults or generated columns
//! call it and the operators over it, and a routine after the tables and domains its words
//! name outside its body's quotes. Ties are broken by kind, then name, so the output is
//! deterministic. Foreign keys inside a cycle are marked `deferred_to_post_data`.

use std::collections::{BTreeSet, HashMap};

use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use sqlparser::ast::{ObjectName, Visit, Visitor};

use crate::diag::{Diagnostic, codes};
use crate::dialect::Dialect;
use crate::ir::{Default, Name, RoutineKind, Schema};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Object {
    Enum(usize),
    /// A domain kept as written (one engine).
    Domain(usize),
    Sequence(usize),
    Table(usize),
    /// A function, procedure, aggregate or operator kept as written (one engine); triggers
    /// come after the data, in the post-data.
    Routine(usize),
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
            Object::Domain(_) => "domain",
            Object::Routine(_) => "routine",
            Object::Sequence(_) => "sequence",
            Object::Table(_) => "table",
            Object::View(_) => "view",
        }
    }
}

fn object_name(schema: &Schema, o: Object) -> &Name {
    match o {
        Object::Enum(i) => &schema.enums[i].name,
        Object::Domain(i) => &schema.domains[i].name,
        Object::Routine(i) => &schema.routines[i].name,
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

/// The routines kept as written within one engine and ordered among the objects: all but
/// triggers, which fire on rows and so are created after the data.
pub fn ordered_routine(r: &crate::ir::Routine) -> bool {
    r.kind != RoutineKind::Trigger
}

/// The objects in dependency order. `same_engine`: the target is the source's engine, which
/// keeps routines (and, where `Dialect::keeps_domains`, domains) as written, so they are
/// ordered too.
pub fn order(schema: &mut Schema, same_engine: Option<Dialect>) -> (Order, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let mut graph: DiGraph<Object, ()> = DiGraph::new();
    let mut nodes: Vec<(Object, NodeIndex)> = Vec::new();
    let kept = |n: usize| if same_engine.is_some() { n } else { 0 };
    let domains = match same_engine {
        Some(d) if d.keeps_domains() => schema.domains.len(),
        _ => 0,
    };
    let objects: Vec<Object> = (0..schema.enums.len())
        .map(Object::Enum)
        .chain((0..domains).map(Object::Domain))
        .chain((0..schema.sequences.len()).map(Object::Sequence))
        .chain((0..schema.tables.len()).map(Object::Table))
        .chain(
            (0..kept(schema.routines.len()))
                .filter(|i| ordered_routine(&schema.routines[*i]))
                .map(Object::Routine),
        )
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
    if same_engine.is_some() {
        routine_edges(schema, &objects, &index, &mut graph);
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
        // Only tables' foreign keys can be put off; a routine in a cycle is created where
        // Kahn's algorithm below finds it.
        let members: Vec<Object> = scc
            .iter()
            .map(|n| graph[*n])
            .filter(|o| matches!(o, Object::Table(_)))
            .collect();
        if members.len() < 2 {
            continue;
        }
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
        // A routine waits for every table that does not need it: created late, it sees them.
        let rank = match o {
            Object::Enum(_) => 0,
            Object::Domain(_) => 1,
            Object::Sequence(_) => 2,
            Object::Table(_) => 3,
            Object::Routine(_) => 4,
            Object::View(_) => 5,
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

/// The edges of kept domains and routines (see the module's comment).
fn routine_edges(
    schema: &Schema,
    objects: &[Object],
    index: &HashMap<Object, NodeIndex>,
    graph: &mut DiGraph<Object, ()>,
) {
    let lower = |n: &Name| n.name.to_lowercase();
    let domains: HashMap<String, Object> = objects
        .iter()
        .filter(|o| matches!(o, Object::Domain(_)))
        .map(|o| (lower(object_name(schema, *o)), *o))
        .collect();
    let routines: Vec<(String, Object)> = objects
        .iter()
        .filter(|o| matches!(o, Object::Routine(_)))
        .map(|o| (lower(object_name(schema, *o)), *o))
        .collect();
    let functions: HashMap<&str, Vec<Object>> =
        routines.iter().fold(HashMap::new(), |mut m, (n, o)| {
            m.entry(n.as_str()).or_default().push(*o);
            m
        });
    // A table after the domains and types its columns name and the functions its defaults and
    // generated columns call.
    for (ti, t) in schema.tables.iter().enumerate() {
        let me = index[&Object::Table(ti)];
        for c in &t.columns {
            if let Some(dep) = c.domain.as_ref().and_then(|d| domains.get(&lower(d))) {
                graph.add_edge(index[dep], me, ());
            }
            // A type the script creates as code (Oracle's object and collection types).
            let ty = c.source_type.split('(').next().unwrap_or_default();
            let ty = ty.rsplit('.').next().unwrap_or_default().trim_matches('"');
            for dep in functions
                .get(ty.to_lowercase().as_str())
                .into_iter()
                .flatten()
            {
                graph.add_edge(index[dep], me, ());
            }
            let mut calls = Vec::new();
            if let Some(Default::Expr(e)) = &c.default {
                calls.extend(called_functions(e));
            }
            if let Some(g) = &c.generated {
                calls.extend(called_functions(&g.expr));
            }
            for f in calls {
                for dep in functions.get(f.as_str()).into_iter().flatten() {
                    graph.add_edge(index[dep], me, ());
                }
            }
        }
    }
    // A routine after the domains, tables and other routines its words name (a signature's
    // types, an operator's function); a body in quotes is one string and names nothing, as
    // PostgreSQL reads it only when called.
    for (ri, r) in schema.routines.iter().enumerate() {
        let me_obj = Object::Routine(ri);
        let Some(&me) = index.get(&me_obj) else {
            continue;
        };
        let own = r.name.name.to_lowercase();
        for w in words_outside_quotes(&r.body) {
            if let Some(dep) = domains.get(&w) {
                graph.add_edge(index[dep], me, ());
            }
            if w != own {
                for dep in functions.get(w.as_str()).into_iter().flatten() {
                    graph.add_edge(index[dep], me, ());
                }
            }
            if let Some(ti) = schema.table_position(&Name::bare(w.clone())) {
                // Not against a table that needs this routine first (its default calls it).
                let t = index[&Object::Table(ti)];
                if !graph.contains_edge(me, t) {
                    graph.add_edge(t, me, ());
                }
            }
        }
    }
}

/// The names, lower case, of the functions an expression calls.
fn called_functions(e: &sqlparser::ast::Expr) -> Vec<String> {
    let mut out = Vec::new();
    let _ = sqlparser::ast::visit_expressions(e, |e| {
        if let sqlparser::ast::Expr::Function(f) = e
            && let Some(last) = f.name.0.last().and_then(|p| p.as_ident())
        {
            out.push(last.value.to_lowercase());
        }
        std::ops::ControlFlow::<()>::Continue(())
    });
    out
}

/// The words of a statement outside string literals and comments, lower case, each once: the
/// names it may use. Read with a plain scan (a routine may be in any dialect and need not
/// tokenize): quotes `'...'` and `$tag$...$tag$` are skipped; `"..."`, `` `...` `` and
/// `[...]` are names.
fn words_outside_quotes(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let b = text.as_bytes();
    let mut i = 0;
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80;
    let until = |from: usize, close: &[u8]| -> usize {
        b[from..]
            .windows(close.len())
            .position(|w| w == close)
            .map_or(b.len(), |p| from + p + close.len())
    };
    while i < b.len() {
        match b[i] {
            b'\'' => i = until(i + 1, b"'"),
            b'-' if b.get(i + 1) == Some(&b'-') => i = until(i, b"\n"),
            b'/' if b.get(i + 1) == Some(&b'*') => i = until(i + 2, b"*/"),
            // `$tag$` opens a quote up to the same tag; `$1` is a parameter.
            b'$' if !b.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                let e = b[i + 1..]
                    .iter()
                    .position(|c| !word(*c))
                    .map_or(b.len(), |p| i + 1 + p);
                if b.get(e) == Some(&b'$') {
                    i = until(e + 1, &b[i..=e]);
                } else {
                    i += 1;
                }
            }
            q @ (b'"' | b'`' | b'[') => {
                let close = if q == b'[' { b']' } else { q };
                let end = until(i + 1, &[close]);
                let inner = text.get(i + 1..end.saturating_sub(1).max(i + 1));
                out.insert(inner.unwrap_or_default().to_lowercase());
                i = end;
            }
            c if word(c) => {
                let start = i;
                while i < b.len() && (word(b[i]) || b[i] == b'$') {
                    i += 1;
                }
                out.insert(text[start..i].to_lowercase());
            }
            _ => i += 1,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::dialect::Dialect;
    use crate::emit::IdentCase;
    use crate::source::SourceFile;
    use crate::{ConvertOptions, convert};

    fn converted(sql: &str, from: Dialect, to: Dialect) -> crate::Conversion {
        let file = SourceFile::new("t.sql", sql);
        let opts = ConvertOptions {
            from,
            to,
            identifiers: IdentCase::Keep,
            emulate_on_update: false,
            user_mappings: None,
            config: None,
            oracle_compat: None,
        };
        convert(&file, &opts)
    }

    /// Table and view names in creation order, and the cycles found.
    fn check(sql: &str, expected_order: &[&str], expected_cycles: &[&[&str]]) {
        let conv = converted(sql, Dialect::Mysql, Dialect::Postgres);
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

    /// `kind name` of each ordered object, PostgreSQL to `to`.
    fn order_of(sql: &str, to: Dialect) -> Vec<String> {
        let conv = converted(sql, Dialect::Postgres, to);
        conv.order
            .objects
            .iter()
            .map(|o| format!("{} {}", o.kind(), super::name_of(&conv.schema, *o)))
            .collect()
    }

    const SCRIPT: &str = "CREATE TABLE t (id int, a amount DEFAULT twice(1), b int);
        CREATE TABLE u (id int);
        CREATE FUNCTION rows_of_t() RETURNS SETOF t LANGUAGE sql AS $$ SELECT * FROM t $$;
        CREATE OPERATOR <+> (LEFTARG = amount, RIGHTARG = amount, FUNCTION = plus);
        CREATE FUNCTION plus(x amount, y amount) RETURNS amount LANGUAGE sql AS $$ SELECT u.id FROM u $$;
        CREATE FUNCTION twice(x amount) RETURNS amount LANGUAGE sql AS 'SELECT x * 2';
        CREATE DOMAIN amount AS numeric CHECK (VALUE >= 0);
        CREATE TRIGGER tr AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION plus();";

    #[test]
    fn kept_domains_and_routines_come_after_what_they_name_and_before_what_names_them() {
        assert_eq!(
            order_of(SCRIPT, Dialect::Postgres),
            // Tables first where nothing holds them back; `t` waits for the function its
            // default calls, `rows_of_t` for the table it returns, `<+>` for its function.
            [
                "domain amount",
                "table u",
                "routine plus",
                "routine <+>",
                "routine twice",
                "table t",
                "routine rows_of_t",
            ]
        );
    }

    #[test]
    fn between_engines_only_tables_and_views_are_ordered() {
        assert_eq!(order_of(SCRIPT, Dialect::Mysql), ["table t", "table u"]);
    }

    #[test]
    fn words_in_quotes_and_comments_name_nothing() {
        let words = super::words_outside_quotes(
            "f(a \"Dom\") -- t\n AS $b$ u $b$ /* v */ 'w' $1 $$x$$ [y]",
        );
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        assert_eq!(words, ["1", "a", "as", "dom", "f", "y"]);
    }
}
