//! Where something came from in the scenario's source files, for run-time messages
//! (`match.log`, warnings) that must point back at the XML.

use std::path::PathBuf;

/// A position in one of the scenario's source files (1-based line and column).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Hash)]
pub struct SourceLocation {
    /// Index into [`SourceFiles::paths`]; 0 is the main scenario file.
    pub file: u16,
    pub line: u32,
    pub column: u32,
}

/// The files a scenario was read from: the main file first, then every file pulled in through
/// an external entity, in the order they were first included.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SourceFiles {
    pub paths: Vec<PathBuf>,
}

impl SourceFiles {
    /// The path of the file a location points into, if known.
    pub fn path_of(&self, location: SourceLocation) -> Option<&std::path::Path> {
        self.paths.get(location.file as usize).map(PathBuf::as_path)
    }

    /// `file:line:col` for humans.
    pub fn display(&self, location: SourceLocation) -> String {
        let path = self
            .path_of(location)
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "<scenario>".to_owned());
        format!("{path}:{}:{}", location.line, location.column)
    }
}
