//! Fields that mean what they say (issue 16, part 4), read through the whole normaliser with
//! the real geography: snippets of real partner offers (written here, in their shapes) and the
//! field each must give.
#![allow(clippy::unwrap_used)]

mod common;

use essaim::model::Remote;
use essaim::normalise::{normalise, Context};
use essaim::parse::RawItem;

fn ctx() -> Context<'static> {
    Context {
        feed_id: "partenaire",
        base_url: Some("https://emplois.example.org/"),
        now: common::fixture_now(),
    }
}

fn item(title: &str, description: &str) -> RawItem {
    RawItem {
        title: Some(title.into()),
        link: Some("https://emplois.example.org/offres/1".into()),
        description: Some(description.into()),
        location: Some("Lyon (69)".into()),
        ..Default::default()
    }
}

#[test]
fn a_department_before_the_gender_marker_is_not_hours() {
    let o = normalise(
        &item(
            "Chargé de Communication Btob Laval 53 H/F",
            "Vous développez la communication de nos partenaires entreprises.",
        ),
        &ctx(),
    );
    assert_eq!(o.working_time, None, "{:?}", o.working_time);
    let o = normalise(
        &item(
            "Aide à domicile Nantes 44 H/F - 28h/semaine",
            "Accompagnement de personnes âgées à leur domicile.",
        ),
        &ctx(),
    );
    assert_eq!(o.working_time.and_then(|w| w.hours_per_week), Some(28.0));
}

#[test]
fn a_place_in_parentheses_is_not_cut_in_the_middle() {
    let o = normalise(
        &item(
            "Alternance - webmarketing specialist - Bac+4/5 - (38 - Grenoble) - H/F",
            "Rejoignez notre équipe marketing en alternance.",
        ),
        &ctx(),
    );
    assert!(
        !o.title.ends_with("(38"),
        "a separator inside the parenthesis cut it: {:?}",
        o.title
    );
    assert!(
        o.title
            .starts_with("Alternance - webmarketing specialist - Bac+4/5"),
        "{:?}",
        o.title
    );
    let open = o.title.matches('(').count();
    assert_eq!(open, o.title.matches(')').count(), "{:?}", o.title);
}

#[test]
fn a_distance_about_the_tasks_is_not_remote_work() {
    for text in [
        "Vous animez des sessions de formation à distance auprès des bénévoles.",
        "Vous assurez le support clients à distance et sur site.",
        "Installation des postes et prise de contrôle à distance en cas de panne.",
        "Vous soutenez les équipes locales (sur place ou à distance).",
    ] {
        let o = normalise(&item("Technicien support informatique", text), &ctx());
        assert_eq!(o.location.remote, None, "{text:?}");
    }
    for text in [
        "Télétravail possible deux jours par semaine.",
        "Poste ouvert au travail à distance partiel.",
    ] {
        let o = normalise(&item("Chargé de mission", text), &ctx());
        assert_eq!(o.location.remote, Some(Remote::Partial), "{text:?}");
    }
    let mut structured = item("Chargé de mission", "Mission de développement local.");
    structured.remote = Some("Pas_teletravail".into());
    assert_eq!(
        normalise(&structured, &ctx()).location.remote,
        Some(Remote::None)
    );
}

/// France Travail states the weekly hours in `dureeTravailLibelle` and the kind in
/// `dureeTravailLibelleConverti`: both are read.
#[test]
fn france_travail_working_time_keeps_its_hours() {
    let body = r#"{"resultats":[
      {"id":"185KQPL","intitule":"Moniteur d'atelier (H/F)","description":"ESAT de 60 travailleurs.",
       "lieuTravail":{"libelle":"53 - LAVAL","codePostal":"53000","commune":"53130"},
       "entreprise":{"nom":"ADAPEI 53"},"typeContrat":"CDI","typeContratLibelle":"Contrat à durée indéterminée",
       "dureeTravailLibelle":"39H/semaine","dureeTravailLibelleConverti":"Temps plein",
       "origineOffre":{"urlOrigine":"https://candidat.francetravail.fr/offres/recherche/detail/185KQPL"}},
      {"id":"185KQPM","intitule":"Agent d'entretien (H/F)","description":"Entretien des locaux.",
       "lieuTravail":{"libelle":"53 - LAVAL","codePostal":"53000","commune":"53130"},
       "entreprise":{"nom":"ADAPEI 53"},"typeContrat":"CDD","typeContratLibelle":"Contrat à durée déterminée - 6 Mois",
       "dureeTravailLibelle":"Travail en journée","dureeTravailLibelleConverti":"Temps partiel",
       "origineOffre":{"urlOrigine":"https://candidat.francetravail.fr/offres/recherche/detail/185KQPM"}}
    ]}"#;
    let parsed = essaim::parse::parse(
        body.as_bytes(),
        &essaim::parse::ParseContext::at(common::fixture_now()),
    )
    .unwrap();
    let offers: Vec<_> = parsed.items.iter().map(|i| normalise(i, &ctx())).collect();
    let wt = offers[0].working_time.unwrap();
    assert_eq!(wt.hours_per_week, Some(39.0));
    assert_eq!(wt.kind, Some(essaim::model::WorkingTimeKind::FullTime));
    let wt = offers[1].working_time.unwrap();
    assert_eq!(wt.kind, Some(essaim::model::WorkingTimeKind::PartTime));
}

