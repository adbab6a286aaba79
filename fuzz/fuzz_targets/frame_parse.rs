//! The framer and parser on any bytes: the properties of `fix::parse::props`, for the stream
//! read whole and in pieces, and the parser on the bytes unframed.
#![no_main]

use fixblast::fix::parse::props;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The first four bytes are two cuts (big-endian u16s) where a receive buffer splits the
    // stream; the rest is the stream.
    let (head, stream) = data.split_at(data.len().min(4));
    let cuts: Vec<usize> = head.chunks(2).map(|c| c.iter().fold(0, |a, &b| a << 8 | b as usize)).collect();
    if let Err(e) = props::check_pieces(stream, &cuts).and_then(|()| props::check_parse(stream)) {
        panic!("{e}");
    }
});
