//! Exact money: a [`Decimal`] amount plus an ISO 4217 [`Currency`].
//!
//! There is no `f64` anywhere in this module and no conversion from one. Amounts come from
//! provider strings ([`Money::parse`]) or integer minor units ([`Money::from_minor`]); arithmetic
//! is checked and never rounds implicitly. Rounding happens only through
//! [`Money::round_to_minor`] with an explicit [`RoundingMode`].
//!
//! Serde form: `{"amount":"12.34","currency":"USD"}`: the amount is a string that keeps its
//! scale (`"10.50"` stays `"10.50"`); a JSON number is rejected so nothing passes through a float.

use std::fmt;
use std::str::FromStr;

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::ErrorKind;

/// Errors from parsing or computing with money.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// The currency code is not three uppercase ASCII letters.
    #[error("invalid currency code {code:?}: expected three uppercase ASCII letters (ISO 4217)")]
    InvalidCurrency {
        /// The rejected code.
        code: String,
    },
    /// The amount text is not a plain decimal number.
    #[error("invalid amount {input:?}: {reason}")]
    InvalidAmount {
        /// The rejected text.
        input: String,
        /// Why it was rejected.
        reason: &'static str,
    },
    /// Two amounts in different currencies were combined.
    #[error("currency mismatch: expected {expected}, found {found}")]
    CurrencyMismatch {
        /// The currency of the left-hand operand (or the one asked for).
        expected: Currency,
        /// The currency that was actually supplied.
        found: Currency,
    },
    /// The result does not fit in a `Decimal` (or, for minor units, in an `i64`).
    #[error("amount overflow")]
    Overflow,
    /// The amount has more decimal places than the currency's minor unit allows.
    #[error("{amount} {currency} is not a whole number of minor units")]
    NotWholeMinorUnits {
        /// The amount that would need rounding.
        amount: Decimal,
        /// Its currency.
        currency: Currency,
    },
    /// An exact product needs more precision than a `Decimal` holds (28 decimal places).
    #[error("exact result exceeds decimal precision")]
    PrecisionExceeded,
}

impl MoneyError {
    /// Shared classification: every money error is bad data, hence [`ErrorKind::Validation`].
    pub const fn kind(&self) -> ErrorKind {
        ErrorKind::Validation
    }
}

/// An ISO 4217 currency code: exactly three uppercase ASCII letters.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency([u8; 3]);

impl Currency {
    /// United States dollar.
    pub const USD: Currency = Currency(*b"USD");
    /// Euro.
    pub const EUR: Currency = Currency(*b"EUR");
    /// Pound sterling.
    pub const GBP: Currency = Currency(*b"GBP");
    /// Canadian dollar.
    pub const CAD: Currency = Currency(*b"CAD");
    /// Australian dollar.
    pub const AUD: Currency = Currency(*b"AUD");
    /// Japanese yen (no minor unit).
    pub const JPY: Currency = Currency(*b"JPY");

    /// Validates a code: exactly three uppercase ASCII letters (`"USD"`; `"usd"` is rejected).
    pub fn new(code: &str) -> Result<Currency, MoneyError> {
        match code.as_bytes() {
            [a, b, c] if [a, b, c].iter().all(|x| x.is_ascii_uppercase()) => {
                Ok(Currency([*a, *b, *c]))
            }
            _ => Err(MoneyError::InvalidCurrency {
                code: code.to_owned(),
            }),
        }
    }

    /// Like [`Currency::new`] but accepts lowercase letters too (some providers send `"usd"`).
    pub fn from_code_ignore_case(code: &str) -> Result<Currency, MoneyError> {
        Currency::new(&code.to_ascii_uppercase()).map_err(|_| MoneyError::InvalidCurrency {
            code: code.to_owned(),
        })
    }

