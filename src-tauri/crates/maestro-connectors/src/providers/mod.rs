//! One module per provider.

pub mod bamboohr;
pub mod gusto;
pub mod harvest;

use crate::registry::ConnectorDef;

/// Every built-in connector.
pub fn all() -> Vec<ConnectorDef> {
    vec![bamboohr::def(), harvest::def(), gusto::DEF]
}
