//! Nordfast's product range: fasteners, bearings and tools, with price breaks, order rules,
//! lead times and opening stock, plus the forgiving text match the search endpoint uses.

use super::numbers::{Dec, HOUR_MS, div_round, gs1_check_digit};

/// Most hourly rises applied to an index-priced item, so a clock advanced by weeks does not
/// produce absurd prices (a week of 2 % rises is about ×28).
const MAX_INDEX_HOURS: i64 = 168;

/// One price break: from `min` pieces on, `price` per `basis` pieces.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Break {
    /// Smallest quantity of the break.
    pub min: u64,
    /// Price in EUR for `basis` pieces.
    pub price: Dec,
}

/// How an item's price moves with time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pricing {
    /// The break prices hold.
    Fixed,
    /// Prices follow a steel index and rise 2 % every full simulated hour after start.
    HourlyIndex,
}

/// One catalogue item.
#[derive(Debug, Clone)]
pub(crate) struct Item {
    /// Seller's item id.
    pub id: &'static str,
    /// Name.
    pub name: &'static str,
    /// Description.
    pub description: &'static str,
    /// Search keywords (UBL `Keyword`).
    pub keywords: &'static [&'static str],
    /// Brand.
    pub brand: &'static str,
    /// Manufacturer's part number.
    pub mpn: &'static str,
    /// GTIN-13 without its check digit; the digit is computed.
    pub gtin_body: &'static str,
    /// UNSPSC commodity code.
    pub unspsc: &'static str,
    /// Nordfast's own category.
    pub category: &'static str,
    /// Price breaks, ascending.
    pub breaks: Vec<Break>,
    /// Pieces the break prices are for (UBL `BaseQuantity`).
    pub basis: u64,
    /// Minimum order quantity.
    pub minimum: Option<u64>,
    /// Order increment.
    pub increment: Option<u64>,
    /// Days from order to despatch from stock.
    pub lead_days: u32,
    /// Stock when the backend starts.
    pub opening_stock: u64,
    /// A restock expected `(days after start, pieces)`.
    pub restock: Option<(i64, u64)>,
    /// How the price moves.
    pub pricing: Pricing,
    /// Technical attributes.
    pub attributes: &'static [(&'static str, &'static str)],
}

impl Item {
    /// The GTIN-13 with its check digit.
    pub fn gtin(&self) -> String {
        format!("{}{}", self.gtin_body, gs1_check_digit(self.gtin_body))
    }

    /// The smallest quantity that meets minimum and increment and is at least `qty`.
    pub fn valid_quantity_at_least(&self, qty: u64) -> u64 {
        let mut q = qty.max(self.minimum.unwrap_or(1)).max(1);
        if let Some(step) = self.increment.filter(|s| *s > 0) {
            q = q.div_ceil(step).saturating_mul(step);
        }
        q
    }

    /// Break prices as they stand `elapsed_ms` after the backend started.
    pub fn breaks_at(&self, elapsed_ms: i64) -> Vec<Break> {
        match self.pricing {
            Pricing::Fixed => self.breaks.clone(),
            Pricing::HourlyIndex => {
                let hours = (elapsed_ms.max(0) / HOUR_MS).min(MAX_INDEX_HOURS);
                self.breaks
                    .iter()
                    .map(|b| Break {
                        min: b.min,
                        price: indexed(b.price, hours),
                    })
                    .collect()
            }
        }
    }

    /// The break price that applies to `qty` at `elapsed_ms`.
    pub fn price_for(&self, qty: u64, elapsed_ms: i64) -> Dec {
        let breaks = self.breaks_at(elapsed_ms);
        breaks
            .iter()
            .rev()
            .find(|b| b.min <= qty)
            .or(breaks.first())
            .map_or(Dec::int(0), |b| b.price)
    }

    /// When the current price stops holding, for index-priced items: the next full hour.
    pub fn price_valid_until(&self, elapsed_ms: i64, now_ms: i64) -> Option<i64> {
        (self.pricing == Pricing::HourlyIndex).then(|| {
            let into_hour = elapsed_ms.max(0) % HOUR_MS;
            now_ms - into_hour + HOUR_MS - 1
        })
    }

    /// Whether every word of `query` occurs in name, description or keywords (case-insensitive,
    /// with synonyms: "bolt" also finds "screw" and "Schraube").
    pub fn matches(&self, query: &str) -> bool {
        let haystack = format!(
            "{} {} {}",
            self.name,
            self.description,
            self.keywords.join(" ")
        )
        .to_lowercase();
        query.split_whitespace().map(str::to_lowercase).all(|word| {
            synonyms(&word)
                .iter()
                .any(|w| haystack.contains(w.as_str()))
        })
    }

