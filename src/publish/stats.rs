//! The JSON API's summaries of the stored offers: `/api/networks` and `/api/stats`.

use serde_json::{json, Map, Value};

use crate::store::{NetworkStats, Stats};

/// The body of `/api/networks`: `{"networks": [...]}`.
pub fn networks_json(networks: &[NetworkStats]) -> Value {
    json!({ "networks": networks })
}

/// The body of `/api/stats`: open offers in all, by network, by region (with its name), by
/// contract, and those without an employer. Rows without a value are counted as `unknown`.
pub fn stats_json(stats: &Stats) -> Value {
    let by = |rows: &[(Option<String>, usize)]| -> Map<String, Value> {
        rows.iter()
            .map(|(k, v)| (k.clone().unwrap_or_else(|| "unknown".into()), json!(v)))
            .collect()
    };
    let regions: Map<String, Value> = stats
        .by_region
        .iter()
        .map(|(code, n)| {
            let name = code.as_deref().and_then(|c| {
                crate::geo::resolve_parts(None, None, None, None, Some(c))
                    .and_then(|p| p.region_name)
            });
            (
                code.clone().unwrap_or_else(|| "unknown".into()),
                json!({ "name": name, "open_offers": n }),
            )
        })
        .collect();
    json!({
        "open_offers": stats.open_offers,
        "by_network": stats
            .by_network
            .iter()
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect::<Map<_, _>>(),
        "by_region": regions,
        "by_contract": by(&stats.by_contract),
        "without_employer": stats.without_employer,
    })
}
