//! `oauth1to2 oauth1 verify --cert publickey.cer ...`

use oauth1to2::text::term;
use rsa::RsaPublicKey;
use serde::Serialize;
use std::io::Write;

use oauth1to2::cert;
use oauth1to2::oauth1::capture;
use oauth1to2::oauth1::{verify_with, CapturedRequest, Credentials, Outcome, Verification};

use super::common::{self, CliError, PfxPasswordArgs, SecretArgs, EXIT_OK, EXIT_PROBLEMS};
use super::signing::parse_data;

/// Verify a captured request's signature (RSA-SHA1 with a certificate, HMAC with the secrets) and explain failures.
///
/// Give the request as METHOD URL with --authorization (and -d for form-body parameters), or as
/// --curl 'curl ...', --har FILE (every OAuth 1.0a request in it) or --raw FILE|- (an HTTP request
/// as logged). RSA-SHA1 requests (Xero) need --cert; HMAC-SHA1/-SHA256/-SHA512 requests
/// (NetSuite TBA) need the consumer and token secrets. On failure it shows the base string it
/// rebuilt, says whether the certificate's key made the signature at all, and names the mistake
/// when it can reproduce it (for NetSuite also: realm in the base string, an SHA-1 digest under
/// a declared SHA-256, the token secret left out).
///
/// Exit status: 0 every signature verifies, 1 one does not (or NetSuite would refuse its realm),
/// 2 unusable input.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  oauth1to2 oauth1 verify --cert publickey.cer GET 'https://api.xero.com/api.xro/2.0/Invoices' \\\n    --authorization 'OAuth oauth_consumer_key=\"...\", ...'\n  \
oauth1to2 oauth1 verify --cert publickey.cer --curl \"$(cat failing-request.sh)\"\n  \
oauth1to2 oauth1 verify --cert publickey.cer --har session.har\n  \
oauth1to2 oauth1 verify --cert publickey.cer --raw request.txt\n  \
oauth1to2 oauth1 verify --har netsuite.har --consumer-secret-env NS_CS --token-secret-env NS_TS"
)]
pub struct Args {
    /// The certificate Xero holds (or the RSA public key in PEM), for RSA-SHA1 requests.
    #[arg(long, value_name = "FILE")]
    cert: Option<String>,
    /// HTTP method of the request.
    #[arg(requires = "url")]
    method: Option<String>,
    /// The full URL of the request, query included.
    url: Option<String>,
    /// The Authorization header value (`OAuth oauth_consumer_key="...", ...`).
    #[arg(long, value_name = "HEADER")]
    authorization: Option<String>,
    /// A form-body parameter NAME=VALUE (repeatable).
    #[arg(short = 'd', long = "data", value_name = "NAME=VALUE")]
    data: Vec<String>,
    /// The request as a curl command line.
    #[arg(long, value_name = "COMMAND", conflicts_with_all = ["method", "har", "raw"])]
    curl: Option<String>,
    /// A HAR file: every request in it with OAuth 1.0a parameters is verified.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["method", "raw"])]
    har: Option<String>,
    /// A raw HTTP request (request line, headers, body) from a file, or `-` for stdin.
    #[arg(long, value_name = "FILE", conflicts_with = "method")]
    raw: Option<String>,
    /// Scheme for --raw requests, which do not carry it.
    #[arg(long, default_value = "https", value_parser = ["https", "http"])]
    scheme: String,
    /// Warn when oauth_timestamp is further than this from now (Xero refused clock skew).
    #[arg(long, default_value_t = 300, value_name = "SECONDS", value_parser = clap::value_parser!(i64).range(0..=100_000_000_000))]
    max_skew: i64,
    /// Print the result as JSON (one object per request, in an array).
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    pfx: PfxPasswordArgs,
    /// For HMAC requests (NetSuite TBA): the consumer secret, and the token secret.
    #[command(flatten)]
    secrets: SecretArgs,
}

#[derive(Serialize)]
struct Report<'a> {
    request: &'a str,
    valid: bool,
    #[serde(flatten)]
    verification: &'a Verification,
    warnings: Vec<String>,
}

fn certificate_key(path: &str, pfx: &PfxPasswordArgs) -> Result<RsaPublicKey, CliError> {
    let bytes = common::read_input(path)?;
    // A bare public key works as well as a certificate.
    if let Some(key) = cert::rsa_public_key_from_pem(path, &String::from_utf8_lossy(&bytes)) {
        return Ok(key?);
    }
    let loaded = common::load_with_password(path, &bytes, pfx)?;
    Ok(cert::rsa_public_key_of_certificate(
        path,
        &loaded.certificates[0],
    )?)
}

