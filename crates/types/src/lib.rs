//! Hand-written support for paysmith's generated model crates.
//!
//! Generated models hold data and wiring; the few algorithms they need (reading coded
//! values leniently, verifying a callback before parsing it) live here. No HTTP stack.

pub mod callback;
pub mod code;
pub mod integration;

pub use paysmith_sign as sign;
pub use paysmith_sign::Secret;
pub use rust_decimal::Decimal;
