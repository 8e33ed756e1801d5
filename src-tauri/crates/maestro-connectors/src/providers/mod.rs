//! One module per provider.

pub mod adp;
pub mod bamboohr;
pub mod checkr;
pub mod gusto;
pub mod harvest;
pub mod paychex;
pub mod quickbooks;

use crate::registry::ConnectorDef;

/// Every built-in connector: the hand-written modules, then the kit's providers.
pub fn all() -> Vec<ConnectorDef> {
    let mut all = vec![bamboohr::def(), gusto::DEF];
    all.extend(crate::kit::builtin().iter().map(|p| p.def()));
    all
}

/// The hand-written parts of the providers that run on the kit.
pub fn hooks(id: &str) -> Option<&'static dyn crate::kit::Hooks> {
    match id {
        "harvest" => Some(&harvest::HOOKS),
        "checkr" => Some(&checkr::HOOKS),
        "adp" => Some(&adp::HOOKS),
        "paychex" => Some(&paychex::HOOKS),
        "quickbooks" => Some(&quickbooks::HOOKS),
        _ => None,
    }
}
