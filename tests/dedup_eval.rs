//! Cross-feed deduplication measured on the labelled evaluation set
//! `fixtures/dedup-eval.jsonl` (written by `scripts/gen-dedup-eval.py`): every posting goes
//! through the real normaliser and the real store (one fetch per feed and day, in publication
//! order), then the store's clusters are compared with the labels, pair by pair.
//!
//! `cargo test --release --test dedup_eval -- --nocapture` prints the figures;
//! `DEDUP_EVAL_FILE=path` evaluates another draw of the generator (`fixtures/dedup-eval-holdout.jsonl`
//! is one, `--seed 11`, never used for tuning), `DEDUP_EVAL_ERRORS=1` prints the mistakes and
//! `DEDUP_EVAL_PAIRS=path` writes every candidate pair with its comparison and label;
//! `DEDUP_EVAL_WHY=1` (or `DEDUP_EVAL_ERRORS=1`) counts the missed true pairs by the rule that
//! kept them apart (from `essaim::dedup::trace`, which records the store's join decisions);
//! `DEDUP_EVAL_FLUSH_AT=n` has the store write the blocking keys held in memory into its table
//! whenever n postings have gathered (1: after every fetch), which must change no figure.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use essaim::dedup;
use essaim::normalise;
use essaim::parse::RawItem;
use essaim::store::{Attempt, Posting, Store};

#[derive(serde::Deserialize, Clone)]
struct Row {
    posting: String,
    feed: String,
    job: String,
    kind: String,
    class: String,
    reference: String,
    link: String,
    title: String,
    employer: Option<String>,
    location: Option<String>,
    contract: Option<String>,
    description: String,
    published: String,
}

/// Precision floor on every set: a false merge makes a real job vanish (issue 15's target).
const PRECISION_FLOOR: f64 = 0.995;
/// Recall floor on the set the rules were tuned on: a guard against regressions, just below
/// today's figure (bench/README.md has the figures and their history).
const RECALL_FLOOR: f64 = 0.945;
/// Recall floor on the held-out hard set (`scripts/gen-dedup-hard.py --seed 101`, never used
/// for tuning): a guard against regressions, just below today's figure, still below the
/// issue's target of 0.95 (figures and history in bench/README.md).
const HARD_RECALL_FLOOR: f64 = 0.935;

fn pairs(n: usize) -> u64 {
    (n as u64) * (n as u64).saturating_sub(1) / 2
}

#[test]
fn clustering_precision_and_recall_on_the_labelled_set() {
    match std::env::var("DEDUP_EVAL_FILE") {
        // Another set (a held-out draw, or real offers converted by scripts/real-ft-to-eval.py):
        // whatever its size, the same floors.
        Ok(path) => evaluate(&path, RECALL_FLOOR, 1),
        Err(_) => {
            let path = format!("{}/fixtures/dedup-eval.jsonl", env!("CARGO_MANIFEST_DIR"));
            evaluate(&path, RECALL_FLOOR, 3000)
        }
    }
}

/// The held-out draw of the second generator, whose hard negatives are those of real feeds:
/// one employer's many roles in one city sharing boilerplate, one ad for several towns, the
/// same title at other hours or for another contract, shops of one chain.
#[test]
fn clustering_precision_and_recall_on_the_held_out_hard_set() {
    let path = format!(
        "{}/fixtures/dedup-eval-hard.jsonl",
        env!("CARGO_MANIFEST_DIR")
    );
    evaluate(&path, HARD_RECALL_FLOOR, 3000);
}

