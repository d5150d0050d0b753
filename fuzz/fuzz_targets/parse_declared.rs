//! Every parser by its declared format (the first byte chooses it; the mapped formats get a
//! mapping with attributes, alternatives and constants), then the normaliser on every item.
#![no_main]

use essaim::normalise;
use essaim::parse::{self, Field, Format, Mapping, ParseContext};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&choice, body)) = data.split_first() else {
        return;
    };
    let format = Format::ALL[usize::from(choice) % Format::ALL.len()];
    let xml_mapping = Mapping {
        items: "offres/offre".into(),
        fields: vec![
            (Field::Reference, "@ref|id".into()),
            (Field::Title, "intitule|titre/texte".into()),
            (Field::Description, "description".into()),
            (Field::Link, "lien|url".into()),
            (Field::City, "lieu/ville|lieu".into()),
            (Field::Postcode, "lieu/@cp".into()),
            (Field::Contract, "=CDI".into()),
        ],
    };
    let json_mapping = Mapping {
        items: "/offres".into(),
        fields: vec![
            (Field::Reference, "/id".into()),
            (Field::Title, "/poste|/intitule".into()),
            (Field::Description, "/description".into()),
            (Field::Link, "/url".into()),
            (Field::Salary, "/salaire/libelle".into()),
            (Field::Sector, "/themes".into()),
        ],
    };
    let now = chrono::DateTime::from_timestamp(1_795_000_000, 0).unwrap_or_default();
    let mut ctx = ParseContext::at(now);
    ctx.format = Some(format);
    ctx.base_url = Some("https://partenaire.example/flux.xml");
    ctx.mapping = match format {
        Format::Xml => Some(&xml_mapping),
        Format::Json => Some(&json_mapping),
        _ => None,
    };
    if let Ok(parsed) = parse::parse(body, &ctx) {
        let nctx = normalise::Context {
            feed_id: "fuzz",
            base_url: ctx.base_url,
            now,
        };
        for item in &parsed.items {
            let _ = normalise::normalise(item, &nctx);
        }
    }
});