fn requests(args: &Args) -> Result<Vec<(String, CapturedRequest)>, CliError> {
    let bad = |what: &str, e: oauth1to2::oauth1::Error| {
        let hint = match e {
            oauth1to2::oauth1::Error::TooManyParameters { .. } => e.hint(),
            _ => "check the request you captured; `oauth1to2 oauth1 verify --help` shows the accepted forms".into(),
        };
        CliError::input(format!("{what}: {e}"), hint)
    };
    if let Some(c) = &args.curl {
        let r = capture::from_curl(c).map_err(|e| bad("--curl", e))?;
        return Ok(vec![("curl command".into(), r)]);
    }
    if let Some(h) = &args.har {
        let text = String::from_utf8_lossy(&common::read_input(h)?).into_owned();
        let found = capture::from_har(&text).map_err(|e| bad(h, e))?;
        if found.is_empty() {
            return Err(CliError::input(
                format!("{h} holds no OAuth 1.0a requests"),
                "export the HAR with the requests to Xero included",
            ));
        }
        return Ok(found);
    }
    if let Some(r) = &args.raw {
        let bytes = common::read_input(r)?;
        let req = capture::from_raw_http(&bytes, &args.scheme).map_err(|e| bad(r, e))?;
        return Ok(vec![(format!("raw request {r}"), req)]);
    }
    let (Some(method), Some(url)) = (&args.method, &args.url) else {
        return Err(CliError::input(
            "no request to verify",
            "give METHOD URL --authorization '...', or --curl, --har or --raw",
        ));
    };
    Ok(vec![(
        format!("{method} {url}"),
        CapturedRequest {
            method: method.clone(),
            url: url.clone(),
            authorization: args.authorization.clone(),
            form: parse_data(&args.data)?,
        },
    )])
}

pub fn run(args: Args) -> Result<u8, CliError> {
    let key = match &args.cert {
        Some(c) => Some(oauth1to2::oauth1::RsaVerifier::new(certificate_key(
            c, &args.pfx,
        )?)),
        None => None,
    };
    let given =
        args.secrets.consumer_secret_env.is_some() || args.secrets.consumer_secret_file.is_some();
    let consumer = if given {
        Some(args.secrets.consumer_secret()?)
    } else {
        None
    };
    let token = args.secrets.token_secret()?;
    let now = oauth1to2::oauth2::now();
    let mut reports = Vec::new();
    let mut results = Vec::new();
    let realm_rules = oauth1to2::provider::oauth1_realm_rules();
    for (label, req) in requests(&args)? {
        let v = verify_with(
            &req,
            &Credentials {
                key: key.as_ref(),
                secrets: consumer
                    .as_ref()
                    .map(|cs| oauth1to2::oauth1::verify::Secrets {
                        consumer: cs.expose(),
                        token: token.as_ref().map(|t| t.expose()).unwrap_or(""),
                    }),
                realm_rules: &realm_rules,
            },
            now,
        )
        .map_err(|e| {
            let hint = match &e {
                oauth1to2::oauth1::Error::NoCredential { method, .. } if method == "RSA-SHA1" => {
                    "add --cert publickey.cer".to_owned()
                }
                oauth1to2::oauth1::Error::NoCredential { .. } => {
                    "add --consumer-secret-env VAR and --token-secret-env VAR2 (or the -file forms)"
                        .to_owned()
                }
                other => other.hint(),
            };
            CliError::input(format!("{label}: {e}"), hint)
        })?;
        results.push((label, v));
    }
    let mut any_invalid = false;
    let mut out = std::io::stdout().lock();
    for (label, v) in &results {
        let valid = v.outcome == Outcome::Valid;
        // A realm NetSuite refuses fails the request as surely as a bad signature.
        any_invalid |= !valid || !v.refused_anyway.is_empty();
        let mut warnings = v.refused_anyway.clone();
        if let Some(age) = v.timestamp_age_seconds {
            if age.abs() > args.max_skew {
                let when = time::OffsetDateTime::from_unix_timestamp(now - age)
                    .ok()
                    .and_then(|t| {
                        t.format(&time::format_description::well_known::Rfc3339)
                            .ok()
                    })
                    .unwrap_or_else(|| "?".into());
                warnings.push(format!(
                    "oauth_timestamp ({when}) is {} seconds {} this machine's clock; Xero refused requests more than a few minutes off with oauth_problem=timestamp_refused (if this capture is recent, check the signer's clock)",
                    age.abs(),
                    if age > 0 { "behind" } else { "ahead of" }
                ));
            }
        }
        if args.json {
            reports.push(
                serde_json::to_value(Report {
                    request: label,
                    valid,
                    verification: v,
                    warnings,
                })
                .unwrap_or_default(),
            );
            continue;
        }
        let _ = writeln!(out, "{}: {}", term(label), match v.outcome {
            Outcome::Valid => "signature valid",
            Outcome::WrongBaseString => "signature INVALID: the certificate's key signed it, but over a different base string",
            Outcome::WrongKey => "signature INVALID: it was not made with this certificate's key",
            Outcome::NoMatch => "signature INVALID: these secrets over this request do not reproduce it",
        });
        if !valid {
            let _ = writeln!(
                out,
                "  base string rebuilt from the request:\n    {}",
                term(&v.base_string.text)
            );
            if let Some(c) = &v.cause {
                let _ = writeln!(out, "  cause found: {}", term(c));
            } else {
                let _ = writeln!(out, "  likely causes:");
                for c in &v.likely_causes {
                    let _ = writeln!(out, "    - {}", term(c));
                }
            }
        }
        for w in &warnings {
            let _ = writeln!(out, "  warning: {}", term(w));
        }
    }
    drop(out);
    if args.json {
        common::print_json(&reports)?;
    }
    Ok(if any_invalid { EXIT_PROBLEMS } else { EXIT_OK })
}
