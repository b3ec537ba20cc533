//! Intermediate values of a signing run, in the order they were produced.

use std::fmt;

use serde::ser::{Serialize, SerializeMap, Serializer};

/// Text shown instead of a secret stage's value by `Debug` and `Serialize`.
pub const REDACTED: &str = "<redacted>";

/// One named intermediate value.
#[derive(Clone, PartialEq, Eq)]
pub struct Stage {
    /// Stable stage name, e.g. `string_to_sign`.
    pub name: &'static str,
    /// The value exactly as it went into the next step.
    pub value: String,
    /// `true` when `value` contains secret material; redact it when printing.
    pub secret: bool,
}

impl fmt::Debug for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let value: &str = if self.secret { REDACTED } else { &self.value };
        f.debug_struct("Stage")
            .field("name", &self.name)
            .field("value", &value)
            .field("secret", &self.secret)
            .finish()
    }
}

// Secret stages hold a copy of the secret; wipe it like `Secret` does.
impl Drop for Stage {
    fn drop(&mut self) {
        if self.secret {
            zeroize::Zeroize::zeroize(&mut self.value);
        }
    }
}

/// The stages of one signing or verification run.
///
/// `Debug` and `Serialize` redact secret stages, so a trace carried inside an
/// error can be logged or unwrapped safely; read [`Stage::value`] directly to
/// see a secret stage on purpose.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Trace {
    /// Stages in production order.
    pub stages: Vec<Stage>,
}

impl Trace {
    pub(crate) fn with_capacity(n: usize) -> Self {
        Trace {
            stages: Vec::with_capacity(n),
        }
    }

    pub(crate) fn push(&mut self, name: &'static str, value: String) {
        self.stages.push(Stage {
            name,
            value,
            secret: false,
        });
    }

    pub(crate) fn push_secret(&mut self, name: &'static str, value: String) {
        self.stages.push(Stage {
            name,
            value,
            secret: true,
        });
    }

    /// Value of the first stage called `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.stages
            .iter()
            .find(|s| s.name == name)
            .map(|s| s.value.as_str())
    }

    /// Value of the `signature` stage, or `""` if there is none.
    pub fn signature(&self) -> &str {
        self.get("signature").unwrap_or("")
    }

    /// Stages in production order.
    pub fn iter(&self) -> std::slice::Iter<'_, Stage> {
        self.stages.iter()
    }
}

impl<'a> IntoIterator for &'a Trace {
    type Item = &'a Stage;
    type IntoIter = std::slice::Iter<'a, Stage>;

    fn into_iter(self) -> Self::IntoIter {
        self.stages.iter()
    }
}

/// Serialises as an ordered `{name: value}` map with secret values redacted.
impl Serialize for Trace {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.stages.len()))?;
        for stage in &self.stages {
            let value: &str = if stage.secret { REDACTED } else { &stage.value };
            map.serialize_entry(stage.name, value)?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Trace {
        let mut t = Trace::default();
        t.push("string_to_sign", "a=1".into());
        t.push_secret("signed_string", "a=1hunter2".into());
        t.push("signature", "abc".into());
        t
    }

    #[test]
    fn lookup_and_order() {
        let t = sample();
        assert_eq!(t.get("string_to_sign"), Some("a=1"));
        assert_eq!(t.signature(), "abc");
        assert_eq!(t.get("nope"), None);
        let names: Vec<_> = t.iter().map(|s| s.name).collect();
        assert_eq!(names, ["string_to_sign", "signed_string", "signature"]);
    }

    #[test]
    fn debug_and_serialize_redact_secret_stages() {
        let t = sample();
        assert!(!format!("{t:?}").contains("hunter2"));
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(
            json,
            r#"{"string_to_sign":"a=1","signed_string":"<redacted>","signature":"abc"}"#
        );
    }
}
