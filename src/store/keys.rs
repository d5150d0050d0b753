//! Blocking keys of the postings filed since the last flush (see `schema/0005_dedup_pending.sql`).
//!
//! A blocking key is a random 64-bit hash, so writing each one into `dedup_keys` (a B-tree in
//! key order) as its posting is filed dirties one page per key once the table is large. Here
//! a filed posting is listed in `dedup_pending` instead, and its keys are kept in memory, where
//! candidate lookups read them together with the table. When enough postings are listed,
//! [`RecentKeys::flush`] writes their keys into `dedup_keys` in key order, in one transaction
//! that writes each page it touches once, and empties the list.
//!
//! Most keys looked up are in no stored posting (the text bands of an ad seen nowhere else),
//! and in a large table a lookup that finds nothing costs as much as one that finds
//! something. A Bloom filter of the keys in `dedup_keys` ([`Filter`]) lets those lookups be
//! skipped; it is read from the table at the first write and kept up to date by the flushes.
//! Between flushes the table only loses rows, so the answers of lookups are remembered (a
//! crowded key, such as a common title in a department, is looked up posting after posting),
//! forgotten for the keys of a posting whose rows are deleted, and brought up to date by a
//! flush with the postings it writes (what it adds is known: the keys held). And a
//! key whose newest postings in memory are all newer than anything in the table is not looked
//! up at all. Likewise the features of the postings read as candidates are remembered until
//! the posting is filed again or deleted: the newest postings under a crowded key are the
//! candidates of posting after posting.
//!
//! What is in memory is derived from what is committed: the listed postings' features
//! (`dedup_features`). It is rebuilt from them when the store opens, after a
//! transaction that changed it failed, and when another connection has written to the
//! database (`PRAGMA data_version`). So a crash, a rollback or a second process never leaves
//! a key lost or a candidate invented for long: at worst one lookup misses the keys of
//! postings another process filed a moment before.

use std::collections::BTreeSet;

use rustc_hash::FxHashMap as HashMap;

use table::Held;

use rusqlite::{params, Connection, OptionalExtension};

use super::StoreError;
use crate::dedup::similar::{self, Features};

/// Fewest listed postings before a flush: a flush rewrites the pages of `dedup_keys` its keys
/// fall on, so it pays to gather many keys per page.
const FLUSH_MIN: usize = 20_000;
/// Beyond [`FLUSH_MIN`], a flush waits for this fraction of the stored postings (1/8), so that
/// the amortised cost of a flush per posting stays the same as the database grows…
const FLUSH_FRACTION: usize = 8;
/// …up to this many, which bounds the memory held: up to 18 keys a posting (17 on average in
/// the benchmark) at about 13 bytes a key in the compact table ([`Held`]), some 23 MiB at
/// the most (73 MiB in the hash map it replaced, and 24 MiB more for the sorted copy a flush
/// made).
pub(super) const FLUSH_MAX: usize = 100_000;
/// (key, id) pairs the table of keys held ([`Held`]) makes room for per posting a flush waits
/// for: a posting has up to 18 keys (17 on average in `benches/dedup_insert.rs`), and room
/// not written to takes no memory.
const PAIRS_EXPECTED_PER_POSTING: usize = 18;

/// Rows of `dedup_keys` a flush inserts per statement (two parameters each, within SQLite's
/// limit of 32,766).
const FLUSH_ROWS_PER_INSERT: usize = 256;

/// The statement inserting `rows` (key, offer id) rows into `dedup_keys`.
fn flush_insert_sql(rows: usize) -> String {
    let mut sql = String::from("INSERT OR IGNORE INTO dedup_keys (key, offer_id) VALUES ");
    for i in 0..rows {
        if i > 0 {
            sql.push(',');
        }
        sql.push_str(&format!("(?{}, ?{})", 2 * i + 1, 2 * i + 2));
    }
    sql
}

