//! One module per provider.

pub mod bamboohr;
pub mod gusto;
pub mod harvest;

use crate::registry::ConnectorDef;

/// Every built-in connector: the hand-written modules, then the kit's providers.
pub fn all() -> Vec<ConnectorDef> {
    let mut all = vec![bamboohr::def(), harvest::def(), gusto::DEF];
    all.extend(crate::kit::builtin().iter().map(|p| p.def()));
    all
}
