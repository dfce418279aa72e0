//! The scope planner: from the API calls a legacy integration makes (a list, a HAR file or an
//! access log) to the smallest set of OAuth 2.0 scopes that covers them, each explained by the
//! calls that need it.
//!
//! The mapping is data, not code: the provider entry's catalogue
//! ([`crate::provider::ScopeCatalogue`]), one row per resource, each citing the page it comes
//! from. Every function here takes the catalogue it plans with. Rules applied here:
//! - apps created on or after the catalogue's granular day get granular scopes; older apps may
//!   keep the broad ones until its deadline (the plan says so and lists the granular ones to
//!   move to);
//! - a family of calls that is only ever read (GET) gets the `.read` variant;
//! - `offline_access` is added when the target needs refresh tokens;
//! - calls no row covers are listed as unmapped, never guessed.

use serde::Serialize;
use std::collections::BTreeMap;
use time::Date;

/// A provider's scope catalogue: which scope each API resource needs, as data, and what the
/// planner needs to read evidence of calls to its API.
#[derive(Debug)]
pub struct ScopeCatalogue {
    /// The provider's name, for messages.
    pub provider: &'static str,
    /// The table, tab-separated, one row per API resource with its sources (see
    /// `crate::audit::scopes` for the columns).
    pub table: &'static str,
    /// Where the table is in this repository, for errors about it.
    pub table_file: &'static str,
    /// Short names the table's source column uses for pages, and the pages.
    pub pages: &'static [(&'static str, &'static str)],
    /// The short name of the page that documents the scopes (cited for `offline_access`).
    pub scopes_page: &'static str,
    /// The API's host: calls in evidence are to it.
    pub api_host: &'static str,
    /// The path prefixes of its APIs (`/api.xro/`); a bare resource name is under the first.
    pub api_prefixes: &'static [&'static str],
    /// Where a bare resource name (`Invoices`) lives.
    pub bare_name_prefix: &'static str,
    /// The day new apps got granular scopes only.
    pub granular_from: time::Date,
    /// When older apps must have moved to granular scopes, as the provider says it.
    pub broad_deadline: &'static str,
    /// The last day the deprecated broad scopes are taken to work.
    pub broad_last_day: time::Date,
    /// Machine-to-machine apps (Custom Connections) created on or after this day are refused
    /// broad scopes.
    pub m2m_granular_from: time::Date,
    /// The table, parsed once.
    pub rows: std::sync::OnceLock<Result<Vec<CatalogueRow>, CatalogueError>>,
}

/// A day as the plan writes it: `2 March 2026`.
pub fn day_text(d: Date) -> String {
    format!("{} {} {}", d.day(), d.month(), d.year())
}

/// One row of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CatalogueRow {
    /// `accounting`, `payroll`, `files`, `assets` or `projects`.
    pub api: String,
    /// The path prefix, e.g. `/api.xro/2.0`.
    pub prefix: String,
    /// The resource path after the prefix (`Invoices`, `Reports/BalanceSheet`), or `*`.
    pub resource: String,
    /// Broad scope for writes (`None` when the resource is read-only).
    pub broad: Option<String>,
    /// Broad scope for reads.
    pub broad_read: Option<String>,
    /// Granular scope for writes (`None`: read-only resource or not known).
    pub granular: Option<String>,
    /// Granular scope for reads.
    pub granular_read: Option<String>,
    /// Whether the granular mapping is known at all (`?` in the table).
    pub granular_known: bool,
    /// `documented` or `inferred`.
    pub basis: String,
    /// Source pages.
    pub sources: Vec<String>,
}

/// The catalogue could not be read (a bug in the shipped table; tests catch it).
#[derive(Debug, thiserror::Error)]
#[error("{file} line {line}: {message}")]
pub struct CatalogueError {
    /// The table's file.
    pub file: &'static str,
    /// 1-based line.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl CatalogueError {
    /// What to do about it.
    pub fn hint(&self) -> String {
        "the scope catalogue built into this copy of oauth1to2 is damaged: build it again from a clean clone".into()
    }
}

/// The page a short name in the table names.
fn page(cat: &ScopeCatalogue, key: &str) -> String {
    cat.pages
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, url)| (*url).to_owned())
        .unwrap_or_else(|| key.to_owned())
}

/// The catalogue's rows, parsed once per process.
pub fn catalogue(
    cat: &'static ScopeCatalogue,
) -> Result<&'static [CatalogueRow], &'static CatalogueError> {
    match cat.rows.get_or_init(|| parse_catalogue(cat)) {
        Ok(rows) => Ok(rows),
        Err(e) => Err(e),
    }
}

