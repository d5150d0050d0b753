//! The "Label : value" lines of a description ("Lieu : Lyon (69)", "Contrat : CDI", "Date
//! limite : 15/12/2026"), several on one line when joined by " | " or " - ".

use serde::{Deserialize, Serialize};

use crate::text::push_folded;

/// What a labelled description line is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Label {
    Place,
    Contract,
    Salary,
    Deadline,
    StartDate,
    WorkingTime,
    Employer,
    Sector,
    Duration,
}

/// Position of the separator after a label (":", "：", "–", "—", or " - "), as (end of the
/// label, start of the value). Labels are at most 60 chars long.
fn find_label_sep(line: &str) -> Option<(usize, usize)> {
    let bytes = line.as_bytes();
    let mut prev_space = false;
    let mut i = 0;
    // `n` counts characters, as `char_indices().enumerate()` would; ASCII is read byte by byte.
    let mut n = 0usize;
    while let Some(&b) = bytes.get(i) {
        if n > 60 {
            return None;
        }
        n += 1;
        let c = if b < 0x80 {
            char::from(b)
        } else {
            line.get(i..)?.chars().next()?
        };
        match c {
            ':' | '：' | '–' | '—' => return Some((i, i + c.len_utf8())),
            '-' if prev_space
                && line
                    .get(i + 1..)
                    .is_some_and(|r| r.starts_with(char::is_whitespace)) =>
            {
                return Some((i, i + 1))
            }
            _ => {}
        }
        prev_space = c.is_whitespace();
        i += c.len_utf8();
    }
    None
}

fn starts_word(s: &str, prefix: &str) -> bool {
    s == prefix || (s.starts_with(prefix) && s.as_bytes().get(prefix.len()) == Some(&b' '))
}

/// The labels [`match_label`] knows, in order of precedence (the first that matches wins):
/// (folded text, whether the whole label must be it rather than start with it as words, label).
const LABEL_PATTERNS: &[(&str, bool, Label)] = &[
    ("date limite", false, Label::Deadline),
    ("date de cloture", false, Label::Deadline),
    ("cloture des candidatures", false, Label::Deadline),
    ("date d expiration", false, Label::Deadline),
    ("deadline", false, Label::Deadline),
    ("date de prise de poste", false, Label::StartDate),
    ("prise de poste", false, Label::StartDate),
    ("date de prise de fonction", false, Label::StartDate),
    ("date de prise de fonctions", false, Label::StartDate),
    ("prise de fonction", false, Label::StartDate),
    ("prise de fonctions", false, Label::StartDate),
    ("date de debut", false, Label::StartDate),
    ("debut", false, Label::StartDate),
    ("date d embauche", false, Label::StartDate),
    ("embauche", false, Label::StartDate),
    ("date de demarrage", false, Label::StartDate),
    ("demarrage", false, Label::StartDate),
    ("date d entree en fonction", false, Label::StartDate),
    ("entree en fonction", false, Label::StartDate),
    ("date d entree", false, Label::StartDate),
    ("poste a pourvoir", false, Label::StartDate),
    ("a pourvoir", false, Label::StartDate),
    ("date de commencement", false, Label::StartDate),
    ("start date", false, Label::StartDate),
    ("temps de travail", false, Label::WorkingTime),
    ("duree hebdomadaire", false, Label::WorkingTime),
    ("duree du travail", false, Label::WorkingTime),
    ("duree de travail", false, Label::WorkingTime),
    ("duree hebdo", false, Label::WorkingTime),
    ("horaires", false, Label::WorkingTime),
    ("horaire", false, Label::WorkingTime),
    ("volume horaire", false, Label::WorkingTime),
    ("quotite", false, Label::WorkingTime),
    ("nombre d heures", false, Label::WorkingTime),
    ("rythme de travail", false, Label::WorkingTime),
    ("working time", false, Label::WorkingTime),
    ("working hours", false, Label::WorkingTime),
    ("duree", false, Label::Duration),
    ("contrat", true, Label::Contract),
    ("contrats", true, Label::Contract),
    ("contract", true, Label::Contract),
    ("type de contrat", false, Label::Contract),
    ("types de contrat", false, Label::Contract),
    ("nature du contrat", false, Label::Contract),
    ("nature de contrat", false, Label::Contract),
    ("contrat propose", false, Label::Contract),
    ("contrat de travail", false, Label::Contract),
    ("type d emploi", false, Label::Contract),
    ("type de poste", false, Label::Contract),
    ("contract type", false, Label::Contract),
    ("salaire", false, Label::Salary),
    ("remuneration", false, Label::Salary),
    ("gratification", false, Label::Salary),
    ("salary", false, Label::Salary),
    ("retribution", false, Label::Salary),
    ("indemnite", true, Label::Salary),
    ("indemnite mensuelle", true, Label::Salary),
    ("traitement", true, Label::Salary),
    ("lieu", false, Label::Place),
    ("lieux", false, Label::Place),
    ("localisation", false, Label::Place),
    ("secteur geographique", false, Label::Place),
    ("zone geographique", false, Label::Place),
    ("zone d intervention", false, Label::Place),
    ("location", false, Label::Place),
    ("adresse", true, Label::Place),
    ("adresse du poste", true, Label::Place),
    ("ville", true, Label::Place),
    ("commune", true, Label::Place),
    ("departement", true, Label::Place),
    ("region", true, Label::Place),
    ("employeur", true, Label::Employer),
    ("structure", true, Label::Employer),
    ("organisme", true, Label::Employer),
    ("entreprise", true, Label::Employer),
    ("association", true, Label::Employer),
    ("recruteur", true, Label::Employer),
    ("etablissement", true, Label::Employer),
    ("organisation", true, Label::Employer),
    ("employer", true, Label::Employer),
    ("company", true, Label::Employer),
    ("structure employeuse", true, Label::Employer),
    ("nom de la structure", false, Label::Employer),
    ("nom de l employeur", false, Label::Employer),
    ("nom de l organisme", false, Label::Employer),
    ("nom de l association", false, Label::Employer),
    ("nom de l entreprise", false, Label::Employer),
    ("structure d accueil", false, Label::Employer),
    ("organisme d accueil", false, Label::Employer),
    ("secteur", false, Label::Sector),
    ("domaine", false, Label::Sector),
    ("thematique", false, Label::Sector),
    ("sector", false, Label::Sector),
    ("filiere", false, Label::Sector),
];

