//! Races placeholder.
