//! A round (an auction in the API's paths), its timeline and its live view.

use auction_core::deal::DealStatus;
use auction_core::ledger::LedgerKind;
use auction_core::setup::Category;
use auction_core::time::rfc3339;
use auction_core::{Money, RoundStatus};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use super::listings::{ContactView, CostEstimateItem, CostEstimateView, CostView, ViewingView, buyer_views, file_path};
use crate::error::{ApiError, ApiResult};
use crate::persistence::convert::{instant, money};
use crate::persistence::entities::{ledger_entry, listing_file, round};
use auction_core::costs::BuyerInformation;

/// A round as the public sees it. `minimum_next_bid` is what an ordinary bidder may bid now.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuctionView {
    pub id: Uuid,
    pub listing_id: Uuid,
    pub court_id: Uuid,
    pub title: String,
    pub category: Category,
    pub round: i32,
    /// `first`, `second`, `sell_off` (变卖, after a failed second), or `reauction_of_first` /
    /// `reauction_of_second` after a buyer's default or a revoked sale (a re-auction keeps the floor of the
    /// round it repeats).
    pub round_kind: String,
    #[schema(example = "bidding")]
    pub status: RoundStatus,
    #[schema(value_type = String)]
    pub reference_price: Money,
    #[schema(value_type = String)]
    pub starting_price: Money,
    /// The deposit; in a sell-off, the part of the prepayment a defaulting buyer loses (R58).
    #[schema(value_type = String)]
    pub deposit: Money,
    /// What a registrant pays in: the deposit, or in a sell-off the whole price (变卖预缴款, R58).
    #[schema(value_type = String)]
    pub prepayment: Money,
    #[schema(value_type = String)]
    pub increment: Money,
    #[schema(value_type = Option<String>)]
    pub current_price: Option<Money>,
    #[schema(value_type = String)]
    pub minimum_next_bid: Money,
    pub leader_code: Option<String>,
    pub bid_count: i32,
    pub extension_count: i32,
    pub bidding_starts_at: String,
    /// The current end, moved by extensions.
    pub bidding_ends_at: String,
    pub scheduled_ends_at: String,
    /// A sell-off's 60-day period ends here unless a first bid opened its 24-hour window (R58).
    pub sell_off_ends_at: Option<String>,
    pub registrations_count: i32,
    pub balance_due_days: i32,
    pub published_at: Option<String>,
    pub closed_at: Option<String>,
    /// The server's clock when this view was made, for countdowns.
    pub server_time: String,
    /// The listing's first photo (lists only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub photo_url: Option<String>,
    /// The court's public reason while suspended, or after a withdrawal (R60).
    pub status_reason: Option<String>,
    /// 拍卖公告 (single-round view only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub announcement: Option<String>,
    /// 竞买须知 (single-round view only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bidding_instructions: Option<String>,
    /// 特别提示, the reminders of R30 (single-round view only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub special_reminders: Option<Vec<String>>,
    /// The version of the instructions and reminders that registration accepts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub terms_version: Option<String>,
    /// What happened to the round, from its ledger: status changes, a default, and the latest extension
    /// (`extension_count` says how many there were) (single-round view only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeline: Option<Vec<TimelineEvent>>,
    /// How many people watch the round (关注) (the round's own view and lists, not live messages).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub watch_count: Option<u64>,
    /// Whether the caller watches it (signed in, the round's own view).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub watching: Option<bool>,
    /// A sold round's deal: `awaiting_balance`, `paid`, `defaulted` (悔拍) … (not in live messages).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deal_status: Option<DealStatus>,
    /// The listing's next round once it is published (after a default, a failure or a revocation).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_round_id: Option<Uuid>,
    /// Taxes, arrears and fees, and who bears each (single-round view only; R29, R67).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub costs: Option<Vec<CostView>>,
    /// Whom to call at the court (single-round view only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact: Option<ContactView>,
    /// How to view the property (single-round view only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub viewing: Option<ViewingView>,
    /// The sum of the buyer's costs at the current (or starting) price (single-round view only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub buyer_costs_at_current: Option<Money>,
    /// The buyer's costs item by item at that price (single-round view only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub buyer_cost_estimate: Option<CostEstimateView>,
    /// For the round's court: the notices of the terms to the parties and the known priority holders (R31).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notices: Option<Vec<NoticeView>>,
    /// For the round's court: the collegial panel's decision on the terms (R7), `null` until recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub panel: Option<Option<PanelView>>,
    /// For the round's court: who must still be told before the announcement, and from when it may be
    /// published as the notices stand (a draft only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_yet_notified: Option<Vec<PartyView>>,
}

