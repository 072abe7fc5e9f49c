//! One load run: a chapter with a coordinator and `devices` peers on one backend, each peer
//! syncing (login, push of a small batch, pull) again and again for a fixed time; then the
//! check that every record a peer was told was accepted is on the server and pullable.

use std::collections::{BTreeMap, HashSet};
use std::net::Ipv4Addr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use peerlog_crypto::envelope::seal_record;
use peerlog_crypto::{DeviceSigningKey, RecipientPublicKey, RecipientSecretKey, random_bytes};
use peerlog_protocol::api::{self, ChapterKeys};
use peerlog_protocol::{Collection, RecordMeta};
use serde::Serialize;

use crate::api::{Api, Failure, Servers};

/// What one run is asked to do.
#[derive(Debug, Clone)]
pub struct Plan {
    pub devices: usize,
    pub seconds: u64,
    pub records: usize,
    /// Each device starts a sync at most this often (its think time included).
    pub period: Duration,
}

/// What one run measured.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub backend: String,
    pub instances: usize,
    pub devices: usize,
    pub seconds: f64,
    pub records_per_push: usize,
    pub syncs: u64,
    pub syncs_per_second: f64,
    pub records_accepted: u64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub errors: u64,
    pub error_kinds: BTreeMap<String, u64>,
    pub error_examples: Vec<String>,
    pub records_lost: u64,
    pub chapter_records_pulled: u64,
    /// Peak RSS of each server instance, KiB.
    pub server_peak_rss_kib: Vec<u64>,
}

#[derive(Debug, Default)]
struct Tally {
    latencies_us: Vec<u64>,
    errors: BTreeMap<String, u64>,
    examples: Vec<String>,
}

impl Tally {
    fn fail(&mut self, f: Failure) {
        *self.errors.entry(f.kind.clone()).or_default() += 1;
        if self.examples.len() < 5 {
            let mut detail = f.detail;
            detail.truncate(300);
            self.examples.push(format!("{}: {detail}", f.kind));
        }
    }
}

struct Device {
    key: DeviceSigningKey,
    peer_key: RecipientPublicKey,
    api: Api,
    /// Every record the server said it accepted: (collection, id).
    accepted: Vec<String>,
    cursor: u64,
    version: u64,
}

/// The chapter: its coordinator and its public key.
struct Chapter {
    coordinator: DeviceSigningKey,
    coordinator_api: Api,
    token: String,
    key: RecipientPublicKey,
}

async fn set_up_chapter(servers: &Servers, enrolment_token: String) -> Result<Chapter, Failure> {
    let chapter_key =
        RecipientSecretKey::generate().map_err(|e| Failure::new("keys", e.to_string()))?;
    let chapter_sign =
        DeviceSigningKey::generate().map_err(|e| Failure::new("keys", e.to_string()))?;
    let coordinator =
        DeviceSigningKey::generate().map_err(|e| Failure::new("keys", e.to_string()))?;
    let api = servers.as_client(Ipv4Addr::new(10, 255, 255, 254));
    let _: api::EnrolResponse = api
        .post(
            "/v1/enrol/coordinator",
            None,
            &api::EnrolCoordinatorRequest {
                token: enrolment_token,
                device_key: *coordinator.public_key().as_bytes(),
                chapter_keys: ChapterKeys {
                    encryption_key: *chapter_key.public_key().as_bytes(),
                    signing_key: *chapter_sign.public_key().as_bytes(),
                },
            },
        )
        .await?;
    let token = api.login(&coordinator).await?;
    Ok(Chapter {
        coordinator,
        coordinator_api: api,
        token,
        key: chapter_key.public_key(),
    })
}

/// A device's client address: 10.x.y.z, one per device.
fn device_ip(i: usize) -> Ipv4Addr {
    let n = u32::try_from(i + 1).unwrap_or(u32::MAX) & 0x00ff_ffff;
    Ipv4Addr::from(0x0a00_0000 | n)
}

async fn enrol_peer(servers: &Servers, chapter: &Chapter, i: usize) -> Result<Device, Failure> {
    let inv: api::InvitationResponse = chapter
        .coordinator_api
        .post(
            "/v1/chapter/invitations",
            Some(&chapter.token),
            &api::InvitationRequest { expires_days: 1 },
        )
        .await?;
    let key = DeviceSigningKey::generate().map_err(|e| Failure::new("keys", e.to_string()))?;
    let peer_key =
        RecipientSecretKey::generate().map_err(|e| Failure::new("keys", e.to_string()))?;
    let api = servers.as_client(device_ip(i));
    let _: api::EnrolResponse = api
        .post(
            "/v1/enrol/peer",
            None,
            &api::EnrolPeerRequest {
                token: inv.token,
                account_id: uuid::Uuid::now_v7().to_string(),
                device_key: *key.public_key().as_bytes(),
                peer_key: *peer_key.public_key().as_bytes(),
                account_key: *key.public_key().as_bytes(),
                recovery: api::RecoveryUpload {
                    lookup: random_bytes().map_err(|e| Failure::new("keys", e.to_string()))?,
                    wrapped_peer_key: vec![7; 120],
                },
                proof: None,
            },
        )
        .await?;
    Ok(Device {
        key,
        peer_key: peer_key.public_key(),
        api,
        accepted: Vec::new(),
        cursor: 0,
        version: 1_700_000_000_000_000,
    })
}