/// Inserts (key, offer id) pairs, in key order, into `dedup_keys`. Many rows per statement:
/// one execution per pair makes a large flush's inserts markedly slower.
fn insert_keys(
    conn: &Connection,
    pairs: impl Iterator<Item = (i64, i64)>,
) -> Result<(), StoreError> {
    let mut insert = conn.prepare_cached(&flush_insert_sql(FLUSH_ROWS_PER_INSERT))?;
    let mut chunk = Vec::with_capacity(FLUSH_ROWS_PER_INSERT);
    for pair in pairs {
        chunk.push(pair);
        if chunk.len() == FLUSH_ROWS_PER_INSERT {
            for (i, (k, id)) in chunk.drain(..).enumerate() {
                insert.raw_bind_parameter(2 * i + 1, k)?;
                insert.raw_bind_parameter(2 * i + 2, id)?;
            }
            insert.raw_execute()?;
        }
    }
    let mut insert = conn.prepare_cached(&flush_insert_sql(1))?;
    for (k, id) in chunk {
        insert.execute(params![k, id])?;
    }
    Ok(())
}

/// Ids gathered from memory and from the table, as one table would answer: the `limit`
/// greatest (the newest), each once, greatest first.
fn newest_first(ids: &mut Vec<i64>, limit: usize) {
    ids.sort_unstable_by(|a, b| b.cmp(a));
    ids.dedup();
    ids.truncate(limit);
}

/// The keys of a posting from its stored features: none when they cannot be read (it then
/// matches nothing).
fn stored_keys(features: Option<&[u8]>) -> Vec<i64> {
    features
        .and_then(similar::decode)
        .map(|f| similar::keys(&f))
        .unwrap_or_default()
}

/// Flushes listed postings, lowest ids first, in transactions of at most `chunk` postings, until
/// no more than `chunk` are listed; returns how many were flushed. In normal running the list
/// holds at most a flush's worth, but an upgrade may list every stored posting (version 5
/// did), and [`RecentKeys::ready`] would then hold all their keys in memory at once (some
/// 700 MiB for a million). Called when the store opens, before any lookup.
pub(super) fn catch_up(conn: &mut Connection, chunk: usize) -> Result<usize, StoreError> {
    let chunk = chunk.max(1);
    let mut flushed = 0;
    loop {
        let listed: i64 = conn.query_row("SELECT count(*) FROM dedup_pending", [], |r| r.get(0))?;
        if usize::try_from(listed).unwrap_or(0) <= chunk {
            return Ok(flushed);
        }
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut pairs = Vec::new();
        let (mut last, mut n) = (None, 0);
        {
            let mut stmt = tx.prepare(
                "SELECT p.offer_id, f.features FROM dedup_pending p
                 LEFT JOIN dedup_features f ON f.offer_id = p.offer_id
                 ORDER BY p.offer_id LIMIT ?1",
            )?;
            let rows = stmt.query_map([i64::try_from(chunk).unwrap_or(i64::MAX)], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, Option<Vec<u8>>>(1)?))
            })?;
            for row in rows {
                let (id, features) = row?;
                last = Some(id);
                n += 1;
                pairs.extend(
                    stored_keys(features.as_deref())
                        .into_iter()
                        .map(|k| (k, id)),
                );
            }
        }
        let Some(last) = last else {
            return Ok(flushed);
        };
        pairs.sort_unstable();
        insert_keys(&tx, pairs.iter().copied())?;
        tx.execute("DELETE FROM dedup_pending WHERE offer_id <= ?1", [last])?;
        tx.execute("UPDATE dedup_folds SET folds = folds + 1", [])?;
        tx.commit()?;
        flushed += n;
    }
}

/// Bits of the Bloom filter per key it is sized for (with [`PROBES`] probes: at the 12 to 15
/// keys a posting has, 11 to 13 bits a key, about 1% of the keys absent from the table are
/// looked up all the same; at 16 keys a posting, 2%).
const FILTER_BITS_PER_KEY: usize = 8;
const PROBES: u32 = 4;
/// Keys the filter is sized for, per stored posting (a posting has up to 18 keys, 12 to 15 on
/// most; the rest is room to grow before the filter is read again).
const FILTER_KEYS_PER_POSTING: usize = 20;

/// Keys whose table lookups are remembered (up to [`similar::CANDIDATES_PER_KEY`] ids each:
/// some 16 MiB at the most); see [`Memo`] for what is forgotten first.
const REMEMBERED_KEYS: usize = 1 << 16;

/// Candidates whose features are remembered (1 to 1.5 KiB each: 32 to 48 MiB at the most).
/// At a million offers, the postings of the last few fetches are candidates again and again:
/// half this bound missed five times as often.
const REMEMBERED_FEATURES: usize = 1 << 15;

