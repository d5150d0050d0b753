//! Parse + normalise throughput on a generated corpus of mixed formats (RSS with labelled
//! lines, WP Job Manager RSS, Atom, JSON Feed, Indeed XML, France Travail JSON, JSON-LD),
//! on one thread. Run: `cargo bench --bench parse_normalise` (optionally `-- 200000` offers).
//! As a reference measured in the same run it also times feed-rs alone on the RSS part. Where
//! /proc is there, each figure is also given per second of CPU time, which a shared machine's
//! load does not lower as much as the wall-clock one.

use std::time::Instant;

use chrono::{DateTime, Utc};
use essaim::normalise::{self, Context};
use essaim::parse::{self, Format, ParseContext};

const PER_FEED: usize = 500;

const TITLES: &[&str] = &[
    "Educateur spécialisé (H/F) - CDI - Lyon",
    "Animateur·rice périscolaire F/H",
    "Chargé(e) de mission économie circulaire",
    "Aide à domicile H/F",
    "Directeur/Directrice de crèche associative",
    "Conseiller·ère en insertion professionnelle",
    "Comptable (H/F) – CDD 6 mois",
    "Infirmier(e) en centre de santé mutualiste",
];
const PLACES: &[&str] = &[
    "Lyon 3e (69)",
    "69100 Villeurbanne",
    "51 - REIMS",
    "Rennes (35)",
    "Paris 15e",
    "Marseille 13001",
    "Ajaccio (2A)",
    "97400 Saint-Denis",
    "Brest",
    "Toulouse (31)",
];
const CONTRACTS: &[&str] = &[
    "CDI",
    "CDD 12 mois",
    "Contrat à durée indéterminée",
    "Stage de 6 mois",
    "Service civique",
    "Alternance",
];
const SALARIES: &[&str] = &[
    "1 900 € brut mensuel",
    "selon CCN 66",
    "28-32 k€ annuel",
    "11,88 € brut de l'heure",
    "Mensuel de 1600,00 Euros à 1800,00 Euros",
];

/// CPU time this process has used so far (user + system, from /proc/self/stat), in seconds;
/// None where there is no procfs. On a shared machine it does not count the time spent
/// waiting for a core, which the wall-clock figures do.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = stat.get(stat.rfind(')')? + 1..)?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // USER_HZ is 100 on Linux.
    Some(ticks as f64 / 100.0)
}

/// "N per CPU-second" for `count` items done between two [`cpu_seconds`] readings.
fn per_cpu_second(count: usize, from: Option<f64>, to: Option<f64>) -> String {
    match (from, to) {
        (Some(a), Some(b)) if b > a => format!(", {:.0}/s of CPU time", count as f64 / (b - a)),
        _ => String::new(),
    }
}

