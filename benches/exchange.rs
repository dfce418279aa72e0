//! The bulk exchange's speed and memory: `oauth1to2 exchange --provider x` (release build) over
//! lists of 10,000, 100,000 and 1,000,000 users against a local stub that answers at once (in
//! this process: a kept-alive HTTP/1.1 server that returns a fresh pair per request), with the
//! rate limit off. Each size runs twice: the journal on the disk (every record flushed with
//! fsync, group-committed across workers), and the journal in memory (/dev/shm, where fsync
//! costs nothing): their ratio is the price of safety. The floor measured in the same run is
//! the HTTP alone: the same number of requests from a plain reqwest loop on as many threads.
//! Peak memory from GNU time.
//!
//! `cargo bench --bench exchange` (or `bash scripts/bench exchange`); the largest size with
//! `OAUTH1TO2_BENCH_EXCHANGE_MAX=100000` (default 1000000). Where the disk journal goes:
//! `OAUTH1TO2_BENCH_DIR` (default the system's temporary folder).
#![allow(clippy::disallowed_macros)] // tests, benches and the build script report on stderr

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const WORKERS: usize = 16;

/// Serves one kept-alive connection: each request gets a 200 with a new pair in X's shape.
fn serve(stream: TcpStream, counter: Arc<AtomicU64>) {
    let _ = stream.set_nodelay(true);
    let mut r = BufReader::new(stream.try_clone().unwrap());
    let mut w = stream;
    let mut line = String::new();
    loop {
        let mut len = 0usize;
        line.clear();
        if r.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        loop {
            line.clear();
            if r.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((k, v)) = l.split_once(':') {
                if k.eq_ignore_ascii_case("content-length") {
                    len = v.trim().parse().unwrap_or(0);
                }
            }
        }
        let mut body = vec![0; len];
        if r.read_exact(&mut body).is_err() {
            return;
        }
        let n = counter.fetch_add(1, Ordering::Relaxed);
        let json = format!(
            "{{\"token_type\":\"bearer\",\"expires_in\":7200,\"access_token\":\"at-{n:016x}-Zk9x3VQm1pLr8TgBwq2Ye5Ns7Hd4Jc6Fa0Ku\",\"refresh_token\":\"rt-{n:016x}-Mz2Qa8Wp5Xs1Lk7Vb3Nc9Hd4Gf6Jt0Ry\",\"scope\":\"tweet.read users.read follows.read offline.access\"}}"
        );
        let resp = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{json}",
            json.len()
        );
        if w.write_all(resp.as_bytes()).is_err() {
            return;
        }
    }
}

fn start_stub() -> (u16, Arc<AtomicU64>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let counter = Arc::new(AtomicU64::new(0));
    let c = counter.clone();
    std::thread::spawn(move || {
        for s in l.incoming().flatten() {
            let c = c.clone();
            std::thread::spawn(move || serve(s, c));
        }
    });
    (port, counter)
}

/// A list of `n` users as a partner exports it: ids, OAuth 1.0a tokens (50 characters, as X's
/// are) and secrets (45), and an e-mail column passed through.
fn write_list(path: &Path, n: usize) {
    let mut w = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(w, "user_id,oauth_token,oauth_token_secret,email").unwrap();
    for i in 0..n {
        writeln!(
            w,
            "{i},{i:019}-AbCdEfGhIjKlMnOpQrStUvWxYz0123,Zy9Xw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0FeDcBa{i:09},user{i}@example.com"
        )
        .unwrap();
    }
}

struct Run {
    secs: f64,
    peak_kib: u64,
}

fn run(bin: &Path, list: &Path, out: &Path, port: u16) -> Run {
    let journal = PathBuf::from(format!("{}.journal", out.display()));
    let _ = std::fs::remove_file(out);
    let _ = std::fs::remove_file(&journal);
    let t = Instant::now();
    let o = Command::new("/usr/bin/time")
        .arg("-v")
        .arg(bin)
        .args([
            "exchange",
            "--provider",
            "x",
            "--client-id",
            "bench",
            "--client-secret-env",
            "XS",
        ])
        .arg("--tokens")
        .arg(list)
        .arg("--out")
        .arg(out)
        .args([
            "--token-endpoint",
            &format!("http://127.0.0.1:{port}/2/oauth2/token"),
        ])
        .args([
            "--rate",
            "unlimited",
            "--concurrency",
            &WORKERS.to_string(),
            "--json",
        ])
        .env("XS", "bench-secret")
        .env("OAUTH1TO2_HOME", out.with_extension("home"))
        .output()
        .expect("GNU time (/usr/bin/time) runs the binary");
    let secs = t.elapsed().as_secs_f64();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let peak_kib = err
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("Maximum resident set size (kbytes): ")
        })
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    let exchanged = v["exchanged"].as_u64().unwrap();
    let rows = std::fs::read_to_string(out)
        .map(|t| t.lines().count())
        .unwrap_or(0);
    assert_eq!(
        exchanged as usize + 1,
        rows,
        "every user exchanged and in the output"
    );
    let _ = std::fs::remove_file(out);
    let _ = std::fs::remove_file(&journal);
    Run { secs, peak_kib }
}