fn parse_catalogue(cat: &ScopeCatalogue) -> Result<Vec<CatalogueRow>, CatalogueError> {
    let mut rows = Vec::new();
    let mut header_seen = false;
    for (i, line) in cat.table.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        if !header_seen {
            header_seen = true;
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() != 9 {
            return Err(CatalogueError {
                file: cat.table_file,
                line: i + 1,
                message: format!("{} columns, want 9", f.len()),
            });
        }
        let opt = |s: &str| (s != "-" && s != "?").then(|| s.to_owned());
        let same = |s: &str, broad: &Option<String>| {
            if s == "=" {
                broad.clone()
            } else {
                opt(s)
            }
        };
        let broad = opt(f[3]);
        let broad_read = opt(f[4]);
        if f[7] != "documented" && f[7] != "inferred" {
            return Err(CatalogueError {
                file: cat.table_file,
                line: i + 1,
                message: format!("basis {:?} is neither documented nor inferred", f[7]),
            });
        }
        rows.push(CatalogueRow {
            api: f[0].into(),
            prefix: f[1].into(),
            resource: f[2].into(),
            granular: same(f[5], &broad),
            granular_read: same(f[6], &broad_read),
            granular_known: f[5] != "?" && f[6] != "?",
            broad,
            broad_read,
            basis: f[7].into(),
            sources: f[8].split_whitespace().map(|k| page(cat, k)).collect(),
        });
    }
    Ok(rows)
}

/// One API call seen or listed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct ApiCall {
    /// `GET`, `PUT`, `POST`, `DELETE`, or `ANY` when the list gave only a name.
    pub method: String,
    /// The path, e.g. `/api.xro/2.0/Invoices`.
    pub path: String,
}

impl std::fmt::Display for ApiCall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.method, self.path)
    }
}

impl ApiCall {
    pub(crate) fn is_read(&self) -> bool {
        self.method == "GET" || self.method == "HEAD"
    }
}

/// Where the calls came from, for the plan's wording and errors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    /// `list`, `har` or `log`, with the file.
    pub source: String,
    /// The calls (deduplicated, sorted).
    pub calls: Vec<ApiCall>,
    /// Lines or entries that were not Xero API calls, counted.
    pub ignored: usize,
}

/// A bad list of endpoints, HAR file or log.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EvidenceError {
    /// An entry of `--endpoints` is not understood.
    #[error("{entry:?} is not an endpoint: {reason}")]
    BadEntry {
        /// The entry.
        entry: String,
        /// Why.
        reason: String,
    },
    /// The HAR file is not usable.
    #[error("unusable HAR file: {0}")]
    BadHar(#[from] crate::har::HarError),
    /// Nothing in the input is a call to the catalogue's API.
    #[error("no call to {host} found in {input}")]
    Empty {
        /// The input.
        input: String,
        /// The API's host.
        host: &'static str,
    },
}

impl EvidenceError {
    /// What to do about it.
    pub fn hint(&self) -> String {
        match self {
            EvidenceError::BadEntry { .. } => "write entries as Invoices, GET Contacts or POST /api.xro/2.0/Payments, separated by commas".into(),
            EvidenceError::BadHar(e) => e.hint().into(),
            EvidenceError::Empty { host, .. } => format!("the input must show requests to https://{host} (or paths under its APIs)"),
        }
    }
}

const METHODS: [&str; 6] = ["GET", "PUT", "POST", "DELETE", "PATCH", "HEAD"];

/// Turns a path or URL into the catalogue's API path, if it is one:
/// `https://api.xero.com/api.xro/2.0/Invoices/ID?x` becomes `/api.xro/2.0/Invoices/ID`.
fn api_path(cat: &ScopeCatalogue, url_or_path: &str) -> Option<String> {
    let s = url_or_path.trim();
    let path = if let Some(rest) = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))
    {
        let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
        let host = host.rsplit('@').next().unwrap_or(host).to_ascii_lowercase();
        let bare = host.split(':').next().unwrap_or(&host);
        if bare != cat.api_host {
            return None;
        }
        format!("/{path}")
    } else {
        s.to_owned()
    };
    let path = path.split(['?', '#']).next().unwrap_or("");
    let lower = path.to_ascii_lowercase();
    cat.api_prefixes
        .iter()
        .any(|p| lower.starts_with(p))
        .then(|| path.trim_end_matches('/').to_owned())
}

