//! One pass over a flat JSON object whose strings have no escapes: the shape nearly
//! every signed body and callback has. Anything else (an escape, a nested value,
//! a syntax error) gives `None` and is left to serde_json, which reads it fully and
//! names what is wrong.

use std::ops::Range;

/// How a field's value is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A string; its range is the text between the quotes.
    String,
    /// A number without an exponent, or `true` or `false`: the text as written.
    Plain,
    /// A number with an exponent, whose `Value` text differs from the body's.
    Exponent,
    Null,
}

/// Takes each field of a flat object as it is read.
pub(crate) trait FieldSink {
    /// One field: where its key's text and its value's text are in the body.
    fn field(&mut self, key: Range<usize>, value: Range<usize>, kind: Kind);
}

/// Gives every field of `body` to `sink`; `None` when the body is not a flat,
/// escape-free JSON object of valid UTF-8.
pub(crate) fn read(body: &[u8], sink: &mut impl FieldSink) -> Option<()> {
    // Bytes above ASCII seen inside strings; outside them only ASCII is accepted, so
    // an ASCII body needs no UTF-8 validation.
    let mut high = 0u64;
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
            let key_end = string_end(body, at + 1, &mut high)?;
            let key = at + 1..key_end;
            at = skip_whitespace(body, key_end + 1);
            if *body.get(at)? != b':' {
                return None;
            }
            at = skip_whitespace(body, at + 1);
            let (value, kind, after) = scalar(body, at, &mut high)?;
            sink.field(key, value, kind);
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
    (skip_whitespace(body, at) == body.len()).then_some(())?;
    utf8_checked(body, high)
}

/// `Some` when `body` is valid UTF-8, given `high`, the strings' bytes or-ed together
/// (see [`string_end`]): outside strings only ASCII is read, so a body whose strings
/// are ASCII needs no check.
#[inline(always)]
pub(crate) fn utf8_checked(body: &[u8], high: u64) -> Option<()> {
    if high & HIGH != 0 {
        std::str::from_utf8(body).ok()?;
    }
    Some(())
}

// The small readers below are inlined into `read`: left to the compiler, a callback
// body's reading costs about 60 instructions more (callgrind).

/// Where the JSON whitespace from `at` ends.
#[inline(always)]
pub(crate) fn skip_whitespace(bytes: &[u8], mut at: usize) -> usize {
    while bytes.get(at).is_some_and(|&byte| is_whitespace(byte)) {
        at += 1;
    }
    at
}

/// JSON whitespace: space, tab, line feed, carriage return.
#[inline(always)]
pub(crate) fn is_whitespace(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r')
}

/// A scalar value at `at`: where its text is, its kind, and where it ends; `None` for
/// an array, an object, an escaped string or anything that is not JSON.
#[inline(always)]
pub(crate) fn scalar(
    body: &[u8],
    at: usize,
    high: &mut u64,
) -> Option<(Range<usize>, Kind, usize)> {
    let word = |word: &[u8], kind: Kind| {
        let end = at + word.len();
        (body.get(at..end)? == word).then_some((at..end, kind, end))
    };
    match *body.get(at)? {
        b'"' => {
            let end = string_end(body, at + 1, high)?;
            Some((at + 1..end, Kind::String, end + 1))
        }
        b't' => word(b"true", Kind::Plain),
        b'f' => word(b"false", Kind::Plain),
        b'n' => word(b"null", Kind::Null),
        b'-' | b'0'..=b'9' => {
            let (end, exponent) = number_end(body, at)?;
            let kind = if exponent {
                Kind::Exponent
            } else {
                Kind::Plain
            };
            Some((at..end, kind, end))
        }
        _ => None,
    }
}

