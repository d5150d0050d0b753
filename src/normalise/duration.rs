//! The length of a contract as written ("CDD 6 mois", "durée : 3 mois", "un an",
//! "dix-huit mois"), not a trial period nor an experience requirement.

use crate::model::{ContractDuration, DurationUnit};
use crate::text::lexer::{Kind, ProseTokens};

fn duration_unit(w: &str) -> Option<DurationUnit> {
    Some(match w {
        "mois" | "month" | "months" => DurationUnit::Month,
        "an" | "ans" | "annee" | "annees" | "year" | "years" => DurationUnit::Year,
        "semaine" | "semaines" | "sem" | "week" | "weeks" => DurationUnit::Week,
        "jour" | "jours" | "j" | "day" | "days" => DurationUnit::Day,
        _ => return None,
    })
}

fn spelled_number(w: &str) -> Option<f64> {
    Some(match w {
        "un" | "une" | "one" => 1.0,
        "deux" | "two" => 2.0,
        "trois" | "three" => 3.0,
        "quatre" | "four" => 4.0,
        "cinq" | "five" => 5.0,
        "six" => 6.0,
        "sept" | "seven" => 7.0,
        "huit" | "eight" => 8.0,
        "neuf" | "nine" => 9.0,
        "dix" | "ten" => 10.0,
        "onze" => 11.0,
        "douze" | "twelve" => 12.0,
        "treize" => 13.0,
        "quatorze" => 14.0,
        "quinze" => 15.0,
        "seize" => 16.0,
        "vingt" => 20.0,
        "trente" => 30.0,
        _ => return None,
    })
}

/// The duration of a contract: "CDD 6 mois", "CDD de 12 mois", "durée : 3 mois", "Stage de 6
/// mois", "2 ans", "8 semaines", "1 an", "un an", "dix-huit mois", "1,5 an", "18 mois
/// renouvelable". The first amount directly followed by a unit wins, so a range "6 à 12 mois"
/// gives 12 months. A trial period ("période d'essai de 2 mois") or an experience
/// requirement ("2 ans d'expérience") is not a duration. `None` when no duration is written.
pub fn contract_duration(raw: &str) -> Option<ContractDuration> {
    let lx = ProseTokens::new(raw);
    for i in 0..lx.len() {
        let amount = match lx.kind(i) {
            Some(Kind::Num) => lx.num(i).unwrap_or(0.0),
            Some(Kind::Word) => {
                let Some(mut v) = spelled_number(lx.word_or_empty(i)) else {
                    continue;
                };
                // dix-huit, vingt-quatre
                let prev = if lx.sym(i.wrapping_sub(1)) == Some('-') {
                    i.wrapping_sub(2)
                } else {
                    i.wrapping_sub(1)
                };
                match lx.word(prev) {
                    Some("dix") if v < 10.0 => v += 10.0,
                    Some("vingt") if v < 10.0 => v += 20.0,
                    _ => {}
                }
                v
            }
            _ => continue,
        };
        let Some(unit) = lx.word(i + 1).and_then(duration_unit) else {
            continue;
        };
        if lx.kind(i) == Some(Kind::Word) && !lx.space_before(i + 1) {
            continue;
        }
        if !(amount > 0.0 && amount <= 1000.0) {
            continue;
        }
        if matches!(lx.sym(i.wrapping_sub(1)), Some('/' | '.')) {
            continue;
        }
        // "période d'essai de 2 mois"
        let before_essai =
            (i.saturating_sub(4)..i).any(|k| lx.word(k).is_some_and(|w| w.starts_with("essai")));
        // "2 ans d'expérience"
        let experience =
            (i + 2..i + 5).any(|k| lx.word(k).is_some_and(|w| w.starts_with("experience")));
        if before_essai || experience {
            continue;
        }
        #[allow(clippy::cast_possible_truncation)]
        return Some(ContractDuration {
            amount: amount as f32,
            unit,
        });
    }
    None
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn contract_duration_table() {
        use DurationUnit::{Day as D, Month as M, Week as W, Year as Y};
        let cases: &[(&str, Option<(f32, DurationUnit)>)] = &[
            ("CDD 6 mois", Some((6.0, M))),
            ("CDD de 12 mois", Some((12.0, M))),
            ("durée : 3 mois", Some((3.0, M))),
            ("Stage de 6 mois", Some((6.0, M))),
            ("2 ans", Some((2.0, Y))),
            ("8 semaines", Some((8.0, W))),
            ("1 an", Some((1.0, Y))),
            ("18 mois renouvelable", Some((18.0, M))),
            ("CDD 6mois", Some((6.0, M))),
            ("CDD d'un an", Some((1.0, Y))),
            ("six mois", Some((6.0, M))),
            ("dix-huit mois", Some((18.0, M))),
            ("Une année", Some((1.0, Y))),
            ("1,5 an", Some((1.5, Y))),
            ("15 jours", Some((15.0, D))),
            ("6 à 12 mois", Some((12.0, M))),
            ("6 months", Some((6.0, M))),
            ("CDD 3 MOIS", Some((3.0, M))),
            ("– CDD 6 mois", Some((6.0, M))),
            ("CDI", None),
            ("CDI avec période d'essai de 2 mois", None),
            ("2 ans d'expérience exigés", None),
            ("1900 €/mois", None),
            ("35h", None),
            ("13e mois", None),
            ("Durée : jusqu'au 31/12/2026", None),
            ("", None),
            ("mois", None),
            ("0 mois", None),
            ("🙂 6 mois 🙂", Some((6.0, M))),
        ];
        for (raw, want) in cases {
            let got = contract_duration(raw).map(|d| (d.amount, d.unit));
            assert_eq!(got, *want, "{raw:?}");
        }
    }
}
