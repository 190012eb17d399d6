//! A round's texts — its announcement, bidding instructions and special reminders — as generated from its
//! listing, court and terms (`announcement::generate`), and their regeneration on a draft when the listing's
//! facts change. Used by the rounds' and the listings' services alike.

use auction_core::RoundStatus;
use auction_core::setup::{ReferenceMethod, RoundKind, RoundTerms};
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use super::announcement::{self, Disclosures, RoundFacts};
use crate::error::ApiResult;
use crate::persistence::WriteTx;
use crate::persistence::convert::{self, instant, money, money_opt};
use crate::persistence::entities::{case, court, listing, priority_holder, round, round_notice};
use uuid::Uuid;

/// A round's texts from its listing, court and terms (`announcement::generate`), with the court's own
/// announcement or instructions where it wrote them.
#[allow(clippy::too_many_arguments)]
pub async fn round_texts(
    tx: &WriteTx,
    listing: &listing::Model,
    round_id: Option<Uuid>,
    kind: RoundKind,
    terms: &RoundTerms,
    balance_due_days: i64,
    announcement: Option<String>,
    instructions: Option<String>,
    extra_reminders: &[String],
) -> ApiResult<announcement::RoundTexts> {
    let court = court::Entity::find_by_id(listing.court_id).one(&**tx).await?;
    let court_account = court.as_ref().and_then(|c| c.payment_account.clone());
    let court = court.map(|c| c.name).unwrap_or_default();
    let buyer = convert::buyer_information(listing)?;
    let disclosures = disclosures(tx, listing, round_id, court_account).await?;
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
            disclosures: &disclosures,
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
            Some(draft.id),
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

/// What R29 publishes besides the terms: the legal document, the priority rights by their nature, how each
/// party and priority holder of the round was told (R31), the court's account.
async fn disclosures(
    tx: &WriteTx,
    listing: &listing::Model,
    round_id: Option<Uuid>,
    court_account: Option<String>,
) -> ApiResult<Disclosures> {
    let case = case::Entity::find_by_id(listing.case_id).one(&**tx).await?;
    let (priority_rights, notices) = match round_id {
        None => (Vec::new(), Vec::new()),
        Some(id) => {
            let holders = priority_holder::Entity::find()
                .filter(priority_holder::Column::AuctionId.eq(id))
                .order_by_asc(priority_holder::Column::Rank)
                .all(&**tx)
                .await?;
            let rights = holders
                .iter()
                .map(|h| h.right_nature.clone().unwrap_or_else(|| "优先购买权".to_owned()))
                .collect();
            let notices = round_notice::Entity::find()
                .filter(round_notice::Column::AuctionId.eq(id))
                .order_by_asc(round_notice::Column::At)
                .all(&**tx)
                .await?
                .iter()
                .map(notice_line)
                .collect();
            (rights, notices)
        }
    };
    Ok(Disclosures {
        case_number: case.as_ref().map(|c| c.case_number.clone()).unwrap_or_default(),
        enforcement_basis: case.and_then(|c| c.enforcement_basis),
        priority_rights,
        notices,
        court_account,
    })
}

/// How the announcement states one notice: the party by role and name, a priority holder by role only.
fn notice_line(notice: &round_notice::Model) -> String {
    use auction_core::before_publication::{NoticeMethod, PartyRole};
    let who = match notice.party {
        PartyRole::Applicant => format!("申请执行人 {}", notice.name),
        PartyRole::Respondent => format!("被执行人 {}", notice.name),
        PartyRole::PriorityHolder => "优先购买权人".to_owned(),
    };
    let how = match notice.method {
        NoticeMethod::Email => "书面（电子邮件）通知",
        NoticeMethod::Served => "送达通知",
        NoticeMethod::PublicNotice => "无法通知，平台公告通知",
        NoticeMethod::Waiver => "书面放弃通知",
    };
    let day = auction_core::time::beijing_date(instant(notice.at));
    format!("{who}：{day} {how}")
}

/// At the announcement, a generated announcement says what the court did before it (R29: the notices, the
/// priority rights): written anew into the round. The court's own text is left as it wrote it.
pub async fn at_announcement(tx: &WriteTx, listing: &listing::Model, row: &mut round::Model) -> ApiResult<()> {
    if row.announcement_generated != Some(true) {
        return Ok(());
    }
    let terms = RoundTerms {
        starting_price: money(row.starting_price)?,
        deposit: money(row.deposit)?,
        increment: money(row.increment)?,
        bidding_starts_at: instant(row.bidding_starts_at),
        bidding_ends_at: instant(row.scheduled_ends_at),
    };
    let kind = convert::kind(&row.round_kind)?;
    let texts = round_texts(
        tx,
        listing,
        Some(row.id),
        kind,
        &terms,
        i64::from(row.balance_due_days),
        None,
        None,
        &[],
    )
    .await?;
    row.announcement = Some(texts.announcement);
    Ok(())
}
