//! `sorted-params-digest`: sort the request parameters by key, join them as
//! `k=v&k=v`, attach the shared secret and hash the result.
//!
//! This is the scheme of most "MD5 sign" gateways, including 1BitPay's API
//! authentication. Values are used raw: no percent-encoding, no trimming.
//!
//! The config is built from `Cow`s so generated code can hold it in a `const`:
//!
//! ```
//! use std::borrow::Cow;
//! use paysmith_sign::{DigestAlgorithm, OutputEncoding, Secret};
//! use paysmith_sign::sorted_params::{KeyOrder, SecretPlacement, SortedParamsConfig};
//!
//! const ONEBITPAY: SortedParamsConfig = SortedParamsConfig {
//!     key_order: KeyOrder::CaseInsensitive,
//!     pair_separator: Cow::Borrowed("&"),
//!     kv_separator: Cow::Borrowed("="),
//!     exclude_keys: Cow::Borrowed(&[Cow::Borrowed("Sign")]),
//!     skip_empty: true,
//!     secret_placement: SecretPlacement::Append,
//!     digest: DigestAlgorithm::Md5,
//!     output: OutputEncoding::HexLower,
//! };
//!
//! let trace = ONEBITPAY
//!     .sign(&[("b", "2"), ("a", "1"), ("Sign", "old")], &Secret::from("s3cret"))
//!     .unwrap();
//! assert_eq!(trace.get("string_to_sign"), Some("a=1&b=2"));
//! assert_eq!(trace.signature().len(), 32);
//! ```

use std::borrow::Cow;
use std::cmp::Ordering;

use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

use crate::encoding::{DigestAlgorithm, DigestBytes, Hasher, OutputEncoding, hex_lower};
use crate::error::{SignError, VerifyError};
use crate::secret::Secret;
use crate::trace::Trace;

mod plan;

pub use plan::{CallbackPlan, KeyPlan};

/// Parameters of the `sorted-params-digest` family.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct SortedParamsConfig {
    /// How parameter keys are ordered before joining.
    pub key_order: KeyOrder,
    /// Text placed between `key=value` pairs, usually `&`.
    pub pair_separator: Cow<'static, str>,
    /// Text placed between a key and its value, usually `=`.
    pub kv_separator: Cow<'static, str>,
    /// Keys dropped before signing (exact, case-sensitive match), typically
    /// the signature parameter itself, e.g. `["Sign"]`.
    pub exclude_keys: Cow<'static, [Cow<'static, str>]>,
    /// Drop parameters whose value is the empty string.
    pub skip_empty: bool,
    /// Where the shared secret goes relative to the joined parameters.
    pub secret_placement: SecretPlacement,
    /// Digest applied to the string with the secret placed.
    pub digest: DigestAlgorithm,
    /// Text encoding of the digest that becomes the signature.
    pub output: OutputEncoding,
}

/// Order of parameter keys in the string to sign.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum KeyOrder {
    /// Plain byte order: every uppercase ASCII letter sorts before every
    /// lowercase one (`B` < `a`).
    Ascii,
    /// Compare keys with ASCII letters lowercased (`a` < `B`); keys that are
    /// equal but for case are all kept and ordered by plain byte order
    /// (`A` < `a`).
    CaseInsensitive,
}

/// Where the shared secret is attached to the string to sign.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum SecretPlacement {
    /// `string_to_sign + secret`.
    Append,
    /// `secret + string_to_sign`.
    Prepend,
    /// `string_to_sign + pair_separator + key + kv_separator + secret`, i.e.
    /// the secret sent as one more (final, unsorted) parameter. The leading
    /// separator is omitted when no parameter is signed.
    AppendParam {
        /// Parameter name that carries the secret, e.g. `key`.
        key: Cow<'static, str>,
    },
}

/// One `(key, value)` parameter: implemented for `(K, V)` and `&(K, V)` with
/// `K, V: AsRef<str>`, so arrays, slices, vectors and map iterators of string
/// pairs can all be passed directly.
pub trait Param {
    /// Parameter name.
    fn key(&self) -> &str;
    /// Parameter value, exactly as sent.
    fn value(&self) -> &str;
}

impl<K: AsRef<str>, V: AsRef<str>> Param for (K, V) {
    fn key(&self) -> &str {
        self.0.as_ref()
    }
    fn value(&self) -> &str {
        self.1.as_ref()
    }
}

impl<K: AsRef<str>, V: AsRef<str>> Param for &(K, V) {
    fn key(&self) -> &str {
        self.0.as_ref()
    }
    fn value(&self) -> &str {
        self.1.as_ref()
    }
}

/// Parameters in signing order, the dropped ones left out.
///
/// Sorting moves 8-byte integers, not the parameters. Up to 256 parameters, each holds
/// the first seven bytes of its (folded) key above its index, so most comparisons are
/// one integer compare; zero padding keeps the prefix order consistent with the full
/// order, and keys with equal prefixes are then ordered by comparing them whole. Longer
/// lists sort plain indices by whole keys.
struct Ordered<P> {
    items: Vec<P>,
    order: Vec<u64>,
    packed: bool,
}

impl<P: Param> Ordered<P> {
    fn index(&self, o: u64) -> usize {
        if self.packed {
            (o & 0xff) as usize
        } else {
            o as usize
        }
    }

