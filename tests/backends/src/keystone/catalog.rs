//! Keystone's catalogue and the 832 it publishes.

use super::x12::{SetW, gs1_check};

/// One catalogue item.
#[derive(Debug, Clone)]
pub(crate) struct Item {
    pub sku: &'static str,
    /// GTIN without its check digit (11 digits → UPC-A, 12 → EAN-13).
    gtin_body: Option<&'static str>,
    pub mpn: &'static str,
    pub maker: &'static str,
    pub unspsc: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    /// X12 unit the item is sold in.
    pub unit: &'static str,
    /// Pieces (EA) per sale unit, for boxes and packs.
    pub pack: Option<u32>,
    /// (minimum quantity, price per unit), ascending.
    pub tiers: &'static [(u64, &'static str)],
    pub msrp: Option<&'static str>,
    pub lead_days: u32,
    pub stock: u64,
    /// Days after start when a sold-out item restocks, and how many arrive.
    pub restock: Option<(i64, u64)>,
}

impl Item {
    /// The GTIN with its check digit.
    pub fn gtin(&self) -> Option<String> {
        self.gtin_body.map(|b| format!("{b}{}", gs1_check(b)))
    }

    /// `UP` for a 12-digit UPC, `EN` for an EAN-13.
    pub fn gtin_qualifier(&self) -> &'static str {
        match self.gtin_body.map(str::len) {
            Some(11) => "UP",
            _ => "EN",
        }
    }
}

#[allow(clippy::too_many_arguments)]
const fn item(
    sku: &'static str,
    gtin_body: Option<&'static str>,
    mpn: &'static str,
    maker: &'static str,
    unspsc: &'static str,
    title: &'static str,
    description: &'static str,
    unit: &'static str,
    pack: Option<u32>,
    tiers: &'static [(u64, &'static str)],
    msrp: Option<&'static str>,
    lead_days: u32,
    stock: u64,
    restock: Option<(i64, u64)>,
) -> Item {
    Item {
        sku,
        gtin_body,
        mpn,
        maker,
        unspsc,
        title,
        description,
        unit,
        pack,
        tiers,
        msrp,
        lead_days,
        stock,
        restock,
    }
}

