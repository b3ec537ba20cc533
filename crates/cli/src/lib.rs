//! The library behind the `paysmith` command, shared with the conformance suite.

mod embedded_spec;
pub mod explain;
pub mod junit;
pub mod sandbox;
pub mod vectors;

/// The spec this binary was built with.
pub fn embedded_spec() -> Result<paysmith_spec::Spec, paysmith_spec::Diagnostics> {
    paysmith_spec::load_embedded(embedded_spec::FILES)
}
