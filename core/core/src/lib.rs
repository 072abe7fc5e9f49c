//! The Peerlog core.
#![allow(unsafe_code)] // uniffi scaffolding

uniffi::setup_scaffolding!();

/// Version of the core library, for "about" screens and bug reports.
#[uniffi::export]
pub fn core_version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
