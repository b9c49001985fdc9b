//! The data commands: `plan`, `load`, `migrate`, `validate`. They talk to servers and files
//! through `load` and `validate`, and print their summaries through `Output`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::output::Output;
use super::{
    MoveArgs, ValidateFormat, exit_code, holds_nothing, json_text, read_user_mappings, summary_line,
};
use crate::ConvertOptions;
use crate::diag::Severity;

/// Converts the source's schema and builds the plan; prints the findings.
fn build_plan(
    out: &Output,
    args: &MoveArgs,
) -> Result<(crate::plan::Plan, crate::Conversion), ExitCode> {
    if super::input::is_stdin(Path::new(&args.source)) {
        return Err(out.error(
            "a plan's source cannot be standard input (`-`): the load reads the dump again, \
             and --resume reads it after a crash; save the dump to a file and name the file",
        ));
    }
    let is_dump = !args.source.contains(':') || Path::new(&args.source).is_file();
    let dialect = if is_dump {
        super::input::dump_dialect(&args.source, args.from)
    } else {
        args.from
    };
    let mut source = crate::conn::parse(&args.source, dialect).map_err(|e| out.error(e))?;
    let target = crate::conn::parse(&args.target, None).map_err(|e| out.error(e))?;
    // The schema is read now; the plan keeps no password (load resolves it again).
    source
        .resolve_password(args.password_env.as_deref())
        .map_err(|e| out.error(e))?;
    if matches!(target, crate::conn::Endpoint::Dump { .. }) {
        return Err(
            out.error("the target must be a database: sqlite:FILE, postgres://..., mysql://...")
        );
    }
    let cfg = match &args.config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| out.error(format_args!("cannot read {}: {e}", path.display())))?;
            Some(
                crate::config::parse(&path.display().to_string(), &text)
                    .map_err(|e| out.error(e))?,
            )
        }
        None => None,
    };
    let set = cfg.as_ref().map(|c| c.settings.clone()).unwrap_or_default();
    if cfg.as_ref().is_some_and(|c| !c.filter.is_empty())
        && matches!(source, crate::conn::Endpoint::Dump { .. })
    {
        return Err(out.error(
            "row filters ([filter] in the configuration) need a database source, not a dump file",
        ));
    }
    let settings = crate::plan::Settings::layered(&args.settings, &set);
    let file =
        crate::load::source_schema(&source, settings.timeouts()).map_err(|e| out.error(e))?;
    let user_mappings = read_user_mappings(out, args.mappings.as_ref())?;
    let opts = ConvertOptions {
        from: source.dialect(),
        to: target.dialect(),
        identifiers: args
            .settings
            .identifiers
            .or(set.identifiers)
            .unwrap_or_default(),
        emulate_on_update: false,
        user_mappings,
        config: cfg.clone(),
        oracle_compat: None,
    };
    let conv = crate::convert(&file, &opts);
    if holds_nothing(&conv) {
        return Err(out.error(format_args!(
            "{}: the source holds no schema statement (an empty file or database)",
            file.name
        )));
    }
    out.findings(&file, &conv.diagnostics);
    out.say(summary_line(&conv));
    if conv.diagnostics.iter().any(|d| d.code.id == "F3002") {
        return Err(out.error("the configuration does not match the source (see above)"));
    }
    if conv
        .diagnostics
        .iter()
        .any(|d| d.severity() == Severity::Error)
        && conv.output.tables.is_empty()
    {
        return Err(out.error("the source schema could not be read; nothing to load"));
    }
    let fingerprint =
        crate::load::schema_fingerprint(&source, &file.text).map_err(|e| out.error(e))?;
    let mut plan = crate::plan::build(&conv, source, target, settings);
    plan.source_fingerprint = Some(format!("{fingerprint:016x}"));
    if let Some(cfg) = &cfg {
        crate::plan::use_source_names(&mut plan, cfg, &conv);
    }
    // The queries, row counts and chunks, read from a database source now.
    crate::load::survey(&mut plan).map_err(|e| out.error(e))?;
    Ok((plan, conv))
}

pub fn plan(out: &Output, args: &MoveArgs, output: Option<PathBuf>) -> ExitCode {
    let (plan, _) = match build_plan(out, args) {
        Ok(p) => p,
        Err(code) => return code,
    };
    out.result(output.as_deref(), &json_text(&plan))
        .err()
        .unwrap_or(ExitCode::SUCCESS)
}

