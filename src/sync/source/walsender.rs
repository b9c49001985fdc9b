//! A logical replication connection to PostgreSQL: the streaming replication protocol
//! (https://www.postgresql.org/docs/current/protocol-replication.html), which neither
//! tokio-postgres nor the other drivers here speak, written on `postgres-protocol`'s message
//! encoders and SCRAM (both already in the build for tokio-postgres).
//!
//! The connection starts with `replication=database`, authenticates (trust, password, MD5,
//! SCRAM-SHA-256; TLS as the plan's `sslmode` asks), then `START_REPLICATION SLOT s LOGICAL
//! lsn (proto_version '1', publication_names 'p')`: the server's walsender decodes the WAL
//! once, as it is written, and sends each pgoutput message as XLogData. ferry answers with
//! standby status updates carrying the position the target has committed (the slot's
//! confirmed position moves with it), and asks for a keepalive when the server is silent: a
//! server that answers nothing for the plan's I/O timeout (`io_timeout`, twice over: one
//! request for an answer, then the wait) is a dead peer and an error.

use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::{Buf, BufMut, BytesMut};
use postgres_protocol::authentication::md5_hash;
use postgres_protocol::authentication::sasl::{ChannelBinding, SCRAM_SHA_256, ScramSha256};
use postgres_protocol::message::frontend;

use crate::conn::Server;
use crate::load::{ErrorKind, LoadError, SqlCode, Timeouts};

/// A status update (asking for an answer) is sent after this long without one, or sooner
/// when the I/O timeout is shorter.
const STATUS_EVERY: Duration = Duration::from_secs(10);
/// An idle stream asks where the server is at most this often.
const ASK_EVERY: Duration = Duration::from_millis(100);
/// How long connecting and logging in may take when the plan sets no I/O timeout.
const LOGIN_WAIT: Duration = Duration::from_secs(60);
/// PostgreSQL's epoch (2000-01-01) in Unix seconds: the protocol's clock counts from it.
const PG_EPOCH: u64 = 946_684_800;

/// What the walsender sent.
#[derive(Debug, PartialEq)]
pub enum Received {
    /// A pgoutput message that starts at WAL position `lsn`.
    Data { lsn: u64, data: Vec<u8> },
    /// A keepalive: the walsender has sent everything before `wal_end`.
    Keepalive { wal_end: u64 },
}

trait Stream: Read + Write + Send {
    fn set_read_timeout(&self, t: Option<Duration>) -> io::Result<()>;
}

impl Stream for TcpStream {
    fn set_read_timeout(&self, t: Option<Duration>) -> io::Result<()> {
        TcpStream::set_read_timeout(self, t)
    }
}

impl Stream for native_tls::TlsStream<TcpStream> {
    fn set_read_timeout(&self, t: Option<Duration>) -> io::Result<()> {
        self.get_ref().set_read_timeout(t)
    }
}

/// An open replication stream.
pub struct WalSender {
    io: Box<dyn Stream>,
    buf: BytesMut,
    /// For messages: `postgres://user@host:port/db`.
    name: String,
    /// The position the target has committed, reported in each status update.
    confirmed: u64,
    /// The end of the last message received.
    received: u64,
    last_heard: Instant,
    last_status: Instant,
    /// A server silent this long, though asked to answer, is dead (`None`: never).
    dead_after: Option<Duration>,
}

