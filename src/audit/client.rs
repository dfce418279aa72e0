//! The audit as a report for the client (`audit --for-client`): what their integration is, what
//! exposes them, where it goes and what is left to do, in words. No tool commands, no local
//! paths: those are the consultant's, and stay in the default report.
//!
//! Each integration is named as its vendor names it. A published certificate comes first, as
//! an exposure section. Steps that are commands for the consultant are left out; the rest of
//! the checklist (the portal steps, the switch and the decommissioning) stays.

use std::fmt::Write;

use super::IntegrationAudit;
use crate::cert::Severity;

/// Whether a line is one of the consultant's: it names the tool or carries a command.
fn consultants(line: &str) -> bool {
    line.contains("oauth1to2") || line.contains('`')
}

/// The integration as the client knows it: its name, and its vendor when the inventory says.
fn title(a: &IntegrationAudit) -> String {
    match &a.vendor {
        Some(v) if v.starts_with(&a.name) => v.clone(),
        Some(v) => format!("{} (from {v})", a.name),
        None => a.name.clone(),
    }
}

/// What one integration's report says, in order, before escaping.
struct View<'a> {
    title: String,
    exposure: Option<&'a str>,
    facts: Vec<(&'static str, String)>,
    findings: Vec<(Severity, &'a str, Option<&'a str>)>,
    steps: Vec<&'a str>,
}

fn view(a: &IntegrationAudit) -> View<'_> {
    let exposure = a
        .findings
        .iter()
        .find(|f| f.id == "published-certificate")
        .map(|f| f.message.as_str());
    let mut facts = vec![(
        a.protocol,
        format!("{} app, {}", a.app_type.as_str(), a.oauth1_status),
    )];
    if let Some(o) = &a.organisation {
        facts.push(("Organisation", o.clone()));
    }
    facts.push((
        "Moving to",
        format!(
            "{}: {}",
            a.recommendation.target.as_str(),
            a.recommendation.reason
        ),
    ));
    if let Some(p) = &a.scopes {
        facts.push(("Access it will have", p.scope_string.clone()));
    }
    View {
        title: title(a),
        exposure,
        facts,
        findings: a
            .findings
            .iter()
            .filter(|f| f.id != "published-certificate")
            .map(|f| {
                (
                    f.severity,
                    f.message.as_str(),
                    Some(f.hint.as_str()).filter(|h| !consultants(h)),
                )
            })
            .collect(),
        steps: a
            .checklist
            .iter()
            .map(String::as_str)
            .filter(|s| !consultants(s))
            .collect(),
    }
}

const EXPOSURE_TODO: &str = "Until the integration has moved, treat the organisation as exposed: whoever holds the certificate's private key can act as it. The steps below end with deleting the old app.";

/// The client's report in Markdown.
pub fn markdown(audits: &[IntegrationAudit]) -> String {
    let md = crate::text::markdown;
    let mut s = String::from("# Your integrations: the move to OAuth 2.0\n");
    for a in audits {
        let v = view(a);
        let _ = write!(s, "\n## {}\n\n", md(&v.title));
        if let Some(e) = v.exposure {
            let _ = write!(s, "### Exposure\n\n{}\n\n{EXPOSURE_TODO}\n\n", md(e));
        }
        for (k, val) in &v.facts {
            let _ = writeln!(s, "- **{k}:** {}", md(val));
        }
        if !v.findings.is_empty() {
            s.push_str("\n### What we found\n\n");
            for (sev, message, hint) in &v.findings {
                let _ = write!(s, "- **{sev}:** {}", md(message));
                if let Some(h) = hint {
                    let _ = write!(s, " ({})", md(h));
                }
                s.push('\n');
            }
        }
        s.push_str("\n### Steps\n\n");
        for (i, step) in v.steps.iter().enumerate() {
            let _ = writeln!(s, "{}. {}", i + 1, md(step));
        }
    }
    s
}

/// The client's report as one HTML page (the same page style as the consultant's).
pub fn html(audits: &[IntegrationAudit], generated_at: &str) -> String {
    let e = crate::text::html;
    let mut s = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\
<title>Your integrations: the move to OAuth 2.0</title><style>{}</style></head><body>\n\
<h1>Your integrations: the move to OAuth 2.0</h1>\n<p>Prepared {}.</p>\n",
        super::render::CSS,
        e(generated_at)
    );
    for a in audits {
        let v = view(a);
        let _ = writeln!(s, "<section><h2>{}</h2>", e(&v.title));
        if let Some(x) = v.exposure {
            let _ = writeln!(
                s,
                "<h3>Exposure</h3>\n<p class=\"sev-warning\">{}</p>\n<p>{EXPOSURE_TODO}</p>",
                e(x)
            );
        }
        s.push_str("<dl>");
        for (k, val) in &v.facts {
            let _ = write!(s, "<dt>{}</dt><dd>{}</dd>", e(k), e(val));
        }
        s.push_str("</dl>\n");
        if !v.findings.is_empty() {
            s.push_str("<h3>What we found</h3>\n<ul>\n");
            for (sev, message, hint) in &v.findings {
                let _ = write!(
                    s,
                    "<li><span class=\"sev-{sev}\">{sev}</span>: {}",
                    e(message)
                );
                if let Some(h) = hint {
                    let _ = write!(s, " ({})", e(h));
                }
                s.push_str("</li>\n");
            }
            s.push_str("</ul>\n");
        }
        s.push_str("<h3>Steps</h3>\n<ol>\n");
        for step in &v.steps {
            let _ = writeln!(s, "<li>{}</li>", e(step));
        }
        s.push_str("</ol></section>\n");
    }
    s.push_str("</body></html>\n");
    s
}