    fn iter(&self) -> impl Iterator<Item = &P> {
        self.order.iter().map(|&o| &self.items[self.index(o)])
    }

    fn pairs(&self) -> impl Iterator<Item = (&str, &str)> + Clone {
        self.order.iter().map(|&o| {
            let p = &self.items[self.index(o)];
            (p.key(), p.value())
        })
    }

    fn is_empty(&self) -> bool {
        self.order.is_empty()
    }
}

fn sort_prefix(key: &str, fold: bool) -> u64 {
    let x = first_eight(key.as_bytes());
    if fold { fold_word(x) } else { x }
}

/// The first eight bytes as a big-endian word, zero-padded. Shorter keys are read as
/// two overlapping loads, whose shared bytes are equal, so or-ing them is exact.
fn first_eight(bytes: &[u8]) -> u64 {
    let n = bytes.len();
    let be32 = |at: usize| {
        u64::from(u32::from_be_bytes([
            bytes[at],
            bytes[at + 1],
            bytes[at + 2],
            bytes[at + 3],
        ]))
    };
    let be16 = |at: usize| u64::from(u16::from_be_bytes([bytes[at], bytes[at + 1]]));
    match bytes.first_chunk::<8>() {
        Some(head) => u64::from_be_bytes(*head),
        None if n >= 4 => be32(0) << 32 | be32(n - 4) << (8 * (8 - n)),
        None if n >= 2 => be16(0) << 48 | be16(n - 2) << (8 * (8 - n)),
        None => bytes.first().map_or(0, |&b| u64::from(b) << 56),
    }
}

/// ASCII-lowercases all eight bytes at once: flags bytes in 'A'..='Z' (high bit clear,
/// >= 0x41, <= 0x5a) and adds 0x20 to exactly those.
fn fold_word(x: u64) -> u64 {
    let low7 = x & 0x7f7f_7f7f_7f7f_7f7f;
    let at_least_a = low7.wrapping_add(0x3f3f_3f3f_3f3f_3f3f);
    let above_z = low7.wrapping_add(0x2525_2525_2525_2525);
    let upper = at_least_a & !above_z & !x & 0x8080_8080_8080_8080;
    x | (upper >> 2)
}

/// Up to eight bytes as one word, zero-padded; eight as one load, not a `memcpy` call.
fn word(bytes: &[u8]) -> u64 {
    if let Some(eight) = bytes.first_chunk::<8>() {
        return u64::from_le_bytes(*eight);
    }
    let mut padded = [0u8; 8];
    padded[..bytes.len()].copy_from_slice(bytes);
    u64::from_le_bytes(padded)
}

fn cmp_case_insensitive(a: &str, b: &str) -> Ordering {
    let (x, y) = (a.as_bytes(), b.as_bytes());
    for (p, q) in x.iter().zip(y) {
        match p.to_ascii_lowercase().cmp(&q.to_ascii_lowercase()) {
            Ordering::Equal => {}
            unequal => return unequal,
        }
    }
    x.len().cmp(&y.len()).then_with(|| x.cmp(y))
}

/// A separator, pushed as one byte when it is one (the usual `&` and `=`): a
/// one-byte copy through `extend_from_slice` costs a call to `memcpy` per piece.
enum Separator<'a> {
    Byte(u8),
    Text(&'a [u8]),
}

impl<'a> Separator<'a> {
    fn new(text: &'a str) -> Self {
        match text.as_bytes() {
            [byte] => Separator::Byte(*byte),
            bytes => Separator::Text(bytes),
        }
    }

    #[inline]
    fn put(&self, put: &mut impl FnMut(&[u8])) {
        match self {
            Separator::Byte(byte) => put(std::slice::from_ref(byte)),
            Separator::Text(text) => put(text),
        }
    }
}

/// Copies `bytes` into `out` at `at` and returns where they end. Pieces of up to 32
/// bytes, most keys and values, are two word moves (overlapping when the piece is
/// shorter than two words), not a call to `memcpy`.
#[inline(always)]
fn put(out: &mut [u8], at: usize, bytes: &[u8]) -> usize {
    let n = bytes.len();
    let to = &mut out[at..at + n];
    // Each size moves its words as integers: as slice copies, the compiler merges the
    // sizes' second moves into one `memcpy` call of variable length.
    macro_rules! two_words {
        ($word:ty) => {{
            const W: usize = std::mem::size_of::<$word>();
            let word = |from: &[u8]| <$word>::from_le_bytes(from.try_into().expect("W bytes"));
            let (head, tail) = (word(&bytes[..W]), word(&bytes[n - W..]));
            to[..W].copy_from_slice(&head.to_le_bytes());
            to[n - W..].copy_from_slice(&tail.to_le_bytes());
        }};
    }
    match n {
        1..=3 => {
            to[0] = bytes[0];
            to[n / 2] = bytes[n / 2];
            to[n - 1] = bytes[n - 1];
        }
        4..=7 => two_words!(u32),
        8..=16 => two_words!(u64),
        17..=32 => two_words!(u128),
        _ => to.copy_from_slice(bytes),
    }
    at + n
}

/// Runs `f` on a zeroed buffer of at least `len` bytes, on the stack when `len` is
/// short, as a request's or a callback's joined parameters usually are; the smaller
/// buffer saves zeroing a large one for a short string.
fn with_buffer<R>(len: usize, f: impl FnOnce(&mut [u8]) -> R) -> R {
    if len <= 256 {
        f(&mut [0u8; 256])
    } else if len <= 1024 {
        f(&mut [0u8; 1024])
    } else {
        f(&mut vec![0u8; len])
    }
}

