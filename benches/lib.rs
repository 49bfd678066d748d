//! Criterion benches live in calls.rs; this crate has no library code.