/// A Bloom filter over the keys in `dedup_keys`: "no" means the key is in no row. Keys
/// deleted from the table stay set (they only cost a lookup). Sized for 20 keys per stored
/// posting at 8 bits a key: 20 MB for a million postings (32 MiB when it was 10 bits a key
/// rounded up to a power of two). Blocked: a key's bits all fall in one 64-byte block, so a
/// probe costs one cache miss where four scattered bits cost four; the false positives go
/// from 1.00% to 1.06% at 10 bits a key (measured on the test's 100,000 keys).
#[derive(Debug)]
struct Filter {
    blocks: Vec<Block>,
    /// Keys inserted, and how many it is sized for.
    keys: usize,
    capacity: usize,
}

/// 512 bits, on a cache line of their own.
#[derive(Debug, Clone, Copy, Default)]
#[repr(align(64))]
struct Block([u64; 8]);

impl Filter {
    fn new(capacity: usize) -> Filter {
        // At least 65,536 keys' worth (64 KiB), so that a small database's filter is not read
        // again at every flush.
        let capacity = capacity.max(1 << 16);
        let blocks = (capacity * FILTER_BITS_PER_KEY)
            .div_ceil(512)
            .clamp(1, 1 << 28);
        Filter {
            blocks: vec![Block::default(); blocks],
            keys: 0,
            capacity,
        }
    }

    /// The block of a key and its bits there. The key's own high 28 bits choose the block (as
    /// a fraction of the number of blocks), in the keys' order: the table, read in key order
    /// when the filter is built, then fills the blocks one after the other rather than at
    /// random (the high bits of FNV hashes are spread evenly: over the 2.6 million keys of a
    /// million offers, the blocks' loads are those of a Poisson law). A mix of the key (whose
    /// low bits alone are not spread well enough) gives the bits, nine at a time.
    fn positions(&self, key: i64) -> (usize, [u32; PROBES as usize]) {
        let high = ((key as u64) ^ (1 << 63)) >> 36;
        let block = ((high * self.blocks.len() as u64) >> 28) as usize;
        let mut z = (key as u64).wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        let bits = std::array::from_fn(|i| ((z >> (9 * i)) & 511) as u32);
        (block, bits)
    }

    fn insert(&mut self, key: i64) {
        let (block, bits) = self.positions(key);
        let words = &mut self.blocks[block].0;
        for b in bits {
            words[(b / 64) as usize] |= 1 << (b % 64);
        }
        self.keys += 1;
    }

    fn may_contain(&self, key: i64) -> bool {
        let (block, bits) = self.positions(key);
        let words = &self.blocks[block].0;
        bits.iter()
            .all(|b| words[(b / 64) as usize] & (1 << (b % 64)) != 0)
    }
}

/// A memory of at most `BOUND` answers by id, in two generations: entries go into the young
/// one, and when it holds half the bound, the old one is dropped and the young one becomes
/// old. An entry found in the old generation moves back into the young one: what is in use
/// stays, and a full memory never starts again from nothing.
#[derive(Debug)]
struct Memo<V, const BOUND: usize> {
    young: HashMap<i64, V>,
    old: HashMap<i64, V>,
}

impl<V, const BOUND: usize> Default for Memo<V, BOUND> {
    fn default() -> Self {
        Memo {
            young: HashMap::default(),
            old: HashMap::default(),
        }
    }
}

impl<V, const BOUND: usize> Memo<V, BOUND> {
    /// Every value remembered, young and old (for the memory report).
    #[cfg(any(test, feature = "testing"))]
    fn values(&self) -> impl Iterator<Item = &V> {
        self.young.values().chain(self.old.values())
    }

    fn get(&mut self, id: i64) -> Option<&V> {
        if !self.young.contains_key(&id) {
            let v = self.old.remove(&id)?;
            self.insert(id, v);
        }
        self.young.get(&id)
    }

    fn insert(&mut self, id: i64, v: V) {
        if self.young.len() >= BOUND / 2 {
            // The new young generation is sized for what it will hold: it fills up again
            // without growing (each growth moves every entry).
            self.old = std::mem::replace(
                &mut self.young,
                HashMap::with_capacity_and_hasher(BOUND / 2, Default::default()),
            );
        }
        self.young.insert(id, v);
    }

    fn remove(&mut self, id: i64) {
        self.young.remove(&id);
        self.old.remove(&id);
    }

