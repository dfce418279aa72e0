//! `migrate` over a folder of inventories (one client's orgs or apps): each is migrated as if
//! named alone, with its own state file, so a run that stops part-way (an app not set up yet, a
//! certificate not uploaded, a network error) leaves the others done and goes on from there
//! when run again. The new app's client id comes from each inventory's `[target] client_id`.

use serde::Serialize;
use std::path::Path;

use super::run::{migrate, Migration, Options, RunError};
use crate::audit::walk::find_inventories;
use crate::interact::{Interaction, Progress};
use crate::oauth2::profile::Paths;

/// What happened to one inventory of the folder.
#[derive(Debug, Clone, Serialize)]
pub struct FolderItem {
    /// The inventory file.
    pub inventory: String,
    /// The profile it was (or is being) migrated to, when it got that far.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// Whether every step is done.
    pub complete: bool,
    /// The step it stopped before, as the state file names it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_step: Option<String>,
    /// Why it stopped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// What to do about it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

/// What a folder's migration did.
#[derive(Debug, Clone, Serialize)]
pub struct FolderOutcome {
    /// The folder.
    pub folder: String,
    /// Whether it was a dry run (each inventory's plan printed, nothing written).
    pub dry_run: bool,
    /// Each inventory, in the walk's order.
    pub items: Vec<FolderItem>,
}

impl FolderOutcome {
    /// How many are complete.
    pub fn complete(&self) -> usize {
        self.items.iter().filter(|i| i.complete).count()
    }

    /// Whether every inventory did what was asked: finished, or (a dry run) planned without
    /// an error.
    pub fn all_done(&self) -> bool {
        self.items
            .iter()
            .all(|i| i.complete || (self.dry_run && i.error.is_none()))
    }
}

/// Migrates every inventory under `folder` with `o`'s settings (its inventory, profile and
/// client id are each inventory's own).
pub fn migrate_folder(
    folder: &Path,
    o: &Options,
    paths: &Paths,
    ui: &dyn Interaction,
) -> Result<FolderOutcome, RunError> {
    let found = find_inventories(&[folder.to_path_buf()])
        .map_err(|e| RunError::State(format!("{e} ({})", e.hint())))?;
    let mut items = Vec::new();
    let mut profiles: Vec<(String, String)> = Vec::new();
    for file in &found.files {
        let name = file.display().to_string();
        ui.progress(&Progress::Heading(&format!("== {name}")));
        let inv = match crate::audit::inventory::load(file) {
            Ok(inv) => inv,
            Err(e) => {
                items.push(stopped(&name, None, None, &RunError::Inventory(e)));
                continue;
            }
        };
        let profile = crate::audit::model::profile_name(&inv);
        if let Some((_, other)) = profiles.iter().find(|(p, _)| *p == profile) {
            items.push(FolderItem {
                inventory: name.clone(),
                profile: None,
                complete: false,
                next_step: None,
                error: Some(format!(
                    "its profile would be {profile:?}, the same as {other}'s"
                )),
                hint: Some("give one of the two integrations another name".into()),
            });
            continue;
        }
        profiles.push((profile.clone(), name.clone()));
        let one = Options {
            inventory: file.clone(),
            profile: None,
            client_id: inv.target.as_ref().and_then(|t| t.client_id.clone()),
            ..o.clone()
        };
        match migrate(&one, paths, ui) {
            Ok(Migration::Steps(out)) => items.push(FolderItem {
                inventory: name,
                profile: Some(out.profile.clone()),
                complete: out.complete,
                next_step: None,
                error: None,
                hint: None,
            }),
            Ok(Migration::TokenBatch(_)) => {}
            Err(e) => {
                let next = super::load_state(&super::state_path(file))
                    .ok()
                    .flatten()
                    .and_then(|s| s.next())
                    .map(|s| s.as_str().to_owned());
                items.push(stopped(&name, Some(profile), next, &e));
            }
        }
    }
    for (path, why) in &found.skipped {
        items.push(FolderItem {
            inventory: path.display().to_string(),
            profile: None,
            complete: false,
            next_step: None,
            error: Some(format!("passed over: {why}")),
            hint: Some("name it on its own if it is an inventory".into()),
        });
    }
    Ok(FolderOutcome {
        folder: folder.display().to_string(),
        dry_run: o.dry_run,
        items,
    })
}

fn stopped(
    inventory: &str,
    profile: Option<String>,
    next_step: Option<String>,
    e: &RunError,
) -> FolderItem {
    FolderItem {
        inventory: inventory.to_owned(),
        profile,
        complete: false,
        next_step,
        error: Some(e.to_string()),
        hint: Some(e.hint()),
    }
}
