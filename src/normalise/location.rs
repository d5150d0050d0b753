//! Where the job is: the place from the structured fields (city, postcode, INSEE code,
//! department, region), else the written place or the "Lieu :" line resolved in French
//! geography (a place abroad is not), made precise by a commune the title names; and how much
//! of the work is remote, from a structured value or the texts.

use super::labels::Label;
use super::{field, remote, title, Texts};
use crate::geo::{self, country};
use crate::model::{Location, Place, Remote};
use crate::parse::RawItem;
use crate::text::squeeze_spaces;

/// The offer's location, with a warning when there is none or it cannot be resolved.
pub(super) fn location(item: &RawItem, texts: &Texts, warnings: &mut Vec<String>) -> Location {
    let parts = Parts::read(item);
    let raw = field(&item.location)
        .or_else(|| texts.label(Label::Place))
        .or_else(|| parts.joined());
    let place = place(&parts, raw.as_deref(), &texts.title);
    let remote = remote_level(item, raw.as_deref(), texts);
    let is_remote = remote.is_some_and(|r| r != Remote::None);
    match (&raw, &place) {
        (None, None) if !is_remote => warnings.push("no location".to_string()),
        (Some(r), None) if !super::telework::is_remote(r) => {
            warnings.push(format!("unknown place {r:?}"))
        }
        _ => {}
    }
    Location {
        raw,
        place: place.unwrap_or_default(),
        remote,
    }
}

/// The structured place fields of an item, as plain text.
struct Parts {
    city: Option<String>,
    postcode: Option<String>,
    insee: Option<String>,
    department: Option<String>,
    region: Option<String>,
}

impl Parts {
    fn read(item: &RawItem) -> Parts {
        Parts {
            city: field(&item.city),
            postcode: field(&item.postcode),
            insee: field(&item.insee),
            department: field(&item.department),
            region: field(&item.region),
        }
    }

    fn structured(&self) -> bool {
        self.city.is_some()
            || self.postcode.is_some()
            || self.insee.is_some()
            || self.department.is_some()
    }

    /// "postcode city region", as a written place when nothing else is written.
    fn joined(&self) -> Option<String> {
        let parts: Vec<&str> = [&self.postcode, &self.city, &self.region]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    }
}

/// The place: the structured fields first; the written place when they name no commune (and
/// it says more); then a commune the title names.
fn place(parts: &Parts, raw: Option<&str>, title: &str) -> Option<Place> {
    let mut place = if parts.structured() {
        geo::resolve_parts(
            parts.city.as_deref(),
            parts.postcode.as_deref(),
            parts.insee.as_deref(),
            parts.department.as_deref(),
            parts.region.as_deref(),
        )
    } else {
        None
    };
    if place.as_ref().is_none_or(|p| p.commune.is_none()) {
        // A place abroad ("Genève, Suisse") is not looked for in French geography.
        if let Some(from_text) = raw
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
    place
}

/// How much of the work is remote. A structured field says first; a bare "yes" lets the texts
/// say how much (partial when they do not); otherwise the place, the title, then the
/// description.
fn remote_level(item: &RawItem, raw: Option<&str>, texts: &Texts) -> Option<Remote> {
    let field = item.remote.as_deref().and_then(remote::from_field);
    let from_texts = || {
        raw.and_then(remote::from_text)
            .or_else(|| remote::from_text(&texts.title))
            .or_else(|| remote::from_text(&texts.description_text))
    };
    match field {
        Some(remote::Field::Level(level)) => Some(level),
        Some(remote::Field::Yes) => Some(match from_texts() {
            Some(Remote::Full) => Remote::Full,
            _ => Remote::Partial,
        }),
        None => from_texts(),
    }
}

/// The commune one of a title's last segments names ("Agent de propreté F/H - Aubagne").
fn title_commune(title: &str) -> Option<Place> {
    let stripped = squeeze_spaces(&title::strip_gender(title));
    let mut cur = stripped.as_str();
    for _ in 0..3 {
        let (head, tail) = title::split_last_segment(cur)?;
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

/// True when a title segment is only a place ("Lyon", "Lyon 3e (69)", "Rhône", "Bretagne"),
/// not a phrase that mentions one ("Pôle ESS du Pays de Morlaix"): the resolver finds places
/// inside text, so the segment's words, once numbers are set aside, must be the place's name.
pub(super) fn is_place_segment(segment: &str) -> bool {
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

#[cfg(test)]
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
            let cleaned = |f: &dyn Fn(&str) -> bool| title::clean_title(t, f);
            assert_eq!(
                cleaned(&is_place_segment),
                cleaned(&is_place_segment_slow),
                "{t}"
            );
        }
        assert!(n > 100);
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
}