fn match_label(label: &str) -> Option<Label> {
    let mut s = String::with_capacity(label.len());
    let mut words: usize = 0;
    for c in label.chars() {
        if c.is_alphanumeric() {
            if s.is_empty() || s.ends_with(' ') {
                words += 1;
            }
            push_folded(&mut s, c);
        } else if !s.is_empty() && !s.ends_with(' ') {
            s.push(' ');
        }
        if s.len() > 60 {
            return None;
        }
    }
    // "Lieu(x)", "Employeur(s)"
    let mut s = s.trim_end();
    while let Some(rest) = s
        .strip_suffix(" s")
        .or_else(|| s.strip_suffix(" x"))
        .or_else(|| s.strip_suffix(" e"))
    {
        s = rest.trim_end();
        words = words.saturating_sub(1);
    }
    // (A window search: `str::contains` would first build a searcher for the needle.)
    if s.is_empty() || words > 7 || s.as_bytes().windows(10).any(|w| w == b"experience") {
        return None;
    }
    // Both ways of matching need the first byte: only the patterns that share it are tried.
    let first = s.as_bytes().first().copied();
    LABEL_PATTERNS
        .iter()
        .filter(|(p, _, _)| p.as_bytes().first().copied() == first)
        .find(|(p, exact, _)| if *exact { s == *p } else { starts_word(s, p) })
        .map(|&(_, _, label)| label)
}

const BULLETS: &[char] = &[
    '-', '•', '*', '·', '>', '–', '—', '▪', '►', '✓', '#', '_', '◦', '‣', '➢', '→',
];

