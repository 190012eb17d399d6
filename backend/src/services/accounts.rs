//! Accounts: bidder self-registration with an ID-number check, sign-in, courts and judges.

use auction_core::identity::{AGE_OF_MAJORITY, is_of_age_on};
use auction_core::time::beijing_date;
use auction_core::{CreditCode, IdNumber};
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::{email_address, required_text};
use crate::auth::password::MAX_PASSWORD_CHARS;
use crate::auth::{Caller, Role};
use crate::error::{ApiError, ApiResult, is_unique_violation};
use crate::persistence::convert::millis;
use crate::persistence::entities::{court, user};
use crate::persistence::vocabulary::PartyKind;
use crate::state::AppState;

pub struct NewBidder {
    pub email: String,
    pub password: String,
    /// The person's name; for an organisation, its legal representative's or authorised contact's.
    pub real_name: String,
    /// The person's ID number; for an organisation, the representative's.
    pub id_number: String,
    pub phone: Option<String>,
    /// Present when an organisation signs up (R37).
    pub organisation: Option<NewOrganisation>,
}

pub struct NewOrganisation {
    pub name: String,
    pub credit_code: String,
}

fn strong_password(password: &str) -> ApiResult<()> {
    let length = password.chars().count();
    if length < 8 {
        return Err(ApiError::unprocessable(
            "weak_password",
            "a password needs at least 8 characters",
        ));
    }
    if length > MAX_PASSWORD_CHARS {
        return Err(ApiError::unprocessable(
            "weak_password",
            format!("a password has at most {MAX_PASSWORD_CHARS} characters"),
        ));
    }
    Ok(())
}

pub(super) fn phone_number(phone: Option<&str>) -> ApiResult<Option<String>> {
    let Some(phone) = phone.map(str::trim).filter(|p| !p.is_empty()) else {
        return Ok(None);
    };
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    let allowed = phone.chars().all(|c| c.is_ascii_digit() || "+- ()".contains(c));
    if !allowed || !(5..=20).contains(&digits) {
        return Err(ApiError::unprocessable(
            "invalid_phone",
            "a phone number has 5 to 20 digits",
        ));
    }
    Ok(Some(phone.to_owned()))
}

/// A bidder signs up from `address`, throttled per address (429 `rate_limited`).
pub async fn sign_up(state: &AppState, address: &str, input: NewBidder) -> ApiResult<user::Model> {
    state.throttle.before_signup(address, std::time::Instant::now())?;
    register_bidder(state, input).await
}

/// Self-registration of a bidder (R37): a person of age with a valid ID number, or an organisation with a
/// valid credit code whose representative is of age.
pub async fn register_bidder(state: &AppState, input: NewBidder) -> ApiResult<user::Model> {
    let email = email_address(&input.email)?;
    strong_password(&input.password)?;
    let real_name = required_text(&input.real_name, "real_name", 100)?;
    let id_number =
        IdNumber::parse(&input.id_number).map_err(|e| ApiError::unprocessable("invalid_id_number", e.to_string()))?;
    let phone = phone_number(input.phone.as_deref())?;
    let organisation = match &input.organisation {
        None => None,
        Some(organisation) => Some((
            required_text(&organisation.name, "organisation_name", 200)?,
            CreditCode::parse(&organisation.credit_code)
                .map_err(|e| ApiError::unprocessable("invalid_credit_code", e.to_string()))?,
        )),
    };
    let now = std::time::Instant::now();
    state.throttle.before_identity_attempt(id_number.as_str(), now)?;
    if let Some((_, code)) = &organisation {
        state.throttle.before_identity_attempt(code.as_str(), now)?;
    }
    let today = beijing_date(state.clock.now());
    if !is_of_age_on(id_number.birth_date(), today) {
        let who = if organisation.is_some() {
            "the representative"
        } else {
            "a bidder"
        };
        return Err(ApiError::unprocessable(
            "underage",
            format!("{who} must be at least {AGE_OF_MAJORITY} years old (full civil capacity, R37)"),
        ));
    }
    // Checked before the costly hash; the unique indexes still decide a race between two sign-ups.
    let taken = match &organisation {
        None => user::Column::IdNumber.eq(id_number.as_str()),
        Some((_, code)) => user::Column::CreditCode.eq(code.as_str()),
    };
    if user::Entity::find().filter(taken).count(state.db.conn()).await? > 0 {
        return Err(identity_in_use());
    }
    if let Some((name, code)) = &organisation {
        state.identity.verify_organisation(name, code).await?;
    }
    state.identity.verify(&real_name, &id_number).await?;
    let verified_at = millis(state.clock.now());
    let identity = match organisation {
        None => Identity::Person {
            id_number: id_number.as_str().to_owned(),
            verified_at,
        },
        Some((name, code)) => Identity::Organisation {
            name,
            credit_code: code.as_str().to_owned(),
            representative_id_number: id_number.as_str().to_owned(),
            verified_at,
        },
    };
    let hash = state.hashing.hash(input.password).await?;
    insert_user(state, email, hash, Role::Bidder, real_name, Some(identity), phone, None).await
}

