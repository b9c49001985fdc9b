//! The migration assessment over the corpus: JSON and Markdown snapshots per file, the report's
//! own arithmetic, SARIF's required structure, and the HTML report rendered by headless
//! Chromium (its numbers on screen, nothing fetched from outside, a screenshot to look at).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::convert::{corpus_files, with_defaults};
use ferry::dialect::Dialect;
use ferry::report::{self, Report};
use ferry::source::SourceFile;
use serde_json::Value;

/// The target each corpus dialect is assessed for: the migration people most often make.
fn target_for(from: Dialect) -> Dialect {
    match from {
        Dialect::Postgres => Dialect::Mysql,
        Dialect::Mysql | Dialect::Sqlite | Dialect::SqlServer | Dialect::Oracle => {
            Dialect::Postgres
        }
    }
}

fn load(rel: &Path) -> SourceFile {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let text = std::fs::read_to_string(root.join(rel)).expect("corpus file reads");
    // The display name is relative, so snapshots do not depend on where the clone is.
    SourceFile::new(rel.to_string_lossy().replace('\\', "/"), text)
}

fn build(from: Dialect, file: &SourceFile) -> (ferry::Conversion, Report) {
    let conv = with_defaults(from, target_for(from), file);
    let r = report::build(file, &conv);
    (conv, r)
}

/// What must hold in every report, whatever the schema.
fn check_arithmetic(name: &str, conv: &ferry::Conversion, r: &Report) {
    let s = &r.summary;
    let a = &s.all_objects;
    assert_eq!(a.read, a.converted + a.with_warnings + a.manual, "{name}");
    assert_eq!(
        a.read,
        s.objects.values().map(|c| c.read).sum::<usize>(),
        "{name}"
    );
    assert_eq!(a.read, r.objects.len(), "{name}");
    assert_eq!(
        s.objects.get("table").map_or(0, |c| c.read),
        conv.schema.tables.len(),
        "{name}: every table is in the report"
    );
    let hours: f64 = r.action_items.iter().map(|i| i.hours).sum();
    assert!((s.effort_hours - hours).abs() < 1e-9, "{name}");
    assert!(
        (0.0..=1.0).contains(&s.conversion_rate_by_objects),
        "{name}"
    );
    assert!((0.0..=1.0).contains(&s.conversion_rate_by_effort), "{name}");
    assert_eq!(
        s.manual_items + s.warnings,
        r.action_items.len(),
        "{name}: every action item is a warning or manual"
    );
    let findings = conv
        .diagnostics
        .iter()
        .filter(|d| d.severity() >= ferry::diag::Severity::Warning)
        .count();
    assert_eq!(findings, r.action_items.len(), "{name}: no finding dropped");
    for i in &r.action_items {
        if let (Some(l), Some(sn)) = (&i.location, &i.snippet) {
            assert!(l.line >= 1 && l.column >= 1, "{name}: {l}");
            assert!(
                sn.first_line <= l.line,
                "{name}: snippet of {l} starts later"
            );
            assert!(!sn.text.is_empty(), "{name}: empty snippet at {l}");
        }
        assert!(
            !i.user_must.is_empty(),
            "{name}: {} says what to do",
            i.finding.code
        );
    }
    let mapped: usize = r.type_mappings.iter().map(|m| m.columns).sum();
    let columns: usize = conv.schema.tables.iter().map(|t| t.columns.len()).sum();
    assert_eq!(mapped, columns, "{name}: every column's mapping is listed");
}

#[test]
fn corpus_reports_as_json_and_markdown() {
    let files = corpus_files();
    assert!(files.len() >= 15, "the corpus is present");
    for (from, rel) in files {
        let file = load(&rel);
        let (conv, r) = build(from, &file);
        let name = rel.to_string_lossy().replace(['/', '.'], "_");
        check_arithmetic(&name, &conv, &r);
        let json = serde_json::to_string_pretty(&r).expect("the report serialises");
        let back: Value = serde_json::from_str(&json).expect("the JSON reads back");
        assert_eq!(back["report_version"], 1);
        insta::assert_snapshot!(format!("report_json__{name}"), json);
        insta::assert_snapshot!(format!("report_md__{name}"), report::markdown::render(&r));
    }
}

