//! What the request schemas say beyond their field attributes, taken from where the rule lives so the two
//! cannot drift: the characters a text may hold (`services::text_pattern`), the categories and valuation
//! methods, the objectors' roles and the grounds of an objection (`auction-core`), the terms a
//! registration must accept, and the limits of array items.

use auction_core::objection::{Decision, Ground, ObjectorRole};
use auction_core::setup::{Category, ReferenceMethod};
use serde_json::Value;
use utoipa::Modify;
use utoipa::openapi::schema::{ArrayItems, Object, Schema, Type};
use utoipa::openapi::{OpenApi, RefOr};

use crate::services::text_pattern;

/// Fields that take any characters (they are never shown as text).
const UNCHECKED_TEXT: [&str; 1] = ["password"];

pub struct RequestRules;

impl Modify for RequestRules {
    fn modify(&self, openapi: &mut OpenApi) {
        let Some(components) = openapi.components.as_mut() else {
            return;
        };
        let schemas = &mut components.schemas;
        let mut field = |schema: &str, name: &str, change: &dyn Fn(&mut Object)| {
            if let Some(object) = schemas.get_mut(schema).and_then(object_mut)
                && let Some(property) = object.properties.get_mut(name).and_then(object_mut)
            {
                change(property);
            }
        };
        field("CreateListingRequest", "category", &|o| {
            o.enum_values = Some(Category::ALL.iter().map(|c| c.as_str().into()).collect());
        });
        for (name, values) in [
            ("borne_by", vec!["buyer", "seller"]),
            ("kind", vec!["fixed", "percent_of_price"]),
        ] {
            field("CostInput", name, &|o| {
                o.enum_values = Some(values.iter().map(|v| (*v).into()).collect());
            });
        }
        field("ValuationRequest", "method", &|o| {
            o.enum_values = Some(ReferenceMethod::QUOTED.iter().map(|m| m.as_str().into()).collect());
        });
        field("RegisterForAuctionRequest", "accept_terms", &|o| {
            o.enum_values = Some(vec![Value::Bool(true)]);
        });
        field("ObjectorInput", "role", &|o| {
            o.enum_values = Some(ObjectorRole::ALL.iter().map(|r| r.as_str().into()).collect());
        });
        field("DecisionRequest", "outcome", &|o| {
            o.enum_values = Some(Decision::ALL.iter().map(|d| d.as_str().into()).collect());
        });
        if let Some(RefOr::T(Schema::Object(request))) = components.schemas.get_mut("PriceObjectionRequest")
            && let Some(RefOr::T(Schema::Array(grounds))) = request.properties.get_mut("grounds")
        {
            grounds.min_items = Some(1);
            grounds.unique_items = true;
        }
        if let Some(RefOr::T(Schema::Object(request))) = components.schemas.get_mut("FileObjectionRequest")
            && let Some(RefOr::T(Schema::Array(grounds))) = request.properties.get_mut("grounds")
        {
            grounds.min_items = Some(1);
            grounds.unique_items = true;
            if let ArrayItems::RefOrSchema(item) = &mut grounds.items
                && let RefOr::T(Schema::Object(item)) = item.as_mut()
            {
                item.enum_values = Some(Ground::ALL.iter().map(|g| g.as_str().into()).collect());
            }
        }
        if let Some(RefOr::T(Schema::Object(request))) = components.schemas.get_mut("CreateAuctionRequest")
            && let Some(RefOr::T(Schema::Array(reminders))) = request.properties.get_mut("special_reminders")
            && let ArrayItems::RefOrSchema(item) = &mut reminders.items
            && let RefOr::T(Schema::Object(item)) = item.as_mut()
        {
            item.min_length = Some(1);
            item.max_length = Some(crate::services::rounds::MAX_REMINDER_CHARS);
        }

        for schema in components.schemas.values_mut() {
            let Some(object) = object_mut(schema) else {
                continue;
            };
            for (name, property) in object.properties.iter_mut() {
                if UNCHECKED_TEXT.contains(&name.as_str()) {
                    continue;
                }
                match property {
                    RefOr::T(Schema::Object(text)) => add_text_pattern(text),
                    RefOr::T(Schema::Array(list)) => {
                        if let ArrayItems::RefOrSchema(item) = &mut list.items
                            && let RefOr::T(Schema::Object(text)) = item.as_mut()
                        {
                            add_text_pattern(text);
                        }
                    }
                    _ => {}
                }
            }
        }
    }
}

fn object_mut(schema: &mut RefOr<Schema>) -> Option<&mut Object> {
    match schema {
        RefOr::T(Schema::Object(object)) => Some(object),
        _ => None,
    }
}

/// A free text (a string with a length limit, no format and no pattern of its own) gets the server's
/// rule on characters: a nullable one may be blank, the others must hold something.
fn add_text_pattern(text: &mut Object) {
    use utoipa::openapi::schema::SchemaType;
    let is_string = match &text.schema_type {
        SchemaType::Type(t) => *t == Type::String,
        SchemaType::Array(types) => types.contains(&Type::String),
        SchemaType::AnyValue => false,
    };
    let nullable = matches!(&text.schema_type, SchemaType::Array(types) if types.contains(&Type::Null));
    if let (true, Some(max), None, None) = (is_string, text.max_length, &text.format, &text.pattern) {
        text.pattern = Some(text_pattern(max, !nullable));
    }
}
