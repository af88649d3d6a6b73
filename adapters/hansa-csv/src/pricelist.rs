//! The price list: parsed from the embedded CSV into typed rows, and rows into catalogue items.

use mercato_sdk::exact::{Currency, Decimal, Quantity as ExactQuantity, Unit, UnitPrice};
use mercato_sdk::formats::{NumberLocale, parse_decimal};
use mercato_sdk::gtin::Gtin;
use mercato_sdk::prelude::*;
use mercato_sdk::time::parse_date;
use serde::Deserialize;

/// A row as written in the file (German headers).
#[derive(Debug, Deserialize)]
struct RawRow {
    artikelnr: String,
    gtin: String,
    mpn: String,
    hersteller: String,
    bezeichnung: String,
    stichworte: String,
    einheit: String,
    preiseinheit: String,
    mindestmenge: String,
    staffel: String,
    menge_1: String,
    preis_1: String,
    menge_2: String,
    preis_2: String,
    menge_3: String,
    preis_3: String,
    waehrung: String,
    lieferzeit_tage: String,
    bestand: String,
    gueltig_bis: String,
}

/// One article of the list, with every number parsed exactly.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub sku: String,
    pub gtin: Option<Gtin>,
    pub mpn: String,
    pub manufacturer: String,
    pub title: String,
    pub keywords: String,
    unit: Unit,
    price_basis: u64,
    minimum: u64,
    increment: u64,
    /// (from quantity, price per `price_basis` units), ascending.
    tiers: Vec<(u64, Decimal)>,
    currency: Currency,
    lead_time_days: u32,
    pub stock: u64,
    valid_until: Timestamp,
}

impl Row {
    /// The DIN standard the article follows, e.g. "933".
    pub(crate) fn category(&self) -> &str {
        self.title
            .split_once("DIN ")
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .unwrap_or("")
    }
}

/// The whole list.
pub(crate) struct PriceList {
    rows: Vec<Row>,
    observed_at: Timestamp,
}

fn bad_row(line: usize, column: &str, problem: impl std::fmt::Display) -> CommerceError {
    errors::internal(format!(
        "price list line {line}, column {column}: {problem}"
    ))
}

fn whole(line: usize, column: &str, text: &str) -> CommerceResult<u64> {
    text.trim()
        .parse::<u64>()
        .map_err(|_| bad_row(line, column, format!("{text:?} is not a whole number")))
}

impl PriceList {
    /// Parse the CSV. Every malformed value is an error naming its line and column.
    pub(crate) fn parse(csv_text: &str, list_date: &str) -> CommerceResult<Self> {
        let observed_at = parse_date(list_date).map_err(errors::internal)?;
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(b';')
            .comment(Some(b'#'))
            .from_reader(csv_text.as_bytes());
        let mut rows = Vec::new();
        for (index, record) in reader.deserialize::<RawRow>().enumerate() {
            // Line 1 is the comment, line 2 the header.
            let line = index + 3;
            let raw = record.map_err(|e| bad_row(line, "*", e))?;
            rows.push(Row::from_raw(raw, line)?);
        }
        Ok(PriceList { rows, observed_at })
    }

    /// Every row, in file order.
    pub(crate) fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// The row an item reference names, if any.
    pub(crate) fn find(&self, r: &ItemRef) -> CommerceResult<Option<&Row>> {
        Ok(match r {
            ItemRef::Sku(sku) => self.rows.iter().find(|row| row.sku == *sku),
            ItemRef::Gtin(text) => {
                let wanted =
                    Gtin::parse(text).map_err(|e| errors::invalid("gtin", e.to_string()))?;
                self.rows.iter().find(|row| row.gtin == Some(wanted))
            }
            ItemRef::Mpn(m) => self.rows.iter().find(|row| {
                row.mpn.eq_ignore_ascii_case(&m.mpn)
                    && m.manufacturer
                        .as_ref()
                        .is_none_or(|maker| row.manufacturer.eq_ignore_ascii_case(maker))
            }),
            ItemRef::BuyerPart(_) => None,
        })
    }

    /// The catalogue item of a row.
    pub(crate) fn item(&self, row: &Row) -> CommerceResult<CatalogItem> {
        let pieces = |n: u64| -> CommerceResult<Quantity> {
            Ok(ExactQuantity::new(n, row.unit.clone(), 0)?.into())
        };
        let basis = ExactQuantity::new(row.price_basis, row.unit.clone(), 0)?;
        let price_tiers = row
            .tiers
            .iter()
            .map(|(from, price)| {
                Ok(PriceTier {
                    min_quantity: pieces(*from)?,
                    unit_price: UnitPrice {
                        currency: row.currency,
                        amount: *price,
                        basis: basis.clone(),
                    }
                    .into(),
                    valid_until: Some(row.valid_until),
                })
            })
            .collect::<CommerceResult<Vec<_>>>()?;
        Ok(CatalogItem {
            ids: ItemIds {
                supplier_sku: row.sku.clone(),
                offer_token: None,
                gtin: row.gtin.map(|g| g.as_str().to_string()),
                mpn: Some(row.mpn.clone()),
                manufacturer: Some(row.manufacturer.clone()),
                buyer_part_id: None,
                other: Vec::new(),
            },
            title: row.title.clone(),
            description: None,
            brand: Some(row.manufacturer.clone()),
            classifications: vec![Classification {
                scheme: "DIN".to_string(),
                code: row.category().to_string(),
            }],
            sale_unit: row.unit.code().to_string(),
            content_per_sale_unit: None,
            rules: OrderRules {
                minimum: Some(pieces(row.minimum)?),
                increment: Some(pieces(row.increment)?),
                maximum: None,
            },
            price_tiers,
            list_price: None,
            prices_include_tax: false,
            availability: Some(Availability {
                status: if row.stock > 0 {
                    StockStatus::InStock
                } else {
                    StockStatus::Backorder
                },
                on_hand: Some(pieces(row.stock)?),
                lead_time_days: Some(row.lead_time_days),
                next_restock: Vec::new(),
                observed_at: self.observed_at,
            }),
            url: None,
            image_urls: Vec::new(),
            attributes: vec![("keywords".to_string(), row.keywords.clone())],
            price_observed_at: self.observed_at,
        })
    }
}

