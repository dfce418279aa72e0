//! Audit reports as text for the terminal, Markdown, and one self-contained HTML page that a
//! consultant can send to a client: no external assets, readable on screen and on paper, a
//! summary table and a status badge per integration.

use super::IntegrationAudit;
use crate::cert::Severity;
use crate::text::term as t;
use std::fmt::Write;

fn status_word(a: &IntegrationAudit) -> &'static str {
    match a.status {
        "errors" => "action needed",
        "warnings" => "review",
        _ => "ok",
    }
}

/// Plain text, for the terminal.
pub fn text(audits: &[IntegrationAudit]) -> String {
    text_with(audits, &|sev| format!("{sev:<8}"))
}

/// Plain text with each finding's severity word (padded to 8 columns) made by `label`: the
/// command line colours it on a terminal.
pub fn text_with(audits: &[IntegrationAudit], label: &dyn Fn(Severity) -> String) -> String {
    let mut s = String::new();
    for a in audits {
        s.push_str(&text_one(a, label));
    }
    s.push_str(&summary_line(audits));
    s
}

/// One audit in plain text, as [`text_with`] writes each.
pub fn text_one(a: &IntegrationAudit, label: &dyn Fn(Severity) -> String) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{} ({}): {}", t(&a.name), t(&a.file), status_word(a));
    if let Some(v) = &a.vendor {
        let _ = writeln!(s, "  vendor:         {}", t(v));
    }
    if let Some(o) = &a.organisation {
        let _ = writeln!(s, "  organisation:   {}", t(o));
    }
    let _ = writeln!(
        s,
        "  {:<16}{} app, {}",
        format!("{}:", a.protocol),
        a.app_type.as_str(),
        a.oauth1_status
    );
    if let Some(c) = &a.certificate {
        let _ = writeln!(
            s,
            "  certificate:    {} ({}, expires {})",
            t(&c.subject),
            t(&c.key),
            c.not_after
        );
        let _ = writeln!(s, "                  SHA-256 {}", c.sha256_fingerprint);
    }
    match a.key_matches {
        Some(true) => {
            let _ = writeln!(s, "  private key:    matches the certificate");
        }
        Some(false) => {
            let _ = writeln!(s, "  private key:    DOES NOT match the certificate");
        }
        None => {}
    }
    let _ = writeln!(
        s,
        "  target:         {} ({})",
        a.recommendation.target.as_str(),
        t(&a.recommendation.reason)
    );
    if let Some(d) = &a.recommendation.differs_from_inventory {
        let _ = writeln!(s, "                  note: {}", t(d));
    }
    if let Some(p) = &a.scopes {
        let _ = writeln!(s, "  scopes:         {} ({})", t(&p.scope_string), p.scheme);
    }
    if !a.findings.is_empty() {
        let _ = writeln!(s, "  findings:");
    }
    for f in &a.findings {
        let _ = writeln!(s, "    {} {}: {}", label(f.severity), f.id, t(&f.message));
    }
    let _ = writeln!(s, "  checklist:");
    for (i, step) in a.checklist.iter().enumerate() {
        let _ = writeln!(s, "    {:>2}. {}", i + 1, t(step));
    }
    s.push('\n');
    s
}

fn summary_line(audits: &[IntegrationAudit]) -> String {
    let with_errors = audits.iter().filter(|a| a.status == "errors").count();
    summary(audits.len(), with_errors)
}

/// The text report's last line: how many were audited, and how many have error findings.
pub fn summary(audited: usize, with_errors: usize) -> String {
    format!(
        "{audited} integration{} audited, {with_errors} with error findings\n",
        if audited == 1 { "" } else { "s" },
    )
}

/// Markdown and inline HTML are escaped, and so are control characters: names, subjects and
/// messages come from inventories and certificates.
fn md_escape(s: &str) -> String {
    crate::text::markdown(s)
}

