//! Job titles: gender markers ("H/F", "(e)", "·rice") removed and trailing segments that are
//! only contract words or a place ("- CDI", "- Lyon (69)") dropped; also the segment splitting
//! the title's commune is read with.

use super::contract::classify_contract;
use super::duration::contract_duration;
use super::working_time::parse_working_time;
use crate::text::lexer::{ProseTokens, STOPWORDS};
use crate::text::{push_folded, tidy_spaces};

fn skip_spaces(cs: &[char], mut j: usize) -> usize {
    while cs.get(j).is_some_and(|c| c.is_whitespace()) {
        j += 1;
    }
    j
}

/// Reads a gender letter group ("h", "f", "m", "x", "d", "w", "n", "nb") at `j`; returns its
/// tag and the index after it.
fn gender_letter(cs: &[char], j: usize) -> Option<(char, usize)> {
    let mut k = j;
    let mut s = [' '; 2];
    while let Some(c) = cs.get(k).filter(|c| c.is_alphabetic()) {
        if k - j >= 2 {
            return None;
        }
        s[k - j] = c.to_lowercase().next().unwrap_or(*c);
        k += 1;
    }
    let tag = match (k - j, s) {
        (1, [c @ ('h' | 'f' | 'm' | 'x' | 'd' | 'w' | 'n'), _]) => c,
        (2, ['n', 'b']) => 'n',
        _ => return None,
    };
    Some((tag, k))
}

/// Length in chars of a gender marker at `i` ("H/F", "(F/H)", "H / F", "F-H", "[H/F/X]").
fn gender_marker_len(cs: &[char], i: usize) -> Option<usize> {
    let (close, mut j) = match cs.get(i) {
        Some('(') => (Some(')'), i + 1),
        Some('[') => (Some(']'), i + 1),
        _ => (None, i),
    };
    if close.is_none() && i > 0 && cs.get(i - 1).is_some_and(|c| c.is_alphanumeric()) {
        return None;
    }
    j = skip_spaces(cs, j);
    let mut tags = [' '; 2];
    let mut count = 0;
    loop {
        let (tag, next) = gender_letter(cs, j)?;
        if count < 2 {
            tags[count] = tag;
        }
        count += 1;
        j = next;
        let k = skip_spaces(cs, j);
        if count < 5 && matches!(cs.get(k), Some('/' | '-' | '\\' | '–')) {
            let k2 = skip_spaces(cs, k + 1);
            if gender_letter(cs, k2).is_some() {
                j = k2;
                continue;
            }
        }
        break;
    }
    if count < 2 || !matches!(tags, ['h', 'f'] | ['f', 'h'] | ['m', 'f'] | ['f', 'm']) {
        return None;
    }
    if let Some(close) = close {
        let k = skip_spaces(cs, j);
        if cs.get(k) != Some(&close) {
            return None;
        }
        j = k + 1;
    } else if cs.get(j).is_some_and(|c| c.is_alphanumeric()) {
        return None;
    }
    Some(j - i)
}

const PAREN_SUFFIXES: &[&str] = &[
    "e", "es", "ne", "nes", "nne", "le", "lle", "ere", "eres", "euse", "euses", "trice", "trices",
    "rice", "ice", "ve", "ves", "se", "ses", "te", "fe", "ffe", "sse", "esse", "ette",
];
const DOT_SUFFIXES: &[&str] = &[
    "e", "es", "ne", "nes", "nne", "le", "ere", "euse", "trice", "rice", "ve", "se", "te", "ice",
    "fe", "ffe", "sse", "esse",
];
const DASH_SUFFIXES: &[&str] = &[
    "e", "ne", "nne", "ere", "euse", "trice", "rice", "ve", "ice", "fe", "ffe", "esse",
];

/// Reads up to 6 letters at `j`, folded; returns them and the index after, or `None` when the
/// run is longer or empty.
fn letter_run(cs: &[char], j: usize, lowercase_only: bool) -> Option<(String, usize)> {
    let mut s = String::new();
    let mut k = j;
    while let Some(&c) = cs.get(k).filter(|c| c.is_alphabetic()) {
        if k - j >= 6 || (lowercase_only && !c.is_lowercase()) {
            return None;
        }
        push_folded(&mut s, c);
        k += 1;
    }
    (!s.is_empty()).then_some((s, k))
}

