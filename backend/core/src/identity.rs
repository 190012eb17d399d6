//! PRC resident identity numbers (GB 11643-1999): 17 digits and a checksum character.

use std::fmt;

use chrono::NaiveDate;

/// An 18-character resident ID number whose birth date and checksum are valid. Upper-case `X`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct IdNumber(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdNumberError {
    #[error("an ID number has 18 characters: 17 digits and a final digit or X")]
    BadShape,
    #[error("the birth date inside the ID number is not a real date")]
    BadBirthDate,
    #[error("the ID number's check character does not match (GB 11643)")]
    BadChecksum,
}

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// The check character for the first 17 digits of an ID number.
pub fn check_character(first17: &[u32; 17]) -> char {
    let sum: u32 = first17.iter().zip(WEIGHTS).map(|(d, w)| d * w).sum();
    CHECK_CHARS[(sum % 11) as usize]
}

impl IdNumber {
    pub fn parse(text: &str) -> Result<IdNumber, IdNumberError> {
        let text = text.trim().to_ascii_uppercase();
        let chars: Vec<char> = text.chars().collect();
        if chars.len() != 18 || !chars[..17].iter().all(char::is_ascii_digit) {
            return Err(IdNumberError::BadShape);
        }
        let last = chars[17];
        if !(last.is_ascii_digit() || last == 'X') {
            return Err(IdNumberError::BadShape);
        }
        let birth = &text[6..14];
        if NaiveDate::parse_from_str(birth, "%Y%m%d").is_err() || &birth[..2] < "18" {
            return Err(IdNumberError::BadBirthDate);
        }
        let mut digits = [0u32; 17];
        for (slot, c) in digits.iter_mut().zip(&chars) {
            *slot = c.to_digit(10).unwrap_or(0);
        }
        if check_character(&digits) != last {
            return Err(IdNumberError::BadChecksum);
        }
        Ok(IdNumber(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `110101********123X`: enough for a person to recognise their own number, no more.
    pub fn masked(&self) -> String {
        format!("{}********{}", &self.0[..6], &self.0[14..])
    }
}

impl fmt::Debug for IdNumber {
    /// Never print a whole ID number, not even in debug output.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdNumber({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Completes 17 digits with their check character.
    fn complete(first17: &str) -> String {
        let digits: Vec<u32> = first17.chars().map(|c| c.to_digit(10).unwrap()).collect();
        format!("{first17}{}", check_character(&digits.try_into().unwrap()))
    }

    #[test]
    fn accepts_the_standards_worked_example() {
        // The example printed in GB 11643-1999.
        assert!(IdNumber::parse("11010519491231002X").is_ok());
        assert!(IdNumber::parse("11010519491231002x").is_ok());
        assert!(IdNumber::parse(&complete("44052418800101001")).is_ok());
    }

    #[test]
    fn rejects_a_wrong_check_character() {
        assert_eq!(IdNumber::parse("110105194912310021"), Err(IdNumberError::BadChecksum));
    }

    #[test]
    fn rejects_bad_shapes_and_dates() {
        assert_eq!(IdNumber::parse("1101051949123100"), Err(IdNumberError::BadShape));
        assert_eq!(IdNumber::parse("11010519491231002Y"), Err(IdNumberError::BadShape));
        assert_eq!(IdNumber::parse("1101051949123100AX"), Err(IdNumberError::BadShape));
        let feb30 = complete("11010519900230001");
        assert_eq!(IdNumber::parse(&feb30), Err(IdNumberError::BadBirthDate));
    }

    #[test]
    fn every_single_digit_change_is_caught() {
        let good = complete("32010219850615123");
        for position in 0..17 {
            for replacement in '0'..='9' {
                let mut chars: Vec<char> = good.chars().collect();
                if chars[position] == replacement {
                    continue;
                }
                chars[position] = replacement;
                let changed: String = chars.into_iter().collect();
                assert!(IdNumber::parse(&changed).is_err(), "{changed} should be rejected");
            }
        }
    }

    #[test]
    fn debug_output_masks_the_number() {
        let id = IdNumber::parse("11010519491231002X").unwrap();
        assert_eq!(format!("{id:?}"), "IdNumber(110105********002X)");
    }
}
