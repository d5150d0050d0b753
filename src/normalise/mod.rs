//! Turns a [`RawItem`] into an [`Offer`]: cleans the title, resolves the place, classifies the
//! contract, reads working time, salary and dates, sanitises the description, and records what
//! it could not understand as warnings on the offer (never by dropping it). Fields the feed does
//! not carry are looked for in the description's labelled lines ("Lieu :", "Contrat :",
//! "Salaire :", "Date limite :"). Normalising does no I/O and never fails.

pub use crate::geo::country;
pub mod dates;
pub use crate::geo;
pub mod html;
pub mod remote;
pub mod telework;
pub mod vocab;

use std::sync::LazyLock;

use aho_corasick::AhoCorasick;
use chrono::{DateTime, Utc};

use crate::model::{Contract, Location, Offer, Remote};
use crate::parse::RawItem;
use crate::text::squeeze_spaces;
use vocab::Label;

/// What the normaliser needs to know about the feed an item came from.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub feed_id: &'a str,
    /// Base URL for relative links in descriptions.
    pub base_url: Option<&'a str>,
    /// "Now", for dates written without a year.
    pub now: DateTime<Utc>,
}

/// Normalises one item.
pub fn normalise(item: &RawItem, ctx: &Context<'_>) -> Offer {
    let mut warnings = Vec::new();

    let description = item.description.as_deref().unwrap_or("");
    let base = item.link.as_deref().or(ctx.base_url);
    let (description_html, nesting) = html::sanitise_noting(description, base);
    warnings.extend(nesting);
    let description_text = html::sanitised_to_text(&description_html);
    let labelled = vocab::labelled_fields(&description_text);
    let label = |l: Label| -> Option<String> {
        labelled
            .iter()
            .find(|(k, _)| *k == l)
            .map(|(_, v)| v.clone())
    };
    let field = |v: &Option<String>| -> Option<String> {
        v.as_deref()
            .map(|s| squeeze_spaces(&html::to_text(s)))
            .filter(|s| !s.is_empty())
    };

    // Title: plain text (markup removed, entities decoded once), as written otherwise.
    let title_text = squeeze_spaces(&html::to_text(item.title.as_deref().unwrap_or("")));
    let title = vocab::clean_title(&title_text, &is_place_segment);
    if title.is_empty() {
        warnings.push("no title".to_string());
    }

    // Links: only http and https ones are published.
    let url = public_link(item.link.as_deref(), "link", &mut warnings);
    if url.is_none() && item.link.as_deref().is_none_or(|l| l.trim().is_empty()) {
        warnings.push("missing link to the offer".to_string());
    }
    let apply_url = public_link(item.apply_url.as_deref(), "application link", &mut warnings)
        .filter(|a| Some(a) != url.as_ref());

    // Employer.
    let employer = field(&item.employer).or_else(|| label(Label::Employer));
    let employer_family = employer
        .as_deref()
        .and_then(|name| vocab::employer_family(name, item.employer_type.as_deref()));

    // Place.
    let location = location(item, &label, &title_text, &description_text, &mut warnings);

    // Contract: the contract field, else the labelled line, else a category that is a contract
    // (WP Job Manager sites that swap job_type and job_category), else a clear title marker.
    let contract_field = field(&item.contract).or_else(|| label(Label::Contract));
    let mut contract = contract_field
        .as_deref()
        .and_then(|raw| classify(raw, item));
    let mut contract_raw = contract_field.clone();
    let mut sector = field(&item.sector)
        .or_else(|| label(Label::Sector))
        .or_else(|| {
            item.categories
                .first()
                .map(|c| squeeze_spaces(&html::to_text(c)))
        });
    if contract.is_none() {
        if let Some(c) = sector.as_deref().and_then(vocab::classify_contract) {
            // The category holds the contract, so the "contract" holds the sector.
            contract = Some(c);
            let swapped = contract_raw.take();
            contract_raw = sector.take();
            sector = swapped;
        }
    }
    // schema.org's generic values (VOLUNTEER, TEMPORARY, OTHER) yield to a precise title
    // ("Volontaire en service civique").
    const SCHEMA_TYPES: [&str; 8] = [
        "FULL_TIME",
        "PART_TIME",
        "CONTRACTOR",
        "TEMPORARY",
        "INTERN",
        "VOLUNTEER",
        "PER_DIEM",
        "OTHER",
    ];
    let generic = contract_raw.as_deref().is_some_and(|r| {
        r.split([',', ' '])
            .filter(|t| !t.is_empty())
            .all(|t| SCHEMA_TYPES.contains(&t))
    });
    // The description's sentence that stated the contract ("CDD de 6 mois renouvelable"),
    // read for its duration too.
    let mut contract_sentence = None;
    if generic {
        // The French contract the offer states refines the coarse type: a "Contrat :" line,
        // then a precise title, then a sentence of the description ("Poste en CDI", "CDD de
        // 6 mois", "Mission d'intérim", "contrat d'apprentissage", "PEC", "service civique"),
        // as long as it agrees with the coarse type (no CDI for TEMPORARY).
        let coarse = contract_raw.as_deref().unwrap_or("");
        let fits = |c: &Contract| schema_type_allows(coarse, *c);
        let stated = label(Label::Contract)
            .as_deref()
            .and_then(vocab::classify_contract)
            .filter(|c| fits(c) && *c != Contract::Autre)
            .or_else(|| {
                vocab::classify_contract(&title_text).filter(|c| {
                    fits(c) && Some(*c) != contract && !matches!(c, Contract::Cdi | Contract::Autre)
                })
            })
            .map(|c| (c, None))
            .or_else(|| {
                stated_in_text(&description_text, |sentence| {
                    vocab::classify_contract(sentence)
                        .filter(|c| fits(c) && *c != Contract::Autre)
                        .map(|c| (c, Some(sentence.to_string())))
                })
            });
        if let Some((precise, sentence)) = stated {
            contract = Some(precise);
            contract_sentence = sentence;
        }
    }
    // FULL_TIME and PART_TIME together: the partner offers either, the text decides.
    let both = |raw: Option<&str>| {
        ["FULL_TIME", "PART_TIME"]
            .iter()
            .all(|t| raw.is_some_and(|r| r.contains(t)))
    };
    let both_times = generic && both(contract_raw.as_deref());
    if contract.is_none() {
        if let Some(raw) = &contract_raw {
            // "FULL_TIME" alone says how long, not which contract: not a problem to report.
            if vocab::parse_working_time(raw).is_none() {
                warnings.push(format!("unknown contract {raw:?}"));
            }
        } else if let Some(c) = vocab::classify_contract(&title_text).filter(|c| {
            matches!(
                c,
                Contract::Cdi
                    | Contract::Cdd
                    | Contract::Interim
                    | Contract::Stage
                    | Contract::Alternance
                    | Contract::ServiceCivique
                    | Contract::Saisonnier
            )
        }) {
            contract = Some(c);
        }
    }
    // A CDD whose description says it is a CDD d'insertion is one: France Travail's boards
    // write a CDDI as "CDD - 12 Mois" (the insertion is in a field they do not show).
    if contract == Some(Contract::Cdd) {
        if let Some(sentence) = stated_in_text(&description_text, |s| {
            states_insertion_contract(s).then(|| s.to_string())
        }) {
            contract = Some(Contract::Insertion);
            contract_sentence.get_or_insert(sentence);
        }
    }
    let (duration_field, duration_label) = (field(&item.duration), label(Label::Duration));
    let contract_duration = [
        duration_field.as_deref(),
        duration_label.as_deref(),
        contract_raw.as_deref(),
        Some(title_text.as_str()),
        contract_sentence.as_deref(),
    ]
    .into_iter()
    .flatten()
    .find_map(vocab::contract_duration)
    .or_else(|| {
        // A fixed-term contract whose length only the description states ("CDD de 12 mois"):
        // the sentence that names the same contract.
        // ("Le chantier d'insertion recrute en CDD de 6 mois" names a fixed-term contract.)
        let fixed = |c: Option<Contract>| {
            matches!(
                c,
                Some(
                    Contract::Cdd
                        | Contract::Insertion
                        | Contract::Interim
                        | Contract::Saisonnier
                        | Contract::ContratAide
                )
            )
        };
        fixed(contract)
            .then(|| {
                stated_in_text(&description_text, |sentence| {
                    // The duration first: most sentences state none, and classifying is dearer.
                    vocab::contract_duration(sentence)
                        .filter(|_| fixed(vocab::classify_contract(sentence)))
                })
            })
            .flatten()
    });

    // Working time.
    let working_time_raw = field(&item.working_time).or_else(|| label(Label::WorkingTime));
    let working_time = working_time_raw
        .as_deref()
        .filter(|raw| !both(Some(raw)))
        .and_then(vocab::parse_working_time)
        .or_else(|| {
            contract_raw
                .as_deref()
                .filter(|_| !both_times)
                .and_then(vocab::parse_working_time)
        })
        .or_else(|| vocab::parse_working_time(&title_text))
        .or_else(|| {
            // The description's sentence about it ("Temps de travail : 35 h hebdomadaires"):
            // many partners state the working time only there.
            stated_in_text(&description_text, working_time_sentence)
        });
    let employment_types = contract
        .map(|c| {
            c.employment_types(working_time.and_then(|w| w.kind))
                .into_iter()
                .map(String::from)
                .collect()
        })
        .unwrap_or_default();

    // Salary.
    let salary_raw = field(&item.salary).or_else(|| label(Label::Salary));
    let salary = item
        .salary_structured
        .clone()
        .or_else(|| salary_raw.as_deref().and_then(vocab::parse_salary));

    // Dates.
    let mut date = |raw: Option<String>, what: &str| -> Option<DateTime<Utc>> {
        let raw = raw?;
        let raw = raw.trim();
        if raw.is_empty() {
            return None;
        }
        let parsed = DateTime::parse_from_rfc3339(raw)
            .map(|t| t.with_timezone(&Utc))
            .ok()
            .or_else(|| dates::parse_date(raw, ctx.now));
        if parsed.is_none() && !dates::states_no_date(raw) {
            warnings.push(format!("unparseable {what} date {raw:?}"));
        }
        parsed
    };
    let published = date(item.published.clone(), "published");
    let updated = date(item.updated.clone(), "updated");
    let valid_through = date(
        field(&item.valid_through).or_else(|| label(Label::Deadline)),
        "expiry",
    )
    .map(end_of_day_if_midnight);
    let start_date = date(
        field(&item.start_date).or_else(|| label(Label::StartDate)),
        "start",
    )
    .or_else(|| start_in_text(&description_text, ctx.now));
    // A publication in the future is a partner's mistake (a start date, a wrong year).
    let published = dates::not_in_future(published, ctx.now, "published", &mut warnings);
    let updated = dates::not_in_future(updated, ctx.now, "updated", &mut warnings);

    Offer {
        feed_id: ctx.feed_id.to_string(),
        reference: item
            .reference
            .as_deref()
            .map(|r| squeeze_spaces(&html::to_text(r)))
            .filter(|r| !r.is_empty()),
        url,
        apply_url,
        title,
        title_raw: title_text,
        employer,
        employer_family,
        location,
        contract,
        contract_raw,
        contract_duration,
        employment_types,
        working_time,
        working_time_raw,
        salary,
        salary_raw,
        sector,
        categories: item
            .categories
            .iter()
            .map(|c| squeeze_spaces(&html::to_text(c)))
            .filter(|c| !c.is_empty())
            .collect(),
        published,
        updated,
        valid_through,
        start_date,
        description_html,
        description_text,
        warnings,
    }
}

