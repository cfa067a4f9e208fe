//! The live replay over HTTP against one or several running `harness serve` processes.
//!
//! With several targets (`--target URL,URL,...`) the requests are spread round-robin, request by
//! request, as a round-robin load balancer in front of replicas would: every key is asked of
//! every server. Servers sharing an L2 (`--l2 redis://...`) then generate about as often as one
//! server (the simulation's single cache); servers without one generate up to N times as often.
//! The summary prints that comparison.

use super::drive::{drive, runtime};
use super::{LiveConfig, LiveError, LiveRun, ServerStats};
use crate::serve::api::{ClearRequest, ConfigResponse, ConfigUpdate, GenerateRequest, KeyField};
use crate::serve::client::{Client, ClientError, ClientTimeouts};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use workloads::Request;

/// The servers of `--target`: one URL, or several separated by commas.
///
/// ```
/// use harness::live::parse_targets;
///
/// assert_eq!(parse_targets("http://a:1, http://b:2").unwrap().len(), 2);
/// assert!(parse_targets("http://a:1,,http://b:2").is_err());
/// assert!(parse_targets("http://a:1,http://a:1").is_err());
/// ```
pub fn parse_targets(target: &str) -> Result<Vec<String>, LiveError> {
    let mut urls: Vec<String> = Vec::new();
    for part in target.split(',') {
        let url = part.trim().trim_end_matches('/');
        if url.is_empty() {
            return Err(LiveError::Invalid {
                what: "--target",
                reason: format!("{target:?} has an empty URL (expected URL or URL,URL,...)"),
            });
        }
        if urls.iter().any(|u| u == url) {
            return Err(LiveError::Invalid {
                what: "--target",
                reason: format!("{url} is given twice"),
            });
        }
        urls.push(url.to_owned());
    }
    Ok(urls)
}

/// Replays `trace` over HTTP against the server(s) of `target` (`URL` or `URL,URL,...`):
/// baseline with `bypass_cache`, then through the servers' caches, requests spread round-robin.
/// With `admin_token` each server's cache is first set to `config.cache`'s bounds and cleared
/// (with its L2, if it has one), so the run starts cold like the simulation; without one,
/// differences are listed in [`LiveRun::notes`]. Time scale, workers and hit cost are the first
/// server's (a note says when they differ from `config` or between servers).
pub fn replay_http(
    target: &str,
    admin_token: Option<String>,
    timeouts: ClientTimeouts,
    trace: Arc<[Request]>,
    config: &LiveConfig,
) -> Result<LiveRun, LiveError> {
    config.validate()?;
    let urls = parse_targets(target)?;
    let clients = urls
        .iter()
        .map(|url| Client::with_timeouts(url, admin_token.clone(), timeouts))
        .collect::<Result<Vec<_>, _>>()?;
    let servers = clients
        .iter()
        .map(Client::config)
        .collect::<Result<Vec<_>, _>>()?;
    let mut notes = Vec::new();
    let effective = align_model(config, &servers, &mut notes);
    prepare(
        &clients,
        &servers,
        admin_token.is_some(),
        config,
        &mut notes,
    )?;
    let runtime = runtime()?;
    let clients: Arc<[Client]> = clients.into();
    let side = |bypass_cache: bool| {
        let clients = Arc::clone(&clients);
        let next = Arc::new(AtomicUsize::new(0));
        move |request: Request| {
            let i = next.fetch_add(1, Ordering::Relaxed) % clients.len();
            let client = clients[i].clone();
            async move {
                let body = GenerateRequest {
                    key: Some(KeyField::Number(request.key)),
                    size: Some(request.size),
                    cost: Some(request.cost),
                    bypass_cache,
                    ..GenerateRequest::default()
                };
                let answer = tokio::task::spawn_blocking(move || client.generate(&body))
                    .await
                    .map_err(|e| LiveError::Task(e.to_string()))??;
                Ok(answer.status)
            }
        }
    };
    let stats = || -> Result<Vec<_>, ClientError> { clients.iter().map(Client::stats).collect() };
    let before_baseline = stats()?;
    let (mut baseline, _) = runtime.block_on(drive(
        Arc::clone(&trace),
        config.clients,
        effective.time_scale,
        side(true),
    ))?;
    let before = stats()?;
    baseline.generations = generations_between(&before_baseline, &before);
    let (mut cached, _) = runtime.block_on(drive(
        trace,
        config.clients,
        effective.time_scale,
        side(false),
    ))?;
    let after = stats()?;
    cached.generations = generations_between(&before, &after);
    let server_hits: u64 = before
        .iter()
        .zip(&after)
        .map(|(b, a)| a.requests.hit.saturating_sub(b.requests.hit))
        .sum();
    if server_hits != cached.hits {
        notes.push(format!(
            "the server(s) counted {server_hits} hits during the run, their answers to this replay {}: other clients were using them",
            cached.hits
        ));
    }
    let servers = urls
        .into_iter()
        .zip(before.into_iter().zip(after))
        .map(|(url, (before, after))| ServerStats { url, before, after })
        .collect();
    Ok(LiveRun {
        mode: target.to_owned(),
        config: effective,
        baseline,
        cached,
        servers,
        notes,
    })
}

