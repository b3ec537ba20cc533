//! The parts of an absolute URL that request signatures cover, taken as sent.

use std::borrow::Cow;

/// Host, path and query exactly as they go on the wire.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target<'a> {
    /// Lowercase host, with `:port` only when it is not the scheme's default.
    pub host: Cow<'a, str>,
    /// The path as sent (`/` when the URL has none: that is what HTTP sends).
    pub path: &'a str,
    /// The query as sent, without `?`; empty when there is none.
    pub query: &'a str,
}

/// A URL that cannot be split into host, path and query.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{url}` is not an absolute http(s) URL: {problem}")]
pub struct UrlError {
    pub url: String,
    pub problem: &'static str,
}

/// Splits an absolute URL into the parts that are signed, without decoding,
/// normalising or re-encoding anything; a fragment is never sent and is dropped.
pub fn split_url(url: &str) -> Result<Target<'_>, UrlError> {
    let fail = |problem| UrlError {
        url: url.to_owned(),
        problem,
    };
    // Byte loops, not `str` searches: the parts searched are a few bytes long,
    // shorter than a searcher takes to set up.
    // A scheme holds no `:`, so the first one must start `://`.
    let (scheme, rest) = url
        .bytes()
        .position(|b| b == b':')
        .and_then(|colon| Some((&url[..colon], url[colon + 1..].strip_prefix("//")?)))
        .ok_or_else(|| fail("no scheme"))?;
    let default_port = if scheme.eq_ignore_ascii_case("http") {
        "80"
    } else if scheme.eq_ignore_ascii_case("https") {
        "443"
    } else {
        return Err(fail("the scheme is not http or https"));
    };
    // One pass over the authority: where it ends, and its last `@` and `:`.
    let (mut end, mut last_at, mut last_colon) = (rest.len(), None, None);
    for (index, byte) in rest.bytes().enumerate() {
        match byte {
            b'/' | b'?' | b'#' => {
                end = index;
                break;
            }
            b'@' => last_at = Some(index),
            b':' => last_colon = Some(index),
            _ => {}
        }
    }
    let (authority, after) = rest.split_at(end);
    let host_start = last_at.map_or(0, |at| at + 1);
    let authority = &authority[host_start..];
    if authority.is_empty() {
        return Err(fail("no host"));
    }
    let colon = last_colon
        .filter(|&colon| colon >= host_start)
        .map(|colon| colon - host_start);
    let host = match colon {
        Some(colon) if !authority[..colon].ends_with(']') || authority.starts_with('[') => {
            let port = &authority[colon + 1..];
            if port == default_port || port.is_empty() {
                &authority[..colon]
            } else {
                authority
            }
        }
        _ => authority,
    };
    let path_end = after
        .bytes()
        .position(|b| b == b'?' || b == b'#')
        .unwrap_or(after.len());
    let (path, after_path) = after.split_at(path_end);
    let query = match after_path.strip_prefix('?') {
        Some(query) => {
            let query_end = query.bytes().position(|b| b == b'#').unwrap_or(query.len());
            &query[..query_end]
        }
        None => "",
    };
    Ok(Target {
        host: lowercase(host),
        path: if path.is_empty() { "/" } else { path },
        query,
    })
}

/// `text` in lowercase, borrowed when it already is.
pub(crate) fn lowercase(text: &str) -> Cow<'_, str> {
    if text.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(text.to_ascii_lowercase())
    } else {
        Cow::Borrowed(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_split_into_what_is_signed() {
        let t = split_url("https://Example.COM:443/a%20b/c?x=1&y#frag").unwrap();
        assert_eq!(
            (&*t.host, t.path, t.query),
            ("example.com", "/a%20b/c", "x=1&y")
        );
        let t = split_url("http://54.154.147.142:3000/register").unwrap();
        assert_eq!(
            (&*t.host, t.path, t.query),
            ("54.154.147.142:3000", "/register", "")
        );
        let t = split_url("http://example.com:8080?test=true").unwrap();
        assert_eq!(
            (&*t.host, t.path, t.query),
            ("example.com:8080", "/", "test=true")
        );
        let t = split_url("http://[::1]:8080/x").unwrap();
        assert_eq!(t.host, "[::1]:8080");
        let t = split_url("http://[::1]/x").unwrap();
        assert_eq!(t.host, "[::1]");
        let t = split_url("http://user:pw@Host:80#frag?not-a-query").unwrap();
        assert_eq!((&*t.host, t.path, t.query), ("host", "/", ""));
        let t = split_url("http://user@host:81/p?q=1#f?g").unwrap();
        assert_eq!((&*t.host, t.path, t.query), ("host:81", "/p", "q=1"));
        let t = split_url("https://user:pw@host/p").unwrap();
        assert_eq!((&*t.host, t.path, t.query), ("host", "/p", ""));
        assert!(split_url("https://user@/p").is_err());
        assert!(split_url("ftp://x/").is_err());
        assert!(split_url("/relative").is_err());
        assert!(split_url("https:///path").is_err());
        assert!(split_url("https:/x/").is_err());
    }

    #[test]
    fn hosts_are_borrowed_unless_lowercasing_changes_them() {
        let t = split_url("HTTPS://api.example.com:443/x").unwrap();
        assert!(matches!(t.host, Cow::Borrowed("api.example.com")));
        let t = split_url("https://API.example.com/x").unwrap();
        assert!(matches!(t.host, Cow::Owned(_)));
        assert_eq!(t.host, "api.example.com");
    }
}
