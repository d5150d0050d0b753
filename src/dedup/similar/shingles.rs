//! The description as sets: word shingles (long verbatim passages) and content words (stemmed,
//! stop words left out), each reduced to a MinHash signature, and the estimates read from two
//! signatures (Jaccard similarity, containment of the smaller set).

use std::collections::BTreeSet;

use super::words::{fnv, is_stop, stem, words};

/// Length of each MinHash signature.
pub const NUM_HASHES: usize = 128;
/// Words per shingle.
pub const SHINGLE: usize = 5;

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// MinHash of a set of 64-bit element hashes: for each of NUM_HASHES hash functions (an
/// element hash mixed with a per-function seed), the minimum, kept as its low 16 bits.
/// An empty set gives an empty signature.
pub fn minhash(elements: &BTreeSet<u64>) -> Vec<u16> {
    if elements.is_empty() {
        return Vec::new();
    }
    let mut mins = [u64::MAX; NUM_HASHES];
    for &e in elements {
        for (i, m) in mins.iter_mut().enumerate() {
            let h = splitmix(e ^ (i as u64).wrapping_mul(0xd6e8_feb8_6659_fd93));
            if h < *m {
                *m = h;
            }
        }
    }
    mins.iter().map(|m| (*m & 0xffff) as u16).collect()
}

/// Estimated Jaccard similarity of the two sets behind two signatures (0 when either is empty).
/// Values are compared on their low 8 bits (all that stored features keep of most of them,
/// see `features::narrow`): two different minima agree there once in 256 times, so the share
/// of agreeing values `p` is `J + (1 - J) / 256`, and `J` is read back from it.
pub fn jaccard(a: &[u16], b: &[u16]) -> f64 {
    if a.is_empty() || a.len() != b.len() {
        return 0.0;
    }
    let same = a
        .iter()
        .zip(b)
        .filter(|(x, y)| (*x ^ *y) & 0xff == 0)
        .count();
    let p = same as f64 / a.len() as f64;
    const CHANCE: f64 = 1.0 / 256.0;
    ((p - CHANCE) / (1.0 - CHANCE)).max(0.0)
}

/// Estimated containment of the smaller set in the larger one, from their Jaccard estimate
/// and sizes: |A∩B| = J (|A| + |B|) / (1 + J).
pub fn containment(j: f64, na: u32, nb: u32) -> f64 {
    let small = na.min(nb);
    if small == 0 {
        return 0.0;
    }
    let inter = j * f64::from(na + nb) / (1.0 + j);
    (inter / f64::from(small)).min(1.0)
}

/// The shingles and the content words of a description, hashed.
pub(super) fn text_sets(text: &str) -> (BTreeSet<u64>, BTreeSet<u64>) {
    let ws = words(text);
    let mut shingles = BTreeSet::new();
    if ws.len() >= SHINGLE {
        for win in ws.windows(SHINGLE) {
            shingles.insert(fnv(win.join(" ").as_bytes()));
        }
    } else if !ws.is_empty() {
        shingles.insert(fnv(ws.join(" ").as_bytes()));
    }
    let content: BTreeSet<u64> = ws
        .iter()
        .filter(|w| w.len() > 2 && !is_stop(w))
        .map(|w| fnv(stem(w).as_bytes()))
        .collect();
    (shingles, content)
}
