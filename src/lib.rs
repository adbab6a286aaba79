//! fixblast measures the order-entry round-trip latency of a FIX 4.2 gateway.
#![deny(unsafe_code)]

pub mod fix;