/// Evaluates one labelled set; `min_rows` guards the committed sets against a truncated file.
fn evaluate(path: &str, recall_floor: f64, min_rows: usize) {
    let text = std::fs::read_to_string(path).unwrap();
    let rows: Vec<Row> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let feeds: Vec<String> = {
        let mut f: Vec<String> = rows.iter().map(|r| r.feed.clone()).collect();
        f.sort();
        f.dedup();
        f
    };
    assert!(
        rows.len() >= min_rows && (min_rows < 3000 || feeds.len() >= 20),
        "{} postings, {} feeds",
        rows.len(),
        feeds.len()
    );

    let mut toml = String::new();
    for f in &feeds {
        toml.push_str(&format!(
            "[[feed]]\nid = \"{f}\"\nname = \"{f}\"\nnetwork = \"{f}\"\nurl = \"{f}.xml\"\n\n"
        ));
    }
    let config = essaim::config::parse(&toml, std::path::Path::new("/tmp/feeds.toml")).unwrap();
    let store = Store::open_in_memory().unwrap();
    store.sync_feeds(&config.feeds).unwrap();
    if let Some(n) = std::env::var("DEDUP_EVAL_FLUSH_AT")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        store.set_key_flush_threshold(n);
    }

    // One fetch per feed and day with new postings, in publication order. As a real feed
    // does, each fetch lists every posting of the feed that is still open: those published in
    // the last OPEN_DAYS days (so that two postings of one feed published at once are seen
    // together, and older ones close).
    const OPEN_DAYS: i64 = 30;
    let now: DateTime<Utc> = "2026-12-15T00:00:00Z".parse().unwrap();
    let day_of = |r: &Row| -> chrono::NaiveDate { r.published[..10].parse().unwrap() };
    let mut fetches: BTreeMap<(chrono::NaiveDate, String), Vec<&Row>> = BTreeMap::new();
    for r in &rows {
        fetches.entry((day_of(r), r.feed.clone())).or_default();
    }
    for ((day, feed), items) in fetches.iter_mut() {
        items.extend(rows.iter().filter(|r| {
            &r.feed == feed && day_of(r) <= *day && (*day - day_of(r)).num_days() < OPEN_DAYS
        }));
    }
    let mut label_of: HashMap<String, &Row> = HashMap::new();
    let mut offer_of: HashMap<String, essaim::model::Offer> = HashMap::new();
    let why = std::env::var("DEDUP_EVAL_WHY").is_ok() || std::env::var("DEDUP_EVAL_ERRORS").is_ok();
    // With `why`: each posting's filing order and the join decision the store made for it.
    let mut filed: HashMap<String, usize> = HashMap::new();
    let mut plan_of: HashMap<String, dedup::trace::Plan> = HashMap::new();
    if why {
        dedup::trace::start();
    }
    let started = std::time::Instant::now();
    for ((day, feed), items) in &fetches {
        let at: DateTime<Utc> = format!("{day}T23:00:00Z").parse().unwrap();
        let ctx = normalise::Context {
            feed_id: feed,
            base_url: None,
            now,
        };
        let postings: Vec<Posting> = items
            .iter()
            .map(|r| {
                let item = RawItem {
                    reference: Some(r.reference.clone()),
                    link: Some(r.link.clone()),
                    title: Some(r.title.clone()),
                    description: Some(r.description.clone()),
                    employer: r.employer.clone(),
                    location: r.location.clone(),
                    contract: r.contract.clone(),
                    published: Some(r.published.clone()),
                    ..Default::default()
                };
                let offer = normalise::normalise(&item, &ctx);
                let identity = dedup::identity(&offer);
                offer_of.insert(r.posting.clone(), offer.clone());
                let posting = Posting::identified(feed, identity, offer, "null".into());
                label_of.insert(posting.public_id.clone(), r);
                posting
            })
            .collect();
        let attempt = Attempt {
            started_at: at,
            finished_at: at,
            ..Default::default()
        };
        store.record_success(feed, &attempt, &postings, 2).unwrap();
        if why {
            let plans = dedup::trace::take();
            for r in items {
                if filed.contains_key(&r.posting) {
                    continue;
                }
                filed.insert(r.posting.clone(), filed.len());
                let fp =
                    dedup::trace::fingerprint(&dedup::similar::features(&offer_of[&r.posting]));
                if let Some(p) = plans.iter().find(|p| p.posting == fp) {
                    plan_of.insert(r.posting.clone(), p.clone());
                }
            }
        }
    }
    if why {
        dedup::trace::stop();
    }
    let elapsed = started.elapsed();

    // Pairwise figures.
    let assigned = store.cluster_ids().unwrap();
    assert_eq!(assigned.len(), rows.len());
    let mut clusters: HashMap<&str, Vec<&Row>> = HashMap::new();
    for (posting, cluster) in &assigned {
        clusters.entry(cluster).or_default().push(label_of[posting]);
    }
    let mut jobs: HashMap<&str, usize> = HashMap::new();
    for r in &rows {
        *jobs.entry(&r.job).or_default() += 1;
    }
    let true_pairs: u64 = jobs.values().map(|&n| pairs(n)).sum();
    let mut predicted = 0;
    let mut correct = 0;
    let mut cluster_of: HashMap<&str, &str> = HashMap::new();
    for (c, members) in &clusters {
        predicted += pairs(members.len());
        let mut by_job: HashMap<&str, usize> = HashMap::new();
        for m in members {
            *by_job.entry(&m.job).or_default() += 1;
            cluster_of.insert(&m.posting, c);
        }
        correct += by_job.values().map(|&n| pairs(n)).sum::<u64>();
    }
    // No pair predicted is no wrong pair; no true pair is none missed (a real list of distinct
    // France Travail ids has none).
    let ratio = |n: u64, d: u64| if d == 0 { 1.0 } else { n as f64 / d as f64 };
    let precision = ratio(correct, predicted);
    let recall = ratio(correct, true_pairs);
    let f1 = 2.0 * precision * recall / (precision + recall).max(f64::MIN_POSITIVE);

    // Recall by duplicate kind: is each duplicate with its job's original?
    let original: HashMap<&str, &str> = rows
        .iter()
        .filter(|r| r.kind == "original")
        .map(|r| (r.job.as_str(), r.posting.as_str()))
        .collect();
    let mut by_kind: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for r in rows.iter().filter(|r| r.kind != "original") {
        let e = by_kind.entry(&r.kind).or_default();
        e.1 += 1;
        if cluster_of[r.posting.as_str()] == cluster_of[original[r.job.as_str()]] {
            e.0 += 1;
        }
    }
    // False pairs by the class of the jobs wrongly merged.
    let mut false_by_class: BTreeMap<String, u64> = BTreeMap::new();
    let verbose = std::env::var("DEDUP_EVAL_ERRORS").is_ok();
    for members in clusters.values() {
        for (i, a) in members.iter().enumerate() {
            for b in &members[i + 1..] {
                if a.job != b.job {
                    let key = if a.class == b.class {
                        a.class.clone()
                    } else {
                        format!("{}+{}", a.class, b.class)
                    };
                    *false_by_class.entry(key).or_default() += 1;
                    if verbose {
                        let (fa, fb) = (
                            essaim::dedup::similar::features(&offer_of[&a.posting]),
                            essaim::dedup::similar::features(&offer_of[&b.posting]),
                        );
                        println!(
                            "FALSE MERGE {} {} | {} {:?} {:?} {:?}\n            {} {} | {} {:?} {:?} {:?}\n   same_job {:?} {:?}",
                            a.posting, a.kind, a.title, a.employer, a.location, a.contract,
                            b.posting, b.kind, b.title, b.employer, b.location, b.contract,
                            essaim::dedup::similar::same_job(&fa, &fb),
                            essaim::dedup::similar::compare(&fa, &fb)
                        );
                    }
                }
            }
        }
    }
    if verbose {
        for r in rows.iter().filter(|r| r.kind != "original") {
            let o = rows
                .iter()
                .find(|x| x.posting == original[r.job.as_str()])
                .unwrap();
            if cluster_of[r.posting.as_str()] != cluster_of[o.posting.as_str()] {
                let (fa, fb) = (
                    essaim::dedup::similar::features(&offer_of[&r.posting]),
                    essaim::dedup::similar::features(&offer_of[&o.posting]),
                );
                println!(
                    "MISSED {} {} | {} {:?} {:?} {:?}\n   orig {} | {} {:?} {:?} {:?}\n   conflict {} {:?}",
                    r.posting, r.kind, r.title, r.employer, r.location, r.contract,
                    o.posting, o.title, o.employer, o.location, o.contract,
                    essaim::dedup::similar::conflict(&fa, &fb),
                    essaim::dedup::similar::compare(&fa, &fb)
                );
            }
        }
    }

    if why {
        why_missed(&rows, &cluster_of, &offer_of, &filed, &plan_of);
    }

    // Every pair of postings sharing a blocking key, with its comparison and its label, as
    // tab-separated lines (for setting thresholds).
    if let Ok(out) = std::env::var("DEDUP_EVAL_PAIRS") {
        use essaim::dedup::similar;
        let feats: Vec<(&Row, similar::Features)> = rows
            .iter()
            .map(|r| (r, similar::features(&offer_of[&r.posting])))
            .collect();
        let mut buckets: HashMap<i64, Vec<usize>> = HashMap::new();
        for (i, (_, f)) in feats.iter().enumerate() {
            for k in similar::keys(f) {
                buckets.entry(k).or_default().push(i);
            }
        }
        let mut seen = std::collections::HashSet::new();
        let mut lines = String::new();
        for members in buckets.values() {
            for (x, &i) in members.iter().enumerate() {
                for &j in &members[x + 1..] {
                    if !seen.insert((i.min(j), i.max(j))) {
                        continue;
                    }
                    let ((ra, fa), (rb, fb)) = (&feats[i], &feats[j]);
                    let c = similar::compare(fa, fb);
                    lines.push_str(&format!(
                        "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{:?}\t{:?}\n",
                        ra.posting,
                        rb.posting,
                        u8::from(ra.job == rb.job),
                        ra.kind,
                        rb.kind,
                        ra.class,
                        rb.class,
                        u8::from(similar::conflict(fa, fb)),
                        similar::verdict(fa, fb),
                        c
                    ));
                }
            }
        }
        std::fs::write(&out, lines).unwrap();
    }

    println!("dedup evaluation: {path}");
    println!(
        "  {} postings, {} feeds, {} jobs, {} clusters; clustered through the store in {:.2?}",
        rows.len(),
        feeds.len(),
        jobs.len(),
        clusters.len(),
        elapsed
    );
    println!("  pairs: {true_pairs} true, {predicted} predicted, {correct} correct");
    println!("  precision {precision:.4}  recall {recall:.4}  F1 {f1:.4}");
    for (kind, (found, total)) in &by_kind {
        println!(
            "  {kind:<9} duplicates with their original: {found}/{total} ({:.1}%)",
            100.0 * *found as f64 / *total as f64
        );
    }
    for (class, n) in &false_by_class {
        println!("  false pairs among {class} jobs: {n}");
    }
    // The targets: precision 0.99 and recall 0.95.
    assert!(
        precision >= PRECISION_FLOOR,
        "precision {precision:.4} < {PRECISION_FLOOR}"
    );
    assert!(
        recall >= recall_floor,
        "recall {recall:.4} < {recall_floor}"
    );
}

