//! The order feed loader on any bytes: `fix::order_props::check_feed`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = fixblast::fix::order_props::check_feed(data) {
        panic!("{e}");
    }
});
