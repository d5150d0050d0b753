//! Whether a text speaks of the job's own remote work ("télétravail", "full remote", "100 % à
//! distance", "2 jours en distanciel"), negations ("pas de télétravail", "télétravail : non")
//! and wording about the tasks ("formation à distance") excluded; and the cheap scan for the
//! remote words' cores that lets most texts skip folding. `normalise::remote` reads how much
//! remote work a text grants once these say it speaks of it.

use crate::text::fold;

/// True when the text says the job is remote: "télétravail", "teletravail", "full remote", "100% à distance", "remote".
pub fn is_remote(raw: &str) -> bool {
    // Most texts (whole descriptions included) say nothing of remote work: a cheap scan for
    // the words' cores avoids folding them.
    if !mentions_remote_core(crate::text::clip(raw, 4096)) {
        return false;
    }
    let folded = fold(crate::text::clip(raw, 4096));
    let toks: Vec<&str> = folded.split(' ').filter(|t| !t.is_empty()).collect();
    for (i, &t) in toks.iter().enumerate() {
        let next = toks.get(i + 1).copied().unwrap_or("");
        let one = t.starts_with("teletravail")
            || matches!(t, "remote" | "distanciel" | "telework" | "teleworking");
        let two = (t == "tele" && next.starts_with("travail"))
            || (t == "a" && next == "distance")
            || (t == "home" && next == "office");
        let (hit, len) = (one || two, if two { 2 } else { 1 });
        if !hit {
            continue;
        }
        // "À distance" and "en distanciel" say how the job is done only after a word about
        // the work itself ("travail à distance", "2 jours en distanciel", "poste 100 % à
        // distance"); "formation à distance", "support clients à distance" or "sur place ou
        // à distance" describe the tasks. A field that starts with them ("À distance") is
        // about the job.
        if (t == "a" || t == "distanciel")
            && i > 0
            && !about_the_work(&toks[i.saturating_sub(3)..i])
        {
            continue;
        }
        let negated_before = (1..=2).any(|k| {
            i.checked_sub(k)
                .and_then(|j| toks.get(j))
                .is_some_and(|p| matches!(*p, "pas" | "sans" | "aucun" | "non" | "no" | "ni"))
        });
        let after = toks.get(i + len).copied().unwrap_or("");
        let negated_after = matches!(after, "non" | "impossible" | "exclu" | "interdit");
        if !negated_before && !negated_after {
            return true;
        }
    }
    false
}

/// Whether the (folded) words before "à distance" / "distanciel" are about the work's own
/// arrangement.
fn about_the_work(before: &[&str]) -> bool {
    before.iter().any(|w| {
        w.starts_with("travail")
            || matches!(
                *w,
                "poste"
                    | "jour"
                    | "jours"
                    | "100"
                    | "partiellement"
                    | "totalement"
                    | "entierement"
                    | "partie"
                    | "possible"
                    | "possibilite"
                    | "exerce"
                    | "exercer"
                    | "semaine"
                    | "hybride"
            )
    })
}

