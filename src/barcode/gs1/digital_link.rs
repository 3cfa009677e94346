//! GS1 Digital Link URIs: `https://<any host>/<any stem>/01/<gtin>/10/<lot>?17=261231`.
//!
//! Reading follows the GS1 Digital Link Standard: URI Syntax (1.2 and later) as GS1's own
//! reference parser (the GS1 Barcode Syntax Engine) applies it. The scheme is `http://` or
//! `https://`, in lower or in upper case (`HTTPS://` suits QR alphanumeric mode), never
//! mixed; every character is one a URI may hold. The path is searched from its end for the
//! primary key (an AI the dictionary marks `dlpkey`): walking back over `/AI/value` pairs of
//! known AIs, the first key found is the primary key and whatever comes before it is the
//! host's own path stem. The key's qualifiers must follow in one of the orders `dlpkey=`
//! allows, and the path does not end in `/`. AI (01) in the path has 14 digits. Query
//! parameters whose name is all digits are AIs, and must be data attributes (flag `?`) that
//! do not belong in the path as a qualifier, each at most once; other parameters
//! (`linkType`, tracking tags) are ignored, as is a `#fragment`. Values are percent-decoded,
//! and `+` in the query is a space.
//!
//! Writing ([`to_digital_link`]) is the reverse and exists so that tests can check that a
//! message survives the trip.

use super::dictionary::{self, AiSpec};
use super::{Element, Gs1Error, Gs1Message};

/// Whether `text` looks like a web address (`http://` or `https://`, any case).
pub fn is_web_address(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() >= 7
        && (b[..7].eq_ignore_ascii_case(b"http://")
            || b.len() >= 8 && b[..8].eq_ignore_ascii_case(b"https://"))
}

fn bad(what: impl Into<String>) -> Gs1Error {
    Gs1Error::DigitalLink(what.into())
}

/// The characters a URI may hold (RFC 3986: unreserved, reserved and `%`).
fn is_uri_character(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-._~:/?#[]@!$&'()*+,;=%".contains(c)
}

/// A web address cut at its delimiters: host, path (from its first `/`), query.
struct Parts<'a> {
    host: &'a str,
    path: &'a str,
    query: &'a str,
}

/// Cuts a web address (any case of scheme) into its parts; `None` when it is none.
fn parts(uri: &str) -> Option<Parts<'_>> {
    let after_scheme = &uri[uri.find("://").filter(|_| is_web_address(uri))? + 3..];
    let without_fragment = after_scheme.split('#').next().unwrap_or_default();
    let (host_and_path, query) = without_fragment
        .split_once('?')
        .unwrap_or((without_fragment, ""));
    let slash = host_and_path.find('/')?;
    let (host, path) = host_and_path.split_at(slash);
    Some(Parts { host, path, query })
}

/// Where the primary key stands in `segments` (the path split at `/`, without the empty
/// piece before its first `/`): walking back from the end over pairs of a known AI and its
/// value, the first AI that is a primary key.
fn key_position(segments: &[&str]) -> Option<usize> {
    let mut i = segments.len();
    while i >= 2 {
        i -= 2;
        let spec = dictionary::lookup(segments[i])?;
        if spec.dl_primary_key.is_some() {
            return Some(i);
        }
    }
    None
}

fn path_segments(path: &str) -> Vec<&str> {
    path.strip_prefix('/').unwrap_or(path).split('/').collect()
}

/// Whether `text` is a web address whose path ends in a GS1 key and its qualifiers, i.e. is
/// meant as a GS1 Digital Link (it may still break the standard's rules, such as a
/// mixed-case scheme or a trailing `/`, which [`parse`] then names).
pub fn is_digital_link(text: &str) -> bool {
    parts(text).is_some_and(|p| {
        let path = p.path.strip_suffix('/').unwrap_or(p.path);
        key_position(&path_segments(path)).is_some()
    })
}

