//! stampede-report
