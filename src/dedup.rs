//! Identity of offers: which stored offer an incoming item is. Within one feed an item is known
//! by the partner's own reference, else its canonical link, else a hash of what it says
//! (title, employer, place). Never a random or time-based id. Pure functions, no I/O.

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
    if let Some(r) = offer
        .reference
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
    {
        return format!("ref:{r}");
    }
    if let Some(u) = offer.url.as_deref().and_then(canonical_url) {
        return format!("url:{u}");
    }
    let mut h = Sha256::new();
    for part in [
        offer.title.as_str(),
        offer.employer.as_deref().unwrap_or(""),
        offer.description_text.as_str(),
    ] {
        h.update(part.to_lowercase().as_bytes());
        h.update([0]);
    }
    format!("hash:{}", hex::encode(&h.finalize()[..16]))
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
    let json = serde_json::to_vec(offer).unwrap_or_default();
    hex::encode(&Sha256::digest(&json)[..16])
}

#[cfg(test)]
mod tests {
    use super::*;

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
