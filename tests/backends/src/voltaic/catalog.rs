//! Voltaic's catalogue: electronics plus the stainless fasteners of the demo, with price
//! breaks in EUR and USD (USD stored explicitly, not converted at runtime), stock, lead
//! times and the few awkward items a buyer must cope with: one out of stock with a long lead
//! time, one discontinued and sold while stocks last, one on allocation, and one whose price
//! follows the copper market hour by hour.

use super::money::{Cur, compound};

/// An expected inbound delivery, relative to the backend's start.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Restock {
    /// Days after the backend started.
    pub after_days: u32,
    /// Pieces arriving.
    pub quantity: u64,
}

/// One catalogue item as Voltaic keeps it.
#[derive(Debug, Clone)]
pub(crate) struct Part {
    /// Voltaic's own part number.
    pub number: &'static str,
    /// Manufacturer part number.
    pub mpn: &'static str,
    /// Manufacturer.
    pub manufacturer: &'static str,
    /// Short description (the title buyers see).
    pub title: &'static str,
    /// Longer description.
    pub description: &'static str,
    /// Voltaic's product category.
    pub category: &'static str,
    /// Search keywords and synonyms.
    pub keywords: &'static [&'static str],
    /// Technical attributes.
    pub attributes: &'static [(&'static str, &'static str)],
    /// GTIN-13 without its check digit (12 digits); the check digit is computed.
    pub gtin_body: &'static str,
    /// Minimum order quantity.
    pub min: u64,
    /// Order multiple.
    pub mult: u64,
    /// Factory lead time when not in stock.
    pub lead_days: u32,
    /// Whether a shortfall may be backordered.
    pub backorderable: bool,
    /// No longer produced; sold while stocks last.
    pub discontinued: bool,
    /// The price rises [`VOLATILE_PERCENT_PER_HOUR`] % per simulated hour.
    pub volatile: bool,
    /// EUR breaks: (from quantity, price in ten-thousandths).
    pub eur: &'static [(u64, i64)],
    /// USD breaks, same quantities.
    pub usd: &'static [(u64, i64)],
    /// Pieces on hand when the backend starts.
    pub stock: u64,
    /// Planned restock, if any.
    pub restock: Option<Restock>,
}

/// How much the volatile item's price rises per simulated hour, in percent.
pub(crate) const VOLATILE_PERCENT_PER_HOUR: i64 = 2;
/// Most hours of price growth applied (keeps the number bounded on absurd clock jumps).
const MAX_VOLATILE_HOURS: u32 = 720;
const HOUR_MS: i64 = 3_600_000;

impl Part {
    /// The price breaks in `cur` at `now`, for a backend started at `started`.
    pub(crate) fn breaks(&self, cur: Cur, now: i64, started: i64) -> Vec<(u64, i64)> {
        let table = match cur {
            Cur::Eur => self.eur,
            Cur::Usd => self.usd,
        };
        let hours = if self.volatile {
            u32::try_from((now - started).max(0) / HOUR_MS)
                .unwrap_or(MAX_VOLATILE_HOURS)
                .min(MAX_VOLATILE_HOURS)
        } else {
            0
        };
        table
            .iter()
            .map(|&(q, p)| (q, compound(p, VOLATILE_PERCENT_PER_HOUR, hours)))
            .collect()
    }

    /// The unit price for `qty` pieces: the break with the largest quantity not above `qty`
    /// (the first break below it, where Min keeps orders anyway).
    pub(crate) fn unit_price(&self, cur: Cur, qty: u64, now: i64, started: i64) -> i64 {
        let breaks = self.breaks(cur, now, started);
        breaks
            .iter()
            .rev()
            .find(|(q, _)| *q <= qty)
            .or_else(|| breaks.first())
            .map_or(0, |&(_, p)| p)
    }

    /// The GTIN-13 with its GS1 check digit.
    pub(crate) fn gtin(&self) -> String {
        format!("{}{}", self.gtin_body, gs1_check_digit(self.gtin_body))
    }

    /// Whether `qty` meets Min and Mult.
    pub(crate) fn quantity_ok(&self, qty: u64) -> bool {
        qty >= self.min && qty > 0 && qty.is_multiple_of(self.mult.max(1))
    }
}

/// The GS1 mod-10 check digit of a GTIN body.
pub(crate) fn gs1_check_digit(body: &str) -> u32 {
    let sum: u32 = body
        .chars()
        .rev()
        .filter_map(|c| c.to_digit(10))
        .enumerate()
        .map(|(i, d)| if i % 2 == 0 { d * 3 } else { d })
        .sum();
    (10 - sum % 10) % 10
}