    /// Changes every entry in place.
    fn update(&mut self, mut f: impl FnMut(i64, &mut V)) {
        for (&id, v) in self.young.iter_mut().chain(self.old.iter_mut()) {
            f(id, v);
        }
    }

    fn clear(&mut self) {
        self.young.clear();
        self.old.clear();
    }
}

/// How many offers are stored, and the greatest id.
fn stored_count(conn: &Connection) -> Result<(usize, i64), StoreError> {
    let (stored, greatest): (i64, i64) = conn.query_row(
        "SELECT count(*), coalesce(max(id), 0) FROM offers",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok((usize::try_from(stored).unwrap_or(0), greatest))
}

/// The keys of the postings listed in `dedup_pending`, as of the last commit.
#[derive(Debug, Default)]
pub(super) struct RecentKeys {
    /// The keys of the postings listed, with their ids.
    entries: Held,
    /// The offer ids listed.
    pending: BTreeSet<i64>,
    /// The writer connection's `data_version` when `entries` matched the database; `None`
    /// before the first read.
    version: Option<i64>,
    /// Set while a transaction changes `entries`, cleared when it commits: still set at the
    /// next [`RecentKeys::ready`] means the transaction failed and `entries` must be rebuilt.
    changing: bool,
    /// Listed postings that trigger a flush.
    flush_at: usize,
    /// A fixed flush threshold (tests), instead of the one computed from the database's size.
    flush_at_fixed: Option<usize>,
    /// After a failed flush, the next waits until this many postings are listed, so that a
    /// lasting failure (a full disk) is not retried at every fetch.
    flush_not_before: usize,
    /// The filter of the keys in `dedup_keys`, with the `dedup_folds` count it reflects;
    /// `None` until read (and when it must be read again).
    filter: Option<(Filter, i64)>,
    /// No posting in `dedup_keys` has a greater id (the greatest offer id when `entries` were
    /// last read: the table changes only by flushes, after which they are read again, and by
    /// deletions). When a key's newest postings in memory all have greater ids, the table
    /// cannot add to them and is not looked up.
    stored_below: i64,
    /// What `dedup_keys` answered for keys looked up since it last changed. A crowded key (a
    /// common title in a department, a large employer) is looked up for posting after
    /// posting, and its newest stored postings only change with a flush.
    remembered: Memo<Box<[i64]>, REMEMBERED_KEYS>,
    /// Features of postings read as candidates, by offer id. The newest postings under a
    /// crowded key are candidates of posting after posting. A posting's features change
    /// only when it is filed again or deleted, and both first remove its keys
    /// ([`RecentKeys::remove`]), which forgets them here (a posting whose features could not
    /// be read has no keys to remove, but nothing of it is remembered either).
    /// (Boxed: a `Features` is 328 bytes, moved whenever the map grows or an entry changes
    /// generation.)
    features: Memo<Box<Features>, REMEMBERED_FEATURES>,
}

impl RecentKeys {
    /// Makes sure `entries` match the database, rebuilding them if needed. To be called in
    /// the writing transaction (which holds SQLite's write lock, so that nothing changes
    /// between this check and the transaction's writes), before any lookup.
    pub(super) fn ready(&mut self, conn: &Connection) -> Result<(), StoreError> {
        let version: i64 = conn.query_row("PRAGMA data_version", [], |r| r.get(0))?;
        if self.version == Some(version) && !self.changing {
            return Ok(());
        }
        // Until rebuilt whole, what is held matches no version: a rebuild that fails half-way
        // is done again at the next call.
        self.version = None;
        self.pending.clear();
        self.remembered.clear();
        self.features.clear();
        let mut stmt = conn.prepare_cached(
            "SELECT p.offer_id, f.features FROM dedup_pending p
             LEFT JOIN dedup_features f ON f.offer_id = p.offer_id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, Option<Vec<u8>>>(1)?))
        })?;
        // First: it tells the table how many pairs to make room for.
        let stored = self.measure(conn)?;
        // Loaded at once and sorted in place, not pair by pair: some 1.3 million pairs for the
        // 76,000 postings listed in a database of a million offers.
        let pending = &mut self.pending;
        self.entries.load(|push| -> Result<(), StoreError> {
            for row in rows {
                let (id, features) = row?;
                pending.insert(id);
                for k in stored_keys(features.as_deref()) {
                    push(k, id);
                }
            }
            Ok(())
        })?;
        // Keys written into the table by another connection (or a bulk load): read it again.
        let flushes: i64 = conn.query_row("SELECT folds FROM dedup_folds", [], |r| r.get(0))?;
        if self
            .filter
            .as_ref()
            .is_none_or(|(_, seen)| *seen != flushes)
        {
            // The old filter goes first: two at once would double the memory at this moment.
            self.filter = None;
            let mut filter = Filter::new(stored.saturating_mul(FILTER_KEYS_PER_POSTING));
            // In key order (the table's own): a key filed under several postings comes row
            // after row, and is put in the filter once (15 million rows for 2.6 million keys
            // in the million offers of `bench/ingest.sh --feeds 10000 --items 100`).
            let mut keys = conn.prepare_cached("SELECT key FROM dedup_keys ORDER BY key")?;
            let mut last = None;
            for key in keys.query_map([], |r| r.get::<_, i64>(0))? {
                let key = key?;
                if last != Some(key) {
                    filter.insert(key);
                    last = Some(key);
                }
            }
            self.filter = Some((filter, flushes));
        }
        self.version = Some(version);
        self.changing = false;
        Ok(())
    }

    /// Reads how many offers are stored and the greatest id: sets the flush threshold and
    /// `stored_below`; returns the count.
    fn measure(&mut self, conn: &Connection) -> Result<usize, StoreError> {
        let (stored, greatest) = stored_count(conn)?;
        self.measured(stored, greatest);
        Ok(stored)
    }

    /// Sets the flush threshold and `stored_below` from the count of offers stored and the
    /// greatest id.
    fn measured(&mut self, stored: usize, greatest: i64) {
        self.stored_below = greatest;
        self.flush_at = self
            .flush_at_fixed
            .unwrap_or_else(|| (stored / FLUSH_FRACTION).clamp(FLUSH_MIN, FLUSH_MAX));
        self.entries
            .expect(self.flush_at.saturating_mul(PAIRS_EXPECTED_PER_POSTING));
    }

    /// The newest [`similar::CANDIDATES_PER_KEY`] postings filed under `key`, newest first,
    /// into `out` (cleared first): those held in memory and those in `dedup_keys` together,
    /// as if they were one table. The table is looked up only when it may change the answer:
    /// when the filter says it may hold the key, and the postings in memory do not already
    /// fill `out` with ids greater than any it holds.
    pub(super) fn newest(
        &mut self,
        conn: &Connection,
        key: i64,
        out: &mut Vec<i64>,
    ) -> Result<(), StoreError> {
        let limit = similar::CANDIDATES_PER_KEY;
        out.clear();
        self.entries.newest(key, limit, out);
        let outranked = out.len() >= limit && out.last().is_some_and(|&id| id > self.stored_below);
        let may_be_stored = self
            .filter
            .as_ref()
            .is_none_or(|(filter, _)| filter.may_contain(key));
        if outranked || !may_be_stored {
            return Ok(());
        }
        if let Some(ids) = self.remembered.get(key) {
            out.extend_from_slice(ids);
        } else {
            // The LIMIT is written into the SQL, so that SQLite stops the index scan there.
            let mut lookup = conn.prepare_cached(&format!(
                "SELECT offer_id FROM dedup_keys WHERE key = ?1 ORDER BY offer_id DESC LIMIT {limit}"
            ))?;
            let from = out.len();
            for r in lookup.query_map(params![key], |r| r.get::<_, i64>(0))? {
                out.push(r?);
            }
            self.remembered.insert(key, out[from..].into());
        }
        newest_first(out, limit);
        Ok(())
    }

    /// The features of posting `id` as a candidate: remembered, or read from `dedup_features`
    /// (`None` when it has none that can be read, or is gone).
    pub(super) fn candidate(
        &mut self,
        conn: &Connection,
        id: i64,
    ) -> Result<Option<&Features>, StoreError> {
        if self.features.get(id).is_none() {
            let bytes: Option<Option<Vec<u8>>> = conn
                .prepare_cached("SELECT features FROM dedup_features WHERE offer_id = ?1")?
                .query_row([id], |r| r.get(0))
                .optional()?;
            let Some(f) = bytes.flatten().as_deref().and_then(similar::decode) else {
                return Ok(None);
            };
            self.features.insert(id, Box::new(f));
        }
        Ok(self.features.get(id).map(|f| &**f))
    }

    /// Remembers the features of posting `id`, just filed (in the caller's transaction) with
    /// `features`, stored as `encoded`: as [`RecentKeys::candidate`] would read them back,
    /// without the feed slot (which is not stored), and decoded from `encoded` in the rare
    /// case that storing them cut something. A posting filed is the candidate of those filed
    /// after it: in a first ingest nearly every candidate is a posting of the same run, which
    /// was read back from `dedup_features` and decoded when not remembered.
    pub(super) fn remember(&mut self, id: i64, features: &Features, encoded: &[u8]) {
        self.changing = true;
        let as_read = if similar::round_trips(features) {
            let mut f = features.clone();
            f.slot = None;
            Some(f)
        } else {
            similar::decode(encoded)
        };
        match as_read {
            Some(f) => self.features.insert(id, Box::new(f)),
            None => self.features.remove(id),
        }
    }

    /// Keys were written into `dedup_keys` without going through a flush (a bulk load): the
    /// filter is read again before the next lookup.
    #[cfg(any(test, feature = "testing"))]
    pub(super) fn table_written(&mut self) {
        self.filter = None;
        self.remembered.clear();
        self.features.clear();
        self.version = None;
    }

    /// Lists a posting with its keys (in the caller's transaction).
    pub(super) fn add(
        &mut self,
        conn: &Connection,
        id: i64,
        keys: &[i64],
    ) -> Result<(), StoreError> {
        self.changing = true;
        conn.prepare_cached("INSERT OR IGNORE INTO dedup_pending (offer_id) VALUES (?1)")?
            .execute([id])?;
        self.pending.insert(id);
        for &k in keys {
            self.entries.insert(k, id);
        }
        Ok(())
    }

    /// Removes a posting's keys, listed or flushed (in the caller's transaction).
    pub(super) fn remove(
        &mut self,
        conn: &Connection,
        id: i64,
        keys: &[i64],
    ) -> Result<(), StoreError> {
        self.changing = true;
        self.features.remove(id);
        if self.pending.remove(&id) {
            conn.prepare_cached("DELETE FROM dedup_pending WHERE offer_id = ?1")?
                .execute([id])?;
            for &k in keys {
                self.entries.remove(k, id);
            }
        } else {
            let mut del =
                conn.prepare_cached("DELETE FROM dedup_keys WHERE key = ?1 AND offer_id = ?2")?;
            for &k in keys {
                del.execute(params![k, id])?;
                self.remembered.remove(k);
            }
        }
        Ok(())
    }

    /// The transaction that changed `entries` committed.
    pub(super) fn committed(&mut self) {
        self.changing = false;
    }

    /// Whether enough postings are listed for a flush.
    pub(super) fn flush_due(&self) -> bool {
        self.pending.len() >= self.flush_at.max(self.flush_not_before).max(1)
    }

    /// A flush failed (its transaction rolled back, the postings stay listed): the next one
    /// waits for a few more postings.
    pub(super) fn flush_failed(&mut self) {
        self.flush_not_before = self.pending.len() + (self.flush_at / 10).max(1);
    }

    /// Sets a fixed flush threshold (for tests); takes effect at once.
    #[cfg(any(test, feature = "testing"))]
    pub(super) fn flush_at(&mut self, postings: usize) {
        self.flush_at_fixed = Some(postings);
        self.flush_at = postings;
    }

    /// Writes the listed postings' keys into `dedup_keys`, in key order, and empties the list,
    /// in one transaction. Returns how many postings were flushed.
    pub(super) fn flush(&mut self, conn: &mut Connection) -> Result<usize, StoreError> {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        self.ready(&tx)?;
        self.changing = true;
        // In key order, so that each page of the table is written once.
        self.entries.settle();
        let flushing = self.entries.sorted();
        {
            insert_keys(&tx, flushing.clone())?;
            // Only the postings flushed. The list was read in this transaction, so it holds
            // them all and the table is emptied at once (SQLite then frees its pages without
            // visiting rows); should the counts ever differ, they are deleted one by one, so
            // that no posting whose keys were not written is unlisted.
            let listed: i64 =
                tx.query_row("SELECT count(*) FROM dedup_pending", [], |r| r.get(0))?;
            if usize::try_from(listed).ok() == Some(self.pending.len()) {
                tx.execute("DELETE FROM dedup_pending", [])?;
            } else {
                let mut unlist =
                    tx.prepare_cached("DELETE FROM dedup_pending WHERE offer_id = ?1")?;
                for id in &self.pending {
                    unlist.execute([id])?;
                }
            }
        }
        let flushes: i64 = tx.query_row(
            "UPDATE dedup_folds SET folds = folds + 1 RETURNING folds",
            [],
            |r| r.get(0),
        )?;
        // The database grew since the last measure: the next threshold, and the greatest id
        // now in the table.
        let (stored, greatest) = stored_count(&tx)?;
        tx.commit()?;
        // The filter learns the keys flushed, unless they outgrow it (then it is read again).
        let grown = self
            .filter
            .as_ref()
            .is_some_and(|(f, _)| f.keys + self.entries.len() > f.capacity);
        if grown {
            // Read again (with the rest) before the next lookup.
            self.filter = None;
            self.version = None;
        }
        if let Some((filter, seen)) = self.filter.as_mut() {
            for (k, _) in flushing {
                filter.insert(k);
            }
            *seen = flushes;
        }
        // What the table answered for a key is now that and the key's postings just flushed:
        // the remembered answers are brought up to date rather than forgotten, and so are the
        // remembered features (a flush changes none), so that the fetches after a flush do not
        // start cold.
        let held = &self.entries;
        let limit = similar::CANDIDATES_PER_KEY;
        let mut merged = Vec::with_capacity(2 * limit);
        self.remembered.update(|key, ids| {
            merged.clear();
            held.newest(key, limit, &mut merged);
            if merged.is_empty() {
                return;
            }
            merged.extend_from_slice(ids);
            newest_first(&mut merged, limit);
            *ids = merged.as_slice().into();
        });
        self.measured(stored, greatest);
        let flushed = self.pending.len();
        self.entries.clear();
        self.pending.clear();
        self.flush_not_before = 0;
        self.changing = false;
        Ok(flushed)
    }

    /// Postings listed (for tests and the benchmark's report).
    #[cfg(any(test, feature = "testing"))]
    pub(super) fn listed(&self) -> usize {
        self.pending.len()
    }
}

