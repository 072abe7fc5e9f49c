//! What the organisations' guidelines ask for beyond logging: the peer course records
//! (training and certification) and the chapter's settings. Every rule and text comes
//! from the core and the coordinator crate; this file only prints.

use crate::CliResult;
use crate::args::{CoordinatorTrainingCmd, OnOff};
use crate::network::block_on;
use crate::output::print_json;
use peerlog_coordinator::{ChapterSettings, Coordinator};
use peerlog_core::Peerlog;

/// `peerlog training`: the peer's own records and certification.
pub fn training(app: &Peerlog, json: bool) -> CliResult {
    let status = app.training()?;
    if json {
        print_json(&status);
        return Ok(());
    }
    for r in &status.records {
        println!(
            "{}  {}  {}{}",
            r.date,
            r.course,
            r.valid_until
                .as_deref()
                .map(|u| format!("valid until {u}"))
                .unwrap_or_else(|| "no expiry".into()),
            if r.valid { "" } else { "  (expired)" }
        );
    }
    println!("{}", status.message);
    Ok(())
}

/// `peerlog coordinator training …`.
pub fn coordinator_training(app: &Coordinator, cmd: CoordinatorTrainingCmd) -> CliResult {
    match cmd {
        CoordinatorTrainingCmd::Add {
            peer,
            course,
            date,
            valid_until,
            json,
        } => {
            let id = block_on(app.add_training(peer.clone(), course, date, valid_until))??;
            if json {
                print_json(&serde_json::json!({ "id": id }));
            } else {
                println!(
                    "Course recorded for {peer} ({id}); the peer sees it after both of you sync."
                );
            }
        }
        CoordinatorTrainingCmd::List { json } => {
            let list = app.training_list()?;
            if json {
                print_json(&list);
            } else {
                for t in &list {
                    println!(
                        "{}  {}  {}  {}  {}{}",
                        t.id,
                        t.date,
                        t.peer_name.as_deref().unwrap_or(&t.account_id),
                        t.course,
                        t.valid_until
                            .as_deref()
                            .map(|u| format!("valid until {u}"))
                            .unwrap_or_else(|| "no expiry".into()),
                        if t.valid { "" } else { "  (expired)" }
                    );
                }
            }
        }
    }
    Ok(())
}

/// `peerlog coordinator settings [--themes on|off] [--flag-uncertified on|off]`.
pub fn coordinator_settings(
    app: &Coordinator,
    themes: Option<OnOff>,
    flag_uncertified: Option<OnOff>,
    json: bool,
) -> CliResult {
    let mut s: ChapterSettings = app.chapter_settings()?;
    let on = |v: OnOff| v == OnOff::On;
    if themes.is_some() || flag_uncertified.is_some() {
        s.themes = themes.map(on).unwrap_or(s.themes);
        s.flag_uncertified = flag_uncertified.map(on).unwrap_or(s.flag_uncertified);
        app.set_chapter_settings(s)?;
    }
    if json {
        print_json(&s);
    } else {
        let word = |b: bool| if b { "on" } else { "off" };
        println!(
            "Recovery themes question: {}. Contacts by peers without a valid certificate: {}.",
            word(s.themes),
            if s.flag_uncertified {
                "counted and flagged"
            } else {
                "counted"
            }
        );
        if themes.is_some() || flag_uncertified.is_some() {
            println!("Peers get the change after both of you sync.");
        }
    }
    Ok(())
}
