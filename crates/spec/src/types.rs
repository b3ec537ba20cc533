//! The field type grammar: `string`, `integer`, `decimal`, `boolean`, a named enum or
//! model, or `list<T>`.

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TypeRef {
    String,
    Integer,
    Decimal,
    Boolean,
    Named(String),
    List(Box<TypeRef>),
}

impl TypeRef {
    pub fn parse(text: &str) -> Result<TypeRef, String> {
        let text = text.trim();
        if let Some(inner) = text.strip_prefix("list<").and_then(|t| t.strip_suffix('>')) {
            return Ok(TypeRef::List(Box::new(TypeRef::parse(inner)?)));
        }
        match text {
            "string" => Ok(TypeRef::String),
            "integer" => Ok(TypeRef::Integer),
            "decimal" => Ok(TypeRef::Decimal),
            "boolean" => Ok(TypeRef::Boolean),
            name if crate::names::is_upper_camel(name) => Ok(TypeRef::Named(name.to_owned())),
            other => Err(format!(
                "`{other}` is not a type: use string, integer, decimal, boolean, an enum or model name, or list<T>"
            )),
        }
    }

    /// The enum or model name this type refers to, through lists.
    pub fn named(&self) -> Option<&str> {
        match self {
            TypeRef::Named(name) => Some(name),
            TypeRef::List(inner) => inner.named(),
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
    }
}
