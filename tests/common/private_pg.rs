//! A PostgreSQL server of a test's own, for what the shared one must not do under the other
//! tests: restart, or accept only TLS connections.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::text;

/// initdb'd into a temporary directory, trust authentication on 127.0.0.1 and a port of its
/// own, run as the `postgres` user. With `tls_only`, it has a self-signed certificate for
/// `localhost` (`cert()`) and refuses connections without TLS. Root only (CI runs as root);
/// `None` elsewhere, or without the PostgreSQL 15 binaries.
pub struct PrivatePg {
    dir: PathBuf,
    port: u16,
}

const PG_BIN: &str = "/usr/lib/postgresql/15/bin";

impl PrivatePg {
    pub fn start(port: u16, tls_only: bool) -> Option<PrivatePg> {
        let root = Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| text(&o.stdout).trim() == "0");
        if !root || !Path::new(PG_BIN).join("initdb").exists() {
            return None;
        }
        let dir = std::env::temp_dir().join(format!("ferry-pg-{port}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        let chown = Command::new("chown")
            .args(["postgres:postgres"])
            .arg(&dir)
            .status()
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(chown.success());
        let pg = PrivatePg { dir, port };
        pg.as_postgres(&format!(
            "{PG_BIN}/initdb -D {} -A trust -U ferry --no-sync >/dev/null",
            pg.data().display()
        ));
        if tls_only {
            let data = pg.data();
            pg.as_postgres(&format!(
                "cd {data} && openssl req -new -x509 -days 2 -nodes -subj /CN=localhost \
                 -out server.crt -keyout server.key 2>/dev/null && chmod 600 server.key && \
                 echo \"ssl = on\" >> postgresql.conf && \
                 printf 'local all all trust\\nhostssl all all 127.0.0.1/32 trust\\nhostnossl all all 127.0.0.1/32 reject\\n' > pg_hba.conf",
                data = data.display()
            ));
        }
        pg.ctl("start");
        Some(pg)
    }

    /// The server's certificate (self-signed, for `localhost`), with `tls_only`.
    pub fn cert(&self) -> PathBuf {
        self.data().join("server.crt")
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    fn as_postgres(&self, script: &str) {
        let status = Command::new("runuser")
            .args(["-u", "postgres", "--", "sh", "-c", script])
            .status()
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(status.success(), "as postgres: {script}");
    }

    /// `pg_ctl start|restart`, waiting until the server accepts connections; `restart` stops
    /// it in fast mode, ending every session.
    pub fn ctl(&self, what: &str) {
        self.as_postgres(&format!(
            "{PG_BIN}/pg_ctl -D {data} -w -m fast -l {dir}/log -o '-p {port} -k {dir} -c listen_addresses=127.0.0.1 -c fsync=off' {what} >/dev/null",
            data = self.data().display(),
            dir = self.dir.display(),
            port = self.port
        ));
    }

    pub fn url(&self) -> String {
        format!("postgres://ferry@127.0.0.1:{}/postgres", self.port)
    }

    /// The server's processes: the postmaster (from `postmaster.pid`) and its children, for
    /// a test that freezes the server (SIGSTOP) under a load.
    pub fn pids(&self) -> Vec<String> {
        let pid_file =
            std::fs::read_to_string(self.data().join("postmaster.pid")).unwrap_or_default();
        let Some(main) = pid_file.lines().next().map(|l| l.trim().to_string()) else {
            return Vec::new();
        };
        let children = Command::new("pgrep")
            .args(["-P", &main])
            .output()
            .map(|o| text(&o.stdout))
            .unwrap_or_default();
        std::iter::once(main)
            .chain(children.split_whitespace().map(str::to_string))
            .collect()
    }

    pub fn scalar(&self, sql: &str) -> Option<String> {
        let out = Command::new("psql")
            .args(["-X", "-At", "-h", "127.0.0.1", "-p"])
            .arg(self.port.to_string())
            .args(["-U", "ferry", "-d", "postgres", "-c", sql])
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| text(&out.stdout).trim().to_string())
    }
}

impl Drop for PrivatePg {
    fn drop(&mut self) {
        let _ = Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(format!("{PG_BIN}/pg_ctl"))
            .args(["-D"])
            .arg(self.data())
            .args(["-m", "immediate", "stop"])
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
