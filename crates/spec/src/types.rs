//! The field type grammar: `string`, `integer`, `decimal`, `boolean`, `json` (any JSON
//! value, for fields whose shape the provider varies), a named enum or model,
//! `list<T>`, or `map<T>` (an object with string keys).

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TypeRef {
    String,
    Integer,
    Decimal,
    Boolean,
    Json,
    Named(String),
    List(Box<TypeRef>),
    Map(Box<TypeRef>),
}

impl TypeRef {
    pub fn parse(text: &str) -> Result<TypeRef, String> {
        let text = text.trim();
        if let Some(inner) = text.strip_prefix("list<").and_then(|t| t.strip_suffix('>')) {
            return Ok(TypeRef::List(Box::new(TypeRef::parse(inner)?)));
        }
        if let Some(inner) = text.strip_prefix("map<").and_then(|t| t.strip_suffix('>')) {
            return Ok(TypeRef::Map(Box::new(TypeRef::parse(inner)?)));
        }
        match text {
            "string" => Ok(TypeRef::String),
            "integer" => Ok(TypeRef::Integer),
            "decimal" => Ok(TypeRef::Decimal),
            "boolean" => Ok(TypeRef::Boolean),
            "json" => Ok(TypeRef::Json),
            name if crate::names::is_upper_camel(name) => Ok(TypeRef::Named(name.to_owned())),
            other => Err(format!(
                "`{other}` is not a type: use string, integer, decimal, boolean, json, an enum or model name, list<T> or map<T>"
            )),
        }
    }

    /// The enum or model name this type refers to, through lists.
    pub fn named(&self) -> Option<&str> {
        match self {
            TypeRef::Named(name) => Some(name),
            TypeRef::List(inner) | TypeRef::Map(inner) => inner.named(),
            _ => None,
        }
    }

    pub fn is_decimal(&self) -> bool {
        matches!(self, TypeRef::Decimal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_nested_lists() {
        assert_eq!(
            TypeRef::parse("list<PendingSignature>").unwrap(),
            TypeRef::List(Box::new(TypeRef::Named("PendingSignature".into())))
        );
        assert!(TypeRef::parse("float").is_err());
        assert!(TypeRef::parse("list<f64>").is_err());
        assert_eq!(
            TypeRef::parse("map<decimal>").unwrap(),
            TypeRef::Map(Box::new(TypeRef::Decimal))
        );
        assert_eq!(TypeRef::parse("json").unwrap(), TypeRef::Json);
    }
}
