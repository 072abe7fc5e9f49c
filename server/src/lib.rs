//! The Peerlog organisation server. So far: the storage layer ([`storage`]), generic over
//! the [`storage::Storage`] trait with a SQLite and a PostgreSQL backend. The HTTP layer
//! (axum) builds on [`Server`].

pub mod storage;

use storage::Storage;

/// The server state, generic over its storage (static dispatch: `Server<SqliteStorage>` or
/// `Server<PostgresStorage>`).
#[derive(Debug, Clone)]
pub struct Server<S: Storage> {
    storage: S,
}

impl<S: Storage> Server<S> {
    pub fn new(storage: S) -> Self {
        Server { storage }
    }

    pub fn storage(&self) -> &S {
        &self.storage
    }
}
