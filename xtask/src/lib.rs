//! The paysmith generator: spec → model, client and conformance code.

pub mod codegen;
pub mod files;
