//! Incremental `Transfer-Encoding: chunked` decoder.
//!
//! A byte-level state machine that consumes whatever it is given, so no partial line ever has
//! to be kept aside: chunk-size lines, chunk extensions (skipped), chunk data (handed out as
//! ranges of the input), the last chunk and the trailer section (skipped).

use stampede_model::ErrorClass;

/// Longest chunk-size line (extensions included) or trailer line accepted.
const MAX_LINE: u32 = 8 * 1024;
/// Largest chunk size accepted (far beyond anything real, far from overflowing).
const MAX_CHUNK: u64 = 1 << 60;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Before the first hex digit of a size line.
    SizeStart,
    Size,
    /// Whitespace after the size digits.
    SizeSpace,
    /// `;name=value` extensions, skipped.
    Extension,
    SizeLf,
    Data,
    DataCr,
    DataLf,
    /// Start of a trailer line, or the final blank line.
    TrailerStart,
    Trailer,
    FinalLf,
    Done,
}

/// Decoder state for one chunked body.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ChunkDecoder {
    state: State,
    /// Chunk size being read, then the data bytes still expected.
    size: u64,
    line_len: u32,
}

/// What one [`ChunkDecoder::step`] call did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Step {
    /// Input bytes consumed. The rest of the input is for the next call, or, once `done`,
    /// does not belong to the body.
    pub consumed: usize,
    /// A run of chunk data, as `(start, len)` within the input; a step stops right after one.
    pub data: Option<(usize, usize)>,
    /// The last chunk and the trailers have been read.
    pub done: bool,
}

impl ChunkDecoder {
    pub(crate) fn new() -> Self {
        Self {
            state: State::SizeStart,
            size: 0,
            line_len: 0,
        }
    }

    /// Consumes `input` up to the end of the next run of chunk data, the end of the body, or
    /// the end of the input, whichever comes first.
    pub(crate) fn step(&mut self, input: &[u8]) -> Result<Step, ErrorClass> {
        let bad = ErrorClass::HttpUnexpectedChunkData;
        let mut i = 0;
        while i < input.len() {
            if self.state == State::Data {
                let take = (input.len() - i).min(usize::try_from(self.size).unwrap_or(usize::MAX));
                self.size -= take as u64;
                if self.size == 0 {
                    self.state = State::DataCr;
                }
                return Ok(Step {
                    consumed: i + take,
                    data: Some((i, take)),
                    done: false,
                });
            }
            // Fast paths for the common shapes: a bare `HEX\r\n` size line, the CRLF after
            // the data, the blank line that ends the body.
            let rest = &input[i..];
            match self.state {
                State::SizeStart => {
                    if let Some((size, len)) = bare_size_line(rest) {
                        self.size = size;
                        i += len;
                        self.state = self.size_line_done();
                        continue;
                    }
                }
                State::DataCr | State::TrailerStart if rest.starts_with(b"\r\n") => {
                    i += 2;
                    if self.state == State::DataCr {
                        self.state = State::SizeStart;
                        continue;
                    }
                    self.state = State::Done;
                    return Ok(Step {
                        consumed: i,
                        data: None,
                        done: true,
                    });
                }
                // Skip the body of an extension or trailer line in one go.
                State::Extension | State::Trailer => {
                    let skip = if self.state == State::Extension {
                        rest.iter().position(|&b| b == b'\r' || b == b'\n')
                    } else {
                        rest.iter().position(|&b| b == b'\n')
                    }
                    .unwrap_or(rest.len());
                    if skip > 0 {
                        self.line_len = self.line_len.saturating_add(skip as u32);
                        if self.line_len > MAX_LINE {
                            return Err(bad);
                        }
                        i += skip;
                        continue;
                    }
                }
                _ => {}
            }
            let b = input[i];
            i += 1;
            self.state = match self.state {
                State::SizeStart => match b {
                    b' ' | b'\t' => State::SizeStart,
                    _ => {
                        let digit = hex(b).ok_or(bad)?;
                        self.size = u64::from(digit);
                        self.line_len = 1;
                        State::Size
                    }
                },
                State::Size => {
                    self.line(bad)?;
                    if let Some(digit) = hex(b) {
                        self.size = self.size * 16 + u64::from(digit);
                        if self.size > MAX_CHUNK {
                            return Err(bad);
                        }
                        State::Size
                    } else {
                        self.after_size(b).ok_or(bad)?
                    }
                }
                State::SizeSpace => {
                    self.line(bad)?;
                    self.after_size(b).ok_or(bad)?
                }
                State::Extension => {
                    self.line(bad)?;
                    match b {
                        b'\r' => State::SizeLf,
                        b'\n' => self.size_line_done(),
                        _ => State::Extension,
                    }
                }
                State::SizeLf => match b {
                    b'\n' => self.size_line_done(),
                    _ => return Err(bad),
                },
                State::DataCr => match b {
                    b'\r' => State::DataLf,
                    b'\n' => State::SizeStart,
                    _ => return Err(bad),
                },
                State::DataLf => match b {
                    b'\n' => State::SizeStart,
                    _ => return Err(bad),
                },
                State::TrailerStart => match b {
                    b'\r' => State::FinalLf,
                    b'\n' => State::Done,
                    _ => {
                        self.line_len = 1;
                        State::Trailer
                    }
                },
                State::Trailer => {
                    self.line(bad)?;
                    match b {
                        b'\n' => State::TrailerStart,
                        _ => State::Trailer,
                    }
                }
                State::FinalLf => match b {
                    b'\n' => State::Done,
                    _ => return Err(bad),
                },
                State::Data | State::Done => return Err(bad),
            };
            if self.state == State::Done {
                return Ok(Step {
                    consumed: i,
                    data: None,
                    done: true,
                });
            }
        }
        Ok(Step {
            consumed: i,
            data: None,
            done: false,
        })
    }

