//! Identity of offers within one feed: which stored offer an incoming item is. An item is
//! known by the partner's own reference, else its canonical link, else a hash of what it says
//! (title, employer, place). Never a random or time-based id. [`assign_identities`] notices
//! feeds whose references cannot be trusted (one guid for many items, guids that change
//! between fetches) and falls back to the next identity, saying so in a warning.

use sha2::{Digest, Sha256};

use crate::model::Offer;

/// Query parameters that only track the reader and never identify an offer.
const TRACKING_PARAMS: &[&str] = &[
    "fbclid",
    "gclid",
    "dclid",
    "msclkid",
    "mc_cid",
    "mc_eid",
    "xtor",
    "_hsenc",
    "_hsmi",
    "igshid",
    "yclid",
    "ref_src",
    "at_medium",
    "at_campaign",
];

/// The identity of an offer within its feed: `ref:…`, `url:…` or `hash:…`.
pub fn identity(offer: &Offer) -> String {
    if let Some(r) = reference(offer) {
        return format!("ref:{r}");
    }
    link_identity(offer)
}

fn reference(offer: &Offer) -> Option<&str> {
    offer
        .reference
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
}

/// The identity without the partner's reference: the canonical link, else the content hash.
fn link_identity(offer: &Offer) -> String {
    match offer.url.as_deref().and_then(canonical_url) {
        Some(u) => format!("url:{u}"),
        None => hash_identity(offer),
    }
}

/// `hash:…` of title, employer and place: what a posting says about which job it is, so that
/// an edited description keeps the identity.
fn hash_identity(offer: &Offer) -> String {
    hash_text(&identity_hash(offer))
}

/// The 16 bytes of [`hash_identity`].
fn identity_hash(offer: &Offer) -> [u8; 16] {
    let mut h = Sha256::new();
    for part in [
        offer.title.as_str(),
        offer.employer.as_deref().unwrap_or(""),
        offer.location.raw.as_deref().unwrap_or(""),
    ] {
        h.update(part.to_lowercase().as_bytes());
        h.update([0]);
    }
    let mut out = [0u8; 16];
    out.copy_from_slice(&h.finalize()[..16]);
    out
}

fn hash_text(hash: &[u8; 16]) -> String {
    format!("hash:{}", hex::encode(hash))
}

/// What [`assign_identities`] needs of an offer, and nothing more (some 100 bytes against
/// an offer's several KB): a large feed's offers are not all kept to be identified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityInput {
    /// The partner's reference, trimmed, when not empty.
    reference: Option<Box<str>>,
    /// The offer's link, canonical ([`canonical_url`]).
    url: Option<String>,
    /// The 16 bytes of the content hash identity (title, employer, place).
    hash: [u8; 16],
}

impl IdentityInput {
    pub fn of(offer: &Offer) -> IdentityInput {
        IdentityInput {
            reference: reference(offer).map(Into::into),
            url: offer.url.as_deref().and_then(canonical_url),
            hash: identity_hash(offer),
        }
    }

    fn reference(&self) -> Option<&str> {
        self.reference.as_deref()
    }
}

/// What the store knows of a feed's postings: each stored identity with its link, and what
/// each holds, so that the pipeline computes nothing for a posting the store holds unchanged.
#[derive(Debug, Clone, Default)]
pub struct KnownPostings {
    /// (identity, link as stored).
    pub postings: Vec<(String, Option<String>)>,
    /// Identity -> content hash ([`content_hash`]) of each stored posting whose
    /// deduplication features are of the current version
    /// ([`crate::dedup::similar::FEATURES_VERSION`]) and whose row is in the current stored
    /// form: an item of the same identity and hash is unchanged, and needs neither features
    /// nor packing (the store only marks it seen).
    pub current: std::collections::HashMap<String, String>,
}

impl KnownPostings {
    /// True when the store holds the posting `identity` with this `content_hash` and
    /// features of the current version.
    pub fn holds_unchanged(&self, identity: &str, content_hash: &str) -> bool {
        self.current
            .get(identity)
            .is_some_and(|h| h == content_hash)
    }
}

