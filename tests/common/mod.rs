//! Shared test helpers: real database servers, and the names of the snapshots tests write.
#![allow(dead_code)]

pub mod convert;
pub mod db;
pub mod private_mariadb;
pub mod private_pg;
pub mod rows;
pub mod sakila;
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

/// A process's output as text, for messages and matching.
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).to_string()
}

/// An empty directory for one test's files: `<target tmp>/GROUP/NAME`, emptied first.
pub fn scratch_dir(group: &str, name: &str) -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(group)
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    dir
}

/// The password in a `scheme://user:password@host/...` URL, to hand to ferry by environment
/// as a user would (plans hold none).
pub fn password_of(url: &str) -> String {
    url.split("://")
        .nth(1)
        .and_then(|r| r.rsplit_once('@'))
        .and_then(|(a, _)| a.split_once(':'))
        .map_or_else(String::new, |(_, p)| p.to_string())
}

/// A TCP port on 127.0.0.1 that nothing listens on now, for a server of a test's own (two
/// test runs on one machine must not meet on a fixed port).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("no free port: {e}"))
}
