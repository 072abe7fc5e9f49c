//! `peerlog followups` and `peerlog followup done CONTACT_ID`: the peer's private
//! follow-up dates (set with `contact add … --follow-up YYYY-MM-DD`); and
//! `peerlog contact import FILE.csv`, last year's log.

use crate::output::print_json;
use crate::{CliResult, Failure, io_failure};
use clap::Subcommand;
use peerlog_core::{FollowUpStatus, Peerlog};
use std::path::Path;

#[derive(Debug, Subcommand)]
pub enum FollowupCmd {
    /// Mark a contact's follow-up done.
    Done { contact_id: String },
}

pub(crate) fn list(app: &Peerlog, json: bool) -> CliResult {
    let list = app.list_follow_ups()?;
    if json {
        print_json(&list);
    } else {
        for f in &list {
            println!(
                "{}  {:<8}  {}  {}  {}",
                f.due,
                match f.status {
                    FollowUpStatus::Due => "due",
                    FollowUpStatus::Upcoming => "upcoming",
                },
                f.contact_id,
                f.contact_date,
                f.contact_kind.as_str()
            );
        }
    }
    Ok(())
}

pub(crate) fn cmd(app: &Peerlog, cmd: FollowupCmd) -> CliResult {
    match cmd {
        FollowupCmd::Done { contact_id } => {
            app.follow_up_done(contact_id.clone())?;
            println!("Follow-up of {contact_id} done.");
        }
    }
    Ok(())
}

/// `contact import FILE [--dry-run] [--json]`: exit 3 with every bad row when any is bad.
pub(crate) fn import(app: &Peerlog, file: &Path, dry_run: bool, json: bool) -> CliResult {
    // Read no more than the core accepts (and one byte, to know the file is larger).
    let limit = peerlog_core::MAX_IMPORT_BYTES as u64 + 1;
    let mut bytes = Vec::new();
    std::fs::File::open(file)
        .and_then(|f| std::io::Read::read_to_end(&mut std::io::Read::take(f, limit), &mut bytes))
        .map_err(|e| io_failure("cannot read", file, e))?;
    let r = app.import_contacts(bytes, dry_run)?;
    if json {
        print_json(&r);
    } else if r.errors.is_empty() {
        println!(
            "{} row(s): {} {}, {} imported before.",
            r.rows,
            r.imported,
            if r.dry_run { "to import" } else { "imported" },
            r.already_imported
        );
    }
    if r.errors.is_empty() {
        return Ok(());
    }
    let lines: Vec<String> = r
        .errors
        .iter()
        .map(|e| format!("line {}: {}: {}", e.line, e.field, e.message))
        .collect();
    Err(Failure {
        code: 3,
        message: format!("nothing imported:\n{}", lines.join("\n")),
    })
}
