//! The API's JSON shapes (responses and shared inputs), as the contract names them, with their OpenAPI
//! schemas. Money prints as a string with exactly two decimals; instants as RFC 3339 UTC milliseconds.

use auction_core::round::BidStanding;
use auction_core::time::rfc3339;
use auction_core::{Money, RoundStatus};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};
use crate::persistence::convert::{instant, money, money_opt};
use crate::persistence::entities::{
    auction, bid, case, court, deal, ledger_entry, listing, listing_file, refund, registration, user,
};
use auction_core::costs::BuyerInformation;

/// A money amount as the client sent it. Only a decimal *string* is accepted; anything else, or a
/// string that is not a positive amount with ≤ 2 decimals and ≤ 14 integer digits, is `invalid_amount`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
// The pattern is what `Money::parse_positive` accepts: the one spelling of an amount above zero.
#[schema(
    value_type = String,
    example = "29400000.00",
    pattern = r"^([1-9][0-9]{0,13}(\.[0-9]{1,2})?|0\.([1-9][0-9]?|0[1-9]))$"
)]
pub struct MoneyInput(pub Value);

/// An integer field that also takes a JSON number with a zero fraction (`62.0`): JSON has one number
/// type, and JSON Schema's `integer` includes such numbers.
pub fn whole_number<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    let number = serde_json::Number::deserialize(deserializer)?;
    if let Some(whole) = number.as_i64() {
        return Ok(whole);
    }
    match number.as_f64() {
        // 2^63 as f64; every f64 below it in magnitude converts exactly when its fraction is zero.
        Some(x) if x.fract() == 0.0 && x.abs() < 9.223_372_036_854_776e18 => Ok(x as i64),
        _ => Err(serde::de::Error::custom(format!(
            "{number} is not a whole number in range"
        ))),
    }
}

/// As [`whole_number`], for an optional field (absent or `null` is `None`).
pub fn optional_whole_number<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    #[derive(Deserialize)]
    struct Whole(#[serde(deserialize_with = "whole_number")] i64);
    Ok(Option::<Whole>::deserialize(deserializer)?.map(|Whole(n)| n))
}

impl MoneyInput {
    pub fn parse(&self, field: &str) -> ApiResult<Money> {
        let invalid = |why: String| {
            ApiError::unprocessable("invalid_amount", format!("{field}: {why}"))
                .with_details(serde_json::json!({ "field": field }))
        };
        match &self.0 {
            Value::String(text) => Money::parse_positive(text).map_err(|e| invalid(e.to_string())),
            _ => Err(invalid(
                "an amount must be a JSON string such as \"29400000.00\", not a number".into(),
            )),
        }
    }
}

/// How far into any list a page may reach (`page × per_page`).
pub const MAX_PAGED_ITEMS: u64 = 100_000;

/// `?page=1&per_page=20`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// 1-based page number; `page × per_page` is at most 100,000.
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u64>,
    /// Items per page, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u64>,
}

