//! Reading Nordfast's UBL documents into contract types.
//!
//! Every function here is pure: it takes a parsed document and returns a contract value or a
//! [`DocError`] that names the element that was missing or wrong, as a path of local names
//! (`Quotation/QuotationLine[2]/LineItem/Price/PriceAmount`).

use mercato_sdk::contract::{
    AckStatus, Availability, CatalogItem, Charge, ChargeKind, Classification, Invoice, InvoiceLine,
    InvoiceStatus, ItemIds, LineStatus, Message, Order, OrderLine, OrderStatus, PriceTier, Quote,
    QuoteLine, QuoteStatus, Resolution, Restock, Severity, Shipment, ShipmentLine, ShipmentStatus,
    StockStatus, TimeWindow, Totals, TrackingEvent,
};
use mercato_sdk::exact::{self, Currency, Decimal, RoundingMode, Unit, UnitPrice};
use mercato_sdk::gtin::Gtin;
use mercato_sdk::time::{DAY_MS, parse_date};

use mercato_sdk::xml::{Element, XmlError, parse};

/// `listID` of the item properties that carry stock facts.
pub(crate) const AVAILABILITY_LIST: &str = "nordfast-availability";
/// Namespace of Nordfast's envelope around several documents.
pub(crate) const DOCUMENT_LIST_NS: &str = "urn:nordfast:api:document-list:1";

/// Why a Nordfast document could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum DocError {
    /// Not well-formed XML.
    #[error("{0}")]
    Xml(#[from] XmlError),
    /// Another document than expected.
    #[error("expected a UBL {expected}, got {found}")]
    WrongDocument {
        /// What was expected.
        expected: String,
        /// Root element and namespace found.
        found: String,
    },
    /// A required element is absent or empty.
    #[error("{element} is missing")]
    Missing {
        /// Path of the element.
        element: String,
    },
    /// An element's value cannot be used.
    #[error("{element} is {value:?}: {reason}")]
    Invalid {
        /// Path of the element.
        element: String,
        /// The text found.
        value: String,
        /// What was expected.
        reason: String,
    },
}

impl DocError {
    /// The element the error is about ("body" when the XML itself is broken).
    pub fn element(&self) -> String {
        match self {
            DocError::Xml(_) | DocError::WrongDocument { .. } => "body".to_string(),
            DocError::Missing { element } | DocError::Invalid { element, .. } => element.clone(),
        }
    }
}

/// An element with the path that leads to it, so errors can name it.
#[derive(Debug, Clone)]
pub(crate) struct Node<'a> {
    el: &'a Element,
    path: String,
}

impl<'a> Node<'a> {
    /// The root of a document.
    pub fn root(el: &'a Element) -> Self {
        Node {
            el,
            path: el.name.clone(),
        }
    }

    /// The element itself.
    pub fn element(&self) -> &'a Element {
        self.el
    }

    /// The descendant at a `/`-separated path of local names.
    pub fn at(&self, path: &str) -> Option<Node<'a>> {
        self.el.find(path).map(|el| Node {
            el,
            path: format!("{}/{path}", self.path),
        })
    }

    /// The descendant at `path`, which must exist.
    pub fn req(&self, path: &str) -> Result<Node<'a>, DocError> {
        self.at(path).ok_or_else(|| DocError::Missing {
            element: format!("{}/{path}", self.path),
        })
    }

    /// Every child with this local name, numbered from 1 in their paths.
    pub fn all(&self, name: &str) -> Vec<Node<'a>> {
        self.el
            .children
            .iter()
            .filter(|c| c.name == name)
            .enumerate()
            .map(|(i, el)| Node {
                el,
                path: format!("{}/{name}[{}]", self.path, i + 1),
            })
            .collect()
    }

    /// Trimmed, non-empty text.
    pub fn text(&self) -> Result<&'a str, DocError> {
        self.el.value().ok_or_else(|| DocError::Missing {
            element: self.path.clone(),
        })
    }

    /// Text at `path`, if present and non-empty.
    pub fn text_at(&self, path: &str) -> Option<&'a str> {
        self.el.text_at(path)
    }

    /// Text at `path`, which must be present.
    pub fn text_req(&self, path: &str) -> Result<&'a str, DocError> {
        self.req(path)?.text()
    }

    /// An attribute.
    pub fn attr(&self, name: &str) -> Option<&'a str> {
        self.el.attr(name)
    }

    /// An error about this element's value.
    pub fn invalid(&self, value: &str, reason: impl Into<String>) -> DocError {
        DocError::Invalid {
            element: self.path.clone(),
            value: value.to_string(),
            reason: reason.into(),
        }
    }
}

/// Parse a body and check that its root is the UBL document `expected`.
pub(crate) fn document(body: &[u8], expected: &str) -> Result<Element, DocError> {
    let root = parse_body(body)?;
    let ns = format!("urn:oasis:names:specification:ubl:schema:xsd:{expected}-2");
    if root.name == expected && root.namespace.as_deref() == Some(ns.as_str()) {
        Ok(root)
    } else {
        Err(DocError::WrongDocument {
            expected: expected.to_string(),
            found: describe(&root),
        })
    }
}

/// Parse a body of any kind.
pub(crate) fn parse_body(body: &[u8]) -> Result<Element, DocError> {
    let text = std::str::from_utf8(body)
        .map_err(|e| DocError::Xml(XmlError::Malformed(format!("the body is not UTF-8: {e}"))))?;
    Ok(parse(text)?)
}

/// "Name in namespace", for messages about unexpected documents.
pub(crate) fn describe(root: &Element) -> String {
    format!(
        "{} in {}",
        root.name,
        root.namespace.as_deref().unwrap_or("no namespace")
    )
}

/// The UBL document type of a root element (`OrderResponse`), if it is a UBL 2 document.
pub(crate) fn ubl_kind(root: &Element) -> Option<&str> {
    let ns = root.namespace.as_deref()?;
    let kind = ns
        .strip_prefix("urn:oasis:names:specification:ubl:schema:xsd:")?
        .strip_suffix("-2")?;
    (kind == root.name).then_some(kind)
}

/// The documents inside Nordfast's `DocumentList` envelope, checked to be `expected`.
pub(crate) fn document_list(body: &[u8], expected: &str) -> Result<Vec<Element>, DocError> {
    let root = parse_body(body)?;
    if root.name != "DocumentList" || root.namespace.as_deref() != Some(DOCUMENT_LIST_NS) {
        return Err(DocError::WrongDocument {
            expected: format!("Nordfast DocumentList of {expected}"),
            found: describe(&root),
        });
    }
    for child in &root.children {
        if ubl_kind(child) != Some(expected) {
            return Err(DocError::WrongDocument {
                expected: expected.to_string(),
                found: describe(child),
            });
        }
    }
    Ok(root.children)
}

// ---------------------------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------------------------

/// An `xsd:decimal` ("0.170", "+5", ".5", "5.") as an exact decimal.
pub(crate) fn decimal(node: &Node<'_>) -> Result<Decimal, DocError> {
    let raw = node.text()?;
    let mut t = raw
        .trim()
        .strip_prefix('+')
        .unwrap_or(raw.trim())
        .to_string();
    if t.starts_with('.') {
        t.insert(0, '0');
    } else if let Some(rest) = t.strip_prefix("-.") {
        t = format!("-0.{rest}");
    }
    if t.ends_with('.') {
        t.pop();
    }
    Decimal::parse(&t).map_err(|e| node.invalid(raw, e.to_string()))
}

