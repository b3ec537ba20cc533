//! paysmith's benchmarks, each measured against its limit.
//!
//! Performance is reported as a ratio to the physical limit measured in the same run
//! (the raw digest, MAC or private-key operation over the same bytes, the hand-written
//! call doing the same exchange), since absolute
//! times differ between machines. See `BENCHMARKS.md` at the repository root.
//!
//! - [`cases`]: signing and verification of every scheme next to its primitive, shared
//!   by the criterion benches (`cargo bench -p paysmith-bench`) and the
//!   instruction counter (`bench-report instructions`).
//! - [`client`]: a generated client's call against the sandbox over loopback, next to
//!   a hand-written reqwest call sending the byte-identical signed request.
//! - [`synthetic`]: the real spec grown to 10× and 100× the endpoints, for the
//!   code generation benchmark.
//! - [`generated_size`]: lines of generated code per provider, and the recorded figures
//!   a test holds them to.

pub mod cases;
pub mod client;
pub mod fixtures;
pub mod generated_size;
pub mod synthetic;