impl Row {
    fn from_raw(raw: RawRow, line: usize) -> CommerceResult<Self> {
        let price = |column: &str, text: &str| {
            parse_decimal(text, NumberLocale::CommaDecimal).map_err(|e| bad_row(line, column, e))
        };
        let mut tiers = vec![
            (
                whole(line, "menge_1", &raw.menge_1)?,
                price("preis_1", &raw.preis_1)?,
            ),
            (
                whole(line, "menge_2", &raw.menge_2)?,
                price("preis_2", &raw.preis_2)?,
            ),
            (
                whole(line, "menge_3", &raw.menge_3)?,
                price("preis_3", &raw.preis_3)?,
            ),
        ];
        if tiers.windows(2).any(|w| w[0].0 >= w[1].0) {
            return Err(bad_row(
                line,
                "menge_n",
                "tier quantities are not ascending",
            ));
        }
        tiers.retain(|(_, p)| !p.is_zero());
        let gtin = match raw.gtin.trim() {
            "" => None,
            text => Some(Gtin::parse(text).map_err(|e| bad_row(line, "gtin", e))?),
        };
        let lead_time_days = u32::try_from(whole(line, "lieferzeit_tage", &raw.lieferzeit_tage)?)
            .map_err(|_| bad_row(line, "lieferzeit_tage", "too large"))?;
        let valid_until = parse_date(&raw.gueltig_bis).map_err(|e| bad_row(line, "gueltig_bis", e))?
            // Valid through the whole last day.
            + mercato_sdk::time::DAY_MS
            - 1;
        Ok(Row {
            sku: raw.artikelnr,
            gtin,
            mpn: raw.mpn,
            manufacturer: raw.hersteller,
            title: raw.bezeichnung,
            keywords: raw.stichworte,
            unit: Unit::parse(raw.einheit.trim()).map_err(|e| bad_row(line, "einheit", e))?,
            price_basis: whole(line, "preiseinheit", &raw.preiseinheit)?,
            minimum: whole(line, "mindestmenge", &raw.mindestmenge)?,
            increment: whole(line, "staffel", &raw.staffel)?,
            tiers,
            currency: Currency::parse(raw.waehrung.trim())
                .map_err(|e| bad_row(line, "waehrung", e))?,
            lead_time_days,
            stock: whole(line, "bestand", &raw.bestand)?,
            valid_until,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "artikelnr;gtin;mpn;hersteller;bezeichnung;stichworte;einheit;preiseinheit;mindestmenge;staffel;menge_1;preis_1;menge_2;preis_2;menge_3;preis_3;waehrung;lieferzeit_tage;bestand;gueltig_bis\n";

    fn parse_one(row: &str) -> CommerceResult<PriceList> {
        PriceList::parse(&format!("# test\n{HEADER}{row}\n"), "2026-11-01")
    }

    #[test]
    fn the_embedded_list_parses_completely() {
        let list = PriceList::parse(crate::PRICE_LIST, crate::PRICE_LIST_DATE).expect("parses");
        assert!(list.rows().len() >= 50, "{} rows", list.rows().len());
        for row in list.rows() {
            list.item(row).expect("every row converts");
        }
    }

    #[test]
    fn decimal_commas_and_the_per_100_basis_are_kept_exact() {
        let list = parse_one("X-1;4012345000191;M;Hansa;Schraube DIN 933 M8x30;hex bolt;C62;100;100;100;100;18,50;500;15,90;2000;13,20;EUR;2;20000;2027-03-31")
            .expect("parses");
        let item = list.item(&list.rows()[0]).expect("item");
        let tier = &item.price_tiers[1];
        assert_eq!(tier.min_quantity, Quantity::pieces(500));
        assert_eq!(
            tier.unit_price.amount,
            Decimal::parse("15.90").expect("d").into()
        );
        assert_eq!(tier.unit_price.basis, Quantity::pieces(100));
        let price = UnitPrice::try_from(&tier.unit_price).expect("price");
        let total = price
            .total_for(&ExactQuantity::pieces(500), RoundingMode::HalfUp)
            .expect("total");
        assert_eq!(
            total.minor(),
            7950,
            "500 pieces at 15,90 per 100 = 79,50 EUR"
        );
    }

    #[test]
    fn malformed_values_name_line_and_column() {
        let e = parse_one("X-1;;M;Hansa;Schraube;k;C62;100;100;100;100;18.50.1;500;15,90;2000;13,20;EUR;2;20000;2027-03-31")
            .err()
            .expect("bad price");
        let text = e.to_string();
        assert!(
            text.contains("line 3") && text.contains("preis_1"),
            "{text}"
        );
        let e = parse_one("X-1;4012345000192;M;Hansa;Schraube;k;C62;100;100;100;100;18,50;500;15,90;2000;13,20;EUR;2;20000;2027-03-31")
            .err()
            .expect("bad gtin check digit");
        assert!(e.to_string().contains("gtin"), "{e}");
        let e = parse_one("X-1;;M;Hansa;Schraube;k;C62;100;100;100;500;18,50;100;15,90;2000;13,20;EUR;2;20000;2027-03-31")
            .err()
            .expect("tiers out of order");
        assert!(e.to_string().contains("ascending"), "{e}");
    }
}
