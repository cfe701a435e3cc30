//! stampede-scheduler
