//! Dates as partners write them, read into UTC instants.
//!
//! One entry point, [`parse_date`], accepts RFC 2822 and its common breakages, RFC 3339 / ISO
//! 8601 and its breakages, French numeric dates (always day first), French and English dates
//! written with month names (with or without a year), and Unix timestamps. A date or time
//! without a zone is French local time (Europe/Paris, daylight saving time included). The
//! function is pure, allocates two small scratch buffers, and never panics: impossible dates
//! ("31/02/2026") give `None`. Also [`states_no_date`]: the words that say there is no date.
//!
//! Unlike the rest of `text` (std only), this file uses chrono and chrono-tz: reading a date
//! is reading text, and `parse` reads the feeds' dates with it, below `normalise`.
//!
//! It has its own lexer, `DateTokens`, not the prose lexer of [`crate::text::lexer`]: digits
//! are kept as exact integers with their count ("03.11.2026" is three numbers, not 3.11 and
//! 2026; "12 000" two numbers, not 12000), the first nine digits of a fraction of a second
//! are kept, and bracketed comments ("(CET)", "[Europe/Paris]") are skipped.

use chrono::{
    DateTime, Datelike, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta,
    TimeZone, Utc,
};
use chrono_tz::Europe::Paris;

use crate::text::{is_combining, push_folded, says_any};

#[derive(Debug, Clone, Copy, PartialEq)]
enum T {
    /// Digits: value (saturating), number of digits, value of the first nine digits.
    Num {
        v: u64,
        len: usize,
        head9: u32,
    },
    /// Letters, folded (lower case, no accents) into `DateTokens::words[s..e]`.
    Word {
        s: usize,
        e: usize,
    },
    Sym(char),
}

/// A date string cut into numbers, folded words and symbols, each with whether white space
/// precedes it.
struct DateTokens {
    words: String,
    toks: Vec<(T, bool)>,
}

impl DateTokens {
    fn new(s: &str) -> DateTokens {
        let mut words = String::new();
        let mut toks = Vec::with_capacity(24);
        let mut space = false;
        let mut chars = s.chars().peekable();
        while let Some(c) = chars.next() {
            if c.is_whitespace() {
                space = true;
                continue;
            }
            if c == '(' || c == '[' {
                // "(CET)", "[Europe/Paris]": comments, skipped.
                let close = if c == '(' { ')' } else { ']' };
                for d in chars.by_ref() {
                    if d == close {
                        break;
                    }
                }
                space = true;
                continue;
            }
            if c.is_ascii_digit() {
                let mut v: u64 = u64::from(c as u8 - b'0');
                let mut head9: u32 = u32::from(c as u8 - b'0');
                let mut len = 1;
                while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    let digit = d as u8 - b'0';
                    v = v.saturating_mul(10).saturating_add(u64::from(digit));
                    if len < 9 {
                        head9 = head9 * 10 + u32::from(digit);
                    }
                    len += 1;
                    chars.next();
                }
                toks.push((T::Num { v, len, head9 }, space));
            } else if c.is_alphabetic() {
                let start = words.len();
                push_folded(&mut words, c);
                while let Some(&d) = chars.peek() {
                    if is_combining(d) {
                        chars.next();
                        continue;
                    }
                    if !d.is_alphabetic() {
                        break;
                    }
                    push_folded(&mut words, d);
                    chars.next();
                }
                toks.push((
                    T::Word {
                        s: start,
                        e: words.len(),
                    },
                    space,
                ));
            } else if is_combining(c) {
                continue;
            } else {
                let c = match c {
                    '–' | '—' | '−' | '‐' | '‑' => '-',
                    '：' => ':',
                    other => other,
                };
                toks.push((T::Sym(c), space));
            }
            space = false;
        }
        DateTokens { words, toks }
    }

    fn tok(&self, i: usize) -> Option<T> {
        self.toks.get(i).map(|t| t.0)
    }

    fn space(&self, i: usize) -> bool {
        self.toks.get(i).is_some_and(|t| t.1)
    }

    fn word(&self, i: usize) -> Option<&str> {
        match self.tok(i)? {
            T::Word { s, e } => self.words.get(s..e),
            _ => None,
        }
    }

    /// (value, digits) of a number token.
    fn num(&self, i: usize) -> Option<(u64, usize)> {
        match self.tok(i)? {
            T::Num { v, len, .. } => Some((v, len)),
            _ => None,
        }
    }

    fn sym(&self, i: usize) -> Option<char> {
        match self.tok(i)? {
            T::Sym(c) => Some(c),
            _ => None,
        }
    }
}

