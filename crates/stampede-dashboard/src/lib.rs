//! stampede-dashboard
