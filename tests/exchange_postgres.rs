//! `oauth1to2 exchange --tokens postgresql://...`: workers sharing one table of users through
//! PostgreSQL (from Debian's packages, a throwaway cluster started here on a Unix socket in a
//! temporary folder), leasing rows with FOR UPDATE SKIP LOCKED, against the X exchange stub.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use common::{bin, start_exchange_stub, stderr, stdout};

const ROWS: usize = 10_000;

/// A PostgreSQL cluster in a temporary folder, stopped on drop.
struct Cluster {
    bin: PathBuf,
    dir: tempfile::TempDir,
    as_postgres: bool,
}

impl Cluster {
    fn start() -> Option<Cluster> {
        let bin = std::fs::read_dir("/usr/lib/postgresql").ok().and_then(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.path().join("bin"))
                .find(|p| p.join("initdb").exists())
        });
        let Some(bin) = bin else {
            common::missing("postgresql", "no /usr/lib/postgresql/*/bin/initdb")?;
            return None;
        };
        let dir = tempfile::tempdir().unwrap();
        // initdb refuses root: as root, the cluster belongs to Debian's `postgres` user.
        let as_postgres = unsafe_is_root();
        if as_postgres {
            let s = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(dir.path())
                .status()
                .unwrap();
            assert!(s.success());
        }
        let c = Cluster {
            bin,
            dir,
            as_postgres,
        };
        let data = c.dir.path().join("data");
        c.pg(&[
            "initdb",
            "-D",
            data.to_str().unwrap(),
            "-A",
            "trust",
            "-U",
            "tester",
            "--no-sync",
        ]);
        let opts = format!(
            "-k {} -c listen_addresses='' -c fsync=off",
            c.dir.path().display()
        );
        c.pg(&[
            "pg_ctl",
            "-D",
            data.to_str().unwrap(),
            "-o",
            &opts,
            "-l",
            c.dir.path().join("log").to_str().unwrap(),
            "-w",
            "start",
        ]);
        Some(c)
    }

    fn pg(&self, args: &[&str]) {
        let tool = self.bin.join(args[0]);
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&tool);
            c
        } else {
            Command::new(&tool)
        };
        let o = common::output_within(cmd.args(&args[1..]), Duration::from_secs(120));
        assert!(
            o.status.success(),
            "{}: {}{}",
            args[0],
            stdout(&o),
            stderr(&o)
        );
    }

    fn url(&self) -> String {
        format!(
            "postgresql://tester@/postgres?host={}",
            self.dir.path().display()
        )
    }

    fn client(&self) -> postgres::Client {
        self.url()
            .parse::<postgres::Config>()
            .unwrap()
            .connect(postgres::NoTls)
            .unwrap()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.dir.path().join("data");
        let tool = self.bin.join("pg_ctl");
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&tool);
            c
        } else {
            Command::new(&tool)
        };
        let _ = cmd
            .args(["-D", data.to_str().unwrap(), "-m", "immediate", "stop"])
            .output();
    }
}

fn unsafe_is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn tokens(i: usize) -> (String, String, String) {
    (
        format!("user-{i:05}"),
        format!("pgtok-{i:05}-{:x}", i.wrapping_mul(2654435761)),
        format!("pgsec-{i:05}-{:x}", i.wrapping_mul(40503)),
    )
}

