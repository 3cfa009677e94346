//! GS1 Digital Link URIs: `https://<any host>/<any stem>/01/<gtin>/10/<lot>?17=261231`.
//!
//! Reading: the path ends with a primary key (an AI the dictionary marks `dlpkey`) and its
//! value, followed by key qualifiers in one of the orders the dictionary allows; whatever
//! comes before is the host's own path stem and is ignored. Query parameters whose name is
//! a GS1 AI are data attributes (only AIs flagged `?` may appear there); other parameters
//! (`linkType`, tracking tags) are ignored, as is a `#fragment`. Values are percent-decoded.
//! AI (01) may be written as a GTIN-8, -12, -13 or -14; it is held as a GTIN-14.
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

fn bad(what: &str) -> Gs1Error {
    Gs1Error::DigitalLink(what.to_owned())
}

/// The path segments and the query of a web address.
fn parts(uri: &str) -> Result<(Vec<&str>, &str), Gs1Error> {
    let after_scheme = uri
        .find("://")
        .filter(|_| is_web_address(uri))
        .map(|i| &uri[i + 3..])
        .ok_or_else(|| bad("it does not start with http:// or https://"))?;
    let without_fragment = after_scheme.split('#').next().unwrap_or_default();
    let (host_and_path, query) = match without_fragment.split_once('?') {
        Some((p, q)) => (p, q),
        None => (without_fragment, ""),
    };
    let path = host_and_path
        .find('/')
        .map(|i| &host_and_path[i + 1..])
        .ok_or_else(|| bad("the address has no path with a GS1 key such as /01/<GTIN>"))?;
    let path = path.strip_suffix('/').unwrap_or(path);
    Ok((path.split('/').collect(), query))
}

/// Whether `text` is a web address whose path ends in a GS1 key and its qualifiers, i.e. is
/// meant as a GS1 Digital Link (its values may still be wrong).
pub fn is_digital_link(text: &str) -> bool {
    is_web_address(text) && parts(text).is_ok_and(|(segments, _)| key_position(&segments).is_some())
}

/// Reads a GS1 Digital Link URI into a message.
pub fn parse(uri: &str) -> Result<Gs1Message, Gs1Error> {
    let (segments, query) = parts(uri)?;
    let start = key_position(&segments)
        .ok_or_else(|| bad("the path holds no GS1 key such as /01/<GTIN>"))?;

    let mut elements = Vec::with_capacity(6);
    for pair in segments[start..].chunks(2) {
        let (ai, raw) = (pair[0], pair.get(1).copied().unwrap_or_default());
        let spec = dictionary::lookup(ai).ok_or_else(|| Gs1Error::UnknownAi(ai.to_owned()))?;
        let value = percent_decode(raw)
            .ok_or_else(|| bad("a '%' is not followed by two hexadecimal digits"))?;
        elements.push(path_element(spec, &value)?);
    }
    for param in query.split('&').filter(|p| !p.is_empty()) {
        let (name, raw) = param.split_once('=').unwrap_or((param, ""));
        let is_ai_name = (2..=4).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_digit());
        if !is_ai_name {
            continue;
        }
        let spec = dictionary::lookup(name).ok_or_else(|| Gs1Error::UnknownAi(name.to_owned()))?;
        if !spec.dl_attribute || spec.dl_primary_key.is_some() {
            return Err(Gs1Error::NotDataAttribute { ai: spec.ai });
        }
        let value = percent_decode(raw)
            .ok_or_else(|| bad("a '%' is not followed by two hexadecimal digits"))?;
        elements.push(Element::new(spec, &value)?);
    }
    Gs1Message::from_elements(elements)
}

/// A path element; AI (01) also comes as a GTIN-8, -12 or -13, padded to 14 digits.
fn path_element(spec: &'static AiSpec, value: &str) -> Result<Element, Gs1Error> {
    if spec.ai == "01"
        && matches!(value.len(), 8 | 12 | 13)
        && value.bytes().all(|b| b.is_ascii_digit())
    {
        let padded = format!("{value:0>14}");
        return Element::new(spec, &padded);
    }
    Element::new(spec, value)
}

/// Where the primary key starts: the first even-aligned position from which the path reads
/// key, value, then qualifier/value pairs in an order the dictionary allows.
fn key_position(segments: &[&str]) -> Option<usize> {
    let n = segments.len();
    (0..n).filter(|i| (n - i).is_multiple_of(2)).find(|&i| {
        let Some(key) = dictionary::lookup(segments[i]) else {
            return false;
        };
        let Some(sequences) = key.dl_primary_key else {
            return false;
        };
        let qualifiers: Vec<&str> = segments[i + 2..].iter().step_by(2).copied().collect();
        qualifiers.is_empty()
            || sequences
                .iter()
                .any(|seq| is_ordered_subsequence(&qualifiers, seq))
    })
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
            hri("HTTP://shop.example.com/products/p/01/9506000134352?linkType=gs1:pip#top"),
            Ok("(01)09506000134352".into())
        );
        assert_eq!(
            hri("https://example.com/00/106141412345678908"),
            Ok("(00)106141412345678908".into())
        );
    }

    #[test]
    fn refuses_what_the_standard_does_not_allow() {
        assert_eq!(
            hri("https://id.gs1.org/01/09506000134352/21/1/10/A"),
            Err("not a GS1 Digital Link: the path holds no GS1 key such as /01/<GTIN>".into())
        );
        assert_eq!(
            hri("https://id.gs1.org/01/09506000134352?21=1"),
            Err("AI (21) cannot be given as a Digital Link query (?21=…)".into())
        );
        assert!(hri("https://example.com/").is_err());
        assert!(hri("ftp://example.com/01/09506000134352").is_err());
    }

    #[test]
    fn percent_coding() {
        assert_eq!(percent_decode("A%2fB%20C"), Some("A/B C".into()));
        assert_eq!(percent_decode("%G1"), None);
        assert_eq!(percent_encode("A/B C"), "A%2FB%20C");
    }
}