impl WalSender {
    /// Connects and starts streaming slot `slot`'s changes of publication `publication` from
    /// `from` (the server starts at the slot's confirmed position when that is later).
    pub fn start(
        server: &Server,
        tls: Option<(bool, native_tls::TlsConnector)>,
        slot: &str,
        publication: &str,
        from: u64,
        timeouts: Timeouts,
    ) -> Result<WalSender, LoadError> {
        let name = format!(
            "postgres://{}@{}:{}/{}",
            server.user, server.host, server.port, server.database
        );
        let lost = |what: &str, e: io::Error| {
            LoadError::new(
                ErrorKind::Connect {
                    source: Some(std::sync::Arc::new(io::Error::new(e.kind(), e.to_string()))),
                },
                format!("{name}: replication connection: {what}: {e}"),
            )
        };
        let addr = (server.host.as_str(), server.port)
            .to_socket_addrs()
            .map_err(|e| lost("cannot resolve the host", e))?
            .next()
            .ok_or_else(|| LoadError::config(format!("{name}: the host resolves to nothing")))?;
        let tcp = TcpStream::connect_timeout(&addr, timeouts.connect())
            .map_err(|e| lost("cannot connect", e))?;
        tcp.set_nodelay(true).map_err(|e| lost("socket", e))?;
        let dead_after = timeouts.io().map(|t| t.max(Duration::from_secs(1)));
        tcp.set_read_timeout(Some(dead_after.unwrap_or(LOGIN_WAIT)))
            .map_err(|e| lost("socket", e))?;
        let io: Box<dyn Stream> = match tls {
            None => Box::new(tcp),
            Some((required, connector)) => {
                let mut tcp = tcp;
                let mut request = BytesMut::new();
                frontend::ssl_request(&mut request);
                tcp.write_all(&request)
                    .map_err(|e| lost("TLS request", e))?;
                let mut answer = [0u8; 1];
                tcp.read_exact(&mut answer)
                    .map_err(|e| lost("TLS request", e))?;
                match answer[0] {
                    b'S' => Box::new(connector.connect(&server.host, tcp).map_err(|e| {
                        LoadError::config(format!("{name}: replication connection: TLS: {e}"))
                    })?),
                    _ if required => {
                        return Err(LoadError::config(format!(
                            "{name}: the server does not offer TLS, which sslmode requires"
                        )));
                    }
                    _ => Box::new(tcp),
                }
            }
        };
        let now = Instant::now();
        let mut ws = WalSender {
            io,
            buf: BytesMut::with_capacity(64 << 10),
            name,
            confirmed: from,
            received: from,
            last_heard: now,
            last_status: now,
            dead_after,
        };
        ws.authenticate(server)?;
        let query = format!(
            "START_REPLICATION SLOT {} LOGICAL {:X}/{:X} (proto_version '1', publication_names {})",
            quote_ident(slot),
            from >> 32,
            from & 0xFFFF_FFFF,
            quote_literal(&quote_ident(publication))
        );
        let mut out = BytesMut::new();
        frontend::query(&query, &mut out).map_err(|e| ws.lost(e))?;
        ws.send(&out)?;
        loop {
            let (tag, body) = ws.message()?;
            match tag {
                b'W' => break,
                b'E' => return Err(ws.server_error(&body, "START_REPLICATION")),
                b'N' | b'S' => {}
                other => return Err(ws.unexpected(other, "START_REPLICATION")),
            }
        }
        ws.last_heard = Instant::now();
        Ok(ws)
    }

    /// The next message, waiting at most `wait`; `None` when none came. Keepalives that ask
    /// for an answer are answered here.
    pub fn next(&mut self, wait: Duration) -> Result<Option<Received>, LoadError> {
        let every = self
            .dead_after
            .map_or(STATUS_EVERY, |d| STATUS_EVERY.min(d / 2));
        if self.last_status.elapsed() >= every {
            self.status(true)?;
        }
        if let Some(dead) = self.dead_after
            && self.last_heard.elapsed() >= every + dead
        {
            return Err(self.timed_out(every + dead));
        }
        let Some((tag, mut body)) = self.message_within(wait)? else {
            return Ok(None);
        };
        self.last_heard = Instant::now();
        match tag {
            b'd' => {}
            b'E' => return Err(self.server_error(&body, "streaming")),
            b'N' | b'S' => return Ok(None),
            b'c' => {
                return Err(LoadError::new(
                    ErrorKind::ConnectionLost { source: None },
                    format!("{}: the server ended the replication stream", self.name),
                ));
            }
            other => return Err(self.unexpected(other, "streaming")),
        }
        if body.is_empty() {
            return Err(self.unexpected(0, "streaming"));
        }
        match body.get_u8() {
            b'w' if body.len() >= 24 => {
                let lsn = body.get_u64();
                let _end = body.get_u64();
                let _time = body.get_i64();
                let data = body.to_vec();
                self.received = self.received.max(lsn + data.len() as u64);
                Ok(Some(Received::Data { lsn, data }))
            }
            b'k' if body.len() >= 17 => {
                let wal_end = body.get_u64();
                let _time = body.get_i64();
                if body.get_u8() == 1 {
                    self.status(false)?;
                }
                Ok(Some(Received::Keepalive { wal_end }))
            }
            other => Err(self.unexpected(other, "streaming")),
        }
    }

