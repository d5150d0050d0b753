//! Proposes a `[feed.mapping]` for an XML or JSON body in no format essaim knows: the
//! repeated element (or array) that holds the offers, and each field matched by its name
//! against the names French and English partner exports use (`intitule`/`title`/`poste`,
//! `entreprise`/`company`, `ville`/`city`, `code_postal`/`cp`...), with how many items each
//! path fills. `essaim validate` prints it as TOML ready to paste. No I/O, no recursion on the
//! partner's document (a stack of paths, one pass per question asked).

use std::collections::{BTreeMap, HashMap, HashSet};

use quick_xml::events::Event;
use quick_xml::Reader;
use serde::Serialize;
use serde_json::Value;

use crate::parse::Field;

/// Paths deeper than this below an item are not proposed.
const MAX_FIELD_DEPTH: usize = 3;
/// Elements deeper than this in the document are not looked at.
const MAX_DEPTH: usize = 64;

/// One field of the proposal: where it is, and in how many items it has a value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Proposed {
    pub field: &'static str,
    pub path: String,
    pub filled: usize,
}

/// A mapping that reads the body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Proposal {
    /// "xml" or "json": the `format` to configure.
    pub format: &'static str,
    /// The mapping's `items`: element path from the root, or JSON pointer to the array.
    pub items: String,
    /// How many items that path holds.
    pub item_count: usize,
    pub fields: Vec<Proposed>,
}

/// Names partners give each field, folded (lowercase ASCII letters and digits only).
const NAMES: &[(Field, &[&str])] = &[
    (
        Field::Reference,
        &[
            "reference",
            "ref",
            "id",
            "identifiant",
            "guid",
            "numero",
            "referenceoffre",
            "jobid",
            "offerid",
            "idoffre",
            "referencenumber",
            "numerooffre",
        ],
    ),
    (
        Field::Title,
        &[
            "intitule",
            "title",
            "titre",
            "poste",
            "intituleposte",
            "jobtitle",
            "libelleposte",
            "intituleoffre",
            "titreoffre",
            "nomposte",
            "emploi",
            "position",
        ],
    ),
    (
        Field::Link,
        &[
            "url",
            "lien",
            "link",
            "href",
            "permalink",
            "urloffre",
            "lienoffre",
            "adresseweb",
        ],
    ),
    (
        Field::ApplyUrl,
        &[
            "urlcandidature",
            "applyurl",
            "postuler",
            "liencandidature",
            "candidatureurl",
            "applicationurl",
            "urlpostulation",
        ],
    ),
    (
        Field::Description,
        &[
            "description",
            "descriptif",
            "texte",
            "contenu",
            "content",
            "body",
            "missions",
            "descriptionposte",
            "detail",
            "details",
            "presentation",
            "annonce",
        ],
    ),
    (
        Field::Employer,
        &[
            "entreprise",
            "company",
            "employeur",
            "structure",
            "organisation",
            "organization",
            "employer",
            "companyname",
            "raisonsociale",
            "societe",
            "recruteur",
            "nomentreprise",
            "nomstructure",
            "association",
            "etablissement",
        ],
    ),
    (
        Field::Location,
        &[
            "lieu",
            "localisation",
            "location",
            "lieutravail",
            "lieudetravail",
            "adresse",
            "address",
            "lieuposte",
        ],
    ),
    (
        Field::City,
        &["ville", "city", "commune", "town", "localite", "nomcommune"],
    ),
    (
        Field::Postcode,
        &[
            "codepostal",
            "postalcode",
            "cp",
            "postcode",
            "zipcode",
            "zip",
            "codepostale",
        ],
    ),
    (
        Field::Department,
        &[
            "departement",
            "department",
            "dept",
            "codedepartement",
            "dep",
        ],
    ),
    (Field::Region, &["region", "state"]),
    (Field::Remote, &["teletravail", "remote", "telework"]),
    (
        Field::Contract,
        &[
            "contrat",
            "contracttype",
            "typecontrat",
            "typedecontrat",
            "contract",
            "jobtype",
            "typeposte",
            "typecontract",
        ],
    ),
    (
        Field::Duration,
        &[
            "duree",
            "duration",
            "dureecontrat",
            "dureedecontrat",
            "dureemission",
        ],
    ),
    (
        Field::WorkingTime,
        &[
            "tempstravail",
            "tempsdetravail",
            "dureetravail",
            "workingtime",
            "workinghours",
            "horaires",
            "temps",
            "dureehebdomadaire",
            "dureedutravail",
        ],
    ),
    (
        Field::Salary,
        &[
            "salaire",
            "remuneration",
            "salary",
            "pay",
            "paie",
            "renumeration",
            "gratification",
        ],
    ),
    (
        Field::Sector,
        &[
            "secteur",
            "sector",
            "category",
            "categorie",
            "domaine",
            "metier",
            "famille",
            "secteuractivite",
            "filiere",
        ],
    ),
    (
        Field::Published,
        &[
            "datepublication",
            "publicationdate",
            "pubdate",
            "datedepublication",
            "date",
            "datecreation",
            "createdat",
            "published",
            "publishedat",
            "dateparution",
            "dateposted",
            "postedat",
            "datemiseenligne",
        ],
    ),
    (
        Field::Updated,
        &[
            "datemiseajour",
            "updated",
            "updatedat",
            "lastupdate",
            "datemodification",
            "dateactualisation",
            "modifiedat",
        ],
    ),
    (
        Field::ValidThrough,
        &[
            "datelimite",
            "dateexpiration",
            "expiration",
            "expire",
            "expirydate",
            "deadline",
            "validthrough",
            "datefin",
            "datelimitecandidature",
            "datecloture",
            "enddate",
            "datefinpublication",
        ],
    ),
    (
        Field::StartDate,
        &[
            "datedebut",
            "startdate",
            "debut",
            "datepriseposte",
            "priseposte",
            "datedemarrage",
            "datedebutcontrat",
            "dateembauche",
        ],
    ),
];

