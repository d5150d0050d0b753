//! Binary encoding of [`Features`] for the store: compact and versioned. A version this
//! code no longer writes still decodes (see [`decode`]).
//!
//! Since version 7 a signature's values are written in the width the features keep them
//! (16 bits for the shingle signature's first [`WIDE_VALUES`], 8 bits for the others), and the
//! terms only the ones stated: about 410 bytes a posting instead of 650.

use super::features::{Features, FEATURES_VERSION, WIDE_VALUES};
use super::terms::Terms;

fn put_str(out: &mut Vec<u8>, s: &str) {
    let b = s.as_bytes();
    let n = b.len().min(255);
    out.push(n as u8);
    out.extend_from_slice(&b[..n]);
}

fn put_strs(out: &mut Vec<u8>, v: &[String]) {
    out.push(v.len().min(255) as u8);
    for s in v.iter().take(255) {
        put_str(out, s);
    }
}

fn put_opt(out: &mut Vec<u8>, s: &Option<String>) {
    match s {
        None => out.push(0),
        Some(s) => {
            out.push(1);
            put_str(out, s);
        }
    }
}

fn put_u16s(out: &mut Vec<u8>, v: &[u16]) {
    out.extend_from_slice(&(v.len() as u16).to_le_bytes());
    for x in v {
        out.extend_from_slice(&x.to_le_bytes());
    }
}

/// A signature of version 7: its length, its first `wide` values on 16 bits, the others on 8
/// (the features hold nothing more of them, see `features::narrow`).
fn put_sig(out: &mut Vec<u8>, v: &[u16], wide: usize) {
    out.extend_from_slice(&(v.len() as u16).to_le_bytes());
    for (i, x) in v.iter().enumerate() {
        if i < wide {
            out.extend_from_slice(&x.to_le_bytes());
        } else {
            out.push(*x as u8);
        }
    }
}

/// Encodes features for storage.
pub fn encode(f: &Features) -> Vec<u8> {
    let mut out = Vec::with_capacity(600);
    out.push(FEATURES_VERSION);
    put_strs(&mut out, &f.employer);
    put_str(&mut out, &f.initials);
    put_str(&mut out, &f.head_initials);
    out.push(u8::from(f.self_named));
    put_strs(&mut out, &f.title);
    put_opt(&mut out, &f.commune);
    put_opt(&mut out, &f.department);
    put_opt(&mut out, &f.contract);
    out.extend_from_slice(&f.n_shingles.to_le_bytes());
    out.extend_from_slice(&f.n_words.to_le_bytes());
    put_sig(&mut out, &f.shingle_sig, WIDE_VALUES);
    put_sig(&mut out, &f.word_sig, 0);
    for set in [&f.mentions, &f.facts, &f.dates] {
        out.extend_from_slice(&(set.len() as u16).to_le_bytes());
        for m in set {
            out.extend_from_slice(&m.to_le_bytes());
        }
    }
    out.extend_from_slice(&f.place_at.to_le_bytes());
    out.extend_from_slice(&f.head_words.to_le_bytes());
    put_u16s(&mut out, &f.place_grams);
    // Version 3.
    let t = &f.terms;
    let flags = u8::from(t.hours.is_some())
        | u8::from(t.time_kind.is_some()) << 1
        | u8::from(t.duration_days.is_some()) << 2
        | u8::from(t.salary.is_some()) << 3
        | u8::from(t.start_day.is_some()) << 4;
    out.push(flags);
    // Since version 7, only the terms stated (before, every one, 0 when not stated).
    if let Some(hours) = t.hours {
        out.extend_from_slice(&hours.to_le_bytes());
    }
    if let Some(kind) = t.time_kind {
        out.push(kind);
    }
    if let Some(days) = t.duration_days {
        out.extend_from_slice(&days.to_le_bytes());
    }
    if let Some((smin, smax, sp)) = t.salary {
        out.extend_from_slice(&smin.to_le_bytes());
        out.extend_from_slice(&smax.to_le_bytes());
        out.push(sp);
    }
    if let Some(day) = t.start_day {
        out.extend_from_slice(&day.to_le_bytes());
    }
    put_strs(&mut out, &f.place_words);
    put_str(&mut out, &f.title_initials);
    // Version 6.
    out.extend_from_slice(&f.title_sector.to_le_bytes());
    out
}

/// True when [`decode`] gives `f` back from [`encode`] (its feed slot aside, which is not
/// stored): every string within the 255 bytes and every list within the 255 entries
/// `encode` keeps (or 65,535 for the lists of numbers), the signatures already narrowed.
pub fn round_trips(f: &Features) -> bool {
    let str_ok = |s: &str| s.len() <= 255;
    let strs_ok = |v: &[String]| v.len() <= 255 && v.iter().all(|s| str_ok(s));
    let opt_ok = |s: &Option<String>| s.as_deref().is_none_or(str_ok);
    let narrow_from = |v: &[u16], wide: usize| v.iter().skip(wide).all(|x| *x <= 0xff);
    strs_ok(&f.employer)
        && strs_ok(&f.title)
        && strs_ok(&f.place_words)
        && [&f.initials, &f.head_initials, &f.title_initials]
            .iter()
            .all(|s| str_ok(s))
        && [&f.commune, &f.department, &f.contract]
            .iter()
            .all(|s| opt_ok(s))
        && [f.shingle_sig.len(), f.word_sig.len(), f.place_grams.len()]
            .iter()
            .chain(&[f.mentions.len(), f.facts.len(), f.dates.len()])
            .all(|n| *n <= usize::from(u16::MAX))
        && narrow_from(&f.shingle_sig, WIDE_VALUES)
        && narrow_from(&f.word_sig, 0)
}

struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Some(head)
    }
    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }
    fn u16(&mut self) -> Option<u16> {
        self.take(2).map(|b| u16::from_le_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> Option<u32> {
        self.take(4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn str(&mut self) -> Option<String> {
        let n = self.u8()? as usize;
        self.take(n)
            .map(|b| String::from_utf8_lossy(b).into_owned())
    }
    fn strs(&mut self) -> Option<Vec<String>> {
        let n = self.u8()?;
        (0..n).map(|_| self.str()).collect()
    }
    fn opt(&mut self) -> Option<Option<String>> {
        match self.u8()? {
            0 => Some(None),
            _ => self.str().map(Some),
        }
    }
    fn u16s(&mut self) -> Option<Vec<u16>> {
        let n = self.u16()?;
        (0..n).map(|_| self.u16()).collect()
    }
    /// A signature as [`put_sig`] writes it.
    fn sig(&mut self, wide: usize) -> Option<Vec<u16>> {
        let n = self.u16()?;
        (0..usize::from(n))
            .map(|i| {
                if i < wide {
                    self.u16()
                } else {
                    self.u8().map(u16::from)
                }
            })
            .collect()
    }
}

/// Decodes stored features; None when they are damaged or of an unknown version. Features
/// of version 2 (before terms and place words) decode with none stated, and those of
/// versions 3 (`self_named` read from one word), 4 (mentions read from the text's first
/// 400 characters only), 5 (no sector words marked in the title) and 6 (every signature value
/// on 16 bits, every term written) as written: all are filed again at their feed's next
/// fetch.
pub fn decode(bytes: &[u8]) -> Option<Features> {
    let mut r = Reader(bytes);
    let version = r.u8()?;
    if !(2..=FEATURES_VERSION).contains(&version) {
        return None;
    }
    let employer = r.strs()?;
    let initials = r.str()?;
    let head_initials = r.str()?;
    let self_named = r.u8()? != 0;
    let title = r.strs()?;
    let commune = r.opt()?;
    let department = r.opt()?;
    let contract = r.opt()?;
    let n_shingles = r.u32()?;
    let n_words = r.u32()?;
    let (shingle_sig, word_sig) = if version >= 7 {
        (r.sig(WIDE_VALUES)?, r.sig(0)?)
    } else {
        (r.u16s()?, r.u16s()?)
    };
    let n = r.u16()?;
    let mentions = (0..n).map(|_| r.u32()).collect::<Option<Vec<u32>>>()?;
    let n = r.u16()?;
    let facts = (0..n).map(|_| r.u32()).collect::<Option<Vec<u32>>>()?;
    let n = r.u16()?;
    let dates = (0..n).map(|_| r.u32()).collect::<Option<Vec<u32>>>()?;
    let place_at = r.u16()?;
    let head_words = r.u16()?;
    let place_grams = r.u16s()?;
    let (terms, place_words) = if version >= 3 {
        let flags = r.u8()?;
        let has = |bit: u8| flags & (1 << bit) != 0;
        // Before version 7 every term was written, 0 when not stated.
        let all = version < 7;
        let hours = if all || has(0) { Some(r.u16()?) } else { None };
        let time_kind = if all || has(1) { Some(r.u8()?) } else { None };
        let duration_days = if all || has(2) { Some(r.u16()?) } else { None };
        let salary = if all || has(3) {
            Some((r.u32()?, r.u32()?, r.u8()?))
        } else {
            None
        };
        let start_day = if all || has(4) {
            Some(r.u32()? as i32)
        } else {
            None
        };
        let terms = Terms {
            hours: hours.filter(|_| has(0)),
            time_kind: time_kind.filter(|_| has(1)),
            duration_days: duration_days.filter(|_| has(2)),
            salary: salary.filter(|_| has(3)),
            start_day: start_day.filter(|_| has(4)),
        };
        (terms, r.strs()?)
    } else {
        (Terms::default(), Vec::new())
    };
    let title_initials = if version >= 3 {
        r.str()?
    } else {
        String::new()
    };
    let title_sector = if version >= 6 { r.u16()? } else { 0 };
    Some(Features {
        terms,
        place_words,
        slot: None,
        title_initials,
        title_sector,
        employer,
        initials,
        head_initials,
        self_named,
        title,
        commune,
        department,
        contract,
        n_shingles,
        n_words,
        shingle_sig,
        word_sig,
        mentions,
        facts,
        dates,
        place_at,
        place_grams,
        head_words,
    })
}
