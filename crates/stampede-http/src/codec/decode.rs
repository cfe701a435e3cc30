//! `Content-Encoding: gzip` / `deflate` decoding into a reusable buffer, with one reusable
//! inflate state per parser.

use flate2::{Crc, Decompress, FlushDecompress, Status};

use super::head::ContentCoding;

/// How a decode attempt ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DecodeOutcome {
    /// The whole body was decoded.
    Complete,
    /// Decoding stopped at the output cap; what fits was decoded.
    Truncated,
    /// The body is not a valid stream of its coding.
    Invalid,
}

/// Appends the decoded form of `input` to `out`, writing at most `max_out` bytes.
/// `Identity` and `Other` are not decoding jobs: they return `Invalid` without touching `out`.
pub(crate) fn decode_body(
    inflater: &mut Option<Box<Decompress>>,
    coding: ContentCoding,
    input: &[u8],
    out: &mut Vec<u8>,
    max_out: usize,
) -> DecodeOutcome {
    match coding {
        ContentCoding::Gzip => gunzip(inflater, input, out, max_out),
        ContentCoding::Deflate => {
            let zlib = has_zlib_header(input);
            let start = out.len();
            match inflate(inflater, zlib, input, out, max_out) {
                Some((_, outcome)) => outcome,
                None => {
                    out.truncate(start);
                    DecodeOutcome::Invalid
                }
            }
        }
        ContentCoding::Identity | ContentCoding::Other => DecodeOutcome::Invalid,
    }
}

/// RFC 1950: CM = 8, CINFO ≤ 7, header checksum.
fn has_zlib_header(input: &[u8]) -> bool {
    match input {
        [cmf, flg, ..] => {
            cmf & 0x0f == 8 && cmf >> 4 <= 7 && (u16::from(*cmf) * 256 + u16::from(*flg)) % 31 == 0
        }
        _ => false,
    }
}

/// RFC 1952: one gzip member (header, raw deflate, CRC-32 and size trailer).
fn gunzip(
    inflater: &mut Option<Box<Decompress>>,
    input: &[u8],
    out: &mut Vec<u8>,
    max_out: usize,
) -> DecodeOutcome {
    let Some(header_len) = gzip_header_len(input) else {
        return DecodeOutcome::Invalid;
    };
    let start = out.len();
    let Some((used, outcome)) = inflate(inflater, false, &input[header_len..], out, max_out) else {
        out.truncate(start);
        return DecodeOutcome::Invalid;
    };
    if outcome == DecodeOutcome::Truncated {
        return outcome;
    }
    let trailer = &input[header_len + used..];
    let (Some(crc), Some(size)) = (read_u32_le(trailer, 0), read_u32_le(trailer, 4)) else {
        out.truncate(start);
        return DecodeOutcome::Invalid;
    };
    let mut check = Crc::new();
    check.update(&out[start..]);
    if check.sum() != crc || check.amount() != size {
        out.truncate(start);
        return DecodeOutcome::Invalid;
    }
    DecodeOutcome::Complete
}

fn read_u32_le(b: &[u8], at: usize) -> Option<u32> {
    let bytes: [u8; 4] = b.get(at..at + 4)?.try_into().ok()?;
    Some(u32::from_le_bytes(bytes))
}

/// Length of the gzip member header, `None` if it is not one.
fn gzip_header_len(input: &[u8]) -> Option<usize> {
    const FHCRC: u8 = 0x02;
    const FEXTRA: u8 = 0x04;
    const FNAME: u8 = 0x08;
    const FCOMMENT: u8 = 0x10;
    if input.len() < 10 || input[0] != 0x1f || input[1] != 0x8b || input[2] != 8 {
        return None;
    }
    let flags = input[3];
    let mut pos = 10;
    if flags & FEXTRA != 0 {
        let xlen = usize::from(u16::from_le_bytes([*input.get(pos)?, *input.get(pos + 1)?]));
        pos += 2 + xlen;
    }
    for flag in [FNAME, FCOMMENT] {
        if flags & flag != 0 {
            let end = input.get(pos..)?.iter().position(|&b| b == 0)?;
            pos += end + 1;
        }
    }
    if flags & FHCRC != 0 {
        pos += 2;
    }
    (pos <= input.len()).then_some(pos)
}