/// Inner names under a field's element that hold its value ("entreprise/nom",
/// "lieuTravail/libelle", "salaire/libelle").
const VALUE_NAMES: &[&str] = &[
    "nom", "name", "libelle", "label", "value", "valeur", "texte", "text", "intitule",
];

/// The proposal for `text` (decoded), or None when it is neither XML nor JSON with a repeated
/// element or an array of objects.
pub fn propose(text: &str) -> Option<Proposal> {
    let text = text.trim_start_matches('\u{feff}').trim_start();
    if text.starts_with('{') || text.starts_with('[') {
        propose_json(text)
    } else if text.starts_with('<') {
        propose_xml(text)
    } else {
        None
    }
}

impl Proposal {
    /// The proposal as TOML to paste into a `[[feed]]` entry of feeds.toml, each line with
    /// how many items it fills.
    pub fn to_toml(&self) -> String {
        let quote = |s: &str| toml::Value::String(s.to_string()).to_string();
        let mut lines = vec![
            format!("format = {}", quote(self.format)),
            String::new(),
            "[feed.mapping]".to_string(),
        ];
        let mut rows = vec![(
            format!("items = {}", quote(&self.items)),
            format!("# {} items", self.item_count),
        )];
        for p in &self.fields {
            rows.push((
                format!("{} = {}", p.field, quote(&p.path)),
                format!("# in {} of {} items", p.filled, self.item_count),
            ));
        }
        let width = rows.iter().map(|(l, _)| l.len()).max().unwrap_or(0);
        for (line, comment) in rows {
            lines.push(format!("{line:<width$}  {comment}"));
        }
        lines.join("\n") + "\n"
    }
}

/// Lowercase ASCII letters and digits of a name, accents dropped ("Intitulé_Poste" is
/// "intituleposte").
fn fold_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars().flat_map(char::to_lowercase) {
        let c = match c {
            'à' | 'â' | 'ä' | 'á' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'î' | 'ï' | 'í' => 'i',
            'ô' | 'ö' | 'ó' => 'o',
            'ù' | 'û' | 'ü' | 'ú' => 'u',
            'ç' => 'c',
            'ÿ' => 'y',
            c => c,
        };
        if c.is_ascii_alphanumeric() {
            out.push(c);
        }
    }
    out
}

/// How well a path (segments below the item) names `names`: 3 its last segment is one of
/// them, 2 its last segment holds the value of a parent that is ("entreprise/nom"), 1 its last
/// segment begins with one of six letters or more ("datepublicationoffre"), 0 not at all.
fn quality(segments: &[String], names: &[&str]) -> u8 {
    let Some(last) = segments.last() else {
        return 0;
    };
    let last = fold_name(last.trim_start_matches('@'));
    if names.contains(&last.as_str()) {
        return 3;
    }
    if segments.len() >= 2 && VALUE_NAMES.contains(&last.as_str()) {
        let parent = fold_name(&segments[segments.len() - 2]);
        if names.contains(&parent.as_str()) {
            return 2;
        }
    }
    if names
        .iter()
        .any(|n| n.len() >= 6 && last.starts_with(n) && last.len() > n.len())
    {
        return 1;
    }
    0
}

