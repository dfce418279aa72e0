//! The granted scopes of an existing OAuth 2.0 app against the move to granular scopes: which
//! granted scopes are deprecated broad ones (and what replaces them), and, when there is
//! evidence of the app's calls, what to add, what is granted but unused, and which calls the
//! grant cannot make at all. All from the provider's scope catalogue.
//!
//! A refresh never changes scopes: moving means a new consent (`scopes upgrade` for the
//! consultant's own connection, `scopes link` for each organisation's admin).

use serde::Serialize;
use time::Date;

use super::scopes::{self, ApiCall, CatalogueError, PlanOptions, ScopeCatalogue, UnmappedCall};

/// Scopes that are about the user and the grant, not the API: kept as the profile had them.
pub const IDENTITY: [&str; 4] = ["openid", "profile", "email", "offline_access"];

/// A deprecated broad scope and what replaces it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Deprecated {
    /// The broad scope (`accounting.transactions`).
    pub scope: String,
    /// Every granular scope that takes over part of it, from the catalogue.
    pub replacements: Vec<String>,
    /// The replacements the evidence needs (empty without evidence).
    pub needed_replacements: Vec<String>,
}

/// A call the grant cannot make.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MissingCall {
    /// The call (`POST /api.xro/2.0/Payments`).
    pub call: String,
    /// The granular scopes that would allow it.
    pub allowed_by: Vec<String>,
}

/// What to check.
#[derive(Debug, Clone)]
pub struct CheckInput<'a> {
    /// The provider's scope catalogue.
    pub catalogue: &'static ScopeCatalogue,
    /// The granted scopes.
    pub granted: &'a [String],
    /// The app's calls, when there is evidence of them.
    pub calls: Option<&'a [ApiCall]>,
    /// When the app was created, if known.
    pub app_created: Option<Date>,
    /// Today.
    pub today: Date,
}

/// The outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScopeCheck {
    /// The granted scopes checked.
    pub granted: Vec<String>,
    /// Granted scopes that are deprecated broad ones.
    pub deprecated: Vec<Deprecated>,
    /// When the broad scopes go, as the provider says it.
    pub deadline: &'static str,
    /// Whether today is past it (then a deprecated scope is an error, not a warning).
    pub past_deadline: bool,
    /// Whether the app was created on or after the day broad scopes stopped being offered (it
    /// cannot be granted them again).
    pub granular_only_app: bool,
    /// Whether evidence of calls was given.
    pub evidence: bool,
    /// The granular scopes the evidence needs.
    pub needed: Vec<String>,
    /// Needed scopes the grant lacks.
    pub add: Vec<String>,
    /// Granted scopes (not identity, not deprecated) that no call of the evidence needs.
    pub unused: Vec<String>,
    /// Calls the grant cannot make at all.
    pub missing: Vec<MissingCall>,
    /// Calls no catalogue row covers.
    pub unmapped: Vec<UnmappedCall>,
    /// The scope set to move to: the identity scopes as granted, then the evidence's needs (or,
    /// without evidence, the granted scopes with each deprecated one replaced by all of its
    /// replacements).
    pub target: Vec<String>,
}

impl ScopeCheck {
    /// Whether anything needs doing: a deprecated scope, a scope to add, or a call the grant
    /// cannot make. Unused scopes are worth dropping but do not break anything.
    pub fn needs_doing(&self) -> bool {
        !self.deprecated.is_empty() || !self.add.is_empty() || !self.missing.is_empty()
    }
}

/// Every deprecated broad scope with its replacements, from the catalogue: a broad scope is
/// deprecated when a row maps it to a different granular scope.
pub fn deprecated_scopes(
    cat: &'static ScopeCatalogue,
) -> Result<Vec<(String, Vec<String>)>, &'static CatalogueError> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for r in scopes::catalogue(cat)? {
        if !r.granular_known {
            continue;
        }
        for (broad, granular) in [(&r.broad, &r.granular), (&r.broad_read, &r.granular_read)] {
            let (Some(b), Some(g)) = (broad, granular) else {
                continue;
            };
            if b == g {
                continue;
            }
            match out.iter_mut().find(|(s, _)| s == b) {
                Some((_, reps)) if !reps.contains(g) => reps.push(g.clone()),
                Some(_) => {}
                None => out.push((b.clone(), vec![g.clone()])),
            }
        }
    }
    Ok(out)
}

