//! A PDF that could act when opened is refused at upload: one naming JavaScript, a launch action, an
//! embedded file, rich media or an XFA form, or one that is encrypted (its contents could not be checked).
//! Courts publish reports and rulings; none needs any of these, and a bidder's viewer would run them.
//!
//! The file is read once, in chunks. Names are read where a PDF keeps its dictionaries: outside streams,
//! and inside compressed object streams (`/Type /ObjStm`, inflated with a bound), where a modern PDF hides
//! most of them. Other streams — page contents, images — are skipped, so their bytes cannot match by chance.
//! A name spelled with `#xx` escapes (`/J#61vaScript`) is read as the name it spells.

use std::io::Read;

/// The names whose presence refuses a PDF, and why.
const REFUSED: [(&[u8], &str); 8] = [
    (b"JavaScript", "JavaScript"),
    (b"JS", "JavaScript"),
    (b"Launch", "a launch action"),
    (b"EmbeddedFile", "an embedded file"),
    (b"EmbeddedFiles", "an embedded file"),
    (b"RichMedia", "rich media"),
    (b"XFA", "an XFA form"),
    (b"Encrypt", "encryption"),
];

/// The most an object stream may inflate to, and all of them together: a bound against a zip bomb.
const MAX_INFLATED_PER_STREAM: u64 = 16 << 20;
const MAX_INFLATED_IN_ALL: u64 = 64 << 20;
const MAX_NAME: usize = 127;

/// What, if anything, makes the PDF unfit to publish: `Ok(Some(reason))` for a refusal.
pub fn active_content(mut reader: impl Read) -> std::io::Result<Option<&'static str>> {
    let mut scan = Scan::default();
    let mut chunk = vec![0u8; 64 << 10];
    loop {
        let read = reader.read(&mut chunk)?;
        if read == 0 {
            break;
        }
        scan.feed(&chunk[..read]);
        if scan.found.is_some() {
            break;
        }
    }
    Ok(scan.found)
}

/// Reads names from bytes, across chunk boundaries.
#[derive(Default)]
struct Names {
    current: Option<Vec<u8>>,
    /// Hex digits of a `#xx` escape read so far.
    escape: Option<Vec<u8>>,
}

fn is_delimiter(b: u8) -> bool {
    b.is_ascii_whitespace()
        || b == 0
        || matches!(b, b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%')
}

impl Names {
    /// Feeds one byte; returns a name it completed.
    fn push(&mut self, b: u8) -> Option<Vec<u8>> {
        let finished = if self.current.is_some() && is_delimiter(b) {
            self.escape = None;
            self.current.take()
        } else {
            None
        };
        if b == b'/' {
            self.current = Some(Vec::new());
            return finished;
        }
        let Some(name) = self.current.as_mut() else {
            return finished;
        };
        match self.escape.as_mut() {
            Some(digits) => {
                digits.push(b);
                if digits.len() == 2 {
                    let decoded = std::str::from_utf8(digits)
                        .ok()
                        .and_then(|h| u8::from_str_radix(h, 16).ok());
                    name.push(decoded.unwrap_or(b'#'));
                    self.escape = None;
                }
            }
            None if b == b'#' => self.escape = Some(Vec::new()),
            None if name.len() < MAX_NAME => name.push(b),
            None => {}
        }
        finished
    }
}

fn refusal(name: &[u8]) -> Option<&'static str> {
    REFUSED
        .iter()
        .find(|(refused, _)| *refused == name)
        .map(|(_, why)| *why)
}

/// Where the reader is: between objects, or inside a stream (skipped, or inflated and read).
#[derive(Default)]
struct Scan {
    names: Names,
    /// The last bytes outside streams, to see the `stream` keyword.
    recent: Vec<u8>,
    /// What the dictionary before the next stream said.
    flate: bool,
    object_stream: bool,
    inside: Option<Inside>,
    inflated_in_all: u64,
    found: Option<&'static str>,
}

enum Inside {
    /// Skipped until `endstream`.
    Skipped { tail: Vec<u8> },
    /// An object stream, inflated and read for names until its compressed data ends.
    Inflating {
        inflater: flate2::Decompress,
        names: Names,
        inflated: u64,
    },
}

const END: &[u8] = b"endstream";

