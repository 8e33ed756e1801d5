//! The state tables the calendar's rules read, each row with its source. The same rows are
//! listed for owners in RULES.md beside this file. States not listed take the federal new-hire
//! rule; for final pay they have no rule here and their item says so. The tables are a
//! documented starting point, not legal advice.

/// The federal new-hire reporting deadline: "not later than 20 days after the date the
/// employer hires the employee" (42 U.S.C. 653a(b)(2)(A)).
pub const FEDERAL_NEW_HIRE_DAYS: i64 = 20;
/// The source of [`FEDERAL_NEW_HIRE_DAYS`].
pub const FEDERAL_NEW_HIRE_SOURCE: &str = "42 U.S.C. 653a(b)(2)(A): within 20 days of hire";

/// A state's new-hire reporting deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewHireRule {
    /// USPS state code.
    pub state: &'static str,
    /// Days after the hire date by which the report is due.
    pub days: i64,
    /// Where the number comes from.
    pub source: &'static str,
}

/// New-hire reporting deadlines by state; states not listed follow the federal 20 days.
pub const NEW_HIRE: &[NewHireRule] = &[
    // Ala. Code 25-11-5(a): "within seven days of hiring".
    NewHireRule {
        state: "AL",
        days: 7,
        source: "Ala. Code § 25-11-5(a)",
    },
    // A.R.S. 23-722.01: within 20 days.
    NewHireRule {
        state: "AZ",
        days: 20,
        source: "Ariz. Rev. Stat. § 23-722.01",
    },
    // Cal. Unemp. Ins. Code 1088.5: within 20 days of the start-of-work date.
    NewHireRule {
        state: "CA",
        days: 20,
        source: "Cal. Unemp. Ins. Code § 1088.5",
    },
    // Fla. Stat. 409.2576: within 20 days.
    NewHireRule {
        state: "FL",
        days: 20,
        source: "Fla. Stat. § 409.2576",
    },
    // O.C.G.A. 19-11-9.2: within 10 days.
    NewHireRule {
        state: "GA",
        days: 10,
        source: "O.C.G.A. § 19-11-9.2",
    },
    // Iowa Code 252G.3: within 15 days.
    NewHireRule {
        state: "IA",
        days: 15,
        source: "Iowa Code § 252G.3",
    },
    // M.G.L. c. 62E § 2: within 14 days.
    NewHireRule {
        state: "MA",
        days: 14,
        source: "Mass. Gen. Laws ch. 62E § 2",
    },
    // Maine: within 7 days (OCSS state new-hire reporting chart); the statute section is
    // unverified.
    NewHireRule {
        state: "ME",
        days: 7,
        source: "OCSS, State New Hire Reporting Requirements (Maine: 7 days); statute unverified",
    },
    // Miss. Code 43-19-46(2): "within fifteen (15) days of the hiring".
    NewHireRule {
        state: "MS",
        days: 15,
        source: "Miss. Code § 43-19-46(2)",
    },
    // N.Y. Tax Law 171-h: within 20 calendar days.
    NewHireRule {
        state: "NY",
        days: 20,
        source: "N.Y. Tax Law § 171-h",
    },
    // Rhode Island: "report all new hires or rehires within 14 days of employment" (R.I. Office
    // of Child Support Services, New Hire Reporting, ocss.ri.gov); statute section unverified.
    NewHireRule {
        state: "RI",
        days: 14,
        source: "R.I. Office of Child Support Services, New Hire Reporting (14 days)",
    },
    // Tex. Fam. Code 234.102 (federal timing adopted): within 20 days.
    NewHireRule {
        state: "TX",
        days: 20,
        source: "Tex. Fam. Code ch. 234, subch. B",
    },
    // 33 V.S.A. § 4110: "reports shall be filed within 10 days of the first date of
    // employment" (Vermont Department of Labor: within 10 days of the date of hire).
    NewHireRule {
        state: "VT",
        days: 10,
        source: "33 V.S.A. § 4110",
    },
    // RCW 26.23.040: within 20 days.
    NewHireRule {
        state: "WA",
        days: 20,
        source: "Rev. Code Wash. § 26.23.040",
    },
    // West Virginia: within 14 days (OCSS state new-hire reporting chart); the statute section
    // is unverified.
    NewHireRule {
        state: "WV",
        days: 14,
        source: "OCSS, State New Hire Reporting Requirements (West Virginia: 14 days); \
                 statute unverified",
    },
];