    /// The three-letter code, e.g. `"USD"`.
    pub fn code(&self) -> &str {
        // Always valid ASCII by construction; the fallback is unreachable.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }

    /// Number of decimal places of the minor unit (ISO 4217): 0 for JPY, 3 for KWD/BHD, else 2.
    pub fn minor_units(&self) -> u32 {
        match &self.0 {
            b"BIF" | b"CLP" | b"DJF" | b"GNF" | b"ISK" | b"JPY" | b"KMF" | b"KRW" | b"PYG"
            | b"RWF" | b"UGX" | b"UYI" | b"VND" | b"VUV" | b"XAF" | b"XOF" | b"XPF" => 0,
            b"BHD" | b"IQD" | b"JOD" | b"KWD" | b"LYD" | b"OMR" | b"TND" => 3,
            b"CLF" | b"UYW" => 4,
            _ => 2,
        }
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Currency({})", self.code())
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Currency {
    type Err = MoneyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Currency::new(s)
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Currency::new(&s).map_err(serde::de::Error::custom)
    }
}

/// How to round to a currency's minor unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoundingMode {
    /// Round half to even ("banker's rounding"): 2.345 → 2.34, 2.355 → 2.36.
    HalfEven,
    /// Round half away from zero: 2.345 → 2.35, -2.345 → -2.35.
    HalfUp,
}

impl RoundingMode {
    fn strategy(self) -> RoundingStrategy {
        match self {
            RoundingMode::HalfEven => RoundingStrategy::MidpointNearestEven,
            RoundingMode::HalfUp => RoundingStrategy::MidpointAwayFromZero,
        }
    }
}

/// An exact amount of money in one currency.
///
/// Equality is numeric (`10.5 USD == 10.50 USD`); the scale is kept for display and serde.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    /// The exact amount, in major units (dollars, not cents).
    #[serde(with = "decimal_str")]
    pub amount: Decimal,
    /// The ISO 4217 currency.
    pub currency: Currency,
}

/// Turns `-0` into `0` so zero always displays without a sign.
fn unsigned_zero(mut d: Decimal) -> Decimal {
    if d.is_zero() {
        d.set_sign_positive(true);
    }
    d
}

/// Parses a plain decimal: optional sign, digits with optional well-formed `,` thousand
/// separators, optional `.` fraction. No currency symbols, spaces, exponents or parentheses.
fn parse_decimal(input: &str) -> Result<Decimal, MoneyError> {
    let bad = |reason| MoneyError::InvalidAmount {
        input: input.to_owned(),
        reason,
    };
    let s = input.trim();
    let (negative, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        Some(_) => (false, s),
        None => return Err(bad("empty")),
    };
    let (int_part, frac_part) = match body.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    let all_digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    if let Some(f) = frac_part
        && !all_digits(f)
    {
        return Err(bad("the fraction must be one or more digits"));
    }
    let mut digits = String::with_capacity(body.len() + 2);
    if negative {
        digits.push('-');
    }
    if int_part.is_empty() {
        if frac_part.is_none() {
            return Err(bad("no digits"));
        }
        digits.push('0');
    } else if int_part.contains(',') {
        let mut groups = int_part.split(',');
        let first = groups.next().unwrap_or_default();
        if !all_digits(first) || first.len() > 3 || first.starts_with('0') {
            return Err(bad("malformed thousand separators"));
        }
        digits.push_str(first);
        for group in groups {
            if group.len() != 3 || !all_digits(group) {
                return Err(bad("malformed thousand separators"));
            }
            digits.push_str(group);
        }
    } else if all_digits(int_part) {
        digits.push_str(int_part);
    } else {
        return Err(bad(
            "not a plain decimal number (no symbols, spaces or exponents)",
        ));
    }
    if let Some(f) = frac_part {
        digits.push('.');
        digits.push_str(f);
    }
    Decimal::from_str_exact(&digits)
        .map(unsigned_zero)
        .map_err(|_| bad("out of range or more than 28 decimal places"))
}

impl Money {
    /// An amount in a currency.
    pub const fn new(amount: Decimal, currency: Currency) -> Money {
        Money { amount, currency }
    }

    /// Zero in `currency`.
    pub const fn zero(currency: Currency) -> Money {
        Money::new(Decimal::ZERO, currency)
    }

