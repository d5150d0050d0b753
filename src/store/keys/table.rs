//! [`Held`]: the (key, offer id) pairs of the postings listed since the last flush, in a
//! compact table.
//!
//! A hash map of keys to their ids took 49 bytes a pair (measured): 73 MiB for the 100,000
//! postings' keys a flush may wait for, plus a sorted copy of 24 MiB at every flush. Here the
//! pairs are one sorted array of 12 bytes a pair (the key, and the id in 32 bits: an id that
//! does not fit, which would take billions of offers, is held apart in a short sorted list,
//! never merged), with a directory of where each range of keys
//! starts (keys are hashes: their high bits spread them over its buckets, four pairs each on
//! average), so that a lookup costs a probe of the directory and a short search in one or two
//! cache lines. A pair removed is marked in a bit set, not moved. New pairs go into a small
//! hash map first ([`Fresh`]), merged into the array, in place and in one pass from the end,
//! when it holds a sixteenth of it: each pair is moved a bounded number of times. The flush
//! needs the pairs in key order: the array is that order, no copy is made.

use rustc_hash::FxHashMap as HashMap;

/// The fewest pairs gathered in [`Fresh`] before a merge into the array.
const FRESH_MIN: usize = 1 << 15;
/// Beyond [`FRESH_MIN`], a merge waits for this fraction of the array (1/16): the array is
/// rewritten once per so many pairs added, and the hash map stays small.
const FRESH_FRACTION: usize = 16;
/// Pairs per bucket of the directory, on average (a power of two).
const PER_BUCKET: usize = 4;

/// The offer ids filed under one key in [`Fresh`]: most keys (the text bands of an ad) have one.
#[derive(Debug)]
enum Ids {
    One(i64),
    /// In increasing order.
    Many(Vec<i64>),
}

/// Pairs added since the last merge, by key.
#[derive(Debug, Default)]
struct Fresh {
    by_key: HashMap<i64, Ids>,
    /// Pairs held.
    len: usize,
}

impl Fresh {
    /// Adds a pair; false when it was there.
    fn insert(&mut self, key: i64, id: i64) -> bool {
        use std::collections::hash_map::Entry;
        match self.by_key.entry(key) {
            Entry::Vacant(v) => {
                v.insert(Ids::One(id));
            }
            Entry::Occupied(mut o) => {
                let ids = o.get_mut();
                match ids {
                    Ids::One(one) if *one == id => return false,
                    Ids::One(one) => {
                        let other = *one;
                        *ids = Ids::Many(vec![other.min(id), other.max(id)]);
                    }
                    Ids::Many(v) => match v.binary_search(&id) {
                        Ok(_) => return false,
                        Err(at) => v.insert(at, id),
                    },
                }
            }
        }
        self.len += 1;
        true
    }

    /// Removes a pair; false when it was not there.
    fn remove(&mut self, key: i64, id: i64) -> bool {
        let Some(ids) = self.by_key.get_mut(&key) else {
            return false;
        };
        match ids {
            Ids::One(one) if *one == id => {
                self.by_key.remove(&key);
            }
            Ids::One(_) => return false,
            Ids::Many(v) => match v.binary_search(&id) {
                Ok(at) => {
                    v.remove(at);
                    if let [last] = v[..] {
                        *ids = Ids::One(last);
                    }
                }
                Err(_) => return false,
            },
        }
        self.len -= 1;
        true
    }

    /// The newest `limit` ids under `key`, newest first, appended to `out`.
    fn newest(&self, key: i64, limit: usize, out: &mut Vec<i64>) {
        match self.by_key.get(&key) {
            None => {}
            Some(Ids::One(id)) => out.push(*id),
            Some(Ids::Many(v)) => out.extend(v.iter().rev().take(limit)),
        }
    }

    /// Every pair, in order.
    fn sorted(&self) -> Vec<(i64, i64)> {
        let mut pairs = Vec::with_capacity(self.len);
        for (&k, ids) in &self.by_key {
            match ids {
                Ids::One(id) => pairs.push((k, *id)),
                Ids::Many(v) => pairs.extend(v.iter().map(|&id| (k, id))),
            }
        }
        pairs.sort_unstable();
        pairs
    }

