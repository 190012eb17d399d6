//! Whose money a bank transfer is (R74): the deposit and the balance must come from the bidder's own
//! account — a person's, or the organisation's — so the name on the bank statement must be the
//! registrant's (or, for an agency, its principal's, R41). The court may accept another payer only with a
//! reason it records.
//!
//! Names are compared as a bank writes them: spaces, full-width forms and the case of Latin letters do
//! not make two names differ; anything else does.

/// `name` as it is compared: without white space, full-width ASCII forms (`（`, `Ａ`) as their ASCII
/// letters, Latin letters in lower case.
pub fn normalized(name: &str) -> String {
    name.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            // The full-width forms U+FF01–U+FF5E are ASCII U+0021–U+007E shifted.
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// Whether the statement's `payer` is one of the `expected` names.
pub fn is_registrant(payer: &str, expected: &[&str]) -> bool {
    let payer = normalized(payer);
    !payer.is_empty() && expected.iter().any(|name| normalized(name) == payer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn spaces_width_and_case_do_not_make_two_names_differ() {
        assert!(is_registrant("张 三", &["张三"]));
        assert!(is_registrant(
            "杭州某某科技有限公司（有限合伙）",
            &["杭州某某科技有限公司(有限合伙)"]
        ));
        assert!(is_registrant("ＡＢＣ Trading", &["abc trading"]));
        assert!(
            is_registrant("李四", &["张三", "李四"]),
            "an agency's principal may pay"
        );
    }

    #[test]
    fn another_name_or_none_is_not_the_registrant() {
        assert!(!is_registrant("张三丰", &["张三"]));
        assert!(!is_registrant("张三", &[]));
        assert!(!is_registrant("   ", &[""]), "an empty name matches nothing");
        assert!(!is_registrant("某某公司", &["某某有限公司"]));
    }

    proptest! {
        /// Spacing a name out and writing its ASCII full-width never changes the answer.
        #[test]
        fn a_name_matches_itself_however_it_is_spaced_or_widened(name in "[a-zA-Z0-9()\u{4e00}-\u{4e20}]{1,12}") {
            let widened: String = name
                .chars()
                .map(|c| if c.is_ascii_graphic() { char::from_u32(c as u32 + 0xFEE0).unwrap_or(c) } else { c })
                .flat_map(|c| [c, ' '])
                .collect();
            prop_assert!(is_registrant(&widened, &[&name]));
        }

        /// Two names that differ after normalising never match.
        #[test]
        fn different_names_never_match(a in "[\u{4e00}-\u{4e20}]{1,6}", b in "[\u{4e00}-\u{4e20}]{1,6}") {
            prop_assume!(a != b);
            prop_assert!(!is_registrant(&a, &[&b]));
        }
    }
}