    /// Whether the item is in a category: a UNSPSC code or prefix, or Nordfast's own name.
    pub fn in_category(&self, category: &str) -> bool {
        let c = category.trim();
        !c.is_empty() && (self.unspsc.starts_with(c) || self.category.eq_ignore_ascii_case(c))
    }
}

/// 2 % per hour, compounded, rounded to 0.001 EUR after each step.
fn indexed(price: Dec, hours: i64) -> Dec {
    let (m, s) = price.parts();
    let mut mantissa = m;
    for _ in 0..hours {
        mantissa = div_round(mantissa * 102, 100).unwrap_or(mantissa);
    }
    Dec::new(mantissa, s)
}

/// Words that find each other in a search.
const SYNONYMS: &[&[&str]] = &[
    &["bolt", "screw", "schraube"],
    &["nut", "mutter"],
    &["washer", "scheibe"],
    &["hex", "hexagon", "sechskant"],
    &["bearing", "lager"],
    &["rod", "stange"],
];

fn synonyms(word: &str) -> Vec<String> {
    let group = SYNONYMS.iter().find(|g| g.contains(&word));
    match group {
        Some(g) => g.iter().map(|w| (*w).to_string()).collect(),
        None => vec![word.to_string()],
    }
}

const fn br(min: u64, thousandths: i128) -> Break {
    Break {
        min,
        price: Dec::new(thousandths, 3),
    }
}

