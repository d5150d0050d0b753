//! The French prose lexer the vocabulary readers share (contracts, durations, working time,
//! salaries, employer families, title segments): a text cut into words, numbers and symbols.
//! Words are lower-cased with Latin diacritics stripped ("Intérim" and "INTERIM" both become
//! `interim`, the table of [`crate::text::fold_char`]); numbers are read the French way ("1
//! 900,50", "1.900", "0,8", non-breaking spaces as thousands separators) into an `f64`;
//! every other character is one symbol (dashes, apostrophes, the full-width colon and slash
//! normalised). Also the phrase tables matched over its words ([`Pattern`], [`best_match`]).
//!
//! Dates have a lexer of their own (`DateTokens` in [`crate::text::dates`]), on purpose: a
//! date must not read "03.11.2026" as the number 3.11 then 2026, nor "12 000" as 12000; it
//! needs its integers exact with their digit count (two-digit days, four-digit years,
//! fractional seconds) and skips bracketed comments ("(CET)", "[Europe/Paris]"); and it folds
//! fewer dashes into '-'. One lexer with both readings would change what one of them reads.
//!
//! Pure and panic-free: all string slicing happens on char boundaries.

use crate::text::{is_combining, push_folded};

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Kind {
    /// A run of letters, folded into `ProseTokens::text[start..end]`.
    Word,
    /// A number, its value in `value`.
    Num,
    /// Any other non-space character (dashes and apostrophes normalised).
    Sym(char),
}

#[derive(Debug, Clone, Copy)]
struct Tok {
    kind: Kind,
    start: usize,
    end: usize,
    value: f64,
    /// Digits of the integer part (numbers only), saturating.
    digits: u8,
    /// Whitespace precedes this token.
    space: bool,
    /// A word of at least two letters, all capitals in the original.
    upper: bool,
}

pub(crate) struct ProseTokens {
    text: String,
    toks: Vec<Tok>,
}

/// Words ignored when matching phrases ("contrat à durée indéterminée" is matched as
/// `contrat duree indeterminee`).
pub(crate) const STOPWORDS: &[&str] = &[
    "a", "au", "aux", "de", "d", "du", "des", "en", "l", "la", "le", "les", "un", "une", "et",
    "ou", "of", "the", "s", "y",
];

impl ProseTokens {
    pub(crate) fn new(raw: &str) -> ProseTokens {
        let mut text = String::with_capacity(raw.len());
        let mut toks = Vec::with_capacity(raw.len() / 3 + 1);
        let b = raw.as_bytes();
        let mut i = 0;
        let mut space = false;
        while let Some(c) = raw.get(i..).and_then(|r| r.chars().next()) {
            if c.is_whitespace() {
                space = true;
                i += c.len_utf8();
                continue;
            }
            if c.is_ascii_digit() {
                let (value, digits, next) = lex_number(b, i);
                toks.push(Tok {
                    kind: Kind::Num,
                    start: i,
                    end: next,
                    value,
                    digits,
                    space,
                    upper: false,
                });
                i = next;
                space = false;
                continue;
            }
            if is_combining(c) {
                i += c.len_utf8();
                continue;
            }
            if c.is_alphabetic() {
                let start = text.len();
                let mut upper = true;
                let mut letters = 0usize;
                let mut j = i;
                while let Some(c) = raw.get(j..).and_then(|r| r.chars().next()) {
                    if is_combining(c) {
                        j += c.len_utf8();
                        continue;
                    }
                    if !c.is_alphabetic() {
                        break;
                    }
                    if !c.is_uppercase() {
                        upper = false;
                    }
                    letters += 1;
                    push_folded(&mut text, c);
                    j += c.len_utf8();
                }
                toks.push(Tok {
                    kind: Kind::Word,
                    start,
                    end: text.len(),
                    value: 0.0,
                    digits: 0,
                    space,
                    upper: upper && letters >= 2,
                });
                i = j;
                space = false;
                continue;
            }
            toks.push(Tok {
                kind: Kind::Sym(normalise_sym(c)),
                start: i,
                end: i + c.len_utf8(),
                value: 0.0,
                digits: 0,
                space,
                upper: false,
            });
            i += c.len_utf8();
            space = false;
        }
        ProseTokens { text, toks }
    }

    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.toks.len()
    }

    #[inline]
    pub(crate) fn kind(&self, i: usize) -> Option<Kind> {
        self.toks.get(i).map(|t| t.kind)
    }

    #[inline]
    pub(crate) fn word(&self, i: usize) -> Option<&str> {
        let t = self.toks.get(i)?;
        if t.kind == Kind::Word {
            self.text.get(t.start..t.end)
        } else {
            None
        }
    }

    #[inline]
    pub(crate) fn word_or_empty(&self, i: usize) -> &str {
        self.word(i).unwrap_or("")
    }

    #[inline]
    pub(crate) fn num(&self, i: usize) -> Option<f64> {
        let t = self.toks.get(i)?;
        (t.kind == Kind::Num).then_some(t.value)
    }

    #[inline]
    pub(crate) fn sym(&self, i: usize) -> Option<char> {
        match self.toks.get(i)?.kind {
            Kind::Sym(c) => Some(c),
            _ => None,
        }
    }

    #[inline]
    pub(crate) fn space_before(&self, i: usize) -> bool {
        self.toks.get(i).is_some_and(|t| t.space)
    }

    /// Digits of the integer part of token `i`, when it is a number (saturating).
    #[inline]
    pub(crate) fn digits(&self, i: usize) -> Option<u8> {
        self.toks
            .get(i)
            .and_then(|t| (t.kind == Kind::Num).then_some(t.digits))
    }

    /// Indices of the word tokens that are not stop words.
    pub(crate) fn content_words(&self) -> Vec<usize> {
        (0..self.toks.len())
            .filter(|&i| self.word(i).is_some_and(|w| !STOPWORDS.contains(&w)))
            .collect()
    }
}

