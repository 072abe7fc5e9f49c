//! `peerlog coordinator submit`: the chapter's year to the organisation (the national
//! roll-up). The figures and the signature come from the coordinator crate; this file only
//! prints.

use crate::CliResult;
use crate::network::block_on;
use crate::output::print_json;
use peerlog_coordinator::Coordinator;

pub fn coordinator_submit(app: &Coordinator, year: i32, json: bool) -> CliResult {
    let submitted = block_on(app.submit_rollup(year))??;
    if json {
        print_json(&submitted);
        return Ok(());
    }
    let d = &submitted.document;
    println!(
        "Submitted {year} for {} / {}: {} activity-days (outreach {}, group {}, course {}); active peers {}, with a signed declaration {}, certified {}.{}",
        d.organisation,
        d.chapter,
        d.activity_days,
        d.by_category.outreach,
        d.by_category.group,
        d.by_category.course,
        d.active_peers,
        d.active_peers_with_declaration,
        d.certified_peers,
        if submitted.replaced {
            " It replaces the earlier submission for the year."
        } else {
            ""
        }
    );
    Ok(())
}