/// Month number of a French or English month name or abbreviation.
fn month(w: &str) -> Option<u32> {
    Some(match w {
        "janvier" | "janv" | "jan" | "january" => 1,
        "fevrier" | "fevr" | "fev" | "feb" | "february" => 2,
        "mars" | "mar" | "march" => 3,
        "avril" | "avr" | "apr" | "april" => 4,
        "mai" | "may" => 5,
        "juin" | "jun" | "june" => 6,
        "juillet" | "juil" | "jul" | "july" => 7,
        "aout" | "aou" | "aug" | "august" => 8,
        "septembre" | "sept" | "sep" | "september" => 9,
        "octobre" | "oct" | "october" => 10,
        "novembre" | "nov" | "november" => 11,
        "decembre" | "dec" | "december" => 12,
        _ => return None,
    })
}

/// Offset in seconds of a zone name.
fn zone_name(w: &str) -> Option<i32> {
    Some(match w {
        "z" | "gmt" | "ut" | "utc" | "wet" => 0,
        "cet" | "met" | "bst" | "west" => 3600,
        "cest" | "mest" | "eet" => 7200,
        "eest" => 10800,
        "est" => -5 * 3600,
        "edt" => -4 * 3600,
        "cst" => -6 * 3600,
        "cdt" => -5 * 3600,
        "mst" => -7 * 3600,
        "mdt" => -6 * 3600,
        "pst" => -8 * 3600,
        "pdt" => -7 * 3600,
        _ => return None,
    })
}

fn two_digit_year(y: u64, len: usize) -> Option<i32> {
    let y = i32::try_from(y).ok()?;
    match len {
        2 if y < 50 => Some(2000 + y),
        2 => Some(1900 + y),
        4 => Some(y),
        _ => None,
    }
}

/// A time of day at token `i`: "10:00", "10:00:00", "10:00:00.123", "14h30", "14h", "14 h 30".
/// Returns the time and the index after it.
fn parse_time(lx: &DateTokens, i: usize) -> Option<(NaiveTime, usize)> {
    let (h, hl) = lx.num(i)?;
    if hl > 2 {
        return None;
    }
    let (m, s, nanos, next) = if lx.sym(i + 1) == Some(':') {
        let (m, ml) = lx.num(i + 2)?;
        if ml != 2 {
            return None;
        }
        if lx.sym(i + 3) == Some(':') {
            let (s, sl) = lx.num(i + 4)?;
            if sl != 2 {
                return None;
            }
            let mut next = i + 5;
            let mut nanos = 0;
            if matches!(lx.sym(next), Some('.' | ',')) {
                if let Some(T::Num { len, head9, .. }) = lx.tok(next + 1) {
                    let shown = len.min(9);
                    nanos = head9 * 10u32.pow(u32::try_from(9 - shown).unwrap_or(0));
                    next += 2;
                }
            }
            (m, s, nanos, next)
        } else {
            (m, 0, 0, i + 3)
        }
    } else if lx.word(i + 1) == Some("h") {
        match lx.num(i + 2) {
            Some((m, ml)) if ml == 2 || (ml == 1 && lx.space(i + 2)) => (m, 0, 0, i + 3),
            _ => (0, 0, 0, i + 2),
        }
    } else {
        return None;
    };
    let s = s.min(59); // leap second
    let t = NaiveTime::from_hms_nano_opt(
        u32::try_from(h).ok()?,
        u32::try_from(m).ok()?,
        u32::try_from(s).ok()?,
        nanos,
    )?;
    Some((t, next))
}

/// A zone at token `i`: "Z", "GMT", "UT", "CET", "+0100", "+01:00", "+01", "-05", "GMT+1".
/// Returns the offset in seconds and the index after it.
fn parse_zone(lx: &DateTokens, i: usize) -> Option<(i32, usize)> {
    if let Some(w) = lx.word(i) {
        let base = zone_name(w)?;
        if base == 0 {
            if let Some((off, next)) = numeric_offset(lx, i + 1) {
                return Some((off, next));
            }
        }
        return Some((base, i + 1));
    }
    numeric_offset(lx, i)
}

