//! Contract requests → Voltaic request bodies. Pure functions; amounts go out as canonical
//! decimals (`{"Amount": "0.24", "Currency": "EUR"}`), never as floats.

use mercato_sdk::contract::Money as WitMoney;
use mercato_sdk::errors::invalid;
use mercato_sdk::exact::{self, RoundingMode, Unit};
use mercato_sdk::prelude::*;
use serde_json::{Value, json};

/// Most decimals Voltaic keeps in a unit price.
const PRICE_DECIMALS: u8 = 4;

/// A quantity as whole pieces; Voltaic sells everything by the piece.
pub fn pieces(q: &Quantity, field: &str) -> CommerceResult<u64> {
    let exact_q = exact::Quantity::try_from(q).map_err(|e| invalid(field, e.to_string()))?;
    let piece_like = *exact_q.unit() == Unit::piece() || *exact_q.unit() == Unit::each();
    if !piece_like {
        return Err(invalid(
            field,
            format!("Voltaic sells by the piece (C62), not in {}", q.unit),
        ));
    }
    let whole = exact_q
        .to_decimal()
        .and_then(|d| {
            let w = d.rescale(0, RoundingMode::TowardZero)?;
            Ok((w == d).then_some(w))
        })
        .map_err(|e| invalid(field, e.to_string()))?;
    let Some(whole) = whole else {
        return Err(invalid(
            field,
            format!("{} pieces is not a whole number", exact_q),
        ));
    };
    let n = u64::try_from(whole.mantissa())
        .map_err(|_| invalid(field, "a quantity cannot be negative"))?;
    if n == 0 {
        return Err(invalid(field, "a quantity must be at least one piece"));
    }
    Ok(n)
}

/// A unit price per piece as Voltaic's `{"Amount", "Currency"}`.
pub fn unit_price_input(p: &Price, field: &str) -> CommerceResult<Value> {
    let price = exact::UnitPrice::try_from(p).map_err(|e| invalid(field, e.to_string()))?;
    let basis_unit = price.basis.unit();
    if *basis_unit != Unit::piece() && *basis_unit != Unit::each() {
        return Err(invalid(
            field,
            format!("Voltaic prices by the piece, not per {}", p.basis.unit),
        ));
    }
    let per_piece = price
        .per_basis_unit(PRICE_DECIMALS, RoundingMode::TowardZero)
        .map_err(|e| invalid(field, e.to_string()))?;
    let finer = price
        .per_basis_unit(exact::Decimal::MAX_SCALE, RoundingMode::TowardZero)
        .map_err(|e| invalid(field, e.to_string()))?;
    if per_piece != finer || per_piece.is_negative() {
        return Err(invalid(
            field,
            format!(
                "{} per piece cannot be a Voltaic price (at most {PRICE_DECIMALS} decimals, not negative)",
                finer
            ),
        ));
    }
    Ok(json!({"Amount": per_piece.normalized().to_string(), "Currency": price.currency.code()}))
}

/// A money amount as Voltaic's `{"Amount", "Currency"}`.
pub fn money_input(m: &WitMoney, field: &str) -> CommerceResult<Value> {
    let money = exact::Money::try_from(m).map_err(|e| invalid(field, e.to_string()))?;
    if money.minor() < 0 {
        return Err(invalid(field, "an amount cannot be negative"));
    }
    Ok(json!({"Amount": money.to_decimal().to_string(), "Currency": money.currency().code()}))
}

/// A postal address as Voltaic's `ShipTo`.
pub fn address(a: &Address) -> Value {
    let name = a
        .name
        .clone()
        .or_else(|| a.contact.as_ref().and_then(|c| c.name.clone()));
    json!({
        "Name": name,
        "Company": a.organization,
        "AddressLines": a.lines,
        "City": a.city,
        "Region": a.region,
        "PostalCode": a.postal_code,
        "Country": a.country,
    })
}