/// A list of calls: `Invoices,GET Contacts,POST /api.xro/2.0/Payments,Reports/BalanceSheet`. A
/// bare name is a resource under the catalogue's first API; without a method it may be read or
/// written (`ANY`).
pub fn from_list(cat: &ScopeCatalogue, list: &str) -> Result<Evidence, EvidenceError> {
    let mut calls = Vec::new();
    for entry in list
        .split([',', '\n'])
        .map(str::trim)
        .filter(|e| !e.is_empty())
    {
        let (method, target) = match entry.split_once(char::is_whitespace) {
            Some((m, t)) if METHODS.contains(&m.to_ascii_uppercase().as_str()) => {
                (m.to_ascii_uppercase(), t.trim())
            }
            Some(_) => {
                return Err(EvidenceError::BadEntry {
                    entry: entry.into(),
                    reason: "write METHOD PATH (GET Invoices) or a bare name (Invoices)".into(),
                })
            }
            None => ("ANY".to_owned(), entry),
        };
        let path = if target.starts_with('/') || target.contains("://") {
            api_path(cat, target).ok_or_else(|| EvidenceError::BadEntry {
                entry: entry.into(),
                reason: format!(
                    "not a path under the API at {} ({}...)",
                    cat.api_host,
                    cat.api_prefixes.join("..., ")
                ),
            })?
        } else if target
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '/')
        {
            format!("{}/{}", cat.bare_name_prefix, target.trim_matches('/'))
        } else {
            return Err(EvidenceError::BadEntry {
                entry: entry.into(),
                reason: "a name has only letters, digits and /".into(),
            });
        };
        calls.push(ApiCall { method, path });
    }
    finish(cat, "the endpoint list", calls, 0)
}

/// Every request to the catalogue's API in a HAR file (browser dev tools, a proxy such as
/// mitmproxy or Fiddler).
pub fn from_har(cat: &ScopeCatalogue, name: &str, json: &str) -> Result<Evidence, EvidenceError> {
    let har = crate::har::parse(json)?;
    let mut calls = Vec::new();
    let mut ignored = 0;
    for r in crate::har::requests(&har) {
        match r.and_then(|r| Some((r.method, api_path(cat, r.url)?, r.url))) {
            Some((m, path, url)) if url.contains("://") => calls.push(ApiCall {
                method: m.to_ascii_uppercase(),
                path,
            }),
            _ => ignored += 1,
        }
    }
    finish(cat, name, calls, ignored)
}

/// Every request to the catalogue's API in an access log: combined/common log format
/// (`"GET /api.xro/2.0/Invoices HTTP/1.1"`), or any line with a method followed by an
/// `https://api.xero.com/...` URL or an API path.
pub fn from_log(cat: &ScopeCatalogue, name: &str, text: &str) -> Result<Evidence, EvidenceError> {
    let mut calls = Vec::new();
    let mut ignored = 0;
    for line in text.lines() {
        let words: Vec<&str> = line
            .split(|c: char| c.is_whitespace() || c == '"')
            .filter(|w| !w.is_empty())
            .collect();
        let found = words.windows(2).find_map(|w| {
            let m = w[0].to_ascii_uppercase();
            if METHODS.contains(&m.as_str()) {
                api_path(cat, w[1]).map(|path| ApiCall { method: m, path })
            } else {
                None
            }
        });
        match found {
            Some(c) => calls.push(c),
            None if line.trim().is_empty() => {}
            None => ignored += 1,
        }
    }
    finish(cat, name, calls, ignored)
}

fn finish(
    cat: &ScopeCatalogue,
    source: &str,
    mut calls: Vec<ApiCall>,
    ignored: usize,
) -> Result<Evidence, EvidenceError> {
    if calls.is_empty() {
        return Err(EvidenceError::Empty {
            input: source.into(),
            host: cat.api_host,
        });
    }
    calls.sort();
    calls.dedup();
    Ok(Evidence {
        source: source.into(),
        calls,
        ignored,
    })
}

/// What the plan is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanOptions {
    /// When the OAuth 2.0 app was (or will be) created; `None` means a new app, today.
    pub app_created: Option<Date>,
    /// Today, for "a new app".
    pub today: Date,
    /// The target keeps a connection without the user (a refresh token): add offline_access.
    pub offline_access: bool,
}

/// One scope in the plan, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlannedScope {
    /// The scope.
    pub scope: String,
    /// The calls that need it.
    pub needed_by: Vec<String>,
    /// Why, in words.
    pub reason: String,
    /// The granular scope(s) to move to by September 2027 (broad plans only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub granular_replacement: Vec<String>,
    /// The mapping is inferred, not named on the source page: confirm it there.
    pub confirm: bool,
    /// Where the mapping comes from.
    pub sources: Vec<String>,
}

/// A call the catalogue does not cover.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnmappedCall {
    /// The call.
    pub call: String,
    /// Why it could not be mapped.
    pub reason: String,
}