/// Inflates a zlib (`zlib = true`) or raw deflate stream from `input` onto `out`. Returns the
/// input bytes used and whether the output cap stopped it; `None` for a corrupt or unfinished
/// stream.
fn inflate(
    inflater: &mut Option<Box<Decompress>>,
    zlib: bool,
    input: &[u8],
    out: &mut Vec<u8>,
    max_out: usize,
) -> Option<(usize, DecodeOutcome)> {
    let z = match inflater {
        Some(z) => {
            z.reset(zlib);
            z
        }
        None => inflater.insert(Box::new(Decompress::new(zlib))),
    };
    let limit = out.len().saturating_add(max_out);
    let mut used = 0usize;
    loop {
        if out.len() >= limit {
            return Some((used, DecodeOutcome::Truncated));
        }
        // Grow geometrically, never past the cap.
        let chunk = out.len().max(4096).min(limit - out.len());
        let before_len = out.len();
        out.resize(before_len + chunk, 0);
        let before_in = z.total_in();
        let before_out = z.total_out();
        let status = z.decompress(
            &input[used..],
            &mut out[before_len..],
            FlushDecompress::None,
        );
        let written = usize::try_from(z.total_out() - before_out).ok()?;
        out.truncate(before_len + written);
        let consumed = usize::try_from(z.total_in() - before_in).ok()?;
        used += consumed;
        match status.ok()? {
            Status::StreamEnd => return Some((used, DecodeOutcome::Complete)),
            Status::Ok | Status::BufError => {
                if consumed == 0 && written == 0 {
                    // No progress: the stream ends before its end marker.
                    return None;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::Compression;
    use flate2::write::{DeflateEncoder, GzEncoder, ZlibEncoder};
    use std::io::Write;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = GzEncoder::new(Vec::new(), Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn run(coding: ContentCoding, input: &[u8], max: usize) -> (DecodeOutcome, Vec<u8>) {
        let mut inflater = None;
        let mut out = b"HEAD".to_vec();
        let outcome = decode_body(&mut inflater, coding, input, &mut out, max);
        (outcome, out)
    }

    #[test]
    fn gzip_round_trip() {
        let data = b"hello hello hello world".repeat(100);
        let (outcome, out) = run(ContentCoding::Gzip, &gzip(&data), usize::MAX);
        assert_eq!(outcome, DecodeOutcome::Complete);
        assert_eq!(&out[..4], b"HEAD");
        assert_eq!(&out[4..], &data[..]);
    }

    #[test]
    fn gzip_with_name_and_comment() {
        let data = b"payload";
        let mut e = flate2::GzBuilder::new()
            .filename("f.txt")
            .comment("c")
            .extra(vec![1, 2, 3])
            .write(Vec::new(), Compression::fast());
        e.write_all(data).unwrap();
        let (outcome, out) = run(ContentCoding::Gzip, &e.finish().unwrap(), usize::MAX);
        assert_eq!((outcome, &out[4..]), (DecodeOutcome::Complete, &data[..]));
    }

    #[test]
    fn deflate_zlib_and_raw() {
        let data = b"deflated body".repeat(20);
        let mut z = ZlibEncoder::new(Vec::new(), Compression::default());
        z.write_all(&data).unwrap();
        let (outcome, out) = run(ContentCoding::Deflate, &z.finish().unwrap(), usize::MAX);
        assert_eq!((outcome, &out[4..]), (DecodeOutcome::Complete, &data[..]));
        let mut r = DeflateEncoder::new(Vec::new(), Compression::default());
        r.write_all(&data).unwrap();
        let (outcome, out) = run(ContentCoding::Deflate, &r.finish().unwrap(), usize::MAX);
        assert_eq!((outcome, &out[4..]), (DecodeOutcome::Complete, &data[..]));
    }

    #[test]
    fn cap_truncates() {
        let data = vec![b'a'; 100_000];
        let (outcome, out) = run(ContentCoding::Gzip, &gzip(&data), 1000);
        assert_eq!(outcome, DecodeOutcome::Truncated);
        assert_eq!(out.len(), 4 + 1000);
    }

    #[test]
    fn corrupt_inputs_are_invalid() {
        let good = gzip(b"some text to compress");
        let mut bad_crc = good.clone();
        let n = bad_crc.len();
        bad_crc[n - 8] ^= 0xff;
        for input in [
            &b""[..],
            b"not gzip at all",
            &good[..good.len() - 3],
            &good[..15],
            &bad_crc,
        ] {
            let (outcome, out) = run(ContentCoding::Gzip, input, usize::MAX);
            assert_eq!(
                (outcome, out.as_slice()),
                (DecodeOutcome::Invalid, &b"HEAD"[..])
            );
        }
        let (outcome, _) = run(ContentCoding::Deflate, b"\xff\xff\xff", usize::MAX);
        assert_eq!(outcome, DecodeOutcome::Invalid);
    }

    #[test]
    fn inflater_is_reused() {
        let mut inflater = None;
        for i in 0..3 {
            let data = format!("round {i}").repeat(50);
            let mut out = Vec::new();
            let outcome = decode_body(
                &mut inflater,
                ContentCoding::Gzip,
                &gzip(data.as_bytes()),
                &mut out,
                usize::MAX,
            );
            assert_eq!(
                (outcome, out.as_slice()),
                (DecodeOutcome::Complete, data.as_bytes())
            );
        }
    }
}