    fn clear(&mut self) {
        self.by_key.clear();
        self.len = 0;
    }
}

/// A pair of the array: the key and the offer id, 12 bytes (16 for `(i64, i64)`, 27 MiB
/// rather than 20 when a flush waits for 100,000 postings). Ordered by key, then id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
#[repr(C, packed(4))]
struct Pair {
    key: i64,
    id: u32,
}

impl Pair {
    fn pair(self) -> (i64, i64) {
        (self.key, i64::from(self.id))
    }
}

/// Every pair of the array and of the list of wide ids, in (key, id) order.
#[derive(Debug, Clone)]
pub(in crate::store) struct Pairs<'a> {
    array: &'a [Pair],
    wide: &'a [(i64, i64)],
}

impl Iterator for Pairs<'_> {
    type Item = (i64, i64);

    fn next(&mut self) -> Option<(i64, i64)> {
        let from_array = match (self.array.first(), self.wide.first()) {
            (Some(a), Some(w)) => a.pair() < *w,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => return None,
        };
        if from_array {
            let (first, rest) = self.array.split_first()?;
            self.array = rest;
            Some(first.pair())
        } else {
            let (first, rest) = self.wide.split_first()?;
            self.wide = rest;
            Some(*first)
        }
    }
}

/// A key's place in the order of the array as an unsigned number (i64 order kept), whose high
/// bits choose its bucket.
fn ordered(key: i64) -> u64 {
    (key as u64) ^ (1 << 63)
}

/// The (key, id) pairs held in memory, each once: see the module's doc.
#[derive(Debug)]
pub(in crate::store) struct Held {
    /// Pairs merged, in (key, id) order, each once.
    merged: Vec<Pair>,
    /// Pairs whose id does not fit in 32 bits, in (key, id) order, each once.
    wide: Vec<(i64, i64)>,
    /// One bit per pair of `merged`: set when it was removed.
    gone: Vec<u64>,
    /// Where each bucket's pairs start in `merged`, and where the last one ends.
    starts: Vec<u32>,
    /// `64 -` the bits of a key that choose its bucket.
    shift: u32,
    /// Pairs added since the last merge.
    fresh: Fresh,
    /// Pairs held (merged and not removed, and fresh).
    len: usize,
    /// Pairs expected before the table is cleared (the array is given room for them at once,
    /// so that it does not grow by copies; room not written to takes no memory).
    expected: usize,
    /// The fewest fresh pairs before a merge (tests lower it).
    fresh_min: usize,
}

impl Default for Held {
    fn default() -> Self {
        Held {
            merged: Vec::new(),
            wide: Vec::new(),
            gone: Vec::new(),
            starts: vec![0, 0, 0],
            shift: 63,
            fresh: Fresh::default(),
            len: 0,
            expected: 0,
            fresh_min: FRESH_MIN,
        }
    }
}

impl Held {
    /// Pairs held.
    pub(in crate::store) fn len(&self) -> usize {
        self.len
    }

    /// Pairs expected before the next [`Held::clear`]: the array gets room for them when it
    /// next grows.
    pub(in crate::store) fn expect(&mut self, pairs: usize) {
        self.expected = pairs;
    }

    /// The range of `merged` holding `key`'s pairs.
    fn range(&self, key: i64) -> std::ops::Range<usize> {
        let b = (ordered(key) >> self.shift) as usize;
        let (lo, hi) = match (self.starts.get(b), self.starts.get(b + 1)) {
            (Some(&lo), Some(&hi)) => (lo as usize, hi as usize),
            _ => (0, self.merged.len()),
        };
        let bucket = &self.merged[lo..hi];
        let start = bucket.partition_point(|p| p.key < key);
        let end = start + bucket[start..].partition_point(|p| p.key == key);
        lo + start..lo + end
    }

    fn is_gone(&self, i: usize) -> bool {
        self.gone[i / 64] & (1 << (i % 64)) != 0
    }

    /// The index in `merged` of a pair, removed or not.
    fn find(&self, key: i64, id: u32) -> Option<usize> {
        let r = self.range(key);
        let at = self.merged[r.clone()]
            .binary_search_by(|p| p.id.cmp(&id))
            .ok()?;
        Some(r.start + at)
    }