/// Length of a feminine ending at `i` right after a letter ("(e)", "·e", ".e", "(trice)",
/// "·rice", "-trice", "/e"), and whether a plural "·s" followed it.
fn feminine_suffix_len(cs: &[char], i: usize) -> Option<(usize, bool)> {
    if i == 0 || !cs.get(i - 1).is_some_and(|c| c.is_alphabetic()) {
        return None;
    }
    let c = *cs.get(i)?;
    match c {
        '(' => {
            let (s, k) = letter_run(cs, i + 1, false)?;
            (cs.get(k) == Some(&')') && PAREN_SUFFIXES.contains(&s.as_str()))
                .then_some((k + 1 - i, false))
        }
        '·' | '•' | '∙' | '⋅' | '.' => {
            let (s, k) = letter_run(cs, i + 1, true)?;
            if !DOT_SUFFIXES.contains(&s.as_str()) {
                return None;
            }
            if cs.get(k) == Some(&c)
                && cs.get(k + 1) == Some(&'s')
                && !cs.get(k + 2).is_some_and(|c| c.is_alphanumeric())
            {
                return Some((k + 2 - i, true));
            }
            (!cs.get(k).is_some_and(|c| c.is_alphanumeric())).then_some((k - i, false))
        }
        '/' | '-' => {
            let (s, k) = letter_run(cs, i + 1, true)?;
            (DASH_SUFFIXES.contains(&s.as_str()) && !cs.get(k).is_some_and(|c| c.is_alphanumeric()))
                .then_some((k - i, false))
        }
        _ => None,
    }
}

