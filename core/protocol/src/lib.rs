//! Wire types and canonical JSON.
