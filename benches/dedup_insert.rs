//! Benchmark: the cost of adding 10,000 new offers (through `Store::record_success`, with
//! cross-feed deduplication) to an empty database and to one that already holds 1,000,000
//! offers. The million is loaded in bulk (`Store::bulk_load`: same tables, search index,
//! features and blocking keys) on 20 other feeds; each round adds its offers on 20 feeds of
//! its own, so that every measurement applies the same fetches (a fetch also marks its own
//! feed's missing offers, which is not what is measured here).
//!
//! Rounds go in pairs, one on a fresh empty database and one on the full database, so that a
//! slow spell of a shared machine weighs on both sides alike. The store holds the keys of
//! the postings it files in memory and flushes them into `dedup_keys` once enough have gathered
//! (`store/keys.rs`): the empty database's keys are flushed at the end of each round, and the
//! full database gets rounds until its store has flushed by itself, so that both totals count
//! the flush. The goal is a ratio of the totals of at most 1.5. CPU times are printed too: on a
//! shared machine they are steadier, but leave out the waits for the disk. The postings are
//! built outside the timed part, and with them what the writer writes of them (features,
//! their encoding and keys, the packed columns: `Posting::prepare`, called by `Posting`'s
//! constructors, as the pipeline calls it off the writer): since issue 20 the times are the
//! writer's alone, without the features (and, since its second part, the packing) it used to
//! compute.
//!
//! `cargo bench --bench dedup_insert` (about 10 minutes, most of it the preload;
//! `DEDUP_BENCH_PRELOAD=200000` for a quicker run, `DEDUP_BENCH_ROUNDS=n` to stop after n
//! rounds, `DEDUP_BENCH_FLUSHES=2` to go on until the full database has flushed twice: twice the
//! rounds, less noise; `DEDUP_BENCH_ONLY=empty` or `full` for one side's rounds only, to
//! profile it). The database files go to a temporary directory (`TMPDIR`);
//! `DEDUP_BENCH_CACHE=dir` keeps the preloaded database for the next runs.
#![allow(clippy::unwrap_used)]

/// The daemon's allocator (src/main.rs), so that the figures are the daemon's.
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use essaim::dedup;
use essaim::model::{Contract, Location, Offer, Place};
use essaim::store::{Attempt, Posting, Store};

const FEEDS: usize = 20;
const NEW: usize = 10_000;
const PER_FETCH: usize = 100;
/// Rounds of NEW offers at most (each on feeds of its own).
const MAX_ROUNDS: usize = 40;

/// A small deterministic generator (xorshift64*).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn pick<'a>(&mut self, v: &'a [&'a str]) -> &'a str {
        v[(self.next() % v.len() as u64) as usize]
    }
}

const ROLES: &[&str] = &[
    "Animateur périscolaire",
    "Aide à domicile",
    "Educateur spécialisé",
    "Comptable",
    "Chargé de communication",
    "Encadrant technique d'insertion",
    "Moniteur éducateur",
    "Conseiller en insertion professionnelle",
    "Infirmier",
    "Coordinateur de tiers-lieu",
    "Chauffeur-livreur",
    "Vendeur en boutique solidaire",
    "Directeur d'accueil de loisirs",
    "Auxiliaire de vie sociale",
    "Chargé de mission économie circulaire",
    "Aide-soignant",
];
const PLACES: &[(&str, &str)] = &[
    ("Lyon", "69"),
    ("Rennes", "35"),
    ("Brest", "29"),
    ("Nantes", "44"),
    ("Lille", "59"),
    ("Toulouse", "31"),
    ("Bordeaux", "33"),
    ("Marseille", "13"),
    ("Montpellier", "34"),
    ("Strasbourg", "67"),
    ("Dijon", "21"),
    ("Grenoble", "38"),
    ("Rouen", "76"),
    ("Caen", "14"),
    ("Tours", "37"),
    ("Limoges", "87"),
    ("Nancy", "54"),
    ("Reims", "51"),
    ("Angers", "49"),
    ("Poitiers", "86"),
];
const WORDS: &[&str] = &[
    "accompagner",
    "public",
    "enfants",
    "familles",
    "projet",
    "équipe",
    "association",
    "quartier",
    "insertion",
    "logement",
    "santé",
    "prévention",
    "animation",
    "ateliers",
    "bénévoles",
    "partenaires",
    "territoire",
    "budget",
    "suivi",
    "accueil",
    "formation",
    "réemploi",
    "solidarité",
    "alimentaire",
    "culture",
    "sport",
    "jeunes",
    "seniors",
    "domicile",
    "autonomie",
    "handicap",
    "emploi",
    "parcours",
    "entreprises",
    "collectivité",
    "réseau",
    "communication",
    "événements",
    "dossiers",
    "financement",
    "rapports",
    "qualité",
    "sécurité",
    "planning",
    "matériel",
    "véhicule",
    "permis",
    "diplôme",
    "expérience",
    "rigueur",
    "écoute",
];

