//! Working time as written: full or part time, weekly hours ("24h/semaine", "151,67 h/mois"
//! converted to weekly hours), proportions ("0,8 ETP", "80 %", "4/5e"), schema.org and WP
//! values. Times of day and time ranges are not hours of work.

use crate::model::{WorkingTime, WorkingTimeKind};
use crate::text::lexer::{best_match, Kind, Pattern, ProseTokens};

/// (pattern, kind, hours implied)
const WORKING_TIME_PATTERNS: &[Pattern<(WorkingTimeKind, f32)>] = {
    use WorkingTimeKind::{FullTime as F, PartTime as P};
    &[
        (&["temps", "plein"], (F, 0.0), 1, false),
        (&["plein", "temps"], (F, 0.0), 1, false),
        (&["temps", "complet"], (F, 0.0), 1, false),
        (&["tps", "plein"], (F, 0.0), 1, false),
        (&["full", "time"], (F, 0.0), 1, false),
        (&["fulltime"], (F, 0.0), 1, false),
        (&["temps", "partiel"], (P, 0.0), 1, false),
        (&["tps", "partiel"], (P, 0.0), 1, false),
        (&["partiel"], (P, 0.0), 1, false),
        (&["temps", "non", "complet"], (P, 0.0), 1, false),
        (&["temps", "incomplet"], (P, 0.0), 1, false),
        (&["part", "time"], (P, 0.0), 1, false),
        (&["parttime"], (P, 0.0), 1, false),
        (&["mi", "temps"], (P, 17.5), 1, false),
    ]
};

const FULL_TIME_HOURS: f64 = 35.0;

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn is_hours_word(w: &str) -> bool {
    matches!(
        w,
        "h" | "heure" | "heures" | "hr" | "hrs" | "hours" | "hour"
    )
}

enum HoursPeriod {
    Week,
    Month,
    Year,
    Day,
}

fn hours_period(lx: &ProseTokens, from: usize) -> Option<HoursPeriod> {
    for j in from..from + 4 {
        match lx.kind(j) {
            Some(Kind::Sym('/')) => {}
            Some(Kind::Word) => {
                let w = lx.word_or_empty(j);
                match w {
                    "par" | "per" | "de" | "d" | "l" | "la" | "a" => {}
                    "semaine" | "semaines" | "sem" | "hebdo" | "hebdomadaire" | "hebdomadaires"
                    | "week" | "wk" => return Some(HoursPeriod::Week),
                    "mois" | "mensuel" | "mensuelle" | "mensuelles" | "mensuels" | "month" => {
                        return Some(HoursPeriod::Month)
                    }
                    "an" | "annee" | "annuel" | "annuelle" | "annuelles" | "annuels" | "year" => {
                        return Some(HoursPeriod::Year)
                    }
                    "jour" | "j" | "day" | "quotidien" | "quotidiennes" | "journee" => {
                        return Some(HoursPeriod::Day)
                    }
                    _ => return None,
                }
            }
            _ => return None,
        }
    }
    None
}

