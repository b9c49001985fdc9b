//! The `ferry` binary: all behaviour lives in the library; this maps it to an exit code.

fn main() -> std::process::ExitCode {
    ferry::cli::run()
}
