//! The conformance suite, one test binary: every module is one area of checks.
//! (One binary links the generated crates once instead of once per file.)

mod bitpay;
mod bitpro;
mod bitpro_mapi;
mod bitpro_properties;
mod callbacks;
mod client_http;
mod e2e_bitpay;
mod e2e_bitpro;
mod e2e_bitpro_mapi;
mod e2e_controls;
mod e2e_onebitpay;
mod errata_decisions;
mod examples;
mod fixture_copies;
mod freshness;
mod properties;
mod redaction;
mod snapshots;
mod unknown_fields;
mod vectors;
mod worked_example;