/// The properties SARIF 2.1.0's schema requires (sarif-schema-2.1.0.json, `required` and
/// `enum` keywords) on the objects ferry writes, plus the locations being inside the file.
fn check_sarif(doc: &Value, file: &SourceFile) -> Result<(), String> {
    let need = |v: &Value, key: &str, at: &str| -> Result<(), String> {
        if v.get(key).is_none() {
            return Err(format!("{at}: required property `{key}` is missing"));
        }
        Ok(())
    };
    need(doc, "version", "sarifLog")?;
    need(doc, "runs", "sarifLog")?;
    if doc["version"] != "2.1.0" {
        return Err("sarifLog.version must be \"2.1.0\"".into());
    }
    let runs = doc["runs"].as_array().ok_or("runs is not an array")?;
    let lines = file.text.lines().count().max(1);
    for (ri, run) in runs.iter().enumerate() {
        let at = format!("runs[{ri}]");
        need(run, "tool", &at)?;
        need(&run["tool"], "driver", &format!("{at}.tool"))?;
        let driver = &run["tool"]["driver"];
        need(driver, "name", &format!("{at}.tool.driver"))?;
        let rules = driver["rules"]
            .as_array()
            .ok_or("driver.rules is not an array")?;
        for (i, rule) in rules.iter().enumerate() {
            need(rule, "id", &format!("{at}.tool.driver.rules[{i}]"))?;
            let level = &rule["defaultConfiguration"]["level"];
            if !["none", "note", "warning", "error"].contains(&level.as_str().unwrap_or("")) {
                return Err(format!("rules[{i}]: level {level} is not in the enum"));
            }
        }
        if let Some(kind) = run.get("columnKind")
            && !["utf16CodeUnits", "unicodeCodePoints"].contains(&kind.as_str().unwrap_or(""))
        {
            return Err(format!("{at}.columnKind {kind} is not in the enum"));
        }
        let results = run["results"].as_array().ok_or("results is not an array")?;
        for (i, res) in results.iter().enumerate() {
            let at = format!("{at}.results[{i}]");
            need(res, "message", &at)?;
            if res["message"].get("text").is_none() && res["message"].get("id").is_none() {
                return Err(format!("{at}.message needs text or id"));
            }
            if !["none", "note", "warning", "error"].contains(&res["level"].as_str().unwrap_or(""))
            {
                return Err(format!("{at}.level is not in the enum"));
            }
            let rule_id = res["ruleId"].as_str().ok_or(format!("{at}: no ruleId"))?;
            let index = res["ruleIndex"]
                .as_u64()
                .ok_or(format!("{at}: no ruleIndex"))?;
            let rule = rules
                .get(index as usize)
                .ok_or(format!("{at}: ruleIndex out of range"))?;
            if rule["id"] != rule_id {
                return Err(format!("{at}: ruleIndex points at another rule"));
            }
            for loc in res["locations"].as_array().into_iter().flatten() {
                let phys = &loc["physicalLocation"];
                need(&phys["artifactLocation"], "uri", &at)?;
                if let Some(region) = phys.get("region") {
                    let start = region["startLine"].as_u64().unwrap_or(0) as usize;
                    let end = region["endLine"].as_u64().unwrap_or(0) as usize;
                    let col = region["startColumn"].as_u64().unwrap_or(0);
                    if start < 1 || start > lines + 1 || end < start || col < 1 {
                        return Err(format!("{at}: region {region} is not inside the file"));
                    }
                }
            }
        }
    }
    Ok(())
}

#[test]
fn sarif_has_the_required_structure() {
    for (from, rel) in corpus_files() {
        let file = load(&rel);
        let conv = with_defaults(from, target_for(from), &file);
        let doc = report::sarif::render(&file, &conv.diagnostics);
        if let Err(e) = check_sarif(&doc, &file) {
            panic!("{}: {e}", rel.display());
        }
        let results = doc["runs"][0]["results"].as_array().map_or(0, Vec::len);
        assert_eq!(results, conv.diagnostics.len(), "{}", rel.display());
        assert_eq!(
            doc["runs"][0]["artifacts"][0]["location"]["uri"],
            rel.to_string_lossy().replace('\\', "/"),
            "paths stay relative, so code scanning finds the file"
        );
    }
}

