//! stampede-session