/// A quantity with its `unitCode` (C62 when absent, as UBL's default for pieces).
pub(crate) fn quantity(node: &Node<'_>) -> Result<exact::Quantity, DocError> {
    let value = decimal(node)?;
    let code = node.attr("unitCode").unwrap_or("C62");
    let unit = Unit::parse(code).map_err(|e| node.invalid(code, e.to_string()))?;
    exact::Quantity::from_decimal(value, unit)
        .map_err(|e| node.invalid(node.text().unwrap_or(""), e.to_string()))
}

/// An amount with `currencyID`, which must be `currency` and fit its minor unit exactly.
pub(crate) fn money(node: &Node<'_>, currency: Currency) -> Result<exact::Money, DocError> {
    check_currency(node, currency)?;
    let value = decimal(node)?;
    let text = node.text().unwrap_or("");
    let rounded = value
        .rescale(currency.minor_unit_digits(), RoundingMode::HalfUp)
        .map_err(|e| node.invalid(text, e.to_string()))?;
    if rounded != value {
        return Err(node.invalid(
            text,
            format!(
                "an amount in {currency} has at most {} decimals",
                currency.minor_unit_digits()
            ),
        ));
    }
    exact::Money::from_decimal(currency, value, RoundingMode::HalfUp)
        .map_err(|e| node.invalid(text, e.to_string()))
}

fn check_currency(node: &Node<'_>, currency: Currency) -> Result<(), DocError> {
    match node.attr("currencyID") {
        Some(c) if !c.eq_ignore_ascii_case(currency.code()) => Err(node.invalid(
            c,
            format!("the document is in {currency}; amounts in other currencies are not expected"),
        )),
        _ => Ok(()),
    }
}

/// Money at an optional path; zero when absent.
fn money_or_zero(
    parent: &Node<'_>,
    path: &str,
    currency: Currency,
) -> Result<exact::Money, DocError> {
    match parent.at(path) {
        Some(n) => money(&n, currency),
        None => Ok(exact::Money::zero(currency)),
    }
}

/// A `cac:Price`: `PriceAmount` for `BaseQuantity` (1 C62 when absent).
pub(crate) fn price(node: &Node<'_>, currency: Currency) -> Result<UnitPrice, DocError> {
    let amount_node = node.req("PriceAmount")?;
    check_currency(&amount_node, currency)?;
    let amount = decimal(&amount_node)?;
    let basis = match node.at("BaseQuantity") {
        Some(b) => quantity(&b)?,
        None => exact::Quantity::pieces(1),
    };
    if basis.is_zero() {
        return Err(node.invalid("0", "BaseQuantity must not be zero"));
    }
    Ok(UnitPrice {
        currency,
        amount,
        basis,
    })
}

/// A UBL time ("10:00:00", "10:00:00Z", "10:00:00.5+02:00") as milliseconds after midnight UTC.
fn time_of_day(node: &Node<'_>, text: &str) -> Result<i64, DocError> {
    let bad = || node.invalid(text, "expected a time like 10:00:00Z");
    let t = text.trim();
    let (clock, offset_ms) = if let Some(c) = t.strip_suffix('Z') {
        (c, 0)
    } else if let Some(pos) = t.rfind(['+', '-']).filter(|p| *p >= 8) {
        let (c, zone) = t.split_at(pos);
        let sign = if zone.starts_with('-') { -1 } else { 1 };
        let (h, m) = zone[1..].split_once(':').ok_or_else(bad)?;
        let h: i64 = h.parse().map_err(|_| bad())?;
        let m: i64 = m.parse().map_err(|_| bad())?;
        (c, sign * (h * 3_600_000 + m * 60_000))
    } else {
        (t, 0)
    };
    let mut parts = clock.split(':');
    let h: i64 = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
    let m: i64 = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
    let s = parts.next().ok_or_else(bad)?;
    let (secs, frac) = s.split_once('.').unwrap_or((s, ""));
    let secs: i64 = secs.parse().map_err(|_| bad())?;
    let millis: i64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<3}")[..3].parse().map_err(|_| bad())?
    };
    if parts.next().is_some() || h > 24 || m > 59 || secs > 60 {
        return Err(bad());
    }
    Ok(h * 3_600_000 + m * 60_000 + secs * 1000 + millis - offset_ms)
}

/// A date element plus an optional time element, as a timestamp.
pub(crate) fn date_time(parent: &Node<'_>, date: &str, time: &str) -> Result<i64, DocError> {
    let date_node = parent.req(date)?;
    let text = date_node.text()?;
    let day = parse_date(text).map_err(|e| date_node.invalid(text, e.to_string()))?;
    match parent.at(time) {
        Some(t) => Ok(day + time_of_day(&t, t.text()?)?),
        None => Ok(day),
    }
}

/// A UBL period: start (date and optional time) to end (date and optional time; the end of the
/// day when no time is given).
pub(crate) fn window(node: &Node<'_>) -> Result<TimeWindow, DocError> {
    let latest = if node.at("EndTime").is_some() {
        date_time(node, "EndDate", "EndTime")?
    } else {
        date_time(node, "EndDate", "EndTime")? + DAY_MS - 1
    };
    let earliest = if node.at("StartDate").is_some() {
        date_time(node, "StartDate", "StartTime")?
    } else {
        latest - (latest.rem_euclid(DAY_MS))
    };
    Ok(TimeWindow { earliest, latest })
}

fn document_currency(root: &Node<'_>) -> Result<Currency, DocError> {
    match root
        .at("DocumentCurrencyCode")
        .or_else(|| root.at("PricingCurrencyCode"))
    {
        Some(n) => {
            let code = n.text()?;
            Currency::parse(code).map_err(|e| n.invalid(code, e.to_string()))
        }
        None => Ok(Currency::EUR),
    }
}

// ---------------------------------------------------------------------------------------------
// Items
// ---------------------------------------------------------------------------------------------

/// Identifiers of a `cac:Item`.
pub(crate) fn item_ids(item: &Node<'_>) -> Result<ItemIds, DocError> {
    let mut ids = ItemIds::sku(item.text_req("SellersItemIdentification/ID")?);
    if let Some(g) = item.at("StandardItemIdentification/ID") {
        let scheme = g.attr("schemeID").unwrap_or("0160");
        let text = g.text()?;
        if scheme == "0160" {
            let gtin = Gtin::parse(text).map_err(|e| g.invalid(text, e.to_string()))?;
            ids.gtin = Some(gtin.as_str().to_string());
        } else {
            ids.other
                .push((format!("scheme-{scheme}"), text.to_string()));
        }
    }
    ids.mpn = item
        .text_at("ManufacturersItemIdentification/ID")
        .map(str::to_string);
    ids.manufacturer = item
        .text_at("ManufacturerParty/PartyName/Name")
        .map(str::to_string);
    ids.buyer_part_id = item
        .text_at("BuyersItemIdentification/ID")
        .map(str::to_string);
    Ok(ids)
}

/// Stock facts carried as `AdditionalItemProperty` with `NameCode listID="nordfast-availability"`.
#[derive(Debug, Clone, Default)]
pub(crate) struct StockFacts {
    /// Pieces on hand.
    pub on_hand: Option<exact::Quantity>,
    /// Next restock date.
    pub restock_at: Option<i64>,
    /// Next restock quantity.
    pub restock_quantity: Option<exact::Quantity>,
}

fn stock_facts(item: &Node<'_>) -> Result<StockFacts, DocError> {
    let mut facts = StockFacts::default();
    for p in item.all("AdditionalItemProperty") {
        let Some(code) = p
            .at("NameCode")
            .filter(|c| c.attr("listID") == Some(AVAILABILITY_LIST))
            .and_then(|c| c.element().value())
        else {
            continue;
        };
        let value_quantity = || -> Result<exact::Quantity, DocError> {
            match p.at("ValueQuantity") {
                Some(q) => quantity(&q),
                None => quantity(&p.req("Value")?),
            }
        };
        match code {
            "on-hand" => facts.on_hand = Some(value_quantity()?),
            "next-restock-quantity" => facts.restock_quantity = Some(value_quantity()?),
            "next-restock-date" => {
                let v = p.req("Value")?;
                let text = v.text()?;
                facts.restock_at =
                    Some(parse_date(text).map_err(|e| v.invalid(text, e.to_string()))?);
            }
            _ => {}
        }
    }
    Ok(facts)
}

