//! TLS to PostgreSQL as libpq's `sslmode` names it, against a server of the test's own that
//! refuses connections without TLS and has a self-signed certificate for `localhost`:
//! `disable` is refused by the server; `require` connects without checking the certificate;
//! `verify-ca` connects when `sslrootcert` names the certificate, and fails without it;
//! `verify-full` fails on 127.0.0.1, which the certificate does not name.

mod common;

use common::private_pg::PrivatePg;
use common::{ferry, scratch_dir, text};

/// A SQLite file of two rows to migrate, as `sqlite:PATH`.
fn sqlite_source(name: &str) -> String {
    let source = scratch_dir("tls", name).join("source.db");
    rusqlite::Connection::open(&source)
        .and_then(|c| {
            c.execute_batch(
                "CREATE TABLE t (id INTEGER PRIMARY KEY, name VARCHAR(10) NOT NULL);
                 INSERT INTO t VALUES (1, 'a'), (2, 'b');",
            )
        })
        .unwrap_or_else(|e| panic!("{e}"));
    format!("sqlite:{}", source.display())
}

#[test]
fn postgres_tls_modes_connect_or_fail_as_libpq_would() {
    let Some(pg) = PrivatePg::start(common::free_port(), true) else {
        eprintln!("skipped: needs root and PostgreSQL 15's binaries to run a server of its own");
        return;
    };
    let source = sqlite_source("postgres");
    let cert = pg.cert();
    let cert = cert.to_str().unwrap_or_default();
    let migrate = |params: &str| {
        ferry(&[
            "migrate",
            &source,
            &format!("{}?{params}", pg.url()),
            "--prepare",
            "drop-and-create",
            "-q",
        ])
    };

    let o = migrate("sslmode=disable");
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("no encryption"),
        "the server refuses a connection without TLS: {}",
        text(&o.stderr)
    );

    let o = migrate("sslmode=require");
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(
        pg.scalar("SELECT string_agg(name, ',' ORDER BY id) FROM t")
            .as_deref(),
        Some("a,b")
    );

    let o = migrate(&format!("sslmode=verify-ca&sslrootcert={cert}"));
    assert!(o.status.success(), "{}", text(&o.stderr));

    let o = migrate("sslmode=verify-ca");
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("certificate"),
        "an unknown authority is refused: {}",
        text(&o.stderr)
    );

    let o = migrate(&format!("sslmode=verify-full&sslrootcert={cert}"));
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("certificate"),
        "127.0.0.1 is not the certificate's host: {}",
        text(&o.stderr)
    );

    let o = migrate("sslmode=sometimes");
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("sslmode=sometimes is not one of"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn mysql_tls_modes_connect_or_fail_as_the_mysql_client_would() {
    let Some(my) = common::private_mariadb::PrivateMariadb::start(common::free_port()) else {
        eprintln!("skipped: needs root and MariaDB's binaries to run a server of its own");
        return;
    };
    let source = sqlite_source("mariadb");
    let cert = my.cert();
    let cert = cert.to_str().unwrap_or_default();
    let migrate = |params: &str| {
        common::ferry_env(
            &[
                "migrate",
                &source,
                &format!("{}{params}", my.url()),
                "--prepare",
                "drop-and-create",
                "-q",
            ],
            &[("MYSQL_PWD", "pw")],
        )
    };
    // The user may connect only over TLS: the default (PREFERRED) uses it.
    for ok in [
        String::new(),
        "?ssl-mode=REQUIRED".to_string(),
        format!("?ssl-mode=VERIFY_CA&ssl-ca={cert}"),
    ] {
        let o = migrate(&ok);
        assert!(o.status.success(), "{ok}: {}", text(&o.stderr));
    }
    for (refused, says) in [
        ("?ssl-mode=DISABLED".to_string(), "Access denied"),
        ("?ssl-mode=VERIFY_CA".to_string(), "self-signed certificate"),
        (
            format!("?ssl-mode=VERIFY_IDENTITY&ssl-ca={cert}"),
            "IP address mismatch",
        ),
        ("?ssl-mode=sometimes".to_string(), "is not one of"),
    ] {
        let o = migrate(&refused);
        assert_eq!(o.status.code(), Some(2), "{refused}: {}", text(&o.stderr));
        assert!(
            text(&o.stderr).contains(says),
            "{refused}: {}",
            text(&o.stderr)
        );
    }
}
