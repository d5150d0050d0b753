//! Salary figures as written ("1 900 € brut mensuel", "28-32 k€ annuel", "11,88 € brut de
//! l'heure"): minimum, maximum, period, currency, gross or net. Numbers that refer to a grid
//! ("CCN 66", "indice 400"), hours, durations, percentages and dates are not amounts; a
//! salary written as a single figure has `min == max`.

use crate::model::{Salary, SalaryPeriod};
use crate::text::lexer::{Kind, ProseTokens, STOPWORDS};

const MONTHS: &[&str] = &[
    "janvier",
    "janv",
    "fevrier",
    "fevr",
    "fev",
    "mars",
    "avril",
    "avr",
    "mai",
    "juin",
    "juillet",
    "juil",
    "aout",
    "septembre",
    "sept",
    "octobre",
    "oct",
    "novembre",
    "nov",
    "decembre",
    "dec",
];

/// Words after which a number is a reference to a grid, not an amount ("CCN 66", "indice 400").
const SALARY_TRIGGERS: &[&str] = &[
    "ccn",
    "cc",
    "convention",
    "conventionnel",
    "conventionnelle",
    "collective",
    "nationale",
    "idcc",
    "indice",
    "indices",
    "coefficient",
    "coeff",
    "coef",
    "echelon",
    "niveau",
    "groupe",
    "categorie",
    "classe",
    "position",
    "annexe",
    "article",
    "art",
    "avenant",
    "pesee",
    "grille",
    "bac",
];

/// Words after which a number is not an amount ("35 h", "2 ans", "13e mois", "10 %").
const SALARY_REJECT_AFTER: &[&str] = &[
    "an",
    "ans",
    "annee",
    "annees",
    "mois",
    "semaine",
    "semaines",
    "sem",
    "jour",
    "jours",
    "j",
    "h",
    "heure",
    "heures",
    "hr",
    "hrs",
    "etp",
    "e",
    "eme",
    "er",
    "ere",
    "ieme",
    "points",
    "point",
    "pts",
    "pt",
    "personnes",
    "salaries",
    "places",
    "postes",
    "enfants",
    "km",
    "kms",
    "min",
    "minutes",
];

const K_WORDS: &[&str] = &["k", "ke", "keur", "keuro", "keuros", "mille"];

/// Length of the chain of numbers joined by `sep` without spaces that contains token `i`.
fn chain_len(lx: &ProseTokens, i: usize, sep: char) -> usize {
    let mut n = 1;
    let mut j = i;
    while j >= 2
        && lx.sym(j - 1) == Some(sep)
        && !lx.space_before(j - 1)
        && !lx.space_before(j)
        && lx.num(j - 2).is_some()
    {
        n += 1;
        j -= 2;
    }
    let mut j = i;
    while lx.sym(j + 1) == Some(sep)
        && !lx.space_before(j + 1)
        && !lx.space_before(j + 2)
        && lx.num(j + 2).is_some()
    {
        n += 1;
        j += 2;
    }
    n
}

/// If token `i` is a salary figure: (value with k applied, k written, index after it).
fn salary_candidate(lx: &ProseTokens, i: usize) -> Option<(f64, bool, usize)> {
    let v = lx.num(i)?;
    if v <= 0.0 {
        return None;
    }
    if chain_len(lx, i, '/') >= 2 || chain_len(lx, i, '.') >= 2 || chain_len(lx, i, '-') >= 3 {
        return None;
    }
    if i > 0 && lx.sym(i - 1) == Some('+') {
        return None;
    }
    if lx.sym(i + 1) == Some('%') {
        return None;
    }
    let mut k = false;
    let mut next = i + 1;
    if let Some(w) = lx.word(i + 1) {
        if K_WORDS.contains(&w) {
            k = true;
            next = i + 2;
        } else if SALARY_REJECT_AFTER.contains(&w) || MONTHS.contains(&w) {
            return None;
        }
    }
    if i > 0 && lx.word(i - 1).is_some_and(|w| MONTHS.contains(&w)) {
        return None;
    }
    // Walk back over up to three words: a grid word there makes this a grid reference.
    let mut j = i;
    let mut seen = 0;
    while j > 0 && seen < 3 {
        j -= 1;
        match lx.kind(j) {
            Some(Kind::Word) => {
                let w = lx.word_or_empty(j);
                if SALARY_TRIGGERS.contains(&w) {
                    return None;
                }
                if !(STOPWORDS.contains(&w) || matches!(w, "n" | "no" | "numero" | "selon")) {
                    seen += 1;
                }
            }
            Some(Kind::Sym('°' | '.' | '\'' | 'º')) => {}
            _ => break,
        }
    }
    let value = if k { v * 1000.0 } else { v };
    (value < 10_000_000.0).then_some((value, k, next))
}

