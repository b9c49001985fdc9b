//! How long a load waits for a server that does not answer (a frozen server, a half-open TCP
//! connection), from the plan's `io_timeout`. Three guards, one setting:
//! - TCP keepalive (idle a quarter of the timeout, probes every twelfth): a peer whose host
//!   or network is gone is noticed by the kernel;
//! - a connect timeout (the setting, at most 10 s) around the whole connect and handshake;
//! - every request waits at most the setting for its answer. When it has none by then, a new
//!   connection to the same server is tried: a server that answers it is slow, not dead, and
//!   the wait goes on (an index build may take an hour); one that does not is given up, with a
//!   `Timeout` error naming what waited. A connection given up is not used again: its next
//!   request fails at once, so the load stops (or reconnects) instead of waiting again.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::runtime::Runtime;

use super::LoadError;
use super::error::ErrorKind;

/// The timeouts of a load's connections.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    /// How long a request waits for an answer before a new connection checks the server;
    /// None waits for ever.
    io: Option<Duration>,
}

/// The timeouts of `Timeouts::new(DEFAULT_IO_TIMEOUT)`, in seconds: a slow but live server
/// never hits it (it answers the check), a dead one is given up after about twice this.
pub const DEFAULT_IO_TIMEOUT: u64 = 30;

/// A connect takes at most this long, or the I/O timeout when that is shorter.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

impl Timeouts {
    /// From the plan's setting, in seconds; 0 waits for ever.
    pub fn new(io_timeout_secs: u64) -> Timeouts {
        Timeouts {
            io: (io_timeout_secs > 0).then(|| Duration::from_secs(io_timeout_secs)),
        }
    }

    /// How long a request waits before the server is checked.
    pub fn io(&self) -> Option<Duration> {
        self.io
    }

    /// How long a connect (TCP, TLS, login) may take.
    pub fn connect(&self) -> Duration {
        self.io.map_or(CONNECT_TIMEOUT, |t| t.min(CONNECT_TIMEOUT))
    }

    /// TCP keepalive: idle time before the first probe, and between probes (three probes
    /// unanswered close the connection: half the I/O timeout in all).
    pub fn keepalive(&self) -> (Duration, Duration) {
        let t = self.io.unwrap_or(Duration::from_secs(4 * 60));
        (
            (t / 4).max(Duration::from_secs(1)),
            (t / 12).max(Duration::from_secs(1)),
        )
    }
}

impl Default for Timeouts {
    fn default() -> Timeouts {
        Timeouts::new(DEFAULT_IO_TIMEOUT)
    }
}

/// Whether the server answers a new connection (with anything, an error included), within
/// the time it is given.
pub type Probe = Box<dyn Fn() -> Pin<Box<dyn Future<Output = bool> + Send>> + Send + Sync>;

/// One connection's watch over its server's answers.
pub struct Link {
    /// The server, for messages (no password).
    pub name: String,
    timeouts: Timeouts,
    probe: Probe,
    /// The seconds of silence after which the connection was given up; 0 while it is used.
    given_up: AtomicU64,
}

impl Link {
    pub fn new(name: String, timeouts: Timeouts, probe: Probe) -> Link {
        Link {
            name,
            timeouts,
            probe,
            given_up: AtomicU64::new(0),
        }
    }

    /// Runs `work` on `rt` and returns its result, unless the server gives no answer for the
    /// I/O timeout and no answer to a new connection either: then the connection is given up
    /// and the error says what waited (`doing`, e.g. "postgres://u@h/db: COPY into t").
    pub fn wait<T, E>(
        &self,
        rt: &Runtime,
        work: impl Future<Output = Result<T, E>>,
        doing: impl FnOnce() -> String,
    ) -> Result<Result<T, E>, LoadError> {
        let given_up = self.given_up.load(Ordering::Relaxed);
        if given_up > 0 {
            let message = format!(
                "{}: {}: the connection was given up after no answer for {given_up} s",
                self.name,
                doing()
            );
            return Err(LoadError::new(
                ErrorKind::ConnectionLost { source: None },
                message,
            ));
        }
        let Some(limit) = self.timeouts.io() else {
            return Ok(rt.block_on(work));
        };
        let started = Instant::now();
        let answered = rt.block_on(async {
            let mut work = std::pin::pin!(work);
            loop {
                if let Ok(r) = tokio::time::timeout(limit, &mut work).await {
                    return Some(r);
                }
                let alive = tokio::time::timeout(self.timeouts.connect(), (self.probe)()).await;
                if alive != Ok(true) {
                    return None;
                }
            }
        });
        match answered {
            Some(r) => Ok(r),
            None => {
                let secs = started.elapsed().as_secs().max(1);
                self.given_up.store(secs, Ordering::Relaxed);
                let message = format!(
                    "{}: {}: no answer for {secs} s, and none to a new connection either: the \
                     server is frozen or out of reach (io_timeout = {} s)",
                    self.name,
                    doing(),
                    limit.as_secs()
                );
                Err(LoadError::new(
                    ErrorKind::Timeout { seconds: secs },
                    message,
                ))
            }
        }
    }

    /// A connect that must finish within the connect timeout.
    pub fn connect_within<T>(
        rt: &Runtime,
        timeouts: Timeouts,
        name: &str,
        connect: impl Future<Output = T>,
    ) -> Result<T, LoadError> {
        let limit = timeouts.connect();
        rt.block_on(async { tokio::time::timeout(limit, connect).await })
            .map_err(|_| {
                let seconds = limit.as_secs();
                let message = format!("{name}: cannot connect: no answer for {seconds} s");
                LoadError::new(ErrorKind::Timeout { seconds }, message)
            })
    }
}
