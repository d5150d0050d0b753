//! The join/split decisions of cross-feed deduplication: which stored postings a posting is
//! compared with, which clusters it joins, which members leave a cluster it shows to be
//! ambiguous, and how a cluster that lost a member regroups. The decisions are taken here,
//! with [`similar`]; the store keeps the clusters and reads and writes them through the
//! [`Clusters`] trait, inside the transaction that files the fetch. No SQL and no I/O here.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};

use super::similar::{self, Features};

/// What filing postings has cost so far in this process, counted for the tests and benches
/// that prove the cost of a posting bounded whatever the postings look like (templated ads
/// by the thousand included). Only with the `testing` feature: the daemon counts nothing.
#[cfg(any(test, feature = "testing"))]
pub mod work {
    use std::sync::atomic::{AtomicU64, Ordering};

    pub(super) static FILED: AtomicU64 = AtomicU64::new(0);
    pub(super) static KEY_ROWS: AtomicU64 = AtomicU64::new(0);
    pub(super) static COMPARED: AtomicU64 = AtomicU64::new(0);
    pub(super) static MEMBERS: AtomicU64 = AtomicU64::new(0);

    /// Counts since the process started (the counters are global: a test reading them runs
    /// alone in its binary, or reads differences around work of its own).
    #[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
    pub struct Work {
        /// Postings filed (with new or changed features).
        pub filed: u64,
        /// Candidate ids read through the blocking keys (in memory or from `dedup_keys`).
        pub key_rows: u64,
        /// Candidates compared with the posting ([`crate::dedup::similar::same_job`]).
        pub compared: u64,
        /// Cluster members read (to join a cluster, or regroup one).
        pub members: u64,
    }

    /// The counts so far.
    pub fn now() -> Work {
        Work {
            filed: FILED.load(Ordering::Relaxed),
            key_rows: KEY_ROWS.load(Ordering::Relaxed),
            compared: COMPARED.load(Ordering::Relaxed),
            members: MEMBERS.load(Ordering::Relaxed),
        }
    }

    impl std::ops::Sub for Work {
        type Output = Work;
        fn sub(self, o: Work) -> Work {
            Work {
                filed: self.filed - o.filed,
                key_rows: self.key_rows - o.key_rows,
                compared: self.compared - o.compared,
                members: self.members - o.members,
            }
        }
    }

    pub(super) fn add(counter: &AtomicU64, n: usize) {
        counter.fetch_add(n as u64, Ordering::Relaxed);
    }
}

/// Counts work for [`work`] (nothing without the `testing` feature).
macro_rules! count {
    ($counter:ident, $n:expr) => {
        #[cfg(any(test, feature = "testing"))]
        work::add(&work::$counter, $n);
    };
}

/// A stored posting as deduplication sees it: where it is published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Posted {
    /// Its feed.
    pub feed: String,
    /// Its identity within the feed (see [`crate::dedup::identity`]).
    pub identity: String,
    /// Whether it is open.
    pub open: bool,
}

/// A member of a stored cluster, as the store reads it.
#[derive(Debug, Clone)]
pub struct StoredMember {
    /// Its offer id.
    pub id: i64,
    /// Its features as stored ([`similar::encode`]); `None` when it has none.
    pub features: Option<Vec<u8>>,
    pub posted: Posted,
}

/// What the store keeps of clusters, blocking keys and features, read and written in the
/// transaction filing a fetch. A posting (offer) belongs to one cluster, named by an offer id
/// (the smallest of its postings when deduplication set it).
pub trait Clusters {
    type Error;

    /// The stored features of posting `id`, encoded (`None` when it has none).
    fn stored_features(&mut self, id: i64) -> Result<Option<Vec<u8>>, Self::Error>;

    /// Stores the features of posting `id`, encoded, replacing any.
    fn set_features(&mut self, id: i64, encoded: &[u8]) -> Result<(), Self::Error>;

    /// Forgets the blocking keys `keys` of posting `id`, wherever they are kept.
    fn remove_keys(&mut self, id: i64, keys: &[i64]) -> Result<(), Self::Error>;

    /// Files posting `id` under its blocking keys `keys`.
    fn add_keys(&mut self, id: i64, keys: &[i64]) -> Result<(), Self::Error>;

    /// Posting `id` was just filed with `features`, stored as `encoded`: what
    /// [`Clusters::candidate`] answers for it may be kept from them rather than read again
    /// (the postings filed last are the candidates of the next ones: cross-posts arrive
    /// together).
    fn remember(&mut self, id: i64, features: &Features, encoded: &[u8]);

