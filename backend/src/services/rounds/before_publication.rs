//! The court's duties before a round is announced: telling the parties and the known priority holders the
//! draft's terms (R31) — by email, or by a served document, a public notice or a written waiver it records —
//! and the collegial panel's decision on the terms (R7). `check` is what publication asks of them, and of
//! the reference price's objection window (R17), decided by `auction_core::before_publication`.

use auction_core::before_publication::{
    Notice, NoticeMethod, Panel, Party, PartyRole, ValuationReport, check_panel, missing_parties, price_usable,
};
use auction_core::ledger::LedgerKind;
use auction_core::objection::ObjectionStatus;
use auction_core::time::rfc3339;
use auction_core::{Instant, RoundStatus};
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;
use uuid::Uuid;

use super::update::LockedRound;
use super::{Access, update_round};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::notify::{self, Email, TermsLine};
use crate::persistence::WriteTx;
use crate::persistence::convert::{instant, millis, money};
use crate::persistence::entities::{
    case, court, listing, listing_file, price_objection, priority_holder, round, round_notice, user, valuation,
};
use crate::state::AppState;

/// Someone to tell, and where to email them.
pub struct PartyToTell {
    pub party: Party,
    pub email: Option<String>,
}

/// The parties of the round's case and its known priority holders (R31).
pub async fn parties_of(conn: &impl ConnectionTrait, row: &round::Model) -> ApiResult<Vec<PartyToTell>> {
    let listing = listing::Entity::find_by_id(row.listing_id)
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::internal("a round without its listing"))?;
    let case = case::Entity::find_by_id(listing.case_id)
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::internal("a listing without its case"))?;
    let mut parties = vec![
        PartyToTell {
            party: Party {
                role: PartyRole::Applicant,
                name: case.applicant_name.clone(),
            },
            email: Some(case.applicant_email.clone()),
        },
        PartyToTell {
            party: Party {
                role: PartyRole::Respondent,
                name: case.respondent_name.clone(),
            },
            email: Some(case.respondent_email.clone()),
        },
    ];
    let holders = priority_holder::Entity::find()
        .filter(priority_holder::Column::AuctionId.eq(row.id))
        .order_by_asc(priority_holder::Column::Rank)
        .all(conn)
        .await?;
    for holder in holders {
        if let Some(person) = user::Entity::find_by_id(holder.user_id).one(conn).await? {
            parties.push(PartyToTell {
                party: Party {
                    role: PartyRole::PriorityHolder,
                    name: person.party_name().to_owned(),
                },
                email: Some(person.email.clone()),
            });
        }
    }
    Ok(parties)
}

/// The round's notices, oldest first.
pub async fn notices_of(conn: &impl ConnectionTrait, auction_id: Uuid) -> ApiResult<Vec<round_notice::Model>> {
    Ok(round_notice::Entity::find()
        .filter(round_notice::Column::AuctionId.eq(auction_id))
        .order_by_asc(round_notice::Column::At)
        .all(conn)
        .await?)
}

fn as_notice(row: &round_notice::Model) -> Notice {
    Notice {
        role: row.party,
        name: row.name.clone(),
        method: row.method,
        at: instant(row.at),
    }
}

fn require_draft(locked: &LockedRound, what: &str) -> ApiResult<()> {
    if locked.round.status != RoundStatus::Draft {
        return Err(ApiError::conflict(
            "round_not_draft",
            format!("{what} belongs to a draft: this round is announced already"),
        ));
    }
    Ok(())
}

/// The entry a notice leaves in the round's ledger: a priority holder by role only (R29, R40).
fn record_notice(locked: &mut LockedRound, row: &round_notice::Model) {
    let name = (row.party != PartyRole::PriorityHolder).then(|| row.name.clone());
    locked.record_event(
        LedgerKind::Notice,
        json!({
            "party": row.party,
            "name": name,
            "method": row.method,
            "at": rfc3339(instant(row.at)),
            "file_id": row.file_id.map(|id| id.to_string()),
        }),
    );
}