/// A mapping translates a partner's own values and gives units to its bare numbers.
#[test]
fn a_mapping_translates_values_and_gives_units() {
    let toml = r#"
[[feed]]
id = "plateforme-insertion"
name = "Plateforme insertion"
network = "IAE"
url = "offres.json"
format = "json"

[feed.mapping]
items = "/offres"
title = "/poste"
link = "/url"
remote = "/teletravail"
duration = "/duree"
working_time = "/heures"
duration_unit = "months"
working_time_unit = "hours"

[feed.values.remote]
"Pas_teletravail" = "no"
"Teletravail_total" = "full"
"#;
    let config = essaim::config::parse(toml, std::path::Path::new("/tmp/feeds.toml")).unwrap();
    let feed = &config.feeds[0];
    let body = r#"{"offres":[
      {"poste":"Encadrant technique","url":"https://insertion.example.org/1","teletravail":"Pas_teletravail","duree":"6","heures":"35"},
      {"poste":"Chargé de relation entreprises","url":"https://insertion.example.org/2","teletravail":"TELETRAVAIL_TOTAL","duree":"12","heures":"24,5"},
      {"poste":"Agent polyvalent","url":"https://insertion.example.org/3","duree":"4 mois","heures":"Temps plein"}
    ]}"#;
    let pctx = essaim::parse::ParseContext {
        format: Some(feed.format),
        mapping: feed.mapping.as_ref(),
        ..essaim::parse::ParseContext::at(common::fixture_now())
    };
    let parsed = essaim::parse::parse(body.as_bytes(), &pctx).unwrap();
    let offers: Vec<_> = parsed.items.iter().map(|i| normalise(i, &ctx())).collect();
    assert_eq!(
        offers[0].location.remote,
        Some(Remote::None),
        "Pas_teletravail is no remote work"
    );
    assert_eq!(offers[1].location.remote, Some(Remote::Full));
    assert_eq!(offers[2].location.remote, None, "not said");
    let months = |i: usize| {
        offers[i]
            .contract_duration
            .map(|d| (d.amount, d.unit))
            .unwrap_or_else(|| panic!("{:?}", offers[i].contract_duration))
    };
    use essaim::model::DurationUnit;
    assert_eq!(months(0), (6.0, DurationUnit::Month));
    assert_eq!(months(1), (12.0, DurationUnit::Month));
    assert_eq!(months(2), (4.0, DurationUnit::Month), "a stated unit stays");
    let hours = |i: usize| offers[i].working_time.and_then(|w| w.hours_per_week);
    assert_eq!(hours(0), Some(35.0));
    assert_eq!(hours(1), Some(24.5));
    assert_eq!(
        offers[2].working_time.and_then(|w| w.kind),
        Some(essaim::model::WorkingTimeKind::FullTime)
    );

    // A unit essaim does not know is a configuration error naming the choices.
    let bad = toml.replace("duration_unit = \"months\"", "duration_unit = \"mois\"");
    let err = essaim::config::parse(&bad, std::path::Path::new("/tmp/feeds.toml"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("duration_unit = \"mois\": expected one of days, weeks, months, years"),
        "{err}"
    );
}

