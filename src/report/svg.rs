//! Inline SVG for the HTML report: the status of objects by kind as stacked bars, and the
//! dependency graph in layers (an object sits one layer right of the deepest thing it needs).
//! Plain strings, no scripts, no external fonts or images.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;

use super::Report;
use super::html::escape;
use crate::summary::{KindCounts, Status};

pub const GREEN: &str = "#2e8540";
pub const AMBER: &str = "#d08c00";
pub const RED: &str = "#c0392b";

/// Graphs with more nodes than this are not drawn inline (use `--graph dot`).
pub const MAX_GRAPH_NODES: usize = 300;

pub fn status_chart(kinds: &BTreeMap<&'static str, KindCounts>) -> String {
    let row = 28;
    let label_w = 110.0;
    let bar_w = 380.0;
    let height = row * kinds.len() + 34;
    let mut out = format!(
        "<svg class=\"chart\" viewBox=\"0 0 600 {height}\" role=\"img\" aria-label=\"Objects by kind and status\">"
    );
    for (i, (kind, c)) in kinds.iter().enumerate() {
        let y = i * row + 4;
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" class=\"lbl\">{}</text>",
            label_w - 8.0,
            y + 15,
            escape(kind)
        );
        let mut x = label_w;
        for (n, colour, what) in [
            (c.converted, GREEN, "converted"),
            (c.with_warnings, AMBER, "with warnings"),
            (c.manual, RED, "manual"),
        ] {
            if n == 0 || c.read == 0 {
                continue;
            }
            let w = bar_w * n as f64 / c.read as f64;
            let _ = write!(
                out,
                "<rect x=\"{x:.1}\" y=\"{y}\" width=\"{w:.1}\" height=\"20\" fill=\"{colour}\"><title>{kind}: {n} {what}</title></rect>"
            );
            x += w;
        }
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"{}\" class=\"lbl\">{} / {} / {}</text>",
            label_w + bar_w + 8.0,
            y + 15,
            c.converted,
            c.with_warnings,
            c.manual
        );
    }
    let y = kinds.len() * row + 20;
    let mut x = label_w;
    for (colour, what) in [
        (GREEN, "converted"),
        (AMBER, "with warnings"),
        (RED, "manual"),
    ] {
        let _ = write!(
            out,
            "<rect x=\"{x}\" y=\"{}\" width=\"12\" height=\"12\" fill=\"{colour}\"/><text x=\"{}\" y=\"{y}\" class=\"lbl\">{what}</text>",
            y - 10,
            x + 16.0
        );
        x += 130.0;
    }
    out.push_str("</svg>");
    out
}

/// The dependency graph, or `None` when it has more than `MAX_GRAPH_NODES` nodes.
pub fn dependency_graph(r: &Report) -> Option<String> {
    let nodes = &r.order.creation_order;
    if nodes.is_empty() || nodes.len() > MAX_GRAPH_NODES {
        return None;
    }
    let position: HashMap<&str, usize> = nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i))
        .collect();
    let mut incoming: HashMap<&str, Vec<&str>> = HashMap::new();
    for (a, b) in &r.order.edges {
        incoming.entry(b.as_str()).or_default().push(a.as_str());
    }
    // Layer = 1 + the deepest earlier object it depends on (edges from later objects are
    // foreign keys inside a cycle and do not push it right).
    let mut layer: HashMap<&str, usize> = HashMap::new();
    for (i, n) in nodes.iter().enumerate() {
        let l = incoming
            .get(n.as_str())
            .into_iter()
            .flatten()
            .filter(|a| position.get(*a).is_some_and(|p| *p < i))
            .filter_map(|a| layer.get(a))
            .map(|l| l + 1)
            .max()
            .unwrap_or(0);
        layer.insert(n.as_str(), l);
    }
    let status: HashMap<String, Status> = r
        .objects
        .iter()
        .map(|o| (format!("{} {}", o.kind, o.name), o.status))
        .collect();
    let (box_w, box_h, gap_x, gap_y) = (170.0, 22.0, 50.0, 8.0);
    let mut rows: HashMap<usize, usize> = HashMap::new();
    let mut at: HashMap<&str, (f64, f64)> = HashMap::new();
    for n in nodes {
        let l = layer.get(n.as_str()).copied().unwrap_or(0);
        let row = rows.entry(l).or_default();
        at.insert(
            n.as_str(),
            (
                10.0 + l as f64 * (box_w + gap_x),
                10.0 + *row as f64 * (box_h + gap_y),
            ),
        );
        *row += 1;
    }
    let width = 20.0 + (rows.len() as f64) * (box_w + gap_x) - gap_x;
    let height = 20.0 + rows.values().max().copied().unwrap_or(1) as f64 * (box_h + gap_y);
    let mut out = format!(
        "<svg class=\"graph\" viewBox=\"0 0 {width:.0} {height:.0}\" width=\"{width:.0}\" role=\"img\" aria-label=\"Dependency graph\">"
    );
    // A self-reference (a table's foreign key to itself) orders nothing: not drawn.
    for (a, b) in r.order.edges.iter().filter(|(a, b)| a != b) {
        let (Some(&(ax, ay)), Some(&(bx, by))) = (at.get(a.as_str()), at.get(b.as_str())) else {
            continue;
        };
        let (x1, y1) = (ax + box_w, ay + box_h / 2.0);
        let (x2, y2) = (bx, by + box_h / 2.0);
        let back = x2 <= x1;
        let class = if back { "edge back" } else { "edge" };
        let _ = write!(
            out,
            "<path class=\"{class}\" d=\"M{x1:.1},{y1:.1} C{:.1},{y1:.1} {:.1},{y2:.1} {x2:.1},{y2:.1}\"><title>{} before {}</title></path>",
            x1 + 30.0,
            x2 - 30.0,
            escape(a),
            escape(b)
        );
    }
    for n in nodes {
        let Some(&(x, y)) = at.get(n.as_str()) else {
            continue;
        };
        let fill = match status.get(n) {
            Some(Status::Converted) | None => "#d9f2d9",
            Some(Status::WithWarnings) => "#fff0c2",
            Some(Status::Manual) => "#f9d0d0",
        };
        let label: String = if n.chars().count() > 26 {
            n.chars().take(25).chain(['…']).collect()
        } else {
            n.clone()
        };
        let _ = write!(
            out,
            "<g><title>{}</title><rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{box_w}\" height=\"{box_h}\" rx=\"4\" fill=\"{fill}\" stroke=\"#888\"/><text x=\"{:.1}\" y=\"{:.1}\" class=\"node\">{}</text></g>",
            escape(n),
            x + 6.0,
            y + 15.0,
            escape(&label)
        );
    }
    out.push_str("</svg>");
    Some(out)
}