fn salary_period(lx: &ProseTokens) -> Option<SalaryPeriod> {
    for j in 0..lx.len() {
        let Some(w) = lx.word(j) else { continue };
        let after_num = j > 0 && lx.num(j - 1).is_some();
        let after_ordinal = j >= 2
            && lx.num(j - 2).is_some()
            && matches!(lx.word(j - 1), Some("e" | "eme" | "ieme" | "er"));
        let after_slash = j > 0 && lx.sym(j - 1) == Some('/');
        let unit_ok = !after_num && !after_ordinal;
        let p = match w {
            "mensuel" | "mensuelle" | "mensuels" | "mensuelles" | "mensualise" | "monthly" => {
                SalaryPeriod::Month
            }
            "mois" | "month" if unit_ok => SalaryPeriod::Month,
            "annuel" | "annuelle" | "annuels" | "annuelles" | "yearly" | "annual" | "annum" => {
                SalaryPeriod::Year
            }
            "an" | "annee" | "year" if unit_ok => SalaryPeriod::Year,
            "horaire" | "hourly" => SalaryPeriod::Hour,
            "heure" | "hour" | "hr" if unit_ok => SalaryPeriod::Hour,
            "h" if after_slash => SalaryPeriod::Hour,
            "journalier" | "journaliere" | "daily" => SalaryPeriod::Day,
            "jour" | "day" | "journee" if unit_ok => SalaryPeriod::Day,
            "j" if after_slash => SalaryPeriod::Day,
            _ => continue,
        };
        return Some(p);
    }
    None
}

