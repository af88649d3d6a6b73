//! Ostara's assortment and the cXML `Index` catalogue file it publishes.

use mercato_sdk::gtin::check_digit;
use mercato_sdk::xml::XmlWriter;

use super::cxml::{DTD_CATALOG, amount, timestamp, with_doctype};

/// How an item stands in Ostara's warehouse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lifecycle {
    /// Sold; what is not on hand is backordered until the lead time has passed.
    Active,
    /// No longer sold: order lines for it are rejected.
    Discontinued,
}

/// One catalogue item.
#[derive(Debug, Clone)]
pub(crate) struct Item {
    /// `SupplierPartID`.
    pub sku: &'static str,
    /// `Description/ShortName`.
    pub name: &'static str,
    /// `Description` text.
    pub description: &'static str,
    /// UNSPSC code.
    pub unspsc: &'static str,
    /// Rec 20 unit the item is sold in (`UnitOfMeasure`).
    pub uom: &'static str,
    /// Net unit price in euro cents.
    pub price_cents: i64,
    /// GTIN-13 without its check digit (12 digits); the check digit is computed.
    pub ean_body: Option<&'static str>,
    /// `ManufacturerPartID`.
    pub mpn: &'static str,
    /// `ManufacturerName`.
    pub manufacturer: &'static str,
    /// Days until a backordered quantity ships.
    pub lead_days: u32,
    /// Units on hand when the backend starts.
    pub initial_stock: u64,
    /// Whether it is still sold.
    pub lifecycle: Lifecycle,
}

impl Item {
    /// The GTIN-13 with its check digit, if the item has one.
    pub fn ean(&self) -> Option<String> {
        let body = self.ean_body?;
        let digit = check_digit(body).ok()?;
        Some(format!("{body}{digit}"))
    }
}

/// Ostara's assortment, in SKU order.
pub(crate) fn assortment() -> Vec<Item> {
    use Lifecycle::{Active, Discontinued};
    let item =
        |sku, name, description, unspsc, uom, price_cents, ean_body, mpn, manufacturer| Item {
            sku,
            name,
            description,
            unspsc,
            uom,
            price_cents,
            ean_body,
            mpn,
            manufacturer,
            lead_days: 5,
            initial_stock: 500,
            lifecycle: Active,
        };
    let mut items = vec![
        item(
            "OS-1001",
            "Nitrile gloves L, box of 100",
            "Disposable nitrile examination gloves, powder-free, size L, blue",
            "46181504",
            "BX",
            890,
            Some("400638200100"),
            "NG-100-L",
            "Kelvar",
        ),
        item(
            "OS-1002",
            "Safety glasses, clear",
            "Safety spectacles EN 166, clear polycarbonate lens, anti-scratch",
            "46181802",
            "EA",
            435,
            Some("400638200101"),
            "SG-CLR",
            "Kelvar",
        ),
        item(
            "OS-1003",
            "Copy paper A4 80 g, ream",
            "White copy paper A4, 80 g/m², ream of 500 sheets",
            "14111507",
            "PK",
            479,
            Some("400638200102"),
            "CP-A4-80",
            "Papyra",
        ),
        item(
            "OS-1004",
            "Ballpoint pens blue, box of 50",
            "Retractable ballpoint pens, blue ink, medium tip",
            "44121704",
            "BX",
            1150,
            Some("400638200103"),
            "BP-50-BL",
            "Scriva",
        ),
        item(
            "OS-1005",
            "Cable ties 200 x 4.8 mm, pack of 100",
            "Nylon 6.6 cable ties, black, UV resistant",
            "39121702",
            "PK",
            320,
            Some("400638200104"),
            "CT-200-48",
            "Fixa",
        ),
        item(
            "OS-1006",
            "Penetrating oil spray 400 ml",
            "Multi-purpose penetrating and lubricating oil, aerosol 400 ml",
            "15121902",
            "EA",
            645,
            Some("400638200105"),
            "PO-400",
            "Lubrix",
        ),
        item(
            "OS-1007",
            "Ear plugs, box of 200 pairs",
            "Foam ear plugs SNR 37 dB, individually packed pairs",
            "46181902",
            "BX",
            2490,
            Some("400638200106"),
            "EP-200",
            "Kelvar",
        ),
        item(
            "OS-1008",
            "Duct tape 50 mm x 50 m",
            "Cloth duct tape, silver, 50 mm wide, 50 m roll",
            "31201502",
            "EA",
            580,
            None,
            "DT-50-50",
            "Fixa",
        ),
        item(
            "OS-1009",
            "Shop towels, roll of 500",
            "Blue paper shop towels, 2-ply, roll of 500 sheets",
            "14111704",
            "EA",
            1840,
            Some("400638200108"),
            "ST-500",
            "Papyra",
        ),
        item(
            "OS-1010",
            "LED work light 20 W",
            "Rechargeable LED work light, 20 W, 1800 lm, IP54",
            "39111610",
            "EA",
            3990,
            Some("400638200109"),
            "WL-20",
            "Lumetra",
        ),
        item(
            "OS-1011",
            "Hand cleaner 2 l",
            "Heavy-duty hand cleaner with pumice, 2 litre pump bottle",
            "53131608",
            "EA",
            995,
            Some("400638200110"),
            "HC-2L",
            "Lubrix",
        ),
        item(
            "OS-1012",
            "Stapler, 30 sheets",
            "Desktop stapler for 24/6 staples, up to 30 sheets",
            "44121615",
            "EA",
            760,
            Some("400638200111"),
            "STP-30",
            "Scriva",
        ),
        item(
            "OS-1013",
            "Whiteboard markers, set of 4",
            "Dry-erase markers, bullet tip, black, blue, red, green",
            "44121708",
            "PK",
            515,
            Some("400638200112"),
            "WM-4",
            "Scriva",
        ),
        item(
            "OS-1014",
            "Hex key set 1.5–10 mm",
            "Metric hex key set, 9 pieces, chrome-vanadium, ball end",
            "27111701",
            "EA",
            1420,
            Some("400638200113"),
            "HK-9M",
            "Fixa",
        ),
    ];
    for i in &mut items {
        match i.sku {
            // Few left: an order for more is partly backordered.
            "OS-1006" => i.initial_stock = 12,
            // Sold out: ordered quantities are backordered for the lead time.
            "OS-1007" => {
                i.initial_stock = 0;
                i.lead_days = 14;
            }
            "OS-1012" => {
                i.initial_stock = 0;
                i.lifecycle = Discontinued;
            }
            _ => {}
        }
    }
    items
}

