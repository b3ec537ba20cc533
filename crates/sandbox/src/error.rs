//! Why the sandbox could not start, serve or carry out a test control.

/// An error starting or running the sandbox.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SandboxError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
    #[error("the server stopped: {0}")]
    Serve(std::io::Error),
    #[error("unknown provider `{name}`; known: {known}")]
    UnknownProvider { name: String, known: String },
    #[error("the spec has no API `{0}`")]
    MissingApi(String),
    #[error("API `{api}`: {problem}")]
    Spec { api: String, problem: String },
    #[error("API `{api}`: no value configured for credential `{name}`")]
    MissingCredential { api: String, name: String },
    #[error("API `{api}`: credential `{name}` is unusable: {problem}")]
    BadCredential {
        api: String,
        name: String,
        problem: String,
    },
    #[error("provider `{0}` is not enabled in this sandbox")]
    NotEnabled(&'static str),
    #[error(transparent)]
    Control(#[from] ControlError),
}

/// A test control that cannot be carried out; the HTTP control API answers it with
/// `{"error": "..."}` and the status of its kind.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ControlError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Conflict(String),
}

impl ControlError {
    pub fn status(&self) -> axum::http::StatusCode {
        use axum::http::StatusCode;
        match self {
            ControlError::NotFound(_) => StatusCode::NOT_FOUND,
            ControlError::Invalid(_) => StatusCode::BAD_REQUEST,
            ControlError::Conflict(_) => StatusCode::CONFLICT,
        }
    }
}

impl axum::response::IntoResponse for ControlError {
    fn into_response(self) -> axum::response::Response {
        let body = serde_json::json!({ "error": self.to_string() });
        (self.status(), axum::Json(body)).into_response()
    }
}
