//! A request view: what was signed is exactly what is sent.

use std::borrow::Cow;
use std::fmt;

/// A header name or value: borrowed when it is a constant, so building a request
/// allocates only the values it computes.
pub type HeaderText = Cow<'static, str>;

/// A fully built and signed HTTP request. The transport sends these bytes unchanged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedRequest {
    pub method: &'static str,
    pub url: String,
    /// Headers in the order they are sent.
    pub headers: Vec<(HeaderText, HeaderText)>,
    pub body: Vec<u8>,
}

impl SignedRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_ref())
    }
}

/// The request as it goes on the wire (header order kept), for snapshots and logs.
impl fmt::Display for SignedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} {}", self.method, self.url)?;
        for (name, value) in &self.headers {
            writeln!(f, "{name}: {value}")?;
        }
        writeln!(f)?;
        write!(f, "{}", String::from_utf8_lossy(&self.body))
    }
}
