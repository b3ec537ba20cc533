//! JUnit XML for CI systems.

use crate::vectors::Report;

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') => {
                out.push_str(&format!("&#x{:x};", c as u32))
            }
            c => out.push(c),
        }
    }
    out
}

pub fn render(report: &Report) -> String {
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n");
    xml.push_str(&format!(
        "  <testsuite name=\"paysmith-vectors\" tests=\"{}\" failures=\"{}\">\n",
        report.outcomes.len(),
        report.failed()
    ));
    for outcome in &report.outcomes {
        xml.push_str(&format!(
            "    <testcase classname=\"{}\" name=\"{}\"",
            escape(&outcome.scheme),
            escape(&outcome.id)
        ));
        match &outcome.failure {
            None => xml.push_str("/>\n"),
            Some(message) => xml.push_str(&format!(
                ">\n      <failure message=\"{}\"/>\n    </testcase>\n",
                escape(message)
            )),
        }
    }
    xml.push_str("  </testsuite>\n</testsuites>\n");
    xml
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_messages_is_escaped() {
        assert_eq!(
            escape(r#"<a href="x">&'"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&apos;"
        );
        assert_eq!(escape("bell\u{7}"), "bell&#x7;");
    }
}