/// The planner's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScopePlan {
    /// `granular` or `broad`.
    pub scheme: &'static str,
    /// Why that scheme.
    pub scheme_reason: String,
    /// The scopes, space-separated, ready to paste.
    pub scope_string: String,
    /// Each scope with the calls that need it.
    pub scopes: Vec<PlannedScope>,
    /// Calls nothing in the catalogue covers.
    pub unmapped: Vec<UnmappedCall>,
    /// How many calls were planned for.
    pub calls: usize,
}

/// Finds the catalogue row for a path: `Attachments` anywhere wins (attachment calls need the
/// attachments scope), then the longest resource match. Case-insensitive, and without an
/// allocation per row: it runs for every call of every inventory.
pub(crate) fn row_for<'a>(rows: &'a [CatalogueRow], path: &str) -> Option<&'a CatalogueRow> {
    // The part of `path` after `r`'s prefix, when the path lies under it.
    let under = |r: &CatalogueRow| -> Option<&str> {
        let p = r.prefix.as_bytes();
        let b = path.as_bytes();
        (b.len() > p.len() && b[..p.len()].eq_ignore_ascii_case(p) && b[p.len()] == b'/')
            // The prefix is ASCII, so the byte after it starts a character.
            .then(|| &path[p.len()..])
    };
    if path
        .split('/')
        .any(|s| s.eq_ignore_ascii_case("Attachments"))
    {
        if let Some(r) = rows
            .iter()
            .find(|r| r.resource == "Attachments" && under(r).is_some())
        {
            return Some(r);
        }
    }
    let mut best: Option<&CatalogueRow> = None;
    for r in rows {
        let Some(rest) = under(r) else { continue };
        let matches = r.resource == "*" || {
            let mut segments = rest.split('/').filter(|s| !s.is_empty());
            r.resource
                .split('/')
                .all(|w| segments.next().is_some_and(|s| s.eq_ignore_ascii_case(w)))
        };
        let longer = || {
            best.is_none_or(|b| {
                b.resource == "*" || r.resource.split('/').count() > b.resource.split('/').count()
            })
        };
        if matches && longer() {
            best = Some(r);
        }
    }
    best
}

