//! Text helpers every French-aware stage shares (std only): the one accent-folding table,
//! the word fold used to compare names and phrases, whitespace helpers named by what they do,
//! and phrase matching over words. Geography, vocabulary, dates and deduplication all fold
//! with this table, so that a letter matched in one place is matched in all.
//!
//! [`lexer`]: the French prose lexer of the vocabulary readers. [`dates`]: the dates partners
//! write (the one file of `text` that uses chrono, with its own date lexer).

pub mod dates;
pub mod lexer;

/// Case- and accent-insensitive folding used for matching: lowercase, accents removed, œ->oe, æ->ae, "saint"/"st"/"ste" unified, punctuation and hyphens to single spaces, trimmed.
///
/// "Saint", "Sainte", "St" and "Ste" all become "st": `fold("Sainte-Foy-lès-Lyon")` is
/// `"st foy les lyon"`.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 4);
    let mut f = Folder {
        out: &mut out,
        tok_start: 0,
        in_tok: false,
    };
    for c in s.chars() {
        f.push(c);
    }
    f.end();
    out
}

struct Folder<'a> {
    out: &'a mut String,
    tok_start: usize,
    in_tok: bool,
}

impl Folder<'_> {
    fn push(&mut self, c: char) {
        if c.is_ascii() {
            if c.is_ascii_alphanumeric() {
                self.letter(c.to_ascii_lowercase());
            } else {
                self.end();
            }
            return;
        }
        if is_combining(c) {
            return;
        }
        for l in c.to_lowercase() {
            if is_combining(l) {
                continue;
            }
            match fold_char(l) {
                Some(s) => {
                    for b in s.chars() {
                        self.letter(b);
                    }
                }
                None if l.is_alphanumeric() => self.letter(l),
                None => self.end(),
            }
        }
    }

    #[inline]
    fn letter(&mut self, c: char) {
        if !self.in_tok {
            if !self.out.is_empty() {
                self.out.push(' ');
            }
            self.tok_start = self.out.len();
            self.in_tok = true;
        }
        self.out.push(c);
    }

    fn end(&mut self) {
        if !self.in_tok {
            return;
        }
        self.in_tok = false;
        let tok = self.out.get(self.tok_start..).unwrap_or("");
        if matches!(tok, "saint" | "sainte" | "ste") {
            self.out.truncate(self.tok_start);
            self.out.push_str("st");
        }
    }
}

/// A combining mark (accents written as a separate code point): dropped by every fold.
pub fn is_combining(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036F}' | '\u{1AB0}'..='\u{1AFF}' | '\u{1DC0}'..='\u{1DFF}' | '\u{20D0}'..='\u{20FF}' | '\u{FE20}'..='\u{FE2F}')
}

/// ASCII replacement of a lowercase non-ASCII letter, when it has one: the one accent table
/// of essaim.
pub fn fold_char(c: char) -> Option<&'static str> {
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' | 'ª' => "a",
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => "c",
        'ď' | 'đ' | 'ð' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' | 'ᵉ' => "e",
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => "g",
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => "i",
        'ñ' | 'ń' | 'ņ' | 'ň' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' | 'º' => "o",
        'ŕ' | 'ř' | 'ʳ' => "r",
        'ś' | 'ŝ' | 'ş' | 'š' => "s",
        'ţ' | 'ť' => "t",
        'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => "u",
        'ý' | 'ÿ' | 'ŷ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        'ł' => "l",
        'œ' => "oe",
        'æ' => "ae",
        'ß' => "ss",
        'ᵐ' => "m",
        _ => return None,
    })
}

/// Lower-cases `c` and replaces an accented Latin letter by its ASCII letters (the table of
/// [`fold_char`]), pushing the result; every other character is pushed lower-cased as is.
/// Combining marks are not dropped here: callers that meet decomposed text skip them.
#[inline]
pub fn push_folded(out: &mut String, c: char) {
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
        return;
    }
    for l in c.to_lowercase() {
        match fold_char(l) {
            Some(s) => out.push_str(s),
            None => out.push(l),
        }
    }
}

