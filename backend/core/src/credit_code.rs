//! Unified social credit codes of organisations (统一社会信用代码, GB 32100-2015): 17 characters and a
//! check character over an alphabet of 31 (the digits and the capitals without I, O, Z, S and V).

use std::fmt;

/// An 18-character credit code whose alphabet, division code and check character are valid. Upper case.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CreditCode(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CreditCodeError {
    #[error("a unified social credit code has 18 characters: digits and capital letters other than I, O, Z, S and V")]
    BadShape,
    #[error("characters 3 to 8 of a unified social credit code are the administrative division's six digits")]
    BadDivision,
    #[error("the unified social credit code's check character does not match (GB 32100)")]
    BadChecksum,
}

const ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
/// 3^i mod 31, the weight of position i.
const WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

fn value_of(c: char) -> Option<u32> {
    ALPHABET.find(c).map(|i| i as u32)
}

/// The check character for the first 17 characters' values.
pub fn check_character(first17: &[u32; 17]) -> char {
    let sum: u32 = first17.iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
    let check = (31 - sum % 31) % 31;
    ALPHABET.as_bytes()[check as usize] as char
}

impl CreditCode {
    pub fn parse(text: &str) -> Result<CreditCode, CreditCodeError> {
        let text = text.trim().to_ascii_uppercase();
        let values: Option<Vec<u32>> = text.chars().map(value_of).collect();
        let Some(values) = values.filter(|v| v.len() == 18) else {
            return Err(CreditCodeError::BadShape);
        };
        if !values[2..8].iter().all(|&v| v < 10) {
            return Err(CreditCodeError::BadDivision);
        }
        let mut first17 = [0u32; 17];
        first17.copy_from_slice(&values[..17]);
        if text.ends_with(check_character(&first17)) {
            Ok(CreditCode(text))
        } else {
            Err(CreditCodeError::BadChecksum)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for CreditCode {
    /// A credit code is public (it is printed on the business licence); shown whole.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CreditCode({})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn complete(first17: &str) -> String {
        let values: Vec<u32> = first17.chars().map(|c| value_of(c).unwrap()).collect();
        format!("{first17}{}", check_character(&values.try_into().unwrap()))
    }

    #[test]
    fn accepts_real_codes() {
        // The standard's worked example, and two codes printed on companies' licences.
        for code in ["91350100M000100Y43", "91110000802100433B", "91440300708461136T"] {
            assert!(CreditCode::parse(code).is_ok(), "{code}");
        }
        assert_eq!(
            CreditCode::parse(" 91440300708461136t ").unwrap().as_str(),
            "91440300708461136T"
        );
    }

    #[test]
    fn rejects_shapes_divisions_and_check_characters() {
        assert_eq!(CreditCode::parse("91350100M000100Y4"), Err(CreditCodeError::BadShape));
        assert_eq!(CreditCode::parse("91350100M000100YI3"), Err(CreditCodeError::BadShape));
        assert_eq!(CreditCode::parse("91350100M000100Y4Z"), Err(CreditCodeError::BadShape));
        assert_eq!(
            CreditCode::parse(&complete("913501A0M000100Y4")),
            Err(CreditCodeError::BadDivision)
        );
        assert_eq!(
            CreditCode::parse("91350100M000100Y44"),
            Err(CreditCodeError::BadChecksum)
        );
    }

    #[test]
    fn the_check_character_can_be_zero() {
        // A sum divisible by 31 gives the check value 0, not 31.
        let first17 = (0..u32::MAX)
            .map(|n| format!("91350100{n:09}"))
            .find(|s| complete(s).ends_with('0'))
            .unwrap();
        assert!(CreditCode::parse(&complete(&first17)).is_ok());
    }

    fn alphabet_char() -> impl Strategy<Value = char> {
        prop::sample::select(ALPHABET.chars().collect::<Vec<_>>())
    }

    proptest! {
        /// Every code completed by its check character parses; changing any one character breaks it
        /// (31 is prime and no weight is a multiple of it, so one substitution always moves the sum).
        #[test]
        fn any_single_substitution_is_caught(
            head in prop::collection::vec(alphabet_char(), 2),
            division in "[0-9]{6}",
            tail in prop::collection::vec(alphabet_char(), 9),
            position in 0usize..18,
            replacement in alphabet_char(),
        ) {
            let first17: String = head.iter().collect::<String>() + &division + &tail.iter().collect::<String>();
            let good = complete(&first17);
            prop_assert!(CreditCode::parse(&good).is_ok());
            let mut chars: Vec<char> = good.chars().collect();
            prop_assume!(chars[position] != replacement);
            chars[position] = replacement;
            let changed: String = chars.into_iter().collect();
            prop_assert!(CreditCode::parse(&changed).is_err(), "{changed} should be rejected");
        }
    }
}