/// Everything a device pulls from `since` on, page by page: (record keys, last cursor).
async fn pull_all(api: &Api, token: &str, mut since: u64) -> Result<(Vec<String>, u64), Failure> {
    let mut keys = Vec::new();
    loop {
        let page = api.pull(token, since).await?;
        keys.extend(page.records.iter().map(|r| {
            format!(
                "{}/{}",
                r.envelope.meta.collection.as_str(),
                r.envelope.meta.id
            )
        }));
        since = page.cursor;
        if !page.has_more {
            return Ok((keys, since));
        }
    }
}

/// One sync of a device: login, push `records` new contacts, pull everything new. The
/// records it pushed must come back in the pull (read-your-writes, also across instances).
async fn sync_once(
    d: &mut Device,
    chapter_key: &RecipientPublicKey,
    records: usize,
) -> Result<Duration, Failure> {
    // Sealing is the phone's work, done before the clock starts.
    let device_id = d.key.device_id();
    let mut envelopes = Vec::with_capacity(records);
    let mut keys = Vec::with_capacity(records);
    for _ in 0..records {
        d.version += 1;
        let meta = RecordMeta {
            id: uuid::Uuid::now_v7().to_string(),
            collection: Collection::Contacts,
            version: d.version,
            author_device: device_id.clone(),
            deleted: false,
        };
        keys.push(format!("{}/{}", meta.collection.as_str(), meta.id));
        let env = seal_record(
            &meta,
            &[b'x'; 300],
            &[d.peer_key.clone(), chapter_key.clone()],
            &d.key,
        )
        .map_err(|e| Failure::new("seal", e.to_string()))?;
        envelopes.push(env);
    }
    let start = Instant::now();
    let token = d.api.login(&d.key).await?;
    let pushed: api::PushResponse = d
        .api
        .post(
            "/v1/sync/push",
            Some(&token),
            &api::PushRequest {
                records: envelopes,
                head: None,
            },
        )
        .await?;
    if pushed.results.len() != keys.len() {
        return Err(Failure::new(
            "push: result count",
            format!("{:?}", pushed.results),
        ));
    }
    for (r, k) in pushed.results.iter().zip(&keys) {
        match r {
            api::PushResult::Accepted { .. } => d.accepted.push(k.clone()),
            other => return Err(Failure::new("push: not accepted", format!("{other:?}"))),
        }
    }
    let (pulled, cursor) = pull_all(&d.api, &token, d.cursor).await?;
    let elapsed = start.elapsed();
    let pulled: HashSet<&String> = pulled.iter().collect();
    if let Some(missing) = keys.iter().find(|k| !pulled.contains(k)) {
        return Err(Failure::new(
            "pull: own record missing after push",
            missing.clone(),
        ));
    }
    d.cursor = cursor;
    Ok(elapsed)
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1] as f64 / 1000.0
}

