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

    /// The birth date written in characters 7–14 (checked to be a real date by `parse`).
    pub fn birth_date(&self) -> NaiveDate {
        NaiveDate::parse_from_str(&self.0[6..14], "%Y%m%d").unwrap_or(NaiveDate::MIN)
    }

    /// `110101********123X`: enough for a person to recognise their own number, no more.
    pub fn masked(&self) -> String {
        format!("{}********{}", &self.0[..6], &self.0[14..])
    }
}

/// Full civil capacity, which bidding needs (R37), starts at 18 (民法典 Arts 17–18).
pub const AGE_OF_MAJORITY: u32 = 18;

/// Whether a person born on `birth` is of age on `today`: from the 18th birthday on; someone born on
/// 29 February comes of age on 1 March of a common year.
pub fn is_of_age_on(birth: NaiveDate, today: NaiveDate) -> bool {
    today.years_since(birth).is_some_and(|years| years >= AGE_OF_MAJORITY)
}

impl fmt::Debug for IdNumber {
    /// Never print a whole ID number, not even in debug output.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdNumber({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use chrono::Datelike;

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
    fn the_birth_date_is_read_from_the_number() {
        let id = IdNumber::parse("11010519491231002X").unwrap();
        assert_eq!(id.birth_date(), NaiveDate::from_ymd_opt(1949, 12, 31).unwrap());
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn a_person_comes_of_age_on_the_eighteenth_birthday() {
        assert!(!is_of_age_on(day(2008, 12, 3), day(2026, 12, 2)));
        assert!(is_of_age_on(day(2008, 12, 3), day(2026, 12, 3)));
        assert!(is_of_age_on(day(1949, 12, 31), day(2026, 12, 3)));
        // Born later than today: not of age, and no panic.
        assert!(!is_of_age_on(day(2030, 1, 1), day(2026, 12, 3)));
    }

    #[test]
    fn a_leap_day_birth_comes_of_age_on_the_first_of_march() {
        assert!(!is_of_age_on(day(2008, 2, 29), day(2026, 2, 28)));
        assert!(is_of_age_on(day(2008, 2, 29), day(2026, 3, 1)));
        assert!(!is_of_age_on(day(2012, 2, 29), day(2030, 2, 28)));
    }

    proptest::proptest! {
        /// Coming of age happens once: never of age the day before the 18th birthday, always from it on.
        #[test]
        fn coming_of_age_is_a_single_step(birth_offset in 0i64..60_000, today_offset in 0i64..60_000) {
            let birth = day(1900, 1, 1) + chrono::Duration::days(birth_offset);
            let today = day(1900, 1, 1) + chrono::Duration::days(today_offset);
            let birthday = NaiveDate::from_ymd_opt(birth.year() + 18, birth.month(), birth.day())
                .unwrap_or_else(|| day(birth.year() + 18, 3, 1));
            proptest::prop_assert_eq!(is_of_age_on(birth, today), today >= birthday);
        }
    }

    #[test]
    fn debug_output_masks_the_number() {
        let id = IdNumber::parse("11010519491231002X").unwrap();
        assert_eq!(format!("{id:?}"), "IdNumber(110105********002X)");
    }
}
