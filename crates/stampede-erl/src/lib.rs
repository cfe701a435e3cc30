//! stampede-erl
