//! The schema commands: `convert`, `check`, `report`, `explain`, `mappings show`. They read a
//! script (or standard input), run the compiler stages and print what they found.

use std::path::PathBuf;
use std::process::ExitCode;

use super::output::Output;
use super::{
    CheckFormat, ConvertArgs, Emulate, GraphFormat, ReportFormat, exit_code, holds_nothing,
    json_text, read_user_mappings, summary_line,
};
use crate::diag::{Finding, Severity};
use crate::dialect::Dialect;
use crate::emit::Section;
use crate::source::SourceFile;
use crate::{ConvertOptions, infer_dialect, summary};

/// Reads the input and runs the pipeline; Err is a usage or I/O error already reported.
fn run_pipeline(
    out: &Output,
    args: &ConvertArgs,
) -> Result<(SourceFile, crate::Conversion), ExitCode> {
    let file = super::input::read_script(&args.file).map_err(|e| out.error(e))?;
    let Some(from) = args.from.or_else(|| infer_dialect(&file.text)) else {
        return Err(out.error(format_args!(
            "cannot tell the dialect of {}; pass --from mysql|postgres|sqlite|sqlserver|oracle",
            file.name
        )));
    };
    let user_mappings = read_user_mappings(out, args.mappings.as_ref())?;
    let oracle_compat = match (args.oracle_compat, args.to) {
        (None, _) => None,
        (Some(release), Dialect::Oracle) => Some(release),
        (Some(_), to) => {
            return Err(out.error(format_args!(
                "--oracle-compat applies to --to oracle, not --to {to}"
            )));
        }
    };
    let opts = ConvertOptions {
        from,
        to: args.to,
        identifiers: args.identifiers,
        emulate_on_update: args.emulate.contains(&Emulate::OnUpdate),
        user_mappings,
        config: None,
        oracle_compat,
    };
    let conv = crate::convert(&file, &opts);
    if holds_nothing(&conv) {
        return Err(out.error(format_args!(
            "{}: the file holds no SQL statement (it is empty or only comments)",
            file.name
        )));
    }
    Ok((file, conv))
}

pub fn convert(
    out: &Output,
    args: &ConvertArgs,
    output: Option<PathBuf>,
    section: Section,
    deny_warnings: bool,
) -> ExitCode {
    let (file, conv) = match run_pipeline(out, args) {
        Ok(x) => x,
        Err(code) => return code,
    };
    out.findings(&file, &conv.diagnostics);
    let ddl = conv.output.render(section);
    if let Err(code) = out.result(output.as_deref(), &ddl) {
        return code;
    }
    out.say(summary_line(&conv));
    let code = exit_code(&conv.diagnostics, deny_warnings);
    // The process ends here: freeing a large schema's IR (about 6 % of the run on a
    // 2,000-table script, BENCHMARKS.md) would only delay the exit.
    std::mem::forget(conv);
    code
}

pub fn check(
    out: &Output,
    args: &ConvertArgs,
    format: CheckFormat,
    deny_warnings: bool,
) -> ExitCode {
    let (file, conv) = match run_pipeline(out, args) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let written = match format {
        CheckFormat::Human => {
            out.findings(&file, &conv.diagnostics);
            out.say(summary_line(&conv));
            Ok(())
        }
        CheckFormat::Json => {
            let items: Vec<Finding> = conv
                .diagnostics
                .iter()
                .map(|d| Finding::new(&file, d))
                .collect();
            let s = summary::summarize(&conv.schema, &conv.stats, &conv.diagnostics);
            let doc = serde_json::json!({ "version": 1, "summary": s, "diagnostics": items });
            out.stdout(&json_text(&doc))
        }
        CheckFormat::Sarif => {
            let doc = crate::report::sarif::render(&file, &conv.diagnostics);
            out.stdout(&json_text(&doc))
        }
    };
    match written {
        Ok(()) => exit_code(&conv.diagnostics, deny_warnings),
        Err(code) => code,
    }
}

pub fn report(
    out: &Output,
    args: &ConvertArgs,
    output: Option<PathBuf>,
    format: Option<ReportFormat>,
    graph: Option<GraphFormat>,
) -> ExitCode {
    let (file, conv) = match run_pipeline(out, args) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let r = crate::report::build(&file, &conv);
    let format = format
        .or_else(|| output.as_deref().and_then(ReportFormat::from_path))
        .unwrap_or(ReportFormat::Html);
    let text = match (graph, format) {
        (Some(GraphFormat::Dot), _) => crate::report::dot::render(&r),
        (None, ReportFormat::Html) => crate::report::html::render(&r),
        (None, ReportFormat::Md) => crate::report::markdown::render(&r),
        (None, ReportFormat::Json) => json_text(&r),
        (None, ReportFormat::Sarif) => {
            json_text(&crate::report::sarif::render(&file, &conv.diagnostics))
        }
    };
    if let Err(code) = out.result(output.as_deref(), &text) {
        return code;
    }
    if output.is_some() && !out.quiet {
        out.say(summary_line(&conv));
    }
    ExitCode::SUCCESS
}

pub fn explain(out: &Output, code: &str) -> ExitCode {
    use crate::diag::codes;
    if let Some(c) = codes::find(code) {
        let text = format!(
            "{} {} ({})\n\n{}\n\n{}\n\nferry: {}.\nEffort: {}, {}.\n",
            c.id,
            c.name,
            c.severity.as_str(),
            c.summary,
            c.explanation,
            c.ferry_did,
            c.effort.as_str(),
            c.effort.description()
        );
        return out.stdout(&text).err().unwrap_or(ExitCode::SUCCESS);
    }
    match codes::find_retired(code) {
        Some((id, name, what)) => {
            let text = format!("{id} {name} (retired)\n\n{what}\n");
            out.stdout(&text).err().unwrap_or(ExitCode::SUCCESS)
        }
        None => out.error(format_args!(
            "unknown diagnostic code `{code}`; codes look like F2001 or type-lossy"
        )),
    }
}

pub fn mappings_show(
    out: &Output,
    from: Dialect,
    to: Dialect,
    mappings: Option<PathBuf>,
) -> ExitCode {
    let user = match read_user_mappings(out, mappings.as_ref()) {
        Ok(u) => u,
        Err(code) => return code,
    };
    let (rules, diags) = crate::mapping::Rules::load(
        from,
        to,
        user.as_ref().map(|(n, t)| (n.as_str(), t.as_str())),
    );
    if !diags.is_empty() {
        out.findings(&SourceFile::new("mappings", ""), &diags);
        if diags.iter().any(|d| d.severity() == Severity::Error) {
            return ExitCode::from(2);
        }
    }
    out.stdout(&crate::mapping::show(&rules))
        .err()
        .unwrap_or(ExitCode::SUCCESS)
}