/// The floor: `n` token requests from `WORKERS` threads with reqwest and nothing else.
fn floor(n: usize, port: u16) -> f64 {
    let url = format!("http://127.0.0.1:{port}/2/oauth2/token");
    let next = Arc::new(AtomicU64::new(0));
    let t = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..WORKERS {
            let (url, next) = (url.clone(), next.clone());
            s.spawn(move || {
                let c = reqwest::blocking::Client::builder()
                    .timeout(Duration::from_secs(30))
                    .build()
                    .unwrap();
                while next.fetch_add(1, Ordering::Relaxed) < n as u64 {
                    let r = c
                        .post(&url)
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .body("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange&subject_token=t&subject_token_type=urn%3Ax%3Aparams%3Aoauth%3Atoken-type%3Aoauth1_token&oauth_token_secret=s")
                        .send()
                        .unwrap();
                    let _ = r.bytes().unwrap();
                }
            });
        }
    });
    t.elapsed().as_secs_f64()
}

fn main() {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_oauth1to2"));
    let max: usize = std::env::var("OAUTH1TO2_BENCH_EXCHANGE_MAX")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let disk_root = std::env::var("OAUTH1TO2_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| std::env::temp_dir());
    let disk = tempfile::tempdir_in(&disk_root).unwrap();
    let shm = Path::new("/dev/shm");
    let mem = shm.is_dir().then(|| tempfile::tempdir_in(shm).unwrap());
    let (port, _) = start_stub();
    println!(
        "exchange, X's shape, {WORKERS} workers, rate off, stub in process; disk: {}",
        disk_root.display()
    );
    println!(
        "{:>9}  {:>10} {:>9} {:>9}  {:>10} {:>9}  {:>9} {:>8}  {:>10}",
        "users",
        "disk s",
        "per s",
        "peak MiB",
        "memory s",
        "per s",
        "safety",
        "fsync us",
        "floor x"
    );
    let mut per_user_secs = Vec::new();
    for n in [10_000usize, 100_000, 1_000_000] {
        if n > max {
            break;
        }
        let list = disk.path().join(format!("users-{n}.csv"));
        write_list(&list, n);
        let d = run(&bin, &list, &disk.path().join("out.csv"), port);
        let m = mem
            .as_ref()
            .map(|m| run(&bin, &list, &m.path().join("out.csv"), port));
        let f = floor(n, port);
        let (ms, mr) = m
            .as_ref()
            .map(|m| {
                (
                    format!("{:.2}", m.secs),
                    format!("{:.0}", n as f64 / m.secs),
                )
            })
            .unwrap_or(("-".into(), "-".into()));
        // Two flushed records a user (the attempt, then the pair): what the disk run spent
        // beyond the memory run, per flush.
        let fsync_us = m
            .as_ref()
            .map(|m| format!("{:.1}", (d.secs - m.secs).max(0.0) * 1e6 / (2 * n) as f64))
            .unwrap_or("-".into());
        let safety = m
            .as_ref()
            .map(|m| format!("{:.2}x", d.secs / m.secs))
            .unwrap_or("-".into());
        println!(
            "{n:>9}  {:>10.2} {:>9.0} {:>9.1}  {ms:>10} {mr:>9}  {safety:>9} {fsync_us:>8}  {:>9.2}x",
            d.secs,
            n as f64 / d.secs,
            d.peak_kib as f64 / 1024.0,
            d.secs / f
        );
        per_user_secs.push((n, d.secs / n as f64, d.peak_kib));
        let _ = std::fs::remove_file(&list);
    }
    if let (Some(first), Some(last)) = (per_user_secs.first(), per_user_secs.last()) {
        if last.0 > first.0 {
            println!(
                "time per user {}k -> {}k: {:.2}x (1.00 is linear); peak memory {:.1} -> {:.1} MiB ({:.0} bytes a user beyond the first list)",
                first.0 / 1000,
                last.0 / 1000,
                last.1 / first.1,
                first.2 as f64 / 1024.0,
                last.2 as f64 / 1024.0,
                (last.2.saturating_sub(first.2) * 1024) as f64 / (last.0 - first.0) as f64
            );
        }
    }
    println!("safety: disk journal time / memory journal time; floor x: disk run time / the same requests from a bare reqwest loop");
}
