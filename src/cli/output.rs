//! Everything the command line prints goes through `Output`: the flags every command takes
//! (`-q`, `-v`, `--color`), colour only where it belongs, and writes that survive a closed
//! pipe. Results go to standard output (or the `-o` file); findings, progress and errors go to
//! standard error.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use codespan_reporting::term::termcolor::{self, ColorChoice};

use crate::diag::{self, Diagnostic, Severity};
use crate::source::SourceFile;

/// When to colour what goes to standard error.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, clap::ValueEnum)]
pub enum ColorWhen {
    /// On a terminal, unless the NO_COLOR variable is set (https://no-color.org).
    #[default]
    Auto,
    Always,
    Never,
}

/// The output flags, the same on every command.
#[derive(clap::Args, Clone, Copy, Debug)]
pub struct OutputArgs {
    /// Print only errors and manual-action findings; no progress lines.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Print every finding, not the first few of each kind and a count of the rest.
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// Colour the findings: auto (only on a terminal, and not when NO_COLOR is set), always, never.
    #[arg(long, value_enum, global = true, default_value = "auto")]
    pub color: ColorWhen,
}

pub struct Output {
    pub quiet: bool,
    pub verbose: bool,
    color: bool,
}

impl Output {
    pub fn new(args: OutputArgs) -> Output {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let color = match args.color {
            ColorWhen::Always => true,
            ColorWhen::Never => false,
            ColorWhen::Auto => !no_color && std::io::stderr().is_terminal(),
        };
        Output {
            quiet: args.quiet,
            verbose: args.verbose,
            color,
        }
    }

    /// Writes a command's result to standard output. A reader that closed the pipe early
    /// (`| head`) ends the output quietly; any other failure (a full disk) is an error.
    pub fn stdout(&self, text: &str) -> Result<(), ExitCode> {
        let mut out = std::io::stdout().lock();
        match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            Err(e) => Err(self.error(format_args!("cannot write to standard output: {e}"))),
        }
    }

    /// Writes a command's result to `path`, or to standard output when there is none.
    pub fn result(&self, path: Option<&std::path::Path>, text: &str) -> Result<(), ExitCode> {
        match path {
            Some(path) => std::fs::write(path, text)
                .map_err(|e| self.error(format_args!("cannot write {}: {e}", path.display()))),
            None => self.stdout(text),
        }
    }

    /// A line on standard error that is part of the command's answer (a summary): printed
    /// even with `-q`. A closed standard error is ignored.
    pub fn say(&self, line: impl std::fmt::Display) {
        let _ = writeln!(std::io::stderr().lock(), "{line}");
    }

    /// Text on standard error as it is (a table that ends in its own newline).
    pub fn say_text(&self, text: &str) {
        let _ = std::io::stderr().lock().write_all(text.as_bytes());
    }

    /// A usage or I/O error: printed, and exit code 2.
    pub fn error(&self, msg: impl std::fmt::Display) -> ExitCode {
        self.say(format_args!("error: {msg}"));
        ExitCode::from(2)
    }

    /// The findings a command shows on standard error: with `-q` only manual actions and
    /// errors; with `-v` every one, else the first few of each group of alike findings.
    pub fn findings(&self, file: &SourceFile, diags: &[Diagnostic]) {
        let shown: Vec<Diagnostic>;
        let diags = if self.quiet {
            shown = diags
                .iter()
                .filter(|d| d.severity() >= Severity::Manual)
                .cloned()
                .collect();
            &shown[..]
        } else {
            diags
        };
        let choice = if self.color {
            ColorChoice::Always
        } else {
            ColorChoice::Never
        };
        let mut err = termcolor::BufferedStandardStream::stderr(choice);
        diag::render::to_writer(&mut err, file, diags, self.verbose);
        let _ = err.flush();
    }
}