/// Counts the missed true pairs by the rule that kept them apart, when the later posting of the
/// pair was filed: a refusal of `same_job` (a conflict, a veto, too little evidence), no
/// blocking key in common, not among the candidates read, or the join decision (`plan_join`:
/// the cluster clashed with another, fewer than half of its members agreed...). Pairs are
/// counted by the kind of the duplicate (a pair of two duplicates counts as "dup+dup").
fn why_missed(
    rows: &[Row],
    cluster_of: &HashMap<&str, &str>,
    offer_of: &HashMap<String, essaim::model::Offer>,
    filed: &HashMap<String, usize>,
    plan_of: &HashMap<String, dedup::trace::Plan>,
) {
    use dedup::similar;
    use dedup::trace::Outcome;
    let mut by_job: HashMap<&str, Vec<&Row>> = HashMap::new();
    for r in rows {
        by_job.entry(&r.job).or_default().push(r);
    }
    let feats: HashMap<&str, similar::Features> = rows
        .iter()
        .map(|r| (r.posting.as_str(), similar::features(&offer_of[&r.posting])))
        .collect();
    // DEDUP_EVAL_PAIR=a,b: how two postings compare, and the rule that refuses them.
    if let Ok(pair) = std::env::var("DEDUP_EVAL_PAIR") {
        if let Some((a, b)) = pair.split_once(',') {
            if let (Some(fa), Some(fb)) = (feats.get(a), feats.get(b)) {
                println!(
                    "  {a} / {b}: {:?}\n      {:?}",
                    similar::verdict(fa, fb),
                    similar::compare(fa, fb)
                );
            }
        }
    }
    let mut counts: BTreeMap<String, BTreeMap<String, u32>> = BTreeMap::new();
    let mut total = 0;
    for members in by_job.values() {
        for (i, a) in members.iter().enumerate() {
            for b in &members[i + 1..] {
                if cluster_of[a.posting.as_str()] == cluster_of[b.posting.as_str()] {
                    continue;
                }
                total += 1;
                let (x, y) = if filed[&a.posting] < filed[&b.posting] {
                    (a, b)
                } else {
                    (b, a)
                };
                let (fx, fy) = (&feats[x.posting.as_str()], &feats[y.posting.as_str()]);
                let fpx = dedup::trace::fingerprint(fx);
                let reason = if let Err(r) = similar::verdict(fx, fy) {
                    r.name().to_string()
                } else if !similar::keys(fx)
                    .iter()
                    .any(|k| similar::keys(fy).contains(k))
                {
                    "blocking: no key in common".to_string()
                } else {
                    let outcome = plan_of.get(&y.posting).and_then(|p| {
                        p.clusters
                            .iter()
                            .find(|(m, _)| m.contains(&fpx))
                            .map(|(_, o)| (*o, p))
                    });
                    match outcome {
                        None => "not among the candidates read (cap)".to_string(),
                        Some((Outcome::Joined, p)) if p.ambiguous => {
                            let clash = p.clusters.iter().find_map(|(_, o)| match o {
                                Outcome::Clash {
                                    reason,
                                    decided: false,
                                } => Some(*reason),
                                _ => None,
                            });
                            format!(
                                "plan: ambiguous, also matches a clashing cluster ({})",
                                clash.map_or("?", |r| r.name())
                            )
                        }
                        Some((Outcome::Joined, _)) => {
                            "joined, separated later (detach/regroup)".to_string()
                        }
                        Some((Outcome::Half, _)) => {
                            "plan: fewer than half of the cluster agree".to_string()
                        }
                        Some((Outcome::Direct(r), _)) => {
                            format!("plan: a member of the cluster conflicts ({})", r.name())
                        }
                        Some((Outcome::Clash { reason, decided }, _)) => format!(
                            "plan: clashes with a cluster joined{} ({})",
                            if decided {
                                ", figures chose the other"
                            } else {
                                ", ambiguous"
                            },
                            reason.name()
                        ),
                    }
                };
                let kind = match (x.kind.as_str(), y.kind.as_str()) {
                    ("original", k) | (k, "original") => k.to_string(),
                    _ => "dup+dup".to_string(),
                };
                if let Ok(pat) = std::env::var("DEDUP_EVAL_WHY_LIST") {
                    if reason.contains(&pat) {
                        println!(
                            "  {reason}: {} {} | {} | {:?} | {:?} | {:?}\n      {} {} | {} | {:?} | {:?} | {:?}",
                            x.posting, x.feed, x.title, x.employer, x.location, x.contract,
                            y.posting, y.feed, y.title, y.employer, y.location, y.contract
                        );
                        if std::env::var("DEDUP_EVAL_WHY_CMP").is_ok() {
                            println!("      {:?}", similar::compare(fx, fy));
                        }
                    }
                }
                *counts.entry(reason).or_default().entry(kind).or_default() += 1;
            }
        }
    }
    println!("  missed true pairs by the rule that kept them apart ({total}):");
    let mut lines: Vec<(u32, String)> = counts
        .iter()
        .map(|(reason, kinds)| {
            let n: u32 = kinds.values().sum();
            let detail: Vec<String> = kinds.iter().map(|(k, c)| format!("{k} {c}")).collect();
            (n, format!("    {n:>5}  {reason}  [{}]", detail.join(", ")))
        })
        .collect();
    lines.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, l) in lines {
        println!("{l}");
    }
}
