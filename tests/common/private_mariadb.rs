//! A MariaDB server of a test's own, for what the shared one does not do: TLS. Its data
//! directory is made by `mariadb-install-db` in a temporary directory, it listens on 127.0.0.1
//! and a port of its own with a self-signed certificate for `localhost` (`cert()`), and it has
//! a user `tls` (password `pw`) that may connect only over TLS, and a database `d`. Root only
//! (CI runs as root); `None` elsewhere, or without MariaDB's binaries. It writes the row binary
//! log as the shared server does.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

pub struct PrivateMariadb {
    dir: PathBuf,
    port: u16,
}

impl PrivateMariadb {
    pub fn start(port: u16) -> Option<PrivateMariadb> {
        let root = Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
        let have = |bin: &str| {
            Command::new("sh")
                .args(["-c", &format!("command -v {bin}")])
                .output()
                .is_ok_and(|o| o.status.success())
        };
        if !root || !have("mariadbd") || !have("mariadb-install-db") || !have("openssl") {
            return None;
        }
        let dir = std::env::temp_dir().join(format!("ferry-mariadb-{port}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        let db = PrivateMariadb { dir, port };
        let d = db.dir.display().to_string();
        run(&format!(
            "chown mysql:mysql {d} && cd {d} && \
             runuser -u mysql -- mariadb-install-db --datadir={d}/data \
               --auth-root-authentication-method=normal --skip-test-db >install.log 2>&1 && \
             openssl req -new -x509 -days 2 -nodes -subj /CN=localhost \
               -out server.crt -keyout server.key 2>/dev/null && chown mysql:mysql server.crt server.key"
        ));
        let started = Command::new("runuser")
            .args(["-u", "mysql", "--", "mariadbd", "--no-defaults"])
            .arg(format!("--datadir={d}/data"))
            .arg(format!("--port={port}"))
            .arg(format!("--socket={d}/sock"))
            .arg("--bind-address=127.0.0.1")
            .arg(format!("--ssl-cert={d}/server.crt"))
            .arg(format!("--ssl-key={d}/server.key"))
            .arg(format!("--log-error={d}/err.log"))
            .arg(format!("--pid-file={d}/pid"))
            // The row binary log, as the shared server writes it (sync reads it).
            .args([
                "--log-bin=binlog",
                "--binlog-format=ROW",
                "--binlog-row-image=FULL",
            ])
            .arg("--server-id=1")
            .spawn();
        assert!(started.is_ok(), "cannot start mariadbd: {started:?}");
        let waited = Instant::now();
        while !db.root("SELECT 1") {
            assert!(
                waited.elapsed() < Duration::from_secs(60),
                "the private MariaDB did not start: see {d}/err.log"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        assert!(db.root(
            "CREATE USER 'tls'@'127.0.0.1' IDENTIFIED BY 'pw' REQUIRE SSL; \
             GRANT ALL ON *.* TO 'tls'@'127.0.0.1'; CREATE DATABASE d;"
        ));
        Some(db)
    }

    /// Runs SQL as root over the server's socket; whether it succeeded.
    fn root(&self, sql: &str) -> bool {
        Command::new("mariadb")
            .args(["--no-defaults", "-u", "root", "-S"])
            .arg(self.dir.join("sock"))
            .args(["-e", sql])
            .output()
            .is_ok_and(|o| o.status.success())
    }

    /// `mysql://tls@127.0.0.1:PORT/d` (the password goes by MYSQL_PWD=pw).
    pub fn url(&self) -> String {
        format!("mysql://tls@127.0.0.1:{}/d", self.port)
    }

    /// The server's process (one, with threads), for a test that freezes it (SIGSTOP).
    pub fn pids(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.join("pid"))
            .map(|p| vec![p.trim().to_string()])
            .unwrap_or_default()
    }

    pub fn cert(&self) -> PathBuf {
        self.dir.join("server.crt")
    }
}

impl Drop for PrivateMariadb {
    fn drop(&mut self) {
        if let Ok(pid) = std::fs::read_to_string(self.dir.join("pid")) {
            let _ = Command::new("kill").args(["-9", pid.trim()]).output();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn run(script: &str) {
    let status = Command::new("sh")
        .args(["-c", script])
        .status()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(status.success(), "{script}");
}