/// The `StockStatus` extrinsic Ostara publishes for an item with `on_hand` units.
pub(crate) fn stock_status(item: &Item, on_hand: u64) -> &'static str {
    match (item.lifecycle, on_hand) {
        (Lifecycle::Discontinued, _) => "discontinued",
        (Lifecycle::Active, 0) => "backorder",
        (Lifecycle::Active, n) if n < 20 => "limited",
        _ => "in-stock",
    }
}

/// The cXML `Index` of every item, with stock as of `now`. `stock` gives units on hand per SKU.
pub(crate) fn index(
    items: &[Item],
    stock: impl Fn(&str) -> u64,
    supplier_identity: &str,
    now: i64,
) -> String {
    let mut w = XmlWriter::with_root("Index", &[]);
    w.leaf_with("SupplierID", &[("domain", "NetworkID")], supplier_identity)
        .leaf_with(
            "Comments",
            &[("xml:lang", "en")],
            &format!("Ostara Supply catalogue, generated {}", timestamp(now)),
        );
    for item in items {
        w.start("IndexItem").start("IndexItemAdd");
        w.start("ItemID").leaf("SupplierPartID", item.sku).end();
        w.start("ItemDetail");
        w.start("UnitPrice")
            .leaf_with("Money", &[("currency", "EUR")], &amount(item.price_cents))
            .end();
        w.start_with("Description", &[("xml:lang", "en")]);
        w.leaf("ShortName", item.name);
        w.end();
        // The long text goes into an extrinsic: the writer has no mixed content.
        w.leaf("UnitOfMeasure", item.uom)
            .leaf_with("Classification", &[("domain", "UNSPSC")], item.unspsc)
            .leaf("ManufacturerPartID", item.mpn)
            .leaf("ManufacturerName", item.manufacturer)
            .leaf("LeadTime", &item.lead_days.to_string())
            .leaf_with(
                "Extrinsic",
                &[("name", "LongDescription")],
                item.description,
            )
            .leaf_with(
                "Extrinsic",
                &[("name", "StockStatus")],
                stock_status(item, stock(item.sku)),
            )
            .leaf_with(
                "Extrinsic",
                &[("name", "QuantityAvailable")],
                &stock(item.sku).to_string(),
            );
        if let Some(ean) = item.ean() {
            w.start("ItemDetailIndustry")
                .start("ItemDetailRetail")
                .leaf("EANID", &ean)
                .end()
                .end();
        }
        w.end();
        w.start("IndexItemDetail")
            .leaf("LeadTime", &item.lead_days.to_string())
            .end();
        w.end().end();
    }
    // Catalogues in the wild carry a DOCTYPE, and buyers must cope with it.
    with_doctype(&w.finish(), "Index", DTD_CATALOG)
}
