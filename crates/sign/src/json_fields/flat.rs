//! One pass over a flat JSON object whose strings have no escapes: the shape nearly
//! every signed body and callback has. Anything else (an escape, a nested value,
//! a syntax error) gives `None` and is left to serde_json, which reads it fully and
//! names what is wrong.

use std::borrow::Cow;

use super::{Collector, Scalar, number_text};

/// The collector with every field of `body` given to it, or `None` when the body is
/// not a flat, escape-free JSON object.
pub(super) fn read<'a, 's>(
    body: &'a [u8],
    mut collector: Collector<'a, 's>,
) -> Option<Collector<'a, 's>> {
    // Valid UTF-8 as a whole: every slice cut at an ASCII delimiter is then text.
    let text = std::str::from_utf8(body).ok()?;
    let mut at = Cursor { text, at: 0 };
    at.skip_whitespace();
    at.expect(b'{')?;
    at.skip_whitespace();
    if at.peek() == Some(b'}') {
        at.at += 1;
    } else {
        loop {
            at.expect(b'"')?;
            let key = at.string()?;
            at.skip_whitespace();
            at.expect(b':')?;
            at.skip_whitespace();
            let (value, quoted) = at.scalar()?;
            collector.field(Cow::Borrowed(key), Some(value), quoted);
            at.skip_whitespace();
            match at.peek()? {
                b',' => {
                    at.at += 1;
                    at.skip_whitespace();
                }
                b'}' => {
                    at.at += 1;
                    break;
                }
                _ => return None,
            }
        }
    }
    at.skip_whitespace();
    (at.at == body.len()).then_some(collector)
}

struct Cursor<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Cursor<'a> {
    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    fn peek(&self) -> Option<u8> {
        self.bytes().get(self.at).copied()
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        (self.peek()? == byte).then(|| self.at += 1)
    }

    /// JSON whitespace: space, tab, line feed, carriage return.
    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.at += 1;
        }
    }

    /// A scalar value and whether it was a string; `None` for an array, an object, an
    /// escaped string or anything that is not JSON.
    fn scalar(&mut self) -> Option<(Scalar<'a>, bool)> {
        let start = self.at;
        match self.peek()? {
            b'"' => {
                self.at += 1;
                Some((Scalar::Text(Cow::Borrowed(self.string()?)), true))
            }
            b't' => self
                .literal("true")
                .map(|t| (Scalar::Text(Cow::Borrowed(t)), false)),
            b'f' => self
                .literal("false")
                .map(|f| (Scalar::Text(Cow::Borrowed(f)), false)),
            b'n' => self.literal("null").map(|_| (Scalar::Null, false)),
            b'-' | b'0'..=b'9' => {
                self.number()?;
                let raw = self.text.get(start..self.at)?;
                Some((Scalar::Text(number_text(raw)), false))
            }
            _ => None,
        }
    }

    fn literal(&mut self, word: &'static str) -> Option<&'a str> {
        let end = self.at + word.len();
        let found = self.text.get(self.at..end)?;
        (found == word).then(|| {
            self.at = end;
            found
        })
    }

    /// The text of a string whose opening quote has been read, up to its closing quote
    /// (consumed); `None` at an escape, a control character or the end of the body.
    fn string(&mut self) -> Option<&'a str> {
        let start = self.at;
        let end = start + special_byte(&self.bytes()[start..])?;
        if self.bytes()[end] != b'"' {
            return None;
        }
        self.at = end + 1;
        self.text.get(start..end)
    }

    /// Steps over a number as JSON writes it:
    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    fn number(&mut self) -> Option<()> {
        if self.peek() == Some(b'-') {
            self.at += 1;
        }
        match self.peek()? {
            b'0' => self.at += 1,
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        if self.peek() == Some(b'.') {
            self.at += 1;
            self.some_digits()?;
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.at += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.at += 1;
            }
            self.some_digits()?;
        }
        Some(())
    }

    fn digits(&mut self) {
        while let Some(b'0'..=b'9') = self.peek() {
            self.at += 1;
        }
    }

    fn some_digits(&mut self) -> Option<()> {
        let start = self.at;
        self.digits();
        (self.at > start).then_some(())
    }
}

/// Offset of the first byte that ends or interrupts a string's plain text: a quote,
/// a backslash or a control character. Eight bytes are tested at a time.
fn special_byte(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    // High bit set in each byte of `x` that is zero; exact up to the first one, which
    // is all that is read.
    let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let mut chunks = bytes.chunks_exact(8);
    let mut offset = 0;
    for chunk in &mut chunks {
        let x = u64::from_le_bytes(chunk.try_into().ok()?);
        let found = zero(x ^ (ONES * u64::from(b'"')))
            | zero(x ^ (ONES * u64::from(b'\\')))
            // Bytes below 0x20: subtracting 0x20 borrows into their high bit.
            | (x.wrapping_sub(ONES * 0x20) & !x & HIGH);
        if found != 0 {
            return Some(offset + (found.trailing_zeros() / 8) as usize);
        }
        offset += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
        .map(|i| offset + i)
}

#[cfg(test)]
mod tests {
    use super::special_byte;

    #[test]
    fn special_byte_finds_the_first_quote_backslash_or_control() {
        assert_eq!(special_byte(b"abc\"def"), Some(3));
        assert_eq!(special_byte(b"abcdefgh\\\""), Some(8));
        assert_eq!(special_byte(b"abcdefghijklm\x1f\""), Some(13));
        assert_eq!(special_byte("é€ abcdefgh\"".as_bytes()), Some(14));
        assert_eq!(special_byte(b"\x7f\x80\xff abcdefghijk"), None);
        assert_eq!(special_byte(b""), None);
        // A match after a borrow must not hide an earlier one, at every offset.
        for at in 0..20 {
            let mut bytes = vec![b'a'; 24];
            bytes[at] = b'"';
            bytes[at + 1] = 0x01;
            assert_eq!(special_byte(&bytes), Some(at));
        }
    }
}
