//! The template loader on any text: `fix::order_props::check_template`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Err(e) = fixblast::fix::order_props::check_template(text) {
        panic!("{e}");
    }
});
