//! The country a raw place names at its end ("Opole, Polska", "Stuttgart, Deutschland",
//! "Genève, Suisse", "Bruxelles, Belgique"): French geography is not looked for in a place
//! abroad (Suisse is also a commune of Moselle), and the schema.org output says the country.

use crate::text::fold;

/// The ISO 3166 code of the country named by the last word(s) of `raw`, after at least one
/// other word (a lone "Suisse" or "Luxembourg" may be a French commune); None otherwise.
pub fn named_last(raw: &str) -> Option<&'static str> {
    // "Opole, PL": a comma, then a country's ISO code (as schema.org's addressCountry gives it).
    if let Some((head, code)) = raw.trim_end().rsplit_once(", ") {
        if !head.trim().is_empty()
            && code.len() == 2
            && code.bytes().all(|b| b.is_ascii_uppercase())
        {
            if let Some(known) = CODES.iter().find(|c| **c == code) {
                return Some(known);
            }
        }
    }
    let folded = fold(raw);
    let words: Vec<&str> = folded.split(' ').filter(|w| !w.is_empty()).collect();
    const COUNTRIES: &[(&str, &str)] = &[
        ("france", "FR"),
        ("polska", "PL"),
        ("pologne", "PL"),
        ("poland", "PL"),
        ("deutschland", "DE"),
        ("allemagne", "DE"),
        ("germany", "DE"),
        ("suisse", "CH"),
        ("schweiz", "CH"),
        ("svizzera", "CH"),
        ("switzerland", "CH"),
        ("belgique", "BE"),
        ("belgie", "BE"),
        ("belgium", "BE"),
        ("luxembourg", "LU"),
        ("espagne", "ES"),
        ("espana", "ES"),
        ("spain", "ES"),
        ("italie", "IT"),
        ("italia", "IT"),
        ("italy", "IT"),
        ("portugal", "PT"),
        ("autriche", "AT"),
        ("osterreich", "AT"),
        ("austria", "AT"),
        ("irlande", "IE"),
        ("ireland", "IE"),
        ("canada", "CA"),
        ("maroc", "MA"),
        ("morocco", "MA"),
        ("tunisie", "TN"),
        ("algerie", "DZ"),
        ("senegal", "SN"),
    ];
    const TWO_WORDS: &[(&str, &str, &str)] = &[
        ("pays", "bas", "NL"),
        ("royaume", "uni", "GB"),
        ("united", "kingdom", "GB"),
    ];
    let n = words.len();
    if n >= 3 {
        let (a, b) = (words[n - 2], words[n - 1]);
        if let Some((_, _, code)) = TWO_WORDS.iter().find(|(x, y, _)| *x == a && *y == b) {
            return Some(code);
        }
    }
    if n >= 2 {
        let last = words[n - 1];
        return COUNTRIES
            .iter()
            .find(|(name, _)| *name == last)
            .map(|(_, code)| *code);
    }
    None
}

/// The ISO codes `named_last` reads after a comma.
const CODES: &[&str] = &[
    "FR", "PL", "DE", "CH", "BE", "LU", "ES", "IT", "PT", "AT", "IE", "CA", "MA", "TN", "DZ", "SN",
    "NL", "GB",
];

/// True when `raw` ends with a country other than France.
pub fn is_abroad(raw: &str) -> bool {
    named_last(raw).is_some_and(|c| c != "FR")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn countries_named_last() {
        for (raw, want) in [
            ("Opole, Polska", Some("PL")),
            ("Stuttgart, Deutschland", Some("DE")),
            ("Genève, Suisse", Some("CH")),
            ("Bruxelles, Belgique", Some("BE")),
            ("Amsterdam, Pays-Bas", Some("NL")),
            ("Lyon, France", Some("FR")),
            ("Suisse", None),
            ("Suisse (57)", None),
            ("Luxembourg", None),
            ("Lyon (69)", None),
        ] {
            assert_eq!(named_last(raw), want, "{raw:?}");
        }
    }
}
