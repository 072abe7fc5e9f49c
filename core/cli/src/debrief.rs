//! `peerlog debrief …` and `peerlog coordinator debriefs` / `coordinator debrief done`:
//! "I need to talk". Every rule and text comes from the core.

use crate::CliResult;
use crate::network::block_on;
use crate::output::print_json;
use clap::Subcommand;
use peerlog_coordinator::Coordinator;
use peerlog_core::{DebriefWhen, Peerlog};

/// How soon the peer would like to talk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum WhenArg {
    Today,
    Week,
}

impl From<WhenArg> for DebriefWhen {
    fn from(w: WhenArg) -> Self {
        match w {
            WhenArg::Today => DebriefWhen::Today,
            WhenArg::Week => DebriefWhen::Week,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum DebriefCmd {
    /// Ask your coordinator for a talk. Do not name anyone in the message.
    Request {
        /// How soon: today or week.
        #[arg(long)]
        when: WhenArg,
        /// An optional short message (at most 280 characters). Do not name anyone.
        #[arg(long)]
        message: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Your requests and whether your coordinator followed them up.
    List {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum CoordinatorDebriefCmd {
    /// Mark a request as followed up; the peer sees it after both of you sync.
    Done { id: String },
}

pub(crate) fn peer(app: &Peerlog, cmd: DebriefCmd) -> CliResult {
    match cmd {
        DebriefCmd::Request {
            when,
            message,
            json,
        } => {
            let d = app.request_debrief(when.into(), message)?;
            if json {
                print_json(&serde_json::json!({ "id": d.id }));
            } else {
                let texts = peerlog_core::debrief_texts(app.profile()?.locale);
                println!("{}", d.id);
                eprintln!("{} (peerlog sync)", texts.sent);
            }
        }
        DebriefCmd::List { json } => {
            let list = app.list_debriefs()?;
            if json {
                print_json(&list);
            } else {
                let texts = peerlog_core::debrief_texts(app.profile()?.locale);
                for d in &list {
                    let state = match &d.followed_up_at {
                        Some(at) => format!("{} {at}", texts.followed_up),
                        None => texts.open.clone(),
                    };
                    println!(
                        "{}  {}  {:<5}  {}{}",
                        d.id,
                        d.created_at,
                        d.when.as_str(),
                        state,
                        if d.pending { "  (not synced)" } else { "" }
                    );
                }
            }
        }
    }
    Ok(())
}

pub(crate) fn coordinator_list(app: &Coordinator, json: bool) -> CliResult {
    let list = app.chapter_debriefs()?;
    if json {
        print_json(&list);
    } else {
        for d in &list {
            println!(
                "{}  {}  {}  {:<5}  {}{}",
                d.id,
                d.created_at,
                d.peer_name.as_deref().unwrap_or(&d.account_id),
                d.when.as_str(),
                d.followed_up_at
                    .as_deref()
                    .map_or("open".to_string(), |at| format!("followed up {at}")),
                d.message
                    .as_deref()
                    .map_or(String::new(), |m| format!("  {m}"))
            );
        }
    }
    Ok(())
}

pub(crate) fn coordinator_cmd(app: &Coordinator, cmd: CoordinatorDebriefCmd) -> CliResult {
    match cmd {
        CoordinatorDebriefCmd::Done { id } => {
            block_on(app.mark_debrief_followed_up(id.clone()))??;
            println!(
                "Request {id} marked as followed up; the peer sees it after both of you sync."
            );
        }
    }
    Ok(())
}
