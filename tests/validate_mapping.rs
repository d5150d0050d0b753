//! `essaim validate` on an export in no format essaim knows: it says so, proposes the
//! `[feed.mapping]` that reads it, and the operator who pastes that proposal into feeds.toml
//! validates the feed with its configured format and mapping (`--feed ID`).
#![allow(clippy::unwrap_used)]

mod common;

use std::process::Command;

use common::FeedsToml;

fn essaim() -> Command {
    Command::new(env!("CARGO_BIN_EXE_essaim"))
}

/// A home-made export of a regional job board, in the shape French partners write by hand.
const EXPORT: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Export_offres genere_le="2026-11-21T06:00:00+01:00">
  <offres>
    <offre reference="CR-2026-311">
      <intitule>Chargé(e) d'accompagnement socioprofessionnel H/F</intitule>
      <structure><nom>Chantier d'insertion Les Jardins du Cœur</nom></structure>
      <ville>Rennes</ville><code_postal>35000</code_postal>
      <type_contrat>CDD</type_contrat>
      <remuneration>2 100 € brut mensuel</remuneration>
      <date_publication>2026-11-18</date_publication>
      <lien>https://emploi.cress-exemple.org/offres/311</lien>
      <descriptif>Vous accompagnez les salariés en parcours d'insertion vers l'emploi durable.</descriptif>
    </offre>
    <offre reference="CR-2026-312">
      <intitule>Encadrant technique maraîchage</intitule>
      <structure><nom>Chantier d'insertion Les Jardins du Cœur</nom></structure>
      <ville>Rennes</ville><code_postal>35000</code_postal>
      <type_contrat>CDI</type_contrat>
      <date_publication>2026-11-19</date_publication>
      <lien>https://emploi.cress-exemple.org/offres/312</lien>
      <descriptif>Vous encadrez une équipe de huit salariés en insertion sur le maraîchage bio.</descriptif>
    </offre>
    <offre reference="CR-2026-315">
      <intitule>Comptable</intitule>
      <structure><nom>Coopérative Oxalis</nom></structure>
      <ville>Saint-Malo</ville><code_postal>35400</code_postal>
      <type_contrat>CDI</type_contrat>
      <date_publication>2026-11-20</date_publication>
      <lien>https://emploi.cress-exemple.org/offres/315</lien>
      <descriptif>Tenue de la comptabilité générale de la coopérative.</descriptif>
    </offre>
  </offres>
</Export_offres>
"#;

#[test]
fn an_unknown_export_gets_a_mapping_that_then_validates() {
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("offres.xml");
    std::fs::write(&export, EXPORT).unwrap();

    let out = essaim().arg("validate").arg(&export).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("Export_offres"), "{stderr}");
    for line in [
        "format = \"xml\"",
        "[feed.mapping]",
        "items = \"Export_offres/offres/offre\"",
        "# 3 items",
        "title = \"intitule\"",
        "employer = \"structure/nom\"",
        "reference = \"@reference\"",
        "postcode = \"code_postal\"",
        "salary = \"remuneration\"",
    ] {
        assert!(stdout.contains(line), "{line:?} missing from:\n{stdout}");
    }
    assert!(stdout.contains("# in 1 of 3 items"), "{stdout}");

    // Pasted as printed into the feed's entry.
    let config = FeedsToml::new()
        .feed(
            "cress-exemple",
            "CRESS exemple",
            "CRESS",
            &export.display().to_string(),
        )
        .with(&stdout)
        .write(dir.path());
    let out = essaim()
        .arg("--config")
        .arg(&config)
        .args(["validate", "--feed", "cress-exemple", "--json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["offers"], 3, "{report}");
    assert_eq!(report["format"], "xml", "{report}");
    let count = |field: &str| {
        report["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["field"] == field)
            .map(|f| f["offers"].as_u64().unwrap())
    };
    assert_eq!(count("title"), Some(3));
    assert_eq!(count("employer"), Some(3));
    assert_eq!(count("commune"), Some(3));
    assert_eq!(count("contract"), Some(3));
    assert_eq!(count("salary"), Some(1));
    assert_eq!(count("link"), Some(3));
    assert!(
        !dir.path().join("essaim.db").exists(),
        "validate stores nothing"
    );

    // An unknown feed id says which ones exist.
    let out = essaim()
        .arg("--config")
        .arg(&config)
        .args(["validate", "--feed", "absent"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no feed \"absent\" (feeds: cress-exemple)"),
        "{stderr}"
    );
}
