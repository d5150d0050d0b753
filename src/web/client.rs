//! Who a request comes from: the address that connected, or, when that address is a proxy
//! the operator trusts (`trusted_proxies` in `[settings]`), the client the proxies name in
//! `X-Forwarded-For`. `/admin`'s failed-login limit, its log lines and `/metrics`' rule all
//! take the client from [`client_address`].
//!
//! Any client can send `X-Forwarded-For`, so it is read only from a trusted peer, and from
//! the right: each proxy appends the address it received the request from, so the entries
//! are true from the right for as long as the address that wrote each one is a trusted
//! proxy. The client is the right-most entry that is not a trusted proxy (what nginx's
//! `real_ip_recursive on` takes); whatever a client wrote to the left of it is never read.
//! An entry that is not an address, met before that one, makes the whole header unusable,
//! and the peer is the client, as without the header.

use std::net::{IpAddr, SocketAddr};

use axum::extract::ConnectInfo;
use axum::http::{Extensions, HeaderMap};

/// The most entries of `X-Forwarded-For` read, from the right: a long header costs bounded
/// work. A chain of this many trusted proxies names its left-most entry read as the client.
const MAX_HOPS: usize = 32;

/// The address that opened the connection, as the server recorded it.
pub(super) fn peer(extensions: &Extensions) -> Option<IpAddr> {
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
}

/// The client of a request that came from `peer` with `headers`: `peer` itself unless it is
/// in `trusted`, else the right-most address of `X-Forwarded-For` that is not in `trusted`
/// (the left-most read when all are), or `peer` when the header is missing or an entry met
/// on the way is not an address. `None` only when the peer is unknown. IPv4 addresses
/// written in IPv6 (`::ffff:192.0.2.1`, a dual-stack socket's) are read as IPv4.
pub fn client_address(
    peer: Option<IpAddr>,
    headers: &HeaderMap,
    trusted: &[ipnet::IpNet],
) -> Option<IpAddr> {
    let peer = canonical(peer?);
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return Some(peer);
    }
    // Several header lines are one list, in order (RFC 9110, 5.3).
    let values: Vec<&[u8]> = headers
        .get_all("x-forwarded-for")
        .iter()
        .map(|v| v.as_bytes())
        .collect();
    let mut entries = values
        .iter()
        .rev()
        .flat_map(|v| v.rsplit(|&b| b == b','))
        .take(MAX_HOPS)
        .peekable();
    if entries.peek().is_none() {
        return Some(peer);
    }
    let mut last = peer;
    for entry in entries {
        let Some(ip) = address(entry) else {
            return Some(peer);
        };
        if !is_trusted(&ip) {
            return Some(ip);
        }
        last = ip;
    }
    Some(last)
}

/// One entry of `X-Forwarded-For`: an address, with or without a port (`192.0.2.1`,
/// `192.0.2.1:51234`, `2001:db8::1`, `[2001:db8::1]:443`).
fn address(entry: &[u8]) -> Option<IpAddr> {
    let text = std::str::from_utf8(entry).ok()?.trim_matches([' ', '\t']);
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Some(canonical(ip));
    }
    if let Ok(socket) = text.parse::<SocketAddr>() {
        return Some(canonical(socket.ip()));
    }
    let bracketed = text.strip_prefix('[')?.strip_suffix(']')?;
    bracketed.parse::<IpAddr>().ok().map(canonical)
}