/// A mapping path that matches several elements keeps all of them with `[*]`.
#[test]
fn a_mapping_path_keeps_every_element_it_matches() {
    let toml = r#"
[[feed]]
id = "alternance"
name = "Alternance"
network = "Réseau"
url = "offres.xml"
format = "xml"

[feed.mapping]
items = "offres/offre"
title = "intitule"
link = "lien"
contract = "contract/types/type[*]"
"#;
    let config = essaim::config::parse(toml, std::path::Path::new("/tmp/feeds.toml")).unwrap();
    let feed = &config.feeds[0];
    let body = r#"<offres>
  <offre><intitule>Chargé de communication</intitule><lien>https://alternance.example.org/1</lien>
    <contract><types><type>CDI</type><type>Alternance</type></types></contract></offre>
  <offre><intitule>Comptable</intitule><lien>https://alternance.example.org/2</lien>
    <contract><types><type>CDD</type></types></contract></offre>
</offres>"#;
    let pctx = essaim::parse::ParseContext {
        format: Some(feed.format),
        mapping: feed.mapping.as_ref(),
        ..essaim::parse::ParseContext::at(common::fixture_now())
    };
    let parsed = essaim::parse::parse(body.as_bytes(), &pctx).unwrap();
    assert_eq!(parsed.items[0].contract.as_deref(), Some("CDI, Alternance"));
    assert_eq!(parsed.items[1].contract.as_deref(), Some("CDD"));
}

/// schema.org's coarse `employmentType` (as the JSON-LD reader passes it) is refined by the
/// French contract the text states, when the two agree.
#[test]
fn a_coarse_employment_type_is_refined_by_the_stated_contract() {
    use essaim::model::Contract;
    let coarse = |types: &str, title: &str, text: &str| {
        let mut i = item(title, text);
        i.contract = Some(types.into());
        normalise(&i, &ctx())
    };
    for (types, title, text, want) in [
        (
            "FULL_TIME",
            "Coordinatrice de projets",
            "<p>Contrat : CDI</p><p>Poste basé à Lyon.</p>",
            Some(Contract::Cdi),
        ),
        (
            "INTERN",
            "Assistant communication",
            "<p>Stage de 6 mois à partir de février.</p>",
            Some(Contract::Stage),
        ),
        (
            "CONTRACTOR",
            "Formateur",
            "<p>Mission en freelance, facturation mensuelle.</p>",
            Some(Contract::Independant),
        ),
        (
            "TEMPORARY",
            "Magasinier",
            "<p>Poste en CDD de 4 mois.</p>",
            Some(Contract::Cdd),
        ),
    ] {
        let o = coarse(types, title, text);
        assert_eq!(o.contract, want, "{types} + {text:?}: {:?}", o.contract_raw);
    }
    // A stated contract that contradicts the coarse type is not taken: VOLUNTEER is no CDI.
    let o = coarse(
        "VOLUNTEER",
        "Accompagnateur de sorties",
        "<p>Nos 12 salariés sont en CDI.</p>",
    );
    assert_ne!(o.contract, Some(Contract::Cdi));
    // The duration of "CDD de 6 mois" is read with the contract.
    let o = coarse(
        "FULL_TIME",
        "Aide-soignant",
        "<p>CDD de 6 mois renouvelable.</p>",
    );
    assert_eq!(o.contract, Some(Contract::Cdd));
    assert_eq!(o.contract_duration.map(|d| d.amount), Some(6.0));
}

/// schema.org input: a place whose `addressCountry` is not France is published with that
/// country, never resolved as a French commune.
#[test]
fn a_json_ld_place_abroad_keeps_its_country() {
    let page = |locality: &str, country: &str| {
        format!(
            r#"<html><head><script type="application/ld+json">{{"@context":"https://schema.org","@type":"JobPosting",
            "title":"Pracownik produkcji","datePosted":"2026-11-18","description":"Praca na linii produkcyjnej.",
            "url":"https://praca.example.pl/oferty/12",
            "hiringOrganization":{{"@type":"Organization","name":"PARETTI"}},
            "jobLocation":{{"@type":"Place","address":{{"@type":"PostalAddress","addressLocality":"{locality}","postalCode":"45-001","addressCountry":"{country}"}}}}}}</script></head><body></body></html>"#
        )
    };
    let read = |body: String| {
        let parsed = essaim::parse::parse(
            body.as_bytes(),
            &essaim::parse::ParseContext::at(common::fixture_now()),
        )
        .unwrap();
        normalise(&parsed.items[0], &ctx())
    };
    let o = read(page("Opole", "PL"));
    assert_eq!(o.location.place.commune, None, "{:?}", o.location);
    assert_eq!(essaim::publish::address_country(&o.location), Some("PL"));
    let o = read(page("Stuttgart", "Deutschland"));
    assert_eq!(essaim::publish::address_country(&o.location), Some("DE"));
    // France stays France: the commune is resolved.
    let o = read(page("Nantes", "FR").replace("45-001", "44000"));
    assert_eq!(o.location.place.commune.as_deref(), Some("Nantes"));
    assert_eq!(essaim::publish::address_country(&o.location), Some("FR"));
}