#[test]
fn sarif_check_catches_what_it_should() {
    let file = SourceFile::new("x.sql", "CREATE TABLE t (a int);\n");
    let good = serde_json::json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "ferry", "rules": []}}, "results": []}]});
    assert!(check_sarif(&good, &file).is_ok());
    let no_driver = serde_json::json!({"version": "2.1.0", "runs": [{"tool": {}, "results": []}]});
    assert!(check_sarif(&no_driver, &file).is_err());
    let bad_level = serde_json::json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "f", "rules": [{"id": "F1", "defaultConfiguration": {"level": "x"}}]}}, "results": []}]});
    assert!(check_sarif(&bad_level, &file).is_err());
}

fn chromium() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("FERRY_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|name| {
            std::env::var_os("PATH").and_then(|paths| {
                std::env::split_paths(&paths)
                    .map(|d| d.join(name))
                    .find(|p| p.is_file())
            })
        })
}

/// Runs headless Chromium with `args`; its standard output, or an error after 90 s.
fn run_chromium(bin: &Path, args: &[&str]) -> Result<String, String> {
    let mut child = Command::new(bin)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
        ])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
    let mut stdout = child.stdout.take().ok_or("no stdout")?;
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut stdout, &mut s);
        s
    });
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            let out = reader.join().map_err(|_| "reader panicked")?;
            return if status.success() {
                Ok(out)
            } else {
                Err(format!("chromium exited with {status}"))
            };
        }
        if start.elapsed() > Duration::from_secs(90) {
            let _ = child.kill();
            return Err("chromium did not finish in 90 s".into());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The text inside the element with this id (no nested elements in the cards).
fn element_text<'a>(dom: &'a str, id: &str) -> Option<&'a str> {
    let at = dom.find(&format!("id=\"{id}\""))?;
    let open = at + dom[at..].find('>')? + 1;
    let close = open + dom[open..].find('<')?;
    Some(dom[open..close].trim())
}

#[test]
fn html_report_renders_in_headless_chromium() {
    let Some(bin) = chromium() else {
        assert!(
            std::env::var("CI").is_err(),
            "CI must install chromium for the HTML report test"
        );
        eprintln!("skipped: no chromium on PATH (set FERRY_CHROMIUM)");
        return;
    };
    let rel = Path::new("mysql/sakila/sakila-mv-schema.sql");
    let file = load(rel);
    let (_, r) = build(Dialect::Mysql, &file);
    let html = report::html::render(&r);

    // Self-contained: nothing that would make a browser fetch.
    let lower = html.to_ascii_lowercase();
    for needle in [
        "<script",
        "<link",
        "<img",
        "<iframe",
        "<object",
        "<embed",
        "@import",
        "url(",
        "src=",
        "href=\"http",
        "href=\"//",
        "xlink:href",
    ] {
        assert!(!lower.contains(needle), "the report references `{needle}`");
    }

    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-html");
    std::fs::create_dir_all(&dir).expect("temp dir");
    let page = dir.join("sakila.html");
    std::fs::write(&page, &html).expect("write report");
    let url = format!("file://{}", page.display());
    let dom = run_chromium(&bin, &["--dump-dom", &url]).expect("chromium dumps the DOM");
    let s = &r.summary;
    for (id, want) in [
        (
            "rate-objects",
            report::percent(s.conversion_rate_by_objects),
        ),
        ("rate-effort", report::percent(s.conversion_rate_by_effort)),
        ("effort-hours", report::hours_text(s.effort_hours)),
        ("objects-read", s.all_objects.read.to_string()),
        ("manual-items", s.manual_items.to_string()),
        ("warnings", s.warnings.to_string()),
    ] {
        assert_eq!(
            element_text(&dom, id),
            Some(want.as_str()),
            "#{id} in the DOM"
        );
    }
    assert!(
        dom.contains("<svg class=\"chart\""),
        "the status chart is inline"
    );
    assert!(
        dom.contains("<svg class=\"graph\""),
        "the dependency graph is inline"
    );
    assert!(
        dom.contains("F1005 index-manual"),
        "action items are listed"
    );

    let shot = dir.join("sakila.png");
    let _ = std::fs::remove_file(&shot);
    let arg = format!("--screenshot={}", shot.display());
    run_chromium(&bin, &[&arg, "--window-size=1280,2400", &url]).expect("chromium screenshots");
    let size = std::fs::metadata(&shot).map_or(0, |m| m.len());
    assert!(size > 10_000, "the screenshot is an image ({size} bytes)");
    eprintln!("screenshot: {}", shot.display());
}
