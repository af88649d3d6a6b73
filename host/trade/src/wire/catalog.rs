//! Catalogue answers: search pages and availability.

#[allow(unused_imports, reason = "each file takes what it names")]
use super::*;
use crate::contract as c;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One page of search results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchPage {
    /// Items on this page.
    #[serde(default)]
    pub items: Vec<CatalogItem>,
    /// Cursor for the next page; none = this was the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

impl From<c::SearchPage> for SearchPage {
    fn from(v: c::SearchPage) -> Self {
        SearchPage {
            items: v.items.into_iter().map(Into::into).collect(),
            next_cursor: v.next_cursor,
        }
    }
}

impl From<SearchPage> for c::SearchPage {
    fn from(v: SearchPage) -> Self {
        c::SearchPage {
            items: v.items.into_iter().map(Into::into).collect(),
            next_cursor: v.next_cursor,
        }
    }
}

/// One line of an availability check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AvailabilityRequest {
    /// Caller's id for the line, echoed in the answer.
    pub line_id: String,
    /// The item.
    pub item: ItemRef,
    /// Quantity the buyer wants.
    #[schemars(with = "super::WantedQuantity")]
    pub quantity: Quantity,
}

impl From<c::AvailabilityRequest> for AvailabilityRequest {
    fn from(v: c::AvailabilityRequest) -> Self {
        AvailabilityRequest {
            line_id: v.line_id,
            item: v.item.into(),
            quantity: v.quantity.into(),
        }
    }
}

impl From<AvailabilityRequest> for c::AvailabilityRequest {
    fn from(v: AvailabilityRequest) -> Self {
        c::AvailabilityRequest {
            line_id: v.line_id,
            item: v.item.into(),
            quantity: v.quantity.into(),
        }
    }
}

/// Availability of one requested line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AvailabilityAnswer {
    /// The caller's line id.
    pub line_id: String,
    /// What the supplier says.
    pub availability: Availability,
}

impl From<c::AvailabilityAnswer> for AvailabilityAnswer {
    fn from(v: c::AvailabilityAnswer) -> Self {
        AvailabilityAnswer {
            line_id: v.line_id,
            availability: v.availability.into(),
        }
    }
}

impl From<AvailabilityAnswer> for c::AvailabilityAnswer {
    fn from(v: AvailabilityAnswer) -> Self {
        c::AvailabilityAnswer {
            line_id: v.line_id,
            availability: v.availability.into(),
        }
    }
}
