//! `ferry sync`: full load + change data capture (`crate::sync`), its status, and removing
//! what it keeps at the source.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use super::ValidateFormat;
use super::output::Output;
use crate::plan::Plan;
use crate::sync::change::Position;
use crate::sync::source::postgres::PgRead;
use crate::sync::{Start, SyncOptions};

/// What `ferry sync` was asked to do.
pub struct SyncArgs<'a> {
    pub plan: &'a Path,
    pub password_env: Option<&'a str>,
    pub until_caught_up: bool,
    pub start_position: Option<&'a str>,
    pub start_now: bool,
    pub status: bool,
    pub format: ValidateFormat,
    pub drop_slot: bool,
    pub metrics: Option<&'a str>,
    pub pg_read: PgRead,
}

fn read(out: &Output, args: &SyncArgs) -> Result<Plan, ExitCode> {
    let text = std::fs::read_to_string(args.plan)
        .map_err(|e| out.error(format_args!("cannot read {}: {e}", args.plan.display())))?;
    let mut plan = crate::plan::parse(&text)
        .map_err(|e| out.error(format_args!("{}: {e}", args.plan.display())))?;
    for e in [&mut plan.source, &mut plan.target] {
        e.resolve_password(args.password_env)
            .map_err(|m| out.error(m))?;
    }
    Ok(plan)
}

pub fn sync(out: &Output, args: &SyncArgs) -> ExitCode {
    let plan = match read(out, args) {
        Ok(p) => p,
        Err(code) => return code,
    };
    if args.drop_slot {
        return match crate::sync::source::remove(&plan) {
            Ok(said) => {
                out.say(format_args!("ferry sync: {said}"));
                ExitCode::SUCCESS
            }
            Err(e) => {
                out.error(&e);
                ExitCode::from(e.exit_code())
            }
        };
    }
    if args.status {
        return status(out, &plan, args.format);
    }
    let start = match (args.start_position, args.start_now) {
        (Some(p), _) => match Position::parse(p) {
            Some(p) => Start::At(p),
            None => {
                return out.error(format_args!(
                    "--start-position {p}: not a position: give a PostgreSQL LSN (16/B374D848), \
                     a MySQL binary log file:position (binlog.000003:4), or seq:N for SQLite"
                ));
            }
        },
        (None, true) => Start::Now,
        (None, false) => Start::Load,
    };
    run(
        out,
        &plan,
        start,
        args.until_caught_up,
        args.metrics,
        args.pg_read,
    )
}

/// Runs sync until SIGTERM / SIGINT (a clean stop at a source transaction boundary) or, with
/// `until_caught_up`, until what the source held at the start is applied.
pub fn run(
    out: &Output,
    plan: &Plan,
    start: Start,
    until_caught_up: bool,
    metrics_at: Option<&str>,
    pg_read: PgRead,
) -> ExitCode {
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        if let Err(e) = signal_hook::flag::register(signal, Arc::clone(&stop)) {
            return out.error(format_args!("cannot watch for signal {signal}: {e}"));
        }
    }
    let metrics = Arc::new(crate::sync::metrics::Metrics::default());
    if let Some(addr) = metrics_at
        && let Err(e) = crate::sync::metrics::serve(addr, Arc::clone(&metrics))
    {
        out.error(&e);
        return ExitCode::from(e.exit_code());
    }
    let opts = SyncOptions {
        quiet: out.quiet,
        start,
        until_caught_up,
        metrics,
        pg_read,
    };
    match crate::sync::sync(plan, &opts, &stop) {
        Ok(s) => {
            if let Some(loaded) = &s.loaded {
                out.say_text(&crate::load::summary_table(loaded));
            }
            out.say(format_args!(
                "ferry sync: {} source transactions, {} changes applied in {:.1} s; the target \
                 holds the source up to {}",
                s.transactions,
                s.changes,
                s.seconds,
                s.position.as_deref().unwrap_or("-")
            ));
            ExitCode::SUCCESS
        }
        Err(e) => {
            out.error(&e);
            ExitCode::from(e.exit_code())
        }
    }
}

fn status(out: &Output, plan: &Plan, format: ValidateFormat) -> ExitCode {
    match crate::sync::status(plan) {
        Ok(s) => {
            let text = match format {
                ValidateFormat::Json => serde_json::to_string_pretty(&s).unwrap_or_default() + "\n",
                ValidateFormat::Human => s.to_string(),
            };
            match out.stdout(&text) {
                Ok(()) => ExitCode::SUCCESS,
                Err(code) => code,
            }
        }
        Err(e) => {
            out.error(&e);
            ExitCode::from(e.exit_code())
        }
    }
}