    /// Parses an amount exactly (never through a float), keeping its scale.
    ///
    /// Accepted: `"1234.56"`, `"-0.10"`, `"+5"`, `".5"`, `"1,234.56"` (thousand separators only
    /// when well-formed: `"1,23.4"` and `"1234,567"` are rejected), surrounding whitespace, and
    /// an optional trailing code that must equal `currency` (`"12.34 USD"`, so
    /// `Money::parse(&m.to_string(), m.currency)` round-trips).
    ///
    /// Rejected on purpose: currency symbols (`"$1,234.56"`: `$` is ambiguous between USD, CAD,
    /// AUD…, so connectors strip symbols knowing the currency), exponents (`"1e3"`), accounting
    /// parentheses, and a comma as the decimal separator.
    pub fn parse(s: &str, currency: Currency) -> Result<Money, MoneyError> {
        let trimmed = s.trim();
        let amount_text = match trimmed.rsplit_once(char::is_whitespace) {
            Some((amount, code))
                if code.len() == 3 && code.bytes().all(|b| b.is_ascii_alphabetic()) =>
            {
                let found = Currency::new(code)?;
                if found != currency {
                    return Err(MoneyError::CurrencyMismatch {
                        expected: currency,
                        found,
                    });
                }
                amount
            }
            _ => trimmed,
        };
        Ok(Money::new(parse_decimal(amount_text)?, currency))
    }

    /// Builds an amount from integer minor units: 1234 USD cents → 12.34; 1234 JPY → 1234.
    pub fn from_minor(minor: i64, currency: Currency) -> Money {
        // minor_units() is at most 4, far below Decimal's maximum scale of 28.
        Money::new(Decimal::new(minor, currency.minor_units()), currency)
    }

    /// The amount in integer minor units (cents for USD).
    ///
    /// Fails with [`MoneyError::NotWholeMinorUnits`] if that would need rounding (12.345 USD),
    /// and with [`MoneyError::Overflow`] if it does not fit in an `i64`.
    pub fn to_minor(&self) -> Result<i64, MoneyError> {
        let factor = Decimal::from(10_i64.pow(self.currency.minor_units()));
        let scaled = self
            .amount
            .checked_mul(factor)
            .ok_or(MoneyError::Overflow)?;
        if !scaled.fract().is_zero() {
            return Err(MoneyError::NotWholeMinorUnits {
                amount: self.amount,
                currency: self.currency,
            });
        }
        scaled.trunc().to_i64().ok_or(MoneyError::Overflow)
    }

    fn same_currency(&self, other: &Money) -> Result<(), MoneyError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(MoneyError::CurrencyMismatch {
                expected: self.currency,
                found: other.currency,
            })
        }
    }

    /// Exact sum; fails on different currencies or overflow.
    pub fn checked_add(&self, other: &Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let sum = self
            .amount
            .checked_add(other.amount)
            .ok_or(MoneyError::Overflow)?;
        Ok(Money::new(unsigned_zero(sum), self.currency))
    }

    /// Exact difference; fails on different currencies or overflow.
    pub fn checked_sub(&self, other: &Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let diff = self
            .amount
            .checked_sub(other.amount)
            .ok_or(MoneyError::Overflow)?;
        Ok(Money::new(unsigned_zero(diff), self.currency))
    }

    /// Exact sum of `items`, all of which must be in `currency` (zero for an empty iterator).
    pub fn sum<'a, I>(currency: Currency, items: I) -> Result<Money, MoneyError>
    where
        I: IntoIterator<Item = &'a Money>,
    {
        items
            .into_iter()
            .try_fold(Money::zero(currency), |acc, m| acc.checked_add(m))
    }

    /// Exact product with a dimensionless rate, e.g. an hourly rate × hours worked.
    ///
    /// Never rounds: 23.4567 × 37.5 = 879.62625. Fails with [`MoneyError::PrecisionExceeded`]
    /// if the exact product needs more than 28 decimal places, or [`MoneyError::Overflow`].
    pub fn checked_mul_rate(&self, rate: Decimal) -> Result<Money, MoneyError> {
        let full_scale = self.amount.scale() + rate.scale();
        if self.amount.is_zero() || rate.is_zero() {
            let mut zero = Decimal::ZERO;
            zero.rescale(full_scale.min(Decimal::MAX_SCALE));
            return Ok(Money::new(zero, self.currency));
        }
        // rust_decimal keeps scale = sum of the operand scales unless it had to round, so an
        // unchanged scale proves exactness. Retry once with trailing zeros stripped.
        let exact = |a: Decimal, r: Decimal| -> Result<Option<Decimal>, MoneyError> {
            let p = a.checked_mul(r).ok_or(MoneyError::Overflow)?;
            Ok((p.scale() == a.scale() + r.scale()).then_some(p))
        };
        let product = match exact(self.amount, rate)? {
            Some(p) => p,
            None => exact(self.amount.normalize(), rate.normalize())?
                .ok_or(MoneyError::PrecisionExceeded)?,
        };
        Ok(Money::new(product, self.currency))
    }

    /// Rounds to the currency's minor unit with an explicit mode; the result has exactly that
    /// many decimal places (12.3 USD → 12.30).
    pub fn round_to_minor(&self, mode: RoundingMode) -> Money {
        let units = self.currency.minor_units();
        let mut rounded = self.amount.round_dp_with_strategy(units, mode.strategy());
        if rounded.scale() < units {
            rounded.rescale(units);
        }
        Money::new(unsigned_zero(rounded), self.currency)
    }

    /// The same amount with the opposite sign.
    pub fn negated(&self) -> Money {
        Money::new(unsigned_zero(-self.amount), self.currency)
    }

    /// Whether the amount is zero.
    pub fn is_zero(&self) -> bool {
        self.amount.is_zero()
    }

    /// Whether the amount is strictly below zero.
    pub fn is_negative(&self) -> bool {
        self.amount.is_sign_negative() && !self.amount.is_zero()
    }

    /// Whether the amount is strictly above zero.
    pub fn is_positive(&self) -> bool {
        self.amount.is_sign_positive() && !self.amount.is_zero()
    }
}