/// `ip`, an IPv4-mapped IPv6 address read as the IPv4 address it carries.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn nets(list: &[&str]) -> Vec<ipnet::IpNet> {
        list.iter()
            .map(|n| {
                n.parse::<ipnet::IpNet>()
                    .unwrap_or_else(|_| ipnet::IpNet::from(ip(n)))
            })
            .collect()
    }

    /// The client of a request from `peer` carrying one `X-Forwarded-For` line per value.
    fn client(peer: &str, lines: &[&[u8]], trusted: &[&str]) -> IpAddr {
        let mut headers = HeaderMap::new();
        for line in lines {
            headers.append("x-forwarded-for", HeaderValue::from_bytes(line).unwrap());
        }
        client_address(Some(ip(peer)), &headers, &nets(trusted)).unwrap()
    }

    const NGINX: &[&str] = &["127.0.0.1", "::1"];

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        // No proxy trusted (the default): the header is a client's word, never read.
        assert_eq!(
            client("203.0.113.7", &[b"198.51.100.4"], &[]),
            ip("203.0.113.7")
        );
        // A peer outside the trusted networks that claims to forward for another.
        assert_eq!(
            client("203.0.113.7", &[b"198.51.100.4, 127.0.0.1"], NGINX),
            ip("203.0.113.7")
        );
        assert_eq!(
            client("127.0.0.1", &[b"198.51.100.4"], &[]),
            ip("127.0.0.1")
        );
        let headers = HeaderMap::new();
        assert_eq!(client_address(None, &headers, &nets(NGINX)), None);
    }

    #[test]
    fn behind_a_trusted_proxy_the_client_is_the_address_it_appended() {
        assert_eq!(
            client("127.0.0.1", &[b"203.0.113.7"], NGINX),
            ip("203.0.113.7")
        );
        assert_eq!(
            client("::1", &[b"2001:db8:5::17"], NGINX),
            ip("2001:db8:5::17")
        );
        // A client that forged entries of its own: nginx appends the address it saw, the
        // right-most one, and what the client wrote to its left is never read, even a
        // trusted address.
        assert_eq!(
            client("127.0.0.1", &[b"10.9.9.9, 127.0.0.1, 203.0.113.7"], NGINX),
            ip("203.0.113.7")
        );
        // Without the header, the proxy is the client, as before.
        assert_eq!(client("127.0.0.1", &[], NGINX), ip("127.0.0.1"));
        assert_eq!(client("127.0.0.1", &[b""], NGINX), ip("127.0.0.1"));
        // On a dual-stack socket an IPv4 proxy connects as ::ffff:127.0.0.1.
        assert_eq!(
            client("::ffff:127.0.0.1", &[b"203.0.113.7"], NGINX),
            ip("203.0.113.7")
        );
    }

    #[test]
    fn a_chain_of_proxies_is_walked_from_the_right_over_trusted_hops() {
        let trusted = &["127.0.0.1", "10.0.0.0/8"];
        // client -> load balancer 10.0.0.5 -> proxy 10.0.2.9 -> nginx on this host.
        assert_eq!(
            client("127.0.0.1", &[b"203.0.113.7, 10.0.0.5, 10.0.2.9"], trusted),
            ip("203.0.113.7")
        );
        // The same chain written by each proxy on a line of its own.
        assert_eq!(
            client(
                "127.0.0.1",
                &[b"198.51.100.1, 203.0.113.7", b"10.0.0.5", b"10.0.2.9"],
                trusted
            ),
            ip("203.0.113.7")
        );
        // An untrusted hop in the middle ends the walk: what stands left of it is its word.
        assert_eq!(
            client(
                "127.0.0.1",
                &[b"203.0.113.7, 192.0.2.66, 10.0.2.9"],
                trusted
            ),
            ip("192.0.2.66")
        );
        // Entries with ports, IPv6 in brackets, spaces and tabs.
        assert_eq!(
            client(
                "127.0.0.1",
                &[b"[2001:db8::17]:51234 ,\t10.0.0.5:443"],
                trusted
            ),
            ip("2001:db8::17")
        );
        assert_eq!(
            client("127.0.0.1", &[b"203.0.113.7:51234"], trusted),
            ip("203.0.113.7")
        );
        // Every hop trusted (an operator's own machine on the network): the left-most.
        assert_eq!(
            client("127.0.0.1", &[b"10.1.2.3, 10.0.0.5"], trusted),
            ip("10.1.2.3")
        );
    }

    #[test]
    fn a_malformed_header_leaves_the_peer_as_the_client() {
        let trusted = &["127.0.0.1", "10.0.0.0/8"];
        for bad in [
            &b"unknown"[..],
            b"203.0.113.7, not-an-address",
            b"203.0.113.7,",
            b"203.0.113.7, 10.0.0.5, 300.1.2.3",
            b"203.0.113.7 10.0.0.5",
            b"[203.0.113.7",
            b"\xc3\xa9t\xc3\xa9",
        ] {
            assert_eq!(
                client("127.0.0.1", &[bad], trusted),
                ip("127.0.0.1"),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
        // Garbage a client wrote left of the address nginx appended is never reached.
        assert_eq!(
            client("127.0.0.1", &[b"<script>, unknown, 203.0.113.7"], trusted),
            ip("203.0.113.7")
        );
        // A header longer than the walk: the entries beyond it are not read.
        let long = format!("203.0.113.7, {}", vec!["10.0.0.5"; MAX_HOPS].join(", "));
        assert_eq!(
            client("127.0.0.1", &[long.as_bytes()], trusted),
            ip("10.0.0.5")
        );
    }
}