    /// Asks the server for a keepalive, which says how far it has sent (at most every
    /// `ASK_EVERY`): an idle stream learns that nothing is left to read.
    pub fn ask(&mut self) -> Result<(), LoadError> {
        if self.last_status.elapsed() >= ASK_EVERY {
            self.status(true)?;
        }
        Ok(())
    }

    /// Tells the server that the target has committed everything before `lsn`: the slot
    /// may let go of it.
    pub fn confirm(&mut self, lsn: u64) -> Result<(), LoadError> {
        if lsn > self.confirmed {
            self.confirmed = lsn;
            self.status(false)?;
        }
        Ok(())
    }

    /// Sends a standby status update; `reply` asks the server to answer at once.
    fn status(&mut self, reply: bool) -> Result<(), LoadError> {
        let micros = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_micros() as i64 - (PG_EPOCH * 1_000_000) as i64);
        let mut body = BytesMut::with_capacity(34);
        body.put_u8(b'r');
        body.put_u64(self.received.max(self.confirmed));
        body.put_u64(self.confirmed);
        body.put_u64(self.confirmed);
        body.put_i64(micros);
        body.put_u8(u8::from(reply));
        let mut out = BytesMut::new();
        frontend::CopyData::new(&body[..])
            .map_err(|e| self.lost(e))?
            .write(&mut out);
        self.send(&out)?;
        self.last_status = Instant::now();
        Ok(())
    }

    fn authenticate(&mut self, server: &Server) -> Result<(), LoadError> {
        let mut out = BytesMut::new();
        let params = [
            ("user", server.user.as_str()),
            ("database", server.database.as_str()),
            ("replication", "database"),
            ("application_name", "ferry"),
        ];
        frontend::startup_message(params.iter().copied(), &mut out).map_err(|e| self.lost(e))?;
        self.send(&out)?;
        let password = server
            .password
            .as_ref()
            .map(|p| p.expose().as_bytes().to_vec());
        let need_password = |name: &str| {
            LoadError::config(format!(
                "{name}: the server asks for a password and the URL has none"
            ))
        };
        let mut scram: Option<ScramSha256> = None;
        loop {
            let (tag, mut body) = self.message()?;
            out.clear();
            match tag {
                b'R' if body.len() >= 4 => match body.get_i32() {
                    0 => {}
                    3 => {
                        let pw = password
                            .as_deref()
                            .ok_or_else(|| need_password(&self.name))?;
                        frontend::password_message(pw, &mut out).map_err(|e| self.lost(e))?;
                        self.send(&out)?;
                    }
                    5 if body.len() >= 4 => {
                        let pw = password
                            .as_deref()
                            .ok_or_else(|| need_password(&self.name))?;
                        let salt = [body[0], body[1], body[2], body[3]];
                        let hash = md5_hash(server.user.as_bytes(), pw, salt);
                        frontend::password_message(hash.as_bytes(), &mut out)
                            .map_err(|e| self.lost(e))?;
                        self.send(&out)?;
                    }
                    10 => {
                        let offered = body[..]
                            .split(|b| *b == 0)
                            .any(|m| m == SCRAM_SHA_256.as_bytes());
                        if !offered {
                            return Err(LoadError::config(format!(
                                "{}: the server offers no SASL mechanism ferry speaks \
                                 (SCRAM-SHA-256)",
                                self.name
                            )));
                        }
                        let pw = password
                            .as_deref()
                            .ok_or_else(|| need_password(&self.name))?;
                        let s = ScramSha256::new(pw, ChannelBinding::unsupported());
                        frontend::sasl_initial_response(SCRAM_SHA_256, s.message(), &mut out)
                            .map_err(|e| self.lost(e))?;
                        scram = Some(s);
                        self.send(&out)?;
                    }
                    code @ (11 | 12) => {
                        let s = scram
                            .as_mut()
                            .ok_or_else(|| self.unexpected(b'R', "SASL"))?;
                        if code == 11 {
                            s.update(&body).map_err(|e| self.auth_failed(e))?;
                            frontend::sasl_response(s.message(), &mut out)
                                .map_err(|e| self.lost(e))?;
                            self.send(&out)?;
                        } else {
                            s.finish(&body).map_err(|e| self.auth_failed(e))?;
                        }
                    }
                    code => {
                        return Err(LoadError::config(format!(
                            "{}: the server asks for authentication method {code}, which \
                             ferry's replication connection does not speak (trust, password, \
                             md5 and scram-sha-256 it does)",
                            self.name
                        )));
                    }
                },
                b'E' => return Err(self.server_error(&body, "connecting for replication")),
                b'Z' => return Ok(()),
                b'S' | b'K' | b'N' => {}
                other => return Err(self.unexpected(other, "connecting")),
            }
        }
    }

    fn send(&mut self, bytes: &[u8]) -> Result<(), LoadError> {
        self.io
            .write_all(bytes)
            .and_then(|()| self.io.flush())
            .map_err(|e| self.lost(e))
    }

    /// The next whole message, waiting as long as the connection's read timeout.
    fn message(&mut self) -> Result<(u8, BytesMut), LoadError> {
        let wait = self.dead_after.unwrap_or(LOGIN_WAIT);
        match self.message_within(wait)? {
            Some(m) => Ok(m),
            None => Err(self.timed_out(wait)),
        }
    }

    /// The next whole message if one arrives within `wait` (a part of one stays buffered).
    fn message_within(&mut self, wait: Duration) -> Result<Option<(u8, BytesMut)>, LoadError> {
        let deadline = Instant::now() + wait;
        loop {
            if self.buf.len() >= 5 {
                let len = u32::from_be_bytes([self.buf[1], self.buf[2], self.buf[3], self.buf[4]])
                    as usize;
                if len < 4 {
                    return Err(self.unexpected(self.buf[0], "framing"));
                }
                if self.buf.len() > len {
                    let mut frame = self.buf.split_to(len + 1);
                    let tag = frame.get_u8();
                    frame.advance(4);
                    return Ok(Some((tag, frame)));
                }
                self.buf.reserve(len + 1 - self.buf.len());
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(None);
            }
            self.io
                .set_read_timeout(Some(left.max(Duration::from_millis(1))))
                .map_err(|e| self.lost(e))?;
            let mut chunk = [0u8; 64 << 10];
            match self.io.read(&mut chunk) {
                Ok(0) => {
                    return Err(LoadError::new(
                        ErrorKind::ConnectionLost { source: None },
                        format!(
                            "{}: the server closed the replication connection",
                            self.name
                        ),
                    ));
                }
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    return Ok(None);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(self.lost(e)),
            }
        }
    }

    fn timed_out(&self, after: Duration) -> LoadError {
        LoadError::new(
            ErrorKind::Timeout {
                seconds: after.as_secs(),
            },
            format!(
                "{}: the replication connection had no answer for {} s: the server or the \
                 network is down",
                self.name,
                after.as_secs()
            ),
        )
    }

    fn lost(&self, e: io::Error) -> LoadError {
        let message = format!("{}: replication connection: {e}", self.name);
        LoadError::new(
            ErrorKind::ConnectionLost {
                source: Some(std::sync::Arc::new(e)),
            },
            message,
        )
    }

    fn auth_failed(&self, e: io::Error) -> LoadError {
        LoadError::config(format!("{}: authentication failed: {e}", self.name))
    }

    fn unexpected(&self, tag: u8, during: &str) -> LoadError {
        LoadError::input(format!(
            "{}: the server sent an unexpected message ({:?}) during {during}",
            self.name, tag as char
        ))
    }

    /// An ErrorResponse as a `LoadError` with its SQLSTATE.
    fn server_error(&self, body: &[u8], during: &str) -> LoadError {
        let (mut message, mut sqlstate) = (String::new(), None);
        for field in body.split(|b| *b == 0) {
            let Some((&kind, text)) = field.split_first() else {
                continue;
            };
            let text = String::from_utf8_lossy(text).into_owned();
            match kind {
                b'M' => message = text,
                b'C' => sqlstate = Some(text),
                _ => {}
            }
        }
        let code = SqlCode {
            sqlstate: sqlstate.clone(),
            ..SqlCode::default()
        };
        LoadError::new(
            ErrorKind::Sql { code, source: None },
            format!(
                "{}: {during}: {message} (SQLSTATE {})",
                self.name,
                sqlstate.as_deref().unwrap_or("?")
            ),
        )
    }
}

fn quote_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

fn quote_literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}
