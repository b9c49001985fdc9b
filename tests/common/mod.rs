//! Shared test helpers: real database servers, and the names of the snapshots tests write.
#![allow(dead_code)]

pub mod convert;
pub mod db;
pub mod shape;

/// Runs the ferry binary of this build in the project directory.
pub fn ferry(args: &[&str]) -> std::process::Output {
    ferry_env(args, &[])
}

/// Runs ferry with extra environment variables (a password, as a user would pass it).
pub fn ferry_env(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_ferry"))
        .args(args)
        .envs(env.iter().copied())
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap_or_else(|e| panic!("cannot run ferry: {e}"))
}