/// Runs the plan against `servers` (already started over one fresh database).
pub async fn run(
    plan: &Plan,
    servers: &Servers,
    enrolment_token: String,
) -> Result<(Outcome, Vec<String>), String> {
    let chapter = Arc::new(
        set_up_chapter(servers, enrolment_token)
            .await
            .map_err(|f| format!("{}: {}", f.kind, f.detail))?,
    );
    eprintln!("  enrolling {} devices…", plan.devices);
    let mut devices = Vec::with_capacity(plan.devices);
    // A few enrolments at a time, as devices arriving through a day would.
    for start in (0..plan.devices).step_by(16) {
        let end = (start + 16).min(plan.devices);
        let batch = (start..end).map(|i| {
            let (servers, chapter) = (servers.clone(), Arc::clone(&chapter));
            async move { enrol_peer(&servers, &chapter, i).await }
        });
        for d in join_all(batch).await? {
            devices.push(d.map_err(|f| format!("enrolment: {}: {}", f.kind, f.detail))?);
        }
    }

    eprintln!(
        "  {} devices syncing for {} s (login, push of {}, pull; at most one sync per {:?} each)…",
        plan.devices, plan.seconds, plan.records, plan.period
    );
    let tally = Arc::new(Mutex::new(Tally::default()));
    let run_start = Instant::now();
    let deadline = run_start + Duration::from_secs(plan.seconds);
    let chapter_key = chapter.key.clone();
    let n = plan.devices;
    let mut tasks = Vec::with_capacity(n);
    for (i, mut d) in devices.into_iter().enumerate() {
        let tally = Arc::clone(&tally);
        let chapter_key = chapter_key.clone();
        let plan = plan.clone();
        tasks.push(tokio::spawn(async move {
            // Spread the first syncs over one period.
            let offset = plan.period.mul_f64(i as f64 / n as f64);
            let mut next = run_start + offset;
            while next < deadline {
                tokio::time::sleep_until(next.into()).await;
                let began = Instant::now();
                let result = sync_once(&mut d, &chapter_key, plan.records).await;
                let mut t = tally
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                match result {
                    Ok(latency) => t.latencies_us.push(latency.as_micros() as u64),
                    Err(f) => t.fail(f),
                }
                drop(t);
                next = (began + plan.period).max(Instant::now());
            }
            d
        }));
    }
    let mut devices = Vec::with_capacity(n);
    for t in tasks {
        devices.push(Arc::new(t.await.map_err(|e| format!("device task: {e}"))?));
    }
    let elapsed = run_start.elapsed().as_secs_f64();

    // Nothing lost: every accepted record is pullable by its device from the start, and
    // the coordinator pulls exactly the accepted records of the whole chapter.
    eprintln!("  checking that every accepted record is on the server…");
    let mut lost = 0u64;
    let mut all_accepted: HashSet<String> = HashSet::new();
    let mut check_failures = Vec::new();
    for chunk in devices.chunks(16) {
        let checks = chunk.iter().map(|d| {
            let d = Arc::clone(d);
            async move {
                let token = d.api.login(&d.key).await?;
                let (keys, _) = pull_all(&d.api, &token, 0).await?;
                let have: HashSet<String> = keys.into_iter().collect();
                Ok::<u64, Failure>(d.accepted.iter().filter(|k| !have.contains(*k)).count() as u64)
            }
        });
        for r in join_all(checks).await? {
            match r {
                Ok(missing) => lost += missing,
                Err(f) => check_failures.push(format!("final pull: {}: {}", f.kind, f.detail)),
            }
        }
    }
    for d in &devices {
        all_accepted.extend(d.accepted.iter().cloned());
    }
    let coordinator_token = chapter
        .coordinator_api
        .login(&chapter.coordinator)
        .await
        .map_err(|f| format!("coordinator login: {}: {}", f.kind, f.detail))?;
    let (chapter_keys, _) = pull_all(&chapter.coordinator_api, &coordinator_token, 0)
        .await
        .map_err(|f| format!("coordinator pull: {}: {}", f.kind, f.detail))?;
    let chapter_set: HashSet<&String> = chapter_keys.iter().collect();
    lost += all_accepted
        .iter()
        .filter(|k| !chapter_set.contains(k))
        .count() as u64;
    if chapter_keys.len() != all_accepted.len() {
        check_failures.push(format!(
            "the coordinator pulled {} records, the devices were told {} were accepted",
            chapter_keys.len(),
            all_accepted.len()
        ));
    }

    let mut t = std::mem::take(
        &mut *tally
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner),
    );
    t.latencies_us.sort_unstable();
    for c in &check_failures {
        t.fail(Failure::new("final check", c.clone()));
    }
    let syncs = t.latencies_us.len() as u64;
    let errors = t.errors.values().sum();
    Ok((
        Outcome {
            backend: String::new(),
            instances: 0,
            devices: plan.devices,
            seconds: elapsed,
            records_per_push: plan.records,
            syncs,
            syncs_per_second: syncs as f64 / elapsed,
            records_accepted: all_accepted.len() as u64,
            p50_ms: percentile(&t.latencies_us, 50.0),
            p95_ms: percentile(&t.latencies_us, 95.0),
            p99_ms: percentile(&t.latencies_us, 99.0),
            max_ms: t.latencies_us.last().map_or(0.0, |&v| v as f64 / 1000.0),
            errors,
            error_kinds: t.errors,
            error_examples: t.examples.clone(),
            records_lost: lost,
            chapter_records_pulled: chapter_keys.len() as u64,
            server_peak_rss_kib: Vec::new(),
        },
        t.examples,
    ))
}

/// Runs the futures of `it` as tasks at once; their results in order.
async fn join_all<F>(it: impl Iterator<Item = F>) -> Result<Vec<F::Output>, String>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = it.map(tokio::spawn).collect();
    let mut out = Vec::with_capacity(handles.len());
    for h in handles {
        out.push(h.await.map_err(|e| format!("task: {e}"))?);
    }
    Ok(out)
}
