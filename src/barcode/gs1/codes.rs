//! Code lists that GS1 validation routines check against: ISO 3166-1 country codes
//! (numeric and alpha-2) and ISO 4217 currency codes (numeric).
//!
//! The lists were taken from Debian's `iso-codes` 4.15 data files (`iso_3166-1.json`,
//! `iso_4217.json`), which follow the ISO maintenance agencies; they are facts, stored here
//! as sorted fixed-width strings so that a lookup is a binary search with no allocation.
//! A code withdrawn by ISO is not in them, as in the GS1 reference routines.

/// ISO 3166-1 numeric country codes, 3 digits each, sorted.
const COUNTRY_NUMERIC: &str = "\
    004008010012016020024028031032036040044048050051052056060064068070072074076084086090092096\
    100104108112116120124132136140144148152156158162166170174175178180184188191192196203204208\
    212214218222226231232233234238239242246248250254258260262266268270275276288292296300304308\
    312316320324328332334336340344348352356360364368372376380384388392398400404408410414417418\
    422426428430434438440442446450454458462466470474478480484492496498499500504508512516520524\
    528531533534535540548554558562566570574578580581583584585586591598600604608612616620624626\
    630634638642643646652654659660662663666670674678682686688690694702703704705706710716724728\
    729732740744748752756760762764768772776780784788792795796798800804807818826831832833834840\
    850854858860862876882887894";

/// ISO 3166-1 alpha-2 country codes, 2 letters each, sorted.
const COUNTRY_ALPHA2: &str = "\
    ADAEAFAGAIALAMAOAQARASATAUAWAXAZBABBBDBEBFBGBHBIBJBLBMBNBOBQ\
    BRBSBTBVBWBYBZCACCCDCFCGCHCICKCLCMCNCOCRCUCVCWCXCYCZDEDJDKDM\
    DODZECEEEGEHERESETFIFJFKFMFOFRGAGBGDGEGFGGGHGIGLGMGNGPGQGRGS\
    GTGUGWGYHKHMHNHRHTHUIDIEILIMINIOIQIRISITJEJMJOJPKEKGKHKIKMKN\
    KPKRKWKYKZLALBLCLILKLRLSLTLULVLYMAMCMDMEMFMGMHMKMLMMMNMOMPMQ\
    MRMSMTMUMVMWMXMYMZNANCNENFNGNINLNONPNRNUNZOMPAPEPFPGPHPKPLPM\
    PNPRPSPTPWPYQARERORSRURWSASBSCSDSESGSHSISJSKSLSMSNSOSRSSSTSV\
    SXSYSZTCTDTFTGTHTJTKTLTMTNTOTRTTTVTWTZUAUGUMUSUYUZVAVCVEVGVI\
    VNVUWFWSYEYTZAZMZW";

/// ISO 4217 numeric currency codes, 3 digits each, sorted.
const CURRENCY_NUMERIC: &str = "\
    008012032036044048050051052060064068072084090096104108116124132136144152156170174188191192\
    203208214222230232238242262270292320324328332340344348352356360364368376388392398400404408\
    410414417418422426430434446454458462480484496498504512516524532533548554558566578586590598\
    600604608634643646654682690694702704706710728748752756760764776780784788800807818826834840\
    858860882886901925926927928929930931932933934936938940941943944946947948949950951952953955\
    956957958959960961962963964965967968969970971972973975976977978979980981984985986990994997\
    999";

/// Whether `code` is one of the fixed-width codes in the sorted `list`.
fn in_sorted_list(list: &str, width: usize, code: &str) -> bool {
    if code.len() != width {
        return false;
    }
    let count = list.len() / width;
    let (mut lo, mut hi) = (0, count);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        match list.get(mid * width..(mid + 1) * width) {
            Some(item) if item == code => return true,
            Some(item) if item < code => lo = mid + 1,
            Some(_) => hi = mid,
            None => return false,
        }
    }
    false
}

/// An ISO 3166-1 numeric country code, e.g. `276` (Germany).
pub fn is_country_numeric(code: &str) -> bool {
    in_sorted_list(COUNTRY_NUMERIC, 3, code)
}

/// An ISO 3166-1 alpha-2 country code, e.g. `DE`.
pub fn is_country_alpha2(code: &str) -> bool {
    in_sorted_list(COUNTRY_ALPHA2, 2, code)
}

/// An ISO 4217 numeric currency code, e.g. `978` (euro).
pub fn is_currency_numeric(code: &str) -> bool {
    in_sorted_list(CURRENCY_NUMERIC, 3, code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_sorted_and_whole() {
        for (list, width) in [
            (COUNTRY_NUMERIC, 3),
            (COUNTRY_ALPHA2, 2),
            (CURRENCY_NUMERIC, 3),
        ] {
            assert_eq!(list.len() % width, 0);
            let items: Vec<&str> = (0..list.len() / width)
                .filter_map(|i| list.get(i * width..(i + 1) * width))
                .collect();
            assert!(items.windows(2).all(|w| w[0] < w[1]));
            assert!(items.iter().all(|i| in_sorted_list(list, width, i)));
        }
    }

    #[test]
    fn known_and_unknown_codes() {
        assert!(is_country_numeric("276"));
        assert!(is_country_numeric("004"));
        assert!(is_country_numeric("894"));
        assert!(!is_country_numeric("999"));
        assert!(!is_country_numeric("000"));
        assert!(is_country_alpha2("DE"));
        assert!(!is_country_alpha2("XX"));
        assert!(!is_country_alpha2("de"));
        assert!(is_currency_numeric("978"));
        assert!(is_currency_numeric("840"));
        assert!(!is_currency_numeric("123"));
        assert!(!is_currency_numeric("97"));
    }
}