/// The new-hire rule of `state` (USPS code, any case); `None` for the federal default.
pub fn new_hire(state: &str) -> Option<&'static NewHireRule> {
    NEW_HIRE
        .iter()
        .find(|r| r.state.eq_ignore_ascii_case(state))
}

/// Which regular payday a final-pay rule means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Payday {
    /// "The next regularly scheduled payday" after the last day: the first payday after it,
    /// whichever period it pays (TX, IL, OR, CO, CT, MA…).
    NextScheduled,
    /// "The regular payday for the pay period during which the termination occurred" (NY, NJ,
    /// NV, PA, AZ resignations).
    OfPeriod,
}

/// When final pay is due after employment ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FinalPayDue {
    /// On the last day of work.
    LastDay,
    /// The next business day after the last day.
    NextBusinessDay,
    /// Within this many calendar days after the last day.
    CalendarDays(i64),
    /// Within this many business (working) days after the last day.
    BusinessDays(u32),
    /// Within this many business days, or on the payday if that is sooner.
    BusinessDaysOrPayday(u32, Payday),
    /// Within this many calendar days, or on the payday if that is sooner.
    CalendarDaysOrPayday(i64, Payday),
    /// Within this many working days, or by the end of the next regular pay period (the one
    /// after the period the last day falls in), whichever is sooner.
    BusinessDaysOrNextPeriodEnd(u32),
    /// On a regular payday.
    Payday(Payday),
    /// At the end of the pay period the last day falls in.
    PeriodEnd,
}

/// A state's final-pay deadlines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FinalPayRule {
    /// USPS state code.
    pub state: &'static str,
    /// After a discharge (involuntary termination).
    pub discharged: FinalPayDue,
    /// After a resignation without notice.
    pub quit: FinalPayDue,
    /// Where the rule comes from.
    pub source: &'static str,
}

use FinalPayDue::{
    BusinessDays, BusinessDaysOrNextPeriodEnd, BusinessDaysOrPayday, CalendarDays,
    CalendarDaysOrPayday, LastDay, NextBusinessDay, PeriodEnd,
};
use Payday::{NextScheduled, OfPeriod};

/// The next regularly scheduled payday.
const NEXT_PAYDAY: FinalPayDue = FinalPayDue::Payday(NextScheduled);
/// The payday of the pay period the last day falls in.
const PERIOD_PAYDAY: FinalPayDue = FinalPayDue::Payday(OfPeriod);

