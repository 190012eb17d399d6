//! Conversions at the persistence boundary: 分 ⇄ `Money`, epoch milliseconds ⇄ `Instant`, and a round's
//! row ⇄ `auction_core::Round`.

use auction_core::costs::{BorneBy, BuyerInformation, Contact, Cost, CostAmount, Percent, Viewing};
use auction_core::next_round::RoundKind;
use auction_core::round::{Holds, Leader, Suspension};
use auction_core::{Instant, Money, Round};
use chrono::{DateTime, Duration};
use sea_orm::ActiveValue::Set;
use sea_orm::DbErr;

use super::entities::{listing, listing_file, round};

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

/// A stored round kind; one that no code knows is an error, never a guess.
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
pub fn rules_of(row: &round::Model) -> Result<Round, DbErr> {
    let suspension = match (row.suspended_at, &row.suspended_from, row.suspended_remaining_ms) {
        (Some(since), Some(from), Some(remaining)) => Some(Suspension {
            since: instant(since),
            from: *from,
            remaining: Duration::milliseconds(remaining),
            holds: Holds {
                court: row.suspended_by_court.unwrap_or(false),
                objections: row.suspended_objections.map_or(0, count),
            },
        }),
        _ => None,
    };
    Ok(Round {
        status: row.status,
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
pub fn apply_round(row: &mut round::ActiveModel, round: &Round) {
    row.status = Set(round.status);
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
    row.suspended_from = Set(round.suspension.map(|s| s.from));
    row.suspended_remaining_ms = Set(round.suspension.map(|s| s.remaining.num_milliseconds()));
    row.suspended_by_court = Set(round.suspension.map(|s| s.holds.court));
    row.suspended_objections = Set(round
        .suspension
        .map(|s| i32::try_from(s.holds.objections).unwrap_or(i32::MAX)));
}

/// The widths of a photo's smaller copies, as stored (a JSON array; none when absent).
pub fn variant_widths(file: &listing_file::Model) -> Vec<u32> {
    file.variants
        .as_deref()
        .and_then(|text| serde_json::from_str(text).ok())
        .unwrap_or_default()
}

/// A listing's buyer information from its row.
pub fn buyer_information(row: &listing::Model) -> Result<BuyerInformation, DbErr> {
    Ok(BuyerInformation {
        costs: costs(row.costs.as_deref())?,
        contact: match (&row.contact_name, &row.contact_phone) {
            (Some(name), Some(phone)) => Some(Contact {
                name: name.clone(),
                phone: phone.clone(),
            }),
            _ => None,
        },
        viewing: row.viewing_how.as_ref().map(|how| Viewing {
            how: how.clone(),
            from: row.viewing_from.map(instant),
            until: row.viewing_until.map(instant),
        }),
    })
}

/// Writes a listing's buyer information onto its row.
pub fn apply_buyer_information(row: &mut listing::ActiveModel, info: &BuyerInformation) {
    row.costs = Set((!info.costs.is_empty()).then(|| costs_json(&info.costs)));
    row.contact_name = Set(info.contact.as_ref().map(|c| c.name.clone()));
    row.contact_phone = Set(info.contact.as_ref().map(|c| c.phone.clone()));
    row.viewing_how = Set(info.viewing.as_ref().map(|v| v.how.clone()));
    row.viewing_from = Set(info.viewing.as_ref().and_then(|v| v.from).map(millis));
    row.viewing_until = Set(info.viewing.as_ref().and_then(|v| v.until).map(millis));
}

/// A listing's costs as stored: a JSON array of `{name, borne_by, kind, amount | percent}`, amounts and
/// percents as decimal strings (the same words as the API).
pub fn costs_json(costs: &[Cost]) -> String {
    let items: Vec<serde_json::Value> = costs
        .iter()
        .map(|cost| {
            let mut item = serde_json::json!({ "name": cost.name, "borne_by": cost.borne_by.as_str() });
            match cost.amount {
                CostAmount::Fixed(amount) => {
                    item["kind"] = "fixed".into();
                    item["amount"] = amount.to_string().into();
                }
                CostAmount::PercentOfPrice(percent) => {
                    item["kind"] = "percent_of_price".into();
                    item["percent"] = percent.to_string().into();
                }
            }
            item
        })
        .collect();
    serde_json::Value::Array(items).to_string()
}

/// The stored costs back; a value no code wrote is an error, never a guess.
pub fn costs(stored: Option<&str>) -> Result<Vec<Cost>, DbErr> {
    let Some(text) = stored else {
        return Ok(Vec::new());
    };
    let corrupt = |why: &str| DbErr::Custom(format!("stored costs: {why}"));
    let items: Vec<serde_json::Value> = serde_json::from_str(text).map_err(|e| corrupt(&e.to_string()))?;
    items
        .iter()
        .map(|item| {
            let field = |name: &str| item[name].as_str().ok_or_else(|| corrupt(name));
            let amount = match field("kind")? {
                "fixed" => {
                    CostAmount::Fixed(Money::parse_non_negative(field("amount")?).map_err(|_| corrupt("amount"))?)
                }
                "percent_of_price" => {
                    CostAmount::PercentOfPrice(Percent::parse(field("percent")?).map_err(|_| corrupt("percent"))?)
                }
                _ => return Err(corrupt("kind")),
            };
            Ok(Cost {
                name: field("name")?.to_owned(),
                borne_by: BorneBy::parse(field("borne_by")?).ok_or_else(|| corrupt("borne_by"))?,
                amount,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn costs_survive_storage() {
        let costs = vec![
            Cost {
                name: "契税".into(),
                borne_by: BorneBy::Buyer,
                amount: CostAmount::PercentOfPrice(Percent::parse("3").unwrap()),
            },
            Cost {
                name: "物业欠费".into(),
                borne_by: BorneBy::Seller,
                amount: CostAmount::Fixed(Money::parse_positive("12800.5").unwrap()),
            },
        ];
        assert_eq!(super::costs(Some(&costs_json(&costs))).unwrap(), costs);
        assert!(super::costs(None).unwrap().is_empty());
        assert!(
            super::costs(Some(
                r#"[{"name":"x","borne_by":"nobody","kind":"fixed","amount":"1"}]"#
            ))
            .is_err()
        );
    }
}
