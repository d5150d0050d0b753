//! The tokens that open essaim's closed surfaces: a partner network's token (the partner API)
//! and the operator's (`/admin`). A token is 32 random bytes from the operating system, shown
//! once; only its SHA-256 is kept, and a presented token is checked by hashing it and comparing
//! the hashes in constant time.
//!
//! A partner token names the row that holds its hash (`essaim_p<id>_<64 hex digits>`), so that
//! checking it is one lookup and one constant-time comparison, whatever the token: an unknown
//! id, a wrong secret and a revoked token all read the same to the caller.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The prefix of partner tokens.
const PARTNER_PREFIX: &str = "essaim_p";
/// The prefix of the operator's token.
const ADMIN_PREFIX: &str = "essaim_admin_";

/// 32 random bytes from the operating system as 64 hex digits: a new token's secret part,
/// or a session's id.
pub fn random_hex() -> Result<String, String> {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes)
        .map_err(|e| format!("the operating system gave no random bytes: {e}"))?;
    Ok(hex::encode(bytes))
}

/// Hex SHA-256 of a token: what is stored.
pub fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Whether `token` hashes to `stored` (hex), compared in constant time.
pub fn matches(token: &str, stored: &str) -> bool {
    let presented = hash(token);
    presented.as_bytes().ct_eq(stored.as_bytes()).into()
}

/// A new partner token for the row `id`.
pub fn new_partner_token(id: i64) -> Result<String, String> {
    Ok(format!("{PARTNER_PREFIX}{id}_{}", random_hex()?))
}

/// A new operator token.
pub fn new_admin_token() -> Result<String, String> {
    Ok(format!("{ADMIN_PREFIX}{}", random_hex()?))
}

/// The row id a partner token names, when it has a partner token's shape.
pub fn partner_token_id(token: &str) -> Option<i64> {
    let rest = token.strip_prefix(PARTNER_PREFIX)?;
    let (id, secret) = rest.split_once('_')?;
    if secret.len() != 64 || !secret.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    if id.is_empty() || id.len() > 18 || !id.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    id.parse().ok()
}

/// Whether `text` is a hex SHA-256 (what `admin_token_sha256` must hold).
pub fn is_hash(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_token_matches_its_hash_only() {
        let token = new_partner_token(42).unwrap();
        assert!(token.starts_with("essaim_p42_"));
        assert_eq!(partner_token_id(&token), Some(42));
        let stored = hash(&token);
        assert!(is_hash(&stored));
        assert!(matches(&token, &stored));
        let other = new_partner_token(42).unwrap();
        assert_ne!(token, other, "two tokens are never the same");
        assert!(!matches(&other, &stored));
        assert!(!matches("", &stored));
        assert!(!matches(&token, ""));
    }

    #[test]
    fn malformed_partner_tokens_name_no_row() {
        let secret = "a".repeat(64);
        assert_eq!(partner_token_id(&format!("essaim_p7_{secret}")), Some(7));
        for bad in [
            format!("essaim_p_{secret}"),
            format!("essaim_px_{secret}"),
            format!("essaim_p7_{}", "a".repeat(63)),
            format!("essaim_p7_{}", "g".repeat(64)),
            format!("essaim_p99999999999999999999_{secret}"),
            "Bearer".to_string(),
            new_admin_token().unwrap(),
        ] {
            assert_eq!(partner_token_id(&bad), None, "{bad}");
        }
    }
}
