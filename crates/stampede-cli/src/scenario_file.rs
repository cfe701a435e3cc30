//! Finding, reading and loading the scenario file, and printing its diagnostics.

use crate::terminal;
use anyhow::{Context, Result, bail};
use stampede_scenario::{
    Diagnostic, Failed, LoadOptions, Loaded, SourceMap, load_bytes, load_file,
};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Where the scenario comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Stdin,
    File(PathBuf),
}

impl Source {
    /// `-f FILE`, `-f -`, or the default file: `~/.stampede/tsung.xml`, falling back to
    /// `~/.tsung/tsung.xml` when only that one exists.
    pub fn resolve(file: Option<&Path>) -> Result<Source> {
        match file {
            Some(p) if p == Path::new("-") => Ok(Source::Stdin),
            Some(p) => Ok(Source::File(p.to_path_buf())),
            None => default_file(home().as_deref()),
        }
    }

    /// How to name the scenario in messages.
    pub fn display(&self) -> String {
        match self {
            Source::Stdin => STDIN_NAME.to_owned(),
            Source::File(p) => p.display().to_string(),
        }
    }
}

/// `$HOME`, if set.
pub fn home() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
}

fn default_file(home: Option<&Path>) -> Result<Source> {
    let Some(home) = home else {
        bail!("no scenario given: use -f FILE (HOME is not set, so there is no default file)");
    };
    let own = home.join(".stampede").join("tsung.xml");
    let tsung = home.join(".tsung").join("tsung.xml");
    if own.exists() || !tsung.exists() {
        if !own.exists() {
            bail!(
                "no scenario given and neither {} nor {} exists: use -f FILE",
                own.display(),
                tsung.display()
            );
        }
        Ok(Source::File(own))
    } else {
        Ok(Source::File(tsung))
    }
}

/// Loads a scenario from its source.
pub fn load(source: &Source, opts: &LoadOptions) -> Result<Result<Loaded, Failed>> {
    Ok(load_keeping_input(source, opts)?.0)
}

/// A loaded (or refused) scenario, with what was read from standard input.
pub type WithInput = (Result<Loaded, Failed>, Option<Vec<u8>>);

/// Loads a scenario from its source; also returns what was read from standard input, to be
/// saved in the run directory.
pub fn load_keeping_input(source: &Source, opts: &LoadOptions) -> Result<WithInput> {
    Ok(match source {
        Source::File(p) => (load_file(p, opts), None),
        Source::Stdin => {
            let mut bytes = Vec::new();
            std::io::stdin()
                .read_to_end(&mut bytes)
                .context("cannot read the scenario from standard input")?;
            let cwd = std::env::current_dir().context("cannot find the current directory")?;
            let loaded = load_bytes(Path::new(STDIN_NAME), &cwd, &bytes, opts);
            (loaded, Some(bytes))
        }
    })
}

/// The name a scenario read from standard input has in messages.
pub const STDIN_NAME: &str = "<stdin>";

/// Prints diagnostics to stderr (coloured on a terminal).
pub fn print_diagnostics(diags: &[Diagnostic], sources: &SourceMap) {
    if diags.is_empty() {
        return;
    }
    eprint!(
        "{}",
        stampede_scenario::render(diags, sources, terminal::stderr_color())
    );
}

/// The path as given on the command line, as run outputs name it (`-` for standard input).
pub fn path_as_given(source: &Source) -> String {
    match source {
        Source::Stdin => "-".to_owned(),
        Source::File(p) => p.display().to_string(),
    }
}

/// `2 errors, 1 warning`.
pub fn counts(diags: &[Diagnostic]) -> String {
    let errors = diags.iter().filter(|d| d.is_error()).count();
    let warnings = diags.len() - errors;
    let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
    match (errors, warnings) {
        (0, 0) => "no problems".to_owned(),
        (0, w) => plural(w, "warning"),
        (e, 0) => plural(e, "error"),
        (e, w) => format!("{}, {}", plural(e, "error"), plural(w, "warning")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stdin_and_explicit_files() {
        assert_eq!(
            Source::resolve(Some(Path::new("-"))).unwrap(),
            Source::Stdin
        );
        assert_eq!(
            Source::resolve(Some(Path::new("a.xml"))).unwrap(),
            Source::File("a.xml".into())
        );
    }

    #[test]
    fn default_file_prefers_stampede_then_tsung() {
        let home = tempfile::tempdir().unwrap();
        assert!(default_file(Some(home.path())).is_err());
        std::fs::create_dir(home.path().join(".tsung")).unwrap();
        std::fs::write(home.path().join(".tsung/tsung.xml"), "<tsung/>").unwrap();
        assert_eq!(
            default_file(Some(home.path())).unwrap(),
            Source::File(home.path().join(".tsung/tsung.xml"))
        );
        std::fs::create_dir(home.path().join(".stampede")).unwrap();
        std::fs::write(home.path().join(".stampede/tsung.xml"), "<tsung/>").unwrap();
        assert_eq!(
            default_file(Some(home.path())).unwrap(),
            Source::File(home.path().join(".stampede/tsung.xml"))
        );
        assert!(default_file(None).is_err());
    }
}
