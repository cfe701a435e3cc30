//! stampede-scenario
