//! The command line: the clap structs and the dispatch here; one file per command group
//! (`schema.rs`: convert, check, report, explain, mappings; `data.rs`: plan, load, migrate,
//! validate); `output.rs` is the one writer every command prints through; `input.rs` reads
//! scripts (a file, or standard input for `-`).
//!
//! Exit codes: 0 everything converted, 1 something needs manual action (or has warnings, with
//! --deny warnings; or rows were rejected, or validation found differences), 2 usage or I/O
//! errors.

mod data;
mod input;
mod output;
mod schema;
mod sync;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::diag::{Diagnostic, Severity};
use crate::dialect::Dialect;
use crate::emit::{IdentCase, Section};
use crate::summary;
use output::{Output, OutputArgs};

#[derive(Parser)]
#[command(
    name = "ferry",
    version,
    about = "Convert a database schema from one engine to another"
)]
pub struct Cli {
    #[command(flatten)]
    output: OutputArgs,
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
    /// The source DDL script or dump; `-` reads it from standard input.
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
    /// Extra type-mapping rules (see mappings/README.md), with the highest precedence.
    #[arg(long, value_name = "FILE")]
    mappings: Option<PathBuf>,
    /// The Oracle release to write for: up to 12 (12.1) names keep to 30 bytes, 18 and later take
    /// 128; before 12 identity columns are a sequence and a BEFORE INSERT trigger.
    #[arg(long, value_name = "RELEASE", value_parser = oracle_release)]
    oracle_compat: Option<u32>,
}

/// Count warnings as findings for the exit code (convert and check; a report always exits 0
/// once it is written).
#[derive(clap::Args)]
struct DenyArgs {
    #[arg(long, value_enum)]
    deny: Vec<Deny>,
}

impl DenyArgs {
    fn warnings(&self) -> bool {
        self.deny.contains(&Deny::Warnings)
    }
}

/// The Oracle releases `--oracle-compat` knows: what ferry writes differs before 12 (identity),
/// and from 18 on (128-byte names).
const ORACLE_RELEASES: &[u32] = &[9, 10, 11, 12, 18, 19, 21, 23, 26];