/// Words a search treats as the same.
pub(crate) const SYNONYMS: &[&[&str]] = &[
    &["bolt", "screw", "schraube"],
    &["nut", "mutter"],
    &["washer", "scheibe"],
    &["opamp", "op-amp", "operational amplifier"],
    &["stainless", "a2", "edelstahl"],
];

/// The catalogue, sorted by part number (search pages rely on that order).
pub(crate) fn catalogue() -> Vec<Part> {
    let mut parts = vec![
        Part {
            number: "VC-HB-M8X30-A2",
            mpn: "933-A2-M8X30",
            manufacturer: "Steelwerk",
            title: "Hex bolt M8x30 DIN 933 A2 stainless",
            description: "Hexagon head bolt, fully threaded, M8 x 30 mm, DIN 933 / ISO 4017, stainless steel A2-70.",
            category: "Fasteners",
            keywords: &[
                "hex bolt",
                "hex screw",
                "Sechskantschraube",
                "Schraube",
                "ISO 4017",
            ],
            attributes: &[
                ("thread", "M8"),
                ("length-mm", "30"),
                ("standard", "DIN 933"),
                ("material", "A2-70 stainless"),
            ],
            gtin_body: "426012345001",
            min: 1,
            mult: 1,
            lead_days: 14,
            backorderable: true,
            discontinued: false,
            volatile: false,
            eur: &[(1, 4_200), (100, 3_100), (500, 2_400), (1000, 2_100)],
            usd: &[(1, 4_500), (100, 3_300), (500, 2_600), (1000, 2_300)],
            stock: 15_243,
            restock: Some(Restock {
                after_days: 21,
                quantity: 20_000,
            }),
        },
        Part {
            number: "VC-HN-M8-A2",
            mpn: "934-A2-M8",
            manufacturer: "Steelwerk",
            title: "Hex nut M8 DIN 934 A2 stainless",
            description: "Hexagon nut M8, DIN 934 / ISO 4032, stainless steel A2-70.",
            category: "Fasteners",
            keywords: &["hex nut", "Sechskantmutter", "Mutter", "ISO 4032"],
            attributes: &[
                ("thread", "M8"),
                ("standard", "DIN 934"),
                ("material", "A2-70 stainless"),
            ],
            gtin_body: "426012345002",
            min: 1,
            mult: 1,
            lead_days: 14,
            backorderable: true,
            discontinued: false,
            volatile: false,
            eur: &[(1, 900), (100, 650), (1000, 480)],
            usd: &[(1, 1_000), (100, 700), (1000, 520)],
            stock: 8_000,
            restock: None,
        },
        Part {
            number: "VC-HB-M6X20-A2",
            mpn: "933-A2-M6X20",
            manufacturer: "Steelwerk",
            title: "Hex bolt M6x20 DIN 933 A2 stainless",
            description: "Hexagon head bolt, fully threaded, M6 x 20 mm, DIN 933, stainless steel A2-70.",
            category: "Fasteners",
            keywords: &["hex bolt", "hex screw", "Sechskantschraube", "Schraube"],
            attributes: &[
                ("thread", "M6"),
                ("length-mm", "20"),
                ("standard", "DIN 933"),
                ("material", "A2-70 stainless"),
            ],
            gtin_body: "426012345003",
            min: 1,
            mult: 1,
            lead_days: 14,
            backorderable: true,
            discontinued: false,
            volatile: false,
            eur: &[(1, 2_900), (100, 2_100), (1000, 1_500)],
            usd: &[(1, 3_100), (100, 2_300), (1000, 1_600)],
            stock: 12_000,
            restock: None,
        },
        Part {
            number: "VC-HB-M10X40-A2",
            mpn: "933-A2-M10X40",
            manufacturer: "Steelwerk",
            title: "Hex bolt M10x40 DIN 933 A2 stainless",
            description: "Hexagon head bolt, fully threaded, M10 x 40 mm, DIN 933, stainless steel A2-70.",
            category: "Fasteners",
            keywords: &["hex bolt", "hex screw", "Sechskantschraube", "Schraube"],
            attributes: &[
                ("thread", "M10"),
                ("length-mm", "40"),
                ("standard", "DIN 933"),
                ("material", "A2-70 stainless"),
            ],
            gtin_body: "426012345004",
            min: 1,
            mult: 1,
            lead_days: 21,
            backorderable: true,
            discontinued: false,
            volatile: false,
            eur: &[(1, 7_800), (100, 6_200), (1000, 5_100)],
            usd: &[(1, 8_400), (100, 6_700), (1000, 5_500)],
            stock: 3_200,
            restock: None,
        },
        Part {
            number: "VC-WS-M8-A2",
            mpn: "125-A2-M8",
            manufacturer: "Steelwerk",
            title: "Washer M8 DIN 125 A2 stainless",
            description: "Flat washer 8.4 mm for M8, DIN 125-A / ISO 7089, stainless steel A2.",
            category: "Fasteners",
            keywords: &["flat washer", "Unterlegscheibe", "Scheibe", "ISO 7089"],
            attributes: &[
                ("size", "M8"),
                ("standard", "DIN 125"),
                ("material", "A2 stainless"),
            ],
            gtin_body: "426012345005",
            min: 1,
            mult: 1,
            lead_days: 14,
            backorderable: true,
            discontinued: false,
            volatile: false,
            eur: &[(1, 400), (100, 280), (1000, 190)],
            usd: &[(1, 400), (100, 300), (1000, 210)],
            stock: 20_000,
            restock: None,
        },
        Part {
            number: "VC-SCS-M6X16-A2",
            mpn: "912-A2-M6X16",
            manufacturer: "Steelwerk",
            title: "Socket cap screw M6x16 DIN 912 A2 stainless",
            description: "Hexagon socket head cap screw M6 x 16 mm, DIN 912 / ISO 4762, stainless steel A2-70.",
            category: "Fasteners",
            keywords: &[
                "cap screw",
                "Zylinderschraube",
                "Innensechskant",
                "Schraube",
            ],
            attributes: &[
                ("thread", "M6"),
                ("length-mm", "16"),
                ("standard", "DIN 912"),
                ("material", "A2-70 stainless"),
            ],
            gtin_body: "426012345006",
            min: 1,
            mult: 1,
            lead_days: 14,
            backorderable: true,
            discontinued: false,
            volatile: false,
            eur: &[(1, 3_500), (100, 2_600), (1000, 1_900)],
            usd: &[(1, 3_800), (100, 2_800), (1000, 2_100)],
            stock: 6_500,
            restock: None,
        },
        Part {
            number: "VC-TL072CP",
            mpn: "TL072CP",
            manufacturer: "Texas Instruments",
            title: "TL072CP JFET-input dual op-amp, DIP-8",
            description: "Low-noise JFET-input dual operational amplifier, 3 MHz, 13 V/us, PDIP-8.",
            category: "Semiconductors",
            keywords: &["opamp", "operational amplifier", "JFET", "dual"],
            attributes: &[("package", "PDIP-8"), ("channels", "2"), ("gbw-mhz", "3")],
            gtin_body: "426012345101",
            min: 1,
            mult: 1,
            lead_days: 42,
            backorderable: true,
            discontinued: false,
            volatile: false,
            eur: &[(1, 8_100), (10, 6_600), (100, 4_800), (1000, 3_800)],
            usd: &[(1, 8_700), (10, 7_100), (100, 5_200), (1000, 4_100)],
            stock: 15_243,
            restock: None,
        },
        Part {
            number: "VC-NE555P",
            mpn: "NE555P",
            manufacturer: "Texas Instruments",
            title: "NE555P precision timer, DIP-8",
            description: "Single bipolar precision timer, 4.5 to 16 V, PDIP-8.",
            category: "Semiconductors",
            keywords: &["555", "timer", "oscillator"],
            attributes: &[("package", "PDIP-8"), ("supply-v", "4.5-16")],
            gtin_body: "426012345102",
            min: 1,
            mult: 1,
            lead_days: 35,
            backorderable: true,
            discontinued: false,
            volatile: false,
            eur: &[(1, 4_500), (10, 3_600), (100, 2_700)],
            usd: &[(1, 4_900), (10, 3_900), (100, 2_900)],
            stock: 9_870,
            restock: None,
        },
        Part {
            number: "VC-LM317T",
            mpn: "LM317T",
            manufacturer: "STMicroelectronics",
            title: "LM317T adjustable voltage regulator 1.5 A, TO-220",
            description: "Adjustable positive linear voltage regulator, 1.2 to 37 V, 1.5 A, TO-220.",
            category: "Semiconductors",
            keywords: &["regulator", "linear regulator", "LDO"],
            attributes: &[("package", "TO-220"), ("output-a", "1.5")],
            gtin_body: "426012345103",
            min: 1,
            mult: 1,
            lead_days: 28,
            backorderable: true,
            discontinued: false,
            volatile: false,
            eur: &[(1, 6_200), (10, 4_900), (100, 3_800)],
            usd: &[(1, 6_700), (10, 5_300), (100, 4_100)],
            stock: 4_410,
            restock: None,
        },
        Part {
            number: "VC-1N4007",
            mpn: "1N4007-T",
            manufacturer: "Diodes Incorporated",
            title: "1N4007 rectifier diode 1000 V 1 A, DO-41",
            description: "General purpose rectifier diode, 1000 V, 1 A, DO-41, sold in tens.",
            category: "Semiconductors",
            keywords: &["diode", "rectifier"],
            attributes: &[("package", "DO-41"), ("vrrm-v", "1000"), ("if-a", "1")],
            gtin_body: "426012345104",
            min: 10,
            mult: 10,
            lead_days: 28,
            backorderable: true,
            discontinued: false,
            volatile: false,
            eur: &[(10, 500), (100, 320), (1000, 210)],
            usd: &[(10, 540), (100, 350), (1000, 230)],
            stock: 52_000,
            restock: None,
        },
        Part {
            number: "VC-RES-10K-0805",
            mpn: "RC0805FR-0710KL",
            manufacturer: "Yageo",
            title: "Resistor 10 kOhm 1 % 0805 thick film",
            description: "Thick film chip resistor 10 kOhm, 1 %, 1/8 W, 0805, cut tape in hundreds.",
            category: "Passive Components",
            keywords: &["resistor", "10k", "SMD", "chip resistor"],
            attributes: &[
                ("resistance-ohm", "10000"),
                ("tolerance", "1 %"),
                ("package", "0805"),
            ],
            gtin_body: "426012345201",
            min: 100,
            mult: 100,
            lead_days: 21,
            backorderable: true,
            discontinued: false,
            volatile: false,
            eur: &[(100, 120), (1000, 80)],
            usd: &[(100, 130), (1000, 90)],
            stock: 250_000,
            restock: None,
        },
        Part {
            number: "VC-CAP-100U-25V",
            mpn: "EEU-FR1E101",
            manufacturer: "Panasonic",
            title: "Electrolytic capacitor 100 uF 25 V radial",
            description: "Aluminium electrolytic capacitor, 100 uF, 25 V, low ESR, radial 6.3 x 11 mm.",
            category: "Passive Components",
            keywords: &["capacitor", "elko", "electrolytic"],
            attributes: &[("capacitance-uf", "100"), ("voltage-v", "25")],
            gtin_body: "426012345202",
            min: 1,
            mult: 1,
            lead_days: 21,
            backorderable: true,
            discontinued: false,
            volatile: false,
            eur: &[(1, 1_100), (100, 750), (1000, 520)],
            usd: &[(1, 1_200), (100, 810), (1000, 560)],
            stock: 40_000,
            restock: None,
        },
        Part {
            number: "VC-LED-5MM-RED",
            mpn: "LTL-4221N",
            manufacturer: "Lite-On",
            title: "LED 5 mm red 20 mA, diffused",
            description: "Through-hole LED, 5 mm, red 635 nm, diffused lens, 20 mA.",
            category: "Optoelectronics",
            keywords: &["led", "indicator", "lamp"],
            attributes: &[("colour", "red"), ("diameter-mm", "5")],
            gtin_body: "426012345301",
            min: 1,
            mult: 1,
            lead_days: 21,
            backorderable: true,
            discontinued: false,
            volatile: false,
            eur: &[(1, 600), (100, 350)],
            usd: &[(1, 600), (100, 380)],
            stock: 18_000,
            restock: None,
        },
        Part {
            number: "VC-LM741CN",
            mpn: "LM741CN",
            manufacturer: "Texas Instruments",
            title: "LM741CN operational amplifier, DIP-8 (discontinued)",
            description: "General purpose single operational amplifier, PDIP-8. Discontinued: sold while stocks last.",
            category: "Semiconductors",
            keywords: &["opamp", "operational amplifier", "741"],
            attributes: &[("package", "PDIP-8"), ("channels", "1")],
            gtin_body: "426012345105",
            min: 1,
            mult: 1,
            lead_days: 0,
            backorderable: false,
            discontinued: true,
            volatile: false,
            eur: &[(1, 9_500)],
            usd: &[(1, 10_300)],
            stock: 40,
            restock: None,
        },
        Part {
            number: "VC-G5LE-1-24",
            mpn: "G5LE-1-DC24",
            manufacturer: "Omron",
            title: "Relay SPDT 24 V DC 10 A, G5LE",
            description: "Power PCB relay, SPDT, 24 V DC coil, 10 A contacts. On allocation: no backorders.",
            category: "Electromechanical",
            keywords: &["relay", "power relay"],
            attributes: &[("coil-v", "24"), ("contact", "SPDT"), ("current-a", "10")],
            gtin_body: "426012345401",
            min: 1,
            mult: 1,
            lead_days: 10,
            backorderable: false,
            discontinued: false,
            volatile: false,
            eur: &[(1, 18_500), (10, 15_200)],
            usd: &[(1, 20_000), (10, 16_400)],
            stock: 25,
            restock: Some(Restock {
                after_days: 10,
                quantity: 500,
            }),
        },
        Part {
            number: "VC-ESP32-WROOM",
            mpn: "ESP32-WROOM-32E-N4",
            manufacturer: "Espressif",
            title: "ESP32-WROOM-32E Wi-Fi module 4 MB",
            description: "Wi-Fi and Bluetooth LE module, ESP32-D0WD-V3, 4 MB flash, PCB antenna.",
            category: "RF Modules",
            keywords: &["wifi", "bluetooth", "module", "esp32"],
            attributes: &[("flash-mb", "4"), ("antenna", "PCB")],
            gtin_body: "426012345501",
            min: 1,
            mult: 1,
            lead_days: 84,
            backorderable: true,
            discontinued: false,
            volatile: false,
            eur: &[(1, 32_000), (10, 28_500)],
            usd: &[(1, 34_600), (10, 30_800)],
            stock: 0,
            restock: Some(Restock {
                after_days: 84,
                quantity: 1_000,
            }),
        },
        Part {
            number: "VC-CU-BUSBAR-10X3",
            mpn: "CU-BB-10X3-1000",
            manufacturer: "Voltaic Metals",
            title: "Copper busbar 10x3 mm, 1 m",
            description: "Electrolytic copper busbar 10 x 3 mm, 1 m length. Priced daily against the copper index.",
            category: "Raw Materials",
            keywords: &["copper", "busbar", "Kupferschiene"],
            attributes: &[
                ("width-mm", "10"),
                ("thickness-mm", "3"),
                ("length-mm", "1000"),
            ],
            gtin_body: "426012345601",
            min: 1,
            mult: 1,
            lead_days: 7,
            backorderable: true,
            discontinued: false,
            volatile: true,
            eur: &[(1, 48_000), (10, 44_000)],
            usd: &[(1, 51_800), (10, 47_500)],
            stock: 600,
            restock: None,
        },
    ];
    parts.sort_by(|a, b| a.number.cmp(b.number));
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gtins_have_valid_check_digits() {
        // 4006381333931 is a GS1 example GTIN-13.
        assert_eq!(gs1_check_digit("400638133393"), 1);
        for part in catalogue() {
            assert_eq!(part.gtin().len(), 13, "{}", part.number);
        }
    }

    #[test]
    fn usd_and_eur_tables_have_the_same_breaks() {
        for part in catalogue() {
            let eur: Vec<u64> = part.eur.iter().map(|b| b.0).collect();
            let usd: Vec<u64> = part.usd.iter().map(|b| b.0).collect();
            assert_eq!(eur, usd, "{}", part.number);
            assert!(part.quantity_ok(part.min), "{}", part.number);
        }
    }

    #[test]
    fn tier_prices_follow_the_breaks() {
        let parts = catalogue();
        let bolt = parts.iter().find(|p| p.number == "VC-HB-M8X30-A2");
        let bolt = bolt.map(|b| {
            (
                b.unit_price(Cur::Eur, 499, 0, 0),
                b.unit_price(Cur::Eur, 500, 0, 0),
            )
        });
        assert_eq!(bolt, Some((3_100, 2_400)));
    }

    #[test]
    fn the_volatile_price_rises_per_hour() {
        let parts = catalogue();
        let Some(bar) = parts.iter().find(|p| p.volatile) else {
            panic!("a volatile item exists");
        };
        assert_eq!(bar.unit_price(Cur::Eur, 1, 3_599_999, 0), 48_000);
        assert_eq!(bar.unit_price(Cur::Eur, 1, 3_600_000, 0), 48_960);
    }
}