/// Why an offer is not published, when it is not: with neither title nor link a reader could
/// neither tell what it is nor follow it to the partner (such items are what a format read
/// with the wrong fields gives).
pub fn unpublishable(offer: &Offer) -> Option<&'static str> {
    (offer.title.is_empty() && offer.url.is_none())
        .then_some("neither title nor link, so it is not published")
}

/// A deadline given as a day ("Date limite : 15/12/2026") lasts until the end of that day in
/// Paris, not its first second.
fn end_of_day_if_midnight(t: DateTime<Utc>) -> DateTime<Utc> {
    use chrono::Timelike;
    let local = t.with_timezone(&chrono_tz::Europe::Paris);
    if local.hour() == 0 && local.minute() == 0 && local.second() == 0 {
        t + chrono::Duration::days(1) - chrono::Duration::seconds(1)
    } else {
        t
    }
}

/// True when a title segment is only a place ("Lyon", "Lyon 3e (69)", "Rhône", "Bretagne"),
/// not a phrase that mentions one ("Pôle ESS du Pays de Morlaix"): the resolver finds places
/// inside text, so the segment's words, once numbers are set aside, must be the place's name.
fn is_place_segment(segment: &str) -> bool {
    // Place names are short: "Saint-Rémy-en-Bouzemont-Saint-Genest-et-Isson (51)" is the
    // longest commune; a segment of many words is a phrase, not a place.
    if segment.len() > 64 || segment.split_whitespace().count() > 5 {
        return false;
    }
    let folded = crate::text::fold(segment);
    let words: Vec<&str> = folded
        .split(' ')
        .filter(|w| !w.is_empty() && !w.starts_with(|c: char| c.is_ascii_digit()))
        .collect();
    let words = words.join(" ");
    // The words must be some place's whole name: most segments ("Éducateur spécialisé",
    // "CDI") are not one, and need no resolving.
    if !geo::is_place_name(&words) {
        return false;
    }
    let Some(place) = geo::resolve(segment) else {
        return false;
    };
    let names = [place.commune, place.department_name, place.region_name];
    names
        .iter()
        .flatten()
        .any(|name| crate::text::fold(name) == words)
}

