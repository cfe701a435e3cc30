//! The pure HTTP/1.x codec: no I/O, no clock, no async runtime.
//!
//! * [`ResponseParser`] takes the bytes of one response as they arrive and keeps them in a
//!   single reusable buffer laid out as `head bytes + body bytes`. A chunked body is de-chunked
//!   in place and a gzip/deflate body can be decoded on request, so the buffer always holds
//!   "the whole response, headers included" in the shape Tsung's matching sees.
//! * [`Response`] is a borrowed view of a complete response: status, headers (offsets into the
//!   buffer, no per-header allocation), body.
//! * [`write_request_line`] / [`write_header`] render request heads into a `Vec<u8>`.
//!
//! Malformed input is reported as a `Copy` [`stampede_model::ErrorClass`]; nothing here panics on
//! any input.

mod chunked;
mod decode;
mod head;
mod head_cache;
mod head_fast;
mod parser;
#[cfg(test)]
mod parser_tests;
mod request;
mod response;

pub use head::{BodyFraming, ContentCoding, HeaderSpan};
pub use parser::{ParseLimits, Progress, ResponseExpect, ResponseParser};
pub use request::{end_head, write_header, write_header_u64, write_request_line};
pub use response::{Headers, Response};
