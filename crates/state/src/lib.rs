//! Tern state.
