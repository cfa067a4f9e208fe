//! The live replay over HTTP against a running `harness serve`.

use super::drive::{drive, runtime};
use super::{LiveConfig, LiveError, LiveRun};
use crate::serve::api::{ConfigUpdate, GenerateRequest, KeyField};
use crate::serve::client::Client;
use std::sync::Arc;
use workloads::Request;

/// Replays `trace` over HTTP against a running `harness serve` at `target`: baseline with
/// `bypass_cache`, then through the server's cache. With `admin_token` the server's cache is
/// first set to `config.cache`'s bounds and cleared, so the run starts cold like the simulation;
/// without one, differences are listed in [`LiveRun::notes`]. Time scale, workers and hit cost are
/// the server's (a note says when they differ from `config`).
pub fn replay_http(
    target: &str,
    admin_token: Option<String>,
    trace: Arc<[Request]>,
    config: &LiveConfig,
) -> Result<LiveRun, LiveError> {
    config.validate()?;
    let client = Client::new(target, admin_token.clone())?;
    let server = client.config()?;
    let mut notes = Vec::new();
    let generator = &server.generator;
    let mut effective = config.clone();
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
    if !config.single_flight {
        notes.push(
            "the server always uses single-flight; --no-single-flight is not replayed over HTTP"
                .into(),
        );
    }
    let wanted = ConfigUpdate {
        enabled: Some(true),
        max_entries: Some(config.cache.max_entries.map(|n| n as u64)),
        max_bytes: Some(config.cache.max_bytes),
        default_ttl_s: Some(config.cache.default_ttl.map(|d| d.as_secs_f64())),
    };
    if admin_token.is_some() {
        client.set_config(&wanted)?;
        client.clear()?;
    } else {
        let same = server.enabled
            && server.max_entries == wanted.max_entries.flatten()
            && server.max_bytes == wanted.max_bytes.flatten()
            && server.default_ttl_s == wanted.default_ttl_s.flatten();
        if !same {
            notes.push("the server's cache bounds differ from the simulation's and no admin token was given to align them (GENCACHE_ADMIN_TOKEN)".into());
        }
        if client.stats()?.cache.entries > 0 {
            notes.push("the server's cache was not empty and could not be cleared without an admin token: expect extra hits".into());
        }
    }
    let runtime = runtime()?;
    let side = |bypass_cache: bool| {
        let client = client.clone();
        move |request: Request| {
            let client = client.clone();
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
    let before_baseline = client.stats()?;
    let (mut baseline, _) = runtime.block_on(drive(
        Arc::clone(&trace),
        config.clients,
        effective.time_scale,
        side(true),
    ))?;
    let before = client.stats()?;
    baseline.generations = before
        .generations
        .saturating_sub(before_baseline.generations);
    let (mut cached, _) = runtime.block_on(drive(
        trace,
        config.clients,
        effective.time_scale,
        side(false),
    ))?;
    let after = client.stats()?;
    cached.generations = after.generations.saturating_sub(before.generations);
    let server_hits = after.requests.hit.saturating_sub(before.requests.hit);
    if server_hits != cached.hits {
        notes.push(format!(
            "the server counted {server_hits} hits during the run, its answers to this replay {}: other clients were using it",
            cached.hits
        ));
    }
    Ok(LiveRun {
        mode: client.base().to_owned(),
        config: effective,
        baseline,
        cached,
        server_stats: Some((before, after)),
        notes,
    })
}
