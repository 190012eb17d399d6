//! Where the money of one payment is (R23, R53–R55, R58, R65): a deposit, a prepayment or a balance, from
//! the moment the gateway or the court confirms it until it is applied to the price, forfeited, or paid
//! back. Money is never made or lost on the way: at every step
//! `received = held + applied + forfeited + owed + refunded`.
//!
//! The backend keeps the facts in rows (the order, the registration's deposit status, the deal, the refunds);
//! this is the rule those rows must follow, and `MoneyPaid::replay` checks a history against it.

use crate::Money;

crate::words!(
    /// What a payment order pays: a registration's deposit (or a sell-off's prepayment, R58), or a deal's
    /// balance (R54).
    PaymentPurpose("payment purpose") { Deposit = "deposit", Balance = "balance" }
);

crate::words!(
    /// A payment order's state. `Pending` until the money is confirmed (by the gateway, or by the court for a
    /// bank transfer); then `Paid` when what it pays for still takes it, or `Rejected` when it came too late
    /// (bidding over, the deal no longer awaiting its balance) — the money was received all the same and is
    /// owed back at once.
    PaymentStatus("payment status") { Pending = "pending", Paid = "paid", Rejected = "rejected" }
);

/// What a confirmation of an order's money does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirmation {
    /// The money is held for its purpose (`Received`).
    Paid,
    /// The money came when its purpose was gone: it is owed back (`Received`, then `Released`).
    Rejected,
    /// The same money confirmed again (a replayed notification, a query after the notification): nothing
    /// changes.
    AlreadyConfirmed(PaymentStatus),
}

impl PaymentStatus {
    /// The order's money is confirmed; `purpose_open` says whether what it pays for still takes it.
    pub fn confirm(self, purpose_open: bool) -> Confirmation {
        match (self, purpose_open) {
            (PaymentStatus::Pending, true) => Confirmation::Paid,
            (PaymentStatus::Pending, false) => Confirmation::Rejected,
            (done, _) => Confirmation::AlreadyConfirmed(done),
        }
    }

    /// The status after `confirmation`.
    pub fn after(self, confirmation: Confirmation) -> PaymentStatus {
        match confirmation {
            Confirmation::Paid => PaymentStatus::Paid,
            Confirmation::Rejected => PaymentStatus::Rejected,
            Confirmation::AlreadyConfirmed(status) => status,
        }
    }

    /// Whether money was received for an order in this state.
    pub fn received(self) -> bool {
        self != PaymentStatus::Pending
    }
}

/// What became of the money an order took in, as the rows that follow it say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    /// Still held for its purpose: a frozen deposit while the round runs, a paid balance before the ruling.
    Held,
    /// Gone to the price (R53, R54).
    Applied,
    /// The buyer defaulted: `kept` is forfeited (R55; of a prepayment only the deposit's part, R58), the rest
    /// is owed back.
    Forfeited { kept: Money },
    /// Owed back: a released deposit (R53), a late payment.
    Released,
    /// Applied to a sale that was then set aside (R65): owed back.
    SetAside,
}

/// The story of one order's money: received, its fate, then each refund paid. Every refund paid must have
/// been owed; the first that was not stops the story with its index among `paid_back`.
pub fn story(received: Money, fate: Fate, paid_back: &[Money]) -> Result<MoneyPaid, (usize, MoneyError)> {
    let mut events = vec![MoneyEvent::Received(received)];
    match fate {
        Fate::Held => {}
        Fate::Applied => events.push(MoneyEvent::Applied(received)),
        Fate::Forfeited { kept } => {
            events.push(MoneyEvent::Forfeited(kept));
            let rest = received.checked_sub(kept).ok_or(MoneyError::MoreThanThere {
                place: "held",
                wanted: kept,
                available: received,
            });
            match rest {
                Ok(rest) if !rest.is_zero() => events.push(MoneyEvent::Released(rest)),
                Ok(_) => {}
                Err(error) => return Err((0, error)),
            }
        }
        Fate::Released => events.push(MoneyEvent::Released(received)),
        Fate::SetAside => {
            events.push(MoneyEvent::Applied(received));
            events.push(MoneyEvent::SaleSetAside(received));
        }
    }
    let before = events.len();
    events.extend(paid_back.iter().map(|amount| MoneyEvent::PaidBack(*amount)));
    MoneyPaid::replay(&events).map_err(|(index, error)| (index.saturating_sub(before), error))
}

/// The money of one payment, by where it is now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MoneyPaid {
    /// Everything confirmed as paid in.
    pub received: Money,
    /// Held for its purpose: a frozen deposit, a balance not yet applied.
    pub held: Money,
    /// Gone to the price of a sale (the winner's deposit, the balance; R53, R54).
    pub applied: Money,
    /// Kept because the buyer defaulted (R55; of a prepayment, the deposit's part, R58).
    pub forfeited: Money,
    /// Owed back and not yet paid: a released deposit (R53), a late payment, a sale set aside (R65), the rest
    /// of a defaulted sell-off prepayment (R58).
    pub owed: Money,
    /// Paid back.
    pub refunded: Money,
}

