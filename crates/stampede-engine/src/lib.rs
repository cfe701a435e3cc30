//! stampede-engine
