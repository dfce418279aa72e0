//! `oauth1to2 oauth1 request METHOD URL`: sign and send.

use oauth1to2::oauth1::send;
use oauth1to2::text::term;

use super::common::{self, CliError, EXIT_AUTH, EXIT_HTTP, EXIT_NETWORK, EXIT_OK};
use super::signing::{
    http_client, load_partner_token, renew_and_save, sign_request, style, unix_now, SigningArgs,
};

/// Sign a request like a Xero private app and send it; print the status and body.
///
/// The request goes out with reqwest over rustls, with connect and overall timeouts and no
/// redirects. Xero's `oauth_problem=...` answers are explained with a hint for each code; a 503
/// with `rate limit exceeded` is reported as such and not retried. With `--as netsuite`,
/// NetSuite's error answers (REST web services, RESTlets) are read and explained.
///
/// Exit status: 0 for a 2xx answer; 3 the server could not be reached; 4 the server refused the
/// signature or the token (401, 403, oauth_problem); 5 any other HTTP error.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  oauth1to2 oauth1 request --consumer-key CK --key privatekey.pem GET https://api.xero.com/api.xro/2.0/Organisation\n  \
oauth1to2 oauth1 request --consumer-key CK --key privatekey.pem --body-file invoice.json \\\n    --content-type application/json PUT https://api.xero.com/api.xro/2.0/Invoices"
)]
pub struct Args {
    #[command(flatten)]
    signing: SigningArgs,
    /// Send this file as the body (not signed, as RFC 5849 says for non-form bodies).
    #[arg(long, value_name = "FILE", conflicts_with = "data")]
    body_file: Option<String>,
    /// Content-Type of --body-file.
    #[arg(long, default_value = "application/json", value_name = "TYPE")]
    content_type: String,
    /// Overall timeout in seconds.
    #[arg(long, default_value_t = 30, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=3600))]
    timeout: u64,
    /// Print status, headers and body as JSON.
    #[arg(long)]
    json: bool,
    /// Partner-token renewal endpoint (Xero's by default; for a proxy or a test server).
    #[arg(long, default_value = oauth1to2::provider::xero::partner::ACCESS_TOKEN_URL, value_name = "URL")]
    access_token_url: String,
}

pub fn run(args: Args) -> Result<u8, CliError> {
    // PLAINTEXT puts both secrets in the header, and every method sends the token: only over
    // https, or to a loopback test server.
    oauth1to2::oauth2::http::require_secure("the request URL", &args.signing.url)?;
    let style = style(&args.signing);
    if style.token == oauth1to2::oauth1::style::TokenSource::RenewedFile {
        // Renew a token that is expired or about to, before signing with it.
        let token = load_partner_token(&args.signing)?;
        if token.expires_within(unix_now(), 60) {
            let path = args.signing.key.as_deref().ok_or_else(|| {
                CliError::input("RSA-SHA1 needs the private key", "add --key privatekey.pem")
            })?;
            let key = common::load_key(path, &args.signing.key_password)?;
            let file = args
                .signing
                .token_file
                .as_ref()
                .expect("checked by load_partner_token");
            renew_and_save(
                &args.signing.consumer_key,
                &key,
                file,
                &args.access_token_url,
            )?;
            eprintln!("renewed the partner token in {}", file.display());
        }
    }
    let signed = sign_request(&args.signing)?;
    let client = http_client(args.timeout)?;
    let body = match &args.body_file {
        Some(f) if signed.form.is_empty() => {
            Some((common::read_input(f)?, args.content_type.as_str()))
        }
        _ => None,
    };
    let answer = send::send(
        &client,
        &send::Outgoing {
            method: &args.signing.method,
            url: &args.signing.url,
            authorization: &signed.authorization,
            form: &signed.form,
            body,
            read_error: style.read_error,
            problem_hints: style.problem_hints,
        },
    )
    .map_err(|e| match e {
        send::SendError::Insecure { .. } | send::SendError::Method(_) => {
            CliError::input(e.to_string(), e.hint())
        }
        send::SendError::Network { .. } => CliError {
            message: e.to_string(),
            hint: Some(e.hint()),
            code: EXIT_NETWORK,
        },
    })?;
    let code = match answer.verdict() {
        send::Verdict::Ok => EXIT_OK,
        send::Verdict::Refused => EXIT_AUTH,
        send::Verdict::HttpError => EXIT_HTTP,
    };
    let (status, body, problem, rate_limited) = (
        answer.status,
        &answer.body,
        &answer.oauth_problem,
        answer.rate_limited,
    );
    let status = reqwest::StatusCode::from_u16(status).unwrap_or(reqwest::StatusCode::OK);
    if args.json {
        common::print_json(&answer)?;
    } else {
        eprintln!("HTTP {}", status);
        // The body as it came, when piped; on a terminal its control characters are escaped,
        // line by line (a server's text must not drive the terminal).
        let shown = if std::io::IsTerminal::is_terminal(&std::io::stdout()) {
            oauth1to2::text::term_lines(body)
        } else {
            body.clone()
        };
        print!("{shown}");
        if !shown.ends_with('\n') && !shown.is_empty() {
            println!();
        }
        if rate_limited {
            eprintln!(
                "error: Xero's rate limit was exceeded (HTTP 503); the request was not retried"
            );
            eprintln!("hint: wait a minute, then spread calls out (60 a minute, 5,000 a day per organisation)");
        } else if let Some(e) = &answer.service_error {
            eprintln!(
                "error: {} answered {}{}",
                e.service,
                term(&e.code),
                e.detail
                    .as_deref()
                    .map(|d| format!(" ({})", term(d)))
                    .unwrap_or_default()
            );
            eprintln!("hint: {}", term(&e.hint));
        } else if let Some(p) = problem {
            eprintln!(
                "error: oauth_problem={}{}",
                term(&p.code),
                p.advice
                    .as_deref()
                    .map(|a| format!(" ({})", term(a)))
                    .unwrap_or_default()
            );
            eprintln!("hint: {}", term(&p.hint));
        }
    }
    Ok(code)
}