/// Reads a GS1 Digital Link URI into a message.
pub fn parse(uri: &str) -> Result<Gs1Message, Gs1Error> {
    let lower = uri.starts_with("https://") || uri.starts_with("http://");
    let upper = uri.starts_with("HTTPS://") || uri.starts_with("HTTP://");
    if !lower && !upper {
        return Err(bad(if is_web_address(uri) {
            "the scheme is written http:// or https:// in lower or in upper case, not mixed"
        } else {
            "it does not start with http:// or https://"
        }));
    }
    if let Some(c) = uri.chars().find(|&c| !is_uri_character(c)) {
        return Err(bad(format!(
            "'{}' cannot stand in a web address (it is written percent-encoded)",
            c.escape_debug()
        )));
    }
    let p = parts(uri)
        .ok_or_else(|| bad("the address has no path with a GS1 key such as /01/<GTIN>"))?;
    if p.host.is_empty() {
        return Err(bad("the address has no host name"));
    }
    if let Some(c) = p.host.chars().find(|&c| "_~?#@!$&'()*+,;=%".contains(c)) {
        return Err(bad(format!("'{c}' cannot stand in a host name")));
    }
    let segments = path_segments(p.path);
    let Some(start) = key_position(&segments) else {
        let trimmed = p.path.strip_suffix('/').unwrap_or(p.path);
        return Err(bad(if key_position(&path_segments(trimmed)).is_some() {
            "the path ends in '/' after its last value"
        } else {
            "the path holds no GS1 key such as /01/<GTIN>"
        }));
    };
    let path_ais: Vec<&'static AiSpec> = segments[start..]
        .iter()
        .step_by(2)
        .filter_map(|ai| dictionary::lookup(ai))
        .collect();
    if !is_key_sequence(&path_ais) {
        return Err(bad(qualifier_rule(path_ais[0])));
    }

    let mut elements = Vec::with_capacity(6);
    for (spec, pair) in path_ais.iter().zip(segments[start..].chunks(2)) {
        let value = decode(pair.get(1).copied().unwrap_or_default(), false)?;
        if spec.ai == "01"
            && matches!(value.len(), 8 | 12 | 13)
            && value.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(bad(format!(
                "a GTIN in the path is written with 14 digits: /01/{value:0>14}"
            )));
        }
        elements.push(Element::new(spec, &value)?);
    }
    for param in p.query.split('&').filter(|p| !p.is_empty()) {
        let Some((name, raw)) = param.split_once('=') else {
            continue;
        };
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let spec = dictionary::lookup(name).ok_or_else(|| Gs1Error::UnknownAi(name.to_owned()))?;
        let mut value = decode(raw, true)?;
        // The standard's own example writes a GTIN-13 as a data attribute (`?01=952…`).
        if spec.ai == "01"
            && matches!(value.len(), 8 | 12 | 13)
            && value.bytes().all(|b| b.is_ascii_digit())
        {
            value = format!("{value:0>14}");
        }
        elements.push(Element::new(spec, &value)?);
    }
    for (i, e) in elements.iter().enumerate().skip(path_ais.len()) {
        if elements[..i].iter().any(|o| o.ai() == e.ai()) {
            return Err(Gs1Error::Twice { ai: e.ai() });
        }
        if !e.spec().dl_attribute {
            return Err(Gs1Error::NotDataAttribute { ai: e.ai() });
        }
        if belongs_in_path(&path_ais, e.spec()) {
            return Err(Gs1Error::BelongsInPath { ai: e.ai() });
        }
    }
    Gs1Message::from_elements(elements)
}

/// Percent-decodes one value; in the query a `+` is a space (an encoded `%2B` is a plus).
fn decode(raw: &str, in_query: bool) -> Result<String, Gs1Error> {
    let raw = if in_query && raw.contains('+') {
        std::borrow::Cow::Owned(raw.replace('+', "%20"))
    } else {
        std::borrow::Cow::Borrowed(raw)
    };
    let value = percent_decode(&raw).ok_or_else(|| {
        let well_formed = raw.split('%').skip(1).all(|after| {
            after.len() >= 2 && after.as_bytes()[..2].iter().all(u8::is_ascii_hexdigit)
        });
        if well_formed {
            bad("the %-escapes of a value do not decode to UTF-8 text")
        } else {
            bad("a '%' is not followed by two hexadecimal digits")
        }
    })?;
    if value.contains('\0') {
        return Err(bad("a value holds the character %00"));
    }
    Ok(value)
}

