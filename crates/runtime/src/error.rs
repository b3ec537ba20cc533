//! What went wrong, for which operation, keeping the raw body when there is one.

use std::fmt;

/// An error from a generated client call.
#[derive(Debug, thiserror::Error)]
#[error("{operation}: {kind}")]
pub struct Error {
    /// The endpoint id, e.g. `create_order`.
    pub operation: &'static str,
    pub kind: ErrorKind,
}

impl Error {
    pub fn new(operation: &'static str, kind: ErrorKind) -> Self {
        Error { operation, kind }
    }

    /// The provider's error code as sent (its JSON text: `1003`, `040107`), when the
    /// provider answered with one.
    pub fn provider_code(&self) -> Option<&str> {
        match &self.kind {
            ErrorKind::Provider { code, .. } => code.as_deref(),
            _ => None,
        }
    }

    /// The provider's error message, when the provider answered with one.
    pub fn provider_message(&self) -> Option<&str> {
        match &self.kind {
            ErrorKind::Provider { message, .. } => Some(message),
            _ => None,
        }
    }

    /// The response body exactly as received, when there was one.
    pub fn raw_body(&self) -> Option<&[u8]> {
        match &self.kind {
            ErrorKind::Provider { body, .. }
            | ErrorKind::Http { body, .. }
            | ErrorKind::NotJson { body, .. }
            | ErrorKind::Decode { body, .. }
            | ErrorKind::ResponseSignature { body, .. } => Some(body.as_bytes()),
            _ => None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The request could not be built (a credential, key or field is missing or invalid).
    #[error("could not build the request: {0}")]
    Build(String),
    /// The request could not be signed.
    #[error("could not sign the request: {0}")]
    Signing(String),
    /// No response arrived (connection, TLS, timeout).
    #[error("transport failed: {0}")]
    Transport(#[source] reqwest::Error),
    /// The provider answered with its error envelope or error body.
    #[error("provider error{} (HTTP {status}): {message}", code.as_ref().map(|c| format!(" {c}")).unwrap_or_default())]
    Provider {
        status: u16,
        /// The provider's code as sent, for APIs whose errors carry one.
        code: Option<String>,
        message: String,
        body: RawBody,
    },
    /// A non-success HTTP status without a provider error envelope.
    #[error("HTTP {status}: {body}")]
    Http { status: u16, body: RawBody },
    /// The body is not JSON (an HTML error page, for instance).
    #[error("HTTP {status}: the response is not JSON ({problem}): {body}")]
    NotJson {
        status: u16,
        problem: String,
        body: RawBody,
    },
    /// The server signed its response and the signature does not match: the
    /// response was altered or is not from the server holding the key.
    #[error("HTTP {status}: {message}")]
    ResponseSignature {
        status: u16,
        message: String,
        body: RawBody,
    },
    /// The body is JSON but does not fit the model.
    #[error("the response does not fit `{model}` at `{path}`: {message}")]
    Decode {
        model: &'static str,
        path: String,
        message: String,
        body: RawBody,
    },
}

/// A response body kept as received; `Display` shows a bounded, lossy preview.
#[derive(Clone, PartialEq, Eq)]
pub struct RawBody(pub Vec<u8>);

impl RawBody {
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

const PREVIEW: usize = 512;

impl fmt::Display for RawBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = String::from_utf8_lossy(&self.0);
        match text.char_indices().nth(PREVIEW) {
            Some((cut, _)) => write!(f, "{}… ({} bytes)", &text[..cut], self.0.len()),
            None => write!(f, "{text}"),
        }
    }
}

impl fmt::Debug for RawBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RawBody({:?})", self.to_string())
    }
}