fn numeric_offset(lx: &DateTokens, i: usize) -> Option<(i32, usize)> {
    let sign = match lx.sym(i)? {
        '+' => 1,
        '-' => -1,
        _ => return None,
    };
    let (v, len) = lx.num(i + 1)?;
    let v = i32::try_from(v).ok()?;
    let (h, m, next) = match len {
        4 => (v / 100, v % 100, i + 2),
        1 | 2 => {
            if lx.sym(i + 2) == Some(':') {
                match lx.num(i + 3) {
                    Some((m, 2)) => (v, i32::try_from(m).ok()?, i + 4),
                    _ => (v, 0, i + 2),
                }
            } else {
                (v, 0, i + 2)
            }
        }
        _ => return None,
    };
    if h > 15 || m > 59 {
        return None;
    }
    Some((sign * (h * 3600 + m * 60), next))
}

/// Europe/Paris local time to UTC: ambiguous (autumn) times take the earliest instant,
/// nonexistent (spring) times are shifted forward by the gap.
fn paris_to_utc(ndt: NaiveDateTime) -> Option<DateTime<Utc>> {
    match Paris.from_local_datetime(&ndt) {
        LocalResult::Single(d) => Some(d.with_timezone(&Utc)),
        LocalResult::Ambiguous(a, b) => Some(a.with_timezone(&Utc).min(b.with_timezone(&Utc))),
        LocalResult::None => {
            let later = ndt.checked_add_signed(TimeDelta::try_hours(1)?)?;
            Paris
                .from_local_datetime(&later)
                .earliest()
                .map(|d| d.with_timezone(&Utc))
        }
    }
}

fn compose(date: NaiveDate, time: NaiveTime, offset: Option<i32>) -> Option<DateTime<Utc>> {
    let ndt = date.and_time(time);
    match offset {
        Some(secs) => FixedOffset::east_opt(secs)?
            .from_local_datetime(&ndt)
            .single()
            .map(|d| d.with_timezone(&Utc)),
        None => paris_to_utc(ndt),
    }
}

/// Time and zone after a date, starting at token `i` (fillers "T", "à", "at", ",", "-" are
/// skipped).
fn time_and_zone(lx: &DateTokens, mut i: usize) -> (NaiveTime, Option<i32>) {
    for _ in 0..3 {
        let filler = matches!(lx.word(i), Some("t" | "a" | "at" | "le" | "vers" | "des"))
            || matches!(lx.sym(i), Some(',' | '-' | '@'));
        if !filler {
            break;
        }
        i += 1;
    }
    match parse_time(lx, i) {
        Some((t, next)) => (t, parse_zone(lx, next).map(|(z, _)| z)),
        None => (NaiveTime::MIN, None),
    }
}

/// "2026-11-03[T10:00[:00[.123]]][Z|+01:00|+0100]", "2026/11/03", and day-first numeric dates
/// "03/11/2026", "3/11/26", "03.11.2026", "03-11-2026" with an optional time.
/// `Some(None)` when a date-shaped chain was found but is impossible.
fn parse_numeric(lx: &DateTokens) -> Option<Option<DateTime<Utc>>> {
    for i in 0..lx.toks.len() {
        let (Some((a, al)), Some(sep)) = (lx.num(i), lx.sym(i + 1)) else {
            continue;
        };
        if !matches!(sep, '-' | '/' | '.')
            || lx.sym(i + 3) != Some(sep)
            || lx.space(i + 1)
            || lx.space(i + 2)
            || lx.space(i + 3)
            || lx.space(i + 4)
        {
            continue;
        }
        let (Some((b, bl)), Some((c, cl))) = (lx.num(i + 2), lx.num(i + 4)) else {
            continue;
        };
        let (y, m, d) = if al == 4 && (1..=2).contains(&bl) && (1..=2).contains(&cl) {
            (i32::try_from(a).ok(), b, c)
        } else if (1..=2).contains(&al) && (1..=2).contains(&bl) && (cl == 2 || cl == 4) {
            (two_digit_year(c, cl), b, a)
        } else {
            continue;
        };
        let date = y.and_then(|y| {
            NaiveDate::from_ymd_opt(y, u32::try_from(m).ok()?, u32::try_from(d).ok()?)
        });
        let Some(date) = date else { return Some(None) };
        let (time, zone) = time_and_zone(lx, i + 5);
        return Some(compose(date, time, zone));
    }
    None
}

