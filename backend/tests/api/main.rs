//! Black-box tests of the HTTP API: the real server on a free port, a fresh database per test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout, clippy::print_stderr)]

mod helpers;

mod abuse;
mod accounts;
mod after_failure;
mod agents;
mod alipay;
mod before_publication;
mod bidder_view;
mod bidding;
mod concurrency;
mod court;
mod crash;
mod email;
mod failover;
mod files;
mod hardening;
mod identity_claims;
mod later_rounds;
mod live;
mod negotiations;
mod objections;
mod races;
mod reconciliation;
mod refunds;
mod rounds;
mod signals;
mod suspensions;
mod system;
mod ways_out;
mod web;
mod who_may_bid;
