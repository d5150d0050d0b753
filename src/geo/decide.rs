//! Deciding a [`Place`] from the [`Hints`] read: the most precise trustworthy hint wins (INSEE
//! code, arrondissement, postcode with the name that chooses among its communes, a commune
//! named alone or chosen by the department or region named beside it), and of several places
//! or homonyms only what they share is kept.

use super::scan::Hints;
use super::tables::{Commune, Geo, NO};
use crate::model::Place;

/// True when `name` occurs in `text` as whole words.
fn contains_words(text: &str, name: &str) -> bool {
    if name.is_empty() {
        return false;
    }
    let mut from = 0;
    while let Some(pos) = text.get(from..).and_then(|t| t.find(name)) {
        let a = from + pos;
        let b = a + name.len();
        let before_ok = a == 0 || text.as_bytes().get(a - 1) == Some(&b' ');
        let after_ok = b == text.len() || text.as_bytes().get(b) == Some(&b' ');
        if before_ok && after_ok {
            return true;
        }
        from = a + 1;
        while from < text.len() && !text.is_char_boundary(from) {
            from += 1;
        }
    }
    false
}

/// The value every item has, if any.
fn common<T: PartialEq>(mut it: impl Iterator<Item = T>) -> Option<T> {
    let first = it.next()?;
    it.all(|x| x == first).then_some(first)
}

/// The place the hints designate, None when they designate nothing certain.
pub(super) fn decide(geo: &Geo, h: &Hints) -> Option<Place> {
    if let Some(c) = h.insee {
        return geo.place_of_commune(c, h.postcode);
    }
    if let Some(c) = h.arrondissement {
        return geo.place_of_commune(c, h.postcode);
    }
    if let Some(pc) = h.postcode {
        return by_postcode(geo, h, pc);
    }
    by_names(geo, h)
}

/// A postcode of the table: the commune a name chooses among its communes (or its only
/// commune), else the postcode with the department its communes share.
fn by_postcode(geo: &Geo, h: &Hints, pc: u32) -> Option<Place> {
    let cands = geo.postcode_communes(pc);
    let chosen = postcode_commune_named(geo, h, cands)
        .or_else(|| postcode_commune_in_text(geo, h, cands))
        .or_else(|| {
            if cands.len() == 1 {
                cands.first().map(|&(_, k)| k)
            } else {
                None
            }
        });
    if let Some(k) = chosen {
        return geo.place_of_commune(k, Some(pc));
    }
    let mut place = common(
        cands
            .iter()
            .filter_map(|&(_, k)| geo.commune(k).map(|c| c.dept)),
    )
    .map_or_else(Place::default, |d| geo.place_of_dept(d));
    place.postcode = Some(format!("{pc:05}"));
    Some(place)
}

/// A name given alongside that designates one of the postcode's communes (`cands`), strong
/// names first.
fn postcode_commune_named(geo: &Geo, h: &Hints, cands: &[(u32, u32)]) -> Option<u32> {
    for weak in [false, true] {
        for s in h.spans.iter().filter(|s| s.entry.weak == weak) {
            for &(_, k) in cands {
                let Some(c) = geo.commune(k) else { continue };
                if s.entry.communes.contains(&k)
                    || (c.parent != NO && s.entry.communes.contains(&c.parent))
                {
                    return Some(k);
                }
            }
        }
    }
    None
}

/// The postcode's commune whose name is written inside a longer text ("Mairie de
/// Villeurbanne"), the longest name winning.
fn postcode_commune_in_text(geo: &Geo, h: &Hints, cands: &[(u32, u32)]) -> Option<u32> {
    let mut chosen = None;
    let mut best = 0;
    for &(_, k) in cands {
        let Some(c) = geo.commune(k) else { continue };
        if c.folded.len() > best && contains_words(&h.folded, &c.folded) {
            best = c.folded.len();
            chosen = Some(k);
        }
    }
    chosen
}