/// Runs a plan and prints the summary; the exit code says whether every row arrived.
fn run_load(
    out: &Output,
    mut plan: crate::plan::Plan,
    password_env: Option<&str>,
    opts: &crate::load::LoadOptions,
) -> ExitCode {
    for e in [&mut plan.source, &mut plan.target] {
        if let Err(m) = e.resolve_password(password_env) {
            return out.error(m);
        }
    }
    match crate::load::load(&plan, opts) {
        Ok(summary) => {
            out.say_text(&crate::load::summary_table(&summary));
            let rejected: u64 = summary.tables.iter().map(|t| t.rows_rejected).sum();
            if rejected > 0 {
                if let Some(f) = &plan.settings.reject_file {
                    out.say(format_args!("ferry: {rejected} rows rejected: see {f}"));
                }
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(e) => {
            out.error(&e);
            ExitCode::from(e.exit_code())
        }
    }
}

/// Reads a plan file.
fn read_plan(out: &Output, path: &Path) -> Result<crate::plan::Plan, ExitCode> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| out.error(format_args!("cannot read {}: {e}", path.display())))?;
    crate::plan::parse(&text).map_err(|e| out.error(format_args!("{}: {e}", path.display())))
}

pub fn load(
    out: &Output,
    path: &Path,
    password_env: Option<&str>,
    opts: crate::load::LoadOptions,
) -> ExitCode {
    match read_plan(out, path) {
        Ok(plan) => run_load(out, plan, password_env, &opts),
        Err(code) => code,
    }
}

pub fn migrate(
    out: &Output,
    args: &MoveArgs,
    opts: crate::load::LoadOptions,
    no_validate: bool,
) -> ExitCode {
    let (plan, conv) = match build_plan(out, args) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let code = run_load(out, plan.clone(), args.password_env.as_deref(), &opts);
    if code != ExitCode::SUCCESS {
        return code;
    }
    if !no_validate {
        // Part of migrate's account on standard error, after the load's summary.
        let v = run_validate(
            out,
            plan,
            ValidateFormat::Human,
            10,
            args.password_env.as_deref(),
            Shown::OnStderr,
        );
        if v != ExitCode::SUCCESS {
            return v;
        }
    }
    exit_code(&conv.diagnostics, false)
}

/// `migrate --sync`: plan, then `ferry sync` with that plan (the full load and the changes).
pub fn migrate_and_sync(out: &Output, args: &MoveArgs) -> ExitCode {
    let (mut plan, _) = match build_plan(out, args) {
        Ok(p) => p,
        Err(code) => return code,
    };
    for e in [&mut plan.source, &mut plan.target] {
        if let Err(m) = e.resolve_password(args.password_env.as_deref()) {
            return out.error(m);
        }
    }
    super::sync::run(
        out,
        &plan,
        crate::sync::Start::Load,
        false,
        None,
        crate::sync::source::postgres::PgRead::default(),
    )
}

pub fn validate(
    out: &Output,
    path: &Path,
    format: ValidateFormat,
    max_keys: usize,
    password_env: Option<&str>,
) -> ExitCode {
    match read_plan(out, path) {
        Ok(plan) => run_validate(out, plan, format, max_keys, password_env, Shown::OnStdout),
        Err(code) => code,
    }
}

/// Where validation's result goes: standard output when it is the command's answer
/// (`ferry validate`, in either format), standard error when it is part of `migrate`'s account.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shown {
    OnStdout,
    OnStderr,
}

/// Validates a plan's tables and prints the result; 0 equal, 1 differences, 2 error.
fn run_validate(
    out: &Output,
    mut plan: crate::plan::Plan,
    format: ValidateFormat,
    max_keys: usize,
    password_env: Option<&str>,
    shown: Shown,
) -> ExitCode {
    for e in [&mut plan.source, &mut plan.target] {
        if let Err(m) = e.resolve_password(password_env) {
            return out.error(m);
        }
    }
    let results = match crate::validate::validate(&plan, max_keys) {
        Ok(r) => r,
        Err(e) => {
            out.error(format_args!("validation could not run: {e}"));
            return ExitCode::from(e.exit_code());
        }
    };
    let text = match format {
        ValidateFormat::Human => crate::validate::human(&results),
        ValidateFormat::Json => json_text(&serde_json::json!({
            "validate_version": 1, "tables": results,
        })),
    };
    let written = match shown {
        Shown::OnStdout => out.stdout(&text),
        Shown::OnStderr => {
            out.say_text(&text);
            Ok(())
        }
    };
    match written {
        Err(code) => code,
        Ok(()) if results.iter().all(|r| r.equal) => ExitCode::SUCCESS,
        Ok(()) => ExitCode::from(1),
    }
}
