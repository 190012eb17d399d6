//! Conversions at the persistence boundary: 分 ⇄ `Money`, epoch milliseconds ⇄ `Instant`, and a round's
//! row ⇄ `auction_core::Round`.

use auction_core::deal::DealStatus;
use auction_core::next_round::RoundKind;
use auction_core::round::{Leader, Suspension};
use auction_core::setup::Category;
use auction_core::{DepositStatus, Instant, Money, Round, RoundStatus};
use chrono::{DateTime, Duration};
use sea_orm::ActiveValue::Set;
use sea_orm::DbErr;

use super::entities::auction;

/// Integer 分 from the database as `Money`. A negative or out-of-range value means a corrupt row.
pub fn money(cents: i64) -> Result<Money, DbErr> {
    Money::from_cents(cents).ok_or_else(|| DbErr::Custom(format!("money column out of range: {cents}")))
}

pub fn money_opt(cents: Option<i64>) -> Result<Option<Money>, DbErr> {
    cents.map(money).transpose()
}

pub fn millis(instant: Instant) -> i64 {
    instant.timestamp_millis()
}

pub fn instant(millis: i64) -> Instant {
    DateTime::from_timestamp_millis(millis).unwrap_or_default()
}

/// A stored round status; one that no code knows is an error, never a guess.
pub fn status(text: &str) -> Result<RoundStatus, DbErr> {
    RoundStatus::parse(text).ok_or_else(|| DbErr::Custom(format!("unknown round status {text}")))
}

/// A stored deal status, likewise.
pub fn deal_status(text: &str) -> Result<DealStatus, DbErr> {
    DealStatus::parse(text).ok_or_else(|| DbErr::Custom(format!("unknown deal status {text}")))
}

/// A stored deposit status, likewise.
pub fn deposit_status(text: &str) -> Result<DepositStatus, DbErr> {
    DepositStatus::parse(text).ok_or_else(|| DbErr::Custom(format!("unknown deposit status {text}")))
}

/// A stored category, likewise.
pub fn category(text: &str) -> Result<Category, DbErr> {
    Category::parse(text).ok_or_else(|| DbErr::Custom(format!("unknown category {text}")))
}

/// A stored round kind, likewise.
pub fn kind(text: &str) -> Result<RoundKind, DbErr> {
    RoundKind::parse(text).ok_or_else(|| DbErr::Custom(format!("unknown round kind {text}")))
}

fn rank(value: Option<i32>) -> Option<u32> {
    value.and_then(|v| u32::try_from(v).ok())
}

fn count(value: i32) -> u32 {
    u32::try_from(value).unwrap_or(0)
}

/// The rules' view of a round row.
pub fn round(row: &auction::Model) -> Result<Round, DbErr> {
    let suspension = match (row.suspended_at, &row.suspended_from, row.suspended_remaining_ms) {
        (Some(since), Some(from), Some(remaining)) => Some(Suspension {
            since: instant(since),
            from: status(from)?,
            remaining: Duration::milliseconds(remaining),
        }),
        _ => None,
    };
    Ok(Round {
        status: status(&row.status)?,
        starting_price: money(row.starting_price)?,
        increment: money(row.increment)?,
        bidding_starts_at: instant(row.bidding_starts_at),
        bidding_ends_at: instant(row.bidding_ends_at),
        current_price: money_opt(row.current_price)?,
        leader: row.leader_code.clone().map(|code| Leader {
            code,
            priority_rank: rank(row.leader_priority_rank),
        }),
        bid_count: count(row.bid_count),
        extension_count: count(row.extension_count),
        suspension,
        sell_off: kind(&row.round_kind)? == RoundKind::SellOff,
    })
}

/// Writes a round's rule state back onto its row (the leader's registration id is set by the caller).
pub fn apply_round(row: &mut auction::ActiveModel, round: &Round) {
    row.status = Set(round.status.as_str().to_owned());
    row.bidding_ends_at = Set(millis(round.bidding_ends_at));
    row.current_price = Set(round.current_price.map(Money::cents));
    row.leader_code = Set(round.leader.as_ref().map(|l| l.code.clone()));
    row.leader_priority_rank = Set(round
        .leader
        .as_ref()
        .and_then(|l| l.priority_rank)
        .and_then(|r| i32::try_from(r).ok()));
    row.bid_count = Set(i32::try_from(round.bid_count).unwrap_or(i32::MAX));
    row.extension_count = Set(i32::try_from(round.extension_count).unwrap_or(i32::MAX));
    row.suspended_at = Set(round.suspension.map(|s| millis(s.since)));
    row.suspended_from = Set(round.suspension.map(|s| s.from.as_str().to_owned()));
    row.suspended_remaining_ms = Set(round.suspension.map(|s| s.remaining.num_milliseconds()));
}