fn offer(rng: &mut Rng, n: u64) -> Offer {
    let (commune, dept) = PLACES[(rng.next() % PLACES.len() as u64) as usize];
    let role = rng.pick(ROLES);
    let employer = format!("Association {} {}", rng.pick(WORDS), rng.next() % 20_000);
    let mut text = format!("{employer} recrute un {role} à {commune}. ");
    for _ in 0..45 {
        text.push_str(rng.pick(WORDS));
        text.push(' ');
    }
    text.push_str(&format!("Réf. {n}."));
    Offer {
        url: Some(format!("https://emplois.example.org/offres/{n}")),
        reference: Some(format!("o-{n}")),
        title: role.into(),
        title_raw: format!("{role} H/F"),
        employer: Some(employer),
        location: Location {
            raw: Some(format!("{commune} ({dept})")),
            place: Place {
                commune: Some(commune.into()),
                department: Some(dept.into()),
                ..Default::default()
            },
            remote: None,
        },
        contract: Some(if rng.next() % 3 == 0 {
            Contract::Cdd
        } else {
            Contract::Cdi
        }),
        description_text: text,
        ..Default::default()
    }
}

fn posting(feed: &str, o: Offer) -> Posting {
    let identity = dedup::identity(&o);
    Posting::identified(feed, identity, o, "null".into())
}

fn open(dir: &std::path::Path, name: &str) -> Store {
    let mut toml = String::new();
    let prefixes = (0..MAX_ROUNDS)
        .map(|r| format!("r{r}"))
        .chain(["old".to_string()]);
    for prefix in prefixes {
        for i in 0..FEEDS {
            toml.push_str(&format!(
                "[[feed]]\nid = \"{prefix}-{i}\"\nname = \"{prefix} {i}\"\nnetwork = \"Net {i}\"\nurl = \"{prefix}{i}.xml\"\n\n"
            ));
        }
    }
    let config = essaim::config::parse(&toml, &dir.join("feeds.toml")).unwrap();
    let store = Store::open(&dir.join(name)).unwrap();
    store.sync_feeds(&config.feeds).unwrap();
    store
}

/// CPU time (user and system) this process has used, from /proc (zero where there is none).
/// On a shared machine, wall time also counts the waits for a core that other processes
/// hold; CPU time does not (nor does it count waits for the disk).
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which is in parentheses): utime and stime are the 12th
    // and 13th, in clock ticks (100 a second on Linux).
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<u64> = rest
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|x| x.parse().ok())
        .collect();
    Duration::from_millis(f.iter().sum::<u64>() * 10)
}

