//! Human and JSON output.

use peerlog_core::{Contact, PeriodSummary};
use serde::Serialize;

pub fn print_json<T: Serialize + ?Sized>(v: &T) {
    match serde_json::to_string_pretty(v) {
        Ok(s) => println!("{s}"),
        Err(e) => eprintln!("peerlog: cannot print JSON: {e}"),
    }
}

/// A contact as JSON. Private texts (reference, notes) only when asked for.
pub fn contact_json(c: &Contact, private: bool) -> serde_json::Value {
    let mut v = serde_json::json!({
        "id": c.id,
        "version": c.version,
        "date": c.date,
        "start_time": c.start_time,
        "minutes": c.minutes,
        "kind": c.kind.as_str(),
        "participants": c.participants,
        "who": c.who.as_str(),
        "is_new": c.is_new,
        "abroad": c.abroad,
        "led_by_peer": c.led_by_peer,
        "place": c.place.map(|p| p.as_str()),
        "municipality": c.municipality,
        "topics": c.topics,
        "travel_km": c.travel_km,
        "counts": c.evaluation.counts,
        "category": c.evaluation.category.map(|k| k.as_str()),
        "reason_code": c.evaluation.reason_code,
        "reason": c.evaluation.reason,
        "created_at": c.created_at,
        "updated_at": c.updated_at,
        "pending_sync": c.pending_sync,
        "has_private_ref": c.private_ref.is_some(),
        "has_private_note": c.private_note.is_some(),
        "has_shared_note": c.shared_note.is_some(),
        "themes": c.themes,
    });
    if private && let Some(obj) = v.as_object_mut() {
        obj.insert("private_ref".into(), c.private_ref.clone().into());
        obj.insert("private_note".into(), c.private_note.clone().into());
        obj.insert("shared_note".into(), c.shared_note.clone().into());
    }
    v
}

pub fn print_saved(c: &Contact, json: bool) {
    if json {
        print_json(&serde_json::json!({
            "id": c.id,
            "version": c.version,
            "counts": c.evaluation.counts,
            "category": c.evaluation.category.map(|k| k.as_str()),
            "reason_code": c.evaluation.reason_code,
            "reason": c.evaluation.reason,
        }));
    } else {
        println!("{}", c.id);
        println!("{}", c.evaluation.reason);
    }
}

pub fn print_contact_table(list: &[Contact], private: bool) {
    if list.is_empty() {
        println!("(no contacts)");
        return;
    }
    for c in list {
        let mut line = format!(
            "{}  {}  {:<18} {:>4} min  {:>3} pers  {}  {}",
            c.id,
            c.date,
            c.kind.as_str(),
            c.minutes,
            c.participants,
            if c.evaluation.counts {
                "counts "
            } else {
                "no     "
            },
            c.evaluation.reason
        );
        if private && let Some(r) = &c.private_ref {
            line.push_str(&format!("  [{r}]"));
        }
        println!("{line}");
    }
}

pub fn print_contact_detail(c: &Contact, private: bool) {
    println!("id            {}", c.id);
    println!(
        "date          {}{}",
        c.date,
        c.start_time
            .as_ref()
            .map(|t| format!(" {t}"))
            .unwrap_or_default()
    );
    println!("kind          {}", c.kind.as_str());
    println!("minutes       {}", c.minutes);
    println!("participants  {}", c.participants);
    println!("who           {}", c.who.as_str());
    println!(
        "new           {}",
        if c.is_new { "yes" } else { "follow-up" }
    );
    println!("abroad        {}", if c.abroad { "yes" } else { "no" });
    if let Some(p) = c.place {
        println!("place         {}", p.as_str());
    }
    if let Some(km) = c.travel_km {
        println!("travel        {km} km");
    }
    println!("counts        {}", c.evaluation.reason);
    if !c.themes.is_empty() {
        println!("themes        {}", c.themes.join(", "));
    }
    if private {
        if let Some(r) = &c.private_ref {
            println!("reference     {r}");
        }
        if let Some(n) = &c.private_note {
            println!("private note  {n}");
        }
        if let Some(n) = &c.shared_note {
            println!("shared note   {n}");
        }
    } else if c.private_ref.is_some() || c.private_note.is_some() || c.shared_note.is_some() {
        println!("(has notes: show them with --private)");
    }
}

pub fn print_summary(s: &PeriodSummary) {
    println!(
        "{} .. {}  (rules: {} v{})",
        s.from, s.to, s.rule_set, s.rule_set_version
    );
    println!();
    println!("Activity-days: {}", s.activity_days);
    println!("  outreach  {}", s.by_category.outreach);
    println!("  group     {}", s.by_category.group);
    println!("  course    {}", s.by_category.course);
    println!("Not counted:  {}", s.not_counted_total);
    for r in &s.not_counted {
        println!("  {:>4}  {}", r.count, r.message);
    }
    let active: Vec<_> = s
        .by_month
        .iter()
        .filter(|m| m.outreach + m.group + m.course + m.not_counted > 0)
        .collect();
    if !active.is_empty() {
        println!();
        println!("Month     outreach  group  course  not counted");
        for m in active {
            println!(
                "{}-{:02}   {:>8}  {:>5}  {:>6}  {:>11}",
                m.year, m.month, m.outreach, m.group, m.course, m.not_counted
            );
        }
    }
    for w in &s.warnings {
        println!();
        println!(
            "! {}{}",
            w.date
                .as_ref()
                .map(|d| format!("{d}: "))
                .unwrap_or_default(),
            w.message
        );
    }
}