/// What can happen to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoneyEvent {
    /// The gateway or the court confirmed the payment.
    Received(Money),
    /// Held money goes to the price.
    Applied(Money),
    /// Held money is kept: the buyer defaulted.
    Forfeited(Money),
    /// Held money is owed back.
    Released(Money),
    /// Money applied to a sale is owed back: the sale was set aside (R65).
    SaleSetAside(Money),
    /// Some of what is owed is paid back.
    PaidBack(Money),
}

/// An event the money does not allow: more taken from a place than is there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("{wanted} is more than the {available} {place}")]
    MoreThanThere {
        place: &'static str,
        wanted: Money,
        available: Money,
    },
    #[error("the amount overflows")]
    Overflow,
}

impl MoneyPaid {
    /// The money after `event`, or why it cannot happen (nothing changes then).
    pub fn apply(self, event: MoneyEvent) -> Result<MoneyPaid, MoneyError> {
        let mut next = self;
        match event {
            MoneyEvent::Received(amount) => {
                next.received = add(self.received, amount)?;
                next.held = add(self.held, amount)?;
            }
            MoneyEvent::Applied(amount) => {
                next.held = take(self.held, amount, "held")?;
                next.applied = add(self.applied, amount)?;
            }
            MoneyEvent::Forfeited(amount) => {
                next.held = take(self.held, amount, "held")?;
                next.forfeited = add(self.forfeited, amount)?;
            }
            MoneyEvent::Released(amount) => {
                next.held = take(self.held, amount, "held")?;
                next.owed = add(self.owed, amount)?;
            }
            MoneyEvent::SaleSetAside(amount) => {
                next.applied = take(self.applied, amount, "applied")?;
                next.owed = add(self.owed, amount)?;
            }
            MoneyEvent::PaidBack(amount) => {
                next.owed = take(self.owed, amount, "owed")?;
                next.refunded = add(self.refunded, amount)?;
            }
        }
        Ok(next)
    }

    /// The money after every event of `history`, in order; the first that cannot happen stops it.
    pub fn replay(history: &[MoneyEvent]) -> Result<MoneyPaid, (usize, MoneyError)> {
        history
            .iter()
            .enumerate()
            .try_fold(MoneyPaid::default(), |money, (index, event)| {
                money.apply(*event).map_err(|error| (index, error))
            })
    }

    /// Whether every 分 received is in exactly one place.
    pub fn is_balanced(&self) -> bool {
        [self.held, self.applied, self.forfeited, self.owed, self.refunded]
            .iter()
            .try_fold(Money::ZERO, |sum, part| sum.checked_add(*part))
            == Some(self.received)
    }

    /// Nothing is held or owed any more: the payment's story is over.
    pub fn is_settled(&self) -> bool {
        self.held.is_zero() && self.owed.is_zero()
    }
}

fn add(a: Money, b: Money) -> Result<Money, MoneyError> {
    a.checked_add(b).ok_or(MoneyError::Overflow)
}