fn pick<'a>(list: &'a [&'a str], i: usize) -> &'a str {
    list[i % list.len()]
}

/// Two descriptions in five carry links and inline styles (what WordPress editors produce),
/// so they need the full sanitiser; the others are plain formatting markup.
fn description(i: usize) -> String {
    let extra = if i % 5 < 2 {
        format!("<p style=\"text-align: justify;\">Candidature : <a href=\"/candidater/?offre={i}\" target=\"_blank\">formulaire en ligne</a> ou <a href=\"mailto:rh@asso{i}.fr\">par courriel</a>.</p>")
    } else {
        String::new()
    };
    format!(
        "{extra}<p><strong>Association n°{i}</strong> recrute pour son service d'accompagnement. Vous rejoignez une équipe pluridisciplinaire engagée dans l'économie sociale et solidaire, au service des habitants du territoire.</p><p>Lieu : {}<br/>Contrat : {}<br/>Temps de travail : Temps plein<br/>Salaire : {}<br/>Date limite : {:02}/12/2026</p><ul><li>Accueil et accompagnement des publics</li><li>Travail en réseau avec les partenaires</li></ul>",
        pick(PLACES, i), pick(CONTRACTS, i / 3), pick(SALARIES, i / 7), 1 + i % 28
    )
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn feed(kind: usize, base: usize) -> (Format, Vec<u8>) {
    let mut out = String::new();
    let items = base..base + PER_FEED;
    match kind {
        0 | 1 => {
            out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\" xmlns:job_listing=\"https://wpjobmanager.com\"><channel><title>t</title>");
            for i in items {
                out.push_str(&format!("<item><title>{}</title><link>https://asso{}.fr/offres/{i}</link><guid isPermaLink=\"false\">o-{i}</guid><pubDate>Tue, 17 Nov 2026 09:12:00 +0100</pubDate><description>{}</description>", xml_escape(pick(TITLES, i)), i % 97, xml_escape(&description(i))));
                if kind == 1 {
                    out.push_str(&format!("<job_listing:location><![CDATA[{}]]></job_listing:location><job_listing:job_type><![CDATA[{}]]></job_listing:job_type><job_listing:company><![CDATA[Association {i}]]></job_listing:company>", pick(PLACES, i + 3), pick(CONTRACTS, i)));
                }
                out.push_str("</item>");
            }
            out.push_str("</channel></rss>");
            (Format::Rss, out.into_bytes())
        }
        2 => {
            out.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?><feed xmlns=\"http://www.w3.org/2005/Atom\"><id>urn:x</id><title>t</title><updated>2026-11-21T17:00:00+01:00</updated>");
            for i in items {
                out.push_str(&format!("<entry><id>urn:o:{i}</id><title>{}</title><link href=\"https://cress.fr/o/{i}\"/><updated>2026-11-19T12:30:00+01:00</updated><author><name>SCIC n°{i}</name></author><content type=\"html\">{}</content></entry>", xml_escape(pick(TITLES, i)), xml_escape(&description(i))));
            }
            out.push_str("</feed>");
            (Format::Atom, out.into_bytes())
        }
        3 => {
            let items: Vec<_> = items.map(|i| serde_json::json!({"id": format!("jf-{i}"), "url": format!("https://m.fr/{i}"), "title": pick(TITLES, i), "content_html": description(i), "date_published": "2026-11-17T07:00:00+04:00", "authors": [{"name": format!("Mutuelle {i}")}]})).collect();
            (Format::JsonFeed, serde_json::to_vec(&serde_json::json!({"version": "https://jsonfeed.org/version/1.1", "title": "t", "items": items})).unwrap_or_default())
        }
        4 => {
            out.push_str(
                "<?xml version=\"1.0\" encoding=\"utf-8\"?><source><publisher>p</publisher>",
            );
            for i in items {
                out.push_str(&format!("<job><title><![CDATA[{}]]></title><date><![CDATA[20/11/2026]]></date><referencenumber><![CDATA[R-{i}]]></referencenumber><url><![CDATA[https://coop.fr/o/{i}]]></url><company><![CDATA[ADMR {i}]]></company><city><![CDATA[Épernay]]></city><postalcode>51200</postalcode><description><![CDATA[{}]]></description><salary><![CDATA[{}]]></salary><jobtype><![CDATA[{}]]></jobtype></job>", pick(TITLES, i), description(i), pick(SALARIES, i), pick(CONTRACTS, i)));
            }
            out.push_str("</source>");
            (Format::Indeed, out.into_bytes())
        }
        5 => {
            let items: Vec<_> = items.map(|i| serde_json::json!({"id": format!("FT{i}"), "intitule": pick(TITLES, i), "description": "Au sein d'un foyer d'hébergement, vous accompagnez les résidents.", "dateCreation": "2026-11-18T09:12:04.000Z", "lieuTravail": {"libelle": "51 - REIMS", "codePostal": "51100", "commune": "51454"}, "entreprise": {"nom": format!("Association {i}")}, "typeContrat": "CDD", "natureContrat": "Contrat travail", "salaire": {"libelle": "Mensuel de 1900,00 Euros à 2100,00 Euros"}, "dureeTravailLibelleConverti": "Temps plein", "origineOffre": {"urlOrigine": format!("https://ft.fr/{i}")}})).collect();
            (
                Format::FranceTravail,
                serde_json::to_vec(&serde_json::json!({"resultats": items})).unwrap_or_default(),
            )
        }
        _ => {
            let items: Vec<_> = items.map(|i| serde_json::json!({"@type": "JobPosting", "title": pick(TITLES, i), "description": description(i), "identifier": format!("LD-{i}"), "datePosted": "2026-11-12", "employmentType": "FULL_TIME", "hiringOrganization": {"name": format!("Fondation {i}")}, "jobLocation": {"address": {"addressLocality": "Toulouse", "postalCode": "31000"}}, "url": format!("https://ld.fr/{i}")})).collect();
            (
                Format::JsonLd,
                serde_json::to_vec(
                    &serde_json::json!({"@context": "https://schema.org", "@graph": items}),
                )
                .unwrap_or_default(),
            )
        }
    }
}

