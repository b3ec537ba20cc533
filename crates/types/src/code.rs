//! Reading coded values (enum wire values) from JSON.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};

/// Reads an integer code from a JSON integer or from a string holding one.
///
/// Documents often print `"payWay":"1"` where their table says Int; both forms mean
/// the same code, so both are accepted. Anything else is an error naming what was found.
pub fn deserialize_integer_code<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<i64, D::Error> {
    deserializer.deserialize_any(IntegerCode)
}

struct IntegerCode;

impl<'de> Visitor<'de> for IntegerCode {
    type Value = i64;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an integer code, or a string holding one")
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<i64, E> {
        Ok(value)
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<i64, E> {
        i64::try_from(value).map_err(|_| E::custom(format!("code {value} is out of range")))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<i64, E> {
        value
            .trim()
            .parse()
            .map_err(|_| E::invalid_value(de::Unexpected::Str(value), &self))
    }

    // serde_json's arbitrary-precision numbers arrive as a one-entry map.
    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<i64, A::Error> {
        let Some((_, text)) = map.next_entry::<String, String>()? else {
            return Err(de::Error::invalid_type(de::Unexpected::Map, &self));
        };
        text.parse()
            .map_err(|_| de::Error::invalid_value(de::Unexpected::Str(&text), &self))
    }
}

/// Reads a string enum value that a provider may also send as the JSON boolean `false`
/// ("none yet"): `None` for `false`, the text otherwise. `true` is an error.
pub fn deserialize_string_or_false<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    deserializer.deserialize_any(StringOrFalse)
}

struct StringOrFalse;

impl<'de> Visitor<'de> for StringOrFalse {
    type Value = Option<String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string, or the boolean false")
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Option<String>, E> {
        match value {
            false => Ok(None),
            true => Err(E::invalid_value(de::Unexpected::Bool(true), &self)),
        }
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Option<String>, E> {
        Ok(Some(value.to_owned()))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<Option<String>, E> {
        Ok(Some(value))
    }
}

/// The error for a code a closed enum does not know.
pub fn unknown_code<E: de::Error>(type_name: &str, found: impl fmt::Display, expected: &str) -> E {
    E::custom(format!(
        "unknown {type_name} value {found}; expected one of {expected}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize)]
    struct Holder {
        #[serde(deserialize_with = "deserialize_integer_code")]
        code: i64,
    }

    fn read(json: &str) -> Result<i64, serde_json::Error> {
        serde_json::from_str::<Holder>(json).map(|h| h.code)
    }

    #[test]
    fn accepts_integers_and_integer_strings() {
        assert_eq!(read(r#"{"code":1}"#).unwrap(), 1);
        assert_eq!(read(r#"{"code":-2}"#).unwrap(), -2);
        assert_eq!(read(r#"{"code":"3"}"#).unwrap(), 3);
    }

    #[test]
    fn rejects_other_shapes() {
        assert!(read(r#"{"code":"one"}"#).is_err());
        assert!(read(r#"{"code":1.5}"#).is_err());
        assert!(read(r#"{"code":true}"#).is_err());
        assert!(read(r#"{"code":null}"#).is_err());
    }

    #[derive(serde::Deserialize)]
    struct Status {
        #[serde(deserialize_with = "deserialize_string_or_false")]
        status: Option<String>,
    }

    #[test]
    fn false_is_none_and_strings_are_kept() {
        let read = |json: &str| serde_json::from_str::<Status>(json).map(|s| s.status);
        assert_eq!(read(r#"{"status":false}"#).unwrap(), None);
        assert_eq!(
            read(r#"{"status":"paidOver"}"#).unwrap().as_deref(),
            Some("paidOver")
        );
        assert!(read(r#"{"status":true}"#).is_err());
        assert!(read(r#"{"status":1}"#).is_err());
    }
}
