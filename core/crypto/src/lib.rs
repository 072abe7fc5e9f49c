//! Cryptography.