/// Whether `text`, ASCII-lowercased, contains one of the cores of the remote-work words:
/// "letravail", "létravail", "lÉtravail", "le-travail", "lé-travail", "lÉ-travail", "tele
/// travail", "télé travail", "tÉlÉ travail", "remote", "distanc" (also in "distanciel"),
/// "telework" (also in "teleworking"), "home office", "home-office". One pass over the bytes,
/// without a lowercase copy: each core is looked for around its first "t" (or the "h" of
/// "home").
pub(crate) fn mentions_remote_core(text: &str) -> bool {
    const TRAVAIL_PREFIXES: [&str; 9] = [
        "le", "lé", "lÉ", "le-", "lé-", "lÉ-", "tele ", "télé ", "tÉlÉ ",
    ];
    let b = text.as_bytes();
    // `word` is ASCII-lowercase or non-ASCII: comparing it ignoring ASCII case is comparing it
    // with the ASCII-lowercased text.
    let at = |i: usize, word: &str| {
        b.get(i..i + word.len())
            .is_some_and(|s| s.eq_ignore_ascii_case(word.as_bytes()))
    };
    // Every core holds a "t" ("travail", "remote", "distanc", "telework") or starts with "h"
    // ("home"): only those letters are looked at, found with a table lookup per byte.
    const ANCHORS: [bool; 256] = {
        let mut table = [false; 256];
        table[b't' as usize] = true;
        table[b'T' as usize] = true;
        table[b'h' as usize] = true;
        table[b'H' as usize] = true;
        table
    };
    let mut from = 0;
    while let Some(found) = b
        .get(from..)
        .and_then(|rest| rest.iter().position(|&c| ANCHORS[usize::from(c)]))
    {
        let i = from + found;
        from = i + 1;
        let hit = match b[i] | 0x20 {
            b't' => {
                (at(i, "travail")
                    && TRAVAIL_PREFIXES
                        .iter()
                        .any(|p| i.checked_sub(p.len()).is_some_and(|j| at(j, p))))
                    || at(i, "telework")
                    || i.checked_sub(4).is_some_and(|j| at(j, "remote"))
                    || i.checked_sub(3).is_some_and(|j| at(j, "distanc"))
            }
            _ => at(i, "home office") || at(i, "home-office"),
        };
        if hit {
            return true;
        }
    }
    false
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn remote_core_scan_agrees_with_the_lowercase_search() {
        const CORES: [&str; 16] = [
            "letravail",
            "létravail",
            "lÉtravail",
            "le-travail",
            "lé-travail",
            "lÉ-travail",
            "tele travail",
            "télé travail",
            "tÉlÉ travail",
            "remote",
            "distanc",
            "telework",
            "home office",
            "home-office",
            "teleworking",
            "distanciel",
        ];
        let slow = |t: &str| {
            let lower = t.to_ascii_lowercase();
            CORES.iter().any(|c| lower.contains(c))
        };
        const PIECES: [&str; 24] = [
            "Télétravail",
            "TELETRAVAIL",
            "télé travail",
            "TÉLÉ TRAVAIL",
            "tÉlÉ travail",
            "Temps de travail",
            "le-travail",
            "LÉ-TRAVAIL",
            "Remote",
            "REMOTE",
            "à distance",
            "DISTANCIEL",
            "Home Office",
            "home-office",
            "homeoffice",
            "Telework",
            "tele",
            "travail",
            " ",
            "é",
            "le",
            "t",
            "remot",
            "distan",
        ];
        for t in crate::text::glued_pieces(&PIECES, 6, 20_000, 0x1234_5678_9abc_def1) {
            assert_eq!(mentions_remote_core(&t), slow(&t), "{t:?}");
        }
        let long = format!("{}télétravail", "x".repeat(4090));
        assert_eq!(is_remote(&long), slow(crate::text::clip(&long, 4096)));
    }

    #[test]
    fn is_remote_cases() {
        for (raw, want) in [
            ("Télétravail", true),
            ("teletravail possible", true),
            ("Télétravail possible - Nantes", true),
            ("TÉLÉ-TRAVAIL", true),
            ("Full remote", true),
            ("remote", true),
            ("100% à distance", true),
            ("Poste en distanciel", true),
            ("À distance", true),
            ("Travail à distance 2 jours par semaine", true),
            ("Possibilité de travailler en partie à distance", true),
            ("Vous animez des sessions de formation à distance.", false),
            ("Support clients à distance et sur site", false),
            (
                "Installation et prise de contrôle à distance des postes",
                false,
            ),
            (
                "Vous soutenez les bénévoles (sur place ou à distance).",
                false,
            ),
            ("Formation en distanciel puis stage", false),
            ("Lyon (69)", false),
            ("", false),
            ("Pas de télétravail", false),
            ("Télétravail : non", false),
            ("Sans télétravail", false),
            ("Distance de Lyon : 20 km", false),
            ("Remoteville", false),
        ] {
            assert_eq!(is_remote(raw), want, "{raw:?}");
        }
    }

    #[test]
    fn never_panics() {
        let samples = [
            "é",
            "\u{0}",
            "🙂 Lyon",
            "(((",
            "2a",
            "2A004",
            "Paris 0",
            "Paris 99e",
            "Lyon 10e",
            "Marseille 17",
            "99999",
            "20500",
            "98735",
            "97500 Saint-Pierre",
            "a b c d e f g h i j",
            "𝔏𝔶𝔬𝔫",
            "İstanbul",
            "\u{301}\u{301}",
            "Paris\u{a0}15e",
            "Lyon–3e",
            "Lyon—Paris",
        ];
        for s in samples {
            let _ = is_remote(s);
        }
        let long = "Saint-Étienne-de-Saint-Geoirs (38) ".repeat(200);
        let _ = is_remote(&long);
    }
}
