//! Reading place texts and structured location fields into [`Hints`]: the INSEE code,
//! arrondissement, postcode, department and region codes, and the names of communes,
//! departments and regions found, before anything is decided.

use super::tables::{parse_postcode, Geo, NameEntry, PLM};
use crate::text::fold;

/// A recognised name in a text.
pub(super) struct Span {
    pub(super) entry: &'static NameEntry,
}

/// Everything read from the inputs, before deciding.
#[derive(Default)]
pub(super) struct Hints {
    pub(super) insee: Option<u32>,
    pub(super) arrondissement: Option<u32>,
    /// A postcode of the table.
    pub(super) postcode: Option<u32>,
    /// Departments the place must be in (codes given, unknown postcode prefix).
    pub(super) depts: Vec<u16>,
    /// Regions the place must be in (region code given).
    pub(super) regions: Vec<u16>,
    /// Names in the order found (commune, department or region names).
    pub(super) spans: Vec<Span>,
    /// Folded texts the names came from, for the postcode name check.
    pub(super) folded: String,
}

impl Hints {
    fn add_dept(&mut self, d: u16) {
        if !self.depts.contains(&d) {
            self.depts.push(d);
        }
    }

    pub(super) fn add_postcode_field(&mut self, geo: &Geo, raw: &str) {
        let t = raw.trim();
        let digits = t.len() <= 5 && !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
        if !digits {
            return;
        }
        // Spreadsheets drop the leading zero: "1000" is "01000".
        let Ok(n) = t.parse::<u32>() else { return };
        if t.len() < 4 {
            return;
        }
        if !geo.postcode_communes(n).is_empty() {
            self.postcode.get_or_insert(n);
        } else if let Some(d) = geo.dept_of_unknown_postcode(n) {
            self.add_dept(d);
        }
    }

    pub(super) fn add_department_field(&mut self, geo: &Geo, raw: &str) {
        let t = raw.trim();
        if let Some(d) = geo.dept_by_code(t) {
            self.add_dept(d);
            return;
        }
        let f = fold(crate::text::clip(t, 256));
        if let Some(&d) = geo.dept_names.get(f.as_str()) {
            self.add_dept(d);
        } else if let Some(&r) = geo.region_names.get(f.as_str()) {
            self.regions.push(r);
        } else {
            // "69 - Rhône", "Rhône (69)"
            if let Some(d) = f
                .split(' ')
                .find_map(|w| (w.len() >= 2).then(|| geo.dept_by_code(w)).flatten())
            {
                self.add_dept(d);
            }
        }
    }

    pub(super) fn add_region_field(&mut self, geo: &Geo, raw: &str) {
        let t = raw.trim();
        if let Some(r) = geo.region_by_code(t) {
            self.regions.push(r);
            return;
        }
        let f = fold(crate::text::clip(t, 256));
        if let Some(&r) = geo.region_names.get(f.as_str()) {
            self.regions.push(r);
        } else if let Some(&d) = geo.dept_names.get(f.as_str()) {
            self.add_dept(d);
        }
    }
}

/// Most tokens of a text looked at.
const MAX_TOKENS: usize = 48;

/// Words after a number that make it a street number, not a department.
const STREET_WORDS: &[&str] = &[
    "allee",
    "av",
    "ave",
    "avenue",
    "bd",
    "bis",
    "boulevard",
    "chemin",
    "ch",
    "cours",
    "impasse",
    "lieu",
    "lot",
    "lotissement",
    "pl",
    "place",
    "quai",
    "residence",
    "route",
    "rte",
    "rue",
    "square",
    "ter",
    "voie",
    "za",
    "zac",
    "zi",
];

/// A number with an optional ordinal suffix: "3", "3e", "1er", "15eme", "2nd".
fn ordinal(t: &str) -> Option<(u32, bool)> {
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits > 2 {
        return None;
    }
    let n: u32 = t.get(..digits)?.parse().ok()?;
    let suffix = t.get(digits..)?;
    match suffix {
        "" => Some((n, false)),
        "e" | "er" | "ere" | "eme" | "ieme" | "em" | "nd" | "nde" | "d" => Some((n, true)),
        _ => None,
    }
}

/// A Roman arrondissement number: "xv", "xve", "ier", "viiieme".
fn roman(t: &str) -> Option<u32> {
    const ROMAN: [&str; 20] = [
        "i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii", "xiii", "xiv",
        "xv", "xvi", "xvii", "xviii", "xix", "xx",
    ];
    let stem = ["eme", "er", "e"]
        .iter()
        .find_map(|s| t.strip_suffix(s).filter(|r| !r.is_empty()))
        .unwrap_or(t);
    ROMAN.iter().position(|r| *r == stem).map(|i| i as u32 + 1)
}

fn is_dept_code_shape(t: &str) -> bool {
    let b = t.as_bytes();
    match b.len() {
        2 => b.iter().all(u8::is_ascii_digit) || (b[0] == b'2' && matches!(b[1], b'a' | b'b')),
        3 => b.iter().all(u8::is_ascii_digit) && (b[0] == b'9' && matches!(b[1], b'7' | b'8')),
        _ => false,
    }
}

/// The first [`MAX_TOKENS`] words of a folded text, as byte ranges within it.
struct Words<'t> {
    text: &'t str,
    ranges: [(usize, usize); MAX_TOKENS],
    n: usize,
}