fn generations_between(
    before: &[crate::serve::api::StatsResponse],
    after: &[crate::serve::api::StatsResponse],
) -> u64 {
    before
        .iter()
        .zip(after)
        .map(|(b, a)| a.generations.saturating_sub(b.generations))
        .sum()
}

/// The model the replay runs with: the first server's time scale, workers and hit cost, with a
/// note for each difference from the simulation's and between servers.
fn align_model(
    config: &LiveConfig,
    servers: &[ConfigResponse],
    notes: &mut Vec<String>,
) -> LiveConfig {
    let mut effective = config.clone();
    let Some(first) = servers.first() else {
        return effective;
    };
    let generator = &first.generator;
    effective.time_scale = generator.time_scale;
    if generator.time_scale != config.time_scale {
        notes.push(format!(
            "the server runs at time scale {} (asked for {}); the server's is used",
            generator.time_scale, config.time_scale
        ));
    }
    if generator.workers != config.workers {
        notes.push(format!(
            "the server has {} generator worker(s), the simulation {}: start it with --workers {}",
            generator.workers, config.workers, config.workers
        ));
        effective.workers = generator.workers;
    }
    if (generator.hit_cost_s - config.hit_cost_s).abs() > 1e-12 {
        notes.push(format!(
            "the server's hit cost is {} s, the simulation's {} s: start it with --hit-cost {}",
            generator.hit_cost_s, config.hit_cost_s, config.hit_cost_s
        ));
        effective.hit_cost_s = generator.hit_cost_s;
    }
    if servers.iter().any(|s| s.generator != first.generator) {
        notes.push("the servers' generator settings differ; the first server's are used".into());
    }
    if !config.single_flight {
        notes.push(
            "the server always uses single-flight; --no-single-flight is not replayed over HTTP"
                .into(),
        );
    }
    effective
}

/// Aligns the servers' cache bounds with the simulation's and clears them (and their L2) when
/// the admin token allows; otherwise notes what differs.
fn prepare(
    clients: &[Client],
    servers: &[ConfigResponse],
    can_administer: bool,
    config: &LiveConfig,
    notes: &mut Vec<String>,
) -> Result<(), LiveError> {
    let wanted = ConfigUpdate {
        enabled: Some(true),
        max_entries: Some(config.cache.max_entries.map(|n| n as u64)),
        max_bytes: Some(config.cache.max_bytes),
        default_ttl_s: Some(config.cache.default_ttl.map(|d| d.as_secs_f64())),
    };
    for (client, server) in clients.iter().zip(servers) {
        if can_administer {
            client.set_config(&wanted)?;
            client.clear_with(&ClearRequest {
                l2: server.l2.is_some(),
            })?;
            continue;
        }
        let same = server.enabled
            && server.max_entries == wanted.max_entries.flatten()
            && server.max_bytes == wanted.max_bytes.flatten()
            && server.default_ttl_s == wanted.default_ttl_s.flatten();
        if !same {
            notes.push(format!("{}: the cache bounds differ from the simulation's and no admin token was given to align them (GENCACHE_ADMIN_TOKEN)", client.base()));
        }
        if client.stats()?.cache.entries > 0 || server.l2.is_some() {
            notes.push(format!("{}: the cache (or its L2) could not be cleared without an admin token: expect extra hits", client.base()));
        }
    }
    Ok(())
}
