//! Unit tests of the fetcher's pure parts: which addresses are refused, charsets.

#![allow(clippy::unwrap_used)]

use std::net::IpAddr;
use std::sync::Arc;

use super::*;

#[test]
fn non_public_addresses() {
    for ip in [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "0.0.0.0",
        "100.64.0.1",
        "::1",
        "fe80::1",
        "fd00::1",
        "::ffff:10.0.0.1",
        "::",
        "255.255.255.255",
    ] {
        assert!(
            is_non_public(ip.parse().unwrap_or(IpAddr::from([1, 1, 1, 1]))),
            "{ip}"
        );
    }
    // Every IPv6 form that carries or reaches an IPv4 address.
    for ip in [
        "::10.0.0.1",                           // IPv4-compatible
        "::127.0.0.1",                          // IPv4-compatible loopback
        "::8.8.8.8",                            // IPv4-compatible, deprecated even when public
        "::ffff:169.254.169.254",               // IPv4-mapped metadata address
        "::ffff:0:10.0.0.1",                    // IPv4-translated
        "2002:0a00:0001::1",                    // 6to4 of 10.0.0.1
        "2002:7f00:1::",                        // 6to4 of 127.0.0.1
        "2002:0808:0808::1", // 6to4 of a public address: a relay decides, refused
        "2001:0:4136:e378:8000:63bf:f5ff:fffe", // Teredo (client 10.0.0.1)
        "2001::1",           // Teredo
        "64:ff9b::a00:1",    // NAT64 of 10.0.0.1
        "64:ff9b::808:808",  // NAT64 of a public address: refused too
        "64:ff9b:1::a9fe:a9fe", // local-use NAT64
        "2001:41d0::5efe:a9fe:a9fe", // ISATAP of 169.254.169.254
        "fe80::5efe:c0a8:0101", // ISATAP link-local
        "fec0::1",           // site-local
        "3fff::1",           // documentation
        "2001:2::1",         // benchmarking
        "100::1",            // discard
        "192.88.99.1",       // 6to4 relay anycast
    ] {
        assert!(
            is_non_public(ip.parse().unwrap_or(IpAddr::from([1, 1, 1, 1]))),
            "{ip}"
        );
    }
    for ip in [
        "193.51.224.1",
        "2001:41d0::1",
        "8.8.8.8",
        "2a01:cb00::1",
        "2001:41d0::5efe:c133:e001", // ISATAP of a public address
        "2600::1",
    ] {
        assert!(
            !is_non_public(ip.parse().unwrap_or(IpAddr::from([127, 0, 0, 1]))),
            "{ip}"
        );
    }
}

#[test]
fn allowed_networks_open_exactly_their_range() {
    let policy = AddressPolicy {
        allowed: Arc::new(vec![
            "127.0.0.1/32".parse().unwrap(),
            "10.1.0.0/16".parse().unwrap(),
        ]),
    };
    let ip = |s: &str| s.parse::<IpAddr>().unwrap();
    for ok in ["127.0.0.1", "10.1.200.3", "::ffff:127.0.0.1", "8.8.8.8"] {
        assert!(policy.permits(ip(ok)), "{ok}");
    }
    for refused in [
        "127.0.0.2",
        "10.2.0.1",
        "::1",
        "169.254.169.254",
        "::ffff:10.2.0.1",
    ] {
        assert!(!policy.permits(ip(refused)), "{refused}");
    }
    assert!(!AddressPolicy::default().permits(ip("127.0.0.1")));
    let url = url::Url::parse("http://127.0.0.2:8080/feed").unwrap();
    let e = check_literal_host(&url, &policy).err();
    assert!(
        e.as_ref()
            .is_some_and(|e| e.kind == FetchErrorKind::Forbidden
                && e.message.contains("127.0.0.2")
                && e.message.contains("allowed_private_networks")),
        "{e:?}"
    );
}

#[test]
fn charset_parameter() {
    assert_eq!(
        charset_of("application/rss+xml; charset=ISO-8859-1").as_deref(),
        Some("ISO-8859-1")
    );
    assert_eq!(
        charset_of("text/xml;Charset=\"utf-8\"").as_deref(),
        Some("utf-8")
    );
    assert_eq!(charset_of("text/xml"), None);
}
