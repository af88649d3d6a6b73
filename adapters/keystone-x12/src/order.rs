//! The 850 Purchase Order the adapter sends.
//!
//! ```text
//! ISA … ZZ <buyer> ZZ KEYSTONE … <control from the idempotency key> …
//! GS*PO*<buyer>*KEYSTONE*CCYYMMDD*HHMM*<control>*X*004010
//! ST*850*0001
//! BEG*00*SA*<buyer PO>**CCYYMMDD          original, stand-alone order
//! CUR*BY*USD
//! REF*ZZ*IDEMPOTENCY*<host idempotency key>
//! REF*IA*<account>                         the buyer's account at Keystone, when known
//! CSH*SC | CSH*N                           ship complete | no backorders (partial-delivery)
//! DTM*064*CCYYMMDD / DTM*063*CCYYMMDD      do not deliver before / after
//! N9*L1*NOTES + MSG*…                      free text
//! N1*ST*<name>*92*<location id>, N2, N3, N4, PER   ship-to (and N1*BT bill-to)
//! PO1*<line id>*<qty>*<unit>*<unit price>*PE*VP*<sku>*UP|EN|UK*<gtin>
//! CTT*<PO1 count>*<sum of quantities>
//! SE, GE, IEA
//! ```
//!
//! The control numbers (ISA13, GS06) are derived from the host's idempotency key, and the key
//! itself travels in `REF*ZZ*IDEMPOTENCY`, so a retried 850 is the same interchange and
//! Keystone returns the first answer instead of booking a second order.

use mercato_sdk::contract::{Address, CallContext, CatalogItem, OrderRequest, PartialDelivery};
use mercato_sdk::errors::{CommerceResult, invalid};
use mercato_sdk::exact;

use crate::x12::{self, Delimiters, Outgoing, SetWriter};

/// The delimiters Keystone's implementation guide prescribes for 850s.
pub const DELIMITERS: Delimiters = Delimiters::STANDARD;
/// BEG03 is at most 22 characters.
pub const MAX_PO_LEN: usize = 22;
/// PO101 is at most 20 characters.
pub const MAX_LINE_ID_LEN: usize = 20;

/// One line ready for PO1.
#[derive(Debug, Clone)]
pub struct Line {
    /// The caller's line id (PO101).
    pub line_id: String,
    /// The catalogue item it orders.
    pub item: CatalogItem,
    /// Quantity in the contract's unit.
    pub quantity: exact::Quantity,
    /// X12 unit code for PO103.
    pub x12_unit: &'static str,
    /// Price per one unit of the quantity's unit (PO104).
    pub unit_price: exact::Decimal,
}

/// A written 850 and where each of its segments came from.
#[derive(Debug, Clone)]
pub struct Written {
    /// The interchange.
    pub text: String,
    /// ISA13/GS06.
    pub control: u32,
    /// (segment position in the set, request field it carries), to name the field a 997
    /// points at.
    pub fields: Vec<(usize, String)>,
}

impl Written {
    /// The request field for a segment position and element position (AK302, AK401).
    pub fn field_for(&self, position: usize, segment: &str, element: Option<usize>) -> String {
        let base = self
            .fields
            .iter()
            .find(|(p, _)| *p == position)
            .map_or("document", |(_, f)| f.as_str());
        let detail = match (segment, element) {
            ("PO1", Some(2)) => ".quantity",
            ("PO1", Some(3)) => ".quantity.unit",
            ("PO1", Some(4 | 5)) => ".expected-unit-price",
            ("PO1", Some(6..)) => ".item",
            ("N1", Some(2)) => ".organization",
            ("N1", Some(3 | 4)) => ".location-id",
            ("N2", _) => ".name",
            ("N3", _) => ".lines",
            ("N4", Some(1)) => ".city",
            ("N4", Some(2)) => ".region",
            ("N4", Some(3)) => ".postal-code",
            ("N4", Some(4)) => ".country",
            ("PER", _) => ".contact",
            _ => "",
        };
        format!("{base}{detail}")
    }
}

/// Identifiers of both trading partners.
#[derive(Debug, Clone)]
pub struct Partners {
    /// The buyer's interchange id (ISA06/GS02).
    pub buyer: String,
    /// Keystone's interchange id (ISA08/GS03).
    pub keystone: String,
}