/// Plans the scopes for `calls` from the catalogue `cat`.
pub fn plan(
    cat: &'static ScopeCatalogue,
    calls: &[ApiCall],
    options: &PlanOptions,
) -> Result<ScopePlan, &'static CatalogueError> {
    let rows = catalogue(cat)?;
    let created = options.app_created.unwrap_or(options.today);
    let granular = created >= cat.granular_from;
    let from = day_text(cat.granular_from);
    // Per catalogue row: its calls and whether any writes.
    let mut by_row: BTreeMap<usize, (Vec<&ApiCall>, bool)> = BTreeMap::new();
    let mut unmapped = Vec::new();
    for c in calls {
        match row_for(rows, &c.path) {
            Some(r) => {
                let i = rows.iter().position(|x| std::ptr::eq(x, r)).unwrap_or(0);
                let e = by_row.entry(i).or_default();
                e.0.push(c);
                e.1 |= !c.is_read();
            }
            None => unmapped.push(UnmappedCall {
                call: c.to_string(),
                reason: format!("no row of the scope catalogue covers this path; look it up on {}'s scope pages and ask for the scope by hand", cat.provider),
            }),
        }
    }
    // Scope -> (calls, confirm, sources, replacement).
    let mut scopes: BTreeMap<String, PlannedScope> = BTreeMap::new();
    for (i, (row_calls, writes)) in by_row {
        let r = &rows[i];
        let pick = |write: &Option<String>, read: &Option<String>| {
            if writes {
                write.clone().or_else(|| read.clone())
            } else {
                read.clone().or_else(|| write.clone())
            }
        };
        let (scope, replacement) = if granular {
            if !r.granular_known {
                for c in &row_calls {
                    unmapped.push(UnmappedCall {
                        call: c.to_string(),
                        reason: format!(
                            "{} has no granular scope in the catalogue; an app created on or after {from} may not reach it. Check {}'s scope pages",
                            r.resource, cat.provider
                        ),
                    });
                }
                continue;
            }
            (pick(&r.granular, &r.granular_read), None)
        } else {
            let g = if r.granular_known {
                pick(&r.granular, &r.granular_read)
            } else {
                None
            };
            (pick(&r.broad, &r.broad_read), g)
        };
        let Some(scope) = scope else { continue };
        let entry = scopes.entry(scope.clone()).or_insert_with(|| PlannedScope {
            scope: scope.clone(),
            needed_by: Vec::new(),
            reason: String::new(),
            granular_replacement: Vec::new(),
            confirm: false,
            sources: Vec::new(),
        });
        entry
            .needed_by
            .extend(row_calls.iter().map(|c| c.to_string()));
        entry.confirm |= granular && r.basis == "inferred";
        for s in &r.sources {
            if !entry.sources.contains(s) {
                entry.sources.push(s.clone());
            }
        }
        if let Some(g) = replacement {
            if g != scope && !entry.granular_replacement.contains(&g) {
                entry.granular_replacement.push(g);
            }
        }
    }
    // A write scope covers its read variant: drop `X.read` when `X` is planned.
    let names: Vec<String> = scopes.keys().cloned().collect();
    for n in &names {
        if let Some(base) = n.strip_suffix(".read") {
            if scopes.contains_key(base) {
                if let Some(read) = scopes.remove(n) {
                    if let Some(w) = scopes.get_mut(base) {
                        w.needed_by.extend(read.needed_by);
                        w.confirm |= read.confirm;
                    }
                }
            }
        }
    }
    let mut list: Vec<PlannedScope> = scopes
        .into_values()
        .map(|mut s| {
            s.needed_by.sort();
            s.needed_by.dedup();
            let writes = s.needed_by.iter().any(|c| !c.starts_with("GET "));
            s.reason = if s.scope.ends_with(".read") {
                "only read (GET) calls need it, so the read-only variant is enough".into()
            } else if writes {
                "these calls write (PUT/POST/DELETE) or may write".into()
            } else {
                "this resource has no read-only variant".into()
            };
            s
        })
        .collect();
    if options.offline_access {
        list.insert(
            0,
            PlannedScope {
                scope: "offline_access".into(),
                needed_by: vec![],
                reason: "the integration runs without a user present, so it needs a refresh token"
                    .into(),
                granular_replacement: vec![],
                confirm: false,
                sources: vec![page(cat, cat.scopes_page)],
            },
        );
    }
    let scheme_reason = match (granular, options.app_created) {
        (true, Some(d)) => format!("the app was created on {d}, on or after {from}: {} only gives it granular scopes", cat.provider),
        (true, None) => format!("a new app (created today) only gets granular scopes from {} (since {from})", cat.provider),
        (false, Some(d)) => format!("the app was created on {d}, before {from}: it may keep broad scopes until {}, then it must use the granular ones listed", cat.broad_deadline),
        (false, None) => unreachable_reason(cat),
    };
    Ok(ScopePlan {
        scheme: if granular { "granular" } else { "broad" },
        scheme_reason,
        scope_string: list
            .iter()
            .map(|s| s.scope.as_str())
            .collect::<Vec<_>>()
            .join(" "),
        calls: calls.len(),
        scopes: list,
        unmapped,
    })
}

// `today` is never before the granular day on a machine with a correct clock; a wrong clock
// still gets a sentence rather than a panic.
fn unreachable_reason(cat: &ScopeCatalogue) -> String {
    format!(
        "the system clock says today is before {}; broad scopes are planned (until {})",
        day_text(cat.granular_from),
        cat.broad_deadline
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_catalogue_parses_and_every_row_cites_one_of_its_pages() {
        for p in crate::provider::REGISTRY {
            let Some(cat) = p.scopes else { continue };
            let rows = catalogue(cat).unwrap();
            assert!(rows.len() > 40, "{}", p.id);
            for r in rows {
                assert!(!r.sources.is_empty(), "{r:?}");
                assert!(
                    r.sources
                        .iter()
                        .all(|s| cat.pages.iter().any(|(_, url)| url == s)),
                    "{r:?}"
                );
                assert!(r.broad.is_some() || r.broad_read.is_some(), "{r:?}");
            }
        }
    }

    #[test]
    fn paths_and_urls() {
        let xero = &crate::provider::xero::SCOPES;
        assert_eq!(
            api_path(xero, "https://api.xero.com/api.xro/2.0/Invoices/abc?page=2").as_deref(),
            Some("/api.xro/2.0/Invoices/abc")
        );
        assert_eq!(
            api_path(xero, "https://api.xero.com:443/api.xro/2.0/Invoices").as_deref(),
            Some("/api.xro/2.0/Invoices")
        );
        assert_eq!(
            api_path(xero, "https://example.com/api.xro/2.0/Invoices"),
            None
        );
        assert_eq!(
            api_path(xero, "https://api.xero.com.evil/api.xro/2.0/Invoices"),
            None
        );
        assert_eq!(api_path(xero, "/connections"), None);
        assert_eq!(day_text(xero.granular_from), "2 March 2026");
    }
}