    /// The newest [`similar::CANDIDATES_PER_KEY`] postings filed under `key`, newest first,
    /// into `out` (cleared first).
    fn newest(&mut self, key: i64, out: &mut Vec<i64>) -> Result<(), Self::Error>;

    /// The features of posting `id` read as a candidate (`None` when it has none that can be
    /// read, or is gone).
    fn candidate(&mut self, id: i64) -> Result<Option<&Features>, Self::Error>;

    /// Where posting `id` is published (`None` when it is gone).
    fn posted(&mut self, id: i64) -> Result<Option<Posted>, Self::Error>;

    /// The cluster posting `id` is in, as recorded (`None` when none is). The posting exists.
    fn cluster_of(&mut self, id: i64) -> Result<Option<i64>, Self::Error>;

    /// The cluster of candidate `id`: the recorded one, else its own id; `None` when it is
    /// gone.
    fn candidate_cluster(&mut self, id: i64) -> Result<Option<i64>, Self::Error>;

    /// The postings of `cluster` but `except`, in id order (a bounded number).
    fn members(
        &mut self,
        cluster: i64,
        except: Option<i64>,
    ) -> Result<Vec<StoredMember>, Self::Error>;

    /// Puts posting `id` into `cluster`.
    fn set_cluster(&mut self, id: i64, cluster: i64) -> Result<(), Self::Error>;

    /// Puts every posting of cluster `from` into cluster `to`.
    fn move_cluster(&mut self, from: i64, to: i64) -> Result<(), Self::Error>;
}

/// The fetch whose postings are being filed: its feed, and the identities it publishes now.
/// Two postings of one feed published at once are two jobs (their features share a
/// [`similar::slot`]); a posting of the feed that this fetch no longer publishes may be the
/// same job under a new reference.
pub struct Filing<'a> {
    feed: &'a str,
    current: HashSet<&'a str>,
}

impl<'a> Filing<'a> {
    /// The filing of a fetch of `feed` that publishes the postings of `identities`.
    pub fn new(feed: &'a str, identities: impl IntoIterator<Item = &'a str>) -> Filing<'a> {
        Filing {
            feed,
            current: identities.into_iter().collect(),
        }
    }

    /// The features of a posting of this fetch: `features` as computed from its offer
    /// ([`similar::features`], before the fetch is applied, off the writer) with the slot of
    /// this fetch's feed; borrowed when they carry it already (as a posting's do once
    /// identified in its feed), copied otherwise.
    pub fn features<'f>(&self, features: &'f Features) -> Cow<'f, Features> {
        let slot = Some(similar::slot(self.feed));
        if features.slot == slot {
            return Cow::Borrowed(features);
        }
        let mut f = features.clone();
        f.slot = slot;
        Cow::Owned(f)
    }

    /// The slot of another stored posting: its feed's when that feed publishes it now (for
    /// this fetch's feed, when this fetch does; for another feed, when it is open).
    fn slot_of(filing: Option<&Self>, posted: &Posted) -> Option<u64> {
        let now = match filing {
            Some(f) if f.feed == posted.feed => f.current.contains(posted.identity.as_str()),
            _ => posted.open,
        };
        now.then(|| similar::slot(&posted.feed))
    }
}

/// Postings with their features, in id order.
type Members = Vec<(i64, Features)>;

/// Files posting `id` for deduplication: stores its features and blocking keys (replacing the
/// old ones), takes it out of its cluster (which splits if it held it together), then joins
/// it to the clusters of the candidates it matches (see [`similar::plan_join`]). Does nothing
/// when its features are unchanged.
pub fn file<C: Clusters>(
    store: &mut C,
    id: i64,
    features: &Features,
    filing: &Filing<'_>,
) -> Result<(), C::Error> {
    let encoded = similar::encode(features);
    let keys = similar::keys(features);
    file_encoded(store, id, features, (&encoded, &keys), false, filing)
}