fn main() {
    let total: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(100_000);
    let feeds: Vec<(Format, Vec<u8>)> = (0..total.div_ceil(PER_FEED))
        .map(|f| feed(f % 7, f * PER_FEED))
        .collect();
    let bytes: usize = feeds.iter().map(|(_, b)| b.len()).sum();
    let now: DateTime<Utc> = "2026-11-22T12:00:00Z".parse().unwrap_or_default();
    // Warm the lazily built geography tables so the figure is the steady state.
    let _ = essaim::geo::resolve("Lyon");

    let cpu_start = cpu_seconds();
    let start = Instant::now();
    let mut offers = 0usize;
    let mut warnings = 0usize;
    let mut parsing = std::time::Duration::ZERO;
    let mut all_items = Vec::new();
    for (format, body) in &feeds {
        let ctx = ParseContext {
            format: Some(*format),
            ..ParseContext::at(now)
        };
        let t = Instant::now();
        let Ok(parsed) = parse::parse(body, &ctx) else {
            continue;
        };
        parsing += t.elapsed();
        let nctx = Context {
            feed_id: "bench",
            base_url: None,
            now,
        };
        for item in &parsed.items {
            let offer = normalise::normalise(item, &nctx);
            warnings += offer.warnings.len();
            offers += 1;
            std::hint::black_box(offer);
        }
        all_items.extend(parsed.items);
    }
    let ours = start.elapsed();
    let cpu_ours = per_cpu_second(offers, cpu_start, cpu_seconds());
    // Where the time goes, stage by stage, on the same items (skipped with `-- quick`).
    let quick = std::env::args().any(|a| a == "quick");
    let stage = |name: &str, f: &dyn Fn(&parse::RawItem)| {
        if quick {
            return;
        }
        let t = Instant::now();
        for item in &all_items {
            f(item);
        }
        println!(
            "  stage {name:<22} {:>6.0} ns/offer",
            t.elapsed().as_nanos() as f64 / all_items.len() as f64
        );
    };
    stage("sanitise", &|i| {
        std::hint::black_box(normalise::html::sanitise(
            i.description.as_deref().unwrap_or(""),
            None,
        ));
    });
    stage("sanitise + text", &|i| {
        let h = normalise::html::sanitise(i.description.as_deref().unwrap_or(""), None);
        std::hint::black_box(normalise::html::sanitised_to_text(&h));
    });
    stage("labelled_fields", &|i| {
        std::hint::black_box(normalise::labels::labelled_fields(
            i.description.as_deref().unwrap_or(""),
        ));
    });
    stage("is_remote(description)", &|i| {
        std::hint::black_box(normalise::telework::is_remote(
            i.description.as_deref().unwrap_or(""),
        ));
    });
    stage("clean_title", &|i| {
        std::hint::black_box(normalise::title::clean_title(
            i.title.as_deref().unwrap_or(""),
            &|s| essaim::geo::resolve(s).is_some(),
        ));
    });
    stage("geo resolve", &|i| {
        std::hint::black_box(essaim::geo::resolve(
            i.location.as_deref().unwrap_or("Lyon (69)"),
        ));
    });
    stage("normalise (all)", &|i| {
        std::hint::black_box(normalise::normalise(
            i,
            &Context {
                feed_id: "bench",
                base_url: None,
                now,
            },
        ));
    });
    let bare: Vec<parse::RawItem> = all_items
        .iter()
        .take(if quick { 0 } else { usize::MAX })
        .map(|i| parse::RawItem {
            description: None,
            ..i.clone()
        })
        .collect();
    let t = Instant::now();
    for i in &bare {
        std::hint::black_box(normalise::normalise(
            i,
            &Context {
                feed_id: "bench",
                base_url: None,
                now,
            },
        ));
    }
    println!(
        "  stage normalise without description {:>6.0} ns/offer",
        t.elapsed().as_nanos() as f64 / bare.len() as f64
    );
    println!(
        "  parse: {:.0} ns/offer",
        parsing.as_nanos() as f64 / offers as f64
    );

    let cpu_start = cpu_seconds();
    let start = Instant::now();
    let mut rss_items = 0usize;
    for (format, body) in feeds.iter().filter(|(f, _)| *f == Format::Rss) {
        let _ = format;
        if let Ok(feed) = feed_rs::parser::parse(&body[..]) {
            rss_items += feed.entries.len();
        }
    }
    let reference = start.elapsed();
    let cpu_reference = per_cpu_second(rss_items, cpu_start, cpu_seconds());
    let rss_bytes: usize = feeds
        .iter()
        .filter(|(f, _)| *f == Format::Rss)
        .map(|(_, b)| b.len())
        .sum();

    println!(
        "corpus: {offers} offers in {} feeds, {:.1} MB, 7 formats",
        feeds.len(),
        bytes as f64 / 1e6
    );
    println!(
        "essaim parse + normalise: {:.2} s, {:.0} offers/s on one thread ({} warnings){cpu_ours}",
        ours.as_secs_f64(),
        offers as f64 / ours.as_secs_f64(),
        warnings
    );
    println!(
        "reference, feed-rs parse alone on the RSS part: {rss_items} items, {:.2} s, {:.0} items/s, {:.1} MB/s{cpu_reference}",
        reference.as_secs_f64(),
        rss_items as f64 / reference.as_secs_f64(),
        rss_bytes as f64 / 1e6 / reference.as_secs_f64()
    );
}
