//! Hours from seconds: trackers that record start and end times count seconds; canonical
//! hours are a decimal rounded to 6 places (3.6 ms), half to even. The seconds stay in the raw
//! payload, so nothing is lost.

use rust_decimal::{Decimal, RoundingStrategy};

/// Hours in `seconds`, rounded to 6 decimal places (banker's rounding).
pub fn from_seconds(seconds: i64) -> Decimal {
    (Decimal::from(seconds) / Decimal::from(3600))
        .round_dp_with_strategy(6, RoundingStrategy::MidpointNearestEven)
        .normalize()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn quarter_hours_are_exact_and_others_round_to_six_places() {
        assert_eq!(from_seconds(27_000), Decimal::new(75, 1));
        assert_eq!(from_seconds(5_400), Decimal::new(15, 1));
        assert_eq!(
            from_seconds(60),
            Decimal::from_str_exact("0.016667").unwrap()
        );
        assert_eq!(from_seconds(0), Decimal::ZERO);
    }
}
