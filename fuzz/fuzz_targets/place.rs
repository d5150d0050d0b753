//! French places ("Lyon (69)", "69100 Villeurbanne", "Côtes-d'Armor").
#![no_main]

use essaim::geo;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = geo::resolve(text);
    let _ = geo::is_place_name(text);
});
