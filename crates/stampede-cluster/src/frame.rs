//! Framing of protocol messages on a byte stream (a pipe today, a TCP connection later).
//!
//! A frame is a 2-byte marker `ST`, the body length as a big-endian `u32`, and the body: one
//! message as UTF-8 JSON. The marker makes stray output on the stream (anything printed to an
//! agent's standard output by mistake) a clear error instead of a misread length. Bodies
//! larger than [`MAX_FRAME`] are refused on both sides, so a corrupt length never makes the
//! reader allocate gigabytes.

use serde::Serialize;
use serde::de::DeserializeOwned;
use std::io::{self, Read, Write};

/// The marker that starts every frame.
pub const FRAME_MARKER: [u8; 2] = *b"ST";

/// Largest frame body accepted or sent (64 MiB).
pub const MAX_FRAME: usize = 64 << 20;

/// Why a frame could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    #[error("i/o error: {0}")]
    Io(#[from] io::Error),
    /// The stream ended in the middle of a frame.
    #[error("the stream ended in the middle of a frame")]
    Truncated,
    /// The bytes at a frame boundary are not a frame marker.
    #[error(
        "unexpected bytes {found:02x?} where a frame should start (something else wrote to the \
         stream?)"
    )]
    BadMarker { found: [u8; 2] },
    /// A frame body larger than [`MAX_FRAME`].
    #[error("a frame of {len} bytes exceeds the limit of {max} bytes")]
    TooLarge { len: u64, max: usize },
    /// The body is not a valid message.
    #[error("undecodable message: {0}")]
    Decode(String),
    /// A message could not be encoded (never happens with the protocol's own types).
    #[error("unencodable message: {0}")]
    Encode(String),
}

/// Writes one message as a frame (not flushed).
pub fn write_message<T: Serialize>(out: &mut impl Write, message: &T) -> Result<(), FrameError> {
    let body = serde_json::to_vec(message).map_err(|e| FrameError::Encode(e.to_string()))?;
    if body.len() > MAX_FRAME {
        return Err(FrameError::TooLarge {
            len: body.len() as u64,
            max: MAX_FRAME,
        });
    }
    let len = u32::try_from(body.len()).map_err(|_| FrameError::TooLarge {
        len: body.len() as u64,
        max: MAX_FRAME,
    })?;
    let mut header = [0u8; 6];
    header[..2].copy_from_slice(&FRAME_MARKER);
    header[2..].copy_from_slice(&len.to_be_bytes());
    out.write_all(&header)?;
    out.write_all(&body)?;
    Ok(())
}

/// Reads one frame body. `Ok(None)` when the stream ends cleanly between frames.
pub fn read_frame(input: &mut impl Read) -> Result<Option<Vec<u8>>, FrameError> {
    let mut header = [0u8; 6];
    let mut filled = 0;
    while filled < header.len() {
        match input.read(&mut header[filled..]) {
            Ok(0) if filled == 0 => return Ok(None),
            Ok(0) => return Err(FrameError::Truncated),
            Ok(n) => {
                filled += n;
                if filled >= 2 && header[..2] != FRAME_MARKER {
                    return Err(FrameError::BadMarker {
                        found: [header[0], header[1]],
                    });
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    let len = u32::from_be_bytes([header[2], header[3], header[4], header[5]]);
    if len as usize > MAX_FRAME {
        return Err(FrameError::TooLarge {
            len: u64::from(len),
            max: MAX_FRAME,
        });
    }
    let mut body = Vec::new();
    let got = input.take(u64::from(len)).read_to_end(&mut body)?;
    if got < len as usize {
        return Err(FrameError::Truncated);
    }
    Ok(Some(body))
}

/// Decodes a frame body into a message.
pub fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, FrameError> {
    serde_json::from_slice(body).map_err(|e| FrameError::Decode(e.to_string()))
}

/// Reads and decodes one message. `Ok(None)` at a clean end of the stream.
pub fn read_message<T: DeserializeOwned>(input: &mut impl Read) -> Result<Option<T>, FrameError> {
    match read_frame(input)? {
        Some(body) => decode(&body).map(Some),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sample_interval() -> crate::protocol::FromAgent {
        let layout = stampede_metrics::Layout {
            transactions: vec!["t".into()],
            requests: vec![stampede_metrics::RequestLabel::default()],
            sessions: vec!["s".into()],
        };
        let mut r = stampede_metrics::Recorder::new(&layout);
        r.record_request(stampede_model::RequestId(0), 2_000_000);
        r.count_status(stampede_model::RequestId(0), 200);
        crate::protocol::FromAgent::Interval {
            index: 1,
            end_ns: 2,
            snapshot: Box::new(r.take_snapshot()),
        }
    }

    #[test]
    fn round_trip_and_clean_end() {
        let mut buf = Vec::new();
        write_message(&mut buf, &vec![1u32, 2, 3]).unwrap();
        write_message(&mut buf, &"two").unwrap();
        let mut r = &buf[..];
        assert_eq!(
            read_message::<Vec<u32>>(&mut r).unwrap(),
            Some(vec![1, 2, 3])
        );
        assert_eq!(read_message::<String>(&mut r).unwrap(), Some("two".into()));
        assert_eq!(read_message::<String>(&mut r).unwrap(), None);
    }

    #[test]
    fn broken_streams_are_errors() {
        let mut buf = Vec::new();
        write_message(&mut buf, &"hello").unwrap();
        // Cut anywhere inside the frame.
        for cut in 1..buf.len() {
            let mut r = &buf[..cut];
            assert!(
                matches!(read_frame(&mut r), Err(FrameError::Truncated)),
                "cut at {cut}"
            );
        }
        let mut r = &b"hello world\n"[..];
        assert!(matches!(
            read_frame(&mut r),
            Err(FrameError::BadMarker { found }) if &found == b"he"
        ));
        let mut huge = b"ST".to_vec();
        huge.extend_from_slice(&u32::MAX.to_be_bytes());
        let mut r = &huge[..];
        assert!(matches!(
            read_frame(&mut r),
            Err(FrameError::TooLarge { .. })
        ));
        let mut bad = Vec::new();
        write_message(&mut bad, &"text").unwrap();
        let mut r = &bad[..];
        assert!(matches!(
            read_message::<u32>(&mut r),
            Err(FrameError::Decode(_))
        ));
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let mut r = &bytes[..];
            for _ in 0..64 {
                match read_message::<crate::protocol::FromAgent>(&mut r) {
                    Ok(Some(_)) => {}
                    Ok(None) | Err(_) => break,
                }
            }
            let mut r = &bytes[..];
            let _ = read_message::<crate::protocol::ToAgent>(&mut r);
        }

        #[test]
        fn mutated_messages_never_panic(
            edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8),
            cut in any::<usize>(),
        ) {
            let mut framed = Vec::new();
            write_message(&mut framed, &sample_interval()).unwrap();
            for (at, byte) in edits {
                let i = at % framed.len();
                framed[i] = byte;
            }
            let keep = framed.len() - cut % 16;
            framed.truncate(keep);
            let mut r = &framed[..];
            let _ = read_message::<crate::protocol::FromAgent>(&mut r);
        }

        #[test]
        fn arbitrary_bodies_in_valid_frames_never_panic(body in proptest::collection::vec(any::<u8>(), 0..512)) {
            let mut framed = FRAME_MARKER.to_vec();
            framed.extend_from_slice(&(body.len() as u32).to_be_bytes());
            framed.extend_from_slice(&body);
            let mut r = &framed[..];
            let _ = read_message::<crate::protocol::FromAgent>(&mut r);
        }
    }
}
