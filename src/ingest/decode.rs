//! Bytes of a CSV export to text. Excel writes "CSV UTF-8" with a BOM, "CSV (Comma delimited)"
//! in the ANSI code page (Windows-1252 in Western Europe and the US) and "Unicode text" as
//! UTF-16LE with a BOM (FORMAT.md §3). The BOM decides; without one, valid UTF-8 is UTF-8 and
//! anything else is Windows-1252 — the same rule the importers in the wild use.

use encoding_rs::{Encoding, UTF_8, WINDOWS_1252};

/// Text decoded from a file, and the encoding it was read as. UTF-8 (the common case) is
/// borrowed from the file's bytes, not copied.
pub struct Decoded<'a> {
    pub text: std::borrow::Cow<'a, str>,
    pub encoding: &'static str,
}

pub fn decode(bytes: &[u8]) -> Decoded<'_> {
    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        let (text, _) = encoding.decode_without_bom_handling(&bytes[bom_len..]);
        let name = if encoding == UTF_8 {
            "UTF-8 with BOM"
        } else {
            encoding.name()
        };
        return Decoded {
            text,
            encoding: name,
        };
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Decoded {
            text: std::borrow::Cow::Borrowed(text),
            encoding: "UTF-8",
        },
        Err(_) => {
            let (text, _) = WINDOWS_1252.decode_without_bom_handling(bytes);
            Decoded {
                text,
                encoding: "windows-1252",
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_bom_is_stripped() {
        let d = decode(b"\xEF\xBB\xBFID;Name");
        assert_eq!(d.text, "ID;Name");
        assert_eq!(d.encoding, "UTF-8 with BOM");
    }

    #[test]
    fn invalid_utf8_is_read_as_windows_1252() {
        // 0x97 is an em dash and 0xE9 é in Windows-1252.
        let d = decode(b"Ren\xE9e \x97 ok");
        assert_eq!(d.text, "Renée — ok");
        assert_eq!(d.encoding, "windows-1252");
    }

    #[test]
    fn utf16le_with_bom_is_decoded() {
        let mut bytes = vec![0xFF, 0xFE];
        for u in "ID\tNàme".encode_utf16() {
            bytes.extend_from_slice(&u.to_le_bytes());
        }
        let d = decode(&bytes);
        assert_eq!(d.text, "ID\tNàme");
        assert_eq!(d.encoding, "UTF-16LE");
    }
}