/// Whether a French contract agrees with schema.org `employmentType` values (comma- or
/// space-separated): TEMPORARY is no CDI, VOLUNTEER is service civique, volontariat or
/// bénévolat, INTERN a stage or alternance, CONTRACTOR independent work; FULL_TIME,
/// PART_TIME, PER_DIEM and OTHER say nothing of the contract.
fn schema_type_allows(types: &str, c: Contract) -> bool {
    types
        .split([',', ' '])
        .filter(|t| !t.is_empty())
        .all(|t| match t {
            "TEMPORARY" => c != Contract::Cdi,
            "VOLUNTEER" => matches!(
                c,
                Contract::ServiceCivique | Contract::Volontariat | Contract::Benevolat
            ),
            "INTERN" => matches!(c, Contract::Stage | Contract::Alternance),
            "CONTRACTOR" => matches!(c, Contract::Independant | Contract::Interim),
            _ => true,
        })
}

/// The first short sentence (at most 30 words) of a plain text from which `read` gets
/// something: what the offer states about itself, not a long paragraph that happens to
/// name a contract.
fn stated_in_text<T>(text: &str, read: impl Fn(&str) -> Option<T>) -> Option<T> {
    text.split(['\n', '.', ';', '!', '?'])
        .map(str::trim)
        .filter(|s| !s.is_empty() && s.split_whitespace().count() <= 30)
        .find_map(read)
}