/// Weekly hours from the first "N h" mention (with its period) in the text.
fn stated_hours(lx: &ProseTokens) -> Option<f64> {
    let mut i = 0;
    while i < lx.len() {
        let (Some(v), Some(w)) = (lx.num(i), lx.word(i + 1)) else {
            i += 1;
            continue;
        };
        if !is_hours_word(w) {
            i += 1;
            continue;
        }
        // "Laval 53 H/F", "(75) H / F": a department before the gender marker.
        if w == "h" && lx.sym(i + 2) == Some('/') && matches!(lx.word(i + 3), Some("f")) {
            i += 4;
            continue;
        }
        let mut j = i + 2;
        let mut val = v;
        let mut clock = false;
        if w == "h" && !lx.space_before(i + 2) {
            let two_digits = lx.digits(i + 2) == Some(2);
            if let Some(m) = lx
                .num(i + 2)
                .filter(|m| two_digits && *m < 60.0 && m.fract() == 0.0)
            {
                val += m / 60.0;
                clock = true;
                j += 1;
            }
        }
        // "de 9h à 17h", "14h-22h": a time range, not hours of work.
        let conn = lx.sym(j) == Some('-') || matches!(lx.word(j), Some("a" | "au" | "to"));
        if conn && lx.num(j + 1).is_some() && lx.word(j + 2).is_some_and(is_hours_word) {
            i = j + 3;
            continue;
        }
        let period = hours_period(lx, j);
        if clock && v <= 23.0 && !matches!(period, Some(HoursPeriod::Week)) {
            i = j;
            continue;
        }
        let weekly = match period {
            None | Some(HoursPeriod::Week) => val,
            Some(HoursPeriod::Month) => val * 12.0 / 52.0,
            Some(HoursPeriod::Year) => val * FULL_TIME_HOURS / 1607.0,
            Some(HoursPeriod::Day) => val * 5.0,
        };
        if weekly > 0.0 && weekly <= 60.0 {
            return Some(weekly);
        }
        i = j;
    }
    None
}

/// Weekly hours from "0,8 ETP", "ETP : 0,8", "80 %", "4/5e", "3/4 temps".
fn proportional_hours(lx: &ProseTokens) -> Option<f64> {
    let mut etp = None;
    let mut pct = None;
    let mut fraction = None;
    for i in 0..lx.len() {
        if let Some(w) = lx.word(i) {
            if etp.is_none() && matches!(w, "etp" | "fte") {
                let mut j = i + 1;
                while matches!(lx.sym(j), Some(':' | '=')) {
                    j += 1;
                }
                let before = lx.num(i.wrapping_sub(1));
                let after = lx.num(j);
                etp = before.or(after).filter(|v| *v > 0.0 && *v <= 1.0);
            }
            continue;
        }
        let Some(v) = lx.num(i) else { continue };
        if pct.is_none() && lx.sym(i + 1) == Some('%') && v > 0.0 && v <= 100.0 {
            let remote = (i + 2..i + 5).any(|k| {
                lx.word(k).is_some_and(|w| {
                    matches!(
                        w,
                        "teletravail" | "remote" | "distance" | "presentiel" | "deplacements"
                    )
                })
            });
            if !remote {
                pct = Some(v);
            }
        }
        if fraction.is_none() && lx.sym(i + 1) == Some('/') {
            if let Some(d) = lx.num(i + 2) {
                let tail = lx.word_or_empty(i + 3);
                if v > 0.0 && v < d && matches!(tail, "temps" | "e" | "eme" | "emes" | "es") {
                    fraction = Some(v / d);
                }
            }
        }
    }
    etp.or(pct.map(|p| p / 100.0))
        .or(fraction)
        .map(|f| f * FULL_TIME_HOURS)
}