/// Final-pay deadlines by state. A state not listed has no rule here: its item says so and
/// asks the owner to check the state's rule (see RULES.md).
pub const FINAL_PAY: &[FinalPayRule] = &[
    // A.R.S. 23-353(A): discharged, "within seven working days or the end of the next regular
    // pay period, whichever is sooner"; (B) quit, "no later than the regular payday for the pay
    // period during which the termination occurred".
    FinalPayRule {
        state: "AZ",
        discharged: BusinessDaysOrNextPeriodEnd(7),
        quit: PERIOD_PAYDAY,
        source: "Ariz. Rev. Stat. § 23-353(A), (B)",
    },
    // Cal. Lab. Code 201: discharged, immediately; 202: quit without 72 hours' notice, within
    // 72 hours.
    FinalPayRule {
        state: "CA",
        discharged: LastDay,
        quit: CalendarDays(3),
        source: "Cal. Lab. Code §§ 201, 202",
    },
    // C.R.S. 8-4-109: discharged, immediately; quit, "the next regular payday".
    FinalPayRule {
        state: "CO",
        discharged: LastDay,
        quit: NEXT_PAYDAY,
        source: "Colo. Rev. Stat. § 8-4-109",
    },
    // Conn. Gen. Stat. 31-71c: discharged, "not later than the business day next succeeding
    // the date of such discharge"; quit, "not later than the next regular pay day".
    FinalPayRule {
        state: "CT",
        discharged: NextBusinessDay,
        quit: NEXT_PAYDAY,
        source: "Conn. Gen. Stat. § 31-71c",
    },
    // D.C. Code 32-1303(1): discharged, "not later than the working day following such
    // discharge"; (2) quit, "upon the next regular payday or within 7 days from the date of
    // quitting or resigning, whichever is earlier".
    FinalPayRule {
        state: "DC",
        discharged: NextBusinessDay,
        quit: CalendarDaysOrPayday(7, NextScheduled),
        source: "D.C. Code § 32-1303(1), (2)",
    },
    // HRS 388-3(a): discharged, "in full at the time of discharge" (the next working day only
    // when that is impossible); (b) quit without notice, "not later than the next regular
    // payday".
    FinalPayRule {
        state: "HI",
        discharged: LastDay,
        quit: NEXT_PAYDAY,
        source: "Haw. Rev. Stat. § 388-3(a), (b)",
    },
    // 820 ILCS 115/5: "in no case later than the next regularly scheduled payday".
    FinalPayRule {
        state: "IL",
        discharged: NEXT_PAYDAY,
        quit: NEXT_PAYDAY,
        source: "820 ILCS 115/5",
    },
    // M.G.L. c. 149 § 148: discharged, in full on the day of discharge; quit, "in full on the
    // following regular pay day".
    FinalPayRule {
        state: "MA",
        discharged: LastDay,
        quit: NEXT_PAYDAY,
        source: "Mass. Gen. Laws ch. 149 § 148",
    },
    // RSA 275:44, I: discharged, "within 72 hours"; II: quit, "no later than the next regular
    // payday".
    FinalPayRule {
        state: "NH",
        discharged: CalendarDays(3),
        quit: NEXT_PAYDAY,
        source: "N.H. Rev. Stat. § 275:44, I, II",
    },
    // N.J.S.A. 34:11-4.3: "not later than the regular payday for the pay period during which
    // the employee's termination ... took place".
    FinalPayRule {
        state: "NJ",
        discharged: PERIOD_PAYDAY,
        quit: PERIOD_PAYDAY,
        source: "N.J. Stat. § 34:11-4.3",
    },
    // NMSA 50-4-4(A): discharged, "within five days of the discharge"; 50-4-5: quit, "on the
    // next regular payday".
    FinalPayRule {
        state: "NM",
        discharged: CalendarDays(5),
        quit: NEXT_PAYDAY,
        source: "N.M. Stat. §§ 50-4-4(A), 50-4-5",
    },
    // NRS 608.020: discharged, immediately; 608.030: quit, "the day on which the employee would
    // have regularly been paid" or "seven days after the employee resigns", whichever is
    // earlier.
    FinalPayRule {
        state: "NV",
        discharged: LastDay,
        quit: CalendarDaysOrPayday(7, OfPeriod),
        source: "Nev. Rev. Stat. §§ 608.020, 608.030",
    },
    // N.Y. Labor Law 191(3): "not later than the regular pay day for the pay period during
    // which the termination occurred".
    FinalPayRule {
        state: "NY",
        discharged: PERIOD_PAYDAY,
        quit: PERIOD_PAYDAY,
        source: "N.Y. Lab. Law § 191(3)",
    },
    // ORS 652.140(1): discharged, "not later than the end of the first business day after the
    // discharge"; (2)(b) quit without notice, "within five days, excluding Saturdays, Sundays
    // and holidays, after the employee has quit, or at the next regularly scheduled payday
    // after the employee has quit, whichever event first occurs".
    FinalPayRule {
        state: "OR",
        discharged: NextBusinessDay,
        quit: BusinessDaysOrPayday(5, NextScheduled),
        source: "Or. Rev. Stat. § 652.140(1), (2)(b)",
    },
    // 43 P.S. 260.5(a): "not later than the next regular payday of his employer on which such
    // wages would otherwise be due and payable" (the period's payday).
    FinalPayRule {
        state: "PA",
        discharged: PERIOD_PAYDAY,
        quit: PERIOD_PAYDAY,
        source: "43 Pa. Stat. § 260.5(a)",
    },
    // Tex. Lab. Code 61.014: (a) discharged, "not later than the sixth day after the date the
    // employee is discharged"; (b) quit, "not later than the next regularly scheduled payday".
    FinalPayRule {
        state: "TX",
        discharged: CalendarDays(6),
        quit: NEXT_PAYDAY,
        source: "Tex. Lab. Code § 61.014",
    },
    // Utah Code 34-28-5(1): discharged, "within 24 hours of the time of separation"; (2) quit,
    // "not later than the next regular payday".
    FinalPayRule {
        state: "UT",
        discharged: CalendarDays(1),
        quit: NEXT_PAYDAY,
        source: "Utah Code § 34-28-5(1), (2)",
    },
    // 21 V.S.A. 342(c)(1): discharged, "within 72 hours"; (c)(2) quit, on the next regular
    // payday ("or if there is no regular payday, on the following Friday").
    FinalPayRule {
        state: "VT",
        discharged: CalendarDays(3),
        quit: NEXT_PAYDAY,
        source: "21 V.S.A. § 342(c)",
    },
    // RCW 49.48.010: "at the end of the established pay period".
    FinalPayRule {
        state: "WA",
        discharged: PeriodEnd,
        quit: PeriodEnd,
        source: "Rev. Code Wash. § 49.48.010",
    },
    // W.S. 27-4-104(a): discharged or quit, "within five (5) working days".
    FinalPayRule {
        state: "WY",
        discharged: BusinessDays(5),
        quit: BusinessDays(5),
        source: "Wyo. Stat. § 27-4-104(a)",
    },
];

