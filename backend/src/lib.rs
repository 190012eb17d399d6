//! Fapai's backend: the HTTP API, persistence on SQLite and PostgreSQL, background workers and live
//! events, around the pure rules of `auction-core`.

pub mod auth;
pub mod bodies;
pub mod clock;
pub mod config;
pub mod error;
pub mod gateway;
pub mod hooks;
pub mod links;
pub mod live;
pub mod notify;
pub mod persistence;
pub mod prometheus;
pub mod routes;
pub mod services;
pub mod shared_clock;
pub mod shutdown;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod templates;
pub mod views;
pub mod web_app;
