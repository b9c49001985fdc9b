//! Diagnostics as SARIF 2.1.0, so code-scanning tools annotate the schema file's lines. Each
//! result takes its fields from the `diag::Finding` that `check --format json` prints.
//! One run, one tool (`ferry`) whose rules are the diagnostic codes; columns count Unicode code
//! points (`columnKind`), as ferry's diagnostics do.
//! Spec: https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html

use serde_json::{Value, json};

use crate::diag::{Diagnostic, Finding, Severity, codes};
use crate::source::SourceFile;

pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Note => "note",
        Severity::Warning => "warning",
        Severity::Manual | Severity::Error => "error",
    }
}

/// A relative file path as a URI reference: `/` separators, anything outside the unreserved
/// characters percent-encoded.
pub fn uri_of(path: &str) -> String {
    let mut out = String::new();
    for b in path.replace('\\', "/").bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub fn render(file: &SourceFile, diags: &[Diagnostic]) -> Value {
    let uri = uri_of(&file.name);
    let rules: Vec<Value> = codes::ALL
        .iter()
        .map(|c| {
            json!({
                "id": c.id,
                "name": c.name,
                "shortDescription": { "text": c.summary },
                "fullDescription": { "text": c.explanation },
                "help": { "text": c.explanation },
                "defaultConfiguration": { "level": level(c.severity) },
                "properties": { "ferry-severity": c.severity.as_str() },
            })
        })
        .collect();
    let results: Vec<Value> = diags
        .iter()
        .map(|d| {
            let f = Finding::new(file, d);
            let rule_index = codes::ALL.iter().position(|c| c.id == f.code);
            let mut text = f.message.clone();
            if let Some(h) = &f.help {
                text.push_str(&format!(" Help: {h}"));
            }
            let mut result = json!({
                "ruleId": f.code,
                "level": level(f.severity),
                "message": { "text": text },
                "properties": { "ferry-severity": f.severity.as_str() },
            });
            if let Some(i) = rule_index {
                result["ruleIndex"] = json!(i);
            }
            let mut physical = json!({ "artifactLocation": { "uri": uri, "index": 0 } });
            if f.located() {
                physical["region"] = json!({ "startLine": f.line, "startColumn": f.column,
                                             "endLine": f.end_line, "endColumn": f.end_column });
            }
            result["locations"] = json!([{ "physicalLocation": physical }]);
            if let Some(o) = &f.object {
                result["locations"][0]["logicalLocations"] = json!([{ "fullyQualifiedName": o }]);
            }
            result
        })
        .collect();
    json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "ferry",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "artifacts": [{ "location": { "uri": uri }, "sourceLanguage": "sql" }],
            "results": results,
        }],
    })
}