impl StockFacts {
    /// Availability for a wanted quantity (none = just "is it in stock").
    pub fn availability(
        &self,
        wanted: Option<&exact::Quantity>,
        lead_time_days: Option<u32>,
        observed_at: i64,
    ) -> Availability {
        let next_restock: Vec<Restock> = match (self.restock_at, &self.restock_quantity) {
            (Some(at), Some(q)) => vec![Restock {
                quantity: q.clone().into(),
                expected_at: at,
            }],
            _ => Vec::new(),
        };
        let status = match &self.on_hand {
            None => StockStatus::Unknown,
            Some(on_hand) if on_hand.is_zero() => {
                if next_restock.is_empty() {
                    StockStatus::OutOfStock
                } else {
                    StockStatus::Backorder
                }
            }
            Some(on_hand) => match wanted.map(|w| on_hand.compare(w)) {
                Some(Ok(std::cmp::Ordering::Less)) => StockStatus::Limited,
                _ => StockStatus::InStock,
            },
        };
        Availability {
            status,
            on_hand: self.on_hand.clone().map(Into::into),
            lead_time_days,
            next_restock,
            observed_at,
        }
    }
}

/// One catalogue line read for stock: its id, stock facts and lead time.
#[derive(Debug, Clone)]
pub(crate) struct StockLine {
    /// Identifiers.
    pub ids: ItemIds,
    /// Stock.
    pub stock: StockFacts,
    /// Lead time in days.
    pub lead_time_days: Option<u32>,
}

fn lead_time(line: &Node<'_>) -> Result<Option<u32>, DocError> {
    let Some(n) = line.at("RequiredItemLocationQuantity/LeadTimeMeasure") else {
        return Ok(None);
    };
    let text = n.text()?;
    let value = decimal(&n)?;
    let days = match n.attr("unitCode").unwrap_or("DAY") {
        "DAY" => value,
        "WEE" => value
            .checked_mul(Decimal::from_int(7))
            .map_err(|e| n.invalid(text, e.to_string()))?,
        other => return Err(n.invalid(other, "lead times are read in DAY or WEE")),
    };
    let whole = days
        .rescale(0, RoundingMode::Ceiling)
        .map_err(|e| n.invalid(text, e.to_string()))?;
    u32::try_from(whole.mantissa())
        .map(Some)
        .map_err(|_| n.invalid(text, "expected a whole number of days"))
}

/// The catalogue's issue time: when its prices and stock were observed.
pub(crate) fn catalogue_time(root: &Element) -> Result<i64, DocError> {
    date_time(&Node::root(root), "IssueDate", "IssueTime")
}

/// The `CatalogueLine`s of a Catalogue, read as catalogue items.
pub(crate) fn catalogue_items(root: &Element) -> Result<Vec<CatalogItem>, DocError> {
    let root = Node::root(root);
    let observed_at = date_time(&root, "IssueDate", "IssueTime")?;
    root.all("CatalogueLine")
        .iter()
        .map(|line| catalog_item(line, observed_at))
        .collect()
}

/// The `CatalogueLine`s of a Catalogue, read for stock only.
pub(crate) fn stock_lines(root: &Element) -> Result<Vec<StockLine>, DocError> {
    let root = Node::root(root);
    root.all("CatalogueLine")
        .iter()
        .map(|line| {
            let item = line.req("Item")?;
            Ok(StockLine {
                ids: item_ids(&item)?,
                stock: stock_facts(&item)?,
                lead_time_days: lead_time(line)?,
            })
        })
        .collect()
}

fn catalog_item(line: &Node<'_>, observed_at: i64) -> Result<CatalogItem, DocError> {
    let item = line.req("Item")?;
    let ids = item_ids(&item)?;
    let sale_unit = line.text_at("OrderableUnit").unwrap_or("C62").to_string();
    let unit = Unit::parse(&sale_unit).map_err(|e| {
        line.req("OrderableUnit")
            .map_or_else(|m| m, |n| n.invalid(&sale_unit, e.to_string()))
    })?;
    let rules = exact::OrderRules {
        minimum: line
            .at("MinimumOrderQuantity")
            .map(|n| quantity(&n))
            .transpose()?,
        increment: match line.at("OrderQuantityIncrementNumeric") {
            Some(n) => Some(
                exact::Quantity::from_decimal(decimal(&n)?, unit.clone())
                    .map_err(|e| n.invalid(n.text().unwrap_or(""), e.to_string()))?,
            ),
            None => None,
        },
        maximum: line
            .at("MaximumOrderQuantity")
            .map(|n| quantity(&n))
            .transpose()?,
    };
    let mut tiers: Vec<(exact::Quantity, PriceTier)> = Vec::new();
    for loc in line.all("RequiredItemLocationQuantity") {
        let min = match loc.at("MinimumQuantity") {
            Some(n) => quantity(&n)?,
            None => exact::Quantity::new(1, unit.clone(), 0)
                .map_err(|e| loc.invalid("", e.to_string()))?,
        };
        let price_node = loc.req("Price")?;
        let unit_price = price(&price_node, Currency::EUR)?;
        let valid_until = match price_node.at("ValidityPeriod") {
            Some(p) if p.at("EndDate").is_some() => Some(window(&p)?.latest),
            _ => None,
        };
        tiers.push((
            min.clone(),
            PriceTier {
                min_quantity: min.into(),
                unit_price: unit_price.into(),
                valid_until,
            },
        ));
    }
    tiers.sort_by(|a, b| a.0.compare(&b.0).unwrap_or(std::cmp::Ordering::Equal));
    let stock = stock_facts(&item)?;
    let lead = lead_time(line)?;
    let keywords: Vec<&str> = item
        .element()
        .children("Keyword")
        .filter_map(Element::value)
        .collect();
    let mut attributes: Vec<(String, String)> = item
        .all("AdditionalItemProperty")
        .iter()
        .filter(|p| {
            p.at("NameCode")
                .is_none_or(|c| c.attr("listID") != Some(AVAILABILITY_LIST))
        })
        .filter_map(|p| {
            Some((
                p.text_at("Name")?.to_string(),
                p.text_at("Value")?.to_string(),
            ))
        })
        .collect();
    if !keywords.is_empty() {
        attributes.push(("keywords".to_string(), keywords.join(", ")));
    }
    let classifications = item
        .all("CommodityClassification")
        .iter()
        .filter_map(|c| {
            let code = c.at("ItemClassificationCode")?;
            let scheme = match code.attr("listID") {
                Some("NORDFAST") => "nordfast-category".to_string(),
                Some(other) => other.to_string(),
                None => "unknown".to_string(),
            };
            Some(Classification {
                scheme,
                code: code.text().ok()?.to_string(),
            })
        })
        .collect();
    Ok(CatalogItem {
        ids,
        title: item.text_req("Name")?.to_string(),
        description: item.text_at("Description").map(str::to_string),
        brand: item.text_at("BrandName").map(str::to_string),
        classifications,
        sale_unit,
        content_per_sale_unit: line
            .at("ContentUnitQuantity")
            .map(|n| quantity(&n))
            .transpose()?
            .map(Into::into),
        rules: rules.into(),
        price_tiers: tiers.into_iter().map(|(_, t)| t).collect(),
        list_price: None,
        prices_include_tax: false,
        availability: stock
            .on_hand
            .is_some()
            .then(|| stock.availability(None, lead, observed_at)),
        url: None,
        image_urls: Vec::new(),
        attributes,
        price_observed_at: observed_at,
    })
}

