//! Decoding a scenario file to text: UTF-8 (with or without BOM), UTF-16 with a BOM, and the
//! single-byte encodings seen in the wild (ISO-8859-1, ISO-8859-15, windows-1252).

/// The result of decoding a file.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Decoded {
    /// The text (lossy where the bytes were invalid, so it can still be shown).
    pub text: String,
    /// A problem found while decoding, with the byte offset in `text` where it is.
    pub problem: Option<(usize, String)>,
    /// True when the file was in a single-byte encoding (ISO-8859-1 and the like).
    pub single_byte: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Enc {
    Utf8,
    Latin1,
    Latin9,
    Cp1252,
}

/// Decodes `bytes`, honouring a byte-order mark or the `encoding` of the XML declaration.
pub(crate) fn decode(bytes: &[u8]) -> Decoded {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return decode_utf8(rest);
    }
    if bytes.starts_with(b"\xFE\xFF") || bytes.starts_with(b"\xFF\xFE") {
        return decode_utf16(bytes);
    }
    let declared = declared_encoding(bytes);
    let enc = match declared.as_deref() {
        None => Enc::Utf8,
        Some(name) => match encoding_by_name(name) {
            Some(e) => e,
            None => {
                let mut d = decode_utf8(bytes);
                let at = find_subslice(bytes, name.as_bytes()).unwrap_or(0);
                d.problem = Some((
                    at.min(d.text.len()),
                    format!(
                        "encoding `{name}` is not supported: Stampede reads UTF-8, UTF-16, \
                         ISO-8859-1, ISO-8859-15 and windows-1252"
                    ),
                ));
                return d;
            }
        },
    };
    match enc {
        Enc::Utf8 => decode_utf8(bytes),
        Enc::Latin1 => Decoded {
            text: bytes.iter().map(|&b| b as char).collect(),
            problem: None,
            single_byte: true,
        },
        Enc::Latin9 => Decoded {
            text: bytes.iter().map(|&b| latin9(b)).collect(),
            problem: None,
            single_byte: true,
        },
        Enc::Cp1252 => Decoded {
            text: bytes.iter().map(|&b| cp1252(b)).collect(),
            problem: None,
            single_byte: true,
        },
    }
}

fn decode_utf8(bytes: &[u8]) -> Decoded {
    match std::str::from_utf8(bytes) {
        Ok(s) => Decoded {
            text: s.to_owned(),
            problem: None,
            single_byte: false,
        },
        Err(e) => {
            let at = e.valid_up_to();
            let bad = bytes.get(at).copied().unwrap_or(0);
            Decoded {
                text: String::from_utf8_lossy(bytes).into_owned(),
                problem: Some((
                    at,
                    format!(
                        "the file is not valid UTF-8 (byte 0x{bad:02X}); declare its encoding, \
                         e.g. `<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>`"
                    ),
                )),
                single_byte: false,
            }
        }
    }
}

fn decode_utf16(bytes: &[u8]) -> Decoded {
    let big_endian = bytes.starts_with(b"\xFE\xFF");
    let units: Vec<u16> = bytes[2..]
        .chunks(2)
        .map(|c| {
            let pair = [c[0], c.get(1).copied().unwrap_or(0)];
            if big_endian {
                u16::from_be_bytes(pair)
            } else {
                u16::from_le_bytes(pair)
            }
        })
        .collect();
    let text = String::from_utf16_lossy(&units);
    let problem = if String::from_utf16(&units).is_err() || !bytes.len().is_multiple_of(2) {
        Some((0, "the file is not valid UTF-16".to_owned()))
    } else {
        None
    };
    Decoded {
        text,
        problem,
        single_byte: false,
    }
}

/// The `encoding` pseudo-attribute of a leading `<?xml …?>` declaration.
fn declared_encoding(bytes: &[u8]) -> Option<String> {
    if !bytes.starts_with(b"<?xml") {
        return None;
    }
    let end = find_subslice(bytes, b"?>")?;
    let decl = &bytes[..end];
    let pos = find_subslice(decl, b"encoding")?;
    let rest = &decl[pos + "encoding".len()..];
    let rest = trim_start(rest).strip_prefix(b"=")?;
    let rest = trim_start(rest);
    let quote = *rest.first()?;
    if quote != b'"' && quote != b'\'' {
        return None;
    }
    let close = rest[1..].iter().position(|&b| b == quote)?;
    Some(String::from_utf8_lossy(&rest[1..1 + close]).into_owned())
}

fn trim_start(b: &[u8]) -> &[u8] {
    let n = b
        .iter()
        .take_while(|c| matches!(c, b' ' | b'\t' | b'\r' | b'\n'))
        .count();
    &b[n..]
}

fn find_subslice(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

fn encoding_by_name(name: &str) -> Option<Enc> {
    let n = name.trim().to_ascii_lowercase().replace('_', "-");
    Some(match n.as_str() {
        "utf-8" | "utf8" | "us-ascii" | "ascii" => Enc::Utf8,
        "iso-8859-1" | "iso8859-1" | "latin1" | "latin-1" | "l1" | "iso-latin-1" => Enc::Latin1,
        "iso-8859-15" | "iso8859-15" | "latin9" | "latin-9" => Enc::Latin9,
        "windows-1252" | "cp1252" => Enc::Cp1252,
        _ => return None,
    })
}

fn latin9(b: u8) -> char {
    match b {
        0xA4 => '€',
        0xA6 => 'Š',
        0xA8 => 'š',
        0xB4 => 'Ž',
        0xB8 => 'ž',
        0xBC => 'Œ',
        0xBD => 'œ',
        0xBE => 'Ÿ',
        _ => b as char,
    }
}

fn cp1252(b: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8D}', 'Ž',
        '\u{8F}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9D}',
        'ž', 'Ÿ',
    ];
    match b {
        0x80..=0x9F => HIGH[(b - 0x80) as usize],
        _ => b as char,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_default_and_bom() {
        assert_eq!(decode("<a>é</a>".as_bytes()).text, "<a>é</a>");
        assert_eq!(decode(b"\xEF\xBB\xBF<a/>").text, "<a/>");
    }

    #[test]
    fn latin1_declared() {
        let d = decode(b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>caf\xE9</a>");
        assert_eq!(d.problem, None);
        assert!(d.text.ends_with("<a>café</a>"));
        let d = decode(b"<?xml version='1.0' encoding='latin1'?><a>\xE9</a>");
        assert!(d.text.contains('é'));
    }

    #[test]
    fn invalid_utf8_is_reported_with_offset() {
        let d = decode(b"<a>caf\xE9</a>");
        assert_eq!(d.problem.as_ref().map(|p| p.0), Some(6));
        assert!(d.text.contains('\u{FFFD}'));
    }

    #[test]
    fn unknown_encoding() {
        let d = decode(b"<?xml version=\"1.0\" encoding=\"EBCDIC\"?><a/>");
        assert!(d.problem.unwrap().1.contains("EBCDIC"));
    }

    #[test]
    fn utf16() {
        let mut bytes = vec![0xFF, 0xFE];
        for u in "<a/>".encode_utf16() {
            bytes.extend_from_slice(&u.to_le_bytes());
        }
        assert_eq!(decode(&bytes).text, "<a/>");
    }

    #[test]
    fn windows_1252() {
        let d = decode(b"<?xml version=\"1.0\" encoding=\"windows-1252\"?><a>\x80</a>");
        assert!(d.text.contains('€'));
    }
}