/// Identities for the items of one fetch of one feed, in order, with warnings about the
/// feed's references. Items are identified by [`identity`], except when the references cannot
/// be trusted:
/// - one reference given to several different items (different links or contents): those
///   items, or every item when most of them are affected, are identified by link instead;
/// - references that change between fetches: most references of this fetch were never seen
///   while the links they come with are known under another identity. Every item is then
///   identified by its link, and an item whose link is known keeps the identity stored for it
///   (so its public id does not change).
///
/// An item identified by link whose link is shared by several different items falls back to
/// the content hash.
pub fn assign_identities(offers: &[&Offer], known: &KnownPostings) -> (Vec<String>, Vec<String>) {
    let inputs: Vec<IdentityInput> = offers.iter().map(|o| IdentityInput::of(o)).collect();
    assign_identities_of(&inputs, known)
}

/// [`assign_identities`] of offers given by what identifying them needs
/// ([`IdentityInput::of`]): the same identities and warnings.
pub fn assign_identities_of(
    offers: &[IdentityInput],
    known: &KnownPostings,
) -> (Vec<String>, Vec<String>) {
    use std::collections::{HashMap, HashSet};
    let mut warnings = Vec::new();
    let urls: Vec<&Option<String>> = offers.iter().map(|o| &o.url).collect();
    let hashes: Vec<&[u8; 16]> = offers.iter().map(|o| &o.hash).collect();
    // By reference: its first item, how many items give it, and whether two of them differ
    // (another link or content). No list per reference: 100,000 items give 100,000.
    let mut by_ref: HashMap<&str, (usize, usize, bool)> = HashMap::new();
    for (i, o) in offers.iter().enumerate() {
        if let Some(r) = o.reference() {
            by_ref
                .entry(r)
                .and_modify(|(first, n, differ)| {
                    *n += 1;
                    *differ |= (urls[*first], hashes[*first]) != (urls[i], hashes[i]);
                })
                .or_insert((i, 1, false));
        }
    }
    let with_ref: usize = by_ref.values().map(|(_, n, _)| n).sum();
    let untrusted: HashSet<usize> = offers
        .iter()
        .enumerate()
        .filter(|(_, o)| {
            o.reference()
                .is_some_and(|r| by_ref.get(r).is_some_and(|e| e.2))
        })
        .map(|(i, _)| i)
        .collect();
    let mut repeated: Vec<(&str, usize)> = by_ref
        .iter()
        .filter(|(_, e)| e.2)
        .map(|(r, e)| (*r, e.1))
        .collect();
    let mut all_untrusted = false;
    if !repeated.is_empty() {
        repeated.sort();
        let (r, n) = repeated[0];
        all_untrusted = untrusted.len() * 2 >= with_ref;
        warnings.push(format!(
            "the feed gives one guid to several different items ({r:?} to {n} items{}); {} identified by their link instead",
            if repeated.len() > 1 { format!(", and {} more guids are repeated", repeated.len() - 1) } else { String::new() },
            if all_untrusted { "every item is" } else { "those items are" }
        ));
    }
    // Stored postings by canonical link, when the link names one posting only.
    let mut by_url: HashMap<String, Option<&str>> = HashMap::new();
    let identities: HashSet<&str> = known.postings.iter().map(|(i, _)| i.as_str()).collect();
    for (id, url) in &known.postings {
        if let Some(u) = url.as_deref().and_then(canonical_url) {
            by_url
                .entry(u)
                .and_modify(|e| *e = None)
                .or_insert(Some(id.as_str()));
        }
    }
    if !all_untrusted && !known.postings.is_empty() {
        let renamed = offers
            .iter()
            .enumerate()
            .filter(|(i, o)| {
                let Some(r) = o.reference() else {
                    return false;
                };
                let id = format!("ref:{r}");
                !identities.contains(id.as_str())
                    && urls[*i]
                        .as_ref()
                        .and_then(|u| by_url.get(u).copied().flatten())
                        .is_some_and(|stored| stored != id)
            })
            .count();
        if renamed >= 2 && renamed * 2 >= with_ref {
            all_untrusted = true;
            warnings.push(format!(
                "{renamed} of {with_ref} guids are new while their links are already known: the feed changes guids between fetches; every item is identified by its link instead"
            ));
        }
    }
    // Links shared by several different items cannot identify them.
    // By link: the first item's content hash, and whether another item's differs.
    let mut url_items: HashMap<&str, (&[u8; 16], bool)> = HashMap::new();
    for (i, u) in urls.iter().enumerate() {
        if let Some(u) = u {
            url_items
                .entry(u.as_str())
                .and_modify(|(first, differ)| *differ |= *first != hashes[i])
                .or_insert((hashes[i], false));
        }
    }
    let ids = offers
        .iter()
        .enumerate()
        .map(|(i, o)| {
            if !all_untrusted && !untrusted.contains(&i) {
                if let Some(r) = o.reference() {
                    return format!("ref:{r}");
                }
            }
            match urls[i] {
                Some(u) if url_items.get(u.as_str()).is_some_and(|(_, differ)| !differ) => {
                    match by_url.get(u).copied().flatten() {
                        Some(stored) => stored.to_string(),
                        None => format!("url:{u}"),
                    }
                }
                _ => hash_text(hashes[i]),
            }
        })
        .collect();
    (ids, warnings)
}

