//! `stampede [-i ID] status`: Tsung's five status lines for the run with that id, from the
//! status file it rewrites at every flush.

use crate::args::Cli;
use crate::exit;
use crate::run::instance::{Found, Registry};
use crate::run::status_file::{LiveFile, NOT_STARTED};
use anyhow::Result;
use std::process::ExitCode;

pub fn run(cli: &Cli) -> Result<ExitCode> {
    let id = cli.instance_id();
    let registry = Registry::from_home();
    match registry.find(id) {
        Found::Running(_) => {
            // The run writes its first status before it publishes itself; a missing file
            // means it is between the two.
            let live = LiveFile::read(&registry.status_path(id)).unwrap_or_default();
            print!("{}", live.render());
            Ok(exit::code(exit::SUCCESS))
        }
        Found::NotRunning => {
            println!("{NOT_STARTED}");
            Ok(exit::code(exit::FAILURE))
        }
    }
}