/// Adds NEW offers (distinct from the preload and from other rounds), PER_FETCH per fetch,
/// round-robin over the round's own feeds (so that no round finds open offers of an earlier
/// one on its feeds); returns the wall time and the CPU time spent in record_success.
fn add_new(store: &Store, round: usize, now: DateTime<Utc>) -> (Duration, Duration) {
    let mut rng = Rng(0x5eed_0000_0000_0001 + round as u64);
    let mut spent = Duration::ZERO;
    let mut cpu = Duration::ZERO;
    let work = dedup::cluster::work::now();
    for batch in 0..NEW / PER_FETCH {
        let feed = format!("r{round}-{}", batch % FEEDS);
        let postings: Vec<Posting> = (0..PER_FETCH)
            .map(|i| {
                let n = 10_000_000 + (round * NEW + batch * PER_FETCH + i) as u64;
                posting(&feed, offer(&mut rng, n))
            })
            .collect();
        let attempt = Attempt {
            started_at: now,
            finished_at: now,
            ..Default::default()
        };
        let (t, c) = (Instant::now(), cpu_time());
        // close_after is large: the bench measures adding, not closing the feed's others.
        store
            .record_success(&feed, &attempt, &postings, u32::MAX)
            .unwrap();
        spent += t.elapsed();
        cpu += cpu_time().saturating_sub(c);
    }
    // What deduplication did per posting: a larger database gives more candidates per key.
    let w = dedup::cluster::work::now() - work;
    let per = |n: u64| n as f64 / NEW as f64;
    println!(
        "    per posting: {:.1} candidate ids read through the keys, {:.2} compared, {:.2} cluster members read",
        per(w.key_rows),
        per(w.compared),
        per(w.members)
    );
    (spent, cpu)
}

/// Flushes the keys still held in memory into dedup_keys; returns the postings flushed, the wall
/// time and the CPU time.
fn flush(store: &Store) -> (usize, Duration, Duration) {
    let (t, c) = (Instant::now(), cpu_time());
    let n = store.flush_dedup_keys().unwrap();
    (n, t.elapsed(), cpu_time().saturating_sub(c))
}

/// Loads `preload` offers in bulk on the "old-*" feeds.
fn preload_offers(store: &Store, preload: usize, now: DateTime<Utc>) {
    let mut rng = Rng(0x0123_4567_89ab_cdef);
    let chunk = 50_000;
    let mut loaded = 0;
    while loaded < preload {
        let n = chunk.min(preload - loaded);
        let feed = format!("old-{}", (loaded / chunk) % FEEDS);
        let postings: Vec<Posting> = (0..n)
            .map(|i| posting(&feed, offer(&mut rng, (loaded + i) as u64)))
            .collect();
        store.bulk_load(&feed, &postings, now).unwrap();
        loaded += n;
    }
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The database with `preload` offers, at `path`: built, or copied from the cache.
fn full_database(dir: &std::path::Path, preload: usize, now: DateTime<Utc>) -> Store {
    // DEDUP_BENCH_CACHE=dir keeps the preloaded database there (one file per preload size
    // and schema version) and copies it for later runs, which then skip the preload.
    let cache = std::env::var_os("DEDUP_BENCH_CACHE").map(std::path::PathBuf::from);
    let cached = cache.as_ref().map(|c| {
        let version = Store::open_in_memory().unwrap().schema_version().unwrap();
        c.join(format!("preload-{preload}-v{version}.db"))
    });
    let full_path = dir.join("full.db");
    if let Some(c) = cached.as_ref().filter(|c| c.exists()) {
        std::fs::copy(c, &full_path).unwrap();
        // Written out before measuring, so that the copy's writeback does not compete.
        std::fs::File::open(&full_path).unwrap().sync_all().unwrap();
        println!("preloaded database copied from {}", c.display());
    } else {
        let full = open(dir, "full.db");
        let t = Instant::now();
        preload_offers(&full, preload, now);
        println!("preloaded {preload} offers in {:.1?}", t.elapsed());
        drop(full);
        if let Some(c) = &cached {
            std::fs::create_dir_all(c.parent().unwrap()).unwrap();
            std::fs::copy(&full_path, c).unwrap();
        }
    }
    let full = open(dir, "full.db");
    // At its first write the store reads the filter of the stored keys (a start-up cost).
    let t = Instant::now();
    full.dedup_keys_pending().unwrap();
    println!("key filter read in {:.2?} (once, at start-up)", t.elapsed());
    full
}

/// One round on a fresh empty database: adding NEW offers, then flushing their keys (the store
/// would flush them later, with more; counted in here). Returns wall and CPU time.
fn empty_round(dir: &std::path::Path, round: usize, now: DateTime<Utc>) -> (Duration, Duration) {
    let name = format!("empty-{round}.db");
    let empty = open(dir, &name);
    let (t, c) = add_new(&empty, round, now);
    let (n, tf, cf) = flush(&empty);
    println!(
        "  empty database: adding {t:.2?} (CPU {c:.2?}) + flushing {n} postings' keys {tf:.2?} (CPU {cf:.2?})"
    );
    drop(empty);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(dir.join(format!("{name}{suffix}")));
    }
    (t + tf, c + cf)
}