impl Scan {
    fn feed(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() && self.found.is_none() {
            bytes = match self.inside.take() {
                None => self.outside(bytes),
                Some(Inside::Skipped { tail }) => self.skip(bytes, tail),
                Some(Inside::Inflating {
                    inflater,
                    names,
                    inflated,
                }) => self.inflate(bytes, inflater, names, inflated),
            };
        }
    }

    /// Reads dictionaries and the keywords between them; returns the bytes left when a stream begins.
    fn outside<'a>(&mut self, bytes: &'a [u8]) -> &'a [u8] {
        for (at, &b) in bytes.iter().enumerate() {
            if let Some(name) = self.names.push(b) {
                self.name(&name);
            }
            self.recent.push(b);
            if self.recent.len() > 16 {
                self.recent.remove(0);
            }
            if b == b'\n' && self.stream_begins() {
                self.recent.clear();
                self.names = Names::default();
                self.inside = Some(if self.flate && self.object_stream {
                    Inside::Inflating {
                        inflater: flate2::Decompress::new(true),
                        names: Names::default(),
                        inflated: 0,
                    }
                } else {
                    Inside::Skipped { tail: Vec::new() }
                });
                self.flate = false;
                self.object_stream = false;
                return &bytes[at + 1..];
            }
        }
        &[]
    }

    /// Whether the bytes just read end with the `stream` keyword and its line end (not `endstream`).
    fn stream_begins(&self) -> bool {
        let text = self.recent.strip_suffix(b"\n").unwrap_or(&self.recent);
        let text = text.strip_suffix(b"\r").unwrap_or(text);
        text.ends_with(b"stream") && !text.ends_with(END)
    }

    fn name(&mut self, name: &[u8]) {
        match name {
            b"FlateDecode" => self.flate = true,
            b"ObjStm" => self.object_stream = true,
            _ => {
                if let Some(why) = refusal(name) {
                    self.found = Some(why);
                }
            }
        }
    }

    fn skip<'a>(&mut self, bytes: &'a [u8], mut tail: Vec<u8>) -> &'a [u8] {
        // The keyword may straddle two chunks: the last bytes of the one before are kept.
        let start = tail.len();
        tail.extend_from_slice(bytes);
        if let Some(at) = tail.windows(END.len()).position(|w| w == END) {
            let consumed = (at + END.len()).saturating_sub(start);
            return &bytes[consumed.min(bytes.len())..];
        }
        let keep = tail.len().saturating_sub(END.len() - 1);
        tail.drain(..keep);
        self.inside = Some(Inside::Skipped { tail });
        &[]
    }

    fn inflate<'a>(
        &mut self,
        bytes: &'a [u8],
        mut inflater: flate2::Decompress,
        mut names: Names,
        mut inflated: u64,
    ) -> &'a [u8] {
        let mut out = vec![0u8; 64 << 10];
        let mut input = bytes;
        loop {
            let (before_in, before_out) = (inflater.total_in(), inflater.total_out());
            let status = inflater.decompress(input, &mut out, flate2::FlushDecompress::None);
            let used = usize::try_from(inflater.total_in() - before_in).unwrap_or(input.len());
            let made = usize::try_from(inflater.total_out() - before_out).unwrap_or(0);
            input = &input[used.min(input.len())..];
            for &b in &out[..made] {
                if let Some(name) = names.push(b)
                    && let Some(why) = refusal(&name)
                {
                    self.found = Some(why);
                    return &[];
                }
            }
            inflated += made as u64;
            self.inflated_in_all += made as u64;
            if inflated > MAX_INFLATED_PER_STREAM || self.inflated_in_all > MAX_INFLATED_IN_ALL {
                self.found = Some("an object stream too large to check");
                return &[];
            }
            match status {
                Ok(flate2::Status::StreamEnd) => {
                    // What follows the compressed data is skipped up to `endstream`.
                    self.inside = Some(Inside::Skipped { tail: Vec::new() });
                    return input;
                }
                Ok(_) if input.is_empty() && made < out.len() => {
                    self.inside = Some(Inside::Inflating {
                        inflater,
                        names,
                        inflated,
                    });
                    return &[];
                }
                Ok(_) if used == 0 && made == 0 => {
                    self.found = Some("an object stream that cannot be read");
                    return &[];
                }
                Ok(_) => {}
                Err(_) => {
                    self.found = Some("an object stream that cannot be read");
                    return &[];
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn pdf(body: &[u8]) -> Vec<u8> {
        let mut file = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
        file.extend_from_slice(body);
        file.extend_from_slice(b"\ntrailer << /Root 1 0 R >>\n%%EOF\n");
        file
    }

    fn deflate(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    fn stream(dict: &str, data: &[u8]) -> Vec<u8> {
        let mut object = format!("5 0 obj\n<< {dict} /Length {} >>\nstream\r\n", data.len()).into_bytes();
        object.extend_from_slice(data);
        object.extend_from_slice(b"\nendstream\nendobj\n");
        object
    }

    fn check(file: &[u8]) -> Option<&'static str> {
        active_content(file).unwrap()
    }

    /// Fed in chunks of every small size, so that names and keywords straddle chunk boundaries.
    fn check_in_pieces(file: &[u8]) -> Vec<Option<&'static str>> {
        (1..=7)
            .map(|size| {
                let mut scan = Scan::default();
                for piece in file.chunks(size) {
                    scan.feed(piece);
                }
                scan.found
            })
            .collect()
    }

    #[test]
    fn a_plain_document_passes() {
        let page = stream("/Filter /FlateDecode", &deflate(b"BT /F1 12 Tf (JS /JS) Tj ET"));
        let mut body = b"1 0 obj << /Type /Catalog /Pages 2 0 R /OpenAction [3 0 R /Fit] >> endobj\n".to_vec();
        body.extend(page);
        let file = pdf(&body);
        assert_eq!(check(&file), None, "a page's contents are not read for names");
        assert!(check_in_pieces(&file).iter().all(Option::is_none));
    }

    #[test]
    fn javascript_and_its_kin_are_found_however_they_are_spelled() {
        for (body, why) in [
            (
                &b"1 0 obj << /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >> endobj"[..],
                "JavaScript",
            ),
            (b"1 0 obj << /OpenAction << /S /J#61vaScript >> >> endobj", "JavaScript"),
            (
                b"1 0 obj << /AA << /O << /S /Launch /F (cmd.exe) >> >> >> endobj",
                "a launch action",
            ),
            (
                b"1 0 obj << /Names << /EmbeddedFiles 4 0 R >> >> endobj",
                "an embedded file",
            ),
            (b"1 0 obj << /AcroForm << /XFA 6 0 R >> >> endobj", "an XFA form"),
            (b"trailer << /Encrypt 9 0 R >>", "encryption"),
        ] {
            let file = pdf(body);
            assert_eq!(check(&file), Some(why), "{}", String::from_utf8_lossy(body));
            assert!(check_in_pieces(&file).iter().all(|found| *found == Some(why)));
        }
    }

    #[test]
    fn an_action_hidden_in_a_compressed_object_stream_is_found() {
        let objects = deflate(b"7 0 8 40 << /Type /Action /S /JavaScript /JS 9 0 R >> << /Type /Page >>");
        let file = pdf(&stream("/Type /ObjStm /N 2 /First 8 /Filter /FlateDecode", &objects));
        assert_eq!(check(&file), Some("JavaScript"));
        assert!(check_in_pieces(&file).iter().all(|found| *found == Some("JavaScript")));
    }

    #[test]
    fn bytes_of_an_image_never_match_by_chance() {
        // Raw image data holding "/JS " and "endstr" fragments, then a clean trailer.
        let mut noise = Vec::new();
        for i in 0..50_000u32 {
            noise.extend_from_slice(&i.to_le_bytes());
            if i % 997 == 0 {
                noise.extend_from_slice(b"/JS /Launch endstrea");
            }
        }
        let file = pdf(&stream("/Type /XObject /Subtype /Image /Filter /DCTDecode", &noise));
        assert_eq!(check(&file), None);
    }

    #[test]
    fn an_object_stream_that_inflates_without_end_is_refused() {
        let bomb = deflate(&vec![b' '; (MAX_INFLATED_PER_STREAM + 1) as usize]);
        let file = pdf(&stream("/Type /ObjStm /Filter /FlateDecode", &bomb));
        assert_eq!(check(&file), Some("an object stream too large to check"));
        let broken = pdf(&stream("/Type /ObjStm /Filter /FlateDecode", b"not zlib at all"));
        assert_eq!(check(&broken), Some("an object stream that cannot be read"));
    }
}
