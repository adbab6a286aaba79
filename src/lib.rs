//! fixblast measures the order-entry round-trip latency of a FIX 4.2, 4.4 or 5.0 gateway.
#![deny(unsafe_code)]

pub mod cli;
pub mod commands;
pub mod csv_lines;
pub mod engine;
pub mod error;
pub mod fix;
pub mod fnv;
pub mod gateway;
pub mod host;
pub mod metrics;
pub mod random;
pub mod report;
pub mod run;
pub mod transport;
pub mod units;
