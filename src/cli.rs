//! The command line: clap structs and the only place that prints. Exit codes: 0 everything
//! converted, 1 something needs manual action (or has warnings, with --deny warnings), 2 usage or
//! I/O errors.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::diag::{self, Diagnostic, Severity};
use crate::dialect::Dialect;
use crate::emit::{IdentCase, Section};
use crate::plan::{OnError, Preparation};
use crate::source::SourceFile;
use crate::{ConvertOptions, convert, infer_dialect, summary};

#[derive(Parser)]
#[command(
    name = "ferry",
    version,
    about = "Convert a database schema from one engine to another"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Deny {
    Warnings,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Emulate {
    OnUpdate,
}

#[derive(clap::Args)]
struct ConvertArgs {
    /// The source DDL script or dump.
    file: PathBuf,
    /// Source dialect; inferred from a dump's header when omitted.
    #[arg(long, value_enum)]
    from: Option<Dialect>,
    /// Target dialect.
    #[arg(long, value_enum)]
    to: Dialect,
    /// Keep identifiers as the source stores them, or lower-case them.
    #[arg(long, value_enum, default_value = "keep")]
    identifiers: IdentCase,
    /// Emulate source features with target code (on-update: a trigger for ON UPDATE CURRENT_TIMESTAMP).
    #[arg(long, value_enum)]
    emulate: Vec<Emulate>,
    /// Count warnings as findings for the exit code.
    #[arg(long, value_enum)]
    deny: Vec<Deny>,
    /// Extra type-mapping rules (see mappings/README.md), with the highest precedence.
    #[arg(long, value_name = "FILE")]
    mappings: Option<PathBuf>,
    /// The Oracle release to write for: up to 12 (12.1) names keep to 30 bytes, 18 and later take
    /// 128; before 12 identity columns are a sequence and a BEFORE INSERT trigger.
    #[arg(long, value_name = "RELEASE")]
    oracle_compat: Option<u32>,
}

/// Crash safety: the load keeps its state in the target (table `ferry_load_state`).
#[derive(clap::Args, Clone, Debug)]
struct StateArgs {
    /// Finish the load the target's state describes, redoing only what it had not committed.
    #[arg(long)]
    resume: bool,
    /// Leave the state table in the target after success.
    #[arg(long)]
    keep_state: bool,
    /// Share the plan with other `ferry load --worker` processes (here or on other machines):
    /// each claims chunks from the target's state table; the first one prepares the target,
    /// the last one finishes it.
    #[arg(long)]
    worker: bool,
}

impl StateArgs {
    fn options(&self, quiet: bool) -> crate::load::LoadOptions {
        crate::load::LoadOptions {
            quiet,
            resume: self.resume,
            keep_state: self.keep_state,
            worker: self.worker,
        }
    }
}

#[derive(clap::Args)]
struct MoveArgs {
    /// Where the data comes from: a dump file, sqlite:FILE, postgres://..., mysql://...
    source: String,
    /// Where it goes: sqlite:FILE, postgres://..., mysql://...
    target: String,
    /// The dialect of a dump file; inferred from its header when omitted.
    #[arg(long, value_enum)]
    from: Option<Dialect>,
    /// migration.toml: tables to move, renames, dropped columns, row filters, settings (README).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Keep identifiers as the source stores them, or lower-case them [default: keep].
    #[arg(long, value_enum)]
    identifiers: Option<IdentCase>,
    /// Extra type-mapping rules (see mappings/README.md).
    #[arg(long, value_name = "FILE")]
    mappings: Option<PathBuf>,
    /// Tables loaded at once [default: 2].
    #[arg(long)]
    jobs: Option<usize>,
    /// Rows per batch (and per target transaction) [default: 10000].
    #[arg(long)]
    batch_size: Option<usize>,
    /// What to do with target tables first [default: create].
    #[arg(long, value_enum)]
    prepare: Option<Preparation>,
    /// What a bad row does: stop the load, or go to the reject file [default: abort].
    #[arg(long, value_enum)]
    on_error: Option<OnError>,
    /// Where rejected rows go (JSON lines); default ferry-rejects.jsonl with --on-error reject-rows.
    #[arg(long, value_name = "FILE")]
    reject_file: Option<String>,
    /// Tables larger than this with one integer key are read in chunks in parallel [default: 500000].
    #[arg(long)]
    chunk_rows: Option<u64>,
    /// Rows that break a foreign key: stop, delete them, or keep them [default: abort].
    #[arg(long, value_enum)]
    orphans: Option<crate::plan::OrphanPolicy>,
    /// Seconds a server may leave a request unanswered before ferry checks it with a new
    /// connection; one that answers neither stops the load (resumable). 0 waits for ever [default: 30].
    #[arg(long, value_name = "SECONDS")]
    io_timeout: Option<u64>,
    /// A variable holding the password of the servers (default PGPASSWORD / MYSQL_PWD).
    #[arg(long, value_name = "NAME")]
    password_env: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Convert a schema script to another dialect.
    Convert {
        #[command(flatten)]
        args: ConvertArgs,
        /// Write the DDL here instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Which part of the DDL to write.
        #[arg(long, value_enum, default_value = "all")]
        section: Section,
        /// Print only errors and manual-action items, not warnings and notes.
        #[arg(short, long)]
        quiet: bool,
    },
    /// Check that a schema converts cleanly (for CI): prints findings, writes no DDL.
    Check {
        #[command(flatten)]
        args: ConvertArgs,
        #[arg(long, value_enum, default_value = "human")]
        format: CheckFormat,
    },
    /// Write a migration assessment: every object, its status, action items with their source
    /// lines, effort, type mappings and dependency order. Exits 0 once the report is written.
    Report {
        #[command(flatten)]
        args: ConvertArgs,
        /// Write the report here instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Report format; default: from the output file's extension, else html.
        #[arg(long, value_enum)]
        format: Option<ReportFormat>,
        /// Write the dependency graph in this format instead of the report.
        #[arg(long, value_enum)]
        graph: Option<GraphFormat>,
    },
    /// Convert the schema and write the data mover's plan (JSON) without moving anything.
    Plan {
        #[command(flatten)]
        args: MoveArgs,
        /// Write the plan here instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Execute a plan: create the target schema, move the data, add indexes and constraints.
    Load {
        /// The plan written by `ferry plan`.
        plan: PathBuf,
        /// A variable holding the password of the servers (default PGPASSWORD / MYSQL_PWD).
        #[arg(long, value_name = "NAME")]
        password_env: Option<String>,
        /// No progress lines.
        #[arg(short, long)]
        quiet: bool,
        #[command(flatten)]
        state: StateArgs,
    },
    /// Plan, load and validate in one step.
    Migrate {
        #[command(flatten)]
        args: MoveArgs,
        /// No progress lines and only manual-action findings.
        #[arg(short, long)]
        quiet: bool,
        #[command(flatten)]
        state: StateArgs,
        /// Skip the validation after the load.
        #[arg(long)]
        no_validate: bool,
    },
    /// Compare source and target of a plan: row counts, checksums, and the keys of rows that
    /// differ. Exit 0 equal, 1 differences, 2 error.
    Validate {
        /// The plan written by `ferry plan`.
        plan: PathBuf,
        #[arg(long, value_enum, default_value = "human")]
        format: ValidateFormat,
        /// How many differing keys to name per table.
        #[arg(long, default_value_t = 10)]
        max_keys: usize,
        /// A variable holding the password of the servers (default PGPASSWORD / MYSQL_PWD).
        #[arg(long, value_name = "NAME")]
        password_env: Option<String>,
    },
    /// Inspect the type-mapping rules.
    Mappings {
        #[command(subcommand)]
        command: MappingsCommand,
    },
    /// Print the long explanation of a diagnostic code.
    Explain { code: String },
}

#[derive(Subcommand)]
enum MappingsCommand {
    /// Print the effective mapping table from one dialect to another, with each rule's origin.
    Show {
        #[arg(value_enum)]
        from: Dialect,
        #[arg(value_enum)]
        to: Dialect,
        /// A user rule file to include, as `convert --mappings` would.
        #[arg(long, value_name = "FILE")]
        mappings: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum CheckFormat {
    Human,
    Json,
    Sarif,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ReportFormat {
    Html,
    Md,
    Json,
    Sarif,
}

impl ReportFormat {
    fn from_path(path: &std::path::Path) -> Option<ReportFormat> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "html" | "htm" => Some(ReportFormat::Html),
            "md" | "markdown" => Some(ReportFormat::Md),
            "json" => Some(ReportFormat::Json),
            "sarif" => Some(ReportFormat::Sarif),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ValidateFormat {
    Human,
    Json,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum GraphFormat {
    Dot,
}

pub fn run() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Convert {
            args,
            output,
            section,
            quiet,
        } => cmd_convert(&args, output, section, quiet),
        Command::Check { args, format } => cmd_check(&args, format),
        Command::Report {
            args,
            output,
            format,
            graph,
        } => cmd_report(&args, output, format, graph),
        Command::Plan { args, output } => cmd_plan(&args, output),
        Command::Load {
            plan,
            password_env,
            quiet,
            state,
        } => cmd_load(&plan, password_env.as_deref(), state.options(quiet)),
        Command::Migrate {
            args,
            quiet,
            no_validate,
            state,
        } => cmd_migrate(&args, state.options(quiet), no_validate),
        Command::Validate {
            plan,
            format,
            max_keys,
            password_env,
        } => cmd_validate(&plan, format, max_keys, password_env.as_deref()),
        Command::Mappings {
            command: MappingsCommand::Show { from, to, mappings },
        } => cmd_mappings_show(from, to, mappings),
        Command::Explain { code } => cmd_explain(&code),
    }
}

fn usage_error(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {msg}");
    ExitCode::from(2)
}

/// Reads the input and runs the pipeline; Err is a usage or I/O error already reported.
fn run_pipeline(args: &ConvertArgs) -> Result<(SourceFile, crate::Conversion), ExitCode> {
    let bytes = std::fs::read(&args.file)
        .map_err(|e| usage_error(format_args!("cannot read {}: {e}", args.file.display())))?;
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let line = bytes[..at].iter().filter(|b| **b == b'\n').count() + 1;
            return Err(usage_error(format_args!(
                "{}:{line}: the file is not valid UTF-8 (byte offset {at}); convert it to UTF-8 first",
                args.file.display()
            )));
        }
    };
    let file = SourceFile::new(args.file.display().to_string(), text);
    let from = match args.from.or_else(|| infer_dialect(&file.text)) {
        Some(d) => d,
        None => {
            return Err(usage_error(format_args!(
                "cannot tell the dialect of {}; pass --from mysql|postgres|sqlite|sqlserver|oracle",
                args.file.display()
            )));
        }
    };
    let user_mappings = read_user_mappings(args.mappings.as_ref())?;
    let oracle_compat = match (args.oracle_compat, args.to) {
        (None, _) => None,
        (Some(release), Dialect::Oracle) => Some(release),
        (Some(_), to) => {
            return Err(usage_error(format_args!(
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
    let conv = convert(&file, &opts);
    if holds_nothing(&conv) {
        return Err(usage_error(format_args!(
            "{}: the file holds no SQL statement (it is empty or only comments)",
            args.file.display()
        )));
    }
    Ok((file, conv))
}

/// Nothing to convert and nothing to report: an empty file, or one of comments and session
/// settings only. (A file whose only statement is unreadable has its diagnostic instead.)
fn holds_nothing(conv: &crate::Conversion) -> bool {
    let s = &conv.schema;
    s.tables.is_empty()
        && s.views.is_empty()
        && s.sequences.is_empty()
        && s.enums.is_empty()
        && s.routines.is_empty()
        && s.indexes.is_empty()
        && s.domains.is_empty()
        && !conv
            .diagnostics
            .iter()
            .any(|d| d.severity() >= Severity::Warning)
}

fn read_user_mappings(path: Option<&PathBuf>) -> Result<Option<(String, String)>, ExitCode> {
    let Some(path) = path else { return Ok(None) };
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some((path.display().to_string(), text))),
        Err(e) => Err(usage_error(format_args!(
            "cannot read mapping file {}: {e}",
            path.display()
        ))),
    }
}

fn cmd_mappings_show(from: Dialect, to: Dialect, mappings: Option<PathBuf>) -> ExitCode {
    let user = match read_user_mappings(mappings.as_ref()) {
        Ok(u) => u,
        Err(code) => return code,
    };
    let (rules, diags) = crate::mapping::Rules::load(
        from,
        to,
        user.as_ref().map(|(n, t)| (n.as_str(), t.as_str())),
    );
    if !diags.is_empty() {
        let file = SourceFile::new("mappings", "");
        diag::render::to_stderr(&file, &diags);
        if diags.iter().any(|d| d.severity() == Severity::Error) {
            return ExitCode::from(2);
        }
    }
    print!("{}", crate::mapping::show(&rules));
    ExitCode::SUCCESS
}

fn exit_code(diags: &[Diagnostic], deny_warnings: bool) -> ExitCode {
    let worst = diags
        .iter()
        .map(Diagnostic::severity)
        .max()
        .unwrap_or(Severity::Note);
    if worst >= Severity::Manual || (deny_warnings && worst >= Severity::Warning) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn summary_line(conv: &crate::Conversion) -> String {
    let s = summary::summarize(&conv.schema, &conv.stats, &conv.diagnostics);
    let kinds: Vec<String> = s
        .objects
        .iter()
        .map(|(k, c)| {
            format!(
                "{k}s: {} read, {} converted, {} with warnings, {} manual",
                c.read, c.converted, c.with_warnings, c.manual
            )
        })
        .collect();
    format!("ferry: {} statements; {}", s.statements, kinds.join("; "))
}

fn cmd_convert(
    args: &ConvertArgs,
    output: Option<PathBuf>,
    section: Section,
    quiet: bool,
) -> ExitCode {
    let (file, conv) = match run_pipeline(args) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let shown: Vec<Diagnostic> = conv
        .diagnostics
        .iter()
        .filter(|d| !quiet || d.severity() >= Severity::Manual)
        .cloned()
        .collect();
    diag::render::to_stderr(&file, &shown);
    let ddl = conv.output.render(section);
    match output {
        Some(path) => {
            if let Err(e) = std::fs::write(&path, ddl) {
                return usage_error(format_args!("cannot write {}: {e}", path.display()));
            }
        }
        None => print!("{ddl}"),
    }
    eprintln!("{}", summary_line(&conv));
    let code = exit_code(&conv.diagnostics, args.deny.contains(&Deny::Warnings));
    // The process ends here: freeing a large schema's IR (about 6 % of the run on a
    // 2,000-table script, BENCHMARKS.md) would only delay the exit.
    std::mem::forget(conv);
    code
}

fn cmd_check(args: &ConvertArgs, format: CheckFormat) -> ExitCode {
    let (file, conv) = match run_pipeline(args) {
        Ok(x) => x,
        Err(code) => return code,
    };
    match format {
        CheckFormat::Human => {
            diag::render::to_stderr(&file, &conv.diagnostics);
            eprintln!("{}", summary_line(&conv));
        }
        CheckFormat::Json => {
            let items: Vec<serde_json::Value> = conv
                .diagnostics
                .iter()
                .map(|d| {
                    let (line, column) = d.span.map_or((0, 0), |s| file.line_col(s.start));
                    serde_json::json!({
                        "code": d.code.id, "name": d.code.name, "severity": d.severity().as_str(),
                        "message": d.message, "file": file.name, "line": line, "column": column,
                        "object": d.object, "help": d.help,
                    })
                })
                .collect();
            let s = summary::summarize(&conv.schema, &conv.stats, &conv.diagnostics);
            let doc = serde_json::json!({ "version": 1, "summary": s, "diagnostics": items });
            println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        }
        CheckFormat::Sarif => {
            let doc = crate::report::sarif::render(&file, &conv.diagnostics);
            println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        }
    }
    exit_code(&conv.diagnostics, args.deny.contains(&Deny::Warnings))
}

fn cmd_report(
    args: &ConvertArgs,
    output: Option<PathBuf>,
    format: Option<ReportFormat>,
    graph: Option<GraphFormat>,
) -> ExitCode {
    let (file, conv) = match run_pipeline(args) {
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
    match output {
        Some(path) => {
            if let Err(e) = std::fs::write(&path, text) {
                return usage_error(format_args!("cannot write {}: {e}", path.display()));
            }
            eprintln!("{}", summary_line(&conv));
        }
        None => print!("{text}"),
    }
    ExitCode::SUCCESS
}

fn json_text<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_string_pretty(value) {
        Ok(s) => s + "\n",
        Err(e) => format!("{{\"error\": \"cannot serialise the report: {e}\"}}\n"),
    }
}

fn cmd_explain(code: &str) -> ExitCode {
    match diag::codes::find(code) {
        Some(c) => {
            println!(
                "{} {} ({})\n\n{}\n\n{}",
                c.id,
                c.name,
                c.severity.as_str(),
                c.summary,
                c.explanation
            );
            ExitCode::SUCCESS
        }
        None => usage_error(format_args!(
            "unknown diagnostic code `{code}`; codes look like F2001 or type-lossy"
        )),
    }
}

/// The dialect of a dump named on the command line: --from, else its header.
fn dump_dialect(path: &str, from: Option<Dialect>) -> Option<Dialect> {
    from.or_else(|| {
        let mut head = vec![0u8; 4096];
        let n = std::fs::File::open(path)
            .and_then(|mut f| std::io::Read::read(&mut f, &mut head))
            .ok()?;
        infer_dialect(&String::from_utf8_lossy(&head[..n]))
    })
}

/// Converts the source's schema and builds the plan; prints the findings.
fn build_plan(
    args: &MoveArgs,
    quiet: bool,
) -> Result<(crate::plan::Plan, crate::Conversion), ExitCode> {
    let is_dump = !args.source.contains(':') || std::path::Path::new(&args.source).is_file();
    let dialect = if is_dump {
        dump_dialect(&args.source, args.from)
    } else {
        args.from
    };
    let mut source = crate::conn::parse(&args.source, dialect).map_err(usage_error)?;
    let target = crate::conn::parse(&args.target, None).map_err(usage_error)?;
    // The schema is read now; the plan keeps no password (load resolves it again).
    source
        .resolve_password(args.password_env.as_deref())
        .map_err(usage_error)?;
    if matches!(target, crate::conn::Endpoint::Dump { .. }) {
        return Err(usage_error(
            "the target must be a database: sqlite:FILE, postgres://..., mysql://...",
        ));
    }
    let cfg = match &args.config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| usage_error(format_args!("cannot read {}: {e}", path.display())))?;
            Some(crate::config::parse(&path.display().to_string(), &text).map_err(usage_error)?)
        }
        None => None,
    };
    let set = cfg.as_ref().map(|c| c.settings.clone()).unwrap_or_default();
    if cfg.as_ref().is_some_and(|c| !c.filter.is_empty())
        && matches!(source, crate::conn::Endpoint::Dump { .. })
    {
        return Err(usage_error(
            "row filters ([filter] in the configuration) need a database source, not a dump file",
        ));
    }
    let timeouts = crate::load::Timeouts::new(
        args.io_timeout
            .or(set.io_timeout)
            .unwrap_or(crate::load::timeout::DEFAULT_IO_TIMEOUT),
    );
    let file = crate::load::source_schema(&source, timeouts).map_err(usage_error)?;
    let user_mappings = read_user_mappings(args.mappings.as_ref())?;
    let opts = ConvertOptions {
        from: source.dialect(),
        to: target.dialect(),
        identifiers: args.identifiers.or(set.identifiers).unwrap_or_default(),
        emulate_on_update: false,
        user_mappings,
        config: cfg.clone(),
        oracle_compat: None,
    };
    let conv = convert(&file, &opts);
    if holds_nothing(&conv) {
        return Err(usage_error(format_args!(
            "{}: the source holds no schema statement (an empty file or database)",
            file.name
        )));
    }
    let shown: Vec<Diagnostic> = conv
        .diagnostics
        .iter()
        .filter(|d| !quiet || d.severity() >= Severity::Manual)
        .cloned()
        .collect();
    diag::render::to_stderr(&file, &shown);
    eprintln!("{}", summary_line(&conv));
    if conv.diagnostics.iter().any(|d| d.code.id == "F3002") {
        return Err(usage_error(
            "the configuration does not match the source (see above)",
        ));
    }
    if conv
        .diagnostics
        .iter()
        .any(|d| d.severity() == Severity::Error)
        && conv.output.tables.is_empty()
    {
        return Err(usage_error(
            "the source schema could not be read; nothing to load",
        ));
    }
    let on_error = args.on_error.or(set.on_error).unwrap_or(OnError::Abort);
    let reject_file = match (on_error, args.reject_file.clone().or(set.reject_file)) {
        (_, Some(f)) => Some(f),
        (OnError::RejectRows, None) => Some("ferry-rejects.jsonl".to_string()),
        (OnError::Abort, None) => None,
    };
    let settings = crate::plan::Settings {
        jobs: args.jobs.or(set.jobs).unwrap_or(2).max(1),
        batch_size: args.batch_size.or(set.batch_size).unwrap_or(10_000).max(1),
        prepare: args.prepare.or(set.prepare).unwrap_or(Preparation::Create),
        on_error,
        reject_file,
        orphans: args
            .orphans
            .or(set.orphans)
            .unwrap_or(crate::plan::OrphanPolicy::Abort),
        chunk_rows: args.chunk_rows.or(set.chunk_rows).unwrap_or(500_000).max(1),
        io_timeout: args
            .io_timeout
            .or(set.io_timeout)
            .unwrap_or(crate::load::timeout::DEFAULT_IO_TIMEOUT),
    };
    let fingerprint = crate::load::schema_fingerprint(&source, &file.text).map_err(usage_error)?;
    let mut plan = crate::plan::build(&conv, source, target, settings);
    plan.source_fingerprint = Some(format!("{fingerprint:016x}"));
    if let Some(cfg) = &cfg {
        // The plan reads the source by its own names; the DDL already uses the new ones.
        for t in &mut plan.tables {
            t.source = cfg.source_name(&t.source);
            for c in &mut t.columns {
                c.source = cfg.source_column(&t.source, &c.source);
            }
            for c in t.source_columns.iter_mut().chain(t.key.iter_mut()) {
                *c = cfg.source_column(&t.source, c);
            }
            t.filter = cfg.filter_for(&t.source);
        }
    }
    // The queries, row counts and chunks, read from a database source now.
    crate::load::survey(&mut plan).map_err(usage_error)?;
    Ok((plan, conv))
}

fn cmd_plan(args: &MoveArgs, output: Option<PathBuf>) -> ExitCode {
    let (plan, _) = match build_plan(args, false) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let text = json_text(&plan);
    match output {
        Some(path) => {
            if let Err(e) = std::fs::write(&path, text) {
                return usage_error(format_args!("cannot write {}: {e}", path.display()));
            }
        }
        None => print!("{text}"),
    }
    ExitCode::SUCCESS
}

/// Runs a plan and prints the summary; the exit code says whether every row arrived.
fn run_load(
    mut plan: crate::plan::Plan,
    password_env: Option<&str>,
    opts: &crate::load::LoadOptions,
) -> ExitCode {
    for e in [&mut plan.source, &mut plan.target] {
        if let Err(m) = e.resolve_password(password_env) {
            return usage_error(m);
        }
    }
    match crate::load::load(&plan, opts) {
        Ok(summary) => {
            eprint!("{}", crate::load::summary_table(&summary));
            let rejected: u64 = summary.tables.iter().map(|t| t.rows_rejected).sum();
            if rejected > 0 {
                if let Some(f) = &plan.settings.reject_file {
                    eprintln!("ferry: {rejected} rows rejected: see {f}");
                }
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

fn cmd_load(
    path: &std::path::Path,
    password_env: Option<&str>,
    opts: crate::load::LoadOptions,
) -> ExitCode {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => return usage_error(format_args!("cannot read {}: {e}", path.display())),
    };
    match crate::plan::parse(&text) {
        Ok(plan) => run_load(plan, password_env, &opts),
        Err(e) => usage_error(format_args!("{}: {e}", path.display())),
    }
}

fn cmd_migrate(args: &MoveArgs, opts: crate::load::LoadOptions, no_validate: bool) -> ExitCode {
    let (plan, conv) = match build_plan(args, opts.quiet) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let code = run_load(plan.clone(), args.password_env.as_deref(), &opts);
    if code != ExitCode::SUCCESS {
        return code;
    }
    if !no_validate {
        let v = run_validate(
            plan,
            ValidateFormat::Human,
            10,
            args.password_env.as_deref(),
        );
        if v != ExitCode::SUCCESS {
            return v;
        }
    }
    exit_code(&conv.diagnostics, false)
}

fn cmd_validate(
    path: &std::path::Path,
    format: ValidateFormat,
    max_keys: usize,
    password_env: Option<&str>,
) -> ExitCode {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => return usage_error(format_args!("cannot read {}: {e}", path.display())),
    };
    match crate::plan::parse(&text) {
        Ok(plan) => run_validate(plan, format, max_keys, password_env),
        Err(e) => usage_error(format_args!("{}: {e}", path.display())),
    }
}

/// Validates a plan's tables and prints the result; 0 equal, 1 differences, 2 error.
fn run_validate(
    mut plan: crate::plan::Plan,
    format: ValidateFormat,
    max_keys: usize,
    password_env: Option<&str>,
) -> ExitCode {
    for e in [&mut plan.source, &mut plan.target] {
        if let Err(m) = e.resolve_password(password_env) {
            return usage_error(m);
        }
    }
    match crate::validate::validate(&plan, max_keys) {
        Ok(results) => {
            match format {
                ValidateFormat::Human => eprint!("{}", crate::validate::human(&results)),
                ValidateFormat::Json => println!(
                    "{}",
                    json_text(&serde_json::json!({
                        "validate_version": 1, "tables": results,
                    }))
                ),
            }
            if results.iter().all(|r| r.equal) {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(e) => {
            eprintln!("error: validation could not run: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