/// A URL in the form two postings of the same page share: lowercase scheme and host (done by
/// the URL parser), default port dropped, fragment dropped, tracking parameters removed,
/// trailing slash of the path removed. None when the text is not an absolute http(s) URL.
pub fn canonical_url(raw: &str) -> Option<String> {
    let mut url = url::Url::parse(raw.trim()).ok()?;
    if url.scheme() != "http" && url.scheme() != "https" {
        return None;
    }
    url.set_fragment(None);
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| {
            let k = k.to_ascii_lowercase();
            !k.starts_with("utm_") && !TRACKING_PARAMS.contains(&k.as_str())
        })
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if kept.is_empty() {
        url.set_query(None);
    } else {
        url.query_pairs_mut().clear().extend_pairs(kept);
    }
    let path = url.path().to_string();
    if path.len() > 1 && path.ends_with('/') {
        url.set_path(path.trim_end_matches('/'));
    }
    Some(url.to_string())
}

/// Stable public id of a posting: a name-based UUID of (feed id, identity), so the same posting
/// keeps the same id across fetches, restarts and rebuilt databases.
pub fn public_id(feed_id: &str, identity: &str) -> String {
    let mut h = Sha256::new();
    h.update(feed_id.as_bytes());
    h.update([0]);
    h.update(identity.as_bytes());
    let d = h.finalize();
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    b[6] = (b[6] & 0x0f) | 0x50; // version 5 layout (name-based, SHA hash)
    b[8] = (b[8] & 0x3f) | 0x80; // RFC 4122 variant
    let x = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &x[..8],
        &x[8..12],
        &x[12..16],
        &x[16..20],
        &x[20..]
    )
}

/// Hash of everything an offer says, to tell a changed offer from an unchanged one.
pub fn content_hash(offer: &Offer) -> String {
    content_hash_of_json(&serde_json::to_vec(offer).unwrap_or_default())
}

