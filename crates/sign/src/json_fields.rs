//! A JSON object's top-level scalar fields as text borrowed from its bytes, without
//! building a `serde_json::Value`: the text each field has in the `Value` reading
//! (strings unescaped, numbers as written, as `arbitrary_precision` keeps them).
//!
//! Signing a request body and verifying a callback body both need just these texts;
//! reading them in place saves the `Value`'s map, its index and a copy of every key
//! and value.

use std::borrow::Cow;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

/// A JSON object's scalar fields as signing parameters, and the text of the one
/// string field set apart (a callback's signature).
pub struct ScalarFields<'a> {
    /// Every other field's text, in body order; `null` fields left out.
    pub params: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    /// The set-apart field's text, when the body has it.
    pub set_apart: Option<Cow<'a, str>>,
}

/// The fields of `body` when it is an object whose values are scalars, with
/// `set_apart` (if named) a string given once; `None` for anything else, which the
/// caller decides through a `serde_json::Value` (it names every problem). Repeated
/// parameter keys are kept for the signer, which rejects them; a repeated `null`
/// field gives `None`, as its reading depends on which occurrence counts.
pub fn read_scalar_object<'a>(body: &'a [u8], set_apart: Option<&str>) -> Option<ScalarFields<'a>> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let fields = Seed { set_apart }.deserialize(&mut deserializer).ok()??;
    deserializer.end().ok()?;
    Some(fields)
}

struct Seed<'s> {
    set_apart: Option<&'s str>,
}

impl<'de> DeserializeSeed<'de> for Seed<'_> {
    type Value = Option<ScalarFields<'de>>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Seed<'_> {
    type Value = Option<ScalarFields<'de>>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut params = Vec::with_capacity(map.size_hint().unwrap_or(8));
        let mut set_apart = None;
        let mut null_keys = Vec::new();
        let mut plain = true;
        while let Some(Text(key)) = map.next_key()? {
            let raw: &'de RawValue = map.next_value()?;
            if !plain {
                continue;
            }
            let Some(value) = scalar(raw.get()) else {
                plain = false;
                continue;
            };
            if Some(key.as_ref()) == self.set_apart {
                match (value, &set_apart) {
                    (Scalar::Text(text), None) if raw.get().starts_with('"') => {
                        set_apart = Some(text);
                    }
                    _ => plain = false,
                }
                continue;
            }
            match value {
                Scalar::Text(text) => params.push((key, text)),
                Scalar::Null => null_keys.push(key),
            }
        }
        if !plain {
            return Ok(None);
        }
        // A null field named like another field: the `Value` reading decides which counts.
        let repeated = null_keys.iter().enumerate().any(|(i, key)| {
            null_keys[..i].contains(key)
                || Some(key.as_ref()) == self.set_apart
                || params.iter().any(|(k, _)| k == key)
        });
        Ok((!repeated).then_some(ScalarFields { params, set_apart }))
    }
}

enum Scalar<'a> {
    Text(Cow<'a, str>),
    Null,
}

/// A scalar's text as the `Value` reading gives it; `None` for arrays and objects.
fn scalar(raw: &str) -> Option<Scalar<'_>> {
    match raw.as_bytes().first()? {
        b'{' | b'[' => None,
        b'n' => Some(Scalar::Null),
        b'"' => {
            let inner = &raw[1..raw.len() - 1];
            if inner.contains('\\') {
                serde_json::from_str::<String>(raw)
                    .ok()
                    .map(|text| Scalar::Text(Cow::Owned(text)))
            } else {
                Some(Scalar::Text(Cow::Borrowed(inner)))
            }
        }
        b't' | b'f' => Some(Scalar::Text(Cow::Borrowed(raw))),
        _ => Some(Scalar::Text(number_text(raw))),
    }
}

/// A number's text as `serde_json`'s `arbitrary_precision` keeps it: as written,
/// but for the exponent, written `e` with its sign (`1E5` is read as `1e+5`).
fn number_text(raw: &str) -> Cow<'_, str> {
    let Some(at) = raw.find(['e', 'E']) else {
        return Cow::Borrowed(raw);
    };
    let (mantissa, exponent) = (&raw[..at], &raw[at + 1..]);
    let sign = if exponent.starts_with(['+', '-']) {
        ""
    } else {
        "+"
    };
    Cow::Owned([mantissa, "e", sign, exponent].concat())
}

/// A key, borrowed from the body unless it has escapes.
struct Text<'a>(Cow<'a, str>);

impl<'de> serde::Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(TextVisitor)
    }
}

struct TextVisitor;

impl<'de> Visitor<'de> for TextVisitor {
    type Value = Text<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E>(self, text: &'de str) -> Result<Self::Value, E> {
        Ok(Text(Cow::Borrowed(text)))
    }

    fn visit_str<E>(self, text: &str) -> Result<Self::Value, E> {
        Ok(Text(Cow::Owned(text.to_owned())))
    }

    fn visit_string<E>(self, text: String) -> Result<Self::Value, E> {
        Ok(Text(Cow::Owned(text)))
    }
}