// ---------------------------------------------------------------------------------------------
// Charges and totals
// ---------------------------------------------------------------------------------------------

/// Charges and totals of a Quotation, OrderResponse or Invoice, checked to add up.
fn charges_and_totals(
    root: &Node<'_>,
    total_element: &str,
    currency: Currency,
    line_totals: &[exact::Money],
) -> Result<(Vec<Charge>, Totals), DocError> {
    let mut charges = Vec::new();
    let mut shipping = exact::Money::zero(currency);
    let mut fees = exact::Money::zero(currency);
    let mut discounts = exact::Money::zero(currency);
    let arith = |n: &Node<'_>, e: exact::ExactError| n.invalid("", e.to_string());
    for ac in root.all("AllowanceCharge") {
        let is_charge = match ac.text_req("ChargeIndicator")? {
            "true" => true,
            "false" => false,
            other => {
                return Err(ac
                    .req("ChargeIndicator")?
                    .invalid(other, "expected true or false"));
            }
        };
        let amount = money(&ac.req("Amount")?, currency)?;
        let code = ac.text_at("AllowanceChargeReasonCode");
        let label = ac
            .text_at("AllowanceChargeReason")
            .or(code)
            .unwrap_or(if is_charge { "Charge" } else { "Allowance" })
            .to_string();
        let (kind, signed) = if !is_charge {
            let neg = amount.checked_neg().map_err(|e| arith(&ac, e))?;
            discounts = discounts.checked_add(neg).map_err(|e| arith(&ac, e))?;
            (ChargeKind::Discount, neg)
        } else if matches!(code, Some("FC" | "DL" | "FI")) {
            shipping = shipping.checked_add(amount).map_err(|e| arith(&ac, e))?;
            (ChargeKind::Shipping, amount)
        } else {
            fees = fees.checked_add(amount).map_err(|e| arith(&ac, e))?;
            (ChargeKind::Fee, amount)
        };
        charges.push(Charge {
            kind,
            label,
            amount: signed.into(),
        });
    }
    let tax = money_or_zero(root, "TaxTotal/TaxAmount", currency)?;
    if tax.minor() != 0 {
        let percent = root.text_at("TaxTotal/TaxSubtotal/TaxCategory/Percent");
        let label = match percent {
            Some(p) => format!("VAT {p} %"),
            None => "VAT".to_string(),
        };
        charges.push(Charge {
            kind: ChargeKind::Tax,
            label,
            amount: tax.into(),
        });
    }
    let total = root.req(total_element)?;
    let lines = money(&total.req("LineExtensionAmount")?, currency)?;
    let payable = money(&total.req("PayableAmount")?, currency)?;
    let sum_lines =
        exact::Money::sum(currency, line_totals.iter().copied()).map_err(|e| arith(&total, e))?;
    if sum_lines != lines {
        return Err(total.req("LineExtensionAmount")?.invalid(
            &lines.to_decimal().to_string(),
            format!("the lines add up to {}", sum_lines.to_decimal()),
        ));
    }
    let expected = [discounts, shipping, fees, tax]
        .into_iter()
        .try_fold(lines, exact::Money::checked_add)
        .map_err(|e| arith(&total, e))?;
    if expected != payable {
        return Err(total.req("PayableAmount")?.invalid(
            &payable.to_decimal().to_string(),
            format!(
                "lines {} + charges and allowances + tax {} come to {}",
                lines.to_decimal(),
                tax.to_decimal(),
                expected.to_decimal()
            ),
        ));
    }
    Ok((
        charges,
        Totals {
            lines: lines.into(),
            discounts: discounts.into(),
            shipping: shipping.into(),
            tax: tax.into(),
            fees: fees.into(),
            grand_total: payable.into(),
            tax_included: false,
        },
    ))
}

// ---------------------------------------------------------------------------------------------
// Notes
// ---------------------------------------------------------------------------------------------

/// What a Nordfast line note reports (its text starts with the code).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NoteKind {
    /// `PRICE-CHANGED:`
    Price,
    /// `QUANTITY-CHANGED:`
    Quantity,
    /// `BACKORDER:`
    Backorder,
    /// `DATE-CHANGED:`
    Date,
    /// `NOT-ACCEPTED:`
    NotAccepted,
    /// Anything else.
    Other,
}

/// The kind of a note, by its code prefix (case-insensitive).
pub(crate) fn note_kind(note: &str) -> NoteKind {
    let code = note
        .split_once(':')
        .map_or("", |(c, _)| c.trim())
        .to_ascii_uppercase();
    match code.as_str() {
        "PRICE-CHANGED" => NoteKind::Price,
        "QUANTITY-CHANGED" => NoteKind::Quantity,
        "BACKORDER" => NoteKind::Backorder,
        "DATE-CHANGED" => NoteKind::Date,
        "NOT-ACCEPTED" => NoteKind::NotAccepted,
        _ => NoteKind::Other,
    }
}

fn message_for(note: &str, line_id: Option<&str>) -> Message {
    let (severity, code, resolution) = match note_kind(note) {
        NoteKind::Price => (
            Severity::Warning,
            "price_change",
            Some(Resolution::RequiresBuyerReview),
        ),
        NoteKind::Quantity => (
            Severity::Warning,
            "quantity_change",
            Some(Resolution::RequiresBuyerReview),
        ),
        NoteKind::Backorder => (Severity::Warning, "backorder", None),
        NoteKind::Date => (Severity::Warning, "shipping_delay", None),
        NoteKind::NotAccepted => (
            Severity::Error,
            "line_rejected",
            Some(Resolution::Unrecoverable),
        ),
        NoteKind::Other => (Severity::Info, "supplier_note", None),
    };
    Message {
        severity,
        code: code.to_string(),
        line_id: line_id.map(str::to_string),
        text: note.to_string(),
        resolution,
    }
}

