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
    let mut at = skip_whitespace(body, 0);
    if *body.get(at)? != b'{' {
        return None;
    }
    at = skip_whitespace(body, at + 1);
    if *body.get(at)? == b'}' {
        at += 1;
    } else {
        loop {
            if *body.get(at)? != b'"' {
                return None;
            }
            let (key, after) = string(text, at + 1)?;
            at = skip_whitespace(body, after);
            if *body.get(at)? != b':' {
                return None;
            }
            at = skip_whitespace(body, at + 1);
            let (value, quoted, after) = scalar(text, at)?;
            collector.field(Cow::Borrowed(key), Some(value), quoted);
            at = skip_whitespace(body, after);
            match *body.get(at)? {
                b',' => at = skip_whitespace(body, at + 1),
                b'}' => {
                    at += 1;
                    break;
                }
                _ => return None,
            }
        }
    }
    (skip_whitespace(body, at) == body.len()).then_some(collector)
}

// The small readers below are inlined into `read`: left to the compiler, a callback
// body's reading costs about 60 instructions more (callgrind).

/// Where the JSON whitespace (space, tab, line feed, carriage return) from `at` ends.
#[inline(always)]
fn skip_whitespace(bytes: &[u8], mut at: usize) -> usize {
    while let Some(b' ' | b'\t' | b'\n' | b'\r') = bytes.get(at) {
        at += 1;
    }
    at
}

/// The text of the string whose text starts at `start` (after its opening quote), and
/// where it ends after its closing quote; `None` at an escape, a control character or
/// the end of the body.
#[inline(always)]
fn string(text: &str, start: usize) -> Option<(&str, usize)> {
    let bytes = text.as_bytes();
    let end = start + special_byte(bytes.get(start..)?)?;
    if bytes[end] != b'"' {
        return None;
    }
    Some((text.get(start..end)?, end + 1))
}

/// A scalar value at `at`, whether it was a string, and where it ends; `None` for an
/// array, an object, an escaped string or anything that is not JSON.
#[inline(always)]
fn scalar(text: &str, at: usize) -> Option<(Scalar<'_>, bool, usize)> {
    let bytes = text.as_bytes();
    let word = |word: &'static str| {
        let end = at + word.len();
        (bytes.get(at..end)? == word.as_bytes()).then_some((word, end))
    };
    match *bytes.get(at)? {
        b'"' => {
            let (value, end) = string(text, at + 1)?;
            Some((Scalar::Text(Cow::Borrowed(value)), true, end))
        }
        b't' => word("true").map(|(t, end)| (Scalar::Text(Cow::Borrowed(t)), false, end)),
        b'f' => word("false").map(|(f, end)| (Scalar::Text(Cow::Borrowed(f)), false, end)),
        b'n' => word("null").map(|(_, end)| (Scalar::Null, false, end)),
        b'-' | b'0'..=b'9' => {
            let end = number_end(bytes, at)?;
            Some((Scalar::Text(number_text(text.get(at..end)?)), false, end))
        }
        _ => None,
    }
}

/// Where the number at `at` ends, as JSON writes numbers:
/// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
fn number_end(bytes: &[u8], mut at: usize) -> Option<usize> {
    let digits = |mut at: usize| {
        while let Some(b'0'..=b'9') = bytes.get(at) {
            at += 1;
        }
        at
    };
    let some_digits = |at: usize| Some(digits(at)).filter(|&end| end > at);
    if bytes.get(at) == Some(&b'-') {
        at += 1;
    }
    at = match bytes.get(at)? {
        b'0' => at + 1,
        b'1'..=b'9' => digits(at),
        _ => return None,
    };
    if bytes.get(at) == Some(&b'.') {
        at = some_digits(at + 1)?;
    }
    if let Some(b'e' | b'E') = bytes.get(at) {
        at += 1;
        if let Some(b'+' | b'-') = bytes.get(at) {
            at += 1;
        }
        at = some_digits(at)?;
    }
    Some(at)
}

/// Offset of the first byte that ends or interrupts a string's plain text: a quote,
/// a backslash or a control character. Eight bytes are tested at a time.
#[inline(always)]
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