/// Markdown, for a ticket or a wiki.
pub fn markdown(audits: &[IntegrationAudit]) -> String {
    let mut s = String::from("# OAuth 1.0a to OAuth 2.0 audit\n\n");
    s.push_str("| integration | app type | status | errors | warnings | target |\n|---|---|---|---|---|---|\n");
    for a in audits {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} |",
            md_escape(&a.name),
            a.app_type.as_str(),
            status_word(a),
            a.count(Severity::Error),
            a.count(Severity::Warning),
            a.recommendation.target.as_str()
        );
    }
    for a in audits {
        let _ = write!(s, "\n## {}\n\n", md_escape(&a.name));
        let _ = writeln!(s, "- **Inventory:** {}", md_escape(&a.file));
        if let Some(o) = &a.organisation {
            let _ = writeln!(s, "- **Organisation:** {}", md_escape(o));
        }
        let _ = writeln!(
            s,
            "- **{}:** {} app, {}",
            a.protocol,
            a.app_type.as_str(),
            a.oauth1_status
        );
        if let Some(c) = &a.certificate {
            let _ = writeln!(
                s,
                "- **Certificate:** {} ({}, expires {}), SHA-256 `{}`",
                md_escape(&c.subject),
                md_escape(&c.key),
                c.not_after,
                c.sha256_fingerprint
            );
        }
        if let Some(m) = a.key_matches {
            let _ = writeln!(
                s,
                "- **Private key:** {}",
                if m {
                    "matches the certificate"
                } else {
                    "does NOT match the certificate"
                }
            );
        }
        let _ = writeln!(
            s,
            "- **Target:** {}: {}",
            a.recommendation.target.as_str(),
            md_escape(&a.recommendation.reason)
        );
        if let Some(d) = &a.recommendation.differs_from_inventory {
            let _ = writeln!(s, "  - **Chosen in the inventory:** {}", md_escape(d));
        }
        if let Some(p) = &a.scopes {
            let _ = writeln!(
                s,
                "- **Scopes ({}):** {}",
                p.scheme,
                md_escape(&p.scope_string)
            );
        }
        s.push_str(
            "\n### Findings\n\n| severity | id | finding | what to do |\n|---|---|---|---|\n",
        );
        for f in &a.findings {
            let _ = writeln!(
                s,
                "| {} | `{}` | {} | {} |",
                f.severity,
                f.id,
                md_escape(&f.message),
                md_escape(&f.hint)
            );
        }
        if let Some(p) = &a.scopes {
            s.push_str("\n### Scopes\n\n| scope | needed by | why |\n|---|---|---|\n");
            for sc in &p.scopes {
                let _ = writeln!(
                    s,
                    "| {} | {} | {}{} |",
                    md_escape(&sc.scope),
                    md_escape(&sc.needed_by.join(", ")),
                    md_escape(&sc.reason),
                    if sc.confirm {
                        " (confirm on the provider's scope page)"
                    } else {
                        ""
                    }
                );
            }
        }
        s.push_str("\n### Checklist\n\n");
        for (i, step) in a.checklist.iter().enumerate() {
            let _ = writeln!(s, "{}. {}", i + 1, md_escape(step));
        }
    }
    s
}

