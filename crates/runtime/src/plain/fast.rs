//! The common case of [`super::decode`] without building a `serde_json::Value` of the
//! whole answer: a 2xx body that is no error body, parsed straight into the model.
//!
//! One pass reads only the top-level fields an error body is recognised by (skipping
//! everything else without allocating), a second parses the payload into `T`. Building
//! a `Value` and then walking it into `T` cost more than the request itself for large
//! answers (a BitPay invoice). Anything unusual (a failed status, an error body, a
//! payload that does not fit `T`) returns `None`, and the caller takes the `Value`
//! path, which classifies and words every error.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{
    DeserializeOwned, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor,
};
use serde_json::{Map, Value};

use super::BodyShape;
use crate::transport::RawResponse;

/// The model of a successful answer, or `None` when the `Value` path must decide.
pub(super) fn decode<T: DeserializeOwned>(shape: &BodyShape, response: &RawResponse) -> Option<T> {
    if !(200..300).contains(&response.status) {
        return None;
    }
    let body = &response.body;
    let probed = parse(body, Probe { shape }).ok()?;
    if let Some(error) = &shape.error
        && error
            .read(&Value::Object(probed.error_fields), false)
            .is_some()
    {
        return None;
    }
    match shape.data_field {
        Some(field) if probed.has_data => parse(
            body,
            Field {
                name: field,
                model: PhantomData,
            },
        )
        .ok()
        .flatten(),
        _ => serde_json::from_slice(body).ok(),
    }
}

/// Runs `seed` over the whole body, trailing characters refused as `from_slice` does.
fn parse<'de, S: DeserializeSeed<'de>>(body: &'de [u8], seed: S) -> serde_json::Result<S::Value> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value = seed.deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok(value)
}

/// What the top level of a body shows: the fields an error body is recognised by
/// (as [`super::ErrorShape::read`] reads them) and whether the data field is there.
#[derive(Default)]
struct Probed {
    error_fields: Map<String, Value>,
    has_data: bool,
}

struct Probe<'a> {
    shape: &'a BodyShape,
}

impl Probe<'_> {
    fn is_error_field(&self, key: &str) -> bool {
        self.shape.error.as_ref().is_some_and(|error| {
            error.message_fields.contains(&key)
                || error.code_field == Some(key)
                || error.error_status.is_some_and(|(field, _)| field == key)
        })
    }
}

impl<'de> DeserializeSeed<'de> for Probe<'_> {
    type Value = Probed;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Probed, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Probe<'_> {
    type Value = Probed;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Probed, A::Error> {
        let mut probed = Probed::default();
        while let Some(key) = map.next_key::<String>()? {
            if self.shape.data_field == Some(key.as_str()) {
                probed.has_data = true;
            }
            if self.is_error_field(&key) {
                let value: Value = map.next_value()?;
                probed.error_fields.insert(key, value);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(probed)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Probed, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Probed::default())
    }

    fn visit_bool<E>(self, _: bool) -> Result<Probed, E> {
        Ok(Probed::default())
    }

    fn visit_i64<E>(self, _: i64) -> Result<Probed, E> {
        Ok(Probed::default())
    }

    fn visit_u64<E>(self, _: u64) -> Result<Probed, E> {
        Ok(Probed::default())
    }

    fn visit_f64<E>(self, _: f64) -> Result<Probed, E> {
        Ok(Probed::default())
    }

    fn visit_str<E>(self, _: &str) -> Result<Probed, E> {
        Ok(Probed::default())
    }

    fn visit_unit<E>(self) -> Result<Probed, E> {
        Ok(Probed::default())
    }
}

/// The model in one top-level field; the last one counts when a key repeats, as in a
/// `Value`.
struct Field<T> {
    name: &'static str,
    model: PhantomData<T>,
}

impl<'de, T: DeserializeOwned> DeserializeSeed<'de> for Field<T> {
    type Value = Option<T>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Option<T>, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, T: DeserializeOwned> Visitor<'de> for Field<T> {
    type Value = Option<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "an object with `{}`", self.name)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Option<T>, A::Error> {
        let mut found = None;
        while let Some(key) = map.next_key::<String>()? {
            if key == self.name {
                found = Some(map.next_value::<T>()?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }
}
