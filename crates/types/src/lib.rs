//! Tern types.