fn notes(node: &Node<'_>) -> Vec<String> {
    node.element()
        .children("Note")
        .filter_map(Element::value)
        .map(str::to_string)
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Quotation
// ---------------------------------------------------------------------------------------------

/// A Quotation as a quote; `supplier_now` (the supplier's clock) decides whether it expired.
pub(crate) fn quote(root: &Element, supplier_now: i64) -> Result<Quote, DocError> {
    let root = Node::root(root);
    let currency = document_currency(&root)?;
    let created_at = date_time(&root, "IssueDate", "IssueTime")?;
    let valid_until = window(&root.req("ValidityPeriod")?)?.latest;
    let mut lines = Vec::new();
    let mut line_totals = Vec::new();
    let mut messages: Vec<Message> = notes(&root)
        .iter()
        .map(|n| message_for(n, None))
        .filter(|m| m.code != "supplier_note")
        .collect();
    let mut earliest: Option<i64> = None;
    let mut latest: Option<i64> = None;
    for ql in root.all("QuotationLine") {
        let li = ql.req("LineItem")?;
        let line_id = li.text_req("ID")?.to_string();
        let item = li.req("Item")?;
        let total = money(&li.req("LineExtensionAmount")?, currency)?;
        line_totals.push(total);
        let line_notes: Vec<String> = notes(&ql).into_iter().chain(notes(&li)).collect();
        let kinds: Vec<NoteKind> = line_notes.iter().map(|n| note_kind(n)).collect();
        let status = if kinds.contains(&NoteKind::NotAccepted) {
            LineStatus::Rejected
        } else if kinds.contains(&NoteKind::Quantity) {
            LineStatus::AcceptedQuantityChanged
        } else if kinds.contains(&NoteKind::Backorder) {
            LineStatus::Backordered
        } else {
            LineStatus::Accepted
        };
        let promised = li
            .at("Delivery/PromisedDeliveryPeriod")
            .map(|p| window(&p))
            .transpose()?;
        if let Some(w) = &promised {
            earliest = Some(earliest.map_or(w.earliest, |e| e.min(w.earliest)));
            latest = Some(latest.map_or(w.latest, |l| l.max(w.latest)));
        }
        messages.extend(line_notes.iter().map(|n| message_for(n, Some(&line_id))));
        lines.push(QuoteLine {
            line_id,
            item: item_ids(&item)?,
            title: item.text_req("Name")?.to_string(),
            quantity: quantity(&li.req("Quantity")?)?.into(),
            unit_price: price(&li.req("Price")?, currency)?.into(),
            line_total: total.into(),
            tax: None,
            availability: None,
            promised_delivery: promised,
            substitute_for: None,
            status,
        });
    }
    let (charges, totals) =
        charges_and_totals(&root, "QuotedMonetaryTotal", currency, &line_totals)?;
    let fulfillment_options = match (earliest, latest) {
        (Some(earliest), Some(latest)) => vec![mercato_sdk::contract::FulfillmentOption {
            id: "nordfast-standard".to_string(),
            method: mercato_sdk::contract::FulfillmentMethod::Parcel,
            carrier: None,
            service_level: Some("standard".to_string()),
            cost: totals.shipping.clone(),
            delivery: Some(TimeWindow { earliest, latest }),
        }],
        _ => Vec::new(),
    };
    Ok(Quote {
        quote_id: root.text_req("ID")?.to_string(),
        status: if supplier_now > valid_until {
            QuoteStatus::Expired
        } else {
            QuoteStatus::Firm
        },
        created_at,
        valid_until: Some(valid_until),
        currency: currency.code().to_string(),
        lines,
        charges,
        totals,
        fulfillment_options,
        payment_terms: Vec::new(),
        messages,
        attestation: None,
        continue_url: None,
    })
}

// ---------------------------------------------------------------------------------------------
// OrderResponse
// ---------------------------------------------------------------------------------------------

/// What the buyer asked for on one line, to tell what the supplier changed.
#[derive(Debug, Clone)]
pub(crate) struct AskedLine {
    /// Line id.
    pub line_id: String,
    /// Quantity ordered.
    pub quantity: exact::Quantity,
    /// Price expected.
    pub price: Option<UnitPrice>,
}

/// An OrderResponse read as the order it describes.
#[derive(Debug, Clone)]
pub(crate) struct OrderAnswer {
    /// The order.
    pub order: Order,
    /// `OrderResponseCode`.
    pub code: String,
    /// Whether it answers an OrderCancellation.
    pub answers_cancellation: bool,
    /// Order-level notes.
    pub notes: Vec<String>,
}

/// Read an OrderResponse. `asked` are the ordered lines when the adapter knows them (at
/// `place-order`); otherwise changes are told from Nordfast's line notes alone.
pub(crate) fn order_response(root: &Element, asked: &[AskedLine]) -> Result<OrderAnswer, DocError> {
    let root = Node::root(root);
    let currency = document_currency(&root)?;
    let code_node = root.req("OrderResponseCode")?;
    let code = code_node.text()?.to_ascii_uppercase();
    let answers_cancellation = root
        .all("AdditionalDocumentReference")
        .iter()
        .any(|r| r.text_at("DocumentType") == Some("OrderCancellation"));
    let quote_id = root
        .all("AdditionalDocumentReference")
        .iter()
        .find(|r| r.text_at("DocumentType") == Some("Quotation"))
        .and_then(|r| r.text_at("ID"))
        .map(str::to_string);
    let order_id = root
        .text_at("SalesOrderID")
        .or_else(|| root.text_at("OrderReference/SalesOrderID"))
        .ok_or_else(|| DocError::Missing {
            element: "OrderResponse/SalesOrderID".to_string(),
        })?
        .to_string();
    let buyer_po = root.text_req("OrderReference/ID")?.to_string();
    let updated_at = date_time(&root, "IssueDate", "IssueTime")?;
    let created_at = match root.at("OrderReference/IssueDate") {
        Some(_) => date_time(&root.req("OrderReference")?, "IssueDate", "IssueTime")?,
        None => updated_at,
    };
    let order_notes = notes(&root);
    let cancelled = answers_cancellation && code == "AP";
    let mut messages: Vec<Message> = order_notes.iter().map(|n| message_for(n, None)).collect();
    let mut lines = Vec::new();
    let mut line_totals = Vec::new();
    for ol in root.all("OrderLine") {
        let li = ol.req("LineItem")?;
        let line_id = li.text_req("ID")?.to_string();
        let status_node = li.req("LineStatusCode")?;
        let status_code = status_node.text()?;
        let confirmed = quantity(&li.req("Quantity")?)?;
        let unit_price = price(&li.req("Price")?, currency)?;
        let total = money(&li.req("LineExtensionAmount")?, currency)?;
        let line_notes = notes(&li);
        let kinds: Vec<NoteKind> = line_notes.iter().map(|n| note_kind(n)).collect();
        let ask = asked.iter().find(|a| a.line_id == line_id);
        let ordered = match ask {
            Some(a) => a.quantity.clone(),
            None => line_notes
                .iter()
                .find(|n| note_kind(n) == NoteKind::Quantity)
                .and_then(|n| ordered_in_note(n, &confirmed))
                .unwrap_or_else(|| confirmed.clone()),
        };
        let price_differs = ask
            .and_then(|a| a.price.as_ref())
            .is_some_and(|p| !same_price(p, &unit_price));
        let quantity_differs = ask.is_some_and(|a| a.quantity != confirmed);
        let status = match status_code {
            "5" => LineStatus::Accepted,
            "7" => LineStatus::Rejected,
            "3" => {
                if kinds.contains(&NoteKind::Price)
                    || li.at("Price/PriceChangeReason").is_some()
                    || price_differs
                {
                    LineStatus::AcceptedPriceChanged
                } else if kinds.contains(&NoteKind::Quantity) || quantity_differs {
                    LineStatus::AcceptedQuantityChanged
                } else if kinds.contains(&NoteKind::Backorder)
                    || line_notes
                        .iter()
                        .any(|n| n.to_ascii_lowercase().contains("backorder"))
                {
                    LineStatus::Backordered
                } else {
                    LineStatus::AcceptedDateChanged
                }
            }
            other => {
                return Err(status_node.invalid(other, "expected UNCL1229 line status 3, 5 or 7"));
            }
        };
        let confirmed = if status == LineStatus::Rejected {
            exact::Quantity::new(0, confirmed.unit().clone(), 0)
                .map_err(|e| status_node.invalid(status_code, e.to_string()))?
        } else {
            confirmed
        };
        let mut promised: Option<TimeWindow> = None;
        for d in li.all("Delivery") {
            if let Some(p) = d.at("PromisedDeliveryPeriod") {
                let w = window(&p)?;
                promised = Some(match promised {
                    None => w,
                    Some(o) => TimeWindow {
                        earliest: o.earliest.min(w.earliest),
                        latest: o.latest.max(w.latest),
                    },
                });
            }
        }
        let zero = exact::Quantity::new(0, confirmed.unit().clone(), 0)
            .map_err(|e| status_node.invalid(status_code, e.to_string()))?;
        let (status, cancelled_qty) = if cancelled {
            (LineStatus::Cancelled, confirmed.clone())
        } else {
            (status, zero.clone())
        };
        line_totals.push(total);
        messages.extend(line_notes.iter().map(|n| message_for(n, Some(&line_id))));
        lines.push(OrderLine {
            line_id,
            item: item_ids(&li.req("Item")?)?,
            ordered: ordered.into(),
            confirmed: confirmed.into(),
            shipped: zero.into(),
            cancelled: cancelled_qty.into(),
            unit_price: unit_price.into(),
            line_total: total.into(),
            status,
            promised_delivery: promised,
            note: (!line_notes.is_empty()).then(|| line_notes.join(" ")),
        });
    }
    let (_, totals) = charges_and_totals(&root, "LegalMonetaryTotal", currency, &line_totals)?;
    let all_accepted = lines.iter().all(|l| l.status == LineStatus::Accepted);
    let (ack, status) = match (code.as_str(), answers_cancellation) {
        (_, true) => (
            if all_accepted {
                AckStatus::Accepted
            } else {
                AckStatus::AcceptedWithChanges
            },
            if cancelled {
                OrderStatus::Cancelled
            } else {
                OrderStatus::Confirmed
            },
        ),
        ("AP", false) => (AckStatus::Accepted, OrderStatus::Confirmed),
        ("CA", false) => (AckStatus::AcceptedWithChanges, OrderStatus::Confirmed),
        ("RE", false) => (AckStatus::Rejected, OrderStatus::Rejected),
        ("AB", false) => (AckStatus::Received, OrderStatus::Submitted),
        (other, false) => {
            return Err(
                code_node.invalid(other, "expected UNCL4343 response code AP, CA, RE or AB")
            );
        }
    };
    if ack == AckStatus::Rejected {
        for m in &mut messages {
            if m.line_id.is_none() {
                m.severity = Severity::Error;
            }
        }
    }
    Ok(OrderAnswer {
        order: Order {
            order_id,
            buyer_po,
            quote_id,
            ack,
            status,
            created_at,
            updated_at,
            currency: currency.code().to_string(),
            lines,
            totals,
            messages,
            permalink: None,
        },
        code,
        answers_cancellation,
        notes: order_notes,
    })
}

/// "ordered 5 C62, confirmed 10 C62 …" → 5 C62, when the unit matches.
fn ordered_in_note(note: &str, confirmed: &exact::Quantity) -> Option<exact::Quantity> {
    let rest = note.split("ordered ").nth(1)?;
    let mut words = rest.split_whitespace();
    let number = words.next()?;
    let unit = words.next()?.trim_end_matches([',', ';', '.']);
    if unit != confirmed.unit().code() {
        return None;
    }
    let value = Decimal::parse(number).ok()?;
    exact::Quantity::from_decimal(value, confirmed.unit().clone()).ok()
}

/// Whether two unit prices are the same price per basis unit.
fn same_price(a: &UnitPrice, b: &UnitPrice) -> bool {
    if a.currency != b.currency || a.basis.unit() != b.basis.unit() {
        return false;
    }
    match (
        a.per_basis_unit(12, RoundingMode::HalfEven),
        b.per_basis_unit(12, RoundingMode::HalfEven),
    ) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

/// Add what the despatch advices say to an order: shipped quantities and statuses.
pub(crate) fn apply_shipments(order: &mut Order, shipments: &[Shipment]) {
    for line in &mut order.lines {
        let Ok(mut shipped) = exact::Quantity::try_from(&line.shipped) else {
            continue;
        };
        for s in shipments {
            for sl in s.lines.iter().filter(|sl| sl.line_id == line.line_id) {
                if let Ok(q) = exact::Quantity::try_from(&sl.quantity)
                    && let Ok(sum) = shipped.checked_add(&q)
                {
                    shipped = sum;
                }
            }
        }
        let confirmed = exact::Quantity::try_from(&line.confirmed).ok();
        if !shipped.is_zero() {
            line.status = match confirmed.map(|c| shipped.compare(&c)) {
                Some(Ok(std::cmp::Ordering::Less)) => LineStatus::PartiallyShipped,
                _ => LineStatus::Shipped,
            };
        }
        line.shipped = shipped.into();
    }
    if matches!(order.status, OrderStatus::Confirmed) {
        let any = order
            .lines
            .iter()
            .any(|l| matches!(l.status, LineStatus::Shipped | LineStatus::PartiallyShipped));
        let all = order
            .lines
            .iter()
            .filter(|l| l.status != LineStatus::Rejected)
            .all(|l| l.status == LineStatus::Shipped);
        if any {
            order.status = if all {
                OrderStatus::Shipped
            } else {
                OrderStatus::PartiallyShipped
            };
        }
    }
}

// ---------------------------------------------------------------------------------------------
// DespatchAdvice and Invoice
// ---------------------------------------------------------------------------------------------

/// A DespatchAdvice as a shipment.
pub(crate) fn shipment(root: &Element) -> Result<Shipment, DocError> {
    let root = Node::root(root);
    let order_id = root
        .text_at("OrderReference/SalesOrderID")
        .or_else(|| root.text_at("OrderReference/ID"))
        .ok_or_else(|| DocError::Missing {
            element: "DespatchAdvice/OrderReference/SalesOrderID".to_string(),
        })?
        .to_string();
    let issued = date_time(&root, "IssueDate", "IssueTime")?;
    let shipped_at = match root.at("Shipment/Delivery/Despatch") {
        Some(d) if d.at("ActualDespatchDate").is_some() => {
            date_time(&d, "ActualDespatchDate", "ActualDespatchTime")?
        }
        _ => issued,
    };
    let carrier = root
        .text_at("Shipment/Consignment/CarrierParty/PartyName/Name")
        .map(str::to_string);
    let tracking = root
        .text_at("Shipment/Delivery/TrackingID")
        .or_else(|| root.text_at("Shipment/Consignment/ID"))
        .map(str::to_string);
    let estimated = root
        .at("Shipment/Delivery/EstimatedDeliveryPeriod")
        .map(|p| window(&p))
        .transpose()?;
    let packages = root
        .at("Shipment")
        .map(|s| {
            s.all("TransportHandlingUnit")
                .iter()
                .filter_map(|t| t.text_at("ID").map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let mut lines = Vec::new();
    for dl in root.all("DespatchLine") {
        let line_id = dl
            .text_at("OrderLineReference/LineID")
            .map_or_else(|| dl.text_req("ID"), Ok)?
            .to_string();
        let lot = dl.at("Item/ItemInstance/LotIdentification");
        let best_before = match lot.as_ref().and_then(|l| l.at("ExpiryDate")) {
            Some(d) => {
                let text = d.text()?;
                Some(parse_date(text).map_err(|e| d.invalid(text, e.to_string()))?)
            }
            None => None,
        };
        lines.push(ShipmentLine {
            line_id,
            quantity: quantity(&dl.req("DeliveredQuantity")?)?.into(),
            outstanding: dl
                .at("OutstandingQuantity")
                .map(|n| quantity(&n))
                .transpose()?
                .map(Into::into),
            outstanding_reason: dl.text_at("OutstandingReason").map(str::to_string),
            lot: lot
                .and_then(|l| l.text_at("LotNumberID"))
                .map(str::to_string),
            serials: dl
                .at("Item/ItemInstance")
                .and_then(|i| i.text_at("SerialID"))
                .map(|s| vec![s.to_string()])
                .unwrap_or_default(),
            best_before,
        });
    }
    let description = match &carrier {
        Some(c) => format!("Despatched by Nordfast with {c}"),
        None => "Despatched by Nordfast".to_string(),
    };
    Ok(Shipment {
        shipment_id: root.text_req("ID")?.to_string(),
        order_id,
        status: ShipmentStatus::Shipped,
        carrier,
        service_level: None,
        tracking_number: tracking,
        tracking_url: None,
        packages,
        shipped_at: Some(shipped_at),
        estimated_delivery: estimated,
        delivered_at: None,
        lines,
        events: vec![TrackingEvent {
            at: shipped_at,
            code: "shipped".to_string(),
            description: Some(description),
            location: None,
        }],
    })
}

/// An Invoice (or CreditNote) as an invoice.
pub(crate) fn invoice(root_el: &Element) -> Result<Invoice, DocError> {
    let root = Node::root(root_el);
    let is_credit_note =
        root_el.name == "CreditNote" || root.text_at("InvoiceTypeCode") == Some("381");
    let currency = document_currency(&root)?;
    let order_id = root
        .text_at("OrderReference/SalesOrderID")
        .or_else(|| root.text_at("OrderReference/ID"))
        .ok_or_else(|| DocError::Missing {
            element: format!("{}/OrderReference/SalesOrderID", root_el.name),
        })?
        .to_string();
    let line_name = if root_el.name == "CreditNote" {
        "CreditNoteLine"
    } else {
        "InvoiceLine"
    };
    let qty_name = if root_el.name == "CreditNote" {
        "CreditedQuantity"
    } else {
        "InvoicedQuantity"
    };
    let mut lines = Vec::new();
    let mut line_totals = Vec::new();
    for il in root.all(line_name) {
        let net = money(&il.req("LineExtensionAmount")?, currency)?;
        line_totals.push(net);
        let percent = match il.at("Item/ClassifiedTaxCategory/Percent") {
            Some(p) => decimal(&p)?,
            None => Decimal::ZERO,
        };
        let tax_decimal = net
            .to_decimal()
            .checked_mul(percent)
            .and_then(|d| d.checked_div(Decimal::from_int(100), 6, RoundingMode::HalfUp))
            .map_err(|e| il.invalid("", e.to_string()))?;
        let tax = exact::Money::from_decimal(currency, tax_decimal, RoundingMode::HalfUp)
            .map_err(|e| il.invalid("", e.to_string()))?;
        lines.push(InvoiceLine {
            line_id: il
                .text_at("OrderLineReference/LineID")
                .map_or_else(|| il.text_req("ID"), Ok)?
                .to_string(),
            quantity: quantity(&il.req(qty_name)?)?.into(),
            unit_price: price(&il.req("Price")?, currency)?.into(),
            net: net.into(),
            tax: tax.into(),
        });
    }
    let (_, totals) = charges_and_totals(&root, "LegalMonetaryTotal", currency, &line_totals)?;
    let due_at = match root.at("DueDate") {
        Some(d) => {
            let text = d.text()?;
            Some(parse_date(text).map_err(|e| d.invalid(text, e.to_string()))?)
        }
        None => None,
    };
    Ok(Invoice {
        invoice_id: root.text_req("ID")?.to_string(),
        order_id,
        issued_at: date_time(&root, "IssueDate", "IssueTime")?,
        due_at,
        status: InvoiceStatus::Open,
        is_credit_note,
        lines,
        totals,
        document_format: Some("ubl-2.1".to_string()),
        document_url: None,
    })
}

// ---------------------------------------------------------------------------------------------
// ApplicationResponse (errors)
// ---------------------------------------------------------------------------------------------

/// What a Peppol Message Level Response says about a refused request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    /// Nordfast's reason code (`StatusReasonCode listID="nordfast"`).
    pub code: String,
    /// Explanation.
    pub text: String,
    /// The line it concerns.
    pub line: Option<String>,
}

/// Read an ApplicationResponse, if the body is one.
pub(crate) fn refusal(body: &[u8]) -> Option<Refusal> {
    let root = document(body, "ApplicationResponse").ok()?;
    let response = root.find("DocumentResponse/Response")?;
    Some(Refusal {
        code: response
            .text_at("Status/StatusReasonCode")
            .or_else(|| response.text_at("ResponseCode"))?
            .to_string(),
        text: response
            .text_at("Description")
            .or_else(|| response.text_at("Status/StatusReason"))
            .unwrap_or("no description")
            .to_string(),
        line: root
            .find("DocumentResponse/LineResponse/LineReference/LineID")
            .and_then(Element::value)
            .map(str::to_string),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const QUOTATION: &str = include_str!("../tests/fixtures/quotation.xml");
    const ORDER_RESPONSE: &str = include_str!("../tests/fixtures/order_response.xml");
    const DESPATCH_ADVICE: &str = include_str!("../tests/fixtures/despatch_advice.xml");
    const INVOICE: &str = include_str!("../tests/fixtures/invoice.xml");

    /// 2026-06-01T10:00:00Z.
    const JUNE_1_10H: i64 = 1_780_308_000_000;

    fn quote_of(xml: &str) -> Result<Quote, DocError> {
        let root = document(xml.as_bytes(), "Quotation")?;
        quote(&root, JUNE_1_10H)
    }

    fn dec(p: &mercato_sdk::contract::Price) -> String {
        Decimal::try_from(&p.amount)
            .map(|d| d.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn a_quotation_with_other_prefixes_is_read_exactly() {
        let q = quote_of(QUOTATION).expect("quotation");
        assert_eq!(q.quote_id, "NF-Q-000042");
        assert_eq!(q.status, QuoteStatus::Firm);
        assert_eq!(q.created_at, JUNE_1_10H);
        assert_eq!(
            q.valid_until,
            Some(JUNE_1_10H + 48 * 3_600_000),
            "12:00+02:00 is 10:00Z"
        );
        assert_eq!(q.lines[0].item.gtin.as_deref(), Some("04006381333931"));
        assert_eq!(dec(&q.lines[1].unit_price), "1.900");
        assert_eq!(
            q.lines[1].unit_price.basis.steps, 100,
            "the price basis is kept"
        );
        assert_eq!(dec(&q.lines[2].unit_price), "0.542");
        assert_eq!(q.lines[2].title, "Hexagon head screw M8x30 A2-70 & washer");
        let statuses: Vec<LineStatus> = q.lines.iter().map(|l| l.status).collect();
        assert_eq!(
            statuses,
            [
                LineStatus::Accepted,
                LineStatus::AcceptedQuantityChanged,
                LineStatus::Backordered
            ]
        );
        assert_eq!(q.totals.lines.minor, 3835);
        assert_eq!(q.totals.shipping.minor, 990);
        assert_eq!(q.totals.tax.minor, 917);
        assert_eq!(q.totals.grand_total.minor, 5742);
        assert_eq!(q.charges.len(), 2);
        assert!(
            q.messages
                .iter()
                .any(|m| m.code == "backorder" && m.line_id.as_deref() == Some("stainless"))
        );
        let late = quote(
            &document(QUOTATION.as_bytes(), "Quotation").expect("doc"),
            JUNE_1_10H + 49 * 3_600_000,
        )
        .expect("quotation");
        assert_eq!(late.status, QuoteStatus::Expired);
    }

    #[test]
    fn totals_that_do_not_add_up_are_refused_naming_the_element() {
        let e = quote_of(&QUOTATION.replace(">57.42<", ">57.43<")).expect_err("inconsistent");
        assert!(
            e.to_string().contains("QuotedMonetaryTotal/PayableAmount"),
            "{e}"
        );
        let e = quote_of(&QUOTATION.replace(">38.35<", ">38.36<")).expect_err("lines");
        assert!(e.to_string().contains("LineExtensionAmount"), "{e}");
    }

    #[test]
    fn malformed_quotations_name_what_is_wrong() {
        let e = quote_of(&QUOTATION.replace("0.210", "0,210")).expect_err("comma");
        assert_eq!(
            e.element(),
            "Quotation/QuotationLine[1]/LineItem/Price/PriceAmount"
        );
        let e = quote_of(
            &QUOTATION
                .replace("<ubl-cac:ValidityPeriod>", "<ubl-cac:Other>")
                .replace("</ubl-cac:ValidityPeriod>", "</ubl-cac:Other>"),
        )
        .expect_err("no validity");
        assert_eq!(
            e,
            DocError::Missing {
                element: "Quotation/ValidityPeriod".into()
            }
        );
        let e = quote_of(&QUOTATION.replace("4006381333931", "4006381333932")).expect_err("gtin");
        assert!(
            e.element().ends_with("StandardItemIdentification/ID"),
            "{e}"
        );
        let e =
            quote_of(&QUOTATION.replace(r#"currencyID="EUR">21.00"#, r#"currencyID="USD">21.00"#))
                .expect_err("usd");
        assert!(e.to_string().contains("USD"), "{e}");
        let e = quote_of(&QUOTATION.replace(">21.00<", ">21.001<")).expect_err("sub-cent");
        assert!(e.to_string().contains("at most 2 decimals"), "{e}");
        let e = quote_of(&QUOTATION.replace("10:00:00Z", "ten o'clock")).expect_err("time");
        assert_eq!(e.element(), "Quotation/IssueTime");
        assert!(matches!(quote_of("<q:Quotation"), Err(DocError::Xml(_))));
        let e = document(ORDER_RESPONSE.as_bytes(), "Quotation").expect_err("wrong type");
        assert!(
            e.to_string()
                .contains("expected a UBL Quotation, got OrderResponse"),
            "{e}"
        );
    }

    #[test]
    fn an_order_response_maps_every_line_status() {
        let root = document(ORDER_RESPONSE.as_bytes(), "OrderResponse").expect("doc");
        let answer = order_response(&root, &[]).expect("order response");
        let o = answer.order;
        assert_eq!(answer.code, "CA");
        assert_eq!(o.ack, AckStatus::AcceptedWithChanges);
        assert_eq!(o.status, OrderStatus::Confirmed);
        assert_eq!(o.order_id, "NF-SO-000006");
        assert_eq!(o.buyer_po, "PO-77");
        assert_eq!(o.quote_id.as_deref(), Some("NF-Q-000005"));
        let statuses: Vec<LineStatus> = o.lines.iter().map(|l| l.status).collect();
        assert_eq!(
            statuses,
            [
                LineStatus::AcceptedPriceChanged,
                LineStatus::AcceptedQuantityChanged,
                LineStatus::Backordered,
                LineStatus::AcceptedDateChanged,
                LineStatus::Rejected,
                LineStatus::Accepted,
            ]
        );
        assert_eq!(
            (o.lines[1].ordered.steps, o.lines[1].confirmed.steps),
            (5, 10),
            "ordered from the note"
        );
        assert_eq!(o.lines[4].confirmed.steps, 0);
        assert!(o.lines[2].promised_delivery.is_some());
        assert_eq!(o.totals.grand_total.minor, 8003);
    }

    #[test]
    fn the_request_tells_what_changed_when_notes_are_missing() {
        let bare = ORDER_RESPONSE
            .replace("<cbc:Note>PRICE-CHANGED: ordered at 12.500 EUR per 1 C62; the price is 12.750 EUR per 1 C62</cbc:Note>", "")
            .replace("<cbc:PriceChangeReason>Steel index</cbc:PriceChangeReason>", "");
        let root = document(bare.as_bytes(), "OrderResponse").expect("doc");
        let asked = [AskedLine {
            line_id: "1".into(),
            quantity: exact::Quantity::pieces(4),
            price: Some(UnitPrice::per_piece(
                Currency::EUR,
                Decimal::new(12_500, 3).expect("d"),
            )),
        }];
        let with_request = order_response(&root, &asked).expect("read");
        assert_eq!(
            with_request.order.lines[0].status,
            LineStatus::AcceptedPriceChanged
        );
        let without = order_response(&root, &[]).expect("read");
        assert_eq!(
            without.order.lines[0].status,
            LineStatus::AcceptedDateChanged
        );
    }

    #[test]
    fn unknown_codes_in_an_order_response_are_refused() {
        let odd = ORDER_RESPONSE.replace(
            "<cbc:LineStatusCode>5</cbc:LineStatusCode>",
            "<cbc:LineStatusCode>9</cbc:LineStatusCode>",
        );
        let root = document(odd.as_bytes(), "OrderResponse").expect("doc");
        let e = order_response(&root, &[]).expect_err("status 9");
        assert_eq!(
            e.element(),
            "OrderResponse/OrderLine[6]/LineItem/LineStatusCode"
        );
        let odd =
            ORDER_RESPONSE.replace(">CA</cbc:OrderResponseCode>", ">XX</cbc:OrderResponseCode>");
        let root = document(odd.as_bytes(), "OrderResponse").expect("doc");
        assert!(order_response(&root, &[]).is_err());
    }

    #[test]
    fn a_despatch_advice_is_a_shipment_with_lots_and_outstanding_quantities() {
        let root = document(DESPATCH_ADVICE.as_bytes(), "DespatchAdvice").expect("doc");
        let s = shipment(&root).expect("shipment");
        assert_eq!(s.shipment_id, "NF-DA-000009");
        assert_eq!(s.order_id, "NF-SO-000006");
        assert_eq!(s.carrier.as_deref(), Some("DHL Paket"));
        assert_eq!(s.tracking_number.as_deref(), Some("NF0000000009DK"));
        assert_eq!(s.packages, ["005799990000000094"]);
        assert_eq!(s.shipped_at, Some(JUNE_1_10H + 5_400_000));
        let l = &s.lines[0];
        assert_eq!((l.line_id.as_str(), l.quantity.steps), ("bolts", 300));
        assert_eq!(l.outstanding.as_ref().map(|q| q.steps), Some(200));
        assert_eq!(l.lot.as_deref(), Some("L20260601-NF-10001"));
        assert!(l.best_before.is_some());
        let broken = DESPATCH_ADVICE.replace(">300<", ">three hundred<");
        let root = document(broken.as_bytes(), "DespatchAdvice").expect("doc");
        assert_eq!(
            shipment(&root).expect_err("quantity").element(),
            "DespatchAdvice/DespatchLine[1]/DeliveredQuantity"
        );
    }

    #[test]
    fn an_invoice_is_read_with_line_tax() {
        let root = document(INVOICE.as_bytes(), "Invoice").expect("doc");
        let i = invoice(&root).expect("invoice");
        assert_eq!(i.invoice_id, "NF-INV-000010");
        assert_eq!(i.order_id, "NF-SO-000006");
        assert!(!i.is_credit_note);
        assert_eq!(i.lines[0].net.minor, 5100);
        assert_eq!(i.lines[0].tax.minor, 969);
        assert_eq!(i.totals.shipping.minor, 990);
        assert_eq!(i.totals.grand_total.minor, 7247);
        assert!(i.due_at.is_some_and(|d| d > i.issued_at));
        let broken = INVOICE.replace(
            "<cbc:DueDate>2026-07-01</cbc:DueDate>",
            "<cbc:DueDate>01.07.2026</cbc:DueDate>",
        );
        let root = document(broken.as_bytes(), "Invoice").expect("doc");
        assert_eq!(
            invoice(&root).expect_err("date").element(),
            "Invoice/DueDate"
        );
    }

    #[test]
    fn note_codes_and_times_are_read() {
        assert_eq!(note_kind("backorder: later"), NoteKind::Backorder);
        assert_eq!(note_kind("DATE-CHANGED: x"), NoteKind::Date);
        assert_eq!(note_kind("just a note"), NoteKind::Other);
        let el = Element::default();
        let n = Node::root(&el);
        assert_eq!(time_of_day(&n, "10:00:00Z"), Ok(36_000_000));
        assert_eq!(time_of_day(&n, "12:00:00+02:00"), Ok(36_000_000));
        assert_eq!(time_of_day(&n, "09:30:00.25-01:00"), Ok(37_800_250));
        assert!(time_of_day(&n, "25:99").is_err());
    }
}