/// Text of joined `&str` pieces (always UTF-8).
fn utf8(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Whether `text` is the hex of `bytes`, in either case, compared in constant time.
/// Four bytes' digits are made and compared at a time, without a text buffer.
fn hex_equals(bytes: &[u8], text: &[u8]) -> bool {
    if text.len() != bytes.len() * 2 {
        return false;
    }
    // Letters may come in either case: bit 5 (0x20) of a received letter is not
    // compared. Only letters have bit 6 set, so it marks them.
    let differs = |expected: u64, received: u64| {
        let caseless = (expected >> 1) & 0x2020_2020_2020_2020;
        (received | caseless) ^ expected
    };
    // Each four bytes against their eight digits.
    let fours_differ = |bytes: &[u8], text: &[u8]| {
        bytes
            .chunks_exact(4)
            .zip(text.chunks_exact(8))
            .fold(0, |difference, (four, eight)| {
                let four = u32::from_le_bytes(four.try_into().expect("four bytes"));
                difference | differs(hex_digits(four.into()), word(eight))
            })
    };
    let mut difference = match (<&[u8; 16]>::try_from(bytes), <&[u8; 32]>::try_from(text)) {
        // An MD5 digest, the usual one: fixed lengths, so straight-line code.
        (Ok(md5), Ok(text)) => fours_differ(md5, text),
        _ => fours_differ(bytes, text),
    };
    let rest = &bytes[bytes.len() / 4 * 4..];
    if !rest.is_empty() {
        // Past the last bytes' digits both sides are zero padding.
        let digits = hex_digits(word(rest)) & (u64::MAX >> (64 - 16 * rest.len()));
        difference |= differs(digits, word(&text[text.len() - 2 * rest.len()..]));
    }
    // Every digit was compared; only whether all matched is read.
    std::hint::black_box(difference) == 0
}

/// The lowercase hex digits of the low four bytes of `x`, one per byte of the result,
/// first byte's first.
#[inline(always)]
fn hex_digits(x: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    // Byte i of `x` to byte 2i.
    let lanes = (x & 0xffff | (x & 0xffff_0000) << 16) & 0x0000_ffff_0000_ffff;
    let lanes = (lanes | lanes << 8) & 0x00ff_00ff_00ff_00ff;
    // Its high nibble stays in byte 2i, its low nibble goes to byte 2i + 1.
    let nibbles = (lanes >> 4 | lanes << 8) & (ONES * 0x0f);
    // 1 in each byte whose nibble is ten or more: adding six carries into bit 4.
    let letters = (nibbles + ONES * 6) >> 4 & ONES;
    nibbles + ONES * u64::from(b'0') + letters * u64::from(b'a' - b'0' - 10)
}

/// Compares a computed signature with a received one in constant time; hex compares
/// case-insensitively, eight folded bytes at a time, without allocating.
fn signatures_equal(output: OutputEncoding, expected: &[u8], received: &[u8]) -> bool {
    if !output.is_hex() {
        return bool::from(expected.ct_eq(received));
    }
    if expected.len() != received.len() {
        return false;
    }
    let difference = expected
        .chunks(8)
        .zip(received.chunks(8))
        .fold(0u64, |acc, (a, b)| {
            acc | (fold_word(word(a)) ^ fold_word(word(b)))
        });
    bool::from(difference.ct_eq(&0))
}

impl SortedParamsConfig {
    /// Sorts `params`, rejects duplicate keys (even among dropped ones) and
    /// drops excluded and skipped pairs.
    fn ordered<I>(&self, params: I) -> Result<Ordered<I::Item>, SignError>
    where
        I: IntoIterator,
        I::Item: Param,
    {
        let fold = self.key_order == KeyOrder::CaseInsensitive;
        let params = params.into_iter();
        let (low, high) = params.size_hint();
        let mut items = Vec::with_capacity(high.unwrap_or(low).min(1024));
        // `for_each` runs a chain of sources as one loop per source, unlike `extend`.
        params.for_each(|p| items.push(p));
        let cmp = |a: &str, b: &str| self.compare_keys(a, b);
        let packed = items.len() <= 256;
        let index = |o: u64| {
            if packed {
                (o & 0xff) as usize
            } else {
                o as usize
            }
        };
        let key = |o: u64| items[index(o)].key();
        // Dropped parameters stay out of the sort; they are checked for repeats below.
        let mut order: Vec<u64> = Vec::with_capacity(items.len());
        let mut dropped: Vec<usize> = Vec::new();
        for (i, p) in items.iter().enumerate() {
            if self.drops(p) {
                dropped.push(i);
            } else if packed {
                order.push((sort_prefix(p.key(), fold) & !0xff) | i as u64);
            } else {
                order.push(i as u64);
            }
        }
        if packed {
            order.sort_unstable();
        } else {
            order.sort_unstable_by(|&a, &b| cmp(key(a), key(b)));
        }
        // Either order puts identical keys next to each other. Packed, they also share
        // a prefix, and keys sharing a prefix are rare: only then are runs of them
        // ordered by whole keys and checked for repeats.
        let same_prefix = |w: &[u64]| !packed || w[0] >> 8 == w[1] >> 8;
        let tied = order.windows(2).any(same_prefix);
        if packed && tied {
            let mut start = 0;
            while start < order.len() {
                let prefix = order[start] >> 8;
                let end = start
                    + order[start..]
                        .iter()
                        .take_while(|&&o| o >> 8 == prefix)
                        .count();
                if end - start > 1 {
                    order[start..end].sort_unstable_by(|&a, &b| cmp(key(a), key(b)));
                }
                start = end;
            }
        }
        let mut repeated = tied
            .then(|| {
                order
                    .windows(2)
                    .find(|w| same_prefix(w) && key(w[0]) == key(w[1]))
                    .map(|w| key(w[0]))
            })
            .flatten();
        for &d in &dropped {
            let k = items[d].key();
            let again = items
                .iter()
                .enumerate()
                .any(|(j, p)| j != d && p.key() == k);
            // The first repeated key in signing order is the one reported.
            if again && repeated.is_none_or(|r| cmp(k, r) == Ordering::Less) {
                repeated = Some(k);
            }
        }
        if let Some(k) = repeated {
            return Err(SignError::DuplicateKey(k.to_owned()));
        }
        Ok(Ordered {
            items,
            order,
            packed,
        })
    }

    /// How two distinct keys are ordered in the string to sign.
    fn compare_keys(&self, a: &str, b: &str) -> Ordering {
        match self.key_order {
            KeyOrder::Ascii => a.cmp(b),
            KeyOrder::CaseInsensitive => cmp_case_insensitive(a, b),
        }
    }

    /// Whether a parameter is left out of the string to sign.
    fn drops<P: Param>(&self, p: &P) -> bool {
        (self.skip_empty && p.value().is_empty())
            || self.exclude_keys.iter().any(|k| k.as_ref() == p.key())
    }

    /// Length of the joined `pairs`, and how many there are.
    fn joined_len<'p>(&self, pairs: impl Iterator<Item = (&'p str, &'p str)>) -> (usize, usize) {
        let (text, count) = pairs.fold((0usize, 0usize), |(text, count), (k, v)| {
            (text + k.len() + v.len(), count + 1)
        });
        let seps =
            self.pair_separator.len() * count.saturating_sub(1) + self.kv_separator.len() * count;
        (text + seps, count)
    }

    /// Writes the joined `pairs` into `out`, at least their
    /// [`SortedParamsConfig::joined_len`] long, and returns their length.
    fn join_into<'p>(
        &self,
        pairs: impl Iterator<Item = (&'p str, &'p str)>,
        out: &mut [u8],
    ) -> usize {
        let pair = Separator::new(&self.pair_separator);
        let kv = Separator::new(&self.kv_separator);
        let mut at = 0;
        let mut piece = |bytes: &[u8]| at = put(out, at, bytes);
        for (i, (key, value)) in pairs.enumerate() {
            if i > 0 {
                pair.put(&mut piece);
            }
            piece(key.as_bytes());
            kv.put(&mut piece);
            piece(value.as_bytes());
        }
        at
    }

    /// The joined `pairs`. Bytes, not a `String`: every piece is already UTF-8.
    fn canonical_of<'p>(&self, pairs: impl Iterator<Item = (&'p str, &'p str)> + Clone) -> Vec<u8> {
        let mut out = vec![0; self.joined_len(pairs.clone()).0];
        let len = self.join_into(pairs, &mut out);
        out.truncate(len);
        out
    }

    /// The digest of the signed string of `pairs`, given in signing order.
    fn digest_pairs<'p>(
        &self,
        pairs: impl Iterator<Item = (&'p str, &'p str)> + Clone,
        secret: &Secret,
    ) -> DigestBytes {
        let (len, count) = self.joined_len(pairs.clone());
        with_buffer(len, |out| {
            let len = self.join_into(pairs, out);
            self.digest_of(&out[..len], count > 0, secret)
        })
    }

    /// Hashes the signed string without assembling it: the canonical string
    /// and the secret go to the hasher as they are.
    fn digest_of(&self, canonical: &[u8], has_params: bool, secret: &Secret) -> DigestBytes {
        let mut h = Hasher::new(self.digest);
        match &self.secret_placement {
            SecretPlacement::Append => {
                h.update(canonical);
                h.update(secret.expose().as_bytes());
            }
            SecretPlacement::Prepend => {
                h.update(secret.expose().as_bytes());
                h.update(canonical);
            }
            SecretPlacement::AppendParam { key } => {
                h.update(canonical);
                if has_params {
                    h.update(self.pair_separator.as_bytes());
                }
                h.update(key.as_bytes());
                h.update(self.kv_separator.as_bytes());
                h.update(secret.expose().as_bytes());
            }
        }
        h.finish()
    }

    /// Whether `signature` is `digest` in the output encoding, compared in constant time.
    #[inline]
    fn signs_as(&self, digest: &DigestBytes, signature: &[u8]) -> bool {
        if self.output.is_hex() {
            hex_equals(digest.as_slice(), signature)
        } else {
            self.encodes_as(digest, signature)
        }
    }

    /// [`SortedParamsConfig::signs_as`] through the encoded text, for encodings other
    /// than hex.
    fn encodes_as(&self, digest: &DigestBytes, signature: &[u8]) -> bool {
        let mut text = [0u8; 128];
        match self.output.encode_into(digest.as_slice(), &mut text) {
            Some(expected) => signatures_equal(self.output, expected, signature),
            None => {
                let expected = self.output.encode(digest.as_slice());
                signatures_equal(self.output, expected.as_bytes(), signature)
            }
        }
    }

    /// The signed string for the trace; `concat` sizes the buffer exactly,
    /// so no reallocation leaves a stray copy of the secret.
    fn signed_string(&self, canonical: &str, has_params: bool, secret: &Secret) -> String {
        let s = secret.expose();
        match &self.secret_placement {
            SecretPlacement::Append => [canonical, s].concat(),
            SecretPlacement::Prepend => [s, canonical].concat(),
            SecretPlacement::AppendParam { key } => {
                let sep: &str = if has_params { &self.pair_separator } else { "" };
                [canonical, sep, key, &self.kv_separator, s].concat()
            }
        }
    }

    /// The string to sign: kept parameters, ordered, joined, without the secret.
    pub fn canonical<I>(&self, params: I) -> Result<String, SignError>
    where
        I: IntoIterator,
        I::Item: Param,
    {
        let pairs = self.ordered(params)?;
        Ok(utf8(self.canonical_of(pairs.pairs())))
    }

    /// Just the signature, without building a trace. This is the path to use
    /// per request.
    pub fn signature<I>(&self, params: I, secret: &Secret) -> Result<String, SignError>
    where
        I: IntoIterator,
        I::Item: Param,
    {
        let pairs = self.ordered(params)?;
        let digest = self.digest_pairs(pairs.pairs(), secret);
        Ok(self.output.encode(digest.as_slice()))
    }

    /// Signs `params` and records every stage: `sorted_keys`, `string_to_sign`,
    /// `signed_string` (secret), `digest_hex`, `signature`.
    pub fn sign<I>(&self, params: I, secret: &Secret) -> Result<Trace, SignError>
    where
        I: IntoIterator,
        I::Item: Param,
    {
        let pairs = self.ordered(params)?;
        let sorted_keys = pairs.iter().map(|p| p.key()).collect::<Vec<_>>().join(",");
        let canonical = utf8(self.canonical_of(pairs.pairs()));
        let signed = self.signed_string(&canonical, !pairs.is_empty(), secret);
        let digest = self.digest_of(canonical.as_bytes(), !pairs.is_empty(), secret);

        let mut trace = Trace::with_capacity(5);
        trace.push("sorted_keys", sorted_keys);
        trace.push("string_to_sign", canonical);
        trace.push_secret("signed_string", signed);
        trace.push("digest_hex", hex_lower(digest.as_slice()));
        trace.push("signature", self.output.encode(digest.as_slice()));
        Ok(trace)
    }

    /// Recomputes the signature and compares it with `signature` in constant
    /// time (hex outputs compare case-insensitively). On mismatch the error
    /// carries the recomputed trace.
    pub fn verify<I>(
        &self,
        params: I,
        secret: &Secret,
        signature: &str,
    ) -> Result<Trace, VerifyError>
    where
        I: IntoIterator,
        I::Item: Param,
    {
        let trace = self.sign(params, secret)?;
        let expected = trace.signature();
        if signatures_equal(self.output, expected.as_bytes(), signature.as_bytes()) {
            Ok(trace)
        } else {
            Err(VerifyError::Mismatch {
                stage: "signature",
                expected: expected.to_owned(),
                got: signature.to_owned(),
                trace,
            })
        }
    }

    /// [`SortedParamsConfig::verify`] without a trace on success: the per-request check
    /// of a server or callback handler. A mismatch still carries the full trace.
    pub fn check<I>(&self, params: I, secret: &Secret, signature: &str) -> Result<(), VerifyError>
    where
        I: IntoIterator,
        I::Item: Param,
    {
        let pairs = self.ordered(params)?;
        let digest = self.digest_pairs(pairs.pairs(), secret);
        if self.signs_as(&digest, signature.as_bytes()) {
            return Ok(());
        }
        let expected = self.output.encode(digest.as_slice());
        let trace = self.sign(pairs.iter().map(|p| (p.key(), p.value())), secret)?;
        Err(VerifyError::Mismatch {
            stage: "signature",
            expected,
            got: signature.to_owned(),
            trace,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> SortedParamsConfig {
        SortedParamsConfig {
            key_order: KeyOrder::CaseInsensitive,
            pair_separator: "&".into(),
            kv_separator: "=".into(),
            exclude_keys: Cow::Borrowed(&[Cow::Borrowed("Sign")]),
            skip_empty: true,
            secret_placement: SecretPlacement::Append,
            digest: DigestAlgorithm::Md5,
            output: OutputEncoding::HexLower,
        }
    }

    const DOC_PARAMS: [(&str, &str); 8] = [
        ("orderNo", "Or12898771811"),
        ("name", "John Li"),
        ("TimeStamp", "1566781991111"),
        ("Nonce", "dnasja1N"),
        ("MerchantNo", "meraojiasdoa123"),
        ("Lang", "en"),
        ("SignType", "1"),
        ("ApiKey", "asdhuasdaosd"),
    ];

    const DOC_STRING_TO_SIGN: &str = "ApiKey=asdhuasdaosd&Lang=en&MerchantNo=meraojiasdoa123\
        &name=John Li&Nonce=dnasja1N&orderNo=Or12898771811&SignType=1&TimeStamp=1566781991111";

    // Obtained with:
    // printf '%s' '<DOC_STRING_TO_SIGN>merasdasd' | md5sum
    const DOC_SIGNATURE: &str = "d826a31317bb52a1832cf023bc7b3a07";

    #[test]
    fn golden_onebitpay_authentication_example() {
        let secret = Secret::from("merasdasd");
        let trace = config().sign(&DOC_PARAMS, &secret).unwrap();
        assert_eq!(trace.get("string_to_sign"), Some(DOC_STRING_TO_SIGN));
        assert_eq!(
            trace.get("sorted_keys"),
            Some("ApiKey,Lang,MerchantNo,name,Nonce,orderNo,SignType,TimeStamp")
        );
        assert_eq!(
            trace.get("signed_string").unwrap(),
            format!("{DOC_STRING_TO_SIGN}merasdasd")
        );
        assert_eq!(trace.get("digest_hex"), Some(DOC_SIGNATURE));
        assert_eq!(trace.signature(), DOC_SIGNATURE);
        let names: Vec<_> = trace.iter().map(|s| (s.name, s.secret)).collect();
        assert_eq!(
            names,
            [
                ("sorted_keys", false),
                ("string_to_sign", false),
                ("signed_string", true),
                ("digest_hex", false),
                ("signature", false),
            ]
        );
        assert_eq!(
            config().signature(DOC_PARAMS, &secret).unwrap(),
            DOC_SIGNATURE
        );
        config()
            .verify(&DOC_PARAMS, &secret, DOC_SIGNATURE)
            .unwrap();
    }

    #[test]
    fn case_insensitive_ties_keep_both_in_byte_order() {
        let params = [("a", "1"), ("B", "3"), ("A", "2")];
        assert_eq!(config().canonical(params).unwrap(), "A=2&a=1&B=3");
    }

    #[test]
    fn packed_prefix_order_matches_plain_definition() {
        // Keys over an alphabet around the case-folding edges ('@', '[', '`',
        // '{'), NUL, and non-ASCII, long enough to exceed the 8-byte prefix.
        let alphabet = ["A", "Z", "a", "z", "@", "[", "`", "{", "\0", "é", "0", "_"];
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..300 {
            let mut keys: Vec<String> = (0..12)
                .map(|_| {
                    let len = (next() % 12) as usize;
                    (0..len)
                        .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                        .collect()
                })
                .collect();
            keys.sort();
            keys.dedup();
            let params: Vec<(&str, &str)> = keys.iter().map(|k| (k.as_str(), "v")).collect();
            for order in [KeyOrder::Ascii, KeyOrder::CaseInsensitive] {
                let cfg = SortedParamsConfig {
                    key_order: order,
                    skip_empty: false,
                    exclude_keys: Cow::Borrowed(&[]),
                    ..config()
                };
                let got = cfg.sign(&params, &Secret::from("")).unwrap();
                let mut want = keys.clone();
                if order == KeyOrder::CaseInsensitive {
                    want.sort_by_key(|k| (k.to_ascii_lowercase(), k.clone()));
                }
                assert_eq!(got.get("sorted_keys").unwrap(), want.join(","));
            }
        }
    }

    #[test]
    fn ascii_order_puts_uppercase_first() {
        let cfg = SortedParamsConfig {
            key_order: KeyOrder::Ascii,
            ..config()
        };
        let params = [("a", "1"), ("B", "3"), ("A", "2")];
        assert_eq!(cfg.canonical(params).unwrap(), "A=2&B=3&a=1");
        // printf '%s' 'A=2&B=3&a=1k' | md5sum
        assert_eq!(
            cfg.signature(params, &Secret::from("k")).unwrap(),
            "d9c36f7720c295d8682814721ded7adb"
        );
    }

    #[test]
    fn excluded_and_empty_params_are_dropped() {
        let params = [
            ("b", "2"),
            ("Sign", "abc"),
            ("a", "1"),
            ("c", ""),
            ("sign", "x"),
        ];
        // Exclusion is exact: `sign` stays.
        assert_eq!(config().canonical(params).unwrap(), "a=1&b=2&sign=x");
        let keep_empty = SortedParamsConfig {
            skip_empty: false,
            ..config()
        };
        assert_eq!(keep_empty.canonical(params).unwrap(), "a=1&b=2&c=&sign=x");
        let trace = config().sign(params, &Secret::from("k")).unwrap();
        assert_eq!(trace.get("sorted_keys"), Some("a,b,sign"));
    }

    #[test]
    fn duplicate_keys_are_rejected() {
        let err = config()
            .canonical([("a", "1"), ("b", "2"), ("a", "3")])
            .unwrap_err();
        assert!(matches!(err, SignError::DuplicateKey(k) if k == "a"));
        // Keys equal but for case are distinct parameters.
        assert!(config().canonical([("a", "1"), ("A", "1")]).is_ok());
        // A duplicate is an error even when the key is excluded from signing.
        assert!(config().canonical([("Sign", "1"), ("Sign", "2")]).is_err());
    }

    #[test]
    fn secret_placements_and_digests() {
        let params = [("a", "1"), ("B", "3"), ("A", "2")];
        let secret = Secret::from("k");
        let with = |secret_placement, digest, output| SortedParamsConfig {
            secret_placement,
            digest,
            output,
            ..config()
        };
        // Expected values: printf '%s' '<signed string>' | md5sum / sha1sum /
        // sha256sum, and `openssl dgst -sha256 -binary | base64` for base64.
        let cases = [
            (
                with(
                    SecretPlacement::Prepend,
                    DigestAlgorithm::Md5,
                    OutputEncoding::HexLower,
                ),
                "kA=2&a=1&B=3",
                "1f1841304eb92a42831458a7c82762b3",
            ),
            (
                with(
                    SecretPlacement::AppendParam { key: "key".into() },
                    DigestAlgorithm::Md5,
                    OutputEncoding::HexLower,
                ),
                "A=2&a=1&B=3&key=k",
                "c459d7bdb0147ca46e9da34c4c5399c1",
            ),
            (
                with(
                    SecretPlacement::Append,
                    DigestAlgorithm::Sha1,
                    OutputEncoding::HexUpper,
                ),
                "A=2&a=1&B=3k",
                "FBCA6B5954338D899AF7981366288DF3AE2D80F4",
            ),
            (
                with(
                    SecretPlacement::Append,
                    DigestAlgorithm::Sha256,
                    OutputEncoding::Base64,
                ),
                "A=2&a=1&B=3k",
                "RpB+KAmnfLnWx2sbZLjQVig5kW/cgvW32egbzhqWW4Y=",
            ),
        ];
        for (cfg, signed, signature) in cases {
            let trace = cfg.sign(params, &secret).unwrap();
            assert_eq!(trace.get("signed_string"), Some(signed));
            assert_eq!(trace.signature(), signature);
            assert_eq!(cfg.signature(params, &secret).unwrap(), signature);
            cfg.verify(params, &secret, signature).unwrap();
        }
    }

    #[test]
    fn append_param_without_params_has_no_leading_separator() {
        let cfg = SortedParamsConfig {
            secret_placement: SecretPlacement::AppendParam { key: "key".into() },
            ..config()
        };
        let trace = cfg
            .sign(&[] as &[(&str, &str)], &Secret::from("k"))
            .unwrap();
        assert_eq!(trace.get("signed_string"), Some("key=k"));
    }

    #[test]
    fn check_agrees_with_verify_without_a_trace_on_success() {
        let secret = Secret::from("merasdasd");
        config().check(DOC_PARAMS, &secret, DOC_SIGNATURE).unwrap();
        config()
            .check(DOC_PARAMS, &secret, &DOC_SIGNATURE.to_ascii_uppercase())
            .unwrap();
        let err = config().check(DOC_PARAMS, &secret, "00").unwrap_err();
        let VerifyError::Mismatch {
            expected, trace, ..
        } = err
        else {
            panic!("expected Mismatch, got {err:?}");
        };
        assert_eq!(expected, DOC_SIGNATURE);
        assert_eq!(trace.get("string_to_sign"), Some(DOC_STRING_TO_SIGN));
        assert!(matches!(
            config().check([("a", "1"), ("a", "2")], &secret, "00"),
            Err(VerifyError::Sign(SignError::DuplicateKey(_)))
        ));
    }

    #[test]
    fn long_prefix_ties_are_ordered_by_the_whole_key() {
        let params = [
            ("merchantOrderNo", "2"),
            ("MerchantNo", "1"),
            ("merchantno", "3"),
        ];
        assert_eq!(
            config().canonical(params).unwrap(),
            "MerchantNo=1&merchantno=3&merchantOrderNo=2"
        );
    }

    #[test]
    fn long_parameter_lists_sort_and_reject_duplicates_too() {
        let keys: Vec<String> = (0..300).rev().map(|i| format!("K{i:03}")).collect();
        let params: Vec<(&str, &str)> = keys.iter().map(|k| (k.as_str(), "v")).collect();
        let mut want = keys.clone();
        want.sort();
        let trace = config().sign(&params, &Secret::from("")).unwrap();
        assert_eq!(trace.get("sorted_keys").unwrap(), want.join(","));
        let mut twice = params.clone();
        twice.push(("K123", "w"));
        assert!(matches!(
            config().canonical(&twice),
            Err(SignError::DuplicateKey(k)) if k == "K123"
        ));
    }

    #[test]
    fn the_first_repeated_key_in_signing_order_is_reported_dropped_or_not() {
        // `Sign` is excluded and `c` empty: both are dropped, yet repeats of them count.
        let cases: [(&[(&str, &str)], &str); 4] = [
            (&[("Sign", "1"), ("b", "2"), ("Sign", "3")], "Sign"),
            (&[("c", ""), ("c", "x")], "c"),
            (
                &[("z", "1"), ("z", "2"), ("Sign", "1"), ("Sign", "2")],
                "Sign",
            ),
            (&[("a", "1"), ("a", "2"), ("Sign", "1"), ("Sign", "2")], "a"),
        ];
        for (params, first) in cases {
            assert!(
                matches!(config().canonical(params), Err(SignError::DuplicateKey(k)) if k == first),
                "{params:?}"
            );
        }
    }

    #[test]
    fn hex_equals_is_hex_in_either_case() {
        let bytes: Vec<u8> = (0..=255u8).chain([0x00, 0x9f, 0xff, 0x0a]).collect();
        for len in (0..=20).chain([64, bytes.len()]) {
            let bytes = &bytes[bytes.len() - len..];
            let lower = hex::encode(bytes);
            assert!(hex_equals(bytes, lower.as_bytes()), "{lower}");
            assert!(hex_equals(bytes, hex::encode_upper(bytes).as_bytes()));
            assert!(!hex_equals(bytes, lower.get(1..).unwrap_or("0").as_bytes()));
            assert!(!hex_equals(bytes, format!("{lower}0").as_bytes()));
            // Every digit matters, and only its case is free.
            for at in 0..lower.len() {
                let mut changed = lower.clone().into_bytes();
                for wrong in [b'0', b'9', b'a', b'f', b'g', b'G', b':', b'`', 0x80] {
                    changed[at] = wrong;
                    let same = wrong.eq_ignore_ascii_case(&lower.as_bytes()[at]);
                    assert_eq!(
                        hex_equals(bytes, &changed),
                        same,
                        "{}",
                        String::from_utf8_lossy(&changed)
                    );
                }
            }
        }
    }

    #[test]
    fn hex_comparison_folds_letters_only() {
        let hex = OutputEncoding::HexLower;
        assert!(signatures_equal(
            hex,
            b"0a1B2c3d4e5f6a7b8c",
            b"0A1b2C3D4E5F6A7B8C"
        ));
        // Bytes a case-insensitive match must not confuse: '0' (0x30) and 0x10, 'a' and 'A' + 0x80.
        assert!(!signatures_equal(hex, b"0a", b"\x10a"));
        assert!(!signatures_equal(hex, b"0a", &[b'0', b'A' | 0x80]));
        assert!(!signatures_equal(
            hex,
            b"0a1b2c3d4e5f6a7b8c",
            b"0a1b2c3d4e5f6a7b8d"
        ));
        assert!(!signatures_equal(hex, b"0a", b"0a0"));
        assert!(!signatures_equal(OutputEncoding::Base64, b"QUJD", b"qujd"));
        assert!(signatures_equal(OutputEncoding::Base64, b"QUJD", b"QUJD"));
    }

    #[test]
    fn verify_accepts_either_hex_case() {
        let secret = Secret::from("merasdasd");
        let upper = DOC_SIGNATURE.to_ascii_uppercase();
        config().verify(&DOC_PARAMS, &secret, &upper).unwrap();
    }

    #[test]
    fn tampered_params_give_mismatch_with_trace() {
        let secret = Secret::from("merasdasd");
        let mut params = DOC_PARAMS;
        params[0].1 = "Or12898771812";
        let err = config()
            .verify(&params, &secret, DOC_SIGNATURE)
            .unwrap_err();
        let shown = err.to_string();
        let VerifyError::Mismatch {
            stage,
            expected,
            got,
            trace,
        } = err
        else {
            panic!("expected Mismatch, got {err:?}");
        };
        assert_eq!(stage, "signature");
        assert_eq!(got, DOC_SIGNATURE);
        assert_ne!(expected, DOC_SIGNATURE);
        assert!(
            !shown.contains(&expected),
            "an error message must not hand out a valid signature: {shown}"
        );
        assert!(
            trace
                .get("string_to_sign")
                .unwrap()
                .contains("Or12898771812")
        );

        let err = config()
            .verify(&DOC_PARAMS, &Secret::from("wrong"), DOC_SIGNATURE)
            .unwrap_err();
        assert!(matches!(err, VerifyError::Mismatch { .. }));
        // The secret must not leak through the error's Debug output.
        let err = config().verify(&DOC_PARAMS, &secret, "00").unwrap_err();
        assert!(!format!("{err:?}").contains("merasdasd"));
    }

    #[test]
    fn accepts_owned_and_borrowed_pairs() {
        let owned: Vec<(String, String)> = DOC_PARAMS
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let secret = Secret::from("merasdasd");
        assert_eq!(config().signature(&owned, &secret).unwrap(), DOC_SIGNATURE);
        let map: std::collections::BTreeMap<_, _> = owned.iter().cloned().collect();
        assert_eq!(config().signature(&map, &secret).unwrap(), DOC_SIGNATURE);
        assert_eq!(config().signature(owned, &secret).unwrap(), DOC_SIGNATURE);
    }

    #[test]
    fn config_json_shape() {
        let json = r#"{
            "key_order": "case_insensitive",
            "pair_separator": "&",
            "kv_separator": "=",
            "exclude_keys": ["Sign"],
            "skip_empty": true,
            "secret_placement": "append",
            "digest": "md5",
            "output": "hex_lower"
        }"#;
        let cfg: SortedParamsConfig = serde_json::from_str(json).unwrap();
        assert_eq!(cfg, config());
        let back = serde_json::to_value(&cfg).unwrap();
        assert_eq!(
            back,
            serde_json::from_str::<serde_json::Value>(json).unwrap()
        );

        let placement: SecretPlacement =
            serde_json::from_str(r#"{"append_param": {"key": "key"}}"#).unwrap();
        assert_eq!(
            placement,
            SecretPlacement::AppendParam { key: "key".into() }
        );
        assert!(
            serde_json::from_str::<SecretPlacement>(r#"{"append_param": {"key": "k", "x": 1}}"#)
                .is_err()
        );
        let typo = json.replace("skip_empty", "skip_empties");
        assert!(serde_json::from_str::<SortedParamsConfig>(&typo).is_err());
    }
}
