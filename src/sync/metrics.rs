//! `ferry sync --metrics ADDR`: the sync's counters in Prometheus' text exposition format
//! (https://prometheus.io/docs/instrumenting/exposition_formats/) on `http://ADDR/metrics`,
//! served by a thread of its own with the standard library's TCP listener.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::load::LoadError;

/// What the sync loop counts; read by the metrics thread.
#[derive(Debug, Default)]
pub struct Metrics {
    pub transactions: AtomicU64,
    pub changes: AtomicU64,
    /// Target transactions committed.
    pub commits: AtomicU64,
    /// Bytes of SQL sent to the target.
    pub bytes: AtomicU64,
    pub errors: AtomicU64,
    /// The lag in milliseconds: source commit to target commit of the last transaction
    /// applied; 0 once the source has been idle a second with everything applied.
    pub lag_ms: AtomicU64,
}

impl Metrics {
    /// The exposition text.
    pub fn render(&self) -> String {
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let mut out = String::new();
        let mut metric = |name: &str, kind: &str, help: &str, value: String| {
            out.push_str(&format!(
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}\n"
            ));
        };
        metric(
            "ferry_sync_lag_seconds",
            "gauge",
            "Seconds since the source committed the oldest change not applied yet (0 when caught up).",
            format!("{:.3}", get(&self.lag_ms) as f64 / 1000.0),
        );
        metric(
            "ferry_sync_transactions_applied_total",
            "counter",
            "Source transactions applied to the target.",
            get(&self.transactions).to_string(),
        );
        metric(
            "ferry_sync_changes_applied_total",
            "counter",
            "Row changes applied to the target.",
            get(&self.changes).to_string(),
        );
        metric(
            "ferry_sync_target_commits_total",
            "counter",
            "Target transactions committed (each holds whole source transactions).",
            get(&self.commits).to_string(),
        );
        metric(
            "ferry_sync_bytes_applied_total",
            "counter",
            "Bytes of SQL sent to the target.",
            get(&self.bytes).to_string(),
        );
        metric(
            "ferry_sync_errors_total",
            "counter",
            "Errors that stopped sync.",
            get(&self.errors).to_string(),
        );
        out
    }
}

/// Listens on `addr` and answers `GET /metrics` until the process ends.
pub fn serve(addr: &str, metrics: Arc<Metrics>) -> Result<(), LoadError> {
    let listener = TcpListener::bind(addr)
        .map_err(|e| LoadError::io(format!("--metrics {addr}: cannot listen there: {e}"), e))?;
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            answer(stream, &metrics);
        }
    });
    Ok(())
}

/// One request: the metrics for `GET /metrics`, 404 for anything else. A client that sends
/// nothing is dropped after two seconds.
fn answer(mut stream: TcpStream, metrics: &Metrics) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let mut request = [0u8; 1024];
    let n = stream.read(&mut request).unwrap_or(0);
    let line = String::from_utf8_lossy(&request[..n]);
    let (status, body) = if line.starts_with("GET /metrics ") || line.starts_with("GET /metrics?") {
        ("200 OK", metrics.render())
    } else {
        (
            "404 Not Found",
            "not found: the metrics are at /metrics\n".to_string(),
        )
    };
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: \
         {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exposition_names_each_metric_with_its_type() {
        let m = Metrics::default();
        m.changes.store(42, Ordering::Relaxed);
        m.lag_ms.store(1_250, Ordering::Relaxed);
        let text = m.render();
        assert!(text.contains(
            "# TYPE ferry_sync_changes_applied_total counter\nferry_sync_changes_applied_total 42\n"
        ));
        assert!(text.contains("ferry_sync_lag_seconds 1.250\n"));
        assert_eq!(text.matches("# TYPE").count(), 6);
    }
}