fn normalise_sym(c: char) -> char {
    match c {
        '–' | '—' | '−' | '‐' | '‑' | '‒' | '―' => '-',
        '’' | '‘' | '`' | '´' | 'ʼ' | '′' => '\'',
        '：' => ':',
        '／' => '/',
        other => other,
    }
}

/// Byte length of a thousands separator at `i` (space, no-break spaces, dot, apostrophe).
fn thousands_sep_len(b: &[u8], i: usize) -> usize {
    match b.get(i..) {
        Some([b' ' | b'.' | b'\'', ..]) => 1,
        Some([0xC2, 0xA0, ..]) => 2,                     // U+00A0
        Some([0xE2, 0x80, 0xAF | 0x89 | 0x88, ..]) => 3, // U+202F, U+2009, U+2008
        _ => 0,
    }
}

fn three_digits_then_end(b: &[u8], k: usize) -> bool {
    matches!(b.get(k..k + 3), Some([x, y, z]) if x.is_ascii_digit() && y.is_ascii_digit() && z.is_ascii_digit())
        && !b.get(k + 3).is_some_and(|c| c.is_ascii_digit())
}

/// Reads a French number starting at the ASCII digit at `i`; returns (value, integer digits,
/// end). Groups of three digits after a space, a no-break space, a dot or an apostrophe are
/// thousands ("1 900", "1.900"); a comma or dot followed by digits is the decimal part, except
/// an English "28,000" (one to three digits, comma, exactly three digits).
fn lex_number(b: &[u8], i: usize) -> (f64, u8, usize) {
    let mut j = i;
    let mut int = 0f64;
    let mut nd = 0u32;
    while let Some(d) = b.get(j).filter(|c| c.is_ascii_digit()) {
        int = int * 10.0 + f64::from(d - b'0');
        nd += 1;
        j += 1;
    }
    let first_group = nd;
    let mut grouped = false;
    if (1..=3).contains(&first_group) && int > 0.0 {
        loop {
            let sep = thousands_sep_len(b, j);
            if sep == 0 || !three_digits_then_end(b, j + sep) {
                break;
            }
            for k in 0..3 {
                let d = b.get(j + sep + k).copied().unwrap_or(b'0');
                int = int * 10.0 + f64::from(d.saturating_sub(b'0'));
            }
            nd += 3;
            j += sep + 3;
            grouped = true;
        }
    }
    let mut value = int;
    if matches!(b.get(j), Some(b',' | b'.')) && b.get(j + 1).is_some_and(|c| c.is_ascii_digit()) {
        let mut k = j + 1;
        let mut frac = 0f64;
        let mut scale = 1f64;
        let mut fd = 0u32;
        while let Some(d) = b.get(k).filter(|c| c.is_ascii_digit()) {
            if fd < 12 {
                frac = frac * 10.0 + f64::from(d - b'0');
                scale *= 10.0;
            }
            fd += 1;
            k += 1;
        }
        if b.get(j) == Some(&b',')
            && fd == 3
            && !grouped
            && (1..=3).contains(&first_group)
            && int > 0.0
        {
            value = int * 1000.0 + frac;
            nd += 3;
        } else {
            value = int + frac / scale;
        }
        j = k;
    }
    (value, u8::try_from(nd).unwrap_or(u8::MAX), j)
}

/// Pattern table entry: folded words (stop words removed), value, priority, capitals required.
pub(crate) type Pattern<T> = (&'static [&'static str], T, u8, bool);

/// The best match of `patterns` over the content words `ws`: highest priority, then earliest.
/// Returns (value, priority, position in `ws`).
pub(crate) fn best_match<T: Copy>(
    lx: &ProseTokens,
    ws: &[usize],
    patterns: &[Pattern<T>],
) -> Option<(T, u8, usize)> {
    let mut best: Option<(T, u8, usize)> = None;
    for (pos, &ti) in ws.iter().enumerate() {
        let w = lx.word_or_empty(ti);
        let upper = lx.toks.get(ti).is_some_and(|t| t.upper);
        for &(words, value, prio, caps) in patterns {
            if words.first() != Some(&w) || (caps && !upper) {
                continue;
            }
            if best.is_some_and(|(_, p, _)| p >= prio) {
                continue;
            }
            let rest = ws.get(pos + 1..).unwrap_or(&[]);
            if words.len() - 1 <= rest.len()
                && words
                    .iter()
                    .skip(1)
                    .zip(rest)
                    .all(|(p, &t)| lx.word_or_empty(t) == *p)
            {
                best = Some((value, prio, pos));
            }
        }
    }
    best
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn lexer_numbers() {
        let cases: &[(&str, f64)] = &[
            ("1 900", 1900.0),
            ("1\u{a0}900", 1900.0),
            ("1\u{202f}900,50", 1900.5),
            ("1.900", 1900.0),
            ("1.234,56", 1234.56),
            ("11.88", 11.88),
            ("0,8", 0.8),
            ("0,800", 0.8),
            ("1,900", 1900.0),
            ("151,67", 151.67),
            ("2 000 000", 2_000_000.0),
            ("6 mois", 6.0),
            ("2026", 2026.0),
        ];
        for (raw, want) in cases {
            let lx = ProseTokens::new(raw);
            assert_eq!(lx.num(0), Some(*want), "{raw:?}");
        }
    }
}