/// Reads "Label : value" at the start of `line`; the value stops where another labelled field
/// starts after " | ", " • ", " - ", " – " or ";". Returns (label, value, rest of the line).
fn label_line(line: &str) -> Option<(Label, &str, Option<&str>)> {
    let line = line.trim_start_matches(|c: char| c.is_whitespace() || BULLETS.contains(&c));
    let (label_end, value_start) = find_label_sep(line)?;
    let label = match_label(line.get(..label_end)?)?;
    let value_all = line.get(value_start..)?;
    let mut value = value_all;
    let mut next = None;
    for (i, c) in value_all.char_indices() {
        let is_split = match c {
            '|' | '•' | ';' | '\t' => true,
            '-' | '–' | '—' => {
                value_all
                    .get(..i)
                    .is_some_and(|b| b.ends_with(char::is_whitespace))
                    && value_all
                        .get(i + c.len_utf8()..)
                        .is_some_and(|r| r.starts_with(char::is_whitespace))
            }
            _ => false,
        };
        if !is_split {
            continue;
        }
        let Some(rest) = value_all.get(i + c.len_utf8()..) else {
            continue;
        };
        let rest_trim = rest.trim_start();
        if let Some((e, _)) = find_label_sep(rest_trim) {
            if rest_trim.get(..e).and_then(match_label).is_some() {
                value = value_all.get(..i).unwrap_or("");
                next = Some(rest);
                break;
            }
        }
    }
    let value = value.trim_matches(|c: char| c.is_whitespace() || c == '*' || c == ':');
    Some((label, value, next))
}

/// The lines of `text`, split at "\n", "\r", U+2028 and U+2029: by "\n" first (a fast search),
/// then, in the rare lines that may hold one of the others (a "\r", or the lead byte 0xE2
/// of U+2028 and U+2029, shared by dashes and quotes), by all four.
fn text_lines(text: &str) -> impl Iterator<Item = &str> {
    text.split('\n').flat_map(|line| {
        let rare = line.as_bytes().contains(&b'\r') || line.as_bytes().contains(&0xE2);
        let (whole, parts) = if rare {
            (None, Some(line.split(['\n', '\r', '\u{2028}', '\u{2029}'])))
        } else {
            (Some(line), None)
        };
        whole.into_iter().chain(parts.into_iter().flatten())
    })
}

