//! stampede-http