/// A line already resolved to a Voltaic part number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedLine {
    /// The caller's line id.
    pub line_id: String,
    /// Voltaic part number.
    pub sku: String,
    /// Pieces.
    pub quantity: u64,
}

/// The body of `POST /api/v1/cart`.
pub fn cart_body(lines: &[ResolvedLine], currency: &str, locale: &str, country: &str) -> Value {
    let items: Vec<Value> = lines
        .iter()
        .map(|l| json!({"VoltaicPartNumber": l.sku, "Quantity": l.quantity, "CustomerLineId": l.line_id}))
        .collect();
    json!({"CurrencyCode": currency, "Locale": locale, "ShipToCountry": country, "CartItems": items})
}

/// Voltaic's `BackorderPolicy` for the contract's partial-delivery choice.
pub fn backorder_policy(p: PartialDelivery) -> &'static str {
    match p {
        PartialDelivery::Allow => "Allow",
        PartialDelivery::ShipComplete => "ShipComplete",
        PartialDelivery::CancelBackorders => "CancelBackorders",
    }
}

/// The body of `POST /api/v1/order`. `lines` are the request's lines resolved to part
/// numbers, in order. The currency is the one of `max-total` (every order carries it).
pub fn order_body(
    req: &OrderRequest,
    lines: &[ResolvedLine],
    locale: &str,
) -> CommerceResult<Value> {
    if req.buyer_po.trim().is_empty() {
        return Err(invalid("buyer-po", "Voltaic needs a purchase order number"));
    }
    if !matches!(req.payment, PaymentInstruction::OnAccount(_)) {
        return Err(CommerceError::PaymentDeclined(
            "Voltaic invoices business accounts (Net 30) and takes no cards or delegated tokens"
                .to_string(),
        ));
    }
    let mut order_lines = Vec::new();
    for (i, (line, resolved)) in req.lines.iter().zip(lines).enumerate() {
        let expected = line
            .expected_unit_price
            .as_ref()
            .map(|p| unit_price_input(p, &format!("lines[{i}].expected-unit-price")))
            .transpose()?;
        if let Some(p) = &line.expected_unit_price
            && p.currency != req.max_total.currency
        {
            return Err(invalid(
                format!("lines[{i}].expected-unit-price"),
                format!(
                    "is in {}, the order's max-total in {}",
                    p.currency, req.max_total.currency
                ),
            ));
        }
        order_lines.push(json!({
            "CustomerLineId": line.line_id,
            "VoltaicPartNumber": resolved.sku,
            "Quantity": resolved.quantity,
            "ExpectedUnitPrice": expected,
        }));
    }
    Ok(json!({
        "CartKey": req.quote_id,
        "PurchaseOrderNumber": req.buyer_po.trim(),
        "CurrencyCode": req.max_total.currency,
        "Locale": locale,
        "ShipTo": address(&req.ship_to),
        "OrderLines": order_lines,
        "MaxTotal": money_input(&req.max_total, "max-total")?,
        "BackorderPolicy": backorder_policy(req.partial_delivery),
        "Notes": req.notes,
    }))
}

/// Voltaic's return reason.
pub fn return_reason(r: ReturnReason) -> &'static str {
    match r {
        ReturnReason::Damaged => "Damaged",
        ReturnReason::Defective => "Defective",
        ReturnReason::WrongItem => "WrongItem",
        ReturnReason::NotNeeded => "NotNeeded",
        ReturnReason::OrderedInError => "OrderedInError",
        ReturnReason::Other => "Other",
    }
}

/// The body of `POST /api/v1/order/{n}/returns`.
pub fn return_body(req: &ReturnRequest) -> CommerceResult<Value> {
    if req.lines.is_empty() {
        return Err(invalid("lines", "a return needs at least one line"));
    }
    let mut lines = Vec::new();
    for (i, l) in req.lines.iter().enumerate() {
        lines.push(json!({
            "CustomerLineId": l.line_id,
            "Quantity": pieces(&l.quantity, &format!("lines[{i}].quantity"))?,
            "Reason": return_reason(l.reason),
        }));
    }
    Ok(json!({"Lines": lines, "Notes": req.notes}))
}