/// Write the 850 for `req`.
pub fn write_850(
    ctx: &CallContext,
    req: &OrderRequest,
    lines: &[Line],
    partners: &Partners,
    now_ms: i64,
) -> CommerceResult<Written> {
    let d = DELIMITERS;
    let po = req.buyer_po.trim();
    if po.is_empty() || po.len() > MAX_PO_LEN || !x12::is_clean(po, &d) {
        return Err(invalid(
            "buyer-po",
            format!(
                "an X12 BEG03 purchase order number is 1 to {MAX_PO_LEN} printable ASCII \
                 characters without * > ~, not {po:?}"
            ),
        ));
    }
    let key = req.idempotency_key.trim();
    if key.is_empty() || key.len() > 80 || !x12::is_clean(key, &d) {
        return Err(invalid(
            "idempotency-key",
            "the key travels in REF03: 1 to 80 printable ASCII characters without * > ~",
        ));
    }
    let control = x12::control_number(key);
    let mut fields = Vec::new();
    let mut w = SetWriter::new("850", "0001", d);
    let date = x12::date8(now_ms);
    fields.push((
        w.segment("BEG", &["00", "SA", po, "", &date]),
        "buyer-po".to_string(),
    ));
    fields.push((
        w.segment("CUR", &["BY", "USD"]),
        "max-total.currency".to_string(),
    ));
    fields.push((
        w.segment("REF", &["ZZ", "IDEMPOTENCY", key]),
        "idempotency-key".to_string(),
    ));
    if let Some(account) = ctx.buyer.account_id.as_deref().map(str::trim)
        && !account.is_empty()
    {
        let account = x12::text(account, 30, &d);
        fields.push((
            w.segment("REF", &["IA", &account]),
            "buyer.account-id".to_string(),
        ));
    }
    let csh = match req.partial_delivery {
        PartialDelivery::Allow => None,
        PartialDelivery::ShipComplete => Some("SC"),
        PartialDelivery::CancelBackorders => Some("N"),
    };
    if let Some(code) = csh {
        fields.push((w.segment("CSH", &[code]), "partial-delivery".to_string()));
    }
    if let Some(window) = &req.requested_delivery {
        for (qualifier, at) in [("064", window.earliest), ("063", window.latest)] {
            let date = x12::date8(at);
            fields.push((
                w.segment("DTM", &[qualifier, &date]),
                "requested-delivery".to_string(),
            ));
        }
    }
    if let Some(notes) = req.notes.as_deref().filter(|n| !n.trim().is_empty()) {
        fields.push((w.segment("N9", &["L1", "NOTES"]), "notes".to_string()));
        let text = x12::text(notes, 264 * 4, &d);
        let chars: Vec<char> = text.chars().collect();
        for chunk in chars.chunks(264) {
            let part: String = chunk.iter().collect();
            fields.push((w.segment("MSG", &[part.trim()]), "notes".to_string()));
        }
    }
    party(&mut w, &mut fields, "ST", &req.ship_to, "ship-to", &d);
    if let Some(bill_to) = &req.bill_to {
        party(&mut w, &mut fields, "BT", bill_to, "bill-to", &d);
    }
    let mut hash_total = exact::Decimal::ZERO;
    for (i, line) in lines.iter().enumerate() {
        let field = format!("lines[{i}]");
        if line.line_id.is_empty()
            || line.line_id.len() > MAX_LINE_ID_LEN
            || !x12::is_clean(&line.line_id, &d)
        {
            return Err(invalid(
                format!("{field}.line-id"),
                format!(
                    "an X12 PO101 line id is 1 to {MAX_LINE_ID_LEN} printable ASCII characters \
                     without * > ~"
                ),
            ));
        }
        let quantity = line
            .quantity
            .to_decimal()
            .map_err(|e| invalid(format!("{field}.quantity"), e.to_string()))?;
        hash_total = hash_total
            .checked_add(quantity)
            .map_err(|e| invalid("lines", e.to_string()))?;
        let qty_text = quantity.normalized().to_string();
        let price_text = line.unit_price.to_string();
        let sku = &line.item.ids.supplier_sku;
        let gtin = line.item.ids.gtin.as_deref().and_then(|g| {
            let g = mercato_sdk::gtin::Gtin::parse(g).ok()?;
            let short = g.shortest();
            let qualifier = match short.len() {
                12 => "UP",
                13 => "EN",
                _ => "UK",
            };
            Some((
                qualifier,
                if qualifier == "UK" {
                    g.as_str().to_string()
                } else {
                    short
                },
            ))
        });
        let mut elements = vec![
            line.line_id.as_str(),
            &qty_text,
            line.x12_unit,
            &price_text,
            "PE",
            "VP",
            sku,
        ];
        if let Some((q, g)) = &gtin {
            elements.push(q);
            elements.push(g);
        }
        fields.push((w.segment("PO1", &elements), field));
    }
    let count = lines.len().to_string();
    let hash = hash_total.normalized().to_string();
    fields.push((w.segment("CTT", &[&count, &hash]), "lines".to_string()));
    let set = w.finish();
    let text = x12::interchange(
        &Outgoing {
            sender: &partners.buyer,
            receiver: &partners.keystone,
            control,
            functional_id: "PO",
            at_ms: now_ms,
        },
        &[set],
        d,
    );
    Ok(Written {
        text,
        control,
        fields,
    })
}

