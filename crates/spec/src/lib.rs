//! The paysmith spec: scheme files (`spec/schemes/*.yaml`) and API files
//! (`spec/apis/*.yaml`), loaded, checked against their JSON Schema and validated as a
//! whole. Every problem is reported at once, with file, line, column and field path.

pub mod diag;
pub mod load;
pub mod model;
pub mod names;
pub mod path;
pub mod prune;
pub mod schema;
pub mod spans;
mod structural;
pub mod suites;
pub mod types;
mod validate;

pub use diag::{Diagnostic, Diagnostics};
pub use load::{Loaded, Spec, load, load_embedded};