/// [`file`] with the features' encoding ([`similar::encode`]) and blocking keys
/// ([`similar::keys`]) computed beforehand, off the writer (see `store::Prepared`): the
/// same decisions and writes. `new` when posting `id` was just stored, in this transaction,
/// as a cluster of its own: it has no features yet, and neither they nor its cluster are
/// read.
pub fn file_encoded<C: Clusters>(
    store: &mut C,
    id: i64,
    features: &Features,
    prepared: (&[u8], &[i64]),
    new: bool,
    filing: &Filing<'_>,
) -> Result<(), C::Error> {
    let (encoded, keys) = prepared;
    if new {
        count!(FILED, 1);
        store.set_features(id, encoded)?;
    } else {
        let old = store.stored_features(id)?;
        if old.as_deref() == Some(encoded) {
            return Ok(());
        }
        if let Some(f) = old.as_deref().and_then(similar::decode) {
            store.remove_keys(id, &similar::keys(&f))?;
        }
        count!(FILED, 1);
        leave_cluster(store, id, encoded, filing)?;
    }
    let candidates = candidates(store, id, keys)?;
    store.add_keys(id, keys)?;
    store.remember(id, features, encoded);
    let best = matching_clusters(store, features, candidates, filing)?;
    if best.is_empty() {
        return Ok(());
    }
    join(store, id, features, best, filing)
}

/// Takes posting `id` out of its cluster, stores its new features, and regroups what remains
/// of the cluster.
fn leave_cluster<C: Clusters>(
    store: &mut C,
    id: i64,
    encoded: &[u8],
    filing: &Filing<'_>,
) -> Result<(), C::Error> {
    let cluster = store.cluster_of(id)?;
    store.set_cluster(id, id)?;
    store.set_features(id, encoded)?;
    if let Some(c) = cluster {
        let rest = members(store, c, Some(id), Some(filing))?;
        if !rest.is_empty() {
            regroup(store, &rest)?;
        }
    }
    Ok(())
}

/// The candidates of posting `id`: postings sharing a key, newest first, a bounded number per
/// key; of them, the [`similar::CANDIDATES_READ`] sharing the most keys, most shared first,
/// and, when a key was crowded, up to [`similar::CANDIDATES_UNCROWDED`] more: those sharing
/// the most uncrowded keys.
///
/// A key is crowded when its lookup is cut at [`similar::CANDIDATES_PER_KEY`] postings: the
/// description's bands of a templated ad, a large employer, a common title in a department.
/// A crowded key is never scanned (each lookup reads at most that many ids, whatever the key
/// holds, so a posting costs the same with 5,000 alike postings stored as with none), and
/// the postings it yields are only its newest, not the ones most like the posting. Ranked by
/// keys shared alone, the newest alike ads, which share every crowded key, fill the
/// candidates and crowd out the twin found through a key that names it (the title
/// "Animateur 17" among 5,000 "Animateur N"): the few extra candidates are for it.
fn candidates<C: Clusters>(store: &mut C, id: i64, keys: &[i64]) -> Result<Vec<i64>, C::Error> {
    // Every (candidate, the key was uncrowded) found, then counted by candidate: (keys
    // shared, uncrowded keys shared, candidate). A sorted vector, not a map: a posting finds
    // some 70 to 160 ids, and each map insertion cost more than the sort.
    let mut found: Vec<(i64, bool)> = Vec::with_capacity(keys.len() * 8);
    let mut sharing: Vec<i64> = Vec::with_capacity(2 * similar::CANDIDATES_PER_KEY);
    let mut crowded = false;
    for k in keys {
        store.newest(*k, &mut sharing)?;
        count!(KEY_ROWS, sharing.len());
        let uncrowded = sharing.len() < similar::CANDIDATES_PER_KEY;
        crowded |= !uncrowded;
        found.extend(
            sharing
                .iter()
                .filter(|&&other| other != id)
                .map(|&other| (other, uncrowded)),
        );
    }
    found.sort_unstable_by_key(|f| f.0);
    let mut ranked: Vec<(u32, u32, i64)> = Vec::with_capacity(found.len());
    for group in found.chunk_by(|a, b| a.0 == b.0) {
        let uncrowded = group.iter().filter(|f| f.1).count();
        ranked.push((group.len() as u32, uncrowded as u32, group[0].0));
    }
    ranked.sort_unstable_by_key(|c| std::cmp::Reverse((c.0, c.2)));
    let first = ranked.len().min(similar::CANDIDATES_READ);
    let (read, rest) = ranked.split_at_mut(first);
    let mut out: Vec<i64> = read.iter().map(|c| c.2).collect();
    if crowded {
        rest.sort_unstable_by_key(|c| std::cmp::Reverse((c.1, c.0, c.2)));
        out.extend(
            rest.iter()
                .take_while(|c| c.1 > 0)
                .take(similar::CANDIDATES_UNCROWDED)
                .map(|c| c.2),
        );
    }
    Ok(out)
}