impl<'t> Words<'t> {
    fn new(text: &'t str) -> Words<'t> {
        let mut ranges: [(usize, usize); MAX_TOKENS] = [(0, 0); MAX_TOKENS];
        let mut n = 0;
        let mut pos = 0;
        for w in text.split(' ') {
            if n == MAX_TOKENS {
                break;
            }
            if !w.is_empty() {
                ranges[n] = (pos, pos + w.len());
                n += 1;
            }
            pos += w.len() + 1;
        }
        Words { text, ranges, n }
    }

    /// The `i`th word, "" past the last.
    fn get(&self, i: usize) -> &'t str {
        self.ranges
            .get(i)
            .and_then(|&(a, b)| self.text.get(a..b))
            .unwrap_or("")
    }
}

/// Reads one free text into `hints`.
pub(super) fn scan_text(geo: &'static Geo, raw: &str, hints: &mut Hints) {
    let text = fold(crate::text::clip(raw, 512));
    if text.is_empty() {
        return;
    }
    if !hints.folded.is_empty() {
        hints.folded.push(' ');
    }
    hints.folded.push_str(&text);
    let words = Words::new(&text);
    let mut used = [false; MAX_TOKENS];
    read_cedex_and_arrondissement(geo, &words, &mut used, hints);
    read_codes(geo, &words, &mut used, hints);
    read_names(geo, &words, &used, hints);
}

/// The INSEE code of arrondissement `k` of a city of [`PLM`].
fn arrondissement(geo: &Geo, city: &(&str, &str, u32, &str), k: u32) -> Option<u32> {
    let code = match city.0 {
        "paris" => format!("751{k:02}"),
        "lyon" => format!("6938{k}"),
        _ => format!("132{k:02}"),
    };
    geo.commune_by_insee(&code)
}

/// Marks "cedex" (and its number) as used, and reads the first arrondissement written:
/// "Lyon 3e", "Paris 15", "Marseille 1er", "15e arrondissement de Paris".
fn read_cedex_and_arrondissement(
    geo: &Geo,
    words: &Words<'_>,
    used: &mut [bool; MAX_TOKENS],
    hints: &mut Hints,
) {
    let n = words.n;
    let tok = |i: usize| words.get(i);
    let code_tokens = (0..n).filter(|&i| is_dept_code_shape(tok(i))).count();
    let plm_city = |t: &str| PLM.iter().find(|p| p.0 == t);

    for i in 0..n {
        let t = tok(i);
        if t == "cedex" {
            used[i] = true;
            if i + 1 < n && ordinal(tok(i + 1)).is_some_and(|(_, s)| !s) {
                used[i + 1] = true;
            }
            continue;
        }
        if hints.arrondissement.is_some() {
            continue;
        }
        // "Lyon 3e", "Paris 15", "Marseille 1er"
        if let Some(city) = plm_city(t) {
            if i + 1 < n {
                let next = tok(i + 1);
                if let Some((k, suffixed)) =
                    ordinal(next).or_else(|| roman(next).map(|k| (k, true)))
                {
                    // "Marseille 13" alone means the department.
                    let is_dept = !suffixed && next == city.3 && code_tokens < 2;
                    if k >= 1 && k <= city.2 && !is_dept {
                        if let Some(a) = arrondissement(geo, city, k) {
                            hints.arrondissement = Some(a);
                            used[i] = true;
                            used[i + 1] = true;
                            continue;
                        }
                    }
                }
            }
        }
        // "15e arrondissement de Paris"
        if let Some((k, true)) = ordinal(t) {
            if i + 1 < n && tok(i + 1).starts_with("arr") {
                if let Some(j) = (0..n).find(|&j| plm_city(tok(j)).is_some()) {
                    if let Some(city) = plm_city(tok(j)) {
                        if k >= 1 && k <= city.2 {
                            if let Some(a) = arrondissement(geo, city, k) {
                                hints.arrondissement = Some(a);
                                used[i] = true;
                                used[j] = true;
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Reads the postcodes and department codes among the words not used yet, and marks every
/// number as used.
fn read_codes(geo: &Geo, words: &Words<'_>, used: &mut [bool; MAX_TOKENS], hints: &mut Hints) {
    let n = words.n;
    let tok = |i: usize| words.get(i);
    for (i, used_i) in used.iter_mut().enumerate().take(n) {
        if *used_i {
            continue;
        }
        let t = tok(i);
        *used_i = true;
        if let Some(pc) = parse_postcode(t) {
            if !geo.postcode_communes(pc).is_empty() {
                hints.postcode.get_or_insert(pc);
            } else if let Some(d) = geo.dept_of_unknown_postcode(pc) {
                hints.add_dept(d);
            }
        } else if is_dept_code_shape(t) {
            let street = i + 1 < n && STREET_WORDS.contains(&tok(i + 1));
            if !street {
                if let Some(d) = geo.dept_by_code(t) {
                    hints.add_dept(d);
                }
            }
        } else if !t.bytes().all(|b| b.is_ascii_digit()) {
            *used_i = false;
        }
    }
}

/// Reads the names of communes, departments and regions among the words not used: greedy
/// longest match, left to right.
fn read_names(geo: &'static Geo, words: &Words<'_>, used: &[bool; MAX_TOKENS], hints: &mut Hints) {
    let n = words.n;
    let mut i = 0;
    while i < n {
        if used[i] {
            i += 1;
            continue;
        }
        let mut found = 0;
        let max = geo.max_words.min(n - i);
        for len in (1..=max).rev() {
            if used[i..i + len].iter().any(|&u| u) {
                continue;
            }
            let (a, b) = (words.ranges[i].0, words.ranges[i + len - 1].1);
            let Some(key) = words.text.get(a..b) else {
                continue;
            };
            if let Some(entry) = geo.names.get(key) {
                hints.spans.push(Span { entry });
                found = len;
                break;
            }
        }
        i += found.max(1);
    }
}
