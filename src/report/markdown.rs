//! The report as Markdown, sized for a pull-request comment: the summary, the counts by kind,
//! and the action items (manual first), each with its source lines.

use std::fmt::Write;

use super::{ActionItem, Report, hours_text, percent};
use crate::diag::Severity;

/// Items written in full; the rest are counted (a comment has a size limit).
const MAX_ITEMS: usize = 50;

pub fn render(r: &Report) -> String {
    let mut out = String::new();
    let s = &r.summary;
    let _ = writeln!(
        out,
        "## ferry migration assessment: `{}` ({} → {})\n",
        r.source.file, r.source.dialect, r.target.dialect
    );
    let _ = writeln!(
        out,
        "**{}** of objects convert automatically ({} by effort); **{}** manual-action items and **{}** warnings; estimated effort **{}**.\n",
        percent(s.conversion_rate_by_objects),
        percent(s.conversion_rate_by_effort),
        s.manual_items,
        s.warnings,
        hours_text(s.effort_hours)
    );
    let _ = writeln!(
        out,
        "| kind | read | converted | with warnings | manual |\n|---|---:|---:|---:|---:|"
    );
    for (kind, c) in &s.objects {
        let _ = writeln!(
            out,
            "| {kind} | {} | {} | {} | {} |",
            c.read, c.converted, c.with_warnings, c.manual
        );
    }
    let a = &s.all_objects;
    let _ = writeln!(
        out,
        "| **all** | **{}** | **{}** | **{}** | **{}** |\n",
        a.read, a.converted, a.with_warnings, a.manual
    );
    let _ = writeln!(
        out,
        "{} statements read, {} skipped (no schema), {} could not be parsed.\n",
        s.statements, s.skipped_statements, s.parse_errors
    );

    if r.action_items.is_empty() {
        out.push_str("No action items: everything converted cleanly.\n");
        return out;
    }
    let mut items: Vec<&ActionItem> = r.action_items.iter().collect();
    // Manual first, then warnings; source order within each (a stable sort keeps it).
    items.sort_by_key(|i| std::cmp::Reverse(i.finding.severity));
    let _ = writeln!(out, "### Action items\n");
    for i in items.iter().take(MAX_ITEMS) {
        item(&mut out, i);
    }
    if items.len() > MAX_ITEMS {
        let _ = writeln!(
            out,
            "… and {} more items: run `ferry report --format html` for all of them.\n",
            items.len() - MAX_ITEMS
        );
    }
    let risky: Vec<_> = r
        .type_mappings
        .iter()
        .filter(|m| m.risk != crate::ir::Risk::None)
        .collect();
    if !risky.is_empty() {
        let _ = writeln!(
            out,
            "### Type mappings with a risk\n\n| source type | target type | columns | risk |\n|---|---|---:|---|"
        );
        for m in risky {
            let _ = writeln!(
                out,
                "| `{}` | `{}` | {} | {} |",
                cell(&m.source_type),
                cell(&m.target_type),
                m.columns,
                super::risk_word(m.risk)
            );
        }
        out.push('\n');
    }
    if !r.order.cycles.is_empty() {
        let _ = writeln!(out, "### Foreign-key cycles\n");
        for c in &r.order.cycles {
            let _ = writeln!(
                out,
                "- {} (foreign keys added after the tables)",
                c.join(", ")
            );
        }
        out.push('\n');
    }
    out
}

fn item(out: &mut String, i: &ActionItem) {
    let tag = match i.finding.severity {
        Severity::Warning => "warning",
        Severity::Manual => "manual action",
        _ => "error",
    };
    let at = i
        .location
        .as_ref()
        .map_or(String::new(), |l| format!(" — `{l}`"));
    let _ = writeln!(
        out,
        "- **{tag} {}**{at}: {}  \n  ferry {}. To do ({}, {}): {}",
        i.title(),
        one_line(&i.finding.message),
        i.ferry_did,
        i.complexity.as_str(),
        hours_text(i.hours),
        one_line(&i.user_must)
    );
    if let Some(sn) = &i.snippet {
        let fence = if sn.text.contains("```") {
            "~~~~"
        } else {
            "```"
        };
        let _ = writeln!(out, "\n  {fence}sql");
        for line in sn.text.lines() {
            let _ = writeln!(out, "  {line}");
        }
        if sn.more_lines > 0 {
            let _ = writeln!(out, "  -- … {} more lines", sn.more_lines);
        }
        let _ = writeln!(out, "  {fence}");
    }
    out.push('\n');
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Text safe inside a table cell in backticks.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('`', "'")
}
