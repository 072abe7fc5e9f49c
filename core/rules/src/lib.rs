//! Reporting rules.
