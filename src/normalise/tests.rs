//! Tests of [`normalise`](super::normalise) as a whole, and of every vocabulary reader on
//! hostile inputs.

#![allow(clippy::unwrap_used)]

use super::contract::{classify_contract, france_travail_contract};
use super::duration::contract_duration;
use super::employer::employer_family;
use super::labels::labelled_fields;
use super::salary::parse_salary;
use super::title::clean_title;
use super::working_time::parse_working_time;
use super::*;
use crate::model::{Contract, Remote};

use crate::model::{SalaryPeriod, WorkingTimeKind};

fn ctx() -> Context<'static> {
    Context {
        feed_id: "rs-rhone",
        base_url: Some("https://www.ressources-solidaires.org/"),
        now: DateTime::parse_from_rfc3339("2026-11-22T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc),
    }
}

fn t(s: &str) -> Option<DateTime<Utc>> {
    Some(DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc))
}

#[test]
fn item_is_normalised_with_warnings_instead_of_being_dropped() {
    let item = RawItem {
        title: Some("  Coordinateur&nbsp;de \u{7}  projets  ".into()),
        description: Some("<p onclick=\"x()\">Lieu : Atlantide</p><script>alert(1)</script><a href=\"/postuler\">Postuler</a>".into()),
        published: Some("32/13/2026".into()),
        contract: Some("XYZ".into()),
        ..Default::default()
    };
    let o = normalise(&item, &ctx());
    assert_eq!(o.title, "Coordinateur de projets");
    assert_eq!(o.feed_id, "rs-rhone");
    assert_eq!(
        o.description_html,
        "<p>Lieu : Atlantide</p><a href=\"https://www.ressources-solidaires.org/postuler\" rel=\"noopener noreferrer nofollow\">Postuler</a>"
    );
    assert_eq!(o.description_text, "Lieu : Atlantide\nPostuler");
    assert_eq!(o.published, None);
    assert_eq!(
        o.warnings,
        vec![
            "missing link to the offer",
            "unknown place \"Atlantide\"",
            "unknown contract \"XYZ\"",
            "unparseable published date \"32/13/2026\""
        ]
    );
}

#[test]
fn only_http_links_are_published() {
    let item = |link: &str, apply: &str| RawItem {
        title: Some("Animateur (H/F)".into()),
        link: Some(link.into()),
        apply_url: Some(apply.into()),
        ..Default::default()
    };
    for bad in [
        "javascript:alert(1)",
        " JavaScript:alert(document.cookie)",
        "\u{1}java\tscript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "file:///etc/passwd",
        "http://[::1",
    ] {
        let o = normalise(&item(bad, bad), &ctx());
        assert_eq!(o.url, None, "{bad:?}");
        assert_eq!(o.apply_url, None, "{bad:?}");
        let quoted = format!(
            "{:?}",
            bad.trim_matches(|c: char| c.is_whitespace() || c.is_control())
        );
        assert!(
            o.warnings
                .iter()
                .any(|w| w.starts_with("link ") && w.contains(&quoted))
                && o.warnings
                    .iter()
                    .any(|w| w.starts_with("application link ")),
            "{bad:?}: {:?}",
            o.warnings
        );
        assert!(!o.warnings.iter().any(|w| w == "missing link to the offer"));
    }
    let o = normalise(
        &item(
            " https://www.ressources-solidaires.org/o/1 ",
            "HTTP://asso.example/postuler?id=1&a=2",
        ),
        &ctx(),
    );
    assert_eq!(
        o.url.as_deref(),
        Some("https://www.ressources-solidaires.org/o/1")
    );
    assert_eq!(
        o.apply_url.as_deref(),
        Some("HTTP://asso.example/postuler?id=1&a=2")
    );
    assert!(
        o.warnings.iter().all(|w| !w.contains("link")),
        "{:?}",
        o.warnings
    );
    // A relative reference carries no scheme: kept as the partner wrote it.
    let o = normalise(&item("/offres/una-37-15.html", ""), &ctx());
    assert_eq!(o.url.as_deref(), Some("/offres/una-37-15.html"));
}

#[test]
fn plain_text_fields_lose_markup_and_are_decoded_once() {
    let item = RawItem {
        title: Some("&lt;img src=x onerror=alert(1)&gt; Animateur <b>jeunesse</b>".into()),
        employer: Some("&lt;script&gt;alert(1)&lt;/script&gt; Asso &amp; Co".into()),
        location: Some("<i>Lyon</i> (69)".into()),
        categories: vec!["<b>Animation</b>".into()],
        ..Default::default()
    };
    let o = normalise(&item, &ctx());
    assert_eq!(
        o.title,
        "&lt;img src=x onerror=alert(1)&gt; Animateur jeunesse"
    );
    assert_eq!(o.title_raw, o.title);
    assert_eq!(
        o.employer.as_deref(),
        Some("&lt;script&gt;alert(1)&lt;/script&gt; Asso & Co")
    );
    assert_eq!(o.location.raw.as_deref(), Some("Lyon (69)"));
    assert_eq!(o.categories, vec!["Animation"]);
    assert_eq!(o.sector.as_deref(), Some("Animation"));
}