/// The catalogue, sorted by item id (search pages follow this order).
pub(crate) fn items() -> Vec<Item> {
    let fasteners_attrs_m8x30: &'static [(&'static str, &'static str)] = &[
        ("thread", "M8"),
        ("length-mm", "30"),
        ("strength-class", "8.8"),
        ("finish", "zinc plated"),
        ("standard", "ISO 4017"),
    ];
    let mut items = vec![
        Item {
            id: "NF-10001",
            name: "Hexagon head screw ISO 4017 M8x30 8.8 zinc plated",
            description: "Hexagon head screw, fully threaded, property class 8.8, \
                          electro-galvanised; replaces DIN 933 M8x30.",
            keywords: &[
                "hex bolt",
                "hexagon screw",
                "Sechskantschraube",
                "DIN 933",
                "set screw",
            ],
            brand: "Nordfast",
            mpn: "4017-M8X30-88-ZN",
            gtin_body: "573123400101",
            unspsc: "31161500",
            category: "fasteners",
            breaks: vec![br(1, 290), br(100, 210), br(500, 170)],
            basis: 1,
            minimum: None,
            increment: None,
            lead_days: 3,
            opening_stock: 20_000,
            restock: None,
            pricing: Pricing::Fixed,
            attributes: fasteners_attrs_m8x30,
        },
        Item {
            id: "NF-10002",
            name: "Hexagon head screw ISO 4017 M8x40 8.8 zinc plated",
            description: "Hexagon head screw, fully threaded, property class 8.8, \
                          electro-galvanised; replaces DIN 933 M8x40.",
            keywords: &["hex bolt", "hexagon screw", "Sechskantschraube", "DIN 933"],
            brand: "Nordfast",
            mpn: "4017-M8X40-88-ZN",
            gtin_body: "573123400102",
            unspsc: "31161500",
            category: "fasteners",
            breaks: vec![br(1, 330), br(100, 240), br(500, 195)],
            basis: 1,
            minimum: None,
            increment: None,
            lead_days: 3,
            opening_stock: 12_000,
            restock: None,
            pricing: Pricing::Fixed,
            attributes: &[
                ("thread", "M8"),
                ("length-mm", "40"),
                ("strength-class", "8.8"),
            ],
        },
        Item {
            id: "NF-10003",
            name: "Hexagon head screw ISO 4017 M10x40 8.8 zinc plated",
            description: "Hexagon head screw, fully threaded, property class 8.8, \
                          electro-galvanised.",
            keywords: &["hex bolt", "hexagon screw", "Sechskantschraube", "DIN 933"],
            brand: "Nordfast",
            mpn: "4017-M10X40-88-ZN",
            gtin_body: "573123400103",
            unspsc: "31161500",
            category: "fasteners",
            breaks: vec![br(1, 450), br(100, 350), br(500, 290)],
            basis: 1,
            minimum: None,
            increment: None,
            lead_days: 3,
            opening_stock: 8_000,
            restock: None,
            pricing: Pricing::Fixed,
            attributes: &[
                ("thread", "M10"),
                ("length-mm", "40"),
                ("strength-class", "8.8"),
            ],
        },
        Item {
            id: "NF-10004",
            name: "Hexagon head screw ISO 4017 M8x30 A2-70 stainless steel",
            description: "Hexagon head screw in stainless steel A2-70. Currently sold out; \
                          the next delivery is expected within three weeks.",
            keywords: &[
                "hex bolt",
                "hexagon screw",
                "Sechskantschraube",
                "DIN 933",
                "inox",
            ],
            brand: "Nordfast",
            mpn: "4017-M8X30-A2",
            gtin_body: "573123400104",
            unspsc: "31161500",
            category: "fasteners",
            breaks: vec![br(1, 620), br(100, 480), br(500, 410)],
            basis: 1,
            minimum: None,
            increment: None,
            lead_days: 3,
            opening_stock: 0,
            restock: Some((21, 5_000)),
            pricing: Pricing::Fixed,
            attributes: &[("thread", "M8"), ("length-mm", "30"), ("material", "A2-70")],
        },
        Item {
            id: "NF-10005",
            name: "Socket head cap screw ISO 4762 M8x30 12.9 black",
            description: "Hexagon socket head cap screw, property class 12.9, black oxide.",
            keywords: &["allen screw", "Zylinderschraube", "DIN 912"],
            brand: "Nordfast",
            mpn: "4762-M8X30-129",
            gtin_body: "573123400105",
            unspsc: "31161500",
            category: "fasteners",
            breaks: vec![br(1, 360), br(100, 270), br(500, 220)],
            basis: 1,
            minimum: None,
            increment: None,
            lead_days: 3,
            opening_stock: 10_000,
            restock: None,
            pricing: Pricing::Fixed,
            attributes: &[
                ("thread", "M8"),
                ("length-mm", "30"),
                ("strength-class", "12.9"),
            ],
        },
        Item {
            id: "NF-20001",
            name: "Hexagon nut ISO 4032 M8 8 zinc plated",
            description: "Hexagon nut, property class 8, electro-galvanised; replaces DIN 934 M8.",
            keywords: &["hex nut", "Sechskantmutter", "DIN 934"],
            brand: "Nordfast",
            mpn: "4032-M8-8-ZN",
            gtin_body: "573123400201",
            unspsc: "31161700",
            category: "fasteners",
            breaks: vec![br(1, 50), br(100, 40), br(1000, 30)],
            basis: 1,
            minimum: None,
            increment: None,
            lead_days: 3,
            opening_stock: 30_000,
            restock: None,
            pricing: Pricing::Fixed,
            attributes: &[
                ("thread", "M8"),
                ("strength-class", "8"),
                ("standard", "ISO 4032"),
            ],
        },
        Item {
            id: "NF-20002",
            name: "Hexagon nut ISO 4032 M10 8 zinc plated",
            description: "Hexagon nut, property class 8, electro-galvanised.",
            keywords: &["hex nut", "Sechskantmutter", "DIN 934"],
            brand: "Nordfast",
            mpn: "4032-M10-8-ZN",
            gtin_body: "573123400202",
            unspsc: "31161700",
            category: "fasteners",
            breaks: vec![br(1, 80), br(100, 65), br(1000, 50)],
            basis: 1,
            minimum: None,
            increment: None,
            lead_days: 3,
            opening_stock: 15_000,
            restock: None,
            pricing: Pricing::Fixed,
            attributes: &[("thread", "M10"), ("strength-class", "8")],
        },
        Item {
            id: "NF-20003",
            name: "Nylon insert lock nut DIN 985 M8 zinc plated",
            description: "Prevailing torque hexagon nut with nylon insert.",
            keywords: &["lock nut", "Sicherungsmutter", "nyloc"],
            brand: "Nordfast",
            mpn: "985-M8-ZN",
            gtin_body: "573123400203",
            unspsc: "31161700",
            category: "fasteners",
            breaks: vec![br(1, 110), br(100, 90), br(1000, 75)],
            basis: 1,
            minimum: None,
            increment: None,
            lead_days: 3,
            opening_stock: 6_000,
            restock: None,
            pricing: Pricing::Fixed,
            attributes: &[("thread", "M8")],
        },
        Item {
            id: "NF-30001",
            name: "Flat washer ISO 7089 8.4 mm zinc plated",
            description: "Plain washer for M8, hardness 200 HV, sold in bags of 100; \
                          priced per 100 pieces.",
            keywords: &["washer M8", "Unterlegscheibe", "DIN 125"],
            brand: "Nordfast",
            mpn: "7089-8.4-ZN",
            gtin_body: "573123400301",
            unspsc: "31161800",
            category: "fasteners",
            breaks: vec![br(100, 1900), br(1000, 1600)],
            basis: 100,
            minimum: Some(100),
            increment: Some(100),
            lead_days: 3,
            opening_stock: 50_000,
            restock: None,
            pricing: Pricing::Fixed,
            attributes: &[("for-thread", "M8"), ("inner-diameter-mm", "8.4")],
        },
        Item {
            id: "NF-30002",
            name: "Spring lock washer DIN 127 B8 zinc plated",
            description: "Split spring washer for M8.",
            keywords: &["spring washer", "Federring"],
            brand: "Nordfast",
            mpn: "127-B8-ZN",
            gtin_body: "573123400302",
            unspsc: "31161800",
            category: "fasteners",
            breaks: vec![br(1, 30), br(500, 22)],
            basis: 1,
            minimum: None,
            increment: None,
            lead_days: 3,
            opening_stock: 20_000,
            restock: None,
            pricing: Pricing::Fixed,
            attributes: &[("for-thread", "M8")],
        },
        Item {
            id: "NF-40001",
            name: "Threaded rod DIN 976-1 M8 x 1000 mm 4.8 zinc plated",
            description: "Fully threaded stud bar, one metre.",
            keywords: &["threaded bar", "Gewindestange", "stud"],
            brand: "Nordfast",
            mpn: "976-M8X1000-48",
            gtin_body: "573123400401",
            unspsc: "31161600",
            category: "fasteners",
            breaks: vec![br(1, 1850), br(25, 1600), br(100, 1390)],
            basis: 1,
            minimum: None,
            increment: None,
            lead_days: 4,
            opening_stock: 900,
            restock: None,
            pricing: Pricing::Fixed,
            attributes: &[("thread", "M8"), ("length-mm", "1000")],
        },
        Item {
            id: "NF-50001",
            name: "Deep groove ball bearing 6204-2RS",
            description: "Single row deep groove ball bearing, 20x47x14 mm, sealed both sides.",
            keywords: &["ball bearing", "Kugellager", "6204"],
            brand: "Nordfast",
            mpn: "6204-2RS",
            gtin_body: "573123400501",
            unspsc: "31171504",
            category: "bearings",
            breaks: vec![br(1, 3900), br(10, 3400), br(50, 2950)],
            basis: 1,
            minimum: None,
            increment: None,
            lead_days: 2,
            opening_stock: 400,
            restock: None,
            pricing: Pricing::Fixed,
            attributes: &[
                ("bore-mm", "20"),
                ("outer-diameter-mm", "47"),
                ("width-mm", "14"),
            ],
        },
        Item {
            id: "NF-50002",
            name: "Deep groove ball bearing 6205-2RS, box of 10",
            description: "Single row deep groove ball bearing, 25x52x15 mm; sold in boxes of \
                          ten, minimum one box.",
            keywords: &["ball bearing", "Kugellager", "6205"],
            brand: "Nordfast",
            mpn: "6205-2RS",
            gtin_body: "573123400502",
            unspsc: "31171504",
            category: "bearings",
            breaks: vec![br(10, 4200), br(50, 3800)],
            basis: 1,
            minimum: Some(10),
            increment: Some(10),
            lead_days: 5,
            opening_stock: 250,
            restock: None,
            pricing: Pricing::Fixed,
            attributes: &[
                ("bore-mm", "25"),
                ("outer-diameter-mm", "52"),
                ("width-mm", "15"),
            ],
        },
        Item {
            id: "NF-50003",
            name: "Tapered roller bearing 30205",
            description: "Single row tapered roller bearing, 25x52x16.25 mm. Steel-index \
                          priced: the price is reset every hour.",
            keywords: &["roller bearing", "Kegelrollenlager"],
            brand: "Nordfast",
            mpn: "30205-J2",
            gtin_body: "573123400503",
            unspsc: "31171505",
            category: "bearings",
            breaks: vec![br(1, 12_500), br(20, 11_800)],
            basis: 1,
            minimum: None,
            increment: None,
            lead_days: 4,
            opening_stock: 120,
            restock: None,
            pricing: Pricing::HourlyIndex,
            attributes: &[("bore-mm", "25"), ("outer-diameter-mm", "52")],
        },
        Item {
            id: "NF-60001",
            name: "Combination spanner 13 mm DIN 3113 chrome vanadium",
            description: "Open-ended and ring spanner for M8 hexagon heads.",
            keywords: &["wrench", "Ringmaulschluessel", "spanner M8"],
            brand: "Nordfast Tools",
            mpn: "3113-13",
            gtin_body: "573123400601",
            unspsc: "27111700",
            category: "tools",
            breaks: vec![br(1, 6900), br(10, 6200)],
            basis: 1,
            minimum: None,
            increment: None,
            lead_days: 3,
            opening_stock: 150,
            restock: None,
            pricing: Pricing::Fixed,
            attributes: &[("size-mm", "13")],
        },
        Item {
            id: "NF-60002",
            name: "Torque wrench 20-100 Nm 1/2 inch drive",
            description: "Click-type torque wrench with calibration certificate.",
            keywords: &["Drehmomentschluessel", "torque tool"],
            brand: "Nordfast Tools",
            mpn: "TW-20100",
            gtin_body: "573123400602",
            unspsc: "27111700",
            category: "tools",
            breaks: vec![br(1, 89_000)],
            basis: 1,
            minimum: None,
            increment: None,
            lead_days: 5,
            opening_stock: 12,
            restock: None,
            pricing: Pricing::Fixed,
            attributes: &[("range-nm", "20-100"), ("drive", "1/2 inch")],
        },
        Item {
            id: "NF-60003",
            name: "Hex key set 1.5-10 mm, 9 pieces",
            description: "Ball-end hexagon keys in a holder.",
            keywords: &["allen key", "Innensechskantschluessel"],
            brand: "Nordfast Tools",
            mpn: "HK-9",
            gtin_body: "573123400603",
            unspsc: "27111700",
            category: "tools",
            breaks: vec![br(1, 14_500)],
            basis: 1,
            minimum: None,
            increment: None,
            lead_days: 3,
            opening_stock: 60,
            restock: None,
            pricing: Pricing::Fixed,
            attributes: &[("pieces", "9")],
        },
    ];
    items.sort_by(|a, b| a.id.cmp(b.id));
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: &str) -> Item {
        items()
            .into_iter()
            .find(|i| i.id == id)
            .unwrap_or_else(|| panic!("no item {id}"))
    }

    #[test]
    fn search_is_forgiving() {
        let bolt = item("NF-10001");
        assert!(bolt.matches("M8 hex bolt"));
        assert!(bolt.matches("m8 SCHRAUBE"));
        assert!(!bolt.matches("M8 hex nut"));
        let nut = item("NF-20001");
        assert!(nut.matches("M8 hex nut"));
        assert!(!nut.matches("M8 hex bolt"));
    }

    #[test]
    fn breaks_and_rules() {
        let bolt = item("NF-10001");
        assert_eq!(bolt.price_for(500, 0).to_string(), "0.170");
        assert_eq!(bolt.price_for(499, 0).to_string(), "0.210");
        assert_eq!(bolt.price_for(1, 0).to_string(), "0.290");
        let bearing = item("NF-50002");
        assert_eq!(bearing.valid_quantity_at_least(5), 10);
        assert_eq!(bearing.valid_quantity_at_least(11), 20);
        assert_eq!(bearing.valid_quantity_at_least(30), 30);
    }

    #[test]
    fn the_index_item_rises_two_percent_an_hour() {
        let roller = item("NF-50003");
        assert_eq!(roller.price_for(1, 0).to_string(), "12.500");
        assert_eq!(roller.price_for(1, HOUR_MS - 1).to_string(), "12.500");
        assert_eq!(roller.price_for(1, HOUR_MS).to_string(), "12.750");
        assert_eq!(roller.price_for(1, 2 * HOUR_MS).to_string(), "13.005");
    }

    #[test]
    fn gtins_are_valid_and_unique() {
        let all = items();
        let mut gtins: Vec<String> = all.iter().map(Item::gtin).collect();
        gtins.sort();
        gtins.dedup();
        assert_eq!(gtins.len(), all.len());
        assert_eq!(item("NF-10001").gtin().len(), 13);
    }
}