#[cfg(test)]
mod tests {
    use super::*;
    use mercato_sdk::exact::Currency;

    fn order_request() -> OrderRequest {
        OrderRequest {
            idempotency_key: "k".to_string(),
            buyer_po: "PO-1".to_string(),
            quote_id: Some("c-1".to_string()),
            lines: vec![OrderLineRequest {
                line_id: "1".to_string(),
                item: ItemRef::Sku("VC-HB-M8X30-A2".to_string()),
                offer_token: None,
                quantity: Quantity::pieces(500),
                expected_unit_price: Some(Price::per_piece(
                    Currency::EUR,
                    exact::Decimal::new(24, 2).expect("d"),
                )),
            }],
            ship_to: Address {
                location_id: None,
                name: Some("Plant 3".to_string()),
                organization: Some("Acme".to_string()),
                lines: vec!["Werkstr. 3".to_string()],
                city: "Stuttgart".to_string(),
                region: None,
                postal_code: Some("70173".to_string()),
                country: "DE".to_string(),
                contact: None,
            },
            bill_to: None,
            fulfillment_option_id: None,
            requested_delivery: None,
            partial_delivery: PartialDelivery::ShipComplete,
            max_total: WitMoney {
                currency: "EUR".to_string(),
                minor: 20_000,
            },
            payment: PaymentInstruction::OnAccount(None),
            authorization: None,
            notes: None,
        }
    }

    fn resolved() -> Vec<ResolvedLine> {
        vec![ResolvedLine {
            line_id: "1".into(),
            sku: "VC-HB-M8X30-A2".into(),
            quantity: 500,
        }]
    }

    #[test]
    fn order_bodies_carry_exact_amounts_and_the_policy() {
        let body = order_body(&order_request(), &resolved(), "de-DE").expect("body");
        assert_eq!(body["CartKey"], "c-1");
        assert_eq!(
            body["OrderLines"][0]["ExpectedUnitPrice"],
            json!({"Amount": "0.24", "Currency": "EUR"})
        );
        assert_eq!(
            body["MaxTotal"],
            json!({"Amount": "200.00", "Currency": "EUR"})
        );
        assert_eq!(body["BackorderPolicy"], "ShipComplete");
        assert_eq!(body["ShipTo"]["City"], "Stuttgart");
    }

    #[test]
    fn prices_per_hundred_become_per_piece_when_exact() {
        let mut p = Price::per_piece(Currency::EUR, exact::Decimal::new(650, 2).expect("d"));
        p.basis = Quantity::pieces(100);
        assert_eq!(unit_price_input(&p, "x").expect("price")["Amount"], "0.065");
        p.amount = mercato_sdk::contract::Decimal {
            mantissa: 1,
            scale: 3,
        };
        assert_eq!(
            unit_price_input(&p, "x").map_err(|e| e.code()),
            Err("invalid-request")
        );
    }

    #[test]
    fn other_payments_are_declined_before_sending() {
        let mut req = order_request();
        req.payment = PaymentInstruction::SavedMethod("card-1".into());
        assert_eq!(
            order_body(&req, &resolved(), "de-DE").map_err(|e| e.code()),
            Err("payment-declined")
        );
    }

    #[test]
    fn quantities_must_be_whole_pieces() {
        assert_eq!(pieces(&Quantity::pieces(5), "q"), Ok(5));
        let kg = Quantity {
            steps: 15,
            unit: "KGM".into(),
            scale: 1,
        };
        assert_eq!(
            pieces(&kg, "q").map_err(|e| e.code()),
            Err("invalid-request")
        );
        let half = Quantity {
            steps: 15,
            unit: "C62".into(),
            scale: 1,
        };
        assert!(pieces(&half, "q").is_err());
        assert!(pieces(&Quantity::pieces(0), "q").is_err());
    }
}
