//! sea-orm entities, one module per table. Money columns are integer 分, instants epoch milliseconds
//! (see the migrations crate); `convert` turns them into `auction-core` types.

pub mod court {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "courts")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub name: String,
        pub created_at: i64,
        /// A deactivated court's judges are refused.
        pub deactivated_at: Option<i64>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod user {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "users")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub email: String,
        pub password_hash: String,
        pub role: String,
        pub real_name: String,
        pub id_number: Option<String>,
        pub phone: Option<String>,
        pub court_id: Option<Uuid>,
        pub created_at: i64,
        /// When the real name and ID number were verified (bidders), by `FAPAI_IDENTITY`'s verifier.
        pub identity_verified_at: Option<i64>,
        /// A deactivated judge or administrator is refused at once.
        pub deactivated_at: Option<i64>,
        /// `person` or `organisation` (R37); an organisation's `real_name` is its representative's.
        pub kind: String,
        pub organisation_name: Option<String>,
        /// The organisation's unified social credit code: one account per code.
        pub credit_code: Option<String>,
        /// The ID number of an organisation's legal representative or authorised contact.
        pub representative_id_number: Option<String>,
    }

    impl Model {
        /// The name a sale is published and documented under: the organisation's, or the person's.
        pub fn party_name(&self) -> &str {
            self.organisation_name.as_deref().unwrap_or(&self.real_name)
        }

        /// What a registration is held to (one per round, the default bar R55): the ID number of a
        /// person, the credit code of an organisation.
        pub fn bidding_identity(&self) -> Option<&str> {
            self.credit_code.as_deref().or(self.id_number.as_deref())
        }

        /// Every identity an exclusion can name for this account: its own, and a representative's.
        pub fn excludable_identities(&self) -> Vec<&str> {
            [
                self.id_number.as_deref(),
                self.credit_code.as_deref(),
                self.representative_id_number.as_deref(),
            ]
            .into_iter()
            .flatten()
            .collect()
        }
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A court's list of those who may not bid in its sales (R9, R71): staff, the platform's and auxiliary
/// agencies' staff, declared relatives, anyone a ruling bars.
pub mod exclusion {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "exclusions")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub court_id: Uuid,
        pub id_number: Option<String>,
        pub credit_code: Option<String>,
        pub reason: String,
        /// The judge who added it; none for the one added with a judge's own account.
        pub created_by: Option<Uuid>,
        pub created_at: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A bidder the court marked as the applicant for enforcement of a round, with its unpaid claim (R23 ¶2).
pub mod applicant {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "applicants")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub auction_id: Uuid,
        pub user_id: Uuid,
        pub claim_amount: i64,
        pub marked_by: Uuid,
        pub marked_at: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod case {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "cases")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub court_id: Uuid,
        pub case_number: String,
        pub applicant_name: String,
        pub applicant_email: String,
        pub respondent_name: String,
        pub respondent_email: String,
        pub created_by: Uuid,
        pub created_at: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod listing {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "listings")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub case_id: Uuid,
        pub court_id: Uuid,
        pub title: String,
        pub category: String,
        pub description: String,
        pub location: String,
        pub encumbrances: Option<String>,
        pub is_housing: bool,
        pub status: String,
        pub reference_price: Option<i64>,
        pub reference_method: Option<String>,
        pub reference_fixed_at: Option<i64>,
        pub reference_valid_until: Option<i64>,
        pub created_at: i64,
        pub updated_at: i64,
        /// The costs (taxes, arrears, fees) as JSON: see `persistence::convert::costs`.
        pub costs: Option<String>,
        pub contact_name: Option<String>,
        pub contact_phone: Option<String>,
        pub viewing_how: Option<String>,
        pub viewing_from: Option<i64>,
        pub viewing_until: Option<i64>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod valuation {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "valuations")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub listing_id: Uuid,
        pub method: String,
        pub quotes: String,
        pub result: i64,
        pub created_by: Uuid,
        pub created_at: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod auction {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "auctions")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub listing_id: Uuid,
        pub court_id: Uuid,
        pub title: String,
        pub category: String,
        pub round: i32,
        pub round_kind: String,
        pub status: String,
        pub reference_price: i64,
        pub starting_price: i64,
        pub deposit: i64,
        pub increment: i64,
        pub bidding_starts_at: i64,
        pub scheduled_ends_at: i64,
        pub bidding_ends_at: i64,
        pub balance_due_days: i32,
        pub current_price: Option<i64>,
        pub leader_registration_id: Option<Uuid>,
        pub leader_code: Option<String>,
        pub leader_priority_rank: Option<i32>,
        pub bid_count: i32,
        pub extension_count: i32,
        pub registrations_count: i32,
        pub suspended_at: Option<i64>,
        pub suspended_from: Option<String>,
        pub suspended_remaining_ms: Option<i64>,
        /// Why a suspended round is suspended (R60, R61): the court's own reason, and the pending
        /// objections that hold it. It resumes when neither remains.
        pub suspended_by_court: Option<bool>,
        pub suspended_objections: Option<i32>,
        pub published_at: Option<i64>,
        pub closed_at: Option<i64>,
        pub ledger_seq: i64,
        pub ledger_head: String,
        pub created_at: i64,
        pub updated_at: i64,
        pub announcement: Option<String>,
        pub bidding_instructions: Option<String>,
        pub special_reminders: Option<String>,
        pub terms_version: Option<String>,
        pub status_reason: Option<String>,
        /// Whether the announcement is the generated one (absent on rounds made before this was kept).
        pub announcement_generated: Option<bool>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod registration {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "registrations")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub auction_id: Uuid,
        pub user_id: Uuid,
        pub identity: String,
        pub bidder_code: String,
        pub priority_rank: Option<i32>,
        pub deposit_amount: i64,
        pub deposit_status: String,
        pub terms_version: String,
        pub created_at: i64,
        pub updated_at: i64,
        /// In a sell-off, the part of the prepayment a defaulting buyer loses (R58); else the whole deposit.
        pub deposit_forfeitable: Option<i64>,
        /// When a housing bidder committed to holding the purchase qualification (R32).
        pub housing_commitment_at: Option<i64>,
        /// For a registration made for a principal (R41): `pending`, `confirmed` or `refused`.
        pub agent_status: Option<String>,
        /// The principal's kind (`person`, `organisation`) and name; `identity` holds its ID number or code.
        pub principal_kind: Option<String>,
        pub principal_name: Option<String>,
        /// The court's note on its decision, and when it decided.
        pub agent_note: Option<String>,
        pub agent_decided_at: Option<i64>,
        /// When its account was frozen on an upheld identity claim: it bids no more.
        pub frozen_at: Option<i64>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod priority_holder {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "priority_holders")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub auction_id: Uuid,
        pub user_id: Uuid,
        pub rank: i32,
        pub confirmed_by: Uuid,
        pub created_at: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod deal {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "deals")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub auction_id: Uuid,
        pub listing_id: Uuid,
        pub buyer_id: Uuid,
        pub registration_id: Uuid,
        pub winner_code: String,
        pub buyer_name: String,
        pub final_price: i64,
        pub deposit_applied: i64,
        pub balance_due: i64,
        pub balance_due_at: i64,
        pub status: String,
        pub paid_at: Option<i64>,
        pub created_at: i64,
        pub updated_at: i64,
        pub reminder_sent_at: Option<i64>,
        pub defaulted_at: Option<i64>,
        /// A housing buyer's purchase qualification (R32) and what the court relied on.
        pub qualification: Option<String>,
        pub qualification_evidence: Option<String>,
        pub ruling_issued_at: Option<i64>,
        pub served_at: Option<i64>,
        pub handed_over_at: Option<i64>,
        pub revoked_at: Option<i64>,
        /// When the court's judges were reminded of the ruling's and the hand-over's deadlines (R52).
        pub ruling_reminder_sent_at: Option<i64>,
        pub handover_reminder_sent_at: Option<i64>,
        /// The applicant's claim set off against the price (R23 ¶2); 0 for anyone else.
        pub claim_offset: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod payment_order {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "payment_orders")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub purpose: String,
        pub registration_id: Option<Uuid>,
        pub deal_id: Option<Uuid>,
        pub payer_id: Uuid,
        pub amount: i64,
        pub status: String,
        pub gateway_reference: Option<String>,
        pub created_at: i64,
        pub paid_at: Option<i64>,
        /// A bank transfer the court received (R54): who paid, on which day, and the judge who recorded it.
        pub offline_payer: Option<String>,
        pub offline_paid_on: Option<String>,
        pub offline_recorded_by: Option<Uuid>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod bid {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "bids")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub auction_id: Uuid,
        pub seq: i32,
        pub registration_id: Uuid,
        pub bidder_code: String,
        pub amount: i64,
        pub placed_at: i64,
        pub priority: bool,
        pub priority_match: bool,
        pub ends_at_after: i64,
        pub extension_count_after: i32,
        pub request_id: Uuid,
        pub created_at: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod ledger_entry {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "ledger_entries")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub auction_id: Uuid,
        pub seq: i64,
        pub kind: String,
        pub payload: String,
        pub prev_hash: String,
        pub hash: String,
        pub created_at: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod negotiation {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "negotiations")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub listing_id: Uuid,
        pub status: String,
        pub deadline: i64,
        pub agreed_amount: Option<i64>,
        pub opened_by: Uuid,
        pub created_at: i64,
        pub closed_at: Option<i64>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod negotiation_party {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "negotiation_parties")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub negotiation_id: Uuid,
        pub party: String,
        pub name: String,
        pub email: String,
        pub token_hash: String,
        pub created_at: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod negotiation_offer {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "negotiation_offers")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub negotiation_id: Uuid,
        pub seq: i32,
        pub party: String,
        pub amount: i64,
        pub created_at: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod outbox_email {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "outbox_emails")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub kind: String,
        pub to_address: String,
        pub subject: String,
        pub text_body: String,
        pub html_body: String,
        pub status: String,
        pub attempts: i32,
        pub next_attempt_at: i64,
        pub claimed_until: Option<i64>,
        pub last_error: Option<String>,
        pub created_at: i64,
        pub sent_at: Option<i64>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod listing_file {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "listing_files")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub listing_id: Uuid,
        pub kind: String,
        pub file_name: String,
        pub content_type: String,
        pub size: i64,
        pub sha256: String,
        pub uploaded_by: Uuid,
        pub created_at: i64,
        /// The widths of a photo's smaller copies, as a JSON array (`[320, 960]`).
        pub variants: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A file of a registration that only the selling court and the registrant read: an agent's power of
/// attorney (R41).
pub mod registration_file {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "registration_files")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub registration_id: Uuid,
        pub file_name: String,
        pub content_type: String,
        pub size: i64,
        pub sha256: String,
        pub uploaded_by: Uuid,
        pub created_at: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A person's claim that another account holds their ID number, with its proof (a file only the
/// administrator reads) and the decision.
pub mod identity_claim {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "identity_claims")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub claimant_email: String,
        pub real_name: String,
        pub id_number: String,
        pub phone: Option<String>,
        pub statement: String,
        pub holder_id: Uuid,
        pub proof_file_id: Uuid,
        pub proof_file_name: String,
        pub proof_content_type: String,
        pub proof_size: i64,
        pub proof_sha256: String,
        /// `pending`, `upheld` or `rejected`.
        pub status: String,
        pub filed_at: i64,
        pub decided_by: Option<Uuid>,
        pub decided_at: Option<i64>,
        pub decision_note: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod watch {
    use sea_orm::entity::prelude::*;

    /// A signed-in person watching a round (关注), reminded once when bidding opens and once 30 minutes
    /// before its end.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "watches")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub auction_id: Uuid,
        pub user_id: Uuid,
        pub created_at: i64,
        pub opening_reminded_at: Option<i64>,
        pub ending_reminded_at: Option<i64>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod refund {
    use sea_orm::entity::prelude::*;

    /// Money paid back through the gateway: a revoked sale's deposit and balance (R65), the rest of a
    /// defaulted sell-off prepayment (R58).
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "refunds")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub user_id: Uuid,
        pub auction_id: Uuid,
        pub deal_id: Option<Uuid>,
        pub registration_id: Option<Uuid>,
        pub purpose: String,
        pub reason: String,
        pub amount: i64,
        pub status: String,
        pub gateway_reference: String,
        pub created_at: i64,
        pub completed_at: Option<i64>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod objection {
    use sea_orm::entity::prelude::*;

    /// An objection to a round (异议, R61–R65), as a judge recorded it, and the court's decision.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "objections")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub auction_id: Uuid,
        pub court_id: Uuid,
        pub objector_name: String,
        pub objector_email: String,
        pub objector_role: String,
        /// The R65 ground codes, as a JSON array.
        pub grounds: String,
        pub statement: String,
        pub status: String,
        pub filed_by: Uuid,
        pub filed_at: i64,
        pub decide_by: i64,
        pub suspended_round: bool,
        pub decided_at: Option<i64>,
        pub decided_by: Option<Uuid>,
        pub reasoning: Option<String>,
        pub reminder_sent_at: Option<i64>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