/// The final-pay rule of `state` (USPS code, any case); `None` when this table has none.
pub fn final_pay(state: &str) -> Option<&'static FinalPayRule> {
    FINAL_PAY
        .iter()
        .find(|r| r.state.eq_ignore_ascii_case(state))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_state_is_listed_once_and_in_order() {
        for table in [
            NEW_HIRE.iter().map(|r| r.state).collect::<Vec<_>>(),
            FINAL_PAY.iter().map(|r| r.state).collect::<Vec<_>>(),
        ] {
            let mut sorted = table.clone();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(table, sorted);
        }
        // No state is shorter than the statute allows or longer than the federal limit.
        assert!(
            NEW_HIRE
                .iter()
                .all(|r| (1..=FEDERAL_NEW_HIRE_DAYS).contains(&r.days))
        );
    }

    #[test]
    fn lookups_ignore_case_and_fall_back() {
        assert_eq!(new_hire("ga").map(|r| r.days), Some(10));
        assert_eq!(new_hire("OH"), None);
        assert_eq!(new_hire("ri").map(|r| r.days), Some(14));
        assert_eq!(new_hire("VT").map(|r| r.days), Some(10));
        assert_eq!(
            final_pay("ca").map(|r| r.discharged),
            Some(FinalPayDue::LastDay)
        );
        assert_eq!(
            final_pay("WA").map(|r| r.quit),
            Some(FinalPayDue::PeriodEnd)
        );
        assert_eq!(final_pay("OH"), None);
    }
}