    /// Adds a pair (nothing when it is held).
    pub(in crate::store) fn insert(&mut self, key: i64, id: i64) {
        let Ok(id32) = u32::try_from(id) else {
            if let Err(at) = self.wide.binary_search(&(key, id)) {
                self.wide.insert(at, (key, id));
                self.len += 1;
            }
            return;
        };
        if let Some(i) = self.find(key, id32) {
            if self.is_gone(i) {
                self.gone[i / 64] &= !(1 << (i % 64));
                self.len += 1;
            }
            return;
        }
        if self.fresh.insert(key, id) {
            self.len += 1;
            if self.fresh.len >= self.fresh_min.max(self.merged.len() / FRESH_FRACTION) {
                self.merge();
            }
        }
    }

    /// Replaces what is held with the pairs `fill` gives (in any order, repeats held once):
    /// appended to the array's own room and sorted there once, rather than added one at a
    /// time with merges on the way. When `fill` fails, the table is left empty.
    pub(in crate::store) fn load<E>(
        &mut self,
        fill: impl FnOnce(&mut dyn FnMut(i64, i64)) -> Result<(), E>,
    ) -> Result<(), E> {
        self.clear();
        if self.merged.capacity() < self.expected {
            self.merged.reserve_exact(self.expected);
        }
        let (merged, wide) = (&mut self.merged, &mut self.wide);
        let mut push = |key: i64, id: i64| match u32::try_from(id) {
            Ok(id) => merged.push(Pair { key, id }),
            Err(_) => wide.push((key, id)),
        };
        if let Err(e) = fill(&mut push) {
            self.clear();
            return Err(e);
        }
        self.merged.sort_unstable();
        self.merged.dedup();
        self.wide.sort_unstable();
        self.wide.dedup();
        self.len = self.merged.len() + self.wide.len();
        self.gone.resize(self.merged.len().div_ceil(64), 0);
        self.index();
        Ok(())
    }

    /// Removes a pair (nothing when it is not held).
    pub(in crate::store) fn remove(&mut self, key: i64, id: i64) {
        let Ok(id32) = u32::try_from(id) else {
            if let Ok(at) = self.wide.binary_search(&(key, id)) {
                self.wide.remove(at);
                self.len -= 1;
            }
            return;
        };
        if let Some(i) = self.find(key, id32) {
            if !self.is_gone(i) {
                self.gone[i / 64] |= 1 << (i % 64);
                self.len -= 1;
            }
        } else if self.fresh.remove(key, id) {
            self.len -= 1;
        }
    }

    /// The newest `limit` ids under `key`, newest first, appended to `out`.
    pub(in crate::store) fn newest(&self, key: i64, limit: usize, out: &mut Vec<i64>) {
        let from = out.len();
        for i in self.range(key).rev() {
            if out.len() - from >= limit {
                break;
            }
            if !self.is_gone(i) {
                out.push(i64::from(self.merged[i].id));
            }
        }
        let mut sources = usize::from(out.len() > from);
        let mid = out.len();
        self.fresh.newest(key, limit, out);
        sources += usize::from(out.len() > mid);
        let mid = out.len();
        let start = self.wide.partition_point(|p| p.0 < key);
        let end = start + self.wide[start..].partition_point(|p| p.0 == key);
        out.extend(self.wide[start..end].iter().rev().take(limit).map(|p| p.1));
        sources += usize::from(out.len() > mid);
        if sources > 1 {
            out[from..].sort_unstable_by(|a, b| b.cmp(a));
            out.truncate(from + limit);
        }
    }

    /// Merges the fresh pairs into the array and leaves out those removed, so that
    /// [`Held::sorted`] gives every pair held.
    pub(in crate::store) fn settle(&mut self) {
        if self.fresh.len > 0 || self.gone.iter().any(|&w| w != 0) {
            self.merge();
        }
    }