/// Labelled lines of a description turned into plain text: "Lieu : Lyon (69)", "Lieu de
/// travail: ...", "Localisation :", "Contrat : CDI", "Type de contrat :", "Salaire : ...",
/// "Rémunération :", "Date limite : 15/12/2026", "Date limite de candidature :", "Date de prise
/// de poste :", "Début :", "Temps de travail :", "Durée hebdomadaire :", "Employeur :",
/// "Structure :", "Secteur :", "Durée :", in any case, with ":" or "–" as separator, after a
/// bullet, and several on one line when joined by " | " or " - " ("Lieu : Lyon - Contrat :
/// CDI"). Returns (label, trimmed value) in order of appearance; empty values are skipped.
pub fn labelled_fields(text: &str) -> Vec<(Label, String)> {
    let mut out = Vec::new();
    for line in text_lines(text) {
        let mut rest = line;
        for _ in 0..32 {
            let Some((label, value, next)) = label_line(rest) else {
                break;
            };
            if !value.is_empty() {
                out.push((label, value.to_string()));
            }
            match next {
                Some(n) => rest = n,
                None => break,
            }
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::normalise::title::split_last_segment;

    /// The implementations the fast paths replaced, kept as oracles.
    mod reference {
        pub fn split_last_segment(s: &str) -> Option<(&str, &str)> {
            let mut best: Option<(usize, usize)> = None;
            for sep in [" - ", " – ", " — ", " | ", " -- "] {
                if let Some(p) = s.rfind(sep) {
                    if best.is_none_or(|(b, _)| p > b) {
                        best = Some((p, sep.len()));
                    }
                }
            }
            let (p, l) = best?;
            Some((s.get(..p)?, s.get(p + l..)?))
        }

        pub fn find_label_sep(line: &str) -> Option<(usize, usize)> {
            let mut prev_space = false;
            for (n, (i, c)) in line.char_indices().enumerate() {
                if n > 60 {
                    return None;
                }
                match c {
                    ':' | '：' | '–' | '—' => return Some((i, i + c.len_utf8())),
                    '-' if prev_space
                        && line
                            .get(i + 1..)
                            .is_some_and(|r| r.starts_with(char::is_whitespace)) =>
                    {
                        return Some((i, i + 1))
                    }
                    _ => {}
                }
                prev_space = c.is_whitespace();
            }
            None
        }
        pub fn match_label(label: &str) -> Option<super::super::Label> {
            let mut s = String::with_capacity(label.len());
            let mut words: usize = 0;
            for c in label.chars() {
                if c.is_alphanumeric() {
                    if s.is_empty() || s.ends_with(' ') {
                        words += 1;
                    }
                    crate::text::push_folded(&mut s, c);
                } else if !s.is_empty() && !s.ends_with(' ') {
                    s.push(' ');
                }
                if s.len() > 60 {
                    return None;
                }
            }
            // "Lieu(x)", "Employeur(s)"
            let mut s = s.trim_end();
            while let Some(rest) = s
                .strip_suffix(" s")
                .or_else(|| s.strip_suffix(" x"))
                .or_else(|| s.strip_suffix(" e"))
            {
                s = rest.trim_end();
                words = words.saturating_sub(1);
            }
            if s.is_empty() || words > 7 || s.contains("experience") {
                return None;
            }
            let any = |prefixes: &[&str]| prefixes.iter().any(|p| super::super::starts_word(s, p));
            let exact = |names: &[&str]| names.contains(&s);
            let label = if any(&[
                "date limite",
                "date de cloture",
                "cloture des candidatures",
                "date d expiration",
                "deadline",
            ]) {
                super::super::Label::Deadline
            } else if any(&[
                "date de prise de poste",
                "prise de poste",
                "date de prise de fonction",
                "date de prise de fonctions",
                "prise de fonction",
                "prise de fonctions",
                "date de debut",
                "debut",
                "date d embauche",
                "embauche",
                "date de demarrage",
                "demarrage",
                "date d entree en fonction",
                "entree en fonction",
                "date d entree",
                "poste a pourvoir",
                "a pourvoir",
                "date de commencement",
                "start date",
            ]) {
                super::super::Label::StartDate
            } else if any(&[
                "temps de travail",
                "duree hebdomadaire",
                "duree du travail",
                "duree de travail",
                "duree hebdo",
                "horaires",
                "horaire",
                "volume horaire",
                "quotite",
                "nombre d heures",
                "rythme de travail",
                "working time",
                "working hours",
            ]) {
                super::super::Label::WorkingTime
            } else if any(&["duree"]) {
                super::super::Label::Duration
            } else if exact(&["contrat", "contrats", "contract"])
                || any(&[
                    "type de contrat",
                    "types de contrat",
                    "nature du contrat",
                    "nature de contrat",
                    "contrat propose",
                    "contrat de travail",
                    "type d emploi",
                    "type de poste",
                    "contract type",
                ])
            {
                super::super::Label::Contract
            } else if any(&[
                "salaire",
                "remuneration",
                "gratification",
                "salary",
                "retribution",
            ]) || exact(&["indemnite", "indemnite mensuelle", "traitement"])
            {
                super::super::Label::Salary
            } else if any(&[
                "lieu",
                "lieux",
                "localisation",
                "secteur geographique",
                "zone geographique",
                "zone d intervention",
                "location",
            ]) || exact(&[
                "adresse",
                "adresse du poste",
                "ville",
                "commune",
                "departement",
                "region",
            ]) {
                super::super::Label::Place
            } else if exact(&[
                "employeur",
                "structure",
                "organisme",
                "entreprise",
                "association",
                "recruteur",
                "etablissement",
                "organisation",
                "employer",
                "company",
                "structure employeuse",
            ]) || any(&[
                "nom de la structure",
                "nom de l employeur",
                "nom de l organisme",
                "nom de l association",
                "nom de l entreprise",
                "structure d accueil",
                "organisme d accueil",
            ]) {
                super::super::Label::Employer
            } else if any(&["secteur", "domaine", "thematique", "sector", "filiere"]) {
                super::super::Label::Sector
            } else {
                return None;
            };
            Some(label)
        }
    }

    /// Awkward French title and description pieces, glued at random.
    fn generated_texts(count: usize) -> Vec<String> {
        const PIECES: [&str; 44] = [
            "Animateur H/F",
            " - ",
            "Lyon 3e",
            "Chargé(e) de mission (F/H)",
            " – ",
            "69003 Lyon",
            "Éducateur spécialisé",
            " - CDI - ",
            "Saint-Denis (974)",
            " — ",
            " | ",
            " -- ",
            "-",
            " ",
            "\u{a0}",
            "\u{202f}",
            ":",
            " : ",
            "：",
            "Lieu",
            "Date limite",
            "Contrat",
            "Type de contrat",
            "Rémunération",
            "Lieu(x)",
            "Employeur(s)",
            "Expérience",
            "\n",
            "\r\n",
            "\u{2028}",
            "\u{2029}",
            "•",
            "– ",
            "Temps de travail",
            "Secteur",
            "Durée",
            "CDD 6 mois",
            "Paris 15e",
            "Marseille 13001",
            "Ajaccio (2A)",
            "l'équipe",
            "—Début",
            "\t",
            "Salaire : 1 900 € | Lieu : Reims",
        ];
        crate::text::glued_pieces(&PIECES, 12, count, 0x9e37_79b9_7f4a_7c15)
    }

    #[test]
    fn fast_title_and_label_scans_agree_with_the_slow_ones() {
        let mut texts: Vec<String> = [
            "Animateur H/F - Lyon 3e",
            "Chargé(e) de mission (F/H) – 69003 Lyon",
            "Éducateur spécialisé - CDI - Saint-Denis (974)",
            "Comptable (H/F) – CDD 6 mois",
            "a - - b",
            " -- x",
            "x -- ",
            "Lieu\u{a0}- Lyon",
            "Date limite\u{202f}: 15/12/2026",
            "Expérience : 2 ans",
            "Lieux : Lyon",
            "Employeur(s) — ADMR",
            "",
            " - ",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        texts.extend(generated_texts(20_000));
        for t in &texts {
            assert_eq!(
                split_last_segment(t),
                reference::split_last_segment(t),
                "{t:?}"
            );
            assert_eq!(find_label_sep(t), reference::find_label_sep(t), "{t:?}");
            assert_eq!(match_label(t), reference::match_label(t), "{t:?}");
            let fast: Vec<&str> = text_lines(t).collect();
            let slow: Vec<&str> = t.split(['\n', '\r', '\u{2028}', '\u{2029}']).collect();
            assert_eq!(fast, slow, "{t:?}");
        }
        for (p, _, _) in LABEL_PATTERNS {
            for label in [
                p.to_string(),
                p.to_uppercase(),
                format!("{p} de travail"),
                format!("{p}(s)"),
                format!("{p}x"),
                format!("  {p} : "),
                format!("Votre {p}"),
            ] {
                assert_eq!(
                    match_label(&label),
                    reference::match_label(&label),
                    "{label:?}"
                );
            }
        }
    }

    #[test]
    fn labelled_fields_table() {
        use Label::*;
        let text = "Lieu : Lyon (69)\n\
            Lieu de travail: Villeurbanne\n\
            Localisation : Reims\n\
            Contrat : CDI\n\
            Type de contrat : CDD 6 mois\n\
            Salaire : 1 900 € brut\n\
            Rémunération : selon CCN 66\n\
            Date limite : 15/12/2026\n\
            Date limite de candidature : 20/12/2026\n\
            Date de prise de poste : 05/01/2027\n\
            Début : dès que possible\n\
            Temps de travail : 35h\n\
            Durée hebdomadaire : 24h\n\
            Employeur : ADMR\n\
            Structure : Foyer Les Tilleuls\n\
            Secteur : Médico-social\n\
            Durée : 6 mois\n";
        let want: Vec<(Label, String)> = [
            (Place, "Lyon (69)"),
            (Place, "Villeurbanne"),
            (Place, "Reims"),
            (Contract, "CDI"),
            (Contract, "CDD 6 mois"),
            (Salary, "1 900 € brut"),
            (Salary, "selon CCN 66"),
            (Deadline, "15/12/2026"),
            (Deadline, "20/12/2026"),
            (StartDate, "05/01/2027"),
            (StartDate, "dès que possible"),
            (WorkingTime, "35h"),
            (WorkingTime, "24h"),
            (Employer, "ADMR"),
            (Employer, "Foyer Les Tilleuls"),
            (Sector, "Médico-social"),
            (Duration, "6 mois"),
        ]
        .into_iter()
        .map(|(l, v)| (l, v.to_string()))
        .collect();
        assert_eq!(labelled_fields(text), want);
    }

    #[test]
    fn labelled_fields_variants() {
        use Label::*;
        let cases: &[(&str, &[(Label, &str)])] = &[
            ("LIEU : LYON", &[(Place, "LYON")]),
            ("LIEU: Lyon", &[(Place, "Lyon")]),
            ("Lieu – Lyon", &[(Place, "Lyon")]),
            ("Lieu — Lyon", &[(Place, "Lyon")]),
            ("Lieu - Lyon", &[(Place, "Lyon")]),
            ("Lieu\u{a0}: Lyon", &[(Place, "Lyon")]),
            ("- Lieu : Lyon", &[(Place, "Lyon")]),
            ("• Contrat : CDI", &[(Contract, "CDI")]),
            ("**Lieu :** Lyon", &[(Place, "Lyon")]),
            ("Lieu :", &[]),
            ("Lieu :   ", &[]),
            (
                "Lieu : Lyon - Contrat : CDI",
                &[(Place, "Lyon"), (Contract, "CDI")],
            ),
            (
                "Lieu : Lyon | Salaire : 1900 €",
                &[(Place, "Lyon"), (Salary, "1900 €")],
            ),
            ("Lieu : Lyon - Part-Dieu", &[(Place, "Lyon - Part-Dieu")]),
            (
                "Date limite de dépôt des candidatures : 1er décembre",
                &[(Deadline, "1er décembre")],
            ),
            (
                "Poste à pourvoir : immédiatement",
                &[(StartDate, "immédiatement")],
            ),
            ("Date de début : 01/02/2026", &[(StartDate, "01/02/2026")]),
            ("Durée du contrat : 12 mois", &[(Duration, "12 mois")]),
            ("Durée de travail : 28h", &[(WorkingTime, "28h")]),
            ("Horaires : 9h-17h", &[(WorkingTime, "9h-17h")]),
            (
                "Secteur d'activité : Petite enfance",
                &[(Sector, "Petite enfance")],
            ),
            ("Secteur géographique : Nord", &[(Place, "Nord")]),
            ("Nom de la structure : ACEPP", &[(Employer, "ACEPP")]),
            ("Gratification : 600 €", &[(Salary, "600 €")]),
            ("Date de publication : 01/02/2026", &[]),
            ("Nous recherchons : un éducateur", &[]),
            ("Le poste est situé à Lyon : centre ville", &[]),
            ("Durée d'expérience : 2 ans", &[]),
            ("Missions :\n- accueil", &[]),
            (
                "Lieu : Lyon\r\nContrat : CDI\r\n",
                &[(Place, "Lyon"), (Contract, "CDI")],
            ),
            ("", &[]),
            ("\n\n\n", &[]),
            ("🙂 : 🙂", &[]),
            ("Lieu : 🙂", &[(Place, "🙂")]),
            ("Horaire : 10:00 - 18:00", &[(WorkingTime, "10:00 - 18:00")]),
        ];
        for (text, want) in cases {
            let want: Vec<(Label, String)> =
                want.iter().map(|(l, v)| (*l, v.to_string())).collect();
            assert_eq!(labelled_fields(text), want, "{text:?}");
        }
        let long = format!("Lieu : {}", "x".repeat(100_000));
        assert_eq!(labelled_fields(&long).len(), 1);
        let many = "Contrat : CDI\n".repeat(1000);
        assert_eq!(labelled_fields(&many).len(), 1000);
        assert!(labelled_fields(&"a: b - ".repeat(10_000)).is_empty());
    }
}