/// Whether the path's AIs are a primary key followed by qualifiers in an order it allows.
fn is_key_sequence(path: &[&'static AiSpec]) -> bool {
    let Some((key, qualifiers)) = path.split_first() else {
        return false;
    };
    let Some(sequences) = key.dl_primary_key else {
        return false;
    };
    let qualifiers: Vec<&str> = qualifiers.iter().map(|s| s.ai).collect();
    qualifiers.is_empty()
        || sequences
            .iter()
            .any(|seq| is_ordered_subsequence(&qualifiers, seq))
}

/// Whether a query attribute would also fit the path as a qualifier of its key: then the
/// standard wants it there.
fn belongs_in_path(path: &[&'static AiSpec], attribute: &'static AiSpec) -> bool {
    (1..=path.len()).any(|at| {
        let mut trial = path.to_vec();
        trial.insert(at, attribute);
        is_key_sequence(&trial)
    })
}

/// "after AI (01) the path may hold (22), (10), (21) in this order, or (235)".
fn qualifier_rule(key: &AiSpec) -> String {
    let orders: Vec<String> = key
        .dl_primary_key
        .unwrap_or_default()
        .iter()
        .filter(|seq| !seq.is_empty())
        .map(|seq| {
            let ais: Vec<String> = seq.iter().map(|ai| format!("({ai})")).collect();
            if ais.len() > 1 {
                format!("{} in this order", ais.join(", "))
            } else {
                ais.join("")
            }
        })
        .collect();
    if orders.is_empty() {
        format!("after AI ({}) the path holds no other AI", key.ai)
    } else {
        format!(
            "after AI ({}) the path may hold {}",
            key.ai,
            orders.join(", or ")
        )
    }
}

/// Whether every item of `items` appears in `sequence`, in the same order, at most once.
fn is_ordered_subsequence(items: &[&str], sequence: &[&str]) -> bool {
    let mut rest = sequence.iter();
    items.iter().all(|item| rest.any(|s| s == item))
}

/// Decodes `%XX` escapes; `None` when a `%` is not followed by two hex digits or the
/// result is not UTF-8.
pub fn percent_decode(text: &str) -> Option<String> {
    if !text.contains('%') {
        return Some(text.to_owned());
    }
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = b.get(i + 1..i + 3)?;
            let hi = char::from(hex[0]).to_digit(16)?;
            let lo = char::from(hex[1]).to_digit(16)?;
            out.push((hi * 16 + lo) as u8);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Encodes everything but the URI unreserved characters `A-Z a-z 0-9 - . _ ~`.
pub fn percent_encode(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            s.push(char::from(b));
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s
}

/// Writes `message` as a Digital Link URI under `stem` (e.g. `https://id.gs1.org`): the first
/// primary key in the path with the qualifiers of the best-fitting allowed order, every other
/// element in the query. Fails when the message has no primary key, or an element can go
/// neither in the path nor in the query.
pub fn to_digital_link(message: &Gs1Message, stem: &str) -> Result<String, Gs1Error> {
    let elements = message.elements();
    let (key, sequences) = elements
        .iter()
        .find_map(|e| e.spec().dl_primary_key.map(|s| (e, s)))
        .ok_or_else(|| bad("the message has no GS1 key that a Digital Link can carry"))?;
    let present = |ai: &str| elements.iter().any(|e| e.ai() == ai);
    let best: &[&str] = sequences
        .iter()
        .max_by_key(|seq| seq.iter().filter(|ai| present(ai)).count())
        .copied()
        .unwrap_or_default();
    let mut uri = format!(
        "{}/{}/{}",
        stem.trim_end_matches('/'),
        key.ai(),
        percent_encode(key.value())
    );
    for ai in best {
        if let Some(e) = elements.iter().find(|e| e.ai() == *ai) {
            uri.push_str(&format!("/{}/{}", e.ai(), percent_encode(e.value())));
        }
    }
    let mut sep = '?';
    for e in elements {
        if std::ptr::eq(e, key) || best.contains(&e.ai()) {
            continue;
        }
        if !e.spec().dl_attribute || e.spec().dl_primary_key.is_some() {
            return Err(Gs1Error::NotDataAttribute { ai: e.ai() });
        }
        uri.push(sep);
        sep = '&';
        uri.push_str(&format!("{}={}", e.ai(), percent_encode(e.value())));
    }
    Ok(uri)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hri(uri: &str) -> Result<String, String> {
        parse(uri).map(|m| m.hri()).map_err(|e| e.to_string())
    }

    #[test]
    fn reads_keys_qualifiers_and_attributes() {
        assert_eq!(
            hri("https://id.gs1.org/01/09506000134352/10/ABC%2F1/21/12345?17=261231"),
            Ok("(01)09506000134352(10)ABC/1(21)12345(17)261231".into())
        );
        assert_eq!(
            hri("HTTP://shop.example.com/products/p/01/09506000134352?linkType=gs1:pip#top"),
            Ok("(01)09506000134352".into())
        );
        assert_eq!(
            hri("https://example.com/00/106141412345678908"),
            Ok("(00)106141412345678908".into())
        );
        // The rightmost key is the primary key; an AI in the stem is the host's business.
        assert_eq!(
            hri("https://example.com/00/stem/00/106141412345678908"),
            Ok("(00)106141412345678908".into())
        );
        // In the query a '+' is a space, an encoded '%2B' a plus.
        assert_eq!(
            hri("https://example.com/01/09506000134352?99=A%2BB"),
            Ok("(01)09506000134352(99)A+B".into())
        );
    }

    #[test]
    fn refuses_what_the_standard_does_not_allow() {
        assert_eq!(
            hri("https://id.gs1.org/01/09506000134352/21/1/10/A"),
            Err("not a GS1 Digital Link: after AI (01) the path may hold (22), (10), (21) in this order, or (235)".into())
        );
        assert_eq!(
            hri("https://id.gs1.org/00/106141412345678908/10/A"),
            Err("not a GS1 Digital Link: after AI (00) the path holds no other AI".into())
        );
        assert_eq!(
            hri("https://id.gs1.org/01/09506000134352?21=1"),
            Err("AI (21) cannot be given as a Digital Link query (?21=…)".into())
        );
        assert_eq!(
            hri("HttPs://id.gs1.org/01/09506000134352"),
            Err("not a GS1 Digital Link: the scheme is written http:// or https:// in lower or in upper case, not mixed".into())
        );
        assert_eq!(
            hri("https://id.gs1.org/01/09506000134352/10/A B"),
            Err("not a GS1 Digital Link: ' ' cannot stand in a web address (it is written percent-encoded)".into())
        );
        assert_eq!(
            hri("https:///01/09506000134352"),
            Err("not a GS1 Digital Link: the address has no host name".into())
        );
        assert_eq!(
            hri("https://id.gs1.org/01/09506000134352?99=A%00"),
            Err("not a GS1 Digital Link: a value holds the character %00".into())
        );
        assert!(hri("https://example.com/").is_err());
        assert!(hri("ftp://example.com/01/09506000134352").is_err());
    }

    #[test]
    fn recognises_links_that_break_the_rules_so_that_they_can_be_named() {
        assert!(is_digital_link("HttPs://id.gs1.org/01/09506000134352"));
        assert!(is_digital_link("https://id.gs1.org/01/09506000134352/"));
        assert!(is_digital_link("https://id.gs1.org/01/9506000134352"));
        assert!(!is_digital_link("https://example.com/about"));
        assert!(!is_digital_link(
            "https://example.com/01/09506000134352/89/X"
        ));
    }

    #[test]
    fn percent_coding() {
        assert_eq!(percent_decode("A%2fB%20C"), Some("A/B C".into()));
        assert_eq!(percent_decode("%G1"), None);
        assert_eq!(percent_encode("A/B C"), "A%2FB%20C");
    }
}