/// Where the number at `at` ends, and whether it has an exponent, as JSON writes
/// numbers: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
#[inline(always)]
fn number_end(bytes: &[u8], mut at: usize) -> Option<(usize, bool)> {
    // A one-digit integer (a status or type code, the usual number in a callback).
    if let Some([b'1'..=b'9', after]) = bytes.get(at..at + 2) {
        if !matches!(after, b'0'..=b'9' | b'.' | b'e' | b'E') {
            return Some((at + 1, false));
        }
    }
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
    let exponent = matches!(bytes.get(at), Some(b'e' | b'E'));
    if exponent {
        at += 1;
        if let Some(b'+' | b'-') = bytes.get(at) {
            at += 1;
        }
        at = some_digits(at)?;
    }
    Some((at, exponent))
}

const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);

/// Where the string whose text starts at `start` has its closing quote; `None` at an
/// escape, a control character or the end of the body. Eight bytes are tested at a
/// time, read from the body past the string's end where it has them; the bytes of
/// the text are or-ed into `high`.
#[inline(always)]
pub(crate) fn string_end(body: &[u8], start: usize, high: &mut u64) -> Option<usize> {
    let mut at = start;
    loop {
        let x = match body.get(at..at + 8) {
            Some(eight) => u64::from_le_bytes(eight.try_into().ok()?),
            None => last_word(body, at)?,
        };
        let found = specials(x);
        if found != 0 {
            // The bytes before the first special one are the string's.
            *high |= x & ((found & found.wrapping_neg()) - 1);
            let end = at + (found.trailing_zeros() / 8) as usize;
            return (body.get(end) == Some(&b'"')).then_some(end);
        }
        *high |= x;
        at += 8;
    }
}

/// The body's bytes from `at` to its end, fewer than eight, as a word padded with
/// zeros: a control character, so a scan stops at the body's end.
#[cold]
fn last_word(body: &[u8], at: usize) -> Option<u64> {
    let rest = body.get(at..)?;
    let mut padded = [0u8; 8];
    padded[..rest.len()].copy_from_slice(rest);
    Some(u64::from_le_bytes(padded))
}

/// The high bit set in each byte of `x` that ends or interrupts a string's plain text
/// (a quote, a backslash or a control character); exact up to the first one, which
/// is all that is read.
#[inline(always)]
fn specials(x: u64) -> u64 {
    // With bit 1 flipped, the quote (0x22) and the control characters are exactly the
    // bytes below 0x21; subtracting 0x21 borrows into their high bit.
    let flipped = x ^ (ONES * 0x02);
    let backslashes = x ^ (ONES * u64::from(b'\\'));
    ((flipped.wrapping_sub(ONES * 0x21) & !flipped)
        | (backslashes.wrapping_sub(ONES) & !backslashes))
        & HIGH
}

#[cfg(test)]
mod tests {
    use super::{HIGH, string_end};

    fn end(bytes: &[u8]) -> Option<usize> {
        string_end(bytes, 0, &mut 0)
    }

    #[test]
    fn string_end_finds_the_closing_quote_and_stops_at_escapes_and_controls() {
        assert_eq!(end(b"abc\"def"), Some(3));
        assert_eq!(end(b"abcdefgh\\\""), None);
        assert_eq!(end(b"abcdefghijklm\x1f\""), None);
        assert_eq!(end("é€ abcdefgh\"".as_bytes()), Some(14));
        assert_eq!(end(b"\x7f\x80\xff abcdefghijk"), None);
        assert_eq!(end(b""), None);
        // A match after a borrow must not hide an earlier one, at every offset.
        for at in 0..20 {
            let mut bytes = vec![b'a'; 24];
            bytes[at] = b'"';
            bytes[at + 1] = 0x01;
            assert_eq!(end(&bytes), Some(at));
        }
    }

    #[test]
    fn string_end_flags_bytes_above_ascii_in_the_text_only() {
        let high = |bytes: &[u8]| {
            let mut high = 0;
            string_end(bytes, 0, &mut high);
            high & HIGH != 0
        };
        assert!(!high(b"abc\"\xff\xff"));
        assert!(!high(b"abcdefghijk\"\xc3\xa9"));
        for at in 0..20 {
            let mut bytes = vec![b'a'; 24];
            bytes[at] = 0xc3;
            bytes[20] = b'"';
            assert!(high(&bytes), "{at}");
        }
    }
}