/// Salary figures: "1 900 € brut mensuel", "1900€", "Mensuel de 1600,00 Euros à 1800,00 Euros",
/// "Annuel de 28000 Euros", "28-32 k€ annuel", "28 à 32 K€ brut/an", "entre 2 000 et 2 300 €
/// bruts par mois", "11,88 € brut de l'heure", "Horaire de 11.88 Euros", "25 000 € / an",
/// "1 800,50 € net", "30K". A single figure gives `min == max` ("à partir de 1900 €" gives only
/// `min`, "jusqu'à 2000 €" only `max`). The period comes from the words (mensuel, par mois,
/// /mois, annuel, /an, horaire, de l'heure, /h...) or else from the magnitude: below 100 per
/// hour, 1000 to 10000 per month, 15000 and more per year (k€ means thousands), otherwise
/// unknown. Numbers that refer to a grid ("CCN 66", "indice 400", "coefficient 434"), hours,
/// durations, percentages and dates are not amounts; `None` when no amount is written ("selon
/// CCN 66", "selon profil", "à négocier", "SMIC").
pub fn parse_salary(raw: &str) -> Option<Salary> {
    let lx = ProseTokens::new(raw);
    let n = lx.len();
    let (i1, mut v1, k1, after1) =
        (0..n).find_map(|i| salary_candidate(&lx, i).map(|(v, k, a)| (i, v, k, a)))?;
    let mut second: Option<(f64, bool)> = None;
    let mut j = after1;
    let mut connector = false;
    while j < n && j < after1 + 8 {
        match lx.kind(j) {
            Some(Kind::Sym('€' | '$' | '£' | '\'')) => {}
            Some(Kind::Sym('-')) if !connector => connector = true,
            Some(Kind::Word) => {
                let w = lx.word_or_empty(j);
                if !connector && matches!(w, "a" | "au" | "et" | "to") {
                    connector = true;
                } else if !(matches!(
                    w,
                    "euros"
                        | "euro"
                        | "eur"
                        | "brut"
                        | "bruts"
                        | "brute"
                        | "net"
                        | "nets"
                        | "jusqu"
                        | "usd"
                        | "dollars"
                ) || K_WORDS.contains(&w))
                {
                    break;
                }
            }
            Some(Kind::Num) => {
                if connector {
                    second = salary_candidate(&lx, j).map(|(v, k, _)| (v, k));
                }
                break;
            }
            _ => break,
        }
        j += 1;
    }
    let (mut min, mut max) = (Some(v1), Some(v1));
    if let Some((mut v2, k2)) = second {
        if k2 && !k1 && v1 < 1000.0 {
            v1 *= 1000.0;
        }
        if k1 && !k2 && v2 < 1000.0 {
            v2 *= 1000.0;
        }
        // "entre 28 et 32 000 €"
        if v1 < 1000.0 && v2 >= 10_000.0 && v1 * 1000.0 <= v2 * 2.0 && v1 * 1000.0 >= v2 / 2.0 {
            v1 *= 1000.0;
        }
        let (lo, hi) = if v1 <= v2 { (v1, v2) } else { (v2, v1) };
        min = Some(lo);
        max = Some(hi);
    } else {
        let before = |words: &[&str]| {
            (i1.saturating_sub(4)..i1).any(|k| lx.word(k).is_some_and(|w| words.contains(&w)))
        };
        let after = |words: &[&str]| {
            (after1..after1 + 4).any(|k| lx.word(k).is_some_and(|w| words.contains(&w)))
        };
        if before(&["partir", "minimum", "min", "plancher", "minimal", "from"])
            || after(&["minimum", "min"])
        {
            max = None;
        } else if before(&["jusqu", "maximum", "max", "plafond", "maximal"])
            || after(&["maximum", "max"])
        {
            min = None;
        }
    }
    let magnitude = min.or(max).unwrap_or(0.0);
    let period = salary_period(&lx).or(if magnitude < 100.0 {
        Some(SalaryPeriod::Hour)
    } else if (1000.0..10_000.0).contains(&magnitude) {
        Some(SalaryPeriod::Month)
    } else if magnitude >= 15_000.0 {
        Some(SalaryPeriod::Year)
    } else {
        None
    });
    let mut gross = None;
    let mut euro = false;
    let mut other = None;
    for t in 0..n {
        match (lx.word(t), lx.sym(t)) {
            (Some("brut" | "bruts" | "brute" | "brutes" | "gross"), _) if gross.is_none() => {
                gross = Some(true)
            }
            (Some("net" | "nets" | "nette" | "nettes"), _) if gross.is_none() => {
                gross = Some(false)
            }
            (Some("euro" | "euros" | "eur" | "keur" | "keuros"), _) | (_, Some('€')) => {
                euro = true
            }
            (Some("usd" | "dollar" | "dollars"), _) | (_, Some('$')) => {
                other = other.or(Some("USD"))
            }
            (Some("gbp"), _) | (_, Some('£')) => other = other.or(Some("GBP")),
            (Some("chf"), _) => other = other.or(Some("CHF")),
            (Some("xpf" | "cfp"), _) => other = other.or(Some("XPF")),
            _ => {}
        }
    }
    let currency = if euro { "EUR" } else { other.unwrap_or("EUR") };
    Some(Salary {
        min,
        max,
        currency: currency.to_string(),
        period,
        gross,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn sal(
        min: Option<f64>,
        max: Option<f64>,
        period: Option<SalaryPeriod>,
        gross: Option<bool>,
    ) -> Option<Salary> {
        Some(Salary {
            min,
            max,
            currency: "EUR".to_string(),
            period,
            gross,
        })
    }

    #[test]
    fn salary_table() {
        use SalaryPeriod::{Day as D, Hour as H, Month as M, Year as Y};
        let s = |v: f64| Some(v);
        let cases: Vec<(&str, Option<Salary>)> = vec![
            (
                "1 900 € brut mensuel",
                sal(s(1900.0), s(1900.0), Some(M), Some(true)),
            ),
            ("1900€", sal(s(1900.0), s(1900.0), Some(M), None)),
            (
                "Mensuel de 1600,00 Euros à 1800,00 Euros",
                sal(s(1600.0), s(1800.0), Some(M), None),
            ),
            (
                "Mensuel de 1600,00 Euros à 1800,00 Euros sur 12 mois",
                sal(s(1600.0), s(1800.0), Some(M), None),
            ),
            (
                "Annuel de 28000 Euros",
                sal(s(28000.0), s(28000.0), Some(Y), None),
            ),
            (
                "Annuel de 28000,00 Euros à 32000,00 Euros sur 13 mois",
                sal(s(28000.0), s(32000.0), Some(Y), None),
            ),
            (
                "28-32 k€ annuel",
                sal(s(28000.0), s(32000.0), Some(Y), None),
            ),
            (
                "28 à 32 K€ brut/an",
                sal(s(28000.0), s(32000.0), Some(Y), Some(true)),
            ),
            ("28k€ - 32k€", sal(s(28000.0), s(32000.0), Some(Y), None)),
            (
                "entre 2 000 et 2 300 € bruts par mois",
                sal(s(2000.0), s(2300.0), Some(M), Some(true)),
            ),
            (
                "Entre 28 et 32 000 € par an",
                sal(s(28000.0), s(32000.0), Some(Y), None),
            ),
            (
                "11,88 € brut de l'heure",
                sal(s(11.88), s(11.88), Some(H), Some(true)),
            ),
            (
                "Horaire de 11.88 Euros",
                sal(s(11.88), s(11.88), Some(H), None),
            ),
            ("12 €/h", sal(s(12.0), s(12.0), Some(H), None)),
            ("25 000 € / an", sal(s(25000.0), s(25000.0), Some(Y), None)),
            (
                "1 800,50 € net",
                sal(s(1800.5), s(1800.5), Some(M), Some(false)),
            ),
            ("30K", sal(s(30000.0), s(30000.0), Some(Y), None)),
            ("30 k€", sal(s(30000.0), s(30000.0), Some(Y), None)),
            (
                "1\u{a0}900\u{a0}€ brut",
                sal(s(1900.0), s(1900.0), Some(M), Some(true)),
            ),
            ("1\u{202f}900 €", sal(s(1900.0), s(1900.0), Some(M), None)),
            (
                "2 000 € - 2 300 €",
                sal(s(2000.0), s(2300.0), Some(M), None),
            ),
            ("2000-2300€", sal(s(2000.0), s(2300.0), Some(M), None)),
            ("2300 à 2000 €", sal(s(2000.0), s(2300.0), Some(M), None)),
            ("1.900 €", sal(s(1900.0), s(1900.0), Some(M), None)),
            (
                "28,000 EUR per year",
                sal(s(28000.0), s(28000.0), Some(Y), None),
            ),
            (
                "À partir de 1 900 € brut",
                sal(s(1900.0), None, Some(M), Some(true)),
            ),
            ("Jusqu'à 2 500 €", sal(None, s(2500.0), Some(M), None)),
            (
                "Selon CCN 66, coefficient 434 soit 1 900 € brut",
                sal(s(1900.0), s(1900.0), Some(M), Some(true)),
            ),
            (
                "Selon grille indiciaire : 2 100 € brut",
                sal(s(2100.0), s(2100.0), Some(M), Some(true)),
            ),
            (
                "Indemnité de 620,41 € par mois",
                sal(s(620.41), s(620.41), Some(M), None),
            ),
            ("Gratification 600 €", sal(s(600.0), s(600.0), None, None)),
            ("150 € par jour", sal(s(150.0), s(150.0), Some(D), None)),
            ("450 €/j", sal(s(450.0), s(450.0), Some(D), None)),
            ("12 000 €", sal(s(12000.0), s(12000.0), None, None)),
            (
                "1 900 € brut mensuel + 13e mois",
                sal(s(1900.0), s(1900.0), Some(M), Some(true)),
            ),
            (
                "1900 € brut mensuel (soit 22 800 € annuel)",
                sal(s(1900.0), s(1900.0), Some(M), Some(true)),
            ),
            ("SMIC + 10%", None),
            ("selon CCN 66", None),
            ("Selon CCN 66", None),
            ("Selon CCN66", None),
            ("Selon la CCN du 15 mars 1966", None),
            ("Convention collective nationale du 15 mars 1966", None),
            ("selon convention collective", None),
            ("selon profil", None),
            ("Selon profil et expérience", None),
            ("à négocier", None),
            ("Selon grille CCN 51", None),
            ("Indice 400", None),
            ("Indice majoré 400", None),
            ("Groupe 3, échelon 2", None),
            ("CCN n° 51", None),
            ("IDCC 0413", None),
            ("35h", None),
            ("Bac+2", None),
            ("Revalorisé au 01/01/2026", None),
            ("", None),
            ("   ", None),
            ("🙂💶", None),
            ("0 €", None),
        ];
        for (raw, want) in cases {
            assert_eq!(parse_salary(raw), want, "{raw:?}");
        }
    }

    #[test]
    fn salary_currencies() {
        assert_eq!(parse_salary("3000 $ per month").unwrap().currency, "USD");
        assert_eq!(parse_salary("3000 CHF").unwrap().currency, "CHF");
        assert_eq!(
            parse_salary("250 000 XPF par mois").unwrap().currency,
            "XPF"
        );
        assert_eq!(
            parse_salary("2000 € (environ 2200 $)").unwrap().currency,
            "EUR"
        );
        let long = format!("{} 1 900 €", "blabla ".repeat(10_000));
        assert_eq!(parse_salary(&long).unwrap().min, Some(1900.0));
        assert_eq!(parse_salary(&"9".repeat(400)), None);
    }
}
