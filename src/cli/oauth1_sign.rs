//! `oauth1to2 oauth1 sign METHOD URL`

use serde::Serialize;

use super::common::{self, CliError, EXIT_OK};
use super::signing::{sign_request, SigningArgs};

/// Sign a request like a Xero private (or partner) app and print the Authorization header.
///
/// Profiles: `xero-private` (default) sends the consumer key as both oauth_consumer_key and
/// oauth_token and signs RSA-SHA1 with --key; `generic` signs with whatever --signature-method,
/// --token and secrets you give. -d adds form-body parameters, which are signed.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  oauth1to2 oauth1 sign --consumer-key CK --key privatekey.pem GET https://api.xero.com/api.xro/2.0/Organisation\n  \
oauth1to2 oauth1 sign --consumer-key CK --key privatekey.pem --json POST https://api.xero.com/api.xro/2.0/Contacts -d 'xml=<Contacts/>'\n  \
curl -H \"Authorization: $(oauth1to2 oauth1 sign --consumer-key CK --key privatekey.pem GET URL)\" URL"
)]
pub struct Args {
    #[command(flatten)]
    pub signing: SigningArgs,
    /// Print the base string, normalised parameters, signature and header as JSON.
    #[arg(long, conflicts_with = "curl")]
    json: bool,
    /// Print a ready curl command instead of the header.
    #[arg(long)]
    curl: bool,
}

#[derive(Serialize)]
struct SignResult<'a> {
    base_string: &'a str,
    base_uri: &'a str,
    parameters: Vec<[&'a str; 2]>,
    signature_method: &'a str,
    signature: &'a str,
    authorization: &'a str,
}

pub fn run(cli: Args) -> Result<u8, CliError> {
    let signed = sign_request(&cli.signing)?;
    let args = &cli.signing;
    if cli.json {
        common::print_json(&SignResult {
            base_string: &signed.base.text,
            base_uri: &signed.base.base_uri,
            parameters: signed
                .base
                .parameters
                .iter()
                .map(|(k, v)| [k.as_str(), v.as_str()])
                .collect(),
            signature_method: signed.method.as_str(),
            signature: &signed.signature,
            authorization: &signed.authorization,
        })?;
    } else if cli.curl {
        let mut cmd = format!(
            "curl -X {} -H {}",
            args.method.to_ascii_uppercase(),
            oauth1to2::text::shell(&format!("Authorization: {}", signed.authorization))
        );
        for (k, v) in &signed.form {
            cmd.push_str(&format!(
                " --data-urlencode {}",
                oauth1to2::text::shell(&format!("{k}={v}"))
            ));
        }
        cmd.push(' ');
        cmd.push_str(&oauth1to2::text::shell(&args.url));
        println!("{cmd}");
    } else {
        println!("{}", signed.authorization);
    }
    Ok(EXIT_OK)
}