/// A first category that is empty once its markup is gone is no sector: the sector is the
/// first category the outputs keep.
#[test]
fn an_empty_first_category_is_not_the_sector() {
    let item = RawItem {
        title: Some("Coordinatrice de projets (H/F)".into()),
        categories: vec!["<span> </span>".into(), "Action sociale".into()],
        ..Default::default()
    };
    let o = normalise(&item, &ctx());
    assert_eq!(o.categories, vec!["Action sociale"]);
    assert_eq!(o.sector.as_deref(), Some("Action sociale"));
}

#[test]
fn labelled_lines_fill_the_model() {
    let item = RawItem {
        title: Some("Educateur spécialisé (H/F) - CDI - Lyon".into()),
        link: Some("https://www.ressources-solidaires.org/o/1".into()),
        description: Some("<p><strong>Association Le Prado</strong> recrute.</p><p>Lieu : Lyon 3e (69)<br/>Contrat : CDI<br/>Temps de travail : Temps plein<br/>Salaire : selon CCN 66<br/>Date limite : 15/12/2026</p>".into()),
        ..Default::default()
    };
    let o = normalise(&item, &ctx());
    assert_eq!(o.title, "Educateur spécialisé");
    assert_eq!(o.location.place.insee.as_deref(), Some("69383"));
    assert_eq!(o.location.place.commune.as_deref(), Some("Lyon"));
    assert_eq!(o.location.place.region.as_deref(), Some("84"));
    assert_eq!(o.contract, Some(Contract::Cdi));
    assert_eq!(o.employment_types, vec!["FULL_TIME"]);
    assert_eq!(
        o.working_time.unwrap().kind,
        Some(WorkingTimeKind::FullTime)
    );
    assert_eq!(o.salary, None);
    assert_eq!(o.salary_raw.as_deref(), Some("selon CCN 66"));
    assert_eq!(o.valid_through, t("2026-12-15T22:59:59Z"));
    assert!(o.warnings.is_empty(), "{:?}", o.warnings);
}

/// Terms a board's fields leave out but the ad's sentences state: France Travail's "CDD -
/// 12 Mois" for a CDD d'insertion, the weekly hours, the length of a CDD, the start date
/// (not the date of a republication notice).
#[test]
fn terms_stated_only_in_the_text_are_read() {
    use crate::model::{ContractDuration, DurationUnit};
    let item = RawItem {
        title: Some("Agent de tri textile (F/H)".into()),
        link: Some("https://offres.example.org/o/17".into()),
        location: Some("51 - EPERNAY".into()),
        contract: Some("CDD - 12 Mois".into()),
        description: Some(
            "Offre actualisée le 17/11/2026 : le poste est toujours à pourvoir.\n\
             Le Relais Champagne recrute un agent de tri en CDD d'insertion de 12 mois. \
             Temps de travail : 26 h hebdomadaires. Poste à pourvoir le 04/01/2027."
                .into(),
        ),
        ..Default::default()
    };
    let o = normalise(&item, &ctx());
    assert_eq!(o.contract, Some(Contract::Insertion));
    assert_eq!(
        o.contract_duration,
        Some(ContractDuration {
            amount: 12.0,
            unit: DurationUnit::Month
        })
    );
    let wt = o.working_time.unwrap();
    assert_eq!(wt.hours_per_week, Some(26.0));
    assert_eq!(wt.kind, Some(WorkingTimeKind::PartTime));
    assert_eq!(o.start_date, t("2027-01-03T23:00:00Z"));

    // An insertion employer hiring its own staff on an ordinary CDD, whose length and
    // start only the text gives.
    let item = RawItem {
        title: Some("Encadrant technique d'insertion".into()),
        link: Some("https://offres.example.org/o/18".into()),
        contract: Some("CDD".into()),
        description: Some(
            "Le chantier d'insertion Les Jardins du Cœur recrute en CDD de 6 mois, \
             prise de poste à partir du 1er février 2027. Horaires : de 9h à 17h."
                .into(),
        ),
        ..Default::default()
    };
    let o = normalise(&item, &ctx());
    assert_eq!(o.contract, Some(Contract::Cdd));
    assert_eq!(
        o.contract_duration,
        Some(ContractDuration {
            amount: 6.0,
            unit: DurationUnit::Month
        })
    );
    assert_eq!(o.working_time, None, "a time range is no weekly hours");
    assert_eq!(o.start_date, t("2027-01-31T23:00:00Z"));
}