/// The catalogue at start.
pub(crate) fn items() -> Vec<Item> {
    vec![
        item(
            "KI-10010",
            Some("07612345001"),
            "NG-100-L",
            "Keystone Select",
            "46181504",
            "Nitrile exam gloves, size L, box of 100",
            "Powder-free, 4 mil, blue",
            "BX",
            Some(100),
            &[(1, "14.95"), (10, "13.50"), (50, "12.25")],
            Some("18.99"),
            2,
            240,
            None,
        ),
        item(
            "KI-10020",
            Some("07612345002"),
            "SG-AF-C",
            "Keystone Select",
            "46181802",
            "Safety glasses, clear anti-fog lens",
            "ANSI Z87.1+, wraparound",
            "EA",
            None,
            &[(1, "6.40"), (12, "5.80"), (144, "5.10")],
            None,
            2,
            800,
            None,
        ),
        item(
            "KI-10030",
            Some("07612345003"),
            "HV-C2-L",
            "Keystone Select",
            "46181531",
            "Hi-vis safety vest, class 2, size L",
            "ANSI 107 class 2, lime, zip front",
            "EA",
            None,
            &[(1, "11.20"), (10, "9.95")],
            None,
            3,
            0,
            Some((5, 200)),
        ),
        item(
            "KI-20010",
            Some("07612345010"),
            "HCS-38-16-1",
            "Keystone Fastening",
            "31161501",
            "Hex cap screw 3/8\"-16 x 1\", grade 5, zinc, box of 50",
            "SAE J429 grade 5, coarse thread",
            "BX",
            Some(50),
            &[(1, "12.50"), (10, "11.25"), (40, "10.40")],
            None,
            1,
            60,
            None,
        ),
        item(
            "KI-20020",
            Some("07612345011"),
            "HN-38-16",
            "Keystone Fastening",
            "31161601",
            "Hex nut 3/8\"-16, grade 5, zinc, box of 100",
            "Finished hex nut, coarse thread",
            "BX",
            Some(100),
            &[(1, "8.75"), (10, "7.90")],
            None,
            1,
            35,
            None,
        ),
        item(
            "KI-20030",
            Some("400638133393"),
            "FW-38-SAE",
            "Keystone Fastening",
            "31161801",
            "Flat washer 3/8\", SAE, zinc, box of 100",
            "Through-hardened, zinc plated",
            "BX",
            Some(100),
            &[(1, "4.60")],
            None,
            1,
            4,
            None,
        ),
        item(
            "KI-30010",
            Some("07612345020"),
            "HH-08-2W",
            "Parkline",
            "40142000",
            "Hydraulic hose 1/2\", 2-wire braid, per foot",
            "SAE 100R2AT, 4000 psi",
            "FT",
            None,
            &[(1, "3.85"), (100, "3.40"), (500, "2.95")],
            None,
            4,
            1800,
            None,
        ),
        item(
            "KI-30020",
            Some("07612345021"),
            "DT-2-60-S",
            "Keystone Select",
            "31201500",
            "Duct tape 2\" x 60 yd, silver",
            "9 mil, general purpose",
            "RL",
            None,
            &[(1, "7.25"), (24, "6.10")],
            None,
            2,
            320,
            None,
        ),
        item(
            "KI-30030",
            None,
            "CT-8-UVB",
            "Keystone Select",
            "39131700",
            "Cable ties 8\", black UV, pack of 100",
            "50 lb tensile strength",
            "PK",
            Some(100),
            &[(1, "5.95"), (10, "5.20")],
            None,
            2,
            150,
            None,
        ),
        item(
            "KI-40010",
            Some("07612345030"),
            "6204-2RS",
            "Keystone Bearing",
            "31171504",
            "Ball bearing 6204-2RS, 20 x 47 x 14 mm",
            "Deep groove, double rubber seal",
            "EA",
            None,
            &[(1, "4.85"), (10, "4.10"), (100, "3.55")],
            None,
            3,
            95,
            None,
        ),
        item(
            "KI-40020",
            Some("07612345031"),
            "6205-2RS",
            "Keystone Bearing",
            "31171504",
            "Ball bearing 6205-2RS, 25 x 52 x 15 mm",
            "Deep groove, double rubber seal",
            "EA",
            None,
            &[(1, "5.40"), (10, "4.60")],
            None,
            3,
            0,
            Some((10, 400)),
        ),
        item(
            "KI-50010",
            Some("07612345040"),
            "ST-BL-10",
            "Keystone Select",
            "47131502",
            "Shop towels, blue, case of 10 rolls",
            "55 sheets per roll",
            "CA",
            None,
            &[(1, "38.00")],
            None,
            2,
            22,
            None,
        ),
    ]
}

/// The 832 of the catalogue as it stands, dated `date8`.
pub(crate) fn write_832(items: &[Item], stock: &dyn Fn(&str) -> u64, date8: &str) -> Vec<String> {
    let mut w = SetW::new("832", "0001");
    w.seg("BCT", &["PC", &format!("KI-{date8}"), "1"]);
    w.seg("DTM", &["007", date8]);
    w.seg("CUR", &["SE", "USD"]);
    w.seg("N1", &["SU", "Keystone Industrial", "92", "KEYSTONE"]);
    for (n, i) in items.iter().enumerate() {
        let n = (n + 1).to_string();
        let gtin = i.gtin();
        let mut lin = vec![n.as_str(), "VP", i.sku];
        if let Some(g) = &gtin {
            lin.extend([i.gtin_qualifier(), g.as_str()]);
        }
        lin.extend(["MG", i.mpn, "MF", i.maker, "CG", i.unspsc]);
        w.seg("LIN", &lin);
        w.seg("PID", &["F", "", "", "", i.title]);
        w.seg("PID", &["F", "GEN", "", "", i.description]);
        if let Some(p) = i.pack {
            w.seg("PO4", &["1", &p.to_string(), "EA"]);
        }
        w.seg("QTY", &["33", &stock(i.sku).to_string(), i.unit]);
        w.seg("LDT", &["AE", &i.lead_days.to_string(), "DA"]);
        for (min, price) in i.tiers {
            w.seg("CTP", &["", "RES", price, &min.to_string(), i.unit]);
        }
        if let Some(m) = i.msrp {
            w.seg("CTP", &["", "MSR", m, "1", i.unit]);
        }
    }
    w.seg("CTT", &[&items.len().to_string()]);
    w.finish()
}
