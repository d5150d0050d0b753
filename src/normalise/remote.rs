//! How much of the job can be done remotely (none, partial, full): read from a partner's
//! structured field first (`Pas_teletravail`, `Occasionnel`, `Total`, schema.org
//! `TELECOMMUTE`), then from what the place, title or description say about the job's own
//! arrangement (`telework::is_remote` says whether they speak of remote work at all; the words
//! around it say how much). Also reads the `remote: true/false` of offers stored before the
//! three levels existed.

use crate::model::Remote;

/// What a structured remote field says: `Some(level)`, or `Some(None)` wrapped as
/// [`Field::Yes`] when it only says "yes" without how much.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Level(Remote),
    /// "true", "oui", "1": remote work, extent not stated.
    Yes,
}

/// Reads a partner's structured remote value ("Pas_teletravail", "Occasionnel", "Partiel",
/// "Total", "TELECOMMUTE", "true", "2 jours par semaine"...). None when it says nothing
/// readable.
pub fn from_field(value: &str) -> Option<Field> {
    let folded = crate::text::fold(value);
    let f = folded.as_str();
    if f.is_empty() {
        return None;
    }
    match f {
        "true" | "yes" | "oui" | "1" | "y" | "o" => return Some(Field::Yes),
        "false"
        | "no"
        | "non"
        | "0"
        | "n"
        | "none"
        | "aucun"
        | "aucune"
        | "jamais"
        | "pas teletravail"
        | "pas de teletravail"
        | "sans teletravail"
        | "sur site"
        | "on site"
        | "onsite"
        | "presentiel"
        | "en presentiel"
        | "non teletravaillable"
        | "teletravail non"
        | "teletravail impossible"
        | "no remote"
        | "not remote"
        | "office"
        | "in office" => return Some(Field::Level(Remote::None)),
        "telecommute"
        | "total"
        | "totale"
        | "full"
        | "full remote"
        | "fully remote"
        | "remote only"
        | "100"
        | "100 remote"
        | "100 teletravail"
        | "teletravail total"
        | "teletravail complet"
        | "complet"
        | "integral"
        | "teletravail integral" => return Some(Field::Level(Remote::Full)),
        "occasionnel"
        | "occasionnelle"
        | "partiel"
        | "partielle"
        | "partial"
        | "hybride"
        | "hybrid"
        | "regulier"
        | "frequent"
        | "ponctuel"
        | "possible"
        | "partiellement"
        | "teletravail partiel"
        | "teletravail occasionnel"
        | "teletravail possible"
        | "teletravail regulier"
        | "teletravail hybride" => return Some(Field::Level(Remote::Partial)),
        _ => {}
    }
    // Free text in a structured field: "Télétravail 2 jours par semaine", "100 % à distance".
    // A field about remote work is about the job's arrangement, whatever word precedes.
    let words: Vec<&str> = f.split(' ').collect();
    if let Some(level) = from_words(&words) {
        return Some(Field::Level(level));
    }
    if words.contains(&"jours") || words.contains(&"jour") {
        return Some(Field::Level(Remote::Partial));
    }
    None
}

/// What a text (a place, a title, a description) says of the job's remote work: `Some(None)`
/// for "pas de télétravail", `Some(Full)` for "100 % télétravail" or "full remote",
/// `Some(Partial)` for any other mention of the job's own remote work ("télétravail possible",
/// "2 jours de télétravail par semaine"), None when it says nothing about it.
///
/// A text that is nothing but the remote word ("Télétravail", "À distance", "Remote" as the
/// place) says the job's place is remote: full.
pub fn from_text(text: &str) -> Option<Remote> {
    if !mentions_remote(text) {
        return None;
    }
    let clipped = crate::text::clip(text, 4096);
    let folded = crate::text::fold(clipped);
    let words: Vec<&str> = folded.split(' ').filter(|w| !w.is_empty()).collect();
    if super::telework::is_remote(clipped) {
        if words
            .iter()
            .all(|w| is_remote_word(w) || *w == "a" || *w == "en")
        {
            return Some(Remote::Full);
        }
        return Some(match from_words(&words) {
            Some(Remote::Full) => Remote::Full,
            _ => Remote::Partial,
        });
    }
    negated(&words).then_some(Remote::None)
}

/// The level of remote work the words around a remote word state: full when a word of
/// totality is within three words of it, partial when a word of part is, none when negated.
fn from_words(words: &[&str]) -> Option<Remote> {
    if negated(words) {
        return Some(Remote::None);
    }
    let mut found = None;
    for (i, w) in words.iter().enumerate() {
        if !is_remote_word(w) {
            continue;
        }
        let near = &words[i.saturating_sub(3)..(i + 4).min(words.len())];
        // "100" only right before the remote word ("100 % télétravail", "100 % à distance",
        // "100 % en télétravail"): elsewhere it is a figure of something else ("2 100 €").
        let before = |k: usize| i.checked_sub(k).and_then(|j| words.get(j)).copied();
        let hundred = before(1) == Some("100")
            || (before(2) == Some("100") && matches!(before(1), Some("a" | "en" | "de")));
        let full = hundred
            || near.iter().enumerate().any(|(k, n)| {
                matches!(
                    *n,
                    "total"
                        | "totale"
                        | "totalement"
                        | "entierement"
                        | "complet"
                        | "complete"
                        | "integral"
                        | "integralement"
                        | "full"
                        | "fully"
                        | "only"
                        | "exclusivement"
                ) || (*n == "temps" && near.get(k + 1) == Some(&"plein"))
            });
        if full {
            return Some(Remote::Full);
        }
        found = Some(Remote::Partial);
    }
    found
}