fn worker(cluster: &Cluster, stub_port: u16, home: &Path, journal: &Path) -> Child {
    bin()
        .env("OAUTH1TO2_HOME", home)
        .env("XS", "x-secret")
        .args([
            "exchange",
            "--provider",
            "x",
            "--client-id",
            "x-client",
            "--client-secret-env",
            "XS",
        ])
        .args(["--tokens", &cluster.url(), "--table", "partner_users"])
        .args([
            "--columns",
            "user_id=uid,oauth_token=tok,oauth_token_secret=tok_secret",
        ])
        .args(["--journal", journal.to_str().unwrap()])
        .args([
            "--token-endpoint",
            &format!("http://127.0.0.1:{stub_port}/2/oauth2/token"),
        ])
        .args(["--rate", "unlimited", "--concurrency", "4", "--json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn two_workers_share_one_table_and_exchange_each_row_once() {
    let Some(python) = common::python_with("oauthlib") else {
        return;
    };
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let users: Vec<_> = (0..ROWS).map(tokens).collect();
    let conf = serde_json::json!({
        "consumer_key": "-", "consumer_secret": "-",
        "client_id": "x-client", "client_secret": "x-secret",
        "users": users.iter().map(|(_, t, s)| (t.clone(), s.clone())).collect::<std::collections::HashMap<_, _>>(),
    });
    std::fs::write(dir.path().join("stub.json"), conf.to_string()).unwrap();
    let stub = start_exchange_stub(&python, &dir.path().join("stub.json"));

    let mut db = cluster.client();
    db.batch_execute(
        "CREATE TABLE partner_users (uid text PRIMARY KEY, tok text NOT NULL, tok_secret text NOT NULL, \
         plan text, status text, worker text, access_token text, refresh_token text, \
         expires_at bigint, scope text, reason text, provider_user_id text)",
    )
    .unwrap();
    let ids: Vec<&str> = users.iter().map(|u| u.0.as_str()).collect();
    let toks: Vec<&str> = users.iter().map(|u| u.1.as_str()).collect();
    let secs: Vec<&str> = users.iter().map(|u| u.2.as_str()).collect();
    db.execute(
        "INSERT INTO partner_users (uid, tok, tok_secret, plan) SELECT u, t, s, 'gold' FROM unnest($1::text[], $2::text[], $3::text[]) AS x(u, t, s)",
        &[&ids, &toks, &secs],
    )
    .unwrap();
    // A row that failed before is left alone until someone sets it back to pending.
    db.execute(
        "INSERT INTO partner_users (uid, tok, tok_secret, status, reason) VALUES ('zz-failed', 'pgtok-x', 'pgsec-x', 'failed', 'earlier')",
        &[],
    )
    .unwrap();

    // Two workers race from the start; the first is killed with SIGKILL a moment in, and
    // started again on its own journal, where it takes back the rows it had leased.
    let home = dir.path().join("home");
    let (j1, j2) = (dir.path().join("w1.journal"), dir.path().join("w2.journal"));
    let mut w1 = worker(&cluster, stub.port, &home, &j1);
    let w2 = worker(&cluster, stub.port, &home, &j2);
    let t0 = Instant::now();
    let leased = |db: &mut postgres::Client| -> i64 {
        db.query_one(
            "SELECT count(*) FROM partner_users WHERE status IS NOT NULL",
            &[],
        )
        .unwrap()
        .get(0)
    };
    while leased(&mut db) < 1_000 && t0.elapsed() < Duration::from_secs(120) {
        std::thread::sleep(Duration::from_millis(20));
    }
    w1.kill().unwrap();
    w1.wait().unwrap();
    let in_flight_at_kill: i64 = db
        .query_one(
            "SELECT count(*) FROM partner_users WHERE status = 'in-flight'",
            &[],
        )
        .unwrap()
        .get(0);
    let w1 = worker(&cluster, stub.port, &home, &j1);
    for (name, w) in [("w1", w1), ("w2", w2)] {
        let o = common::finish_child(w, name, Duration::from_secs(600));
        assert_eq!(
            o.status.code(),
            Some(0),
            "{name}: {}{}",
            stdout(&o),
            stderr(&o)
        );
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert!(
            v["exchanged"].as_u64().unwrap() > 0,
            "{name} took its share: {v}"
        );
        assert!(!stdout(&o).contains("pgtok-") && !stderr(&o).contains("pgsec-"));
    }
    assert!(
        in_flight_at_kill > 0,
        "the kill landed while rows were leased"
    );

    let state = oauth1to2::oauth2::http::HttpClient::new(Default::default(), None)
        .unwrap()
        .get_json(&format!("http://127.0.0.1:{}/__state", stub.port))
        .unwrap();
    let rows = db
        .query(
            "SELECT uid, tok, status, access_token, worker, plan, expires_at FROM partner_users WHERE uid <> 'zz-failed' ORDER BY uid",
            &[],
        )
        .unwrap();
    assert_eq!(rows.len(), ROWS);
    let mut workers = std::collections::HashSet::new();
    let mut again = 0;
    for r in &rows {
        let (uid, tok, status): (String, String, String) = (r.get(0), r.get(1), r.get(2));
        assert_eq!(status, "exchanged", "{uid}");
        let s = &state["tokens"][&tok];
        // The row holds the pair the provider holds valid.
        assert_eq!(r.get::<_, String>(3), s["valid"].as_str().unwrap(), "{uid}");
        assert_eq!(r.get::<_, String>(5), "gold", "other columns untouched");
        assert!(r.get::<_, Option<i64>>(6).is_some());
        workers.insert(r.get::<_, String>(4));
        again += s["exchanges"].as_u64().unwrap() - 1;
    }
    assert_eq!(workers.len(), 2, "both workers wrote rows");
    let failed = db
        .query_one(
            "SELECT status, worker FROM partner_users WHERE uid = 'zz-failed'",
            &[],
        )
        .unwrap();
    assert_eq!(failed.get::<_, String>(0), "failed");
    assert_eq!(failed.get::<_, Option<String>>(1), None, "never leased");
    // Only a row in flight at the kill may be asked twice, and only of X (where a second
    // exchange is safe and kills the first pair); the racing workers never took the same row.
    assert!(
        again <= in_flight_at_kill as u64,
        "{again} rows exchanged twice, {in_flight_at_kill} were in flight at the kill"
    );
    assert_eq!(state["counts"]["double"].as_u64().unwrap(), again);
}