/// A bidder's verified identity, and when it was verified.
enum Identity {
    Person {
        id_number: String,
        verified_at: i64,
    },
    Organisation {
        name: String,
        credit_code: String,
        representative_id_number: String,
        verified_at: i64,
    },
}

#[allow(clippy::too_many_arguments)]
async fn insert_user(
    state: &AppState,
    email: String,
    password_hash: String,
    role: Role,
    real_name: String,
    identity: Option<Identity>,
    phone: Option<String>,
    court_id: Option<Uuid>,
) -> ApiResult<user::Model> {
    let mut row = user::ActiveModel {
        id: Set(Uuid::new_v4()),
        email: Set(email),
        password_hash: Set(password_hash),
        role: Set(role.as_str().to_owned()),
        real_name: Set(real_name),
        id_number: Set(None),
        phone: Set(phone),
        court_id: Set(court_id),
        created_at: Set(millis(state.clock.now())),
        identity_verified_at: Set(None),
        deactivated_at: Set(None),
        kind: Set(PartyKind::Person),
        organisation_name: Set(None),
        credit_code: Set(None),
        representative_id_number: Set(None),
    };
    match identity {
        None => {}
        Some(Identity::Person { id_number, verified_at }) => {
            row.id_number = Set(Some(id_number));
            row.identity_verified_at = Set(Some(verified_at));
        }
        Some(Identity::Organisation {
            name,
            credit_code,
            representative_id_number,
            verified_at,
        }) => {
            row.kind = Set(PartyKind::Organisation);
            row.organisation_name = Set(Some(name));
            row.credit_code = Set(Some(credit_code));
            row.representative_id_number = Set(Some(representative_id_number));
            row.identity_verified_at = Set(Some(verified_at));
        }
    }
    row.insert(state.db.conn()).await.map_err(|err| {
        if is_unique_violation(&err) {
            // Which unique column collided; the answer names no account either way.
            let message = err.to_string();
            if message.contains("id_number") || message.contains("credit_code") {
                identity_in_use()
            } else {
                ApiError::conflict("email_taken", "an account with this email already exists")
            }
        } else {
            err.into()
        }
    })
}

fn identity_in_use() -> ApiError {
    ApiError::conflict(
        "identity_in_use",
        "this ID number or credit code already has an account; one person or organisation has one account",
    )
}

pub async fn find_by_email(state: &AppState, email: &str) -> ApiResult<Option<user::Model>> {
    Ok(user::Entity::find()
        .filter(user::Column::Email.eq(email.trim().to_lowercase()))
        .one(state.db.conn())
        .await?)
}

pub async fn find(state: &AppState, id: Uuid) -> ApiResult<user::Model> {
    user::Entity::find_by_id(id)
        .one(state.db.conn())
        .await?
        .ok_or_else(|| ApiError::not_found("account"))
}

pub fn caller_of(user: &user::Model) -> ApiResult<Caller> {
    let role = Role::parse(&user.role).ok_or_else(|| ApiError::internal(format!("unknown role {}", user.role)))?;
    Ok(Caller {
        user_id: user.id,
        role,
        court_id: user.court_id,
    })
}

/// Checks an email and password; the same 401 whether the email or the password is wrong.
/// A signed-in account and its access token.
pub struct SignedIn {
    pub user: user::Model,
    pub token: String,
    pub expires_at: auction_core::Instant,
}

/// Sign-in from `address`, throttled per account and address and per address (429 `rate_limited`).
pub async fn sign_in(state: &AppState, email: &str, password: String, address: &str) -> ApiResult<SignedIn> {
    // A well-formed, bounded email first: it keys the throttle, so a megabyte of "email" costs nothing.
    let email = email_address(email)?;
    let now = std::time::Instant::now();
    state.throttle.before_login(&email, address, now)?;
    let user = match login(state, &email, password).await {
        Ok(user) => {
            state.throttle.login_succeeded(&email, address);
            user
        }
        Err(err) => {
            if err.code == "invalid_credentials" {
                state.throttle.login_failed(&email, address, now);
            }
            return Err(err);
        }
    };
    let (token, expires_at) = state.tokens.issue(&caller_of(&user)?)?;
    Ok(SignedIn {
        user,
        token,
        expires_at,
    })
}

async fn login(state: &AppState, email: &str, password: String) -> ApiResult<user::Model> {
    let account = find_by_email(state, email).await?;
    let ok = state
        .hashing
        .verify(password, account.as_ref().map(|u| u.password_hash.clone()))
        .await?;
    match account {
        Some(account) if ok && account.deactivated_at.is_some() => Err(crate::auth::account_deactivated()),
        Some(account) if ok => Ok(account),
        _ => Err(ApiError::unauthorized_because(
            "invalid_credentials",
            "the email or the password is wrong",
        )),
    }
}