/// The clusters of the candidates that are the same job, with their best score (a candidate's
/// cluster is read only when it is: most are not).
fn matching_clusters<C: Clusters>(
    store: &mut C,
    features: &Features,
    candidates: Vec<i64>,
    filing: &Filing<'_>,
) -> Result<BTreeMap<i64, f64>, C::Error> {
    let mut best: BTreeMap<i64, f64> = BTreeMap::new();
    for other in candidates {
        let Some(f) = store.candidate(other)? else {
            continue;
        };
        count!(COMPARED, 1);
        let Some(score) = similar::same_job(features, f) else {
            continue;
        };
        // Another posting of this fetch (two references published at once) is another job.
        if let Some(posted) = store.posted(other)? {
            if Filing::slot_of(Some(filing), &posted) == features.slot {
                continue;
            }
        }
        if let Some(c) = store.candidate_cluster(other)? {
            let e = best.entry(c).or_insert(score);
            *e = e.max(score);
        }
    }
    Ok(best)
}

/// Joins posting `id` to the clusters of `best` that [`similar::plan_join`] chooses; the
/// members it shows to be ambiguous stand alone, and the rest of their cluster is regrouped.
/// The joined cluster takes the smallest id among them.
fn join<C: Clusters>(
    store: &mut C,
    id: i64,
    features: &Features,
    best: BTreeMap<i64, f64>,
    filing: &Filing<'_>,
) -> Result<(), C::Error> {
    let mut loaded: Vec<(i64, f64, Members)> = Vec::new();
    for (c, score) in best {
        loaded.push((c, score, members(store, c, Some(id), Some(filing))?));
    }
    let matches: Vec<(f64, Vec<&Features>)> = loaded
        .iter()
        .map(|(_, s, m)| (*s, m.iter().map(|(_, f)| f).collect()))
        .collect();
    let plan = similar::plan_join(features, &matches);
    for (i, (_, _, members)) in loaded.iter().enumerate() {
        let gone: Vec<i64> = plan
            .detach
            .iter()
            .filter(|(c, _)| *c == i)
            .filter_map(|&(_, k)| members.get(k).map(|m| m.0))
            .collect();
        if gone.is_empty() {
            continue;
        }
        for &g in &gone {
            store.set_cluster(g, g)?;
        }
        let rest: Members = members
            .iter()
            .filter(|m| !gone.contains(&m.0))
            .cloned()
            .collect();
        regroup(store, &rest)?;
    }
    let chosen = plan.join;
    let anchor = chosen
        .iter()
        .map(|&i| loaded[i].0)
        .chain([id])
        .min()
        .unwrap_or(id);
    for &i in &chosen {
        store.move_cluster(loaded[i].0, anchor)?;
    }
    store.set_cluster(id, anchor)
}

/// Regroups the postings of `cluster` from scratch (after some left it, as a purge does).
pub fn regroup_cluster<C: Clusters>(store: &mut C, cluster: i64) -> Result<(), C::Error> {
    let members = members(store, cluster, None, None)?;
    regroup(store, &members)
}

/// The postings of a cluster (but `except`), in id order, with their features (default
/// features, which match nothing, when they have none) and their slot as `filing` sees it.
fn members<C: Clusters>(
    store: &mut C,
    cluster: i64,
    except: Option<i64>,
    filing: Option<&Filing<'_>>,
) -> Result<Members, C::Error> {
    let read = store.members(cluster, except)?;
    count!(MEMBERS, read.len());
    Ok(read
        .into_iter()
        .map(|m| {
            let mut f = m
                .features
                .as_deref()
                .and_then(similar::decode)
                .unwrap_or_default();
            f.slot = Filing::slot_of(filing, &m.posted);
            (m.id, f)
        })
        .collect())
}

/// Regroups postings (in id order) into clusters from scratch; each takes the id of its
/// cluster's first posting.
fn regroup<C: Clusters>(store: &mut C, members: &[(i64, Features)]) -> Result<(), C::Error> {
    let features: Vec<&Features> = members.iter().map(|(_, f)| f).collect();
    let labels = similar::components(&features);
    for (i, (id, _)) in members.iter().enumerate() {
        let anchor = members.get(labels[i]).map_or(*id, |m| m.0);
        store.set_cluster(*id, anchor)?;
    }
    Ok(())
}