/// Picks a path for each field among `filled` (path segments -> items with a value), best
/// match first, one field per path.
fn choose(
    filled: &BTreeMap<Vec<String>, usize>,
    join: &dyn Fn(&[String]) -> String,
) -> Vec<Proposed> {
    let mut candidates: Vec<(u8, usize, usize, Field, &Vec<String>)> = Vec::new();
    for (order, (field, names)) in NAMES.iter().enumerate() {
        for (path, &n) in filled {
            let q = quality(path, names);
            if q > 0 && n > 0 {
                candidates.push((q, n, order, *field, path));
            }
        }
    }
    // Best quality, then most items filled, then the shallowest path, then NAMES' order.
    candidates.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then(b.1.cmp(&a.1))
            .then(a.4.len().cmp(&b.4.len()))
            .then(a.2.cmp(&b.2))
            .then(a.4.cmp(b.4))
    });
    let mut taken_fields = HashSet::new();
    let mut taken_paths = HashSet::new();
    let mut out: Vec<(usize, Proposed)> = Vec::new();
    for (_, n, order, field, path) in candidates {
        if taken_fields.contains(&field) || taken_paths.contains(path) {
            continue;
        }
        taken_fields.insert(field);
        taken_paths.insert(path);
        out.push((
            order,
            Proposed {
                field: field.name(),
                path: join(path),
                filled: n,
            },
        ));
    }
    out.sort_by_key(|(order, _)| *order);
    out.into_iter().map(|(_, p)| p).collect()
}

fn local_name(name: &[u8]) -> String {
    let name = String::from_utf8_lossy(name);
    name.rsplit(':').next().unwrap_or_default().to_string()
}

/// XML: the element path (from the root) occurring most often among elements with child
/// elements, the shallowest on a tie; then, below each of its elements, the child paths with
/// text and the item's own attributes.
fn propose_xml(text: &str) -> Option<Proposal> {
    // First pass: how often each path occurs, and which paths have child elements.
    let mut counts: HashMap<Vec<String>, (usize, bool)> = HashMap::new();
    let mut path: Vec<String> = Vec::new();
    let mut deeper = 0usize;
    let mut reader = Reader::from_str(text);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => {
                // Beyond MAX_DEPTH only the depth is followed (no path is hashed there).
                if path.len() < MAX_DEPTH && deeper == 0 {
                    if let Some(parent) = counts.get_mut(&path) {
                        parent.1 = true;
                    }
                    path.push(local_name(e.name().as_ref()));
                    counts.entry(path.clone()).or_default().0 += 1;
                } else {
                    deeper += 1;
                }
            }
            Ok(Event::Empty(_)) => {
                if deeper == 0 {
                    if let Some(parent) = counts.get_mut(&path) {
                        parent.1 = true;
                    }
                }
            }
            Ok(Event::End(_)) => {
                if deeper > 0 {
                    deeper -= 1;
                } else {
                    path.pop();
                }
            }
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => {}
        }
    }
    let (items, item_count) = counts
        .iter()
        .filter(|(p, (_, children))| *children && p.len() >= 2)
        .map(|(p, (n, _))| (p.clone(), *n))
        .max_by(|a, b| {
            a.1.cmp(&b.1)
                .then(b.0.len().cmp(&a.0.len()))
                .then(b.0.cmp(&a.0))
        })?;

    // Second pass: the paths below each item that carry text, counted once per item.
    let mut filled: BTreeMap<Vec<String>, usize> = BTreeMap::new();
    let mut in_item: Option<HashSet<Vec<String>>> = None;
    let mut path: Vec<String> = Vec::new();
    let mut deeper = 0usize;
    let mut reader = Reader::from_str(text);
    let depth = items.len();
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => {
                if path.len() >= MAX_DEPTH || deeper > 0 {
                    deeper += 1;
                    continue;
                }
                path.push(local_name(e.name().as_ref()));
                if path == items {
                    let mut seen = HashSet::new();
                    for a in e.attributes().flatten() {
                        if a.value.iter().any(|b| !b.is_ascii_whitespace()) {
                            seen.insert(vec![format!("@{}", local_name(a.key.as_ref()))]);
                        }
                    }
                    in_item = Some(seen);
                }
            }
            Ok(Event::Text(t)) => {
                note_text(
                    &mut in_item,
                    &path,
                    depth,
                    t.iter().any(|b| !b.is_ascii_whitespace()),
                );
            }
            Ok(Event::CData(t)) => {
                note_text(
                    &mut in_item,
                    &path,
                    depth,
                    t.iter().any(|b| !b.is_ascii_whitespace()),
                );
            }
            Ok(Event::End(_)) => {
                if deeper > 0 {
                    deeper -= 1;
                    continue;
                }
                if path == items {
                    for p in in_item.take().unwrap_or_default() {
                        *filled.entry(p).or_default() += 1;
                    }
                }
                path.pop();
            }
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => {}
        }
    }
    let fields = choose(&filled, &|p: &[String]| p.join("/"));
    Some(Proposal {
        format: "xml",
        items: items.join("/"),
        item_count,
        fields,
    })
}

