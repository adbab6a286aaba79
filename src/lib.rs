//! fixblast measures the order-entry round-trip latency of a FIX 4.2 gateway.
#![deny(unsafe_code)]

pub mod fix;
pub mod engine;
pub mod metrics;
pub mod transport;
pub mod gateway;
pub mod host;
pub mod cli;
pub mod report;
pub mod error;
pub mod run;
pub mod commands;