/// "pas de télétravail", "télétravail : non", "sans télétravail", "aucun télétravail", "no
/// remote".
fn negated(words: &[&str]) -> bool {
    words.iter().enumerate().any(|(i, w)| {
        if !is_remote_word(w) {
            return false;
        }
        let before = |k: usize| i.checked_sub(k).and_then(|j| words.get(j)).copied();
        let neg = |w: Option<&str>| {
            matches!(
                w,
                Some("pas" | "sans" | "aucun" | "aucune" | "non" | "no" | "not" | "ni")
            )
        };
        neg(before(1))
            || (neg(before(2)) && matches!(before(1), Some("de" | "d")))
            || matches!(
                words.get(i + 1).copied(),
                Some("non" | "impossible" | "exclu" | "interdit" | "no")
            )
    })
}

fn is_remote_word(w: &str) -> bool {
    w.starts_with("teletravail")
        || matches!(
            w,
            "remote" | "distance" | "distanciel" | "telework" | "teleworking" | "telecommute"
        )
}

/// A cheap test, before folding, for the remote words' cores in any case (the scan
/// `telework::is_remote` starts with).
fn mentions_remote(text: &str) -> bool {
    super::telework::mentions_remote_core(crate::text::clip(text, 4096))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn structured_values() {
        for (raw, want) in [
            ("Pas_teletravail", Some(Field::Level(Remote::None))),
            ("Occasionnel", Some(Field::Level(Remote::Partial))),
            ("Partiel", Some(Field::Level(Remote::Partial))),
            ("hybride", Some(Field::Level(Remote::Partial))),
            ("2 jours par semaine", Some(Field::Level(Remote::Partial))),
            ("Total", Some(Field::Level(Remote::Full))),
            ("Full remote", Some(Field::Level(Remote::Full))),
            ("100 %", Some(Field::Level(Remote::Full))),
            ("TELECOMMUTE", Some(Field::Level(Remote::Full))),
            ("true", Some(Field::Yes)),
            ("false", Some(Field::Level(Remote::None))),
            ("Lyon", None),
            ("", None),
        ] {
            assert_eq!(from_field(raw), want, "{raw:?}");
        }
    }

    #[test]
    fn stored_offers_old_and_new_read_back() {
        use crate::model::Location;
        for (json, want) in [
            (r#"{"raw":"Lyon","remote":true}"#, Some(Remote::Partial)),
            (r#"{"raw":"Lyon","remote":false}"#, None),
            (r#"{"raw":"Lyon","remote":null}"#, None),
            (r#"{"raw":"Lyon"}"#, None),
            (r#"{"raw":"Lyon","remote":"full"}"#, Some(Remote::Full)),
            (r#"{"raw":"Lyon","remote":"none"}"#, Some(Remote::None)),
        ] {
            let l: Location = serde_json::from_str(json).unwrap();
            assert_eq!(l.remote, want, "{json}");
            let again: Location =
                serde_json::from_str(&serde_json::to_string(&l).unwrap()).unwrap();
            assert_eq!(again, l);
        }
        let unknown = serde_json::to_value(Location::default()).unwrap();
        assert!(unknown.get("remote").is_none(), "{unknown}");
        assert!(serde_json::from_str::<Location>(r#"{"remote":"sometimes"}"#).is_err());
    }

    #[test]
    fn texts() {
        for (raw, want) in [
            ("Télétravail", Some(Remote::Full)),
            ("À distance", Some(Remote::Full)),
            ("Télétravail possible - Nantes", Some(Remote::Partial)),
            (
                "Télétravail 2 jours par semaine après la période d'essai.",
                Some(Remote::Partial),
            ),
            ("Poste 100 % en télétravail.", Some(Remote::Full)),
            (
                "Poste en full remote, réunions mensuelles à Paris.",
                Some(Remote::Full),
            ),
            ("Travail entièrement à distance.", Some(Remote::Full)),
            ("Pas de télétravail sur ce poste.", Some(Remote::None)),
            (
                "Salaire : 2 100 € brut mensuel. Télétravail possible un jour par semaine.",
                Some(Remote::Partial),
            ),
            ("Télétravail : non", Some(Remote::None)),
            ("Vous animez des sessions de formation à distance.", None),
            ("Lyon (69)", None),
        ] {
            assert_eq!(from_text(raw), want, "{raw:?}");
        }
    }
}
