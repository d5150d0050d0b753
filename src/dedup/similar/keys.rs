//! The blocking keys a posting is filed under, so that its candidates are found without
//! scanning every stored posting, and how many candidates are read.

use std::collections::BTreeSet;

use super::features::Features;
use super::words::fnv;

/// LSH over the shingle signature: `BANDS` bands of `ROWS` values. Each band is a blocking key
/// looked up for every posting filed, the dearest part of filing in a large database: 8 bands
/// find about as many true pairs as 16 would, with a third fewer keys per posting.
pub const BANDS: usize = 8;
pub const ROWS: usize = 3;
/// At most this many candidates are read per blocking key (the most recent ones), so that a
/// crowded key (a generic ad, a large employer) costs the same whatever the database holds.
pub const CANDIDATES_PER_KEY: usize = 24;
/// Of the candidates found through the keys, at most this many are read and compared: those
/// sharing the most keys with the posting (duplicates share many: bands, employer, title).
pub const CANDIDATES_READ: usize = 16;
/// When a key is crowded (its lookup cut at [`CANDIDATES_PER_KEY`]), at most this many more
/// candidates are read: those sharing the most uncrowded keys (see `dedup::cluster`).
pub const CANDIDATES_UNCROWDED: usize = 4;

/// The blocking keys a posting is filed under (and its candidates are looked up by), as
/// signed 64-bit integers for the store: LSH bands of the shingle signature, each employer
/// token by department, and the title by department.
pub fn keys(f: &Features) -> Vec<i64> {
    let mut out = BTreeSet::new();
    let tag = |parts: &[&[u8]]| -> i64 {
        let mut buf = Vec::with_capacity(64);
        for p in parts {
            buf.extend_from_slice(p);
            buf.push(0x1f);
        }
        fnv(&buf) as i64
    };
    if f.shingle_sig.len() >= BANDS * ROWS {
        for band in 0..BANDS {
            let mut buf = vec![b'b', band as u8];
            for v in &f.shingle_sig[band * ROWS..(band + 1) * ROWS] {
                buf.extend_from_slice(&v.to_le_bytes());
            }
            out.insert(tag(&[&buf]));
        }
    }
    let dept = f.department.as_deref().unwrap_or("").as_bytes();
    let mut emp: Vec<&String> = f.employer.iter().collect();
    emp.sort_by_key(|t| std::cmp::Reverse(t.len()));
    for t in emp.iter().take(2) {
        out.insert(tag(&[b"e", t.as_bytes(), dept]));
    }
    if !f.title.is_empty() {
        out.insert(tag(&[b"t", f.title.join(" ").as_bytes(), dept]));
    }
    // Employer and title words without the place, for postings that do not say where.
    let mut title: Vec<&String> = f.title.iter().collect();
    title.sort_by_key(|t| std::cmp::Reverse(t.len()));
    // Title words with the place, for a posting without employer whose title adds or drops
    // a word ("Responsable vrac", "Responsable de rayon vrac").
    if !dept.is_empty() {
        for t in title.iter().take(3) {
            out.insert(tag(&[b"w", t.as_bytes(), dept]));
        }
    }
    for e in emp.iter().take(2) {
        for t in title.iter().take(2) {
            out.insert(tag(&[b"x", e.as_bytes(), t.as_bytes()]));
        }
    }
    out.into_iter().collect()
}
