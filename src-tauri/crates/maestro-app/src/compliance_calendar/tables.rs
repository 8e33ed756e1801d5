//! The state tables the calendar's rules read, each row with its source. The same rows are
//! listed for owners in RULES.md beside this file. States not listed take the federal or
//! default rule; the tables are a documented starting point, not legal advice.

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
    // Maine: within 7 days (OCSS state new-hire reporting chart, acf.hhs.gov/css).
    NewHireRule {
        state: "ME",
        days: 7,
        source: "OCSS, State New Hire Reporting Requirements (Maine: 7 days)",
    },
    // Mississippi: within 15 days (OCSS state new-hire reporting chart).
    NewHireRule {
        state: "MS",
        days: 15,
        source: "OCSS, State New Hire Reporting Requirements (Mississippi: 15 days)",
    },
    // N.Y. Tax Law 171-h: within 20 calendar days.
    NewHireRule {
        state: "NY",
        days: 20,
        source: "N.Y. Tax Law § 171-h",
    },
    // Tex. Fam. Code 234.102 (federal timing adopted): within 20 days.
    NewHireRule {
        state: "TX",
        days: 20,
        source: "Tex. Fam. Code ch. 234, subch. B",
    },
    // RCW 26.23.040: within 20 days.
    NewHireRule {
        state: "WA",
        days: 20,
        source: "Rev. Code Wash. § 26.23.040",
    },
    // West Virginia: within 14 days (OCSS state new-hire reporting chart).
    NewHireRule {
        state: "WV",
        days: 14,
        source: "OCSS, State New Hire Reporting Requirements (West Virginia: 14 days)",
    },
];

/// The new-hire rule of `state` (USPS code, any case); `None` for the federal default.
pub fn new_hire(state: &str) -> Option<&'static NewHireRule> {
    NEW_HIRE
        .iter()
        .find(|r| r.state.eq_ignore_ascii_case(state))
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
    /// Within this many business days, or on the next regular payday if that is sooner.
    BusinessDaysOrPayday(u32),
    /// Within this many calendar days, or on the next regular payday if that is sooner.
    CalendarDaysOrPayday(i64),
    /// On the next regular payday (of the pay period the last day falls in).
    NextPayday,
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

/// The default for states not listed: the next regular payday.
pub const DEFAULT_FINAL_PAY: FinalPayRule = FinalPayRule {
    state: "",
    discharged: FinalPayDue::NextPayday,
    quit: FinalPayDue::NextPayday,
    source: "no state rule in this table: the next regular payday",
};

/// Final-pay deadlines by state; states not listed take [`DEFAULT_FINAL_PAY`].
pub const FINAL_PAY: &[FinalPayRule] = &[
    // Ariz. Rev. Stat. 23-353: discharged, within 7 working days or the end of the next regular
    // pay period, whichever is sooner; quit, the next regular payday.
    FinalPayRule {
        state: "AZ",
        discharged: FinalPayDue::BusinessDaysOrPayday(7),
        quit: FinalPayDue::NextPayday,
        source: "Ariz. Rev. Stat. § 23-353",
    },
    // Cal. Lab. Code 201: discharged, immediately; 202: quit without 72 hours' notice, within
    // 72 hours.
    FinalPayRule {
        state: "CA",
        discharged: FinalPayDue::LastDay,
        quit: FinalPayDue::CalendarDays(3),
        source: "Cal. Lab. Code §§ 201, 202",
    },
    // C.R.S. 8-4-109: discharged, immediately; quit, the next regular payday.
    FinalPayRule {
        state: "CO",
        discharged: FinalPayDue::LastDay,
        quit: FinalPayDue::NextPayday,
        source: "Colo. Rev. Stat. § 8-4-109",
    },
    // Conn. Gen. Stat. 31-71c: discharged, the next business day; quit, the next regular payday.
    FinalPayRule {
        state: "CT",
        discharged: FinalPayDue::NextBusinessDay,
        quit: FinalPayDue::NextPayday,
        source: "Conn. Gen. Stat. § 31-71c",
    },
    // 820 ILCS 115/5: at separation if possible, no later than the next regular payday.
    FinalPayRule {
        state: "IL",
        discharged: FinalPayDue::NextPayday,
        quit: FinalPayDue::NextPayday,
        source: "820 ILCS 115/5",
    },
    // M.G.L. c. 149 § 148: discharged, in full on the day of discharge; quit, the next payday.
    FinalPayRule {
        state: "MA",
        discharged: FinalPayDue::LastDay,
        quit: FinalPayDue::NextPayday,
        source: "Mass. Gen. Laws ch. 149 § 148",
    },
    // N.J.S.A. 34:11-4.3: the next regular payday.
    FinalPayRule {
        state: "NJ",
        discharged: FinalPayDue::NextPayday,
        quit: FinalPayDue::NextPayday,
        source: "N.J. Stat. § 34:11-4.3",
    },
    // NRS 608.020: discharged, immediately; 608.030: quit, the next payday or within 7 days,
    // whichever is earlier.
    FinalPayRule {
        state: "NV",
        discharged: FinalPayDue::LastDay,
        quit: FinalPayDue::CalendarDaysOrPayday(7),
        source: "Nev. Rev. Stat. §§ 608.020, 608.030",
    },
    // N.Y. Labor Law 191(3): the regular payday of the pay period the termination falls in.
    FinalPayRule {
        state: "NY",
        discharged: FinalPayDue::NextPayday,
        quit: FinalPayDue::NextPayday,
        source: "N.Y. Lab. Law § 191(3)",
    },
    // ORS 652.140: discharged, the end of the first business day after; quit without notice,
    // within 5 business days or the next payday, whichever is first.
    FinalPayRule {
        state: "OR",
        discharged: FinalPayDue::NextBusinessDay,
        quit: FinalPayDue::BusinessDaysOrPayday(5),
        source: "Or. Rev. Stat. § 652.140",
    },
    // 43 P.S. 260.5: the next regular payday.
    FinalPayRule {
        state: "PA",
        discharged: FinalPayDue::NextPayday,
        quit: FinalPayDue::NextPayday,
        source: "43 Pa. Stat. § 260.5",
    },
    // Tex. Lab. Code 61.014: discharged, not later than the sixth day after discharge; quit,
    // the next regularly scheduled payday.
    FinalPayRule {
        state: "TX",
        discharged: FinalPayDue::CalendarDays(6),
        quit: FinalPayDue::NextPayday,
        source: "Tex. Lab. Code § 61.014",
    },
    // RCW 49.48.010: at the end of the established pay period.
    FinalPayRule {
        state: "WA",
        discharged: FinalPayDue::NextPayday,
        quit: FinalPayDue::NextPayday,
        source: "Rev. Code Wash. § 49.48.010",
    },
];

/// The final-pay rule of `state` (USPS code, any case), or the default.
pub fn final_pay(state: Option<&str>) -> &'static FinalPayRule {
    state
        .and_then(|s| FINAL_PAY.iter().find(|r| r.state.eq_ignore_ascii_case(s)))
        .unwrap_or(&DEFAULT_FINAL_PAY)
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
        assert_eq!(final_pay(Some("ca")).discharged, FinalPayDue::LastDay);
        assert_eq!(final_pay(Some("OH")), &DEFAULT_FINAL_PAY);
        assert_eq!(final_pay(None), &DEFAULT_FINAL_PAY);
    }
}