/// Emails the draft's terms to each party and known priority holder (R31), recording each notice.
pub async fn send_notices(state: &AppState, caller: &Caller, auction_id: Uuid) -> ApiResult<Vec<round_notice::Model>> {
    let now = state.clock.now();
    let updated = update_round(state, auction_id, now, Access::Court(caller), async |locked, tx| {
        require_draft(locked, "a notice of the terms")?;
        let listing = listing::Entity::find_by_id(locked.row.listing_id)
            .one(&**tx)
            .await?
            .ok_or_else(|| ApiError::internal("a round without its listing"))?;
        let case = case::Entity::find_by_id(listing.case_id)
            .one(&**tx)
            .await?
            .ok_or_else(|| ApiError::internal("a listing without its case"))?;
        let court = court::Entity::find_by_id(locked.row.court_id)
            .one(&**tx)
            .await?
            .ok_or_else(|| ApiError::internal("a round without its court"))?;
        let terms = TermsLine {
            title: locked.row.title.clone(),
            round: locked.row.round,
            starting_price: locked.round.starting_price,
            deposit: money(locked.row.deposit)?,
            increment: locked.round.increment,
            starts: locked.round.bidding_starts_at,
            ends: locked.round.bidding_ends_at,
        };
        let mut sent = Vec::new();
        for to_tell in parties_of(&**tx, &locked.row).await? {
            let Some(email) = to_tell.email else { continue };
            let role = match to_tell.party.role {
                PartyRole::Applicant => "申请执行人",
                PartyRole::Respondent => "被执行人",
                PartyRole::PriorityHolder => "优先购买权人",
            };
            let message = Email::terms_notice(
                &email,
                &to_tell.party.name,
                role,
                &court.name,
                &case.case_number,
                &terms,
            );
            notify::queue(tx, message, now).await?;
            let row = round_notice::ActiveModel {
                id: Set(Uuid::new_v4()),
                auction_id: Set(auction_id),
                party: Set(to_tell.party.role),
                name: Set(to_tell.party.name.clone()),
                method: Set(NoticeMethod::Email),
                at: Set(millis(now)),
                sent_to: Set(Some(email)),
                file_id: Set(None),
                recorded_by: Set(caller.user_id),
                created_at: Set(millis(now)),
            }
            .insert(&**tx)
            .await?;
            record_notice(locked, &row);
            sent.push(row);
        }
        Ok(sent)
    })
    .await?;
    notify::flush(state).await;
    tracing::info!(auction.id = %auction_id, notices = updated.value.len(), "terms notified to the parties");
    Ok(updated.value)
}

/// A notice given otherwise than by the platform's email.
pub struct OfflineNotice {
    pub party: PartyRole,
    pub name: String,
    pub method: NoticeMethod,
    pub at: Instant,
    /// The proof: the served document's receipt, the public notice, the written waiver.
    pub file_id: Option<Uuid>,
}

/// Records a notice served, published or waived (R31), with its proof: a file of the round's listing.
pub async fn record_offline(
    state: &AppState,
    caller: &Caller,
    auction_id: Uuid,
    input: OfflineNotice,
) -> ApiResult<round_notice::Model> {
    let now = state.clock.now();
    let updated = update_round(state, auction_id, now, Access::Court(caller), async |locked, tx| {
        require_draft(locked, "a notice of the terms")?;
        if input.method == NoticeMethod::Email {
            return Err(ApiError::unprocessable(
                "invalid_method",
                "an email notice is sent by the platform (POST …/notices); record `served`, `public_notice` or `waiver` here",
            ));
        }
        if input.at > now {
            return Err(ApiError::unprocessable(
                "invalid_time",
                "the notice cannot be dated in the future",
            ));
        }
        if input.file_id.is_none() && input.method != NoticeMethod::PublicNotice {
            return Err(ApiError::unprocessable(
                "proof_required",
                "a served document or a written waiver is recorded with its file (file_id)",
            ));
        }
        let name = crate::services::required_text(&input.name, "name", 200)?;
        let known = parties_of(&**tx, &locked.row)
            .await?
            .into_iter()
            .any(|p| p.party.role == input.party && p.party.name.trim() == name);
        if !known {
            return Err(ApiError::unprocessable(
                "unknown_party",
                "no party or known priority holder of this round has that role and name",
            ));
        }
        if let Some(file_id) = input.file_id {
            let file = listing_file::Entity::find_by_id(file_id).one(&**tx).await?;
            if file.is_none_or(|file| file.listing_id != locked.row.listing_id) {
                return Err(ApiError::unprocessable(
                    "invalid_file",
                    "the proof is a file uploaded to this round's listing",
                ));
            }
        }
        let row = round_notice::ActiveModel {
            id: Set(Uuid::new_v4()),
            auction_id: Set(auction_id),
            party: Set(input.party),
            name: Set(name.clone()),
            method: Set(input.method),
            at: Set(millis(input.at)),
            sent_to: Set(None),
            file_id: Set(input.file_id),
            recorded_by: Set(caller.user_id),
            created_at: Set(millis(now)),
        }
        .insert(&**tx)
        .await?;
        record_notice(locked, &row);
        Ok(row)
    })
    .await?;
    Ok(updated.value)
}

/// Records the collegial panel's decision on a draft's terms (R7): at least the court's number of members.
pub async fn record_panel(
    state: &AppState,
    caller: &Caller,
    auction_id: Uuid,
    panel: Panel,
) -> ApiResult<round::Model> {
    let now = state.clock.now();
    let members: Vec<String> = panel.members.iter().map(|m| m.trim().to_owned()).collect();
    let updated = update_round(state, auction_id, now, Access::Court(caller), async |locked, tx| {
        require_draft(locked, "the panel's decision")?;
        let court = court::Entity::find_by_id(locked.row.court_id)
            .one(&**tx)
            .await?
            .ok_or_else(|| ApiError::internal("a round without its court"))?;
        let min = usize::try_from(court.panel_min_members).unwrap_or(3);
        check_panel(&panel, min, now)
            .map_err(|refusal| ApiError::unprocessable(refusal.code(), refusal.to_string()))?;
        locked.row.panel_members = Some(serde_json::to_string(&members).map_err(ApiError::internal)?);
        locked.row.panel_decided_at = Some(millis(panel.decided_at));
        locked.record_event(
            LedgerKind::Panel,
            json!({ "members": members, "decided_at": rfc3339(panel.decided_at) }),
        );
        Ok(())
    })
    .await?;
    Ok(updated.row)
}