/// [`content_hash`] of the offer whose JSON (as `serde_json` writes it) is `json`: for a
/// caller that needs the JSON too, so that the offer is written once.
pub fn content_hash_of_json(json: &[u8]) -> String {
    hex::encode(&Sha256::digest(json)[..16])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs(offers: &[Offer]) -> Vec<&Offer> {
        offers.iter().collect()
    }

    fn offer(reference: Option<&str>, url: Option<&str>) -> Offer {
        Offer {
            feed_id: "f".into(),
            reference: reference.map(Into::into),
            url: url.map(Into::into),
            title: "Animateur".into(),
            title_raw: "Animateur (H/F)".into(),
            employer: Some("Léo Lagrange".into()),
            categories: vec![],
            published: None,
            updated: None,
            description_html: String::new(),
            description_text: "Centre de loisirs".into(),
            warnings: vec![],
            ..Default::default()
        }
    }

    #[test]
    fn identity_prefers_reference_then_link_then_content() {
        assert_eq!(
            identity(&offer(Some(" 123 "), Some("https://a.fr/1"))),
            "ref:123"
        );
        assert_eq!(
            identity(&offer(
                None,
                Some("HTTPS://WWW.Asso.FR:443/offres/12/?utm_source=x&id=4#haut")
            )),
            "url:https://www.asso.fr/offres/12?id=4"
        );
        let h = identity(&offer(None, None));
        assert!(h.starts_with("hash:") && h.len() == 5 + 32, "{h}");
        assert_eq!(h, identity(&offer(None, Some("not a url"))));
    }

    fn item(r: &str, url: &str, title: &str) -> Offer {
        let mut o = offer(Some(r), Some(url));
        o.title = title.into();
        o
    }

    #[test]
    fn one_guid_for_every_item_falls_back_to_links() {
        let offers = vec![
            item("feed", "https://a.fr/1", "Animateur"),
            item("feed", "https://a.fr/2", "Comptable"),
            item("feed", "https://a.fr/3", "Directeur"),
        ];
        let (ids, warnings) = assign_identities(&refs(&offers), &KnownPostings::default());
        assert_eq!(
            ids,
            [
                "url:https://a.fr/1",
                "url:https://a.fr/2",
                "url:https://a.fr/3"
            ]
        );
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].contains("one guid"), "{warnings:?}");
        // The same item listed twice is not a repeated guid.
        let twice = vec![
            offers[0].clone(),
            offers[0].clone(),
            item("b", "https://a.fr/2", "C"),
        ];
        let (ids, warnings) = assign_identities(&refs(&twice), &KnownPostings::default());
        assert_eq!(ids, ["ref:feed", "ref:feed", "ref:b"]);
        assert!(warnings.is_empty());
        // Links shared too: the content hash.
        let same_link = vec![
            item("g", "https://a.fr/", "A"),
            item("g", "https://a.fr/", "B"),
        ];
        let (ids, _) = assign_identities(&refs(&same_link), &KnownPostings::default());
        assert!(
            ids.iter().all(|i| i.starts_with("hash:")) && ids[0] != ids[1],
            "{ids:?}"
        );
    }

    #[test]
    fn guids_that_change_between_fetches_keep_the_stored_identity() {
        let known = KnownPostings {
            current: Default::default(),
            postings: vec![
                ("ref:1".into(), Some("https://a.fr/1".into())),
                ("ref:2".into(), Some("https://a.fr/2/?utm_source=x".into())),
            ],
        };
        let stable = vec![
            item("1", "https://a.fr/1", "A"),
            item("2", "https://a.fr/2", "B"),
            item("3", "https://a.fr/3", "C"),
        ];
        let (ids, warnings) = assign_identities(&refs(&stable), &known);
        assert_eq!(ids, ["ref:1", "ref:2", "ref:3"]);
        assert!(warnings.is_empty());
        let renamed = vec![
            item("x1", "https://a.fr/1", "A"),
            item("x2", "https://a.fr/2", "B"),
            item("x3", "https://a.fr/3", "C"),
        ];
        let (ids, warnings) = assign_identities(&refs(&renamed), &known);
        assert_eq!(ids, ["ref:1", "ref:2", "url:https://a.fr/3"]);
        assert!(warnings[0].contains("changes guids"), "{warnings:?}");
    }

    #[test]
    fn canonical_urls() {
        for (raw, want) in [
            ("https://a.fr/", Some("https://a.fr/")),
            (
                "http://A.fr/x/?fbclid=1&utm_medium=rss",
                Some("http://a.fr/x"),
            ),
            (
                "https://a.fr/job?ref=7&xtor=RSS-1",
                Some("https://a.fr/job?ref=7"),
            ),
            ("mailto:rh@asso.fr", None),
            ("/relative", None),
        ] {
            assert_eq!(canonical_url(raw).as_deref(), want, "{raw}");
        }
    }

    #[test]
    fn public_ids_are_stable_uuids() {
        let a = public_id("rs-rhone", "ref:123");
        assert_eq!(a, public_id("rs-rhone", "ref:123"));
        assert_ne!(a, public_id("rs-loire", "ref:123"));
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "5");
    }
}