pub(crate) fn strip_gender(raw: &str) -> String {
    let cs: Vec<char> = raw.chars().collect();
    let mut out = String::with_capacity(raw.len());
    let mut i = 0;
    while let Some(&c) = cs.get(i) {
        if let Some(n) = gender_marker_len(&cs, i) {
            out.push(' ');
            i += n;
            continue;
        }
        if let Some((n, plural)) = feminine_suffix_len(&cs, i) {
            if plural {
                out.push('s');
            }
            i += n;
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

fn trim_separators(s: &str) -> &str {
    s.trim_matches(|c: char| {
        c.is_whitespace() || matches!(c, '-' | '–' | '—' | '|' | ',' | ':' | ';' | '/' | '•' | '·')
    })
}

/// Words a trailing title segment may consist of to be dropped as contract noise. Words that
/// also name a field of work ("insertion", "bénévolat", "apprentissage") are left out.
const TITLE_NOISE_WORDS: &[&str] = &[
    "cdi",
    "cdd",
    "cddi",
    "cddu",
    "interim",
    "interimaire",
    "stage",
    "stagiaire",
    "alternance",
    "alternant",
    "alternante",
    "apprenti",
    "apprentie",
    "professionnalisation",
    "pro",
    "service",
    "civique",
    "vsi",
    "pec",
    "cui",
    "cae",
    "contrat",
    "contrats",
    "aide",
    "freelance",
    "independant",
    "saisonnier",
    "saisonniere",
    "temporary",
    "internship",
    "intern",
    "fixed",
    "term",
    "duree",
    "determinee",
    "indeterminee",
    "remplacement",
    "temps",
    "plein",
    "partiel",
    "complet",
    "non",
    "mi",
    "full",
    "time",
    "part",
    "h",
    "heures",
    "heure",
    "hebdo",
    "hebdomadaire",
    "hebdomadaires",
    "semaine",
    "semaines",
    "mois",
    "an",
    "ans",
    "annee",
    "jours",
    "etp",
    "poste",
    "renouvelable",
    "par",
];

fn is_contract_segment(seg: &str) -> bool {
    let lx = ProseTokens::new(seg);
    let words_ok = (0..lx.len()).all(|i| match lx.word(i) {
        Some(w) => STOPWORDS.contains(&w) || TITLE_NOISE_WORDS.contains(&w),
        None => true,
    });
    words_ok
        && (classify_contract(seg).is_some()
            || parse_working_time(seg).is_some_and(|w| w.kind.is_some())
            || contract_duration(seg).is_some())
}

/// Strips a trailing "(69)", "(2A)", "(974)" from a place.
fn without_department(seg: &str) -> Option<&str> {
    let inner_start = seg.strip_suffix(')')?.rfind('(')?;
    let inner = seg.get(inner_start + 1..seg.len() - 1)?;
    let ok = (2..=3).contains(&inner.len()) && inner.chars().all(|c| c.is_ascii_alphanumeric());
    ok.then(|| seg.get(..inner_start).unwrap_or("").trim_end())
}

fn is_noise(seg: &str, is_place: &dyn Fn(&str) -> bool) -> bool {
    let seg = trim_separators(seg);
    if seg.is_empty() {
        return true;
    }
    if is_place(seg) || without_department(seg).is_some_and(|p| !p.is_empty() && is_place(p)) {
        return true;
    }
    is_contract_segment(seg)
}

const SEGMENT_SEPARATORS: [&str; 5] = [" - ", " – ", " — ", " | ", " -- "];

/// Splits at the last segment separator ([`SEGMENT_SEPARATORS`]): (head, tail). Every
/// separator starts with a space and no two can start at the same byte, so the spaces are
/// tried from the right and the first that starts a separator is the last separator.
pub(crate) fn split_last_segment(s: &str) -> Option<(&str, &str)> {
    let bytes = s.as_bytes();
    let mut end = bytes.len();
    while let Some(p) = bytes.get(..end)?.iter().rposition(|&b| b == b' ') {
        let rest = s.get(p..)?;
        // A separator inside a parenthesis ("(38 - Grenoble)") does not end a segment.
        let inside = rest.matches(')').count() > rest.matches('(').count();
        if let Some(sep) = SEGMENT_SEPARATORS
            .iter()
            .find(|sep| !inside && rest.starts_with(**sep))
        {
            return Some((s.get(..p)?, s.get(p + sep.len()..)?));
        }
        end = p;
    }
    None
}

/// Drops a trailing "(...)" whose content is noise; returns the rest.
fn drop_trailing_paren<'a>(s: &'a str, is_place: &dyn Fn(&str) -> bool) -> Option<&'a str> {
    let body = s.strip_suffix(')')?;
    let open = body.rfind('(')?;
    let inner = body.get(open + 1..)?;
    let head = body.get(..open)?.trim_end();
    (head.chars().any(char::is_alphabetic) && is_noise(inner, is_place)).then_some(head)
}

/// Cleans a job title: removes gender markers ("H/F", "F/H", "(H/F)", "h/f", "H / F", "F-H",
/// "H/F/X", "(e)", "·e", ".e", "(trice)", "·rice") and trailing noise segments after " - ",
/// " – ", " | " (and a trailing parenthesis) that are only contract or working-time words
/// ("- CDI", "– CDD 6 mois", "- Temps partiel", "(CDI)") or a place according to `is_place`
/// ("- Lyon", "- Lyon (69)"; when `is_place` refuses "Lyon (69)" it is asked again about
/// "Lyon"). Whitespace is collapsed. When nothing but noise is left ("H/F - CDI - Lyon") the
/// original title, whitespace collapsed, is returned, so a title with letters never becomes
/// empty.
pub fn clean_title(raw: &str, is_place: &dyn Fn(&str) -> bool) -> String {
    let stripped = tidy_spaces(&strip_gender(raw));
    let mut cur = trim_separators(&stripped);
    for _ in 0..16 {
        if let Some((head, tail)) = split_last_segment(cur) {
            if is_noise(tail, is_place) {
                cur = trim_separators(head);
                continue;
            }
        }
        if let Some(head) = drop_trailing_paren(cur, is_place) {
            cur = trim_separators(head);
            continue;
        }
        break;
    }
    if split_last_segment(cur).is_none() && is_noise(cur, is_place) {
        cur = "";
    }
    if cur.chars().any(char::is_alphabetic) {
        cur.to_string()
    } else {
        tidy_spaces(raw)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn no_place(_: &str) -> bool {
        false
    }

    fn places(s: &str) -> bool {
        matches!(
            s,
            "Lyon" | "Paris" | "Marseille" | "Lyon 3e" | "Reims" | "Île-de-France" | "Télétravail"
        )
    }

    #[test]
    fn clean_title_table() {
        let cases: &[(&str, &str)] = &[
            (
                "Educateur spécialisé (H/F) - CDI - Lyon",
                "Educateur spécialisé",
            ),
            ("Educateur spécialisé H/F", "Educateur spécialisé"),
            ("Educateur spécialisé F/H", "Educateur spécialisé"),
            ("Educateur spécialisé (F/H)", "Educateur spécialisé"),
            ("Educateur spécialisé h/f", "Educateur spécialisé"),
            ("Educateur spécialisé H / F", "Educateur spécialisé"),
            ("Educateur spécialisé F-H", "Educateur spécialisé"),
            ("Educateur spécialisé H/F/X", "Educateur spécialisé"),
            ("Educateur spécialisé (H/F/X)", "Educateur spécialisé"),
            ("Educateur spécialisé [H/F]", "Educateur spécialisé"),
            ("Educateur spécialisé(H/F)", "Educateur spécialisé"),
            ("H/F Educateur spécialisé", "Educateur spécialisé"),
            ("Chargé(e) de mission", "Chargé de mission"),
            ("Chargé·e de mission", "Chargé de mission"),
            ("Chargé.e de mission", "Chargé de mission"),
            ("Chargé·e·s de mission", "Chargés de mission"),
            ("Animateur(trice) jeunesse", "Animateur jeunesse"),
            ("Animateur·rice jeunesse", "Animateur jeunesse"),
            ("Animateur-trice jeunesse", "Animateur jeunesse"),
            (
                "Technicien(ne) d'intervention sociale",
                "Technicien d'intervention sociale",
            ),
            ("Salarié(e)s polyvalent(e)s", "Salariés polyvalents"),
            ("Aide à domicile - CDI", "Aide à domicile"),
            ("Aide à domicile – CDD 6 mois", "Aide à domicile"),
            ("Aide à domicile - Temps partiel", "Aide à domicile"),
            ("Aide à domicile - 6 mois", "Aide à domicile"),
            ("Aide à domicile - 35h", "Aide à domicile"),
            ("Aide à domicile - Mi-temps", "Aide à domicile"),
            ("Aide à domicile - 2 postes", "Aide à domicile - 2 postes"),
            ("Aide à domicile | CDI temps plein", "Aide à domicile"),
            ("Aide à domicile - Lyon", "Aide à domicile"),
            ("Aide à domicile - Lyon (69)", "Aide à domicile"),
            ("Aide à domicile - CDI - Lyon (69)", "Aide à domicile"),
            ("Aide à domicile (CDI)", "Aide à domicile"),
            ("Aide à domicile H/F - Poste en CDI", "Aide à domicile"),
            (
                "Chargé de mission - Insertion",
                "Chargé de mission - Insertion",
            ),
            (
                "Conseiller en insertion professionnelle - CDD",
                "Conseiller en insertion professionnelle",
            ),
            ("Coordinateur - Foyer de vie", "Coordinateur - Foyer de vie"),
            ("Aide-soignant", "Aide-soignant"),
            ("Aide-soignant·e", "Aide-soignant"),
            ("Aide-soignant-e de nuit", "Aide-soignant de nuit"),
            ("Directeur / Directrice", "Directeur / Directrice"),
            ("  Educateur   spécialisé   ", "Educateur spécialisé"),
            ("Educateur\tspécialisé\n", "Educateur spécialisé"),
            ("Coordinateur \u{7} de projets", "Coordinateur de projets"),
            ("H/F - CDI - Lyon", "H/F - CDI - Lyon"),
            ("CDI", "CDI"),
            ("H/F", "H/F"),
            ("", ""),
            ("   ", ""),
            ("🚀 Animateur 🚀 (H/F)", "🚀 Animateur 🚀"),
            ("Responsable R&D M/F", "Responsable R&D"),
            ("Chef de projet HF", "Chef de projet HF"),
            (
                "Assistant(e) social(e) (H/F) - CDD - Paris",
                "Assistant social",
            ),
            ("Éducateur (H/F) - Lyon - CDI", "Éducateur"),
            ("Intervenant - Lyon 3e", "Intervenant"),
            // A separator inside a parenthesis does not cut it.
            (
                "Alternance - webmarketing specialist - Bac+4/5 - (38 - Grenoble) - H/F",
                "Alternance - webmarketing specialist - Bac+4/5 - (38 - Grenoble)",
            ),
            ("Animateur - (Paris - Lyon)", "Animateur - (Paris - Lyon)"),
        ];
        for (raw, want) in cases {
            assert_eq!(clean_title(raw, &places), *want, "{raw:?}");
        }
        assert_eq!(
            clean_title("Animateur - Lyon", &no_place),
            "Animateur - Lyon"
        );
        let long = format!("{} H/F - CDI", "Animateur ".repeat(5000));
        assert_eq!(
            clean_title(&long, &no_place),
            "Animateur ".repeat(5000).trim_end()
        );
    }
}