/// Records that the element at `path` (below an item at `depth`) has text.
fn note_text(
    in_item: &mut Option<HashSet<Vec<String>>>,
    path: &[String],
    depth: usize,
    has_text: bool,
) {
    if let Some(seen) = in_item.as_mut() {
        let below = path.len().saturating_sub(depth);
        if has_text && (1..=MAX_FIELD_DEPTH).contains(&below) {
            seen.insert(path[depth..].to_vec());
        }
    }
}

/// JSON: the array holding the most objects, the shallowest on a tie; then, in each object,
/// the pointers to non-empty scalar values.
fn propose_json(text: &str) -> Option<Proposal> {
    let doc: Value = serde_json::from_str(text).ok()?;
    let mut best: Option<(Vec<String>, usize)> = None;
    let mut stack: Vec<(Vec<String>, &Value)> = vec![(Vec::new(), &doc)];
    while let Some((at, value)) = stack.pop() {
        if at.len() > MAX_DEPTH {
            continue;
        }
        match value {
            Value::Array(list) => {
                let objects = list.iter().filter(|v| v.is_object()).count();
                let better = best
                    .as_ref()
                    .is_none_or(|(p, n)| objects > *n || (objects == *n && at.len() < p.len()));
                if objects > 0 && better {
                    best = Some((at.clone(), objects));
                }
                // Arrays inside the items are looked at too (a bigger one wins).
                for (i, v) in list.iter().enumerate().take(1000) {
                    let mut p = at.clone();
                    p.push(i.to_string());
                    stack.push((p, v));
                }
            }
            Value::Object(map) => {
                for (k, v) in map {
                    let mut p = at.clone();
                    p.push(k.clone());
                    stack.push((p, v));
                }
            }
            _ => {}
        }
    }
    let (items, item_count) = best?;
    let pointer = |segments: &[String]| -> String {
        segments
            .iter()
            .map(|s| format!("/{}", s.replace('~', "~0").replace('/', "~1")))
            .collect()
    };
    let array = doc.pointer(&pointer(&items))?.as_array()?;
    let mut filled: BTreeMap<Vec<String>, usize> = BTreeMap::new();
    for object in array.iter().filter(|v| v.is_object()) {
        let mut seen = HashSet::new();
        let mut stack: Vec<(Vec<String>, &Value)> = vec![(Vec::new(), object)];
        while let Some((at, value)) = stack.pop() {
            match value {
                Value::Object(map) if at.len() < MAX_FIELD_DEPTH => {
                    for (k, v) in map {
                        let mut p = at.clone();
                        p.push(k.clone());
                        stack.push((p, v));
                    }
                }
                Value::String(s) if !s.trim().is_empty() && !at.is_empty() => {
                    seen.insert(at);
                }
                Value::Number(_) | Value::Bool(_) if !at.is_empty() => {
                    seen.insert(at);
                }
                _ => {}
            }
        }
        for p in seen {
            *filled.entry(p).or_default() += 1;
        }
    }
    let fields = choose(&filled, &|p: &[String]| pointer(p));
    Some(Proposal {
        format: "json",
        items: pointer(&items),
        item_count,
        fields,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn field<'a>(p: &'a Proposal, name: &str) -> Option<&'a Proposed> {
        p.fields.iter().find(|f| f.field == name)
    }

    #[test]
    fn a_home_made_french_xml_export_gets_its_items_and_fields() {
        let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<Export_offres date="2026-11-20">
  <offres>
    <offre id="ES-1021">
      <intitule>Animateur périscolaire H/F</intitule>
      <entreprise><nom>Association Les Petits Débrouillards</nom></entreprise>
      <ville>Villeurbanne</ville><code_postal>69100</code_postal>
      <type_contrat>CDD</type_contrat>
      <salaire>SMIC horaire</salaire>
      <date_publication>2026-11-18</date_publication>
      <date_limite>2026-12-15</date_limite>
      <lien>https://emplois.example.org/offres/1021</lien>
      <descriptif><![CDATA[<p>Encadrer les enfants sur les temps périscolaires.</p>]]></descriptif>
    </offre>
    <offre id="ES-1022">
      <intitule>Coordinateur jeunesse</intitule>
      <entreprise><nom>MJC Laënnec</nom></entreprise>
      <ville>Lyon</ville><code_postal>69008</code_postal>
      <type_contrat>CDI</type_contrat>
      <date_publication>2026-11-19</date_publication>
      <lien>https://emplois.example.org/offres/1022</lien>
      <descriptif>Coordonner les projets jeunesse du quartier.</descriptif>
    </offre>
  </offres>
</Export_offres>"#;
        let p = propose(xml).unwrap();
        assert_eq!(p.format, "xml");
        assert_eq!(p.items, "Export_offres/offres/offre");
        assert_eq!(p.item_count, 2);
        let want = [
            ("reference", "@id", 2),
            ("title", "intitule", 2),
            ("link", "lien", 2),
            ("description", "descriptif", 2),
            ("employer", "entreprise/nom", 2),
            ("city", "ville", 2),
            ("postcode", "code_postal", 2),
            ("contract", "type_contrat", 2),
            ("salary", "salaire", 1),
            ("published", "date_publication", 2),
            ("valid_through", "date_limite", 1),
        ];
        for (name, path, n) in want {
            let f = field(&p, name).unwrap_or_else(|| panic!("{name}: {p:#?}"));
            assert_eq!((f.path.as_str(), f.filled), (path, n), "{name}");
        }
        assert_eq!(p.fields.len(), want.len(), "{p:#?}");
        let toml_text = p.to_toml();
        // What it prints is valid TOML that essaim's configuration reads back.
        let config = format!(
            "[[feed]]\nid = \"es\"\nname = \"ES\"\nnetwork = \"N\"\nurl = \"es.xml\"\n{toml_text}"
        );
        let parsed = crate::config::parse(&config, std::path::Path::new("/tmp/feeds.toml"));
        assert!(parsed.is_ok(), "{toml_text}\n{parsed:?}");
        assert!(toml_text.contains("# in 1 of 2 items"), "{toml_text}");
    }

    #[test]
    fn an_english_json_export_gets_its_array_and_pointers() {
        let json = r#"{"meta":{"count":3,"tags":[{"a":1}]},"data":{"jobs":[
          {"ref":"J-1","job_title":"Care assistant","company":{"name":"Les Aidants SCIC"},
           "location":{"city":"Lille","postal_code":"59000"},"contract_type":"CDI",
           "publication_date":"2026-11-10","url":"https://jobs.example.org/1"},
          {"ref":"J-2","job_title":"Chef de rang","company":{"name":"Traiteur solidaire"},
           "location":{"city":"Roubaix","postal_code":"59100"},"contract_type":"CDD",
           "publication_date":"2026-11-12","url":"https://jobs.example.org/2"},
          {"ref":"J-3","job_title":"Cuisinier","company":{"name":"Traiteur solidaire"},
           "location":{"city":"Roubaix"},"publication_date":"2026-11-13"}
        ]}}"#;
        let p = propose(json).unwrap();
        assert_eq!(
            (p.format, p.items.as_str(), p.item_count),
            ("json", "/data/jobs", 3)
        );
        for (name, path, n) in [
            ("reference", "/ref", 3),
            ("title", "/job_title", 3),
            ("employer", "/company/name", 3),
            ("city", "/location/city", 3),
            ("postcode", "/location/postal_code", 2),
            ("contract", "/contract_type", 2),
            ("published", "/publication_date", 3),
            ("link", "/url", 2),
        ] {
            let f = field(&p, name).unwrap_or_else(|| panic!("{name}: {p:#?}"));
            assert_eq!((f.path.as_str(), f.filled), (path, n), "{name}");
        }
    }

    #[test]
    fn neither_xml_nor_json_and_nothing_repeated_give_nothing() {
        assert_eq!(propose("root:x:0:0:root:/root:/bin/bash"), None);
        assert_eq!(propose("{\"a\": 1}"), None);
        assert_eq!(propose("<a/>"), None);
        // Deep documents are read without recursion.
        let deep = format!("{}{}", "<d>".repeat(100_000), "</d>".repeat(100_000));
        let _ = propose(&deep);
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(propose(&deep), None);
    }
}