/// No code: the commune named alone, else the department, else the region that the names
/// and the fields designate.
fn by_names(geo: &Geo, h: &Hints) -> Option<Place> {
    // Departments and regions named in the text, used to choose between homonyms.
    let soft_depts: Vec<u16> = h.spans.iter().filter_map(|s| s.entry.dept).collect();
    let soft_regions: Vec<u16> = h.spans.iter().filter_map(|s| s.entry.region).collect();

    let Named {
        found,
        mut ambiguous_dept,
    } = communes_named(geo, h);
    if let [k] = found[..] {
        return geo.place_of_commune(k, None);
    }
    // Several places named ("Lyon ou Villeurbanne"): only what they share.
    let found_dept = common(found.iter().filter_map(|&k| geo.commune(k).map(|c| c.dept)));
    let found_region = common(
        found
            .iter()
            .filter_map(|&k| geo.commune(k).map(|c| c.region)),
    );
    if found.len() > 1 {
        ambiguous_dept = found_dept;
    }

    let dept = h.depts.first().copied().or(ambiguous_dept).or_else(|| {
        soft_depts.iter().copied().find(|&d| {
            h.regions.is_empty() || geo.dept(d).is_some_and(|x| h.regions.contains(&x.region))
        })
    });
    if let Some(d) = dept {
        return Some(geo.place_of_dept(d));
    }
    let region = h
        .regions
        .first()
        .copied()
        .or(found_region)
        .or(soft_regions.first().copied())?;
    let r = geo.region(region)?;
    Some(Place {
        region: Some(r.code.to_string()),
        region_name: Some(r.name.to_string()),
        ..Place::default()
    })
}

/// The communes the names of a text designate.
struct Named {
    /// Communes each designated alone by a name of the text (strong names, or weak ones when
    /// no strong name designates one).
    found: Vec<u32>,
    /// The department shared by the communes of the first name that designates several
    /// communes, all in one department.
    ambiguous_dept: Option<u16>,
}

/// The communes named, each within the departments and regions the fields or codes impose,
/// homonyms chosen by a department or region named elsewhere in the text.
fn communes_named(geo: &Geo, h: &Hints) -> Named {
    let in_hard = |c: &Commune| {
        (h.depts.is_empty() || h.depts.contains(&c.dept))
            && (h.regions.is_empty() || h.regions.contains(&c.region))
    };
    let hard_context = !h.depts.is_empty() || !h.regions.is_empty();

    let mut ambiguous_dept: Option<u16> = None;
    let mut found: Vec<u32> = Vec::new();
    let mut cands: Vec<u32> = Vec::new();
    for weak in [false, true] {
        if !found.is_empty() {
            break;
        }
        for (si, s) in h.spans.iter().enumerate() {
            if s.entry.weak != weak || s.entry.communes.is_empty() {
                continue;
            }
            cands.clear();
            cands.extend(
                s.entry
                    .communes
                    .iter()
                    .copied()
                    .filter(|&k| geo.commune(k).is_some_and(&in_hard)),
            );
            if cands.is_empty() {
                continue;
            }
            // Context named elsewhere in the text.
            let others = || {
                h.spans
                    .iter()
                    .enumerate()
                    .filter(move |&(j, _)| j != si)
                    .map(|(_, o)| o.entry)
            };
            let soft_ok = |k: &u32| {
                geo.commune(*k).is_some_and(|c| {
                    others().any(|o| o.dept == Some(c.dept) || o.region == Some(c.region))
                })
            };
            let soft: Vec<u32> = cands.iter().copied().filter(soft_ok).collect();
            let is_admin = s.entry.dept.is_some() || s.entry.region.is_some();
            // "Doubs (25)": a department's name with its own code is the department, not its
            // commune of that name.
            let with_own_code = s.entry.dept.is_some_and(|d| h.depts.contains(&d));
            if is_admin && ((!hard_context && soft.is_empty()) || with_own_code) {
                // "Bretagne", "Vienne": the region or department, not the small commune.
                continue;
            }
            if !soft.is_empty() {
                cands.clone_from(&soft);
            }
            if let [k] = cands[..] {
                if !found.contains(&k) {
                    found.push(k);
                }
                continue;
            }
            if ambiguous_dept.is_none() {
                ambiguous_dept =
                    common(cands.iter().filter_map(|&k| geo.commune(k).map(|c| c.dept)));
            }
        }
    }
    Named {
        found,
        ambiguous_dept,
    }
}