/// `"12.34 USD"`: the amount with its scale, a space, the code.
impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount, self.currency)
    }
}

/// Parses `"12.34 USD"` (amount rules as in [`Money::parse`]; the code is required).
impl FromStr for Money {
    type Err = MoneyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let trimmed = s.trim();
        match trimmed.rsplit_once(char::is_whitespace) {
            Some((amount, code)) => Money::parse(amount, Currency::new(code)?),
            None => Err(MoneyError::InvalidAmount {
                input: s.to_owned(),
                reason: "expected an amount followed by a currency code",
            }),
        }
    }
}

/// Serde helpers for a [`Decimal`] stored as an exact string (`"37.50"`), never a JSON number.
///
/// Use as `#[serde(with = "maestro_core::money::decimal_str")]`.
pub mod decimal_str {
    use rust_decimal::Decimal;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes the decimal as a string, keeping its scale.
    pub fn serialize<S: Serializer>(value: &Decimal, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(value)
    }

    /// Reads a decimal from a string, failing instead of rounding.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
        let s = String::deserialize(deserializer)?;
        Decimal::from_str_exact(s.trim()).map_err(serde::de::Error::custom)
    }
}

/// Like [`decimal_str`] for `Option<Decimal>` (`null` for `None`).
///
/// Use as `#[serde(default, with = "maestro_core::money::decimal_str_option")]`.
pub mod decimal_str_option {
    use rust_decimal::Decimal;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes `Some` as a string and `None` as null.
    pub fn serialize<S: Serializer>(
        value: &Option<Decimal>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(d) => serializer.collect_str(d),
            None => serializer.serialize_none(),
        }
    }

    /// Reads a string or null.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Decimal>, D::Error> {
        Option::<String>::deserialize(deserializer)?
            .map(|s| Decimal::from_str_exact(s.trim()).map_err(serde::de::Error::custom))
            .transpose()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn usd(s: &str) -> Money {
        Money::parse(s, Currency::USD).unwrap()
    }

    fn dec(s: &str) -> Decimal {
        Decimal::from_str_exact(s).unwrap()
    }

    #[test]
    fn point_one_plus_point_two_is_point_three() {
        let sum = usd("0.1").checked_add(&usd("0.2")).unwrap();
        assert_eq!(sum, usd("0.3"));
        assert_eq!(sum.to_string(), "0.3 USD");
    }

    #[test]
    fn currency_validation() {
        assert_eq!(Currency::new("USD").unwrap(), Currency::USD);
        for bad in ["usd", "US", "USDX", "", "U$D", "ÜSD"] {
            assert!(
                matches!(Currency::new(bad), Err(MoneyError::InvalidCurrency { .. })),
                "{bad}"
            );
        }
        assert_eq!(
            Currency::from_code_ignore_case("eur").unwrap(),
            Currency::EUR
        );
        assert!(Currency::from_code_ignore_case("eu").is_err());
        assert_eq!("GBP".parse::<Currency>().unwrap().code(), "GBP");
        assert_eq!(Currency::CAD.to_string(), "CAD");
        assert_eq!(format!("{:?}", Currency::AUD), "Currency(AUD)");
    }

    #[test]
    fn minor_units() {
        assert_eq!(Currency::USD.minor_units(), 2);
        assert_eq!(Currency::JPY.minor_units(), 0);
        assert_eq!(Currency::new("KWD").unwrap().minor_units(), 3);
        assert_eq!(Currency::new("BHD").unwrap().minor_units(), 3);
        assert_eq!(Currency::new("CHF").unwrap().minor_units(), 2);
    }

    #[test]
    fn currency_serde() {
        assert_eq!(serde_json::to_string(&Currency::USD).unwrap(), "\"USD\"");
        let c: Currency = serde_json::from_str("\"EUR\"").unwrap();
        assert_eq!(c, Currency::EUR);
        assert!(serde_json::from_str::<Currency>("\"eur\"").is_err());
        assert!(serde_json::from_str::<Currency>("840").is_err());
    }

    #[test]
    fn parse_accepts() {
        let cases = [
            ("1234.56", "1234.56"),
            ("-0.10", "-0.10"),
            ("+5", "5"),
            (".5", "0.5"),
            ("1,234.56", "1234.56"),
            ("1,234,567", "1234567"),
            ("  12.00 ", "12.00"),
            ("999", "999"),
            ("0", "0"),
            ("-0", "0"),
            ("-0.00", "0.00"),
            ("12.34 USD", "12.34"),
        ];
        for (input, expected) in cases {
            let m = usd(input);
            assert_eq!(m.amount.to_string(), expected, "{input}");
        }
        assert!(!usd("-0").is_negative());
        assert!(usd("-0.10").is_negative());
    }

    #[test]
    fn parse_rejects() {
        for bad in [
            "",
            " ",
            "-",
            "$1,234.56",
            "1,23.45",
            "1234,567",
            "1,234,56",
            "01,234",
            ",123",
            "1,234.5,6",
            "1.2.3",
            "5.",
            "1e3",
            "12 34",
            "(12.34)",
            "12,34",
            "NaN",
            "--1",
            "1.5 usd",
            "99999999999999999999999999999999",
            "0.00000000000000000000000000001",
        ] {
            assert!(
                Money::parse(bad, Currency::USD).is_err(),
                "accepted {bad:?}"
            );
        }
        assert_eq!(
            Money::parse("12.34 EUR", Currency::USD),
            Err(MoneyError::CurrencyMismatch {
                expected: Currency::USD,
                found: Currency::EUR
            })
        );
    }

    #[test]
    fn from_str_requires_code() {
        let m: Money = "12.34 USD".parse().unwrap();
        assert_eq!(m, Money::from_minor(1234, Currency::USD));
        assert!("12.34".parse::<Money>().is_err());
        assert!("12.34 usd".parse::<Money>().is_err());
    }

    #[test]
    fn minor_units_round_trip() {
        let m = Money::from_minor(1234, Currency::USD);
        assert_eq!(m.amount.to_string(), "12.34");
        assert_eq!(m.to_minor().unwrap(), 1234);
        let yen = Money::from_minor(1234, Currency::JPY);
        assert_eq!(yen.amount.to_string(), "1234");
        assert_eq!(yen.to_minor().unwrap(), 1234);
        let kwd = Money::from_minor(1234, Currency::new("KWD").unwrap());
        assert_eq!(kwd.amount.to_string(), "1.234");
        assert_eq!(
            Money::from_minor(-5, Currency::USD).to_string(),
            "-0.05 USD"
        );
        assert_eq!(usd("12.3").to_minor().unwrap(), 1230);
        assert_eq!(usd("12.3400").to_minor().unwrap(), 1234);
    }

    #[test]
    fn to_minor_refuses_to_round() {
        assert!(matches!(
            usd("12.345").to_minor(),
            Err(MoneyError::NotWholeMinorUnits { .. })
        ));
        assert!(
            Money::parse("1.5", Currency::JPY)
                .unwrap()
                .to_minor()
                .is_err()
        );
        assert_eq!(
            usd("100000000000000000000").to_minor(),
            Err(MoneyError::Overflow)
        );
    }

    #[test]
    fn currency_mismatch() {
        let eur = Money::from_minor(100, Currency::EUR);
        let err = usd("1").checked_add(&eur).unwrap_err();
        assert_eq!(
            err,
            MoneyError::CurrencyMismatch {
                expected: Currency::USD,
                found: Currency::EUR
            }
        );
        assert_eq!(err.kind(), ErrorKind::Validation);
        assert!(usd("1").checked_sub(&eur).is_err());
        assert!(Money::sum(Currency::USD, &[usd("1"), eur]).is_err());
    }

    #[test]
    fn overflow() {
        let max = Money::new(Decimal::MAX, Currency::USD);
        assert_eq!(max.checked_add(&usd("1")), Err(MoneyError::Overflow));
        assert_eq!(
            max.negated().checked_sub(&usd("1")),
            Err(MoneyError::Overflow)
        );
        assert_eq!(max.checked_mul_rate(dec("2")), Err(MoneyError::Overflow));
    }

    #[test]
    fn four_decimal_rate_times_hours_is_exact() {
        let rate = usd("23.4567");
        let pay = rate.checked_mul_rate(dec("37.5")).unwrap();
        assert_eq!(pay.amount.to_string(), "879.62625");
        assert_eq!(
            pay.round_to_minor(RoundingMode::HalfEven).to_string(),
            "879.63 USD"
        );
        let salary = usd("10.50").checked_mul_rate(dec("2")).unwrap();
        assert_eq!(salary.amount.to_string(), "21.00");
        let none = usd("10.50").checked_mul_rate(Decimal::ZERO).unwrap();
        assert!(none.is_zero());
    }

    #[test]
    fn mul_rate_never_rounds() {
        let tiny = usd("0.00000000000001");
        assert_eq!(
            tiny.checked_mul_rate(dec("0.000000000000001")),
            Err(MoneyError::PrecisionExceeded)
        );
        // Trailing zeros are not real precision: the normalised retry succeeds exactly.
        let wide = usd("1.00000000000000000000");
        let p = wide
            .checked_mul_rate(dec("1.000000000000000000001"))
            .unwrap();
        assert_eq!(p.amount, dec("1.000000000000000000001"));
    }

    #[test]
    fn rounding_modes() {
        let cases = [
            ("2.345", "2.34", "2.35"),
            ("2.355", "2.36", "2.36"),
            ("-2.345", "-2.34", "-2.35"),
            ("2.3449", "2.34", "2.34"),
            ("12.3", "12.30", "12.30"),
            ("-0.001", "0.00", "0.00"),
        ];
        for (input, even, up) in cases {
            let m = usd(input);
            assert_eq!(
                m.round_to_minor(RoundingMode::HalfEven).amount.to_string(),
                even
            );
            assert_eq!(
                m.round_to_minor(RoundingMode::HalfUp).amount.to_string(),
                up
            );
        }
        let yen = Money::parse("2.5", Currency::JPY).unwrap();
        assert_eq!(
            yen.round_to_minor(RoundingMode::HalfEven).to_string(),
            "2 JPY"
        );
        assert_eq!(
            yen.round_to_minor(RoundingMode::HalfUp).to_string(),
            "3 JPY"
        );
    }

    #[test]
    fn large_totals_are_exact() {
        let big = usd("1,000,000,000,000,000.99");
        let total = big.checked_add(&usd("0.01")).unwrap();
        assert_eq!(total.amount.to_string(), "1000000000000001.00");
        assert_eq!(total.to_minor().unwrap(), 100_000_000_000_000_100);
        let many: Vec<Money> = (0..1000).map(|_| usd("999999999999.99")).collect();
        let sum = Money::sum(Currency::USD, &many).unwrap();
        assert_eq!(sum.amount.to_string(), "999999999999990.00");
    }

    #[test]
    fn serde_shape_and_scale() {
        let m = usd("10.50");
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(json, r#"{"amount":"10.50","currency":"USD"}"#);
        let back: Money = serde_json::from_str(&json).unwrap();
        assert_eq!(back.amount.to_string(), "10.50");
        assert_eq!(back, m);
        let value: Money = serde_json::from_value(serde_json::json!({
            "amount": "12.34", "currency": "USD"
        }))
        .unwrap();
        assert_eq!(value, Money::from_minor(1234, Currency::USD));
        assert!(serde_json::from_str::<Money>(r#"{"amount":12.34,"currency":"USD"}"#).is_err());
        assert!(serde_json::from_str::<Money>(r#"{"amount":"1x","currency":"USD"}"#).is_err());
        assert!(serde_json::from_str::<Money>(r#"{"amount":"1","currency":"usd"}"#).is_err());
    }

    #[test]
    fn signs() {
        assert!(Money::zero(Currency::USD).is_zero());
        assert!(!Money::zero(Currency::USD).is_negative());
        assert!(usd("0.01").is_positive());
        assert_eq!(usd("1.10").negated().to_string(), "-1.10 USD");
        let z = usd("-0.10").checked_add(&usd("0.10")).unwrap();
        assert!(z.is_zero() && !z.is_negative());
        assert!(!z.to_string().starts_with('-'));
    }

    fn currency() -> impl Strategy<Value = Currency> {
        prop::sample::select(vec![
            Currency::USD,
            Currency::EUR,
            Currency::JPY,
            Currency::GBP,
            Currency(*b"KWD"),
        ])
    }

    proptest! {
        #[test]
        fn display_parse_round_trip(minor in any::<i64>(), cur in currency()) {
            let m = Money::from_minor(minor, cur);
            let shown = m.to_string();
            let back = Money::parse(&shown, cur).unwrap();
            prop_assert_eq!(back, m);
            prop_assert_eq!(back.amount.scale(), m.amount.scale());
            prop_assert_eq!(shown.parse::<Money>().unwrap(), m);
        }

        #[test]
        fn minor_round_trip(minor in any::<i64>(), cur in currency()) {
            let m = Money::from_minor(minor, cur);
            prop_assert_eq!(m.to_minor().unwrap(), minor);
            prop_assert_eq!(Money::from_minor(m.to_minor().unwrap(), cur), m);
        }

        #[test]
        fn serde_round_trip(minor in any::<i64>(), cur in currency()) {
            let m = Money::from_minor(minor, cur);
            let back: Money = serde_json::from_str(&serde_json::to_string(&m).unwrap()).unwrap();
            prop_assert_eq!(back.amount.to_string(), m.amount.to_string());
            prop_assert_eq!(back, m);
        }

        #[test]
        fn add_then_sub_is_identity(a in -10_i64.pow(15)..10_i64.pow(15), b in -10_i64.pow(15)..10_i64.pow(15)) {
            let x = Money::from_minor(a, Currency::USD);
            let y = Money::from_minor(b, Currency::USD);
            prop_assert_eq!(x.checked_add(&y).unwrap().checked_sub(&y).unwrap(), x);
            prop_assert_eq!(x.checked_add(&y).unwrap().to_minor().unwrap(), a + b);
        }

        #[test]
        fn thousands_separated_parses_like_plain(units in 0_u64..10_u64.pow(15), cents in 0_u32..100) {
            let plain = format!("{units}.{cents:02}");
            let digits = units.to_string();
            let mut grouped = String::new();
            for (i, ch) in digits.chars().enumerate() {
                if i > 0 && (digits.len() - i) % 3 == 0 {
                    grouped.push(',');
                }
                grouped.push(ch);
            }
            grouped.push_str(&format!(".{cents:02}"));
            prop_assert_eq!(usd(&grouped), usd(&plain));
        }
    }
}
