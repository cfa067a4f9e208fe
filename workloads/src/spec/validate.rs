//! Validation of a [`Workload`]: every field's range and the consistency between fields, so that
//! generation and replay never see nonsense.

use super::{
    Arrival, CostDist, KeyPopularity, MAX_BURST_SIZE, MAX_TRACE_SPAN_S, SizeDist, Workload,
};
use crate::error::WorkloadError;
use crate::units::{
    ByteBudget, Cost, EntryBound, HitCost, Num, Requests, Sigma, Size, Ttl, UnitError,
};

impl Workload {
    /// Checks every field's range and the consistency between fields. `origin` names the file or
    /// preset in errors.
    pub fn validate(&self, origin: &str) -> Result<(), WorkloadError> {
        let bad = |field: &str, message: String| WorkloadError::Invalid {
            origin: origin.to_string(),
            field: field.to_string(),
            message,
        };
        let unit = |field: &'static str| move |e: UnitError| bad(field, e.0);
        Requests::new(self.requests).map_err(unit("requests"))?;
        HitCost::from_secs(self.hit_cost_s).map_err(unit("hit_cost_s"))?;
        self.validate_keys(&bad)?;
        match self.size {
            SizeDist::Fixed { bytes } => {
                Size::from_bytes(bytes).map_err(unit("size.bytes"))?;
            }
            SizeDist::LogNormal { mean_bytes, sigma } => {
                // A distribution's mean, not one result's size: any positive mean.
                positive(mean_bytes, "size.mean_bytes", &bad)?;
                let sigma = Sigma::new(sigma).map_err(unit("size.sigma"))?;
                // Sizes are clamped to ≥ 1 byte: a median below that makes most sizes 1 B.
                let median = sigma.median_for_mean(mean_bytes);
                if median < 1.0 {
                    return Err(bad(
                        "size.sigma",
                        format!(
                            "too large for `mean_bytes` = {}: the median size would be \
                             `mean_bytes` × e^(−sigma²/2) = {} bytes, so most sizes would be \
                             clamped to 1 byte; use a sigma of at most {}",
                            Num(mean_bytes),
                            Num(median),
                            Num((2.0 * mean_bytes.ln()).max(0.0).sqrt())
                        ),
                    ));
                }
            }
        }
        match self.cost {
            CostDist::Fixed { seconds } => {
                Cost::from_secs(seconds).map_err(unit("cost.seconds"))?;
            }
            CostDist::UniformWithTail {
                min_s,
                max_s,
                tail_s,
                tail_fraction,
            } => {
                Cost::from_secs(min_s).map_err(unit("cost.min_s"))?;
                Cost::from_secs(max_s).map_err(unit("cost.max_s"))?;
                Cost::from_secs(tail_s).map_err(unit("cost.tail_s"))?;
                if max_s < min_s {
                    return Err(bad(
                        "cost.max_s",
                        format!("must be at least cost.min_s ({min_s}), found {max_s}"),
                    ));
                }
                if !(0.0..=1.0).contains(&tail_fraction) {
                    return Err(bad(
                        "cost.tail_fraction",
                        format!("must be between 0 and 1, found {tail_fraction}"),
                    ));
                }
            }
            CostDist::LogNormal { mean_s, sigma } => {
                Cost::from_secs(mean_s).map_err(unit("cost.mean_s"))?;
                // A log-normal needs a positive mean.
                positive(mean_s, "cost.mean_s", &bad)?;
                Sigma::new(sigma).map_err(unit("cost.sigma"))?;
            }
        }
        match self.arrival {
            Arrival::Closed { clients: 0 } => {
                return Err(bad("arrival.clients", "must be at least 1, found 0".into()));
            }
            Arrival::Closed { .. } => {}
            Arrival::Poisson { rate_per_s } => {
                positive(rate_per_s, "arrival.rate_per_s", &bad)?;
                let span = self.requests as f64 / rate_per_s;
                if !(span.is_finite() && span <= MAX_TRACE_SPAN_S) {
                    return Err(bad(
                        "arrival.rate_per_s",
                        format!(
                            "too small: `requests` / `rate_per_s` = {} / {} = {} s \
                             of trace exceeds the bound of {} s; use a rate of \
                             at least {} per second",
                            self.requests,
                            Num(rate_per_s),
                            Num(span),
                            Num(MAX_TRACE_SPAN_S),
                            Num(self.requests as f64 / MAX_TRACE_SPAN_S)
                        ),
                    ));
                }
            }
            Arrival::Bursts {
                burst_size,
                spread_s,
                mean_gap_s,
            } => {
                if burst_size == 0 || burst_size > MAX_BURST_SIZE {
                    return Err(bad(
                        "arrival.burst_size",
                        format!("must be in 1..={MAX_BURST_SIZE}, found {burst_size}"),
                    ));
                }
                non_negative(spread_s, "arrival.spread_s", &bad)?;
                positive(mean_gap_s, "arrival.mean_gap_s", &bad)?;
                // Each burst takes a gap then a window: the trace spans about this long.
                let bursts = self.key_draws();
                let span = bursts as f64 * (mean_gap_s + spread_s);
                if !(span.is_finite() && span <= MAX_TRACE_SPAN_S) {
                    let field = if spread_s > mean_gap_s {
                        "arrival.spread_s"
                    } else {
                        "arrival.mean_gap_s"
                    };
                    return Err(bad(
                        field,
                        format!(
                            "too large: {bursts} bursts × (`mean_gap_s` + `spread_s`) = \
                             {bursts} × ({} + {}) = {} s of trace exceeds \
                             the bound of {} s",
                            Num(mean_gap_s),
                            Num(spread_s),
                            Num(span),
                            Num(MAX_TRACE_SPAN_S)
                        ),
                    ));
                }
            }
        }
        EntryBound::from_optional(self.cache.max_entries).map_err(unit("cache.max_entries"))?;
        ByteBudget::from_optional(self.cache.max_bytes).map_err(unit("cache.max_bytes"))?;
        Ttl::from_optional_secs(self.cache.ttl_s).map_err(unit("cache.ttl_s"))?;
        Ok(())
    }

