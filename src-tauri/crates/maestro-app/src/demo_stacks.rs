//! The demo's stacks: which of the sandbox's tools a demo company connects, and the part each
//! plays in the routes. `whole` is every tool (BambooHR → Gusto, Harvest's hours); the others
//! are the smaller stacks owners run, one per payroll, so each payroll is shown receiving the
//! routes: a bookkeeper's client on QuickBooks with Toggl Track and Rippling, a company on ADP,
//! one on Paychex.

use maestro_sandbox::{Provider, Sandbox};
use maestro_store::companies::Company;
use maestro_store::connections::Connection;

use crate::App;
use crate::error::{AppError, ErrorCode, Result};

/// A set of sandbox tools and who plays which part in the routes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoStack {
    /// Name on the command line (`maestro demo --stack books`).
    pub name: &'static str,
    /// One line for people.
    pub summary: &'static str,
    /// The tools connected, in order.
    pub providers: &'static [Provider],
    /// The HRIS the routes read.
    pub hris: Provider,
    /// The payroll the routes write to.
    pub payroll: Provider,
    /// The time tracker whose hours are paid.
    pub time_tracking: Provider,
    /// The pay schedule the owner states, when the payroll publishes no pay periods.
    pub pay_schedule: Option<&'static str>,
}

/// Every stack, the default first.
pub const STACKS: &[DemoStack] = &[
    DemoStack {
        name: "whole",
        summary: "every sandbox tool; BambooHR → Gusto, Harvest's hours",
        providers: &[
            Provider::BambooHr,
            Provider::Gusto,
            Provider::Harvest,
            Provider::Toggl,
            Provider::Clockify,
            Provider::Rippling,
            Provider::Zenefits,
            Provider::TriNet,
            // A second payroll (signing in with OAuth like Gusto): Gusto stays the payroll the
            // routes write to; Justworks' members join the same people by work email.
            Provider::Justworks,
            Provider::Checkr,
            Provider::GoodHire,
        ],
        hris: Provider::BambooHr,
        payroll: Provider::Gusto,
        time_tracking: Provider::Harvest,
        pay_schedule: None,
    },
    DemoStack {
        name: "books",
        summary: "a bookkeeper's client: Rippling → QuickBooks Online, Toggl Track's hours",
        providers: &[Provider::Rippling, Provider::QuickBooks, Provider::Toggl],
        hris: Provider::Rippling,
        payroll: Provider::QuickBooks,
        time_tracking: Provider::Toggl,
        // QuickBooks Online's pay schedules are only in Intuit's restricted Payroll API.
        pay_schedule: Some("semi-monthly"),
    },
    DemoStack {
        name: "adp",
        summary: "BambooHR → ADP Workforce Now (mutual TLS), Harvest's hours",
        providers: &[Provider::BambooHr, Provider::Adp, Provider::Harvest],
        hris: Provider::BambooHr,
        payroll: Provider::Adp,
        time_tracking: Provider::Harvest,
        // ADP's pay periods come from its pay statements (each one's detail).
        pay_schedule: None,
    },
    DemoStack {
        name: "paychex",
        summary: "BambooHR → Paychex Flex, Clockify's hours",
        providers: &[Provider::BambooHr, Provider::Paychex, Provider::Clockify],
        hris: Provider::BambooHr,
        payroll: Provider::Paychex,
        time_tracking: Provider::Clockify,
        pay_schedule: None,
    },
];

/// The stack called `name`, or an error listing the stacks.
pub fn stack(name: &str) -> Result<&'static DemoStack> {
    STACKS.iter().find(|s| s.name == name).ok_or_else(|| {
        AppError::new(
            ErrorCode::Validation,
            format!(
                "there is no demo stack '{name}'; choose one of: {}",
                STACKS.iter().map(|s| s.name).collect::<Vec<_>>().join(", ")
            ),
        )
    })
}

impl App {
    /// Connects a stack's tools to `company` (each tested like a real connection) and sets
    /// the parts they play in the routes.
    pub async fn connect_demo_stack(
        &self,
        company: &Company,
        sandbox: &Sandbox,
        stack: &DemoStack,
    ) -> Result<Vec<Connection>> {
        let mut out: Vec<(Provider, Connection)> = Vec::new();
        for &provider in stack.providers {
            let connection = self
                .connect_sandbox_provider(company, sandbox, provider)
                .await?;
            out.push((provider, connection));
        }
        let id = |p: Provider| out.iter().find(|(q, _)| *q == p).map(|(_, c)| c.id);
        let mut routes = self.route_settings(company.id).await?;
        routes.hris = id(stack.hris);
        routes.payroll = id(stack.payroll);
        routes.time_tracking = id(stack.time_tracking);
        routes.pay_schedule = match stack.pay_schedule {
            Some(text) => Some(
                text.parse()
                    .map_err(|e: String| AppError::new(ErrorCode::Validation, e))?,
            ),
            None => None,
        };
        self.set_route_settings(company.id, &routes).await?;
        Ok(out.into_iter().map(|(_, c)| c).collect())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use maestro_sync::routes::hours::PayCalendar;

    use super::*;

    #[test]
    fn every_stack_connects_the_tools_its_routes_use() {
        for s in STACKS {
            if let Some(text) = s.pay_schedule {
                assert!(text.parse::<PayCalendar>().is_ok(), "{}: {text}", s.name);
            }
            for part in [s.hris, s.payroll, s.time_tracking] {
                assert!(
                    s.providers.contains(&part),
                    "{}: {part:?} plays a part but is not connected",
                    s.name
                );
            }
        }
        assert_eq!(STACKS[0].name, "whole");
        assert!(stack("books").is_ok());
        let err = stack("nope").unwrap_err().to_string();
        assert!(err.contains("whole, books, adp, paychex"), "{err}");
    }
}
