//! A JSON object's top-level scalar fields as text borrowed from its bytes, without
//! building a `serde_json::Value`: the text each field has in the `Value` reading
//! (strings unescaped, numbers as written, as `arbitrary_precision` keeps them).
//!
//! Signing a request body and verifying a callback body both need just these texts;
//! reading them in place saves the `Value`'s map, its index and a copy of every key
//! and value.

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

pub(crate) mod flat;

/// A JSON object's scalar fields as signing parameters, and the text of the one
/// string field set apart (a callback's signature).
#[derive(Debug, PartialEq, Eq)]
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
    // Most bodies are flat and free of escapes: one pass over the bytes reads them.
    // The rest are read by serde_json, to the same result (held by a property test).
    match read_flat(body, set_apart) {
        Some(collected) => collected.finish(),
        None => read_with_serde(body, set_apart),
    }
}

/// The one-pass reading of `body` into a collector, when it reads the body at all.
fn read_flat<'a, 's>(body: &'a [u8], set_apart: Option<&'s str>) -> Option<Collector<'a, 's>> {
    let text = std::str::from_utf8(body).ok()?;
    let mut sink = FlatCollector {
        text,
        collector: Collector::new(set_apart),
    };
    flat::read(body, &mut sink)?;
    Some(sink.collector)
}

/// Hands the one-pass reading's fields to a [`Collector`] as text.
struct FlatCollector<'a, 's> {
    text: &'a str,
    collector: Collector<'a, 's>,
}

impl flat::FieldSink for FlatCollector<'_, '_> {
    fn field(&mut self, key: Range<usize>, value: Range<usize>, kind: flat::Kind) {
        // Every range ends at an ASCII delimiter of valid UTF-8, so it is text; were it
        // not, serde_json would decide.
        let (Some(key), Some(text)) = (self.text.get(key), self.text.get(value)) else {
            self.collector.plain = false;
            return;
        };
        let value = match kind {
            flat::Kind::String | flat::Kind::Plain => Scalar::Text(Cow::Borrowed(text)),
            flat::Kind::Exponent => Scalar::Text(number_text(text)),
            flat::Kind::Null => Scalar::Null,
        };
        self.collector
            .field(Cow::Borrowed(key), Some(value), kind == flat::Kind::String);
    }
}

/// [`read_scalar_object`] through serde_json, for every body.
fn read_with_serde<'a>(body: &'a [u8], set_apart: Option<&str>) -> Option<ScalarFields<'a>> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let fields = Seed { set_apart }.deserialize(&mut deserializer).ok()??;
    deserializer.end().ok()?;
    Some(fields)
}

/// Gathers the fields as they are read, whichever reader reads them.
struct Collector<'a, 's> {
    set_apart_key: Option<&'s str>,
    params: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    set_apart: Option<Cow<'a, str>>,
    null_keys: Vec<Cow<'a, str>>,
    /// False once a field is nested or the set-apart field is not a single string.
    plain: bool,
}

impl<'a, 's> Collector<'a, 's> {
    fn new(set_apart_key: Option<&'s str>) -> Self {
        Collector {
            set_apart_key,
            params: Vec::with_capacity(16),
            set_apart: None,
            null_keys: Vec::new(),
            plain: true,
        }
    }

    /// One field: its value's reading (`None` for an array or object) and whether the
    /// value was written as a JSON string.
    fn field(&mut self, key: Cow<'a, str>, value: Option<Scalar<'a>>, quoted: bool) {
        if !self.plain {
            return;
        }
        let Some(value) = value else {
            self.plain = false;
            return;
        };
        if Some(key.as_ref()) == self.set_apart_key {
            match (value, &self.set_apart) {
                (Scalar::Text(text), None) if quoted => self.set_apart = Some(text),
                _ => self.plain = false,
            }
            return;
        }
        match value {
            Scalar::Text(text) => self.params.push((key, text)),
            Scalar::Null => self.null_keys.push(key),
        }
    }