    /// Every pair held, in (key, id) order, after [`Held::settle`] (before it, those of the
    /// array and of the list of wide ids only, removed ones included).
    pub(in crate::store) fn sorted(&self) -> Pairs<'_> {
        Pairs {
            array: &self.merged,
            wide: &self.wide,
        }
    }

    /// Merges the fresh pairs into the array, leaving out those removed, and indexes it again.
    fn merge(&mut self) {
        // Only ids of 32 bits go into `fresh`.
        let add: Vec<Pair> = self
            .fresh
            .sorted()
            .into_iter()
            .map(|(key, id)| Pair {
                key,
                id: u32::try_from(id).unwrap_or(u32::MAX),
            })
            .collect();
        self.fresh.clear();
        // The removed pairs out, in place.
        let mut kept = 0;
        for i in 0..self.merged.len() {
            if !self.is_gone(i) {
                self.merged[kept] = self.merged[i];
                kept += 1;
            }
        }
        self.merged.truncate(kept);
        let (n, m) = (kept, add.len());
        if self.merged.capacity() < n + m {
            // Room for what is expected at once, rather than growth by doubling copies;
            // beyond it, a quarter more at a time.
            let want = (n + m).max(self.expected).max((n + m) + (n + m) / 4);
            self.merged.reserve_exact(want - n);
        }
        self.merged.resize(n + m, Pair::default());
        // From the end: the greater of the two at each step goes last. The pairs are distinct
        // (a pair is added to `fresh` only when the array does not hold it).
        let (mut i, mut j) = (n, m);
        for k in (0..n + m).rev() {
            if j == 0 {
                break;
            }
            if i > 0 && self.merged[i - 1] > add[j - 1] {
                self.merged[k] = self.merged[i - 1];
                i -= 1;
            } else {
                self.merged[k] = add[j - 1];
                j -= 1;
            }
        }
        self.gone.clear();
        self.gone.resize(self.merged.len().div_ceil(64), 0);
        self.index();
    }

    /// Builds the directory of buckets over `merged`.
    fn index(&mut self) {
        let buckets = (self.merged.len() / PER_BUCKET).next_power_of_two().max(2);
        let bits = buckets.trailing_zeros().min(32);
        self.shift = 64 - bits;
        self.starts.clear();
        self.starts.reserve_exact((1 << bits) + 1);
        let mut i = 0;
        for b in 0..(1u64 << bits) {
            while i < self.merged.len() && (ordered(self.merged[i].key) >> self.shift) < b {
                i += 1;
            }
            self.starts.push(u32::try_from(i).unwrap_or(u32::MAX));
        }
        self.starts
            .push(u32::try_from(self.merged.len()).unwrap_or(u32::MAX));
    }

    /// Empties the table, keeping its room unless it is short of what is now expected: grown
    /// later, while full, the array would be copied into a new one with the old still held
    /// (two arrays of some 27 MiB at a million offers, where a flush waits for 100,000
    /// postings); given back now, it is allocated at its new size by the next merge.
    pub(in crate::store) fn clear(&mut self) {
        if self.merged.capacity() < self.expected {
            self.merged = Vec::new();
        }
        self.merged.clear();
        self.wide.clear();
        self.gone.clear();
        self.fresh.clear();
        self.starts.clear();
        self.starts.extend([0, 0, 0]);
        self.shift = 63;
        self.len = 0;
    }

    /// Merges as soon as `pairs` fresh pairs are held (tests).
    #[cfg(test)]
    pub(in crate::store) fn merge_at(&mut self, pairs: usize) {
        self.fresh_min = pairs.max(1);
    }
}

#[cfg(any(test, feature = "testing"))]
impl Held {
    /// Bytes written (pairs in the array, its bit set and directory, the fresh map's table and
    /// lists), and bytes reserved for the array.
    pub(in crate::store) fn bytes(&self) -> (usize, usize) {
        let pair = std::mem::size_of::<Pair>();
        let lists: usize = self
            .fresh
            .by_key
            .values()
            .map(|ids| match ids {
                Ids::One(_) => 0,
                Ids::Many(v) => v.capacity() * 8,
            })
            .sum();
        let fresh = self.fresh.by_key.capacity() * (std::mem::size_of::<(i64, Ids)>() + 1) + lists;
        let written = self.merged.len() * pair
            + self.wide.capacity() * 16
            + self.gone.capacity() * 8
            + self.starts.capacity() * 4;
        (written + fresh, self.merged.capacity() * pair)
    }
}