pub(crate) const CSS: &str = "body{font:15px/1.5 system-ui,-apple-system,'Segoe UI',sans-serif;color:#1b1f24;max-width:60rem;margin:2rem auto;padding:0 1rem}
h1{font-size:1.6rem}h2{font-size:1.25rem;border-bottom:1px solid #d0d7de;padding-bottom:.3rem;margin-top:2.5rem}
table{border-collapse:collapse;width:100%;margin:1rem 0}th,td{border:1px solid #d0d7de;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f5f7}code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.9em;word-break:break-all}
.badge{display:inline-block;border-radius:1rem;padding:.05rem .6rem;font-size:.85rem;font-weight:600;border:1px solid}
.errors{background:#ffebe9;color:#a40e26;border-color:#ff8182}.warnings{background:#fff8c5;color:#7d4e00;border-color:#d4a72c}.ok{background:#dafbe1;color:#116329;border-color:#4ac26b}
.sev-error{color:#a40e26;font-weight:600}.sev-warning{color:#7d4e00;font-weight:600}.sev-notice{color:#57606a}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dt{font-weight:600}dd{margin:0}
@media print{body{margin:0;max-width:none;font-size:11pt}section{break-inside:avoid-page}h2{break-after:avoid}a{color:inherit}}";

/// One self-contained HTML page (inline CSS, no scripts, no external requests).
pub fn html(audits: &[IntegrationAudit], generated_at: &str) -> String {
    let e = crate::text::html;
    let mut s = String::new();
    let _ = write!(
        s,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\
<title>OAuth 1.0a to OAuth 2.0 audit</title><style>{CSS}</style></head><body>\n\
<h1>OAuth 1.0a to OAuth 2.0 audit</h1>\n<p>Generated {} by oauth1to2 {}. {}</p>\n",
        e(generated_at),
        env!("CARGO_PKG_VERSION"),
        e(summary_line(audits).trim())
    );
    s.push_str("<table><thead><tr><th>Integration</th><th>App type</th><th>Status</th><th>Errors</th><th>Warnings</th><th>Target</th></tr></thead><tbody>\n");
    for a in audits {
        let _ = writeln!(
            s,
            "<tr><td>{}</td><td>{}</td><td><span class=\"badge {}\">{}</span></td><td>{}</td><td>{}</td><td>{}</td></tr>",
            e(&a.name),
            a.app_type.as_str(),
            a.status,
            status_word(a),
            a.count(Severity::Error),
            a.count(Severity::Warning),
            a.recommendation.target.as_str()
        );
    }
    s.push_str("</tbody></table>\n");
    for a in audits {
        let _ = write!(
            s,
            "<section><h2>{} <span class=\"badge {}\">{}</span></h2>\n<dl>",
            e(&a.name),
            a.status,
            status_word(a)
        );
        let mut row = |k: &str, v: String| {
            let _ = write!(s, "<dt>{k}</dt><dd>{v}</dd>");
        };
        row("Inventory", format!("<code>{}</code>", e(&a.file)));
        if let Some(v) = &a.vendor {
            row("Vendor", e(v));
        }
        if let Some(o) = &a.organisation {
            row("Organisation", e(o));
        }
        row(
            a.protocol,
            e(&format!("{} app, {}", a.app_type.as_str(), a.oauth1_status)),
        );
        if let Some(c) = &a.certificate {
            row(
                "Certificate",
                format!(
                    "{} ({}, expires {})<br>SHA-256 <code>{}</code>",
                    e(&c.subject),
                    e(&c.key),
                    e(&c.not_after),
                    e(&c.sha256_fingerprint)
                ),
            );
        }
        if let Some(m) = a.key_matches {
            row(
                "Private key",
                (if m {
                    "matches the certificate"
                } else {
                    "<strong>does not match the certificate</strong>"
                })
                .into(),
            );
        }
        row(
            "Target",
            format!(
                "<strong>{}</strong>: {}{}",
                a.recommendation.target.as_str(),
                e(&a.recommendation.reason),
                a.recommendation
                    .differs_from_inventory
                    .as_deref()
                    .map(|d| format!("<br><em>Chosen in the inventory:</em> {}", e(d)))
                    .unwrap_or_default()
            ),
        );
        if let Some(p) = &a.scopes {
            row(
                "Scopes",
                format!("<code>{}</code> ({})", e(&p.scope_string), p.scheme),
            );
        }
        s.push_str("</dl>\n<h3>Findings</h3>\n<table><thead><tr><th>Severity</th><th>Finding</th><th>What to do</th></tr></thead><tbody>\n");
        for f in &a.findings {
            let _ =
                writeln!(
                s,
                "<tr><td class=\"sev-{}\">{}</td><td><code>{}</code><br>{}</td><td>{}</td></tr>",
                f.severity, f.severity, e(&f.id), e(&f.message), e(&f.hint)
            );
        }
        s.push_str("</tbody></table>\n");
        if let Some(p) = &a.scopes {
            s.push_str("<h3>Scopes</h3>\n<table><thead><tr><th>Scope</th><th>Needed by</th><th>Why</th></tr></thead><tbody>\n");
            for sc in &p.scopes {
                let _ = writeln!(
                    s,
                    "<tr><td><code>{}</code></td><td>{}</td><td>{}{}</td></tr>",
                    e(&sc.scope),
                    e(&sc.needed_by.join(", ")),
                    e(&sc.reason),
                    if sc.confirm {
                        " (confirm on the provider's scope page)"
                    } else {
                        ""
                    }
                );
            }
            s.push_str("</tbody></table>\n");
        }
        s.push_str("<h3>Checklist</h3>\n<ol>\n");
        for step in &a.checklist {
            let _ = writeln!(s, "<li>{}</li>", e(step));
        }
        s.push_str("</ol></section>\n");
    }
    s.push_str("</body></html>\n");
    s
}

/// The files in a client's folder that were not usable inventories, for the end of the text
/// report: each with what is wrong and how to fix it. Empty when there are none.
pub fn unusable_text(unusable: &[super::Unusable]) -> String {
    let mut s = String::new();
    if unusable.is_empty() {
        return s;
    }
    let _ = writeln!(s, "\nNot audited ({}):", unusable.len());
    for u in unusable {
        let _ = writeln!(
            s,
            "  error    inventory-unusable: {}",
            crate::text::term(&u.message)
        );
        let _ = writeln!(s, "           {}", crate::text::term(&u.hint));
    }
    s
}

/// The same for the Markdown report.
pub fn unusable_markdown(unusable: &[super::Unusable]) -> String {
    let mut s = String::new();
    if unusable.is_empty() {
        return s;
    }
    s.push_str("\n## Not audited\n\n| severity | id | file | what is wrong | what to do |\n|---|---|---|---|---|\n");
    for u in unusable {
        let _ = writeln!(
            s,
            "| error | `inventory-unusable` | {} | {} | {} |",
            md_escape(&u.file),
            md_escape(&u.message),
            md_escape(&u.hint)
        );
    }
    s
}

/// The same for the HTML report: a section to put before `</body>`.
pub fn unusable_html(unusable: &[super::Unusable]) -> String {
    let e = crate::text::html;
    let mut s = String::new();
    if unusable.is_empty() {
        return s;
    }
    s.push_str("<section><h2>Not audited</h2>\n<table><thead><tr><th>Severity</th><th>File</th><th>What is wrong</th><th>What to do</th></tr></thead><tbody>\n");
    for u in unusable {
        let _ = writeln!(
            s,
            "<tr><td class=\"sev-error\">error</td><td><code>{}</code><br><code>inventory-unusable</code></td><td>{}</td><td>{}</td></tr>",
            e(&u.file),
            e(&u.message),
            e(&u.hint)
        );
    }
    s.push_str("</tbody></table></section>\n");
    s
}