fn main() {
    let preload = env_usize("DEDUP_BENCH_PRELOAD", 1_000_000);
    let max_rounds = env_usize("DEDUP_BENCH_ROUNDS", MAX_ROUNDS).clamp(1, MAX_ROUNDS);
    // Flushes of the full database to wait for (each about ten rounds at a million offers):
    // more average over more of a shared machine's slow and fast spells.
    let flushes_wanted = env_usize("DEDUP_BENCH_FLUSHES", 1).max(1);
    // "empty" or "full": only that side's rounds (to profile one side; no ratio then).
    let only = std::env::var("DEDUP_BENCH_ONLY").unwrap_or_default();
    let dir = tempfile::tempdir().unwrap();
    let now: DateTime<Utc> = "2026-12-01T10:00:00Z".parse().unwrap();
    let full = full_database(dir.path(), preload, now);

    // Rounds in pairs, one on a fresh empty database and one on the full database, so that a
    // slow spell of the machine weighs on both sides alike. The full database gets round
    // after round (each adds 1% to it) until the store has flushed the keys held in memory
    // into dedup_keys by itself, so that the totals count that flush as it falls in a real run.
    let (mut empty_wall, mut empty_cpu) = (Duration::ZERO, Duration::ZERO);
    let (mut full_wall, mut full_cpu) = (Duration::ZERO, Duration::ZERO);
    let mut rounds = 0;
    let mut flushed = false;
    let mut flushes = 0;
    while rounds < max_rounds && flushes < flushes_wanted {
        println!("round {}:", rounds + 1);
        let (w, c) = if only == "full" {
            (Duration::ZERO, Duration::ZERO)
        } else {
            empty_round(dir.path(), rounds, now)
        };
        empty_wall += w;
        empty_cpu += c;
        if only == "empty" {
            rounds += 1;
            continue;
        }
        let before = full.dedup_keys_pending().unwrap();
        let (w, c) = add_new(&full, rounds, now);
        let after = full.dedup_keys_pending().unwrap();
        flushed = after < before + NEW;
        flushes += usize::from(flushed);
        println!(
            "  {preload} offers: adding {w:.2?} (CPU {c:.2?}), {after} postings' keys in memory{}",
            if flushed {
                " (flushed in this round)"
            } else {
                ""
            }
        );
        println!("    {}", full.dedup_memory());
        full_wall += w;
        full_cpu += c;
        rounds += 1;
    }
    if !flushed && only != "empty" {
        println!("(the last {rounds} rounds' keys are not flushed yet: the full database's figure leaves that flush out)");
    }
    let per = |d: Duration| d / rounds as u32;
    let ratio = full_wall.as_secs_f64() / empty_wall.as_secs_f64();
    let cpu_ratio = full_cpu.as_secs_f64() / empty_cpu.as_secs_f64().max(f64::MIN_POSITIVE);
    println!("adding {NEW} new offers ({PER_FETCH} per fetch, with deduplication), mean of {rounds} rounds:");
    println!(
        "  empty database:               {:.2?} (CPU {:.2?}), flushing included",
        per(empty_wall),
        per(empty_cpu)
    );
    println!(
        "  database with {preload} offers: {:.2?} (CPU {:.2?}), flushing included",
        per(full_wall),
        per(full_cpu)
    );
    if only.is_empty() {
        println!("  ratio {ratio:.2} (goal: at most 1.5); CPU time ratio {cpu_ratio:.2}");
    } else {
        println!("  (DEDUP_BENCH_ONLY={only}: one side only, no ratio)");
    }
}
