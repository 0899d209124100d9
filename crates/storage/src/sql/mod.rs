//! [`SqlStore`]: every storage trait over sqlx's `Any` driver, on SQLite or PostgreSQL.
//!
//! All SQL is written once in the subset both databases accept: `$n` placeholders, BIGINT
//! integers, TEXT amounts, BYTEA (BLOB in SQLite) hashes and encodings. The only statement that
//! differs per backend is the prover job claim (`FOR UPDATE SKIP LOCKED` on PostgreSQL) and
//! how a write transaction begins (`BEGIN IMMEDIATE` on SQLite, so that two writers queue on
//! the busy timeout instead of failing when one upgrades its read lock).

mod blocks;
mod codec;
mod jobs;
mod l1tx;
mod mempool;
mod meta;
mod priority;
mod state;
mod watcher;

use crate::types::{StorageError, StorageResult};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{Any, AnyPool, Executor, Transaction};
use std::path::Path;
use std::time::Duration;

pub(crate) use codec::Cols;

/// How long a SQLite connection waits for another writer before failing.
const SQLITE_BUSY_TIMEOUT_MS: u32 = 10_000;

/// Which database a [`SqlStore`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

/// The storage implementation: a connection pool to SQLite or PostgreSQL.
#[derive(Debug, Clone)]
pub struct SqlStore {
    pool: AnyPool,
    backend: Backend,
}

/// The backend a URL names, or [`StorageError::UnsupportedUrl`].
fn backend_of(url: &str) -> StorageResult<Backend> {
    if url.starts_with("sqlite:") {
        Ok(Backend::Sqlite)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Backend::Postgres)
    } else {
        Err(StorageError::UnsupportedUrl(url.to_string()))
    }
}

/// Adds `mode=rwc` (create the file if missing) to a SQLite URL that sets no mode.
fn sqlite_url(url: &str) -> String {
    if url.contains("mode=") {
        url.to_string()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    }
}

impl SqlStore {
    /// Connects to `sqlite://PATH` (the file is created if missing; WAL journal, foreign keys
    /// on, a busy timeout) or `postgres://…`/`postgresql://…`, and runs the migrations.
    pub async fn connect(url: &str) -> StorageResult<SqlStore> {
        sqlx::any::install_default_drivers();
        let backend = backend_of(url)?;
        let (url, max) = match backend {
            Backend::Sqlite => (sqlite_url(url), 4),
            Backend::Postgres => (url.to_string(), 8),
        };
        let pool = AnyPoolOptions::new()
            .max_connections(max)
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        let busy = format!("PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}");
                        conn.execute(busy.as_str()).await?;
                    }
                    Ok(())
                })
            })
            .acquire_timeout(Duration::from_secs(30))
            .connect(&url)
            .await
            .map_err(db("connect"))?;
        sqlx::migrate!("./migrations")
            .run(&pool)
            .await
            .map_err(|e| StorageError::Database { query: "migrate", source: Box::new(e) })?;
        Ok(SqlStore { pool, backend })
    }

    /// Opens (creating if needed) the SQLite database `DIR/tern.db`.
    pub async fn open_data_dir(dir: &Path) -> StorageResult<SqlStore> {
        let path = dir.join("tern.db");
        let path = path
            .to_str()
            .ok_or_else(|| StorageError::UnsupportedUrl(format!("sqlite://{}", path.display())))?;
        Self::connect(&format!("sqlite://{path}")).await
    }

    /// The backend in use.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The connection pool, for tools and tests that need raw SQL.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Closes the pool (waits for connections to be returned).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Begins a write transaction.
    pub(crate) async fn begin(
        &self,
        query: &'static str,
    ) -> StorageResult<Transaction<'static, Any>> {
        let start = match self.backend {
            Backend::Sqlite => "BEGIN IMMEDIATE",
            Backend::Postgres => "BEGIN",
        };
        self.pool.begin_with(start).await.map_err(db(query))
    }
}

/// Maps a driver error of query `query` to [`StorageError::Database`].
pub(crate) fn db(query: &'static str) -> impl FnOnce(sqlx::Error) -> StorageError {
    move |e| StorageError::Database { query, source: Box::new(e) }
}

/// Like [`db`], but a unique-key violation is a [`StorageError::Conflict`] saying `what`.
pub(crate) fn db_unique(
    query: &'static str,
    what: impl FnOnce() -> String,
) -> impl FnOnce(sqlx::Error) -> StorageError {
    move |e| match e.as_database_error() {
        Some(d) if d.is_unique_violation() => StorageError::Conflict(what()),
        _ => StorageError::Database { query, source: Box::new(e) },
    }
}

/// Commits `tx`.
pub(crate) async fn commit(
    tx: Transaction<'static, Any>,
    query: &'static str,
) -> StorageResult<()> {
    tx.commit().await.map_err(db(query))
}

/// Reads one row's columns as table `table`.
pub(crate) fn cols<'r>(row: &'r AnyRow, table: &'static str) -> Cols<'r> {
    Cols::new(row, table)
}