/// The start date a clause of the description states after saying it is one ("Poste à
/// pourvoir le 05/01/2027", "prise de poste à partir du 4 janvier 2027"), when no field or
/// labelled line gives it. A date before the phrase is another ("Offre actualisée le
/// 17/09/2026 : le poste est toujours à pourvoir").
fn start_in_text(text: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    const PHRASES: &[&str] = &[
        "à pourvoir",
        "a pourvoir",
        "prise de poste",
        "prise de fonction",
        "entrée en fonction",
        "date de début",
        "démarrage",
        "embauche",
    ];
    text.split(['\n', '.', ';', '!', '?', ','])
        .map(str::trim)
        .filter(|c| {
            !c.is_empty() && mentions(&START_WORDS, c) && c.split_whitespace().count() <= 20
        })
        .find_map(|clause| {
            let lower = clause.to_lowercase();
            let after = PHRASES
                .iter()
                .filter_map(|p| lower.find(p).map(|at| at + p.len()))
                .min()?;
            dates::parse_date(lower.get(after..)?, now)
        })
}

/// ASCII words looked for in one pass whatever their case: a cheap test before a sentence is
/// folded or lowercased. `None` only if the automaton could not be built (it always can for
/// these constant words); then every text may hold them.
type Finder = LazyLock<Option<AhoCorasick>>;