/// One agency ad for several towns, each posting placed by its department only: the
/// town its title names makes the place precise, when it lies in that department.
#[test]
fn a_commune_named_by_the_title_makes_a_department_precise() {
    let placed = |title: &str, location: &str| {
        let item = RawItem {
            title: Some(title.into()),
            link: Some("https://offres.example.org/o/21".into()),
            location: Some(location.into()),
            ..Default::default()
        };
        normalise(&item, &ctx()).location.place
    };
    let p = placed("Agent de propreté F/H - Aubagne", "Bouches-du-Rhône");
    assert_eq!(p.commune.as_deref(), Some("Aubagne"));
    assert_eq!(p.department.as_deref(), Some("13"));
    let p = placed("Agent de propreté (H/F) – Aix-en-Provence", "13");
    assert_eq!(p.commune.as_deref(), Some("Aix-en-Provence"));
    // A town of another department leaves the place as the fields say.
    let p = placed("Agent de propreté - Toulon", "Bouches-du-Rhône");
    assert_eq!(p.commune, None);
    assert_eq!(p.department.as_deref(), Some("13"));
    // A foreign town is no French commune.
    let p = placed("Ouvrier agricole - Kędzierzyn-Koźle", "Kędzierzyn-Koźle");
    assert_eq!(p.commune, None);
}

#[test]
fn structured_fields_and_swapped_wp_categories() {
    let item = RawItem {
        title: Some("Service civique &#8211; Lutte contre la précarité h/f".into()),
        link: Some("https://a.fr/1".into()),
        location: Some("Châlons-en-Champagne (51)".into()),
        contract: Some("Action sociale".into()),
        sector: Some("Service civique".into()),
        employer: Some("Les Restos du Cœur de la Marne".into()),
        ..Default::default()
    };
    let o = normalise(&item, &ctx());
    assert_eq!(o.contract, Some(Contract::ServiceCivique));
    assert_eq!(o.sector.as_deref(), Some("Action sociale"));
    assert_eq!(o.contract_raw.as_deref(), Some("Service civique"));
    assert_eq!(o.location.place.insee.as_deref(), Some("51108"));
    assert_eq!(o.title, "Service civique – Lutte contre la précarité");
    assert!(o.warnings.is_empty(), "{:?}", o.warnings);
}

#[test]
fn france_travail_codes_and_salary() {
    let item = RawItem {
        title: Some("Moniteur éducateur (H/F)".into()),
        link: Some("https://a.fr/2".into()),
        location: Some("51 - REIMS".into()),
        insee: Some("51454".into()),
        postcode: Some("51100".into()),
        contract: Some("MIS".into()),
        contract_nature: Some("Contrat travail".into()),
        salary: Some("Mensuel de 1600,00 Euros à 1800,00 Euros".into()),
        working_time: Some("Temps plein".into()),
        ..Default::default()
    };
    let o = normalise(&item, &ctx());
    assert_eq!(o.contract, Some(Contract::Interim));
    assert_eq!(o.location.place.commune.as_deref(), Some("Reims"));
    let s = o.salary.unwrap();
    assert_eq!(
        (s.min, s.max, s.period),
        (Some(1600.0), Some(1800.0), Some(SalaryPeriod::Month))
    );
    assert_eq!(o.employment_types, vec!["TEMPORARY", "FULL_TIME"]);
}

#[test]
fn remote_and_missing_place() {
    let mut item = RawItem {
        title: Some("Développeur·se web".into()),
        link: Some("https://a.fr/3".into()),
        location: Some("Télétravail".into()),
        ..Default::default()
    };
    let o = normalise(&item, &ctx());
    assert_eq!(o.location.remote, Some(Remote::Full));
    assert!(o.warnings.is_empty(), "{:?}", o.warnings);
    item.location = None;
    let o = normalise(&item, &ctx());
    assert_eq!(o.location.remote, None);
    assert_eq!(o.warnings, vec!["no location"]);
}

fn places(s: &str) -> bool {
    matches!(
        s,
        "Lyon" | "Paris" | "Marseille" | "Lyon 3e" | "Reims" | "Île-de-France" | "Télétravail"
    )
}

#[test]
fn never_panics_on_hostile_inputs() {
    let inputs = [
        "",
        " ",
        "\u{a0}",
        "(",
        ")",
        "((((",
        "H/",
        "/F",
        "(H/",
        "H/F/",
        "·",
        "(e",
        "e)",
        "1,",
        "1.",
        "1 9",
        "€",
        "k€",
        "-",
        " - ",
        "|",
        ":",
        "：",
        "–",
        "9999999999999999999999999999",
        "0,00000000000000000001",
        "é\u{301}",
        "\u{301}",
        "\u{200b}",
        "🙂(e)",
        "a·",
        "a(",
        "𝔄𝔅ℭ",
        "ǅ",
        "İstanbul",
        "ß",
        "Ⅻ",
        "٣",
        "1/0 temps",
        "0/0 temps",
    ];
    for s in inputs {
        let _ = classify_contract(s);
        let _ = contract_duration(s);
        let _ = parse_working_time(s);
        let _ = parse_salary(s);
        let _ = clean_title(s, &places);
        let _ = employer_family(s, Some(s));
        let _ = labelled_fields(s);
        let _ = france_travail_contract(s, Some(s));
        let _ = Contract::from_code(s);
    }
}