fn oracle_release(text: &str) -> Result<u32, String> {
    let known = || {
        ORACLE_RELEASES
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    match text.parse::<u32>() {
        Ok(r) if ORACLE_RELEASES.contains(&r) => Ok(r),
        _ => Err(format!("not an Oracle release ferry knows: {}", known())),
    }
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
            change_mark: false,
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
    /// Extra type-mapping rules (see mappings/README.md).
    #[arg(long, value_name = "FILE")]
    mappings: Option<PathBuf>,
    #[command(flatten)]
    settings: crate::config::ConfigSettings,
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
        #[command(flatten)]
        deny: DenyArgs,
    },
    /// Check that a schema converts cleanly (for CI): prints findings, writes no DDL.
    Check {
        #[command(flatten)]
        args: ConvertArgs,
        #[arg(long, value_enum, default_value = "human")]
        format: CheckFormat,
        #[command(flatten)]
        deny: DenyArgs,
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
        #[command(flatten)]
        state: StateArgs,
    },
    /// Plan, load and validate in one step.
    Migrate {
        #[command(flatten)]
        args: MoveArgs,
        #[command(flatten)]
        state: StateArgs,
        /// Skip the validation after the load.
        #[arg(long)]
        no_validate: bool,
        /// Keep the target in step with the source after the load, as `ferry sync` does
        /// (until SIGTERM or SIGINT); no validation, the source being live.
        #[arg(long, conflicts_with = "no_validate")]
        sync: bool,
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
    /// Keep the target in step with a live source: the full load, then every change committed
    /// at the source since its snapshot, until SIGTERM or SIGINT (which stop it between two
    /// source transactions). Started again, it goes on from where the target says it stopped.
    Sync {
        /// The plan written by `ferry plan`.
        plan: PathBuf,
        /// Stop once every change the source held when sync started is applied.
        #[arg(long)]
        until_caught_up: bool,
        /// No full load (the target was loaded by other means): apply the changes from this
        /// position on (a PostgreSQL LSN, a MySQL binlog file:position, seq:N for SQLite).
        #[arg(long, value_name = "POS", conflicts_with = "start_now")]
        start_position: Option<String>,
        /// No full load: apply the changes committed from now on.
        #[arg(long)]
        start_now: bool,
        /// Print where sync stands (positions, lag, rate, last error) and exit.
        #[arg(long)]
        status: bool,
        /// The format of --status.
        #[arg(long, value_enum, default_value = "human")]
        format: ValidateFormat,
        /// How a PostgreSQL source's changes are read: `stream` (the replication protocol),
        /// or `slot-functions` (SQL calls, for connections through a pooler that cannot
        /// replicate).
        #[arg(long, value_enum, default_value = "stream")]
        pg_read: crate::sync::source::postgres::PgRead,
        /// Remove what sync keeps at the source: PostgreSQL's replication slot and
        /// publication (a forgotten slot keeps WAL on the source), SQLite's capture triggers
        /// and change table.
        #[arg(long, visible_alias = "drop-capture")]
        drop_slot: bool,
        /// Serve the sync's counters (lag, changes, transactions, errors, bytes) for
        /// Prometheus on http://ADDR/metrics, e.g. 127.0.0.1:9187.
        #[arg(long, value_name = "ADDR")]
        metrics: Option<String>,
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
        /// Print the expression rules instead: the rewrite rules in the order they are tried,
        /// and the function table, each with its vendor documentation.
        #[arg(long, conflicts_with = "mappings")]
        functions: bool,
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
    let out = Output::new(cli.output);
    match cli.command {
        Command::Convert {
            args,
            output,
            section,
            deny,
        } => schema::convert(&out, &args, output, section, deny.warnings()),
        Command::Check { args, format, deny } => {
            schema::check(&out, &args, format, deny.warnings())
        }
        Command::Report {
            args,
            output,
            format,
            graph,
        } => schema::report(&out, &args, output, format, graph),
        Command::Plan { args, output } => data::plan(&out, &args, output),
        Command::Load {
            plan,
            password_env,
            state,
        } => data::load(
            &out,
            &plan,
            password_env.as_deref(),
            state.options(out.quiet),
        ),
        Command::Migrate {
            args,
            no_validate,
            sync,
            state,
        } => {
            if sync {
                data::migrate_and_sync(&out, &args)
            } else {
                data::migrate(&out, &args, state.options(out.quiet), no_validate)
            }
        }
        Command::Validate {
            plan,
            format,
            max_keys,
            password_env,
        } => data::validate(&out, &plan, format, max_keys, password_env.as_deref()),
        Command::Sync {
            plan,
            until_caught_up,
            start_position,
            start_now,
            status,
            format,
            drop_slot,
            metrics,
            pg_read,
            password_env,
        } => sync::sync(
            &out,
            &sync::SyncArgs {
                plan: &plan,
                password_env: password_env.as_deref(),
                until_caught_up,
                start_position: start_position.as_deref(),
                start_now,
                status,
                format,
                drop_slot,
                metrics: metrics.as_deref(),
                pg_read,
            },
        ),
        Command::Mappings {
            command:
                MappingsCommand::Show {
                    from,
                    to,
                    functions: true,
                    ..
                },
        } => out
            .stdout(&crate::emit::expr::show_rules(from, to))
            .err()
            .unwrap_or(ExitCode::SUCCESS),
        Command::Mappings {
            command: MappingsCommand::Show {
                from, to, mappings, ..
            },
        } => schema::mappings_show(&out, from, to, mappings),
        Command::Explain { code } => schema::explain(&out, &code),
    }
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

/// A `--mappings` file's name and text.
fn read_user_mappings(
    out: &Output,
    path: Option<&PathBuf>,
) -> Result<Option<(String, String)>, ExitCode> {
    let Some(path) = path else { return Ok(None) };
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some((path.display().to_string(), text))),
        Err(e) => Err(out.error(format_args!(
            "cannot read mapping file {}: {e}",
            path.display()
        ))),
    }
}

/// 1 when a finding needs manual action (or is a warning, with `--deny warnings`), else 0.
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

fn json_text<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_string_pretty(value) {
        Ok(s) => s + "\n",
        Err(e) => format!("{{\"error\": \"cannot serialise the report: {e}\"}}\n"),
    }
}
