//! `answer_cache_mib` in `[settings]`: the bytes the web server's answer cache may hold.
#![allow(clippy::unwrap_used)]

use std::path::Path;

fn settings(extra: &str) -> Result<essaim::config::Config, String> {
    essaim::config::parse(&format!("[settings]\n{extra}"), Path::new("feeds.toml"))
        .map_err(|e| e.to_string())
}

#[test]
fn the_answer_cache_budget_is_a_setting_in_mib() {
    assert_eq!(
        settings("").unwrap().settings.answer_cache_bytes,
        essaim::web::DEFAULT_ANSWER_CACHE_BYTES
    );
    assert_eq!(
        settings("answer_cache_mib = 8\n")
            .unwrap()
            .settings
            .answer_cache_bytes,
        8 << 20
    );
    let refused = settings("answer_cache_mib = 0\n").unwrap_err();
    assert!(
        refused.contains("settings.answer_cache_mib must be above 0"),
        "{refused}"
    );
    let refused = settings("answer_cache_mib = \"big\"\n").unwrap_err();
    assert!(refused.contains("answer_cache_mib"), "{refused}");
}
