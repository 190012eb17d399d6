//! A round's texts — its announcement, bidding instructions and special reminders — as generated from its
//! listing, court and terms (`announcement::generate`), and their regeneration on a draft when the listing's
//! facts change. Used by the rounds' and the listings' services alike.

use auction_core::RoundStatus;
use auction_core::setup::{ReferenceMethod, RoundKind, RoundTerms};
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter};

use super::announcement::{self, RoundFacts};
use crate::error::ApiResult;
use crate::persistence::WriteTx;
use crate::persistence::convert::{self, instant, money, money_opt};
use crate::persistence::entities::{court, listing, round};

/// A round's texts from its listing, court and terms (`announcement::generate`), with the court's own
/// announcement or instructions where it wrote them.
#[allow(clippy::too_many_arguments)]
pub async fn round_texts(
    tx: &WriteTx,
    listing: &listing::Model,
    kind: RoundKind,
    terms: &RoundTerms,
    balance_due_days: i64,
    announcement: Option<String>,
    instructions: Option<String>,
    extra_reminders: &[String],
) -> ApiResult<announcement::RoundTexts> {
    let court = court::Entity::find_by_id(listing.court_id)
        .one(&**tx)
        .await?
        .map(|c| c.name)
        .unwrap_or_default();
    let buyer = convert::buyer_information(listing)?;
    Ok(announcement::generate(
        &RoundFacts {
            court: &court,
            title: &listing.title,
            location: &listing.location,
            encumbrances: listing.encumbrances.as_deref(),
            kind,
            reference_price: money_opt(listing.reference_price)?.unwrap_or_default(),
            reference_method: listing.reference_method.map(ReferenceMethod::as_str),
            starting_price: terms.starting_price,
            deposit: terms.deposit,
            increment: terms.increment,
            bidding_starts_at: terms.bidding_starts_at,
            bidding_ends_at: terms.bidding_ends_at,
            balance_due_days,
            is_housing: listing.is_housing,
            buyer: &buyer,
        },
        announcement,
        instructions,
        extra_reminders,
    ))
}

/// After a listing's facts changed: each draft whose announcement is the generated one says them anew.
/// (Published announcements are fixed; what changes after publication goes into the round's ledger.)
pub async fn regenerate_draft_announcements(tx: &WriteTx, listing: &listing::Model) -> ApiResult<()> {
    let drafts = round::Entity::find()
        .filter(round::Column::ListingId.eq(listing.id))
        .filter(round::Column::Status.eq(RoundStatus::Draft))
        .filter(round::Column::AnnouncementGenerated.eq(true))
        .all(&**tx)
        .await?;
    for draft in drafts {
        let terms = RoundTerms {
            starting_price: money(draft.starting_price)?,
            deposit: money(draft.deposit)?,
            increment: money(draft.increment)?,
            bidding_starts_at: instant(draft.bidding_starts_at),
            bidding_ends_at: instant(draft.scheduled_ends_at),
        };
        let kind = convert::kind(&draft.round_kind)?;
        let texts = round_texts(
            tx,
            listing,
            kind,
            &terms,
            i64::from(draft.balance_due_days),
            None,
            None,
            &[],
        )
        .await?;
        let mut row: round::ActiveModel = draft.into();
        row.announcement = Set(Some(texts.announcement));
        row.update(&**tx).await?;
    }
    Ok(())
}