/// Dates with a month name: "12 novembre 2026", "1er décembre 2026", "lun., 3 nov. 2026
/// 10:00:00 +0100", "12 Novembre", "Nov 3, 2026". Without a year, the year that puts the
/// date nearest to `reference`.
fn parse_textual(lx: &DateTokens, reference: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let n = lx.toks.len();
    let is_time_start =
        |k: usize| matches!(lx.sym(k + 1), Some(':')) || lx.word(k + 1) == Some("h");
    let mut found: Option<(u32, u32, usize)> = None; // (day, month, index after month)
                                                     // Day first.
    for i in 0..n {
        let Some((d, dl)) = lx.num(i) else { continue };
        if dl > 2 || !(1..=31).contains(&d) {
            continue;
        }
        let mut k = i + 1;
        while matches!(lx.word(k), Some("er" | "eme")) || matches!(lx.sym(k), Some('.' | '-')) {
            k += 1;
        }
        if let Some(m) = lx.word(k).and_then(month) {
            found = Some((u32::try_from(d).ok()?, m, k + 1));
            break;
        }
    }
    let mut after_day = None;
    if found.is_none() {
        // Month first: "Nov 3, 2026".
        for i in 0..n {
            let Some(m) = lx.word(i).and_then(month) else {
                continue;
            };
            let mut k = i + 1;
            while matches!(lx.sym(k), Some('.' | '-')) {
                k += 1;
            }
            let Some((d, dl)) = lx.num(k) else { continue };
            if dl > 2 || !(1..=31).contains(&d) || is_time_start(k) {
                continue;
            }
            found = Some((u32::try_from(d).ok()?, m, k + 1));
            after_day = Some(k + 1);
            break;
        }
    }
    let (day, mon, mut k) = found?;
    if let Some(a) = after_day {
        k = a;
    }
    while matches!(lx.sym(k), Some('.' | ',' | '-')) {
        k += 1;
    }
    let mut year = None;
    if let Some((y, yl)) = lx.num(k) {
        if (yl == 4 || yl == 2) && !is_time_start(k) {
            year = two_digit_year(y, yl);
            k += 1;
        }
    }
    while matches!(lx.sym(k), Some('.' | ',')) {
        k += 1;
    }
    let (time, zone) = time_and_zone(lx, k);
    if year.is_none() {
        // Java's Date.toString puts the year last: "Tue Dec 22 23:59:22 CET 2015".
        year = trailing_year(lx, k);
    }
    match year {
        Some(y) => compose(NaiveDate::from_ymd_opt(y, mon, day)?, time, zone),
        None => {
            // 29 February needs a leap year: look up to four years away.
            let ry = reference.year();
            let nearest = |years: std::ops::RangeInclusive<i32>| {
                years
                    .filter_map(|y| compose(NaiveDate::from_ymd_opt(y, mon, day)?, time, zone))
                    .min_by_key(|d| {
                        d.signed_duration_since(reference)
                            .num_seconds()
                            .unsigned_abs()
                    })
            };
            nearest(ry.saturating_sub(1)..=ry.saturating_add(1))
                .or_else(|| nearest(ry.saturating_sub(4)..=ry.saturating_add(4)))
        }
    }
}

/// A four-digit year after the time and zone of a month-first date (and nothing after it but
/// a comment): "Dec 22 23:59:22 CET 2015".
fn trailing_year(lx: &DateTokens, from: usize) -> Option<i32> {
    let last = lx.toks.len().checked_sub(1)?;
    if last < from {
        return None;
    }
    let (y, len) = lx.num(last)?;
    if len != 4 || matches!(lx.sym(last.wrapping_sub(1)), Some('+' | '-' | ':')) {
        return None;
    }
    let y = i32::try_from(y).ok()?;
    (1900..=2200).contains(&y).then_some(y)
}