    fn validate_keys(
        &self,
        bad: &impl Fn(&str, String) -> WorkloadError,
    ) -> Result<(), WorkloadError> {
        match self.keys {
            KeyPopularity::Zipf {
                universe,
                exponent,
                target_hit_rate,
                calibrated_exponent,
                max_exponent,
            } => {
                if universe == 0 {
                    return Err(bad("keys.universe", "must be at least 1, found 0".into()));
                }
                match (exponent, target_hit_rate) {
                    (Some(_), Some(_)) => {
                        return Err(bad(
                            "keys.exponent",
                            "give either `exponent` or `target_hit_rate`, not both".into(),
                        ));
                    }
                    (None, None) => {
                        return Err(bad(
                            "keys",
                            "a zipf popularity needs `exponent` or `target_hit_rate`".into(),
                        ));
                    }
                    (Some(e), None) => {
                        non_negative(e, "keys.exponent", bad)?;
                        if calibrated_exponent.is_some() || max_exponent.is_some() {
                            return Err(bad(
                                "keys.calibrated_exponent",
                                "`calibrated_exponent` and `max_exponent` are only meaningful \
                                 with `target_hit_rate`"
                                    .into(),
                            ));
                        }
                    }
                    (None, Some(t)) => {
                        if !(t.is_finite() && t > 0.0 && t < 1.0) {
                            return Err(bad(
                                "keys.target_hit_rate",
                                format!(
                                    "must be a fraction strictly between 0 and 1, found {}",
                                    Num(t)
                                ),
                            ));
                        }
                        if let Some(e) = calibrated_exponent {
                            non_negative(e, "keys.calibrated_exponent", bad)?;
                        }
                        if let Some(m) = max_exponent {
                            if !(m.is_finite() && m > 0.0 && m <= 20.0) {
                                return Err(bad(
                                    "keys.max_exponent",
                                    format!("must be in (0, 20], found {}", Num(m)),
                                ));
                            }
                        }
                    }
                }
            }
            KeyPopularity::Duplicates { distinct } => {
                let draws = self.key_draws();
                if distinct == 0 || distinct > draws {
                    let what = match self.arrival {
                        Arrival::Bursts { burst_size, .. } => format!(
                            "the number of bursts: `requests` = {} in bursts of \
                             `arrival.burst_size` = {burst_size}, one key per burst",
                            self.requests
                        ),
                        _ => "the number of requests".to_string(),
                    };
                    return Err(bad(
                        "keys.distinct",
                        format!("must be in 1..={draws} ({what}), found {distinct}"),
                    ));
                }
            }
            KeyPopularity::Single | KeyPopularity::Unique => {}
        }
        Ok(())
    }
}

fn positive(
    v: f64,
    field: &str,
    bad: &impl Fn(&str, String) -> WorkloadError,
) -> Result<(), WorkloadError> {
    if v.is_finite() && v > 0.0 {
        Ok(())
    } else {
        Err(bad(
            field,
            format!("must be a finite number > 0, found {}", Num(v)),
        ))
    }
}

fn non_negative(
    v: f64,
    field: &str,
    bad: &impl Fn(&str, String) -> WorkloadError,
) -> Result<(), WorkloadError> {
    if v.is_finite() && v >= 0.0 {
        Ok(())
    } else {
        Err(bad(
            field,
            format!("must be a finite number ≥ 0, found {}", Num(v)),
        ))
    }
}