/// N1 loop: N1, N2, N3, N4, PER.
fn party(
    w: &mut SetWriter,
    fields: &mut Vec<(usize, String)>,
    code: &str,
    a: &Address,
    field: &str,
    d: &Delimiters,
) {
    let name = a
        .organization
        .as_deref()
        .or(a.name.as_deref())
        .unwrap_or("Receiving");
    let name = x12::text(name, 60, d);
    let location = a.location_id.as_deref().map(|l| x12::text(l, 80, d));
    let n1 = match &location {
        Some(id) if !id.is_empty() => w.segment("N1", &[code, &name, "92", id]),
        _ => w.segment("N1", &[code, &name]),
    };
    fields.push((n1, field.to_string()));
    if a.organization.is_some()
        && let Some(place) = a.name.as_deref().filter(|n| !n.trim().is_empty())
    {
        let place = x12::text(place, 60, d);
        fields.push((w.segment("N2", &[&place]), field.to_string()));
    }
    let street: Vec<String> = a
        .lines
        .iter()
        .map(|l| x12::text(l, 55, d))
        .filter(|l| !l.is_empty())
        .collect();
    for pair in street.chunks(2) {
        let refs: Vec<&str> = pair.iter().map(String::as_str).collect();
        fields.push((w.segment("N3", &refs), field.to_string()));
    }
    let city = x12::text(&a.city, 30, d);
    let region = a
        .region
        .as_deref()
        .map(|r| x12::text(r, 2, d))
        .unwrap_or_default();
    let postal = a
        .postal_code
        .as_deref()
        .map(|p| x12::text(p, 15, d))
        .unwrap_or_default();
    let country = x12::text(&a.country.to_ascii_uppercase(), 3, d);
    fields.push((
        w.segment("N4", &[&city, &region, &postal, &country]),
        field.to_string(),
    ));
    if let Some(c) = &a.contact {
        let name = c
            .name
            .as_deref()
            .map(|n| x12::text(n, 60, d))
            .unwrap_or_default();
        let mut elements = vec!["DC".to_string(), name];
        if let Some(phone) = c.phone.as_deref() {
            elements.push("TE".into());
            elements.push(x12::text(phone, 80, d));
        }
        if let Some(email) = c.email.as_deref() {
            elements.push("EM".into());
            elements.push(x12::text(email, 80, d));
        }
        let refs: Vec<&str> = elements.iter().map(String::as_str).collect();
        fields.push((w.segment("PER", &refs), field.to_string()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mercato_sdk::contract::*;
    use mercato_sdk::testing;

    pub(crate) fn item(sku: &str, gtin: Option<&str>) -> CatalogItem {
        crate::catalog::read_832(crate::catalog::tests::sample_832().as_bytes())
            .expect("832")
            .items
            .into_iter()
            .find(|i| i.ids.supplier_sku == sku)
            .map(|mut i| {
                i.ids.gtin = gtin.map(str::to_string);
                i
            })
            .expect("item")
    }

    fn request(key: &str) -> OrderRequest {
        OrderRequest {
            idempotency_key: key.into(),
            buyer_po: "PO-77".into(),
            quote_id: None,
            lines: Vec::new(),
            ship_to: Address {
                location_id: Some("DOCK4".into()),
                name: Some("Dock 4".into()),
                organization: Some("Plant 3 Inc".into()),
                lines: vec!["100 Main St".into(), "Gate *B*".into()],
                city: "Dayton".into(),
                region: Some("OH".into()),
                postal_code: Some("45402".into()),
                country: "US".into(),
                contact: None,
            },
            bill_to: None,
            fulfillment_option_id: None,
            requested_delivery: Some(TimeWindow {
                earliest: 1_780_272_000_000,
                latest: 1_780_272_000_000 + 3 * 86_400_000,
            }),
            partial_delivery: PartialDelivery::CancelBackorders,
            max_total: Money {
                currency: "USD".into(),
                minor: 100_000,
            },
            payment: PaymentInstruction::OnAccount(None),
            authorization: None,
            notes: None,
        }
    }

    fn lines() -> Vec<Line> {
        vec![
            Line {
                line_id: "1".into(),
                item: item("KI-20020", Some("00036000291452")),
                quantity: exact::Quantity::new(3, exact::Unit::parse("BX").unwrap(), 0).unwrap(),
                x12_unit: "BX",
                unit_price: exact::Decimal::parse("12.50").unwrap(),
            },
            Line {
                line_id: "2".into(),
                item: item("KI-10010", None),
                quantity: exact::Quantity::pieces(250),
                x12_unit: "EA",
                unit_price: exact::Decimal::parse("0.0873").unwrap(),
            },
        ]
    }

    fn partners() -> Partners {
        Partners {
            buyer: "PLANT3".into(),
            keystone: "KEYSTONE".into(),
        }
    }

    #[test]
    fn the_850_has_every_segment_and_counts_that_add_up() {
        let written = write_850(
            &testing::call_context(),
            &request("mrc-abc"),
            &lines(),
            &partners(),
            1_780_308_000_000,
        )
        .expect("850");
        let x = x12::parse(written.text.as_bytes()).expect("reads back");
        assert_eq!(x.envelope.control, format!("{:09}", written.control));
        assert_eq!(x.envelope.sender, "PLANT3");
        assert_eq!(x.envelope.receiver, "KEYSTONE");
        let g = &x.groups[0];
        assert_eq!(g.problem, None, "GE counts and control match");
        assert_eq!(g.control, written.control.to_string());
        let set = &g.sets[0];
        assert_eq!(set.problem, None, "SE count and control match");
        let ids: Vec<&str> = set.segments.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "ST", "BEG", "CUR", "REF", "REF", "CSH", "DTM", "DTM", "N1", "N2", "N3", "N4",
                "PO1", "PO1", "CTT", "SE"
            ]
        );
        let seg = |id: &str, n: usize| set.segments.iter().filter(|s| s.id == id).nth(n).unwrap();
        assert_eq!(
            seg("BEG", 0).elements,
            ["00", "SA", "PO-77", "", "20260601"]
        );
        assert_eq!(seg("REF", 0).elements, ["ZZ", "IDEMPOTENCY", "mrc-abc"]);
        assert_eq!(seg("REF", 1).elements, ["IA", "ACCT-1"]);
        assert_eq!(seg("CSH", 0).elements, ["N"]);
        assert_eq!(seg("DTM", 0).elements, ["064", "20260601"]);
        assert_eq!(seg("DTM", 1).elements, ["063", "20260604"]);
        assert_eq!(seg("N1", 0).elements, ["ST", "Plant 3 Inc", "92", "DOCK4"]);
        assert_eq!(
            seg("N3", 0).elements,
            ["100 Main St", "Gate B"],
            "delimiters never leak"
        );
        assert_eq!(seg("N4", 0).elements, ["Dayton", "OH", "45402", "US"]);
        assert_eq!(
            seg("PO1", 0).elements,
            [
                "1",
                "3",
                "BX",
                "12.50",
                "PE",
                "VP",
                "KI-20020",
                "UP",
                "036000291452"
            ]
        );
        assert_eq!(
            seg("PO1", 1).elements,
            ["2", "250", "EA", "0.0873", "PE", "VP", "KI-10010"]
        );
        assert_eq!(seg("CTT", 0).elements, ["2", "253"]);
        assert_eq!(seg("SE", 0).get(1), "16");
        assert_eq!(
            written.field_for(13, "PO1", Some(3)),
            "lines[0].quantity.unit"
        );
        assert_eq!(written.field_for(12, "N4", Some(3)), "ship-to.postal-code");
    }

    #[test]
    fn the_same_key_gives_the_same_control_numbers() {
        let a = write_850(
            &testing::call_context(),
            &request("k-1"),
            &lines(),
            &partners(),
            0,
        )
        .unwrap();
        let b = write_850(
            &testing::call_context(),
            &request("k-1"),
            &lines(),
            &partners(),
            0,
        )
        .unwrap();
        let c = write_850(
            &testing::call_context(),
            &request("k-2"),
            &lines(),
            &partners(),
            0,
        )
        .unwrap();
        assert_eq!(a.control, b.control);
        assert_eq!(a.text, b.text);
        assert_ne!(a.control, c.control);
    }

    #[test]
    fn unrepresentable_identifiers_are_invalid_requests() {
        let mut r = request("k");
        r.buyer_po = "PO*1".into();
        let e = write_850(&testing::call_context(), &r, &lines(), &partners(), 0).unwrap_err();
        assert!(
            matches!(&e, CommerceError::InvalidRequest(f) if f.field == "buyer-po"),
            "{e:?}"
        );
        let mut l = lines();
        l[0].line_id = "x".repeat(21);
        let e = write_850(&testing::call_context(), &request("k"), &l, &partners(), 0).unwrap_err();
        assert!(
            matches!(&e, CommerceError::InvalidRequest(f) if f.field == "lines[0].line-id"),
            "{e:?}"
        );
    }
}
