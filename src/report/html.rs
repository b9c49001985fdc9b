//! The report as one self-contained HTML file: inline CSS and SVG, no scripts, no fetches, so it
//! can be mailed, archived, printed or read on a phone as it is.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::{ActionItem, Report, hours_text, percent, risk_word, svg};
use crate::diag::Severity;

const STYLE: &str = r#"
:root { --green: #2e8540; --amber: #d08c00; --red: #c0392b; --ink: #1d2329; --muted: #5b6670; --line: #dde2e6; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #f6f7f8; }
main { max-width: 1100px; margin: 0 auto; padding: 16px; }
header h1 { margin: 8px 0 0; font-size: 1.6em; }
.sub { color: var(--muted); margin: 0 0 8px; overflow-wrap: anywhere; }
nav { margin: 0 0 16px; } a { color: #1f5fa8; }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; margin: 0 0 16px; }
h2 { font-size: 1.2em; margin: 4px 0 12px; }
h3 { font-size: 1.05em; margin: 16px 0 8px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 12px; background: none; border: 0; padding: 0; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px; }
.num { font-size: 1.8em; font-weight: 600; }
.card div:last-child { color: var(--muted); font-size: .9em; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: .92em; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .9em; }
pre.snippet { background: #f3f4f6; border-radius: 6px; padding: 8px; overflow-x: auto; margin: 6px 0; }
pre.snippet .ln { color: #98a2ab; user-select: none; display: inline-block; min-width: 3.5em; }
.item { border-left: 4px solid var(--amber); padding: 4px 0 4px 12px; margin: 10px 0; }
.item.manual { border-color: var(--red); }
.item .head { font-weight: 600; }
.item .meta { color: var(--muted); font-size: .88em; }
.tag { display: inline-block; border-radius: 4px; padding: 0 6px; font-size: .8em; color: #fff; }
.tag.converted { background: var(--green); } .tag.with_warnings { background: var(--amber); } .tag.manual { background: var(--red); }
svg.chart { width: 100%; max-width: 640px; height: auto; }
svg .lbl { font-size: 12px; fill: var(--ink); }
svg .node { font-size: 11px; fill: var(--ink); }
svg .edge { fill: none; stroke: #9aa5ae; stroke-width: 1; }
svg .edge.back { stroke: var(--red); stroke-dasharray: 4 3; }
.graphbox { overflow: auto; max-height: 640px; border: 1px solid var(--line); border-radius: 6px; }
ul.model li { margin: 2px 0; }
@media print { body { background: #fff; } section, .card { border: 0; } .graphbox { max-height: none; overflow: visible; } .item { break-inside: avoid; } }
"#;

/// Text safe inside HTML (and SVG) element content and quoted attributes.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Escaped text in which `name` spans (the diagnostics' markup) become `<code>`.
fn prose(s: &str) -> String {
    let escaped = escape(s);
    let parts: Vec<&str> = escaped.split('`').collect();
    if parts.len().is_multiple_of(2) {
        // An odd number of backticks: not markup, keep them as written.
        return escaped;
    }
    let mut out = String::with_capacity(escaped.len() + 16);
    for (i, p) in parts.iter().enumerate() {
        if i % 2 == 1 {
            out.push_str("<code>");
            out.push_str(p);
            out.push_str("</code>");
        } else {
            out.push_str(p);
        }
    }
    out
}

pub fn render(r: &Report) -> String {
    let s = &r.summary;
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>ferry assessment: {}</title><style>{STYLE}</style></head><body><main>",
        escape(&r.source.file)
    );
    let _ = write!(
        out,
        "<header><h1>Migration assessment</h1><p class=\"sub\"><code>{}</code> ({}, {} lines) → {} · ferry {} · report format {}</p></header>",
        escape(&r.source.file),
        r.source.dialect,
        r.source.lines,
        r.target.dialect,
        r.ferry_version,
        r.report_version
    );
    out.push_str("<nav class=\"meta\"><a href=\"#kinds\">objects by kind</a> · <a href=\"#actions\">action items</a> · <a href=\"#types\">type mappings</a> · <a href=\"#order\">dependency order</a> · <a href=\"#objects\">all objects</a> · <a href=\"#effort\">effort model</a></nav>");
    out.push_str("<section class=\"cards\" id=\"summary\">");
    for (id, value, what) in [
        (
            "rate-objects",
            percent(s.conversion_rate_by_objects),
            "of objects convert automatically",
        ),
        (
            "rate-effort",
            percent(s.conversion_rate_by_effort),
            "of the work, weighted by effort",
        ),
        (
            "effort-hours",
            hours_text(s.effort_hours),
            "estimated effort for the action items",
        ),
        (
            "objects-read",
            s.all_objects.read.to_string(),
            "objects read",
        ),
        (
            "manual-items",
            s.manual_items.to_string(),
            "manual-action items",
        ),
        ("warnings", s.warnings.to_string(), "warnings to review"),
    ] {
        let _ = write!(
            out,
            "<div class=\"card\"><div class=\"num\" id=\"{id}\">{}</div><div>{what}</div></div>",
            escape(&value)
        );
    }
    out.push_str("</section>");

    out.push_str("<section id=\"kinds\"><h2>Objects by kind</h2>");
    out.push_str(&svg::status_chart(&s.objects));
    out.push_str("<div class=\"scroll\"><table><tr><th>kind</th><th class=\"n\">read</th><th class=\"n\">converted</th><th class=\"n\">with warnings</th><th class=\"n\">manual</th></tr>");
    let all = std::iter::once(("all", &s.all_objects));
    for (kind, c) in s.objects.iter().map(|(k, c)| (*k, c)).chain(all) {
        let _ = write!(
            out,
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            escape(kind),
            c.read,
            c.converted,
            c.with_warnings,
            c.manual
        );
    }
    let _ = write!(
        out,
        "</table></div><p class=\"meta\">{} statements read; {} skipped (no schema); {} could not be parsed.</p></section>",
        s.statements, s.skipped_statements, s.parse_errors
    );

    action_items(&mut out, r);
    type_mappings(&mut out, r);
    order(&mut out, r);
    objects(&mut out, r);
    effort(&mut out, r);
    out.push_str("</main></body></html>\n");
    out
}

fn action_items(out: &mut String, r: &Report) {
    out.push_str("<section id=\"actions\"><h2>Action items</h2>");
    if r.action_items.is_empty() {
        out.push_str("<p>None: everything converted cleanly.</p></section>");
        return;
    }
    // Grouped by severity (manual first), then object kind; source order inside a group.
    let mut groups: BTreeMap<(std::cmp::Reverse<Severity>, &str), Vec<&ActionItem>> =
        BTreeMap::new();
    for i in &r.action_items {
        groups
            .entry((std::cmp::Reverse(i.finding.severity), i.object_kind))
            .or_default()
            .push(i);
    }
    for ((std::cmp::Reverse(sev), kind), items) in groups {
        let hours: f64 = items.iter().map(|i| i.hours).fold(0.0, |a, b| a + b);
        let _ = write!(
            out,
            "<h3>{} — {} ({} items, {})</h3>",
            escape(kind),
            severity_word(sev),
            items.len(),
            hours_text(hours)
        );
        for i in items {
            item(out, i);
        }
    }
    out.push_str("</section>");
}

fn severity_word(s: Severity) -> &'static str {
    match s {
        Severity::Note => "note",
        Severity::Warning => "warnings",
        Severity::Manual => "manual action",
        Severity::Error => "errors",
    }
}

fn item(out: &mut String, i: &ActionItem) {
    let class = if i.finding.severity >= Severity::Manual {
        "item manual"
    } else {
        "item"
    };
    let at = i.location.as_ref().map_or(String::new(), |l| {
        format!(" <code>{}</code>", escape(&l.to_string()))
    });
    let object = i
        .finding
        .object
        .as_ref()
        .map_or_else(|| "statement".to_string(), |o| escape(&o.to_string()));
    let (class_word, hours) = (i.complexity.as_str(), hours_text(i.hours));
    let _ = write!(
        out,
        "<div class=\"{class}\"><div class=\"head\">{} — {}</div><div class=\"meta\">{object}{at} · {class_word} · {hours}</div>",
        i.title(),
        prose(&i.finding.message),
    );
    if let Some(sn) = &i.snippet {
        out.push_str("<pre class=\"snippet\">");
        for (n, line) in sn.text.lines().enumerate() {
            let _ = writeln!(
                out,
                "<span class=\"ln\">{}</span>{}",
                sn.first_line + n,
                escape(line)
            );
        }
        if sn.more_lines > 0 {
            let _ = writeln!(
                out,
                "<span class=\"ln\">…</span>{} more lines",
                sn.more_lines
            );
        }
        out.push_str("</pre>");
    }
    let _ = write!(
        out,
        "<div><b>ferry</b> {}.</div><div><b>To do:</b> {}</div>",
        prose(i.ferry_did),
        prose(&i.user_must)
    );
    for n in &i.finding.notes {
        let _ = write!(out, "<div class=\"meta\">note: {}</div>", prose(n));
    }
    out.push_str("</div>");
}

fn type_mappings(out: &mut String, r: &Report) {
    out.push_str("<section id=\"types\"><h2>Type mappings used</h2><div class=\"scroll\"><table><tr><th>source type</th><th>canonical</th><th>target type</th><th class=\"n\">columns</th><th>risk</th><th>transform</th><th>rule</th></tr>");
    for m in &r.type_mappings {
        let transform = m.transform.map_or("", |t| t.name());
        let _ = write!(
            out,
            "<tr><td><code>{}</code></td><td><code>{}</code></td><td><code>{}</code></td><td class=\"n\">{}</td><td>{}</td><td>{}</td><td class=\"meta\">{}</td></tr>",
            escape(&m.source_type),
            escape(&m.canonical),
            escape(&m.target_type),
            m.columns,
            risk_word(m.risk),
            escape(transform),
            escape(&m.origin)
        );
    }
    out.push_str("</table></div></section>");
}

fn order(out: &mut String, r: &Report) {
    let o = &r.order;
    out.push_str("<section id=\"order\"><h2>Dependency order</h2>");
    if o.cycles.is_empty() {
        out.push_str("<p>No foreign-key cycles: every table is created with its foreign keys.</p>");
    } else {
        out.push_str("<p>Foreign keys form cycles between these tables; the tables are created first and the foreign keys added afterwards:</p><ul>");
        for c in &o.cycles {
            let _ = write!(out, "<li>{}</li>", escape(&c.join(", ")));
        }
        out.push_str("</ul>");
        if !o.deferred_foreign_keys.is_empty() {
            out.push_str("<p>Foreign keys added after the tables:</p><ul>");
            for f in &o.deferred_foreign_keys {
                let _ = write!(out, "<li><code>{}</code></li>", escape(f));
            }
            out.push_str("</ul>");
        }
    }
    match svg::dependency_graph(r) {
        Some(g) => {
            let _ = write!(
                out,
                "<p class=\"meta\">An object stands right of everything it needs; dashed red edges are foreign keys inside a cycle.</p><div class=\"graphbox\">{g}</div>"
            );
        }
        None if o.creation_order.is_empty() => {}
        None => {
            let _ = write!(
                out,
                "<p>The graph has {} objects, more than {} drawn inline: write it with <code>ferry report --graph dot</code> and render it with Graphviz.</p>",
                o.creation_order.len(),
                svg::MAX_GRAPH_NODES
            );
        }
    }
    let _ = write!(
        out,
        "<details><summary>Creation order ({} objects)</summary><ol>",
        o.creation_order.len()
    );
    for n in &o.creation_order {
        let _ = write!(out, "<li>{}</li>", escape(n));
    }
    out.push_str("</ol></details></section>");
}

fn objects(out: &mut String, r: &Report) {
    out.push_str("<section id=\"objects\"><h2>All objects</h2><div class=\"scroll\"><table><tr><th>kind</th><th>name</th><th>status</th><th class=\"n\">line</th><th>findings</th></tr>");
    for o in &r.objects {
        let status = serde_json::to_value(o.status)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let _ = write!(
            out,
            "<tr><td>{}</td><td><code>{}</code></td><td><span class=\"tag {status}\">{}</span></td><td class=\"n\">{}</td><td>{}</td></tr>",
            o.kind,
            escape(&o.name),
            o.status.as_str(),
            o.line.map_or(String::new(), |l| l.to_string()),
            o.codes.join(" ")
        );
    }
    out.push_str("</table></div></section>");
}

fn effort(out: &mut String, r: &Report) {
    out.push_str("<section id=\"effort\"><h2>How the effort is estimated</h2><div class=\"scroll\"><table><tr><th>class</th><th class=\"n\">items</th><th class=\"n\">hours</th></tr>");
    for (class, e) in &r.summary.effort_by_complexity {
        let _ = write!(
            out,
            "<tr><td>{class}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            e.items,
            hours_text(e.hours)
        );
    }
    out.push_str("</table></div><ul class=\"model\">");
    for line in &r.effort_model {
        let _ = write!(out, "<li>{}</li>", escape(line));
    }
    out.push_str("</ul>");
    if !r.notes.is_empty() {
        let notes: Vec<String> = r.notes.iter().map(|(c, n)| format!("{c} × {n}")).collect();
        let _ = write!(
            out,
            "<p class=\"meta\">Notes (information only, no effort): {}. <code>ferry explain CODE</code> tells what each means.</p>",
            notes.join(", ")
        );
    }
    out.push_str("</section>");
}
