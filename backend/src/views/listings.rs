//! Cases, listings, their costs, contact, viewing and files.

use crate::persistence::vocabulary::ListingStatus;
use auction_core::Money;
use auction_core::setup::{Category, ReferenceMethod};
use auction_core::time::rfc3339;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error::ApiResult;
use crate::persistence::convert::{instant, money_opt};
use crate::persistence::entities::{case, listing, listing_file};
use crate::services::parties::PartyContact;
use auction_core::costs::BuyerInformation;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Party {
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    #[schema(format = "email", min_length = 3, max_length = 254)]
    pub email: String,
}

impl From<Party> for PartyContact {
    fn from(party: Party) -> PartyContact {
        PartyContact {
            name: party.name,
            email: party.email,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseView {
    pub id: Uuid,
    pub court_id: Uuid,
    pub case_number: String,
    pub applicant: Party,
    pub respondent: Party,
    pub enforcement_basis: Option<String>,
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
            enforcement_basis: c.enforcement_basis.clone(),
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
    pub category: Category,
    pub description: String,
    pub location: String,
    pub encumbrances: Option<String>,
    pub is_housing: bool,
    #[schema(example = "pricing")]
    pub status: ListingStatus,
    #[schema(value_type = Option<String>)]
    pub reference_price: Option<Money>,
    pub reference_method: Option<ReferenceMethod>,
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
pub(super) struct BuyerViews {
    pub(super) costs: Vec<CostView>,
    pub(super) contact: Option<ContactView>,
    pub(super) viewing: Option<ViewingView>,
}

pub(super) fn buyer_views(info: &BuyerInformation) -> BuyerViews {
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
            category: l.category,
            description: l.description.clone(),
            location: l.location.clone(),
            encumbrances: l.encumbrances.clone(),
            is_housing: l.is_housing,
            status: l.status,
            reference_price: money_opt(l.reference_price)?,
            reference_method: l.reference_method,
            reference_valid_until: l.reference_valid_until.map(|t| rfc3339(instant(t))),
            created_at: rfc3339(instant(l.created_at)),
            files: Vec::new(),
            costs: buyer.costs,
            contact: buyer.contact,
            viewing: buyer.viewing,
        })
    }
}
