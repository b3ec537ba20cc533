//! What generated link and widget builders need: attribute rules and escaping.
//!
//! A value put into a URL is percent-encoded; a value put into HTML is escaped for a
//! double-quoted attribute. Neither is ever inserted raw.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// RFC 3986 unreserved characters stay; everything else is `%XX`.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// An attribute breaks a documented rule.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("attribute `{attribute}`: {problem}")]
pub struct IntegrationError {
    /// The attribute as the document names it, e.g. `merchant-id`.
    pub attribute: &'static str,
    pub problem: String,
}

fn error(attribute: &'static str, problem: String) -> IntegrationError {
    IntegrationError { attribute, problem }
}

/// A required text attribute must not be empty.
pub fn require(attribute: &'static str, value: &str) -> Result<(), IntegrationError> {
    if value.is_empty() {
        Err(error(attribute, "is required and empty".into()))
    } else {
        Ok(())
    }
}

/// Exactly `length` characters.
pub fn exact_length(
    attribute: &'static str,
    value: &str,
    length: usize,
) -> Result<(), IntegrationError> {
    let found = value.chars().count();
    if found == length {
        Ok(())
    } else {
        Err(error(
            attribute,
            format!("must be {length} characters long, found {found}"),
        ))
    }
}

/// At most `length` characters.
pub fn max_length(
    attribute: &'static str,
    value: &str,
    length: usize,
) -> Result<(), IntegrationError> {
    let found = value.chars().count();
    if found <= length {
        Ok(())
    } else {
        Err(error(
            attribute,
            format!("must be at most {length} characters long, found {found}"),
        ))
    }
}

/// Percent-encodes a path segment or query component.
pub fn encode_component(value: &str) -> String {
    utf8_percent_encode(value, COMPONENT).to_string()
}

/// `base` + `path` + `?k=v&…` with every piece percent-encoded; `path` segments
/// already encoded by the caller.
pub fn link(base: &str, path: &str, query: &[(&str, String)]) -> String {
    let mut url = String::with_capacity(base.len() + path.len() + 64);
    url.push_str(base.trim_end_matches('/'));
    url.push_str(path);
    for (index, (name, value)) in query.iter().enumerate() {
        url.push(if index == 0 { '?' } else { '&' });
        url.push_str(&encode_component(name));
        url.push('=');
        url.push_str(&encode_component(value));
    }
    url
}

/// Escapes text for a double-quoted HTML attribute value or element content.
pub fn escape_html(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '`' => out.push_str("&#96;"),
            other => out.push(other),
        }
    }
    out
}

/// The widget markup: `<wrapper><element id=… data-…>label</element></wrapper>` and
/// the script tag, every value escaped.
pub fn widget(
    wrapper: &str,
    element: &str,
    element_id: &str,
    data: &[(&str, String)],
    label: &str,
    script_url: &str,
) -> String {
    let mut html = format!(
        "<{wrapper}>\n  <{element} id=\"{}\"",
        escape_html(element_id)
    );
    for (name, value) in data {
        html.push_str(&format!(
            "\n          data-{}=\"{}\"",
            escape_html(name),
            escape_html(value)
        ));
    }
    html.push_str(&format!(
        ">\n    {}\n  </{element}>\n</{wrapper}>\n<script src=\"{}\"></script>\n",
        escape_html(label),
        escape_html(script_url)
    ));
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_name_the_attribute_and_count_characters() {
        assert!(exact_length("merchant-id", &"é".repeat(36), 36).is_ok());
        let e = exact_length("merchant-id", "abc", 36).unwrap_err();
        assert_eq!(
            e.to_string(),
            "attribute `merchant-id`: must be 36 characters long, found 3"
        );
        assert!(max_length("external-order-id", &"x".repeat(200), 200).is_ok());
        assert!(max_length("external-order-id", &"x".repeat(201), 200).is_err());
        assert!(require("merchant-id", "").is_err());
    }

    #[test]
    fn links_encode_every_value() {
        let url = link(
            "https://bitit.pro/",
            "/app/checkout/a%2Fb",
            &[
                ("buyer_email", "a+b@x.io".into()),
                ("external_order_id", "1&2=3 #4".into()),
            ],
        );
        assert_eq!(
            url,
            "https://bitit.pro/app/checkout/a%2Fb?buyer_email=a%2Bb%40x.io&external_order_id=1%262%3D3%20%234"
        );
    }

    #[test]
    fn html_cannot_be_injected() {
        let html = widget(
            "div",
            "button",
            "t",
            &[("buyer-email", "\"><script>alert(1)</script>".into())],
            "Pay",
            "https://x/y.js",
        );
        assert!(!html.contains("<script>alert"), "{html}");
        assert!(
            html.contains("data-buyer-email=\"&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;\"")
        );
        assert_eq!(escape_html("a'b`c&"), "a&#39;b&#96;c&amp;");
    }
}