fn finder(words: &[&str]) -> Option<AhoCorasick> {
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(words)
        .ok()
}

fn mentions(finder: &Finder, text: &str) -> bool {
    finder.as_ref().is_none_or(|f| f.is_match(text))
}

static WORKING_TIME_WORDS: Finder =
    LazyLock::new(|| finder(&["temps", "heure", "hebdo", "semaine", "etp"]));
static INSERTION_WORDS: Finder = LazyLock::new(|| finder(&["cddi", "insertion"]));
// The ASCII part of each phrase of `start_in_text`.
static START_WORDS: Finder = LazyLock::new(|| {
    finder(&[
        "pourvoir", "prise de", "fonction", "but", "marrage", "embauche",
    ])
});

/// The sentence names an insertion contract as such ("CDD d'insertion", "CDDI", "contrat à
/// durée déterminée d'insertion"), not an insertion employer ("chantier d'insertion"), whose
/// own staff are hired on ordinary contracts.
fn states_insertion_contract(sentence: &str) -> bool {
    if !mentions(&INSERTION_WORDS, sentence) {
        return false;
    }
    let folded = crate::text::fold(sentence);
    let words: Vec<&str> = folded
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    const PHRASES: &[&[&str]] = &[
        &["cddi"],
        &["cdd", "d", "insertion"],
        &["cdd", "insertion"],
        &["determinee", "d", "insertion"],
    ];
    PHRASES
        .iter()
        .any(|p| words.windows(p.len()).any(|w| w == *p))
}

/// The working time a sentence states when it speaks of it ("temps partiel", "temps plein",
/// "24 h par semaine", "heures hebdomadaires", "mi-temps").
fn working_time_sentence(sentence: &str) -> Option<vocab::WorkingTime> {
    // Most sentences speak of something else: a byte scan before folding (the words have no
    // accent, so folding finds them only where this does).
    if !mentions(&WORKING_TIME_WORDS, sentence) {
        return None;
    }
    let folded = crate::text::fold(sentence);
    let about = ["temps", "heure", "hebdo", "semaine", "etp"]
        .iter()
        .any(|w| folded.contains(w));
    if about {
        vocab::parse_working_time(sentence)
    } else {
        None
    }
}

/// France Travail codes go through their own table, everything else through the vocabulary.
fn classify(raw: &str, item: &RawItem) -> Option<Contract> {
    const FT_CODES: [&str; 11] = [
        "CDI", "CDD", "MIS", "SAI", "LIB", "FRA", "REP", "CCE", "TTI", "DDI", "DIN",
    ];
    if item.contract_nature.is_some() || FT_CODES.contains(&raw) {
        if let Some(c) = vocab::france_travail_contract(raw, item.contract_nature.as_deref()) {
            return Some(c);
        }
    }
    vocab::classify_contract(raw)
}

