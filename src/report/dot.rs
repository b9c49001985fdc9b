//! The dependency graph as Graphviz DOT (`ferry report --graph dot`): an edge a -> b means a is
//! created before b; nodes are coloured by status; edges inside a foreign-key cycle are dashed.

use std::collections::HashMap;
use std::fmt::Write;

use super::Report;
use crate::summary::Status;

pub fn render(r: &Report) -> String {
    let status: HashMap<String, Status> = r
        .objects
        .iter()
        .map(|o| (format!("{} {}", o.kind, o.name), o.status))
        .collect();
    let cycle_of: HashMap<String, usize> = r
        .order
        .cycles
        .iter()
        .enumerate()
        .flat_map(|(i, c)| c.iter().map(move |n| (format!("table {n}"), i)))
        .collect();
    let mut out = String::from(
        "digraph ferry {\n  rankdir=LR;\n  node [shape=box, style=filled, fontname=\"sans-serif\"];\n",
    );
    for name in &r.order.creation_order {
        let fill = match status.get(name) {
            Some(Status::Converted) | None => "#d9f2d9",
            Some(Status::WithWarnings) => "#fff0c2",
            Some(Status::Manual) => "#f9d0d0",
        };
        let _ = writeln!(out, "  {} [fillcolor=\"{fill}\"];", quote(name));
    }
    for (a, b) in &r.order.edges {
        let same_cycle = cycle_of.get(a).is_some_and(|i| cycle_of.get(b) == Some(i));
        let style = if same_cycle { " [style=dashed]" } else { "" };
        let _ = writeln!(out, "  {} -> {}{style};", quote(a), quote(b));
    }
    out.push_str("}\n");
    out
}

/// A DOT quoted ID: backslashes and double quotes escaped, line breaks removed.
fn quote(s: &str) -> String {
    let escaped = s
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace(['\n', '\r'], " ");
    format!("\"{escaped}\"")
}