fn take(from: Money, amount: Money, place: &'static str) -> Result<Money, MoneyError> {
    from.checked_sub(amount).ok_or(MoneyError::MoreThanThere {
        place,
        wanted: amount,
        available: from,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn yuan(n: i64) -> Money {
        Money::from_cents(n * 100).unwrap_or(Money::ZERO)
    }

    #[test]
    fn a_losers_deposit_is_released_and_paid_back() {
        let money = MoneyPaid::replay(&[
            MoneyEvent::Received(yuan(70_000)),
            MoneyEvent::Released(yuan(70_000)),
            MoneyEvent::PaidBack(yuan(70_000)),
        ])
        .unwrap();
        assert_eq!(money.refunded, yuan(70_000));
        assert!(money.is_balanced() && money.is_settled());
    }

    #[test]
    fn a_sale_set_aside_owes_back_the_deposit_and_the_balance_applied() {
        let money = MoneyPaid::replay(&[
            MoneyEvent::Received(yuan(70_000)),
            MoneyEvent::Applied(yuan(70_000)),
            MoneyEvent::Received(yuan(630_000)),
            MoneyEvent::Applied(yuan(630_000)),
            MoneyEvent::SaleSetAside(yuan(700_000)),
        ])
        .unwrap();
        assert_eq!((money.applied, money.owed), (Money::ZERO, yuan(700_000)));
        assert!(money.is_balanced() && !money.is_settled(), "owed until it is paid back");
    }

    #[test]
    fn a_sell_off_default_keeps_the_deposit_and_owes_the_rest() {
        let money = MoneyPaid::replay(&[
            MoneyEvent::Received(yuan(560_000)),
            MoneyEvent::Forfeited(yuan(56_000)),
            MoneyEvent::Released(yuan(504_000)),
            MoneyEvent::PaidBack(yuan(504_000)),
        ])
        .unwrap();
        assert_eq!((money.forfeited, money.refunded), (yuan(56_000), yuan(504_000)));
        assert!(money.is_balanced() && money.is_settled());
    }

    #[test]
    fn nothing_is_paid_back_twice_nor_taken_that_is_not_there() {
        let paid = MoneyPaid::replay(&[
            MoneyEvent::Received(yuan(100)),
            MoneyEvent::Released(yuan(100)),
            MoneyEvent::PaidBack(yuan(100)),
        ])
        .unwrap();
        assert_eq!(
            paid.apply(MoneyEvent::PaidBack(yuan(100))),
            Err(MoneyError::MoreThanThere {
                place: "owed",
                wanted: yuan(100),
                available: Money::ZERO
            })
        );
        assert!(MoneyPaid::default().apply(MoneyEvent::Applied(yuan(1))).is_err());
        assert_eq!(
            MoneyPaid::replay(&[MoneyEvent::Received(yuan(1)), MoneyEvent::SaleSetAside(yuan(1))]).map_err(|(i, _)| i),
            Err(1)
        );
    }

    #[test]
    fn a_confirmation_pays_a_pending_order_once() {
        assert_eq!(PaymentStatus::Pending.confirm(true), Confirmation::Paid);
        assert_eq!(PaymentStatus::Pending.confirm(false), Confirmation::Rejected);
        for done in [PaymentStatus::Paid, PaymentStatus::Rejected] {
            for open in [true, false] {
                let again = done.confirm(open);
                assert_eq!(again, Confirmation::AlreadyConfirmed(done));
                assert_eq!(done.after(again), done, "a repeated confirmation changes nothing");
            }
        }
        assert!(!PaymentStatus::Pending.received() && PaymentStatus::Rejected.received());
    }

    #[test]
    fn each_fate_leaves_the_money_where_the_rows_say() {
        let deposit = yuan(56_000);
        let owed = |fate| story(deposit, fate, &[]).unwrap().owed;
        assert_eq!(owed(Fate::Held), Money::ZERO);
        assert_eq!(owed(Fate::Applied), Money::ZERO);
        assert_eq!(owed(Fate::Released), deposit);
        assert_eq!(owed(Fate::SetAside), deposit);
        let prepayment = story(yuan(560_000), Fate::Forfeited { kept: deposit }, &[yuan(504_000)]).unwrap();
        assert!(prepayment.is_balanced() && prepayment.is_settled(), "{prepayment:?}");
        assert_eq!(
            story(deposit, Fate::Released, &[deposit, deposit]).map_err(|(index, _)| index),
            Err(1),
            "the second refund of one deposit is the one too many"
        );
        assert!(story(deposit, Fate::Forfeited { kept: yuan(60_000) }, &[]).is_err());
    }

    fn event() -> impl Strategy<Value = MoneyEvent> {
        (0u8..6, 0i64..20_000_000).prop_map(|(kind, cents)| {
            let amount = Money::from_cents(cents).unwrap_or(Money::ZERO);
            match kind {
                0 => MoneyEvent::Received(amount),
                1 => MoneyEvent::Applied(amount),
                2 => MoneyEvent::Forfeited(amount),
                3 => MoneyEvent::Released(amount),
                4 => MoneyEvent::SaleSetAside(amount),
                _ => MoneyEvent::PaidBack(amount),
            }
        })
    }

    fn fate() -> impl Strategy<Value = Fate> {
        (0u8..5, 0i64..20_000_000).prop_map(|(kind, cents)| match kind {
            0 => Fate::Held,
            1 => Fate::Applied,
            2 => Fate::Forfeited {
                kept: Money::from_cents(cents).unwrap_or(Money::ZERO),
            },
            3 => Fate::Released,
            _ => Fate::SetAside,
        })
    }

    proptest! {
        /// For any sequence of events, those that may happen keep every 分 in one place, a refused one
        /// changes nothing, and no more is paid back than came in.
        #[test]
        fn money_in_equals_money_applied_forfeited_held_owed_and_refunded(events in prop::collection::vec(event(), 0..60)) {
            let mut money = MoneyPaid::default();
            for event in events {
                if let Ok(next) = money.apply(event) {
                    money = next;
                }
                prop_assert!(money.is_balanced(), "{money:?}");
                prop_assert!(money.refunded <= money.received);
            }
        }

        /// Whatever an order's fate and however its refunds come, a story that may happen is balanced, and
        /// what is paid back never exceeds what was owed.
        #[test]
        fn an_orders_story_is_balanced_or_refused(
            cents in 1i64..20_000_000,
            fate in fate(),
            refunds in prop::collection::vec(1i64..20_000_000, 0..4),
        ) {
            let received = Money::from_cents(cents).unwrap_or(Money::ZERO);
            let paid_back: Vec<Money> = refunds.iter().filter_map(|c| Money::from_cents(*c)).collect();
            if let Ok(money) = story(received, fate, &paid_back) {
                prop_assert!(money.is_balanced(), "{money:?}");
                prop_assert_eq!(money.received, received);
                prop_assert!(money.refunded <= received);
            }
        }
    }
}