/// The panel recorded on a round, if any.
pub fn panel_of(row: &round::Model) -> Option<Panel> {
    let members: Vec<String> = serde_json::from_str(row.panel_members.as_deref()?).ok()?;
    Some(Panel {
        members,
        decided_at: instant(row.panel_decided_at?),
    })
}

/// What publication at `now` asks of the court's duties: every party told in time (R31), the panel's
/// decision (R7), and the reference price out of its objection window (R17). Under the round's lock.
pub async fn check(tx: &WriteTx, locked: &LockedRound, listing: &listing::Model, now: Instant) -> ApiResult<()> {
    let parties: Vec<Party> = parties_of(&**tx, &locked.row)
        .await?
        .into_iter()
        .map(|p| p.party)
        .collect();
    let notices: Vec<Notice> = notices_of(&**tx, locked.row.id).await?.iter().map(as_notice).collect();
    let missing = missing_parties(&parties, &notices, now);
    if !missing.is_empty() {
        let named: Vec<serde_json::Value> = missing
            .iter()
            .map(|party| json!({ "party": party.role, "name": party.name }))
            .collect();
        return Err(ApiError::unprocessable(
            "parties_not_notified",
            "every party and known priority holder must be told of the terms at least 3 days before the \
             announcement (a public notice 5 days), or have waived it in writing (R31)",
        )
        .with_details(json!({ "missing": named })));
    }
    if panel_of(&locked.row).is_none() {
        return Err(ApiError::unprocessable(
            "panel_required",
            "the terms are decided by a collegial panel: record its members and its decision first (R7)",
        ));
    }
    if let Some(report) = valuation_report(&**tx, listing).await? {
        price_usable(&report, now).map_err(|hold| ApiError::unprocessable(hold.code(), hold.to_string()))?;
    }
    Ok(())
}

/// The report behind the listing's current reference price: its method, its delivery and any objection
/// waiting on it.
pub async fn valuation_report(
    conn: &impl ConnectionTrait,
    listing: &listing::Model,
) -> ApiResult<Option<ValuationReport>> {
    let Some(method) = listing.reference_method else {
        return Ok(None);
    };
    let latest = valuation::Entity::find()
        .filter(valuation::Column::ListingId.eq(listing.id))
        .filter(valuation::Column::Method.eq(method))
        .order_by_desc(valuation::Column::CreatedAt)
        .one(conn)
        .await?;
    let objection_pending = price_objection::Entity::find()
        .filter(price_objection::Column::ListingId.eq(listing.id))
        .filter(price_objection::Column::Status.eq(ObjectionStatus::Pending))
        .one(conn)
        .await?
        .is_some();
    Ok(Some(ValuationReport {
        method,
        delivered_at: latest.and_then(|v| v.delivered_at).map(instant),
        objection_pending,
    }))
}

/// Where a round stands with the court's duties: its notices, its panel, and — for a draft — who is not yet
/// told in time for an announcement now.
pub struct Duties {
    pub notices: Vec<round_notice::Model>,
    pub panel: Option<Panel>,
    pub not_yet_notified: Option<Vec<Party>>,
}

pub async fn duties(state: &AppState, row: &round::Model) -> ApiResult<Duties> {
    let conn = state.db.conn();
    let notices = notices_of(conn, row.id).await?;
    let not_yet_notified = if row.status == RoundStatus::Draft {
        let parties: Vec<Party> = parties_of(conn, row).await?.into_iter().map(|p| p.party).collect();
        let told: Vec<Notice> = notices.iter().map(as_notice).collect();
        Some(
            missing_parties(&parties, &told, state.clock.now())
                .into_iter()
                .cloned()
                .collect(),
        )
    } else {
        None
    };
    Ok(Duties {
        panel: panel_of(row),
        notices,
        not_yet_notified,
    })
}

/// A pending objection to the listing's reference price holds it (R17): no round is made on it until the
/// court decides. (While only the five days run, a draft may be prepared; it is announced after them.)
pub async fn price_hold(conn: &impl ConnectionTrait, listing: &listing::Model) -> ApiResult<Option<ApiError>> {
    let hold = valuation_report(conn, listing)
        .await?
        .filter(|report| report.objection_pending)
        .map(|_| {
            ApiError::unprocessable(
                "valuation_objection_pending",
                "an objection to the reference price waits for the court's decision (R17)",
            )
        });
    Ok(hold)
}
