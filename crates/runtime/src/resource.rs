//! Values read from an earlier response object: calls that carry a resource's own
//! token (a settlement's, a bill's) take the object and read the token and ids from it.

use crate::error::{Error, ErrorKind};

/// A text field of a resource object, present or optional.
pub trait ResourceText {
    fn resource_text(&self) -> Option<&str>;
}

impl ResourceText for String {
    fn resource_text(&self) -> Option<&str> {
        Some(self)
    }
}

impl ResourceText for Option<String> {
    fn resource_text(&self) -> Option<&str> {
        self.as_deref()
    }
}

/// The field's text, or a build error of `operation` naming the model and field.
pub fn required<'a, T: ResourceText + ?Sized>(
    operation: &'static str,
    model: &str,
    field: &str,
    value: &'a T,
) -> Result<&'a str, Error> {
    match value.resource_text() {
        Some(text) if !text.is_empty() => Ok(text),
        _ => Err(Error::new(
            operation,
            ErrorKind::Build(format!(
                "the {model} has no `{field}`: use the object as the API returned it"
            )),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_fields_are_named() {
        assert_eq!(
            required("op", "Settlement", "token", &Some("t".to_owned())).unwrap(),
            "t"
        );
        assert_eq!(
            required("op", "Settlement", "id", &"s1".to_owned()).unwrap(),
            "s1"
        );
        let error = required("get_report", "Settlement", "token", &None::<String>).unwrap_err();
        assert_eq!(
            error.to_string(),
            "get_report: could not build the request: the Settlement has no `token`: use the object as the API returned it"
        );
    }
}