/// The scopes that allow `call`, broad and granular (a write scope also allows reading); `None`
/// when no catalogue row covers it.
pub fn allowing(
    cat: &'static ScopeCatalogue,
    call: &ApiCall,
) -> Result<Option<Vec<String>>, &'static CatalogueError> {
    let rows = scopes::catalogue(cat)?;
    let Some(r) = scopes::row_for(rows, &call.path) else {
        return Ok(None);
    };
    let mut out: Vec<String> = Vec::new();
    let mut add = |s: &Option<String>| {
        if let Some(s) = s {
            if !out.contains(s) {
                out.push(s.clone());
            }
        }
    };
    add(&r.broad);
    if r.granular_known {
        add(&r.granular);
    }
    if call.is_read() {
        add(&r.broad_read);
        if r.granular_known {
            add(&r.granular_read);
        }
    }
    Ok(Some(out))
}

fn covered(scope: &str, granted: &[String]) -> bool {
    granted.iter().any(|g| g == scope)
        || scope
            .strip_suffix(".read")
            .is_some_and(|base| granted.iter().any(|g| g == base))
}

fn push_unique(v: &mut Vec<String>, s: &str) {
    if !v.iter().any(|x| x == s) {
        v.push(s.to_owned());
    }
}

/// Checks the granted scopes (see the module's description).
pub fn check(input: &CheckInput<'_>) -> Result<ScopeCheck, &'static CatalogueError> {
    let catalogue = input.catalogue;
    let granted: Vec<String> = input.granted.to_vec();
    let all_deprecated = deprecated_scopes(catalogue)?;
    let is_identity = |s: &str| IDENTITY.contains(&s);

    let mut needed = Vec::new();
    let mut missing = Vec::new();
    let mut unmapped = Vec::new();
    let mut used: Vec<String> = Vec::new();
    if let Some(calls) = input.calls {
        // The granular set the calls need, whatever the app's age.
        let plan = scopes::plan(
            catalogue,
            calls,
            &PlanOptions {
                app_created: Some(catalogue.granular_from),
                today: input.today,
                offline_access: false,
            },
        )?;
        needed = plan.scopes.iter().map(|s| s.scope.clone()).collect();
        unmapped = plan.unmapped;
        for c in calls {
            let Some(allowed) = allowing(catalogue, c)? else {
                continue;
            };
            let granting: Vec<&String> = granted.iter().filter(|g| allowed.contains(g)).collect();
            if granting.is_empty() {
                let granular: Vec<String> = allowed
                    .iter()
                    .filter(|s| !all_deprecated.iter().any(|(d, _)| d == *s))
                    .cloned()
                    .collect();
                missing.push(MissingCall {
                    call: c.to_string(),
                    allowed_by: granular,
                });
            }
            for g in granting {
                push_unique(&mut used, g);
            }
        }
    }

    let deprecated: Vec<Deprecated> = all_deprecated
        .iter()
        .filter(|(d, _)| granted.contains(d))
        .map(|(d, reps)| Deprecated {
            scope: d.clone(),
            replacements: reps.clone(),
            // What the evidence needs from this family (`accounting.invoices.read` counts for
            // `accounting.transactions`, whose replacement is `accounting.invoices`).
            needed_replacements: needed
                .iter()
                .filter(|n| {
                    reps.contains(n)
                        || n.strip_suffix(".read")
                            .is_some_and(|base| reps.iter().any(|r| r == base))
                })
                .cloned()
                .collect(),
        })
        .collect();

    let add: Vec<String> = needed
        .iter()
        .filter(|n| !covered(n, &granted))
        .cloned()
        .collect();
    let unused: Vec<String> = if input.calls.is_some() {
        granted
            .iter()
            .filter(|g| {
                !is_identity(g) && !used.contains(g) && !deprecated.iter().any(|d| &d.scope == *g)
            })
            .cloned()
            .collect()
    } else {
        Vec::new()
    };

    let mut target: Vec<String> = Vec::new();
    for g in granted.iter().filter(|g| is_identity(g)) {
        push_unique(&mut target, g);
    }
    if input.calls.is_some() {
        for n in &needed {
            push_unique(&mut target, n);
        }
    } else {
        for g in granted.iter().filter(|g| !is_identity(g)) {
            match deprecated.iter().find(|d| &d.scope == g) {
                Some(d) => d
                    .replacements
                    .iter()
                    .for_each(|r| push_unique(&mut target, r)),
                None => push_unique(&mut target, g),
            }
        }
    }

    Ok(ScopeCheck {
        granted,
        deprecated,
        deadline: catalogue.broad_deadline,
        past_deadline: input.today > catalogue.broad_last_day,
        granular_only_app: input
            .app_created
            .is_some_and(|d| d >= catalogue.granular_from),
        evidence: input.calls.is_some(),
        needed,
        add,
        unused,
        missing,
        unmapped,
        target,
    })
}