impl PageQuery {
    /// (page, per_page), validated.
    pub fn resolve(&self) -> ApiResult<(u64, u64)> {
        let page = self.page.unwrap_or(1);
        let per_page = self.per_page.unwrap_or(20);
        // Deep pages cost the database a scan of everything before them: no list is read past 100,000 items.
        let within_reach = page.checked_mul(per_page).is_some_and(|end| end <= MAX_PAGED_ITEMS);
        if page == 0 || !(1..=100).contains(&per_page) || !within_reach {
            return Err(ApiError::bad_request(
                "invalid_query",
                "page starts at 1, per_page is between 1 and 100, and page × per_page is at most 100000",
            ));
        }
        Ok((page, per_page))
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T: ToSchema> {
    pub items: Vec<T>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

impl<T: ToSchema> Page<T> {
    pub fn of(items: Vec<T>, total: u64, page: u64, per_page: u64) -> Page<T> {
        Page {
            items,
            total,
            page,
            per_page,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    pub id: Uuid,
    pub email: String,
    #[schema(example = "bidder")]
    pub role: String,
    /// The person's name; an organisation's representative's.
    pub real_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub court_id: Option<Uuid>,
    /// `person` or `organisation` (R37).
    #[schema(example = "person")]
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organisation: Option<OrganisationView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrganisationView {
    pub name: String,
    pub credit_code: String,
}

impl OrganisationView {
    /// An organisation account's name and code; none for a person.
    pub fn of(u: &user::Model) -> Option<OrganisationView> {
        u.organisation_name
            .clone()
            .zip(u.credit_code.clone())
            .map(|(name, credit_code)| OrganisationView { name, credit_code })
    }
}

impl From<&user::Model> for UserView {
    fn from(u: &user::Model) -> UserView {
        UserView {
            id: u.id,
            email: u.email.clone(),
            role: u.role.clone(),
            real_name: u.real_name.clone(),
            court_id: u.court_id,
            kind: u.kind.clone(),
            organisation: OrganisationView::of(u),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CourtView {
    pub id: Uuid,
    pub name: String,
    /// False once the administrator has deactivated the court.
    pub active: bool,
}

impl From<&court::Model> for CourtView {
    fn from(c: &court::Model) -> CourtView {
        CourtView {
            id: c.id,
            name: c.name.clone(),
            active: c.deactivated_at.is_none(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Party {
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    #[schema(format = "email", min_length = 3, max_length = 254)]
    pub email: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseView {
    pub id: Uuid,
    pub court_id: Uuid,
    pub case_number: String,
    pub applicant: Party,
    pub respondent: Party,
    pub created_at: String,
}

impl From<&case::Model> for CaseView {
    fn from(c: &case::Model) -> CaseView {
        CaseView {
            id: c.id,
            court_id: c.court_id,
            case_number: c.case_number.clone(),
            applicant: Party {
                name: c.applicant_name.clone(),
                email: c.applicant_email.clone(),
            },
            respondent: Party {
                name: c.respondent_name.clone(),
                email: c.respondent_email.clone(),
            },
            created_at: rfc3339(instant(c.created_at)),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ListingView {
    pub id: Uuid,
    pub case_id: Uuid,
    pub court_id: Uuid,
    pub title: String,
    #[schema(example = "real_estate")]
    pub category: String,
    pub description: String,
    pub location: String,
    pub encumbrances: Option<String>,
    pub is_housing: bool,
    #[schema(example = "pricing")]
    pub status: String,
    #[schema(value_type = Option<String>)]
    pub reference_price: Option<Money>,
    pub reference_method: Option<String>,
    pub reference_valid_until: Option<String>,
    pub created_at: String,
    /// Photos and documents.
    pub files: Vec<FileView>,
    /// Taxes, arrears and fees, and who bears each (R29, R67).
    pub costs: Vec<CostView>,
    pub contact: Option<ContactView>,
    pub viewing: Option<ViewingView>,
}

/// One cost besides the price.
#[derive(Debug, Serialize, ToSchema, Clone)]
pub struct CostView {
    pub name: String,
    /// `buyer` or `seller`.
    pub borne_by: String,
    /// `fixed` or `percent_of_price`.
    pub kind: String,
    #[schema(value_type = Option<String>)]
    pub amount: Option<Money>,
    /// Percent of the price (`"3"`, `"5.6"`).
    pub percent: Option<String>,
}

#[derive(Debug, Serialize, ToSchema, Clone)]
pub struct ContactView {
    pub name: String,
    pub phone: String,
}

#[derive(Debug, Serialize, ToSchema, Clone)]
pub struct ViewingView {
    pub how: String,
    pub from: Option<String>,
    pub until: Option<String>,
}

/// The buyer's costs at one price: each item and the total.
#[derive(Debug, Serialize, ToSchema, Clone)]
pub struct CostEstimateView {
    #[schema(value_type = String)]
    pub price: Money,
    pub items: Vec<CostEstimateItem>,
    #[schema(value_type = String)]
    pub total: Money,
}

#[derive(Debug, Serialize, ToSchema, Clone)]
pub struct CostEstimateItem {
    pub name: String,
    #[schema(value_type = String)]
    pub amount: Money,
}

/// The buyer information of a listing, as views show it.
struct BuyerViews {
    costs: Vec<CostView>,
    contact: Option<ContactView>,
    viewing: Option<ViewingView>,
}

fn buyer_views(info: &BuyerInformation) -> BuyerViews {
    use auction_core::costs::CostAmount;
    BuyerViews {
        costs: info
            .costs
            .iter()
            .map(|cost| {
                let (kind, amount, percent) = match cost.amount {
                    CostAmount::Fixed(amount) => ("fixed", Some(amount), None),
                    CostAmount::PercentOfPrice(percent) => ("percent_of_price", None, Some(percent.to_string())),
                };
                CostView {
                    name: cost.name.clone(),
                    borne_by: cost.borne_by.as_str().to_owned(),
                    kind: kind.to_owned(),
                    amount,
                    percent,
                }
            })
            .collect(),
        contact: info.contact.as_ref().map(|c| ContactView {
            name: c.name.clone(),
            phone: c.phone.clone(),
        }),
        viewing: info.viewing.as_ref().map(|v| ViewingView {
            how: v.how.clone(),
            from: v.from.map(rfc3339),
            until: v.until.map(rfc3339),
        }),
    }
}

/// A photo or document of a listing.
#[derive(Debug, Serialize, ToSchema)]
pub struct FileView {
    pub id: Uuid,
    /// `photo` or `document`.
    pub kind: String,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub url: String,
    /// A photo's smaller copies (JPEG), for `srcset`.
    pub variants: Vec<FileVariantView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FileVariantView {
    pub width: u32,
    pub url: String,
}

impl From<&listing_file::Model> for FileView {
    fn from(f: &listing_file::Model) -> FileView {
        FileView {
            id: f.id,
            kind: f.kind.clone(),
            file_name: f.file_name.clone(),
            content_type: f.content_type.clone(),
            size: f.size,
            url: file_path(f.id),
            variants: crate::persistence::convert::variant_widths(f)
                .into_iter()
                .map(|width| FileVariantView {
                    width,
                    url: format!("{}?w={width}", file_path(f.id)),
                })
                .collect(),
        }
    }
}

pub fn file_path(file_id: Uuid) -> String {
    format!("/api/files/{file_id}")
}

impl ListingView {
    pub fn with_files(mut self, files: &[listing_file::Model]) -> ListingView {
        self.files = files.iter().map(FileView::from).collect();
        self
    }

    pub fn of(l: &listing::Model) -> ApiResult<ListingView> {
        let buyer = buyer_views(&crate::persistence::convert::buyer_information(l)?);
        Ok(ListingView {
            id: l.id,
            case_id: l.case_id,
            court_id: l.court_id,
            title: l.title.clone(),
            category: l.category.clone(),
            description: l.description.clone(),
            location: l.location.clone(),
            encumbrances: l.encumbrances.clone(),
            is_housing: l.is_housing,
            status: l.status.clone(),
            reference_price: money_opt(l.reference_price)?,
            reference_method: l.reference_method.clone(),
            reference_valid_until: l.reference_valid_until.map(|t| rfc3339(instant(t))),
            created_at: rfc3339(instant(l.created_at)),
            files: Vec::new(),
            costs: buyer.costs,
            contact: buyer.contact,
            viewing: buyer.viewing,
        })
    }
}

/// A round as the public sees it. `minimum_next_bid` is what an ordinary bidder may bid now.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuctionView {
    pub id: Uuid,
    pub listing_id: Uuid,
    pub court_id: Uuid,
    pub title: String,
    pub category: String,
    pub round: i32,
    /// `first`, `second`, `sell_off` (变卖, after a failed second), or `reauction_of_first` /
    /// `reauction_of_second` after a buyer's default or a revoked sale (a re-auction keeps the floor of the
    /// round it repeats).
    pub round_kind: String,
    #[schema(example = "bidding")]
    pub status: String,
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
    pub deal_status: Option<String>,
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
    pub fn of(row: &auction::Model, server_time: auction_core::Instant) -> ApiResult<AuctionView> {
        let round = crate::persistence::convert::round(row)?;
        let kind = crate::persistence::convert::kind(&row.round_kind)?;
        let deposit = money(row.deposit)?;
        Ok(AuctionView {
            id: row.id,
            listing_id: row.listing_id,
            court_id: row.court_id,
            title: row.title.clone(),
            category: row.category.clone(),
            round: row.round,
            round_kind: row.round_kind.clone(),
            status: row.status.clone(),
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
        deal_status: Option<String>,
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
    pub fn with_details(mut self, row: &auction::Model, ledger: &[ledger_entry::Model]) -> ApiResult<AuctionView> {
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
            let event = match (entry.kind.as_str(), status) {
                // A resumption is the only status change that carries the restored end.
                ("status", Some(_)) if text("bidding_ends_at").is_some() => "resumed",
                ("status", Some(RoundStatus::Bidding)) => "opened",
                ("status", Some(status)) => status.as_str(),
                ("extension", _) => "extended",
                ("sell_off_window", _) => "window_opened",
                ("default", _) => "defaulted",
                ("revocation", _) => "revoked",
                ("objection", _) => "objection",
                ("release", _) => "listing_released",
                // An objection's own hold shows as the objection; the court's, with its reason.
                ("suspension_hold", _) if text("hold").as_deref() == Some("court") => {
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

#[derive(Debug, Serialize, ToSchema)]
pub struct DepositView {
    /// What is paid in: the deposit, or in a sell-off the prepayment (the whole price, R58).
    #[schema(value_type = String)]
    pub amount: Money,
    /// What a defaulting buyer loses of it: all of a deposit, the deposit's part of a prepayment.
    #[schema(value_type = String)]
    pub forfeitable: Money,
    /// `unpaid`, `frozen`, `released`, `applied`, `forfeited` or `refunded`.
    pub status: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentRef {
    pub order_id: Uuid,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RegistrationView {
    pub id: Uuid,
    pub auction_id: Uuid,
    pub bidder_code: String,
    pub priority_rank: Option<i32>,
    pub deposit: DepositView,
    /// The deposit's payment order, while it is still to be paid.
    pub payment: Option<PaymentRef>,
    pub auction_title: String,
    pub auction_status: String,
    /// The version of the bidding instructions and special reminders accepted.
    pub terms_version: String,
    /// For housing: when the bidder committed to holding the purchase qualification (R32).
    pub housing_commitment_at: Option<String>,
    pub created_at: String,
    /// For a registration made for a principal (R41): `pending`, `confirmed` or `refused`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub principal_name: Option<String>,
}

impl RegistrationView {
    pub fn of(r: &registration::Model, round: &auction::Model, order: Option<Uuid>) -> ApiResult<RegistrationView> {
        Ok(RegistrationView {
            id: r.id,
            auction_id: r.auction_id,
            bidder_code: r.bidder_code.clone(),
            priority_rank: r.priority_rank,
            deposit: DepositView {
                amount: money(r.deposit_amount)?,
                forfeitable: money(r.deposit_forfeitable.unwrap_or(r.deposit_amount))?,
                status: r.deposit_status.clone(),
            },
            payment: order.map(|order_id| PaymentRef { order_id }),
            auction_title: round.title.clone(),
            auction_status: round.status.clone(),
            terms_version: r.terms_version.clone(),
            housing_commitment_at: r.housing_commitment_at.map(|t| rfc3339(instant(t))),
            created_at: rfc3339(instant(r.created_at)),
            agent_status: r.agent_status.clone(),
            principal_name: r.principal_name.clone(),
        })
    }
}

/// One bid of the public record (R47): a code, never a name.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BidView {
    pub seq: i32,
    pub bidder_code: String,
    #[schema(value_type = String)]
    pub amount: Money,
    pub placed_at: String,
    /// Placed under a priority code (优先购买权人).
    pub priority: bool,
    /// A priority holder matching the current price.
    pub priority_match: bool,
    /// `leading`, `outbid` or `winning`.
    pub status: String,
}

impl BidView {
    pub fn of(b: &bid::Model, last_seq: i32, status: RoundStatus) -> ApiResult<BidView> {
        let standing = BidStanding::of(
            u32::try_from(b.seq).unwrap_or(0),
            u32::try_from(last_seq).unwrap_or(0),
            status,
        );
        Ok(BidView {
            seq: b.seq,
            bidder_code: b.bidder_code.clone(),
            amount: money(b.amount)?,
            placed_at: rfc3339(instant(b.placed_at)),
            priority: b.priority,
            priority_match: b.priority_match,
            status: standing.as_str().to_owned(),
        })
    }
}

/// One of the caller's own bids, with the round it was placed in.
#[derive(Debug, Serialize, ToSchema)]
pub struct MyBidView {
    pub auction_id: Uuid,
    pub auction_title: String,
    /// The round's status now.
    pub auction_status: String,
    #[serde(flatten)]
    pub bid: BidView,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlacedBid {
    pub seq: i32,
    pub bidder_code: String,
    #[schema(value_type = String)]
    pub amount: Money,
    pub placed_at: String,
    pub priority: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuctionAfterBid {
    #[schema(value_type = String)]
    pub current_price: Money,
    pub leader_code: String,
    pub bidding_ends_at: String,
    pub extension_count: i32,
}

/// The answer to an accepted bid; a retry with the same `request_id` gets the same body.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlaceBidResponse {
    pub bid: PlacedBid,
    pub auction: AuctionAfterBid,
}

impl PlaceBidResponse {
    pub fn of(b: &bid::Model) -> ApiResult<PlaceBidResponse> {
        let amount = money(b.amount)?;
        Ok(PlaceBidResponse {
            bid: PlacedBid {
                seq: b.seq,
                bidder_code: b.bidder_code.clone(),
                amount,
                placed_at: rfc3339(instant(b.placed_at)),
                priority: b.priority,
            },
            // Every accepted bid takes the lead, so the round right after it is fully described by it.
            auction: AuctionAfterBid {
                current_price: amount,
                leader_code: b.bidder_code.clone(),
                bidding_ends_at: rfc3339(instant(b.ends_at_after)),
                extension_count: b.extension_count_after,
            },
        })
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LedgerEntryView {
    pub seq: i64,
    pub kind: String,
    #[schema(value_type = Object)]
    pub payload: Value,
    pub prev_hash: String,
    pub hash: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LedgerView {
    pub entries: Vec<LedgerEntryView>,
    /// The last entry's hash (64 zeros for an empty ledger).
    pub head: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ResultView {
    /// `sold`, `failed`, `withdrawn`, or `revoked` (a sale set aside on an objection, R65).
    pub status: String,
    #[schema(value_type = Option<String>)]
    pub final_price: Option<Money>,
    pub winner_code: Option<String>,
    /// The buyer's real name, published after the sale (R51); withheld once the buyer defaulted or the
    /// sale was set aside, since they are no longer the buyer.
    pub buyer_name: Option<String>,
    pub deal_id: Option<Uuid>,
    pub confirmation_url: Option<String>,
    /// The deal's status when there is one (`defaulted` after 悔拍).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deal_status: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DealView {
    pub id: Uuid,
    pub auction_id: Uuid,
    pub listing_id: Uuid,
    pub winner_code: String,
    pub buyer_name: String,
    #[schema(value_type = String)]
    pub final_price: Money,
    #[schema(value_type = String)]
    pub deposit_applied: Money,
    /// The applicant's claim set off against the price (R23 ¶2); `0.00` for anyone else.
    #[schema(value_type = String)]
    pub claim_offset: Money,
    #[schema(value_type = String)]
    pub balance_due: Money,
    pub balance_due_at: String,
    /// `awaiting_balance`, `paid`, `defaulted`, `ruling_issued`, `handed_over` or `revoked`.
    pub status: String,
    pub paid_at: Option<String>,
    /// When the sale was set aside on an upheld objection (R65).
    pub revoked_at: Option<String>,
    /// Money paid back to the buyer: a revoked sale's deposit and balance, the rest of a defaulted
    /// sell-off prepayment.
    pub refunds: Vec<RefundView>,
    pub confirmation_url: String,
    /// For housing: `qualified` or `not_qualified`, once the court has checked (R32).
    pub qualification: Option<String>,
    /// The sale ruling is due by then (ten days after payment), once paid.
    pub ruling_due_at: Option<String>,
    pub ruling_issued_at: Option<String>,
    /// The public ruling (R52), once issued.
    pub ruling_url: Option<String>,
    pub served_at: Option<String>,
    /// The hand-over is due by then (fifteen days after service), once served.
    pub handover_due_at: Option<String>,
    pub handed_over_at: Option<String>,
}

impl DealView {
    pub fn of(d: &deal::Model) -> ApiResult<DealView> {
        Ok(DealView {
            id: d.id,
            auction_id: d.auction_id,
            listing_id: d.listing_id,
            winner_code: d.winner_code.clone(),
            buyer_name: d.buyer_name.clone(),
            final_price: money(d.final_price)?,
            deposit_applied: money(d.deposit_applied)?,
            claim_offset: money(d.claim_offset)?,
            balance_due: money(d.balance_due)?,
            balance_due_at: rfc3339(instant(d.balance_due_at)),
            status: d.status.clone(),
            paid_at: d.paid_at.map(|t| rfc3339(instant(t))),
            revoked_at: d.revoked_at.map(|t| rfc3339(instant(t))),
            refunds: Vec::new(),
            confirmation_url: crate::links::confirmation_path(d.id),
            qualification: d.qualification.clone(),
            ruling_due_at: d
                .paid_at
                .map(|at| rfc3339(instant(at) + auction_core::deal::RULING_WITHIN)),
            ruling_issued_at: d.ruling_issued_at.map(|at| rfc3339(instant(at))),
            ruling_url: d.ruling_issued_at.map(|_| crate::links::ruling_path(d.id)),
            served_at: d.served_at.map(|at| rfc3339(instant(at))),
            handover_due_at: d
                .served_at
                .map(|at| rfc3339(instant(at) + auction_core::deal::HANDOVER_WITHIN)),
            handed_over_at: d.handed_over_at.map(|at| rfc3339(instant(at))),
        })
    }
}

impl DealView {
    /// Adds the deal's refunds (from a list that may hold other deals' too).
    pub fn with_refunds(mut self, refunds: &[refund::Model]) -> ApiResult<DealView> {
        self.refunds = refunds
            .iter()
            .filter(|r| r.deal_id == Some(self.id))
            .map(RefundView::of)
            .collect::<ApiResult<_>>()?;
        Ok(self)
    }
}

/// Money paid back through the gateway.
#[derive(Debug, Serialize, ToSchema)]
pub struct RefundView {
    pub id: Uuid,
    /// `deposit`, `prepayment` or `balance`.
    pub purpose: String,
    /// `revocation` or `default`.
    pub reason: String,
    #[schema(value_type = String)]
    pub amount: Money,
    /// `completed`.
    pub status: String,
    pub gateway_reference: String,
    pub created_at: String,
    pub completed_at: Option<String>,
}

impl RefundView {
    pub fn of(r: &refund::Model) -> ApiResult<RefundView> {
        Ok(RefundView {
            id: r.id,
            purpose: r.purpose.clone(),
            reason: r.reason.clone(),
            amount: money(r.amount)?,
            status: r.status.clone(),
            gateway_reference: r.gateway_reference.clone(),
            created_at: rfc3339(instant(r.created_at)),
            completed_at: r.completed_at.map(|t| rfc3339(instant(t))),
        })
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentView {
    pub order_id: Uuid,
    /// `pending`, `paid` or `rejected`.
    pub status: String,
    /// `deposit` or `balance`.
    pub purpose: String,
    #[schema(value_type = String)]
    pub amount: Money,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TimeView {
    pub now: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_published_money_pattern_agrees_with_the_parser() {
        let schema = serde_json::to_value(<MoneyInput as utoipa::PartialSchema>::schema()).unwrap();
        let pattern = regex::Regex::new(schema["pattern"].as_str().unwrap()).unwrap();
        let pieces = ["", "0", "00", "1", "05", "10", "9", ".", "-", "+", " ", "e", ",", "１"];
        let mut checked = 0;
        for a in pieces {
            for b in pieces {
                for c in pieces {
                    for d in pieces {
                        let text = format!("{a}{b}{c}{d}");
                        assert_eq!(
                            pattern.is_match(&text),
                            Money::parse_positive(&text).is_ok(),
                            "{text:?}"
                        );
                        checked += 1;
                    }
                }
            }
        }
        for text in [
            "99999999999999.99",
            "100000000000000",
            "0.001",
            "12.345",
            "0.01",
            "0.10",
        ] {
            assert_eq!(pattern.is_match(text), Money::parse_positive(text).is_ok(), "{text:?}");
        }
        assert!(checked > 30_000);
    }

    #[test]
    fn integers_may_be_written_with_a_zero_fraction() {
        #[derive(Deserialize)]
        struct Days {
            #[serde(default, deserialize_with = "optional_whole_number")]
            days: Option<i64>,
        }
        let days = |json: &str| serde_json::from_str::<Days>(json).map(|d| d.days);
        assert_eq!(days(r#"{"days": 62}"#).unwrap(), Some(62));
        assert_eq!(days(r#"{"days": 62.0}"#).unwrap(), Some(62));
        assert_eq!(days(r#"{"days": -3e2}"#).unwrap(), Some(-300));
        assert_eq!(days(r#"{"days": null}"#).unwrap(), None);
        assert_eq!(days("{}").unwrap(), None);
        assert!(days(r#"{"days": 62.5}"#).is_err());
        assert!(days(r#"{"days": 1e300}"#).is_err());
        assert!(days(r#"{"days": "62"}"#).is_err());
    }
}