    fn line(&mut self, bad: ErrorClass) -> Result<(), ErrorClass> {
        self.line_len += 1;
        if self.line_len > MAX_LINE {
            Err(bad)
        } else {
            Ok(())
        }
    }

    /// The byte after the size digits (or after whitespace following them).
    fn after_size(&mut self, b: u8) -> Option<State> {
        match b {
            b' ' | b'\t' => Some(State::SizeSpace),
            b';' => Some(State::Extension),
            b'\r' => Some(State::SizeLf),
            b'\n' => Some(self.size_line_done()),
            _ => None,
        }
    }

    fn size_line_done(&mut self) -> State {
        if self.size == 0 {
            State::TrailerStart
        } else {
            State::Data
        }
    }
}

/// `HEX\r\n` with no whitespace or extension: `(size, length of the line)`. `None` when the
/// line has another shape or is not all there (the byte-level path handles it).
fn bare_size_line(input: &[u8]) -> Option<(u64, usize)> {
    let mut size: u64 = 0;
    for (i, &b) in input.iter().enumerate().take(16) {
        match hex(b) {
            Some(digit) => size = size * 16 + u64::from(digit),
            None if i > 0 && b == b'\r' && input.get(i + 1) == Some(&b'\n') => {
                return (size <= MAX_CHUNK).then_some((size, i + 2));
            }
            None => return None,
        }
    }
    None
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Steps `dec` over all of `input`; returns (body, consumed, done).
    fn drive(
        dec: &mut ChunkDecoder,
        input: &[u8],
        body: &mut Vec<u8>,
    ) -> Result<(usize, bool), ErrorClass> {
        let mut pos = 0;
        loop {
            let step = dec.step(&input[pos..])?;
            if let Some((s, l)) = step.data {
                body.extend_from_slice(&input[pos + s..pos + s + l]);
            }
            pos += step.consumed;
            if step.done || pos == input.len() {
                return Ok((pos, step.done));
            }
        }
    }

    fn run(input: &[u8]) -> Result<(Vec<u8>, usize, bool), ErrorClass> {
        let mut body = Vec::new();
        let (consumed, done) = drive(&mut ChunkDecoder::new(), input, &mut body)?;
        Ok((body, consumed, done))
    }

    #[test]
    fn valid_bodies() {
        let table: &[(&str, &str)] = &[
            ("0\r\n\r\n", ""),
            ("5\r\nhello\r\n0\r\n\r\n", "hello"),
            ("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", "hello world"),
            ("A\r\n0123456789\r\n0\r\n\r\n", "0123456789"),
            ("a\r\n0123456789\r\n0\r\n\r\n", "0123456789"),
            ("005\r\nhello\r\n000\r\n\r\n", "hello"),
            ("5;ext=1;q=\"x\"\r\nhello\r\n0;last\r\n\r\n", "hello"),
            ("5 \r\nhello\r\n0\r\n\r\n", "hello"),
            ("5 ;e\r\nhello\r\n0\r\n\r\n", "hello"),
            (" 5\r\nhello\r\n0\r\n\r\n", "hello"),
            ("5\nhello\n0\n\n", "hello"),
            (
                "5\r\nhello\r\n0\r\nExpires: never\r\nX-T: 1\r\n\r\n",
                "hello",
            ),
            ("3\r\na\r\n\r\n0\r\n\r\n", "a\r\n"),
        ];
        for (input, body) in table {
            let (got, consumed, done) = run(input.as_bytes()).unwrap();
            assert_eq!(
                (got.as_slice(), consumed, done),
                (body.as_bytes(), input.len(), true),
                "{input:?}"
            );
        }
    }

    #[test]
    fn stops_after_the_end() {
        let (body, consumed, done) = run(b"1\r\nx\r\n0\r\n\r\nHTTP/1.1").unwrap();
        assert_eq!((body.as_slice(), consumed, done), (&b"x"[..], 11, true));
    }

    #[test]
    fn incomplete_is_not_done() {
        for input in [
            "",
            "5",
            "5\r",
            "5\r\nhel",
            "5\r\nhello\r\n",
            "5\r\nhello\r\n0\r\n",
            "0\r\nX: y\r\n",
        ] {
            let (_, consumed, done) = run(input.as_bytes()).unwrap();
            assert_eq!((consumed, done), (input.len(), false), "{input:?}");
        }
    }

    #[test]
    fn malformed() {
        for input in [
            "x\r\n",
            "\r\n",
            "5x\r\n",
            "5\rX",
            "5\r\nhelloX",
            "5\r\nhello\rX",
            "0\r\n\rX",
            "fffffffffffffffffff\r\n",
        ] {
            assert_eq!(
                run(input.as_bytes()).err(),
                Some(ErrorClass::HttpUnexpectedChunkData),
                "{input:?}"
            );
        }
        let long_ext = format!("5;{}\r\n", "e".repeat(MAX_LINE as usize));
        assert_eq!(
            run(long_ext.as_bytes()).err(),
            Some(ErrorClass::HttpUnexpectedChunkData)
        );
    }

    #[test]
    fn byte_by_byte_matches_whole() {
        let input = b"4;a=b\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nT: v\r\n\r\n";
        let (whole, _, _) = run(input).unwrap();
        let mut dec = ChunkDecoder::new();
        let mut body = Vec::new();
        let mut done = false;
        for b in input.iter() {
            done = drive(&mut dec, &[*b], &mut body).unwrap().1;
        }
        assert!(done);
        assert_eq!(body, whole);
        assert_eq!(body, b"Wikipedia in\r\n\r\nchunks.");
    }
}