    fn finish(self) -> Option<ScalarFields<'a>> {
        if !self.plain {
            return None;
        }
        // A null field named like another field: the `Value` reading decides which counts.
        let null_keys = &self.null_keys;
        let repeated = null_keys.iter().enumerate().any(|(i, key)| {
            null_keys[..i].contains(key)
                || Some(key.as_ref()) == self.set_apart_key
                || self.params.iter().any(|(k, _)| k == key)
        });
        (!repeated).then_some(ScalarFields {
            params: self.params,
            set_apart: self.set_apart,
        })
    }
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
        let mut collector = Collector::new(self.set_apart);
        while let Some(Text(key)) = map.next_key()? {
            let raw: &'de RawValue = map.next_value()?;
            collector.field(key, scalar(raw.get()), raw.get().starts_with('"'));
        }
        Ok(collector.finish())
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
    let Some(at) = raw.bytes().position(|b| b == b'e' || b == b'E') else {
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

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// The one-pass reading, when it reads the body at all.
    fn flat_reading<'a>(
        body: &'a [u8],
        set_apart: Option<&str>,
    ) -> Option<Option<ScalarFields<'a>>> {
        read_flat(body, set_apart).map(Collector::finish)
    }

    #[test]
    fn both_readings_agree_on_the_usual_bodies() {
        let bodies: [&[u8]; 7] = [
            br#"{"a":"x y","n":-1.50e3,"t":true,"f":false,"z":null,"signature":"ab"}"#,
            b" {\r\n\t\"a\" : 0 , \"b\":\"\xc3\xa9\" } \n",
            b"{}",
            br#"{"a":1E5,"b":2e-1}"#,
            br#"{"a":1,"a":2}"#,
            br#"{"z":null,"z":1}"#,
            br#"{"signature":1}"#,
        ];
        for body in bodies {
            let flat = flat_reading(body, Some("signature"));
            assert!(flat.is_some(), "{}", String::from_utf8_lossy(body));
            assert_eq!(flat.unwrap(), read_with_serde(body, Some("signature")));
        }
        let usual = read_scalar_object(bodies[0], Some("signature")).unwrap();
        assert_eq!(usual.set_apart.as_deref(), Some("ab"));
        let params: Vec<_> = usual
            .params
            .iter()
            .map(|(k, v)| (k.as_ref(), v.as_ref()))
            .collect();
        assert_eq!(
            params,
            [
                ("a", "x y"),
                ("n", "-1.50e+3"),
                ("t", "true"),
                ("f", "false")
            ]
        );
    }

    #[test]
    fn bodies_outside_the_flat_shape_are_left_to_serde() {
        let bodies: [&[u8]; 12] = [
            br#"{"a":"x\ny"}"#,
            br#"{"a\"":1}"#,
            b"{\"a\":\"\x01\"}",
            br#"{"a":[1]}"#,
            br#"{"a":{}}"#,
            br#"{"a":01}"#,
            br#"{"a":1.}"#,
            br#"{"a":-}"#,
            br#"{"a":1,}"#,
            br#"{"a":1} x"#,
            b"{\"a\":\"\xff\"}",
            b"null",
        ];
        for body in bodies {
            assert!(
                flat_reading(body, None).is_none(),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
        // The escaped ones are still read, by serde_json.
        let escaped = read_scalar_object(bodies[0], None).unwrap();
        assert_eq!(escaped.params[0].1, "x\ny");
    }

    fn whitespace() -> impl Strategy<Value = String> {
        "[ \t\r\n]{0,2}"
    }

    fn plain_string() -> impl Strategy<Value = String> {
        "[a-zA-Z0-9_ é€/-]{0,6}|signature".prop_map(|s| format!("\"{s}\""))
    }

    fn any_string() -> impl Strategy<Value = String> {
        prop_oneof![
            plain_string(),
            "[a-z\"\\\\\u{1}\\n/éu0-9]{0,6}".prop_map(|s| format!("\"{s}\"")),
        ]
    }

    fn plain_value() -> impl Strategy<Value = String> {
        prop_oneof![
            plain_string(),
            "-?(0|[1-9][0-9]{0,3})(\\.[0-9]{1,3})?([eE][+-]?[0-9]{1,2})?",
            Just("true".to_owned()),
            Just("false".to_owned()),
            Just("null".to_owned()),
        ]
    }

    fn any_value() -> impl Strategy<Value = String> {
        prop_oneof![
            plain_value(),
            any_string(),
            "-?[0-9]{0,3}\\.?[0-9]{0,2}([eE][+-]?[0-9]{0,2})?",
            "tru|nul|fals|truee|\\[1\\]|\\{\\}|\\{\"a\":1\\}",
        ]
    }

    /// An object of `fields`, each `(key, value, whitespace)`.
    fn object(fields: &[(String, String, String)]) -> String {
        let inner: Vec<String> = fields
            .iter()
            .map(|(k, v, ws)| format!("{ws}{k}{ws}:{ws}{v}{ws}"))
            .collect();
        format!("{{{}}}", inner.join(","))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2048))]

        #[test]
        fn the_flat_reading_is_the_serde_reading(
            mut fields in prop::collection::vec((plain_string(), plain_value(), whitespace()), 0..5),
            odd in (any_string(), any_value(), whitespace()),
            odd_at in 0usize..5,
            cut in prop::option::of(0usize..80),
            noise in prop::option::of((0usize..80, any::<u8>())),
            tail in "[ \n]{0,2}|x|,|\\}|\"",
            set_apart in prop::option::of(Just("signature")),
        ) {
            // Mostly the usual shape, with one field of any kind and maybe a cut or a
            // stray byte, so the odd part is what decides.
            fields.insert(odd_at.min(fields.len()), odd);
            let mut body = (object(&fields) + &tail).into_bytes();
            if let Some(at) = cut {
                body.truncate(at);
            }
            if let Some((at, byte)) = noise.filter(|(at, _)| *at < body.len()) {
                body[at] = byte;
            }
            if let Some(flat) = flat_reading(&body, set_apart) {
                prop_assert_eq!(flat, read_with_serde(&body, set_apart));
            }
        }

        #[test]
        fn flat_escape_free_objects_take_the_one_pass_reading(
            fields in prop::collection::vec((plain_string(), plain_value(), whitespace()), 0..8),
        ) {
            let body = object(&fields);
            let flat = flat_reading(body.as_bytes(), Some("signature"));
            prop_assert!(flat.is_some(), "{}", body);
            prop_assert_eq!(flat.unwrap(), read_with_serde(body.as_bytes(), Some("signature")));
        }
    }
}
