//! Helpers for the unit tests.

use stampede_model::Scenario;

/// The scenario an XML text describes; panics with the rendered diagnostics when it does not
/// load.
pub(crate) fn scenario_from_xml(xml: &str) -> Scenario {
    stampede_scenario::load_str("t.xml", std::path::Path::new("."), xml, &Default::default())
        .map(|l| l.scenario)
        .map_err(|f| stampede_scenario::render(&f.diagnostics, &f.sources, false))
        .unwrap()
}
