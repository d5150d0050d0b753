//! Which addresses a partner URL may reach: non-public ones are refused after DNS resolution
//! and for address literals on every hop, unless the operator allowed them.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use ipnet::IpNet;

use super::{FetchError, FetchErrorKind};

/// Which non-public addresses partner URLs may reach anyway: the operator's listed networks.
#[derive(Clone, Debug, Default)]
pub(super) struct AddressPolicy {
    pub(super) allowed: Arc<Vec<IpNet>>,
}

impl AddressPolicy {
    pub(super) fn permits(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        !is_non_public(ip) || self.allowed.iter().any(|net| net.contains(&ip))
    }
}

/// True for addresses a partner URL must not reach: loopback, private, link-local (which holds
/// the cloud metadata address 169.254.169.254), unique-local, unspecified, multicast,
/// broadcast, documentation, shared (CGNAT), reserved, and every IPv6 form that carries or
/// can reach an IPv4 address: IPv4-mapped (`::ffff:0:0/96`) of a non-public address, and,
/// whatever address they embed, IPv4-compatible (`::/96`), IPv4-translated
/// (`::ffff:0:0:0/96`), 6to4 (`2002::/16`), Teredo (`2001::/32`), NAT64 (`64:ff9b::/96`,
/// `64:ff9b:1::/48`), plus ISATAP interface ids embedding a non-public IPv4 address.
pub fn is_non_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_multicast()
                || v4.is_broadcast()
                || v4.is_documentation()
                || o[0] == 0
                || (o[0] == 100 && (64..128).contains(&o[1])) // 100.64/10 shared address space
                || (o[0] == 192 && o[1] == 0 && o[2] == 0) // 192.0.0/24 protocol assignments
                || (o[0] == 192 && o[1] == 88 && o[2] == 99) // 6to4 relay anycast
                || (o[0] == 198 && (o[1] == 18 || o[1] == 19)) // benchmarking
                || o[0] >= 240
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_non_public(IpAddr::V4(v4));
            }
            let s = v6.segments();
            let embedded = |hi: u16, lo: u16| {
                IpAddr::from([(hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8])
            };
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || s[..6].iter().all(|&x| x == 0) // IPv4-compatible ::/96 (deprecated)
                || (s[..4].iter().all(|&x| x == 0) && s[4] == 0xffff && s[5] == 0) // IPv4-translated
                || (s[0] & 0xfe00) == 0xfc00 // unique local fc00::/7
                || (s[0] & 0xffc0) == 0xfe80 // link local fe80::/10
                || (s[0] & 0xffc0) == 0xfec0 // site local fec0::/10 (deprecated)
                || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
                || (s[0] & 0xfff0) == 0x3ff0 // documentation 3fff::/20
                || s[0] == 0x2002 // 6to4: reaches the IPv4 address it embeds
                || (s[0] == 0x2001 && s[1] == 0) // Teredo: idem, through a relay
                || (s[0] == 0x2001 && s[1] == 2 && s[2] == 0) // benchmarking 2001:2::/48
                || (s[0] == 0x2001 && (s[1] & 0xffe0) == 0x0020) // ORCHIDv2 2001:20::/28
                || (s[0] == 0x2001 && (s[1] & 0xfff0) == 0x0010) // ORCHID 2001:10::/28
                || (s[0] == 0x100 && s[1..4].iter().all(|&x| x == 0)) // discard 100::/64
                || (s[0] == 0x64 && s[1] == 0xff9b) // NAT64 (both prefixes) can reach private IPv4
                || ((s[4] & 0xfdff) == 0 && s[5] == 0x5efe && is_non_public(embedded(s[6], s[7])))
            // ISATAP
        }
    }
}

/// How an operator lets an intranet partner through, for refusal messages.
const HOW_TO_ALLOW: &str = "for an intranet partner, list its network in settings.allowed_private_networks or set allow_private = true on the feed";

pub(super) fn check_literal_host(url: &url::Url, policy: &AddressPolicy) -> Result<(), FetchError> {
    let ip = match url.host() {
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip),
        _ => return Ok(()),
    };
    if !policy.permits(ip) {
        return Err(FetchError::new(
            FetchErrorKind::Forbidden,
            format!("refused: {url} points to the non-public address {ip} ({HOW_TO_ALLOW})"),
        ));
    }
    Ok(())
}

/// The resolver's refusal, recognised in reqwest's error chain.
#[derive(Debug)]
pub(super) struct Refused(pub(super) String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Refused {}

/// Resolves names and keeps only public addresses (and those of the allowed networks):
/// checked after resolution, at connect time, so a name that points inside the operator's
/// network is refused even when the URL looks harmless, and the connection goes only to the
/// addresses that were checked.
pub(super) struct PublicOnlyResolver {
    pub(super) policy: AddressPolicy,
}

impl reqwest::dns::Resolve for PublicOnlyResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = self.policy.clone();
        Box::pin(async move {
            let host = name.as_str().to_string();
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let public: Vec<SocketAddr> = addrs
                .iter()
                .copied()
                .filter(|a| policy.permits(a.ip()))
                .collect();
            if public.is_empty() {
                let list: Vec<String> = addrs.iter().map(|a| a.ip().to_string()).collect();
                let err: Box<dyn std::error::Error + Send + Sync> = Box::new(Refused(format!(
                    "refused: {host} resolves only to non-public addresses ({}); {HOW_TO_ALLOW}",
                    list.join(", ")
                )));
                return Err(err);
            }
            let iter: reqwest::dns::Addrs = Box::new(public.into_iter());
            Ok(iter)
        })
    }
}