fn location(
    item: &RawItem,
    label: &dyn Fn(Label) -> Option<String>,
    title: &str,
    description: &str,
    warnings: &mut Vec<String>,
) -> Location {
    let text = |v: &Option<String>| {
        v.as_deref()
            .map(|s| squeeze_spaces(&html::to_text(s)))
            .filter(|s| !s.is_empty())
    };
    let (city, postcode, insee, department, region) = (
        text(&item.city),
        text(&item.postcode),
        text(&item.insee),
        text(&item.department),
        text(&item.region),
    );
    let structured =
        city.is_some() || postcode.is_some() || insee.is_some() || department.is_some();
    let raw = text(&item.location)
        .or_else(|| label(Label::Place))
        .or_else(|| {
            let parts: Vec<&str> = [&postcode, &city, &region]
                .into_iter()
                .flatten()
                .map(String::as_str)
                .collect();
            (!parts.is_empty()).then(|| parts.join(" "))
        });
    let mut place = if structured {
        geo::resolve_parts(
            city.as_deref(),
            postcode.as_deref(),
            insee.as_deref(),
            department.as_deref(),
            region.as_deref(),
        )
    } else {
        None
    };
    if place.as_ref().is_none_or(|p| p.commune.is_none()) {
        // A place abroad ("Genève, Suisse") is not looked for in French geography.
        if let Some(from_text) = raw
            .as_deref()
            .filter(|r| !country::is_abroad(r))
            .and_then(geo::resolve)
        {
            let better = place.as_ref().is_none_or(|p| {
                from_text.commune.is_some()
                    || (p.department.is_none() && from_text.department.is_some())
            });
            if better {
                place = Some(from_text);
            }
        }
    }
    // A commune the title names ("Agent de propreté - Aubagne") makes a place known only by
    // its department precise, when it lies in that department (or none is known).
    if place.as_ref().is_none_or(|p| p.commune.is_none()) {
        if let Some(from_title) = title_commune(title) {
            let fits = place
                .as_ref()
                .is_none_or(|p| p.department.is_none() || p.department == from_title.department);
            if fits {
                place = Some(from_title);
            }
        }
    }
    // A structured field says first; a bare "yes" lets the texts say how much (partial when
    // they do not); otherwise the place, the title, then the description.
    let field = item.remote.as_deref().and_then(remote::from_field);
    let from_texts = || {
        raw.as_deref()
            .and_then(remote::from_text)
            .or_else(|| remote::from_text(title))
            .or_else(|| remote::from_text(description))
    };
    let remote = match field {
        Some(remote::Field::Level(level)) => Some(level),
        Some(remote::Field::Yes) => Some(match from_texts() {
            Some(Remote::Full) => Remote::Full,
            _ => Remote::Partial,
        }),
        None => from_texts(),
    };
    let is_remote = remote.is_some_and(|r| r != Remote::None);
    match (&raw, &place) {
        (None, None) if !is_remote => warnings.push("no location".to_string()),
        (Some(r), None) if !geo::is_remote(r) => warnings.push(format!("unknown place {r:?}")),
        _ => {}
    }
    Location {
        raw,
        place: place.unwrap_or_default(),
        remote,
    }
}

/// The commune one of a title's last segments names ("Agent de propreté F/H - Aubagne").
fn title_commune(title: &str) -> Option<crate::model::Place> {
    let stripped = squeeze_spaces(&vocab::strip_gender(title));
    let mut cur = stripped.as_str();
    for _ in 0..3 {
        let (head, tail) = vocab::split_last_segment(cur)?;
        let tail = tail.trim();
        if is_place_segment(tail) && !country::is_abroad(tail) {
            if let Some(place) = geo::resolve(tail).filter(|p| p.commune.is_some()) {
                return Some(place);
            }
        }
        cur = head;
    }
    None
}