/// The longest prefix of `s` of at most `max` bytes that ends on a char boundary.
pub fn clip(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while end > 0 && !s.is_char_boundary(end) {
        end -= 1;
    }
    s.get(..end).unwrap_or("")
}

/// Trims and folds every run of white space (including non-breaking spaces) into one space,
/// and drops control characters.
pub fn squeeze_spaces(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split(|c: char| c.is_whitespace() || c.is_control()) {
        if word.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// [`squeeze_spaces`], and no space after an opening bracket nor before a closing bracket or
/// a comma: how a value cut out of a sentence is tidied for display ("( 35 h )" -> "(35 h)").
pub fn tidy_spaces(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending = false;
    for c in s.chars() {
        if c.is_whitespace() || c.is_control() {
            pending = true;
            continue;
        }
        if pending && !out.is_empty() && !matches!(c, ',' | ')' | ']') && !out.ends_with(['(', '['])
        {
            out.push(' ');
        }
        pending = false;
        out.push(c);
    }
    out
}

/// Whether `words` hold one of `phrases` as consecutive words ("cdd", "d", "insertion" in
/// "un CDD d'insertion" folded and cut into words). An empty phrase says nothing.
pub fn says_any(words: &[&str], phrases: &[&[&str]]) -> bool {
    phrases
        .iter()
        .any(|p| !p.is_empty() && words.windows(p.len()).any(|w| w == *p))
}

/// Test inputs for the fast paths: `count` strings, each of 1 to `max` of `pieces` glued at
/// random (xorshift from `seed`, so runs repeat).
#[cfg(test)]
pub(crate) fn glued_pieces(pieces: &[&str], max: usize, count: usize, seed: u64) -> Vec<String> {
    let mut seed = seed.max(1);
    (0..count)
        .map(|_| {
            let mut text = String::new();
            for _ in 0..1 + (seed % max as u64) as usize {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                text.push_str(pieces[(seed % pieces.len() as u64) as usize]);
            }
            text
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrases_are_found_as_consecutive_words() {
        let words = ["un", "cdd", "d", "insertion", "de", "6", "mois"];
        assert!(says_any(&words, &[&["cdd", "d", "insertion"]]));
        assert!(!says_any(&words, &[&["cdd", "insertion"]]));
        assert!(!says_any(&words, &[&[]]));
        assert!(!says_any(&[], &[&["cdd"]]));
    }

    #[test]
    fn fold_cases() {
        for (raw, want) in [
            ("Île-de-France", "ile de france"),
            ("Saint-Étienne", "st etienne"),
            ("ST ETIENNE", "st etienne"),
            ("Ste-Foy-lès-Lyon", "st foy les lyon"),
            ("Sainte-Foy-lès-Lyon", "st foy les lyon"),
            ("Saintes", "saintes"),
            ("Provence-Alpes-Côte d'Azur", "provence alpes cote d azur"),
            ("L’Haÿ-les-Roses", "l hay les roses"),
            ("Œuilly", "oeuilly"),
            ("Lævus", "laevus"),
            ("  --Lyon  (69)-- ", "lyon 69"),
            ("Lyon 3ème", "lyon 3eme"),
            ("1ᵉʳ", "1er"),
            ("Saint-Denis", "st denis"),
            ("ÉCOLE", "ecole"),
            // Decomposed accents (NFD).
            ("E\u{301}cole", "ecole"),
            ("", ""),
            ("!!!", ""),
            ("Straße", "strasse"),
        ] {
            assert_eq!(fold(raw), want, "{raw:?}");
        }
    }

    #[test]
    fn spaces() {
        assert_eq!(squeeze_spaces("  Lyon\u{a0}\u{a0}( 69 )\n"), "Lyon ( 69 )");
        assert_eq!(
            tidy_spaces("  Lyon\u{a0}\u{a0}( 69 ) , Rh\u{f4}ne"),
            "Lyon (69), Rh\u{f4}ne"
        );
    }

    #[test]
    fn push_folded_keeps_other_characters() {
        let mut s = String::new();
        for c in "Intérim-Œuvre 35h".chars() {
            push_folded(&mut s, c);
        }
        assert_eq!(s, "interim-oeuvre 35h");
    }
}