impl AuctionView {
    /// Adds what the round's court sees of its duties before the announcement.
    pub fn with_duties(mut self, duties: &crate::services::rounds::Duties) -> AuctionView {
        self.notices = Some(duties.notices.iter().map(NoticeView::of).collect());
        self.panel = Some(duties.panel.as_ref().map(|panel| PanelView {
            members: panel.members.clone(),
            decided_at: rfc3339(panel.decided_at),
        }));
        self.not_yet_notified = duties.not_yet_notified.as_ref().map(|parties| {
            parties
                .iter()
                .map(|p| PartyView {
                    party: p.role,
                    name: p.name.clone(),
                })
                .collect()
        });
        self
    }
}

impl NoticeView {
    pub fn of(row: &crate::persistence::entities::round_notice::Model) -> NoticeView {
        let at = crate::persistence::convert::instant(row.at);
        let notice = auction_core::before_publication::Notice {
            role: row.party,
            name: row.name.clone(),
            method: row.method,
            at,
        };
        NoticeView {
            id: row.id,
            party: row.party,
            name: row.name.clone(),
            method: row.method,
            sent_at: rfc3339(at),
            sent_to: row.sent_to.clone(),
            file_id: row.file_id,
            counts_from: rfc3339(notice.sufficient_from()),
        }
    }
}

/// A party or a known priority holder of a round (R31).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PartyView {
    pub party: auction_core::before_publication::PartyRole,
    pub name: String,
}

/// A notice of a draft round's terms (R31).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NoticeView {
    pub id: Uuid,
    pub party: auction_core::before_publication::PartyRole,
    pub name: String,
    pub method: auction_core::before_publication::NoticeMethod,
    /// When it was sent, served, published or waived.
    pub sent_at: String,
    /// The address an emailed notice went to.
    pub sent_to: Option<String>,
    /// The proof (a file of the listing).
    pub file_id: Option<Uuid>,
    /// From then on it tells its party in time for an announcement: 3 Beijing days after an email or a
    /// served document, 5 after a public notice, at once for a waiver.
    pub counts_from: String,
}

/// The collegial panel's decision on a round's terms (R7).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PanelView {
    pub members: Vec<String>,
    pub decided_at: String,
}

/// One step of a round's public history.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TimelineEvent {
    /// `announced`, `opened`, `window_opened` (a sell-off's first bid), `extended`, `suspended`, `resumed`,
    /// `sold`, `failed`, `withdrawn`, `defaulted`, `objection`, `revoked`, `listing_released`; on a round that
    /// stays suspended, `court_hold_added` and `court_hold_lifted` (the court's own reason beside an
    /// objection's).
    pub event: String,
    pub at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// For `extended` and `resumed`: the new end.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bidding_ends_at: Option<String>,
}

impl AuctionView {
    pub fn of(row: &round::Model, server_time: auction_core::Instant) -> ApiResult<AuctionView> {
        let round = crate::persistence::convert::rules_of(row)?;
        let kind = crate::persistence::convert::kind(&row.round_kind)?;
        let deposit = money(row.deposit)?;
        Ok(AuctionView {
            id: row.id,
            listing_id: row.listing_id,
            court_id: row.court_id,
            title: row.title.clone(),
            category: row.category,
            round: row.round,
            round_kind: row.round_kind.clone(),
            status: row.status,
            reference_price: money(row.reference_price)?,
            starting_price: round.starting_price,
            deposit,
            prepayment: auction_core::setup::paid_in(kind, round.starting_price, deposit).0,
            increment: round.increment,
            current_price: round.current_price,
            minimum_next_bid: round.minimum_next_bid(),
            leader_code: row.leader_code.clone(),
            bid_count: row.bid_count,
            extension_count: row.extension_count,
            bidding_starts_at: rfc3339(instant(row.bidding_starts_at)),
            bidding_ends_at: rfc3339(instant(row.bidding_ends_at)),
            scheduled_ends_at: rfc3339(instant(row.scheduled_ends_at)),
            sell_off_ends_at: round.sell_off.then(|| rfc3339(instant(row.scheduled_ends_at))),
            registrations_count: row.registrations_count,
            balance_due_days: row.balance_due_days,
            published_at: row.published_at.map(|t| rfc3339(instant(t))),
            closed_at: row.closed_at.map(|t| rfc3339(instant(t))),
            server_time: rfc3339(server_time),
            photo_url: None,
            status_reason: row.status_reason.clone(),
            announcement: None,
            bidding_instructions: None,
            special_reminders: None,
            terms_version: None,
            timeline: None,
            watch_count: None,
            watching: None,
            deal_status: None,
            next_round_id: None,
            costs: None,
            contact: None,
            viewing: None,
            buyer_costs_at_current: None,
            buyer_cost_estimate: None,
            notices: None,
            panel: None,
            not_yet_notified: None,
        })
    }