/// The judges of every court (or of one), for the administrator.
pub async fn judges(state: &AppState, court_id: Option<Uuid>) -> ApiResult<Vec<user::Model>> {
    let mut query = user::Entity::find()
        .filter(user::Column::Role.eq(Role::Judge.as_str()))
        .order_by_asc(user::Column::CreatedAt);
    if let Some(court_id) = court_id {
        query = query.filter(user::Column::CourtId.eq(court_id));
    }
    Ok(query.all(state.db.conn()).await?)
}

/// Deactivates a judge: their next request is refused. Idempotent.
pub async fn deactivate_judge(state: &AppState, id: Uuid) -> ApiResult<user::Model> {
    let judge = user::Entity::find_by_id(id)
        .one(state.db.conn())
        .await?
        .filter(|u| u.role == Role::Judge.as_str())
        .ok_or_else(|| ApiError::not_found("judge"))?;
    if judge.deactivated_at.is_some() {
        return Ok(judge);
    }
    let mut active = judge.into_active_model();
    active.deactivated_at = Set(Some(millis(state.clock.now())));
    Ok(active.update(state.db.conn()).await?)
}

/// Deactivates a court: its judges are refused and no judge can be added to it. Idempotent.
pub async fn deactivate_court(state: &AppState, id: Uuid) -> ApiResult<court::Model> {
    let court = court::Entity::find_by_id(id)
        .one(state.db.conn())
        .await?
        .ok_or_else(|| ApiError::not_found("court"))?;
    if court.deactivated_at.is_some() {
        return Ok(court);
    }
    let mut active = court.into_active_model();
    active.deactivated_at = Set(Some(millis(state.clock.now())));
    Ok(active.update(state.db.conn()).await?)
}

pub async fn create_court(state: &AppState, name: &str) -> ApiResult<court::Model> {
    let row = court::ActiveModel {
        id: Set(Uuid::new_v4()),
        name: Set(required_text(name, "name", 200)?),
        created_at: Set(millis(state.clock.now())),
        deactivated_at: Set(None),
        panel_min_members: Set(i32::try_from(auction_core::before_publication::PANEL_MEMBERS).unwrap_or(3)),
        sell_off_window_days: Set(i32::try_from(auction_core::next_round::SELL_OFF_WITHIN.num_days()).unwrap_or(15)),
        payment_account: Set(None),
    };
    Ok(row.insert(state.db.conn()).await?)
}

pub struct NewJudge {
    pub email: String,
    pub password: String,
    pub real_name: String,
    pub court_id: Uuid,
    /// When given, the judge's ID number goes on the court's exclusion list (R9).
    pub id_number: Option<String>,
}

pub async fn create_judge(state: &AppState, input: NewJudge) -> ApiResult<user::Model> {
    let email = email_address(&input.email)?;
    strong_password(&input.password)?;
    let real_name = required_text(&input.real_name, "real_name", 100)?;
    let id_number = input
        .id_number
        .as_deref()
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .map(|id| IdNumber::parse(id).map_err(|e| ApiError::unprocessable("invalid_id_number", e.to_string())))
        .transpose()?;
    let court = court::Entity::find_by_id(input.court_id)
        .one(state.db.conn())
        .await?
        .ok_or_else(|| ApiError::not_found("court"))?;
    if court.deactivated_at.is_some() {
        return Err(ApiError::conflict(
            "court_deactivated",
            "this court has been deactivated",
        ));
    }
    let hash = state.hashing.hash(input.password).await?;
    let judge = insert_user(
        state,
        email,
        hash,
        Role::Judge,
        real_name,
        None,
        None,
        Some(input.court_id),
    )
    .await?;
    if let Some(id_number) = id_number {
        super::exclusions::add_judge(state.db.conn(), input.court_id, id_number, judge.created_at).await?;
    }
    Ok(judge)
}

/// Creates the configured administrator if that email has no account yet.
pub async fn ensure_admin(state: &AppState, email: &str, password: &str) -> ApiResult<()> {
    let email = email_address(email)?;
    if find_by_email(state, &email).await?.is_some() {
        return Ok(());
    }
    let hash = state.hashing.hash(password.to_owned()).await?;
    match insert_user(
        state,
        email,
        hash,
        Role::Admin,
        "Administrator".into(),
        None,
        None,
        None,
    )
    .await
    {
        Ok(_) => {
            tracing::info!("administrator account created");
            Ok(())
        }
        // Another instance created it at the same moment.
        Err(err) if err.code == "email_taken" => Ok(()),
        Err(err) => Err(err),
    }
}

/// Every court, by name: public, for the filters of the web app.
pub async fn list_courts(state: &AppState, page: u64, per_page: u64) -> ApiResult<(Vec<court::Model>, u64)> {
    let paginator = court::Entity::find()
        .order_by_asc(court::Column::Name)
        .order_by_asc(court::Column::Id)
        .paginate(state.db.conn(), per_page);
    let total = paginator.num_items().await?;
    Ok((paginator.fetch_page(page - 1).await?, total))
}
