//! The benchmark's anchor: sqlparser's bare parse of a whole MySQL script, no splitting, no
//! lowering, nothing written. `cargo run --release --example bare_parse FILE` prints seconds.

use sqlparser::dialect::MySqlDialect;
use sqlparser::parser::Parser;

fn main() -> std::process::ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: bare_parse FILE");
        return std::process::ExitCode::from(2);
    };
    let sql = match std::fs::read_to_string(&path) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{path}: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let start = std::time::Instant::now();
    match Parser::parse_sql(&MySqlDialect {}, &sql) {
        Ok(stmts) => {
            println!("{:.4}", start.elapsed().as_secs_f64());
            eprintln!("{} statements", stmts.len());
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("parse error: {e}");
            std::process::ExitCode::from(1)
        }
    }
}