    /// Adds the listing's buyer information and the buyer's costs at the current (or starting) price.
    pub fn with_buyer_information(mut self, info: &BuyerInformation) -> AuctionView {
        let views = buyer_views(info);
        let price = self.current_price.unwrap_or(self.starting_price);
        let estimate = auction_core::costs::buyer_estimate(&info.costs, price);
        self.costs = Some(views.costs);
        self.contact = views.contact;
        self.viewing = views.viewing;
        self.buyer_costs_at_current = Some(estimate.total);
        self.buyer_cost_estimate = Some(CostEstimateView {
            price,
            items: estimate
                .items
                .into_iter()
                .map(|(name, amount)| CostEstimateItem { name, amount })
                .collect(),
            total: estimate.total,
        });
        self
    }

    /// Adds how many watch the round, and what the public knows after the sale: the deal's status (a
    /// default shows as 悔拍) and the listing's next round.
    pub fn with_aftermath(
        mut self,
        watch_count: u64,
        deal_status: Option<DealStatus>,
        next_round_id: Option<Uuid>,
    ) -> AuctionView {
        self.watch_count = Some(watch_count);
        self.deal_status = deal_status;
        self.next_round_id = next_round_id;
        self
    }

    /// The card's photo: the listing's first, as its smallest copy when it has one.
    pub fn with_photo(mut self, photo: Option<&listing_file::Model>) -> AuctionView {
        self.photo_url = photo.map(|f| match crate::persistence::convert::variant_widths(f).first() {
            Some(width) => format!("{}?w={width}", file_path(f.id)),
            None => file_path(f.id),
        });
        self
    }

    /// Adds what only the single-round view shows: the texts, and the timeline from its ledger entries.
    pub fn with_details(mut self, row: &round::Model, ledger: &[ledger_entry::Model]) -> ApiResult<AuctionView> {
        self.announcement = row.announcement.clone();
        self.bidding_instructions = row.bidding_instructions.clone();
        self.special_reminders = row
            .special_reminders
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(ApiError::internal)?;
        self.terms_version = row.terms_version.clone();
        let mut timeline = Vec::new();
        for entry in ledger {
            let payload: Value = serde_json::from_str(&entry.payload).map_err(ApiError::internal)?;
            let text = |key: &str| payload[key].as_str().map(str::to_owned);
            let status = payload["status"].as_str().and_then(RoundStatus::parse);
            let event = match (entry.kind, status) {
                // A resumption is the only status change that carries the restored end.
                (LedgerKind::Status, Some(_)) if text("bidding_ends_at").is_some() => "resumed",
                (LedgerKind::Status, Some(RoundStatus::Bidding)) => "opened",
                (LedgerKind::Status, Some(status)) => status.as_str(),
                (LedgerKind::Extension, _) => "extended",
                (LedgerKind::SellOffWindow, _) => "window_opened",
                (LedgerKind::Default, _) => "defaulted",
                (LedgerKind::Revocation, _) => "revoked",
                (LedgerKind::Objection, _) => "objection",
                (LedgerKind::Release, _) => "listing_released",
                // An objection's own hold shows as the objection; the court's, with its reason.
                (LedgerKind::SuspensionHold, _) if text("hold").as_deref() == Some("court") => {
                    if text("change").as_deref() == Some("added") {
                        "court_hold_added"
                    } else {
                        "court_hold_lifted"
                    }
                }
                _ => continue,
            };
            timeline.push(TimelineEvent {
                event: event.to_owned(),
                at: text("at").unwrap_or_default(),
                reason: text("reason"),
                bidding_ends_at: text("bidding_ends_at").or_else(|| text("to")),
            });
        }
        self.timeline = Some(timeline);
        Ok(self)
    }
}
