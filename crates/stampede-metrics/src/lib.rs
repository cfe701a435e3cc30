//! stampede-metrics