/// A partner's link as it may be published: an absolute `http` or `https` URL (kept as
/// written, trimmed), or a relative reference (a path, which carries no scheme). Any other
/// scheme (`javascript:`, `data:`, `vbscript:`, `file:`, `mailto:`...) and anything that is
/// not a URL is left out with a warning quoting it: a reader's click must never run a script
/// or open something that is not a web page. Schemes are read as browsers read them (case,
/// leading control characters, tabs and newlines inside).
pub fn public_link(raw: Option<&str>, what: &str, warnings: &mut Vec<String>) -> Option<String> {
    let link = raw?.trim_matches(|c: char| c.is_whitespace() || c.is_control());
    if link.is_empty() {
        return None;
    }
    let quoted: String = link.chars().take(80).collect();
    let ellipsis = if quoted.len() < link.len() { "…" } else { "" };
    match url::Url::parse(link) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.has_host() => Some(link.to_string()),
        Ok(u) => {
            warnings.push(format!(
                "{what} {quoted:?}{ellipsis} left out: only http and https links are \
                 published, not {}:",
                u.scheme()
            ));
            None
        }
        Err(url::ParseError::RelativeUrlWithoutBase) => Some(link.to_string()),
        Err(e) => {
            warnings.push(format!(
                "{what} {quoted:?}{ellipsis} left out: it is not a valid URL ({e})"
            ));
            None
        }
    }
}

/// Test inputs for the fast paths: `count` strings, each of 1 to `max` of `pieces` glued at
/// random (xorshift from `seed`, so runs repeat).
#[cfg(test)]
pub(crate) fn glued_pieces(pieces: &[&str], max: usize, count: usize, seed: u64) -> Vec<String> {
    let mut seed = seed.max(1);
    (0..count)
        .map(|_| {
            let mut text = String::new();
            for _ in 0..1 + (seed % max as u64) as usize {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                text.push_str(pieces[(seed % pieces.len() as u64) as usize]);
            }
            text
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// `is_place_segment` before its name precheck: resolve first, then compare names.
    fn is_place_segment_slow(segment: &str) -> bool {
        if segment.len() > 64 || segment.split_whitespace().count() > 5 {
            return false;
        }
        let Some(place) = geo::resolve(segment) else {
            return false;
        };
        let folded = crate::text::fold(segment);
        let words: Vec<&str> = folded
            .split(' ')
            .filter(|w| !w.is_empty() && !w.starts_with(|c: char| c.is_ascii_digit()))
            .collect();
        let words = words.join(" ");
        let names = [place.commune, place.department_name, place.region_name];
        names
            .iter()
            .flatten()
            .any(|name| crate::text::fold(name) == words)
    }

    #[test]
    fn place_segment_precheck_changes_no_answer() {
        let titles = [
            "Animateur H/F - Lyon 3e",
            "Chargé(e) de mission (F/H) – 69003 Lyon",
            "Éducateur spécialisé - CDI - Saint-Denis (974)",
            "Comptable (H/F) – CDD 6 mois - Paris 15e",
            "Aide à domicile - Marseille 13001 | Ajaccio (2A)",
            "Conseiller·ère - Saint-Martin - Paris - Rhône - Bretagne - Île-de-France",
            "Directeur - 51 - REIMS - St-Étienne (42) - ST ETIENNE - Lyon, Auvergne-Rhône-Alpes",
            "Infirmier - Pôle ESS du Pays de Morlaix - Télétravail possible - Nantes",
            "Y - Ville - Mer - Saint-Denis (93) - (69) - 2A - Corse-du-Sud - Réunion",
        ];
        let mut n = 0;
        for t in titles {
            for seg in t
                .split([' ', '-', '–', '|', '(', ')'])
                .chain(t.split(" - "))
            {
                for s in [seg, seg.trim(), t] {
                    assert_eq!(is_place_segment(s), is_place_segment_slow(s), "{s:?}");
                    n += 1;
                }
            }
            let cleaned = |f: &dyn Fn(&str) -> bool| vocab::clean_title(t, f);
            assert_eq!(
                cleaned(&is_place_segment),
                cleaned(&is_place_segment_slow),
                "{t}"
            );
        }
        assert!(n > 100);
    }
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
    fn only_whole_places_are_title_noise() {
        for (seg, want) in [
            ("Lyon", true),
            ("Lyon 3e (69)", true),
            ("Bretagne", true),
            ("Pôle ESS du Pays de Morlaix", false),
            ("Chargé de prévention santé", false),
            ("Temps partiel", false),
        ] {
            assert_eq!(is_place_segment(seg), want, "{seg}");
        }
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
}