/// Unix seconds (10 digits), milliseconds (13 digits), or a basic ISO date "20261103".
fn parse_all_digits(s: &str) -> Option<DateTime<Utc>> {
    let v: i64 = s.parse().ok()?;
    match s.len() {
        10 => DateTime::from_timestamp(v, 0),
        13 => DateTime::from_timestamp_millis(v),
        8 => {
            let y = i32::try_from(v / 10_000).ok()?;
            let m = u32::try_from(v / 100 % 100).ok()?;
            let d = u32::try_from(v % 100).ok()?;
            if !(1900..=2200).contains(&y) {
                return None;
            }
            compose(NaiveDate::from_ymd_opt(y, m, d)?, NaiveTime::MIN, None)
        }
        _ => None,
    }
}

/// Parses the dates partners write, returning a UTC instant. `reference` is "now" (used to
/// pick the year when absent).
///
/// - RFC 2822 and its breakages: "Mon, 3 Nov 2026 10:00:00 +0100", single-digit day, missing
///   or wrong weekday (ignored), "GMT", "UT", "CET"/"CEST"/"EST"... names, French day and
///   month names ("lun., 3 nov. 2026 10:00:00 +0100"), two-digit year (00-49 is 20xx, 50-99
///   is 19xx), missing seconds, trailing garbage such as " (CET)";
/// - RFC 3339 / ISO 8601 and breakages: "2026-11-03T10:00:00Z", "+01:00", "+0100", " "
///   instead of "T", fractional seconds, no seconds, no zone (Europe/Paris local time), date
///   only (midnight Europe/Paris), "2026/11/03", "20261103";
/// - numeric dates, always day first (French): "03/11/2026", "3/11/2026", "03/11/26",
///   "03.11.2026", "03-11-2026", optionally followed by " 14:30" or " à 14h30";
/// - month names: "12 novembre 2026", "1er décembre 2026", "lundi 12 novembre 2026", "12 nov.
///   2026", "Nov 3, 2026", and without a year "12 Novembre", "3 mars" (the year that puts the
///   date nearest to `reference`), case- and accent-insensitive ("fevrier", "aout");
/// - Unix timestamps in seconds (10 digits) or milliseconds (13 digits).
///
/// Local times are Europe/Paris: an ambiguous time (the repeated hour in October) is the
/// earliest instant, a nonexistent one (the skipped hour in March) is shifted forward by the
/// gap. The first date found in the text is used ("Date limite : 15/12/2026" works). `None`
/// for anything else and for impossible dates ("32/13/2026", "31/02/2026").
pub fn parse_date(raw: &str, reference: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let s = raw.trim();
    if s.is_empty() || s.len() > 256 {
        return None;
    }
    if s.bytes().all(|b| b.is_ascii_digit()) {
        return parse_all_digits(s);
    }
    let lx = DateTokens::new(s);
    match parse_numeric(&lx) {
        Some(result) => result,
        None => parse_textual(&lx, reference),
    }
}

/// Whether a date field says in words that there is no date: "au fil de l'eau", "dès que
/// possible", "immédiatement", "non précisée", "sans date limite", "aucune", "ASAP". Partners
/// write these in deadline and start fields; they are not unreadable dates.
pub fn states_no_date(raw: &str) -> bool {
    const PHRASES: &[&[&str]] = &[
        &["fil", "de", "l", "eau"],
        &["des", "que", "possible"],
        &["asap"],
        &["immediat"],
        &["immediate"],
        &["immediatement"],
        &["non", "precise"],
        &["non", "precisee"],
        &["non", "definie"],
        &["non", "communiquee"],
        &["sans", "date"],
        &["pas", "de", "date"],
        &["aucune"],
    ];
    let s = raw.trim();
    if s.len() > 256 {
        return false;
    }
    let lx = DateTokens::new(s);
    let words: Vec<&str> = lx
        .toks
        .iter()
        .filter_map(|(t, _)| match *t {
            T::Word { s, e } => lx.words.get(s..e),
            _ => None,
        })
        .collect();
    says_any(&words, PHRASES)
}

#[cfg(test)]
mod tests;