mod table;

/// The heap bytes of decoded features, roughly (allocator rounding left out).
#[cfg(any(test, feature = "testing"))]
fn features_bytes(f: &Features) -> usize {
    let strs = |v: &[String]| v.len() * 24 + v.iter().map(String::capacity).sum::<usize>();
    let opt = |s: &Option<String>| s.as_ref().map_or(0, String::capacity);
    std::mem::size_of::<Features>()
        + strs(&f.employer)
        + strs(&f.title)
        + strs(&f.place_words)
        + f.initials.capacity()
        + f.title_initials.capacity()
        + f.head_initials.capacity()
        + opt(&f.commune)
        + opt(&f.department)
        + opt(&f.contract)
        + 2 * (f.shingle_sig.capacity() + f.word_sig.capacity() + f.place_grams.capacity())
        + 4 * (f.mentions.capacity() + f.facts.capacity() + f.dates.capacity())
}

#[cfg(any(test, feature = "testing"))]
impl super::Store {
    /// What the blocking keys' memory holds, in one line (for the benchmark's report).
    pub fn dedup_memory(&self) -> String {
        let recent = self.recent();
        let (held, room) = recent.entries.bytes();
        let mib = |b: usize| b as f64 / f64::from(1 << 20);
        let mut features = (0, 0);
        for f in recent.features.values() {
            features.0 += 1;
            features.1 += features_bytes(f) + 8 + 1;
        }
        let mut lookups = (0, 0);
        for ids in recent.remembered.values() {
            lookups.0 += 1;
            lookups.1 += 8 + 16 + 1 + ids.len() * 8;
        }
        let filter = recent
            .filter
            .as_ref()
            .map_or(0, |(f, _)| f.blocks.len() * std::mem::size_of::<Block>());
        format!(
            "keys held {:.1} MiB written ({:.1} MiB reserved), features of {} candidates {:.1} MiB, \
             {} lookups {:.1} MiB, filter {:.1} MiB",
            mib(held),
            mib(room),
            features.0,
            mib(features.1),
            lookups.0,
            mib(lookups.1),
            mib(filter)
        )
    }
}

#[cfg(test)]
mod tests;