/// Working time: "Temps plein", "temps partiel", "Temps partiel (24h/semaine)", "24h/semaine",
/// "24 heures hebdomadaires", "35h", "151,67 h/mois" (monthly hours are converted), "0,8 ETP"
/// (28 h), "80%", "4/5e", "mi-temps" (17.5 h), schema.org and WP values ("FULL_TIME",
/// "part-time"), France Travail "35H Horaires normaux". A stated kind wins; otherwise 35 hours
/// or more (1 ETP, 100 %) is full time. Times of day ("9h30", "de 9h à 17h") are not hours
/// of work. `None` when nothing is said.
pub fn parse_working_time(raw: &str) -> Option<WorkingTime> {
    let lx = ProseTokens::new(raw);
    let ws = lx.content_words();
    let stated = best_match(&lx, &ws, WORKING_TIME_PATTERNS).map(|(k, _, _)| k);
    let hours = stated_hours(&lx)
        .or_else(|| proportional_hours(&lx))
        .or_else(|| stated.map(|(_, h)| f64::from(h)).filter(|h| *h > 0.0))
        .map(round2);
    let kind = stated.map(|(k, _)| k).or_else(|| {
        hours.map(|h| {
            if h >= FULL_TIME_HOURS {
                WorkingTimeKind::FullTime
            } else {
                WorkingTimeKind::PartTime
            }
        })
    });
    if kind.is_none() && hours.is_none() {
        return None;
    }
    #[allow(clippy::cast_possible_truncation)]
    Some(WorkingTime {
        kind,
        hours_per_week: hours.map(|h| h as f32),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn working_time_table() {
        use WorkingTimeKind::{FullTime as F, PartTime as P};
        type Case = (&'static str, Option<(Option<WorkingTimeKind>, Option<f32>)>);
        let cases: &[Case] = &[
            ("Temps plein", Some((Some(F), None))),
            ("temps partiel", Some((Some(P), None))),
            ("TEMPS PARTIEL", Some((Some(P), None))),
            ("Temps partiel (24h/semaine)", Some((Some(P), Some(24.0)))),
            ("24h/semaine", Some((Some(P), Some(24.0)))),
            ("Chargé de Communication Btob Laval 53 H/F", None),
            ("Aide-soignant Paris 75 H / F", None),
            (
                "Aide-soignant Nantes 44 H/F - 28h/semaine",
                Some((Some(P), Some(28.0))),
            ),
            ("24 heures hebdomadaires", Some((Some(P), Some(24.0)))),
            ("24 h par semaine", Some((Some(P), Some(24.0)))),
            ("35h", Some((Some(F), Some(35.0)))),
            ("39 heures", Some((Some(F), Some(39.0)))),
            ("0,8 ETP", Some((Some(P), Some(28.0)))),
            ("0.5 ETP", Some((Some(P), Some(17.5)))),
            ("ETP : 0,6", Some((Some(P), Some(21.0)))),
            ("1 ETP", Some((Some(F), Some(35.0)))),
            ("80%", Some((Some(P), Some(28.0)))),
            ("80 %", Some((Some(P), Some(28.0)))),
            ("100%", Some((Some(F), Some(35.0)))),
            ("100% télétravail", None),
            ("mi-temps", Some((Some(P), Some(17.5)))),
            ("Mi temps", Some((Some(P), Some(17.5)))),
            ("4/5e", Some((Some(P), Some(28.0)))),
            ("3/4 temps", Some((Some(P), Some(26.25)))),
            ("FULL_TIME", Some((Some(F), None))),
            ("PART_TIME", Some((Some(P), None))),
            ("full-time", Some((Some(F), None))),
            ("part-time", Some((Some(P), None))),
            ("temps-plein", Some((Some(F), None))),
            ("35H Horaires normaux", Some((Some(F), Some(35.0)))),
            (
                "24H Travail samedi et dimanche",
                Some((Some(P), Some(24.0))),
            ),
            (
                "35H/semaine Travail en journée",
                Some((Some(F), Some(35.0))),
            ),
            ("35h30 hebdomadaires", Some((Some(F), Some(35.5)))),
            ("151,67 h/mois", Some((Some(F), Some(35.0)))),
            ("Temps plein 39h", Some((Some(F), Some(39.0)))),
            ("Temps partiel 35h", Some((Some(P), Some(35.0)))),
            ("Temps non complet", Some((Some(P), None))),
            ("Temps complet", Some((Some(F), None))),
            ("Temps plein - CDI", Some((Some(F), None))),
            ("de 9h à 17h", None),
            ("14h-22h", None),
            ("9h30", None),
            ("CDI", None),
            ("Horaires normaux", None),
            ("", None),
            ("   ", None),
            ("🙂", None),
            ("500h", None),
        ];
        for (raw, want) in cases {
            let got = parse_working_time(raw).map(|w| (w.kind, w.hours_per_week));
            assert_eq!(got, *want, "{raw:?}");
        }
    }
}
