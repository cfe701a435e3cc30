//! Reads Tsung XML scenarios into the Stampede model.
//!
//! [`load_file`] reads a scenario exactly as Tsung does (DOCTYPE never fetched, external
//! entities spliced in, Tsung's code defaults and substitution rules), checks it against
//! Tsung's grammar and semantics (Erlang snippets are compiled with `stampede_erl`, their
//! problems placed on the file's lines), and either returns a [`stampede_model::Scenario`] with the
//! warnings found, or every problem at once as [`Diagnostic`]s with file, line, column and
//! advice. [`render`] turns diagnostics into compiler-style text; [`explain`] describes what a
//! loaded scenario will do.
//!
//! ```
//! use stampede_scenario::{LoadOptions, load_str};
//! let xml = r#"<tsung><clients><client host="localhost" use_controller_vm="true"/></clients>
//! <servers><server host="127.0.0.1" port="8080" type="tcp"/></servers>
//! <load><arrivalphase phase="1" duration="1" unit="minute">
//!   <users arrivalrate="2" unit="second"/></arrivalphase></load>
//! <sessions><session name="home" probability="100" type="ts_http">
//!   <request><http url="/"/></request></session></sessions></tsung>"#;
//! let loaded = load_str("demo.xml", std::path::Path::new("."), xml, &LoadOptions::default())
//!     .expect("valid scenario");
//! assert_eq!(loaded.scenario.sessions[0].name, "home");
//! ```

mod check;
mod diagnostic;
mod erlang;
mod explain;
mod lower;
mod render;
mod schema;
mod snippet;
mod source;
mod xml;

pub use diagnostic::{Diagnostic, Severity};
pub use explain::explain;
pub use render::render;
pub use source::{SourceFile, SourceMap, Span};

use diagnostic::Diags;
use std::path::{Path, PathBuf};

/// How to load a scenario.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LoadOptions {
    /// Request tags to drop (Tsung's `-x`): requests whose `tag` is listed are removed.
    pub exclude_tags: Vec<String>,
}

/// A scenario that can run, with the warnings found while loading it.
#[derive(Debug)]
pub struct Loaded {
    /// The scenario, valid and complete.
    pub scenario: stampede_model::Scenario,
    /// Problems that do not stop the scenario from running (Tsung tolerates them too).
    pub warnings: Vec<Diagnostic>,
    /// The text of every file read, for [`render`].
    pub sources: SourceMap,
}

/// A scenario that cannot run: every problem found (errors and warnings), in file order.
#[derive(Debug)]
pub struct Failed {
    /// Errors and warnings, in file order.
    pub diagnostics: Vec<Diagnostic>,
    /// The text of every file read, for [`render`].
    pub sources: SourceMap,
}

impl Failed {
    /// The errors only.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.is_error())
    }
}

/// Reads and checks the scenario in `path`. Relative file names inside it (file servers,
/// `contents_from_file`, external entities) are taken from the scenario's directory.
pub fn load_file(path: &Path, opts: &LoadOptions) -> Result<Loaded, Failed> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            let why = match e.kind() {
                std::io::ErrorKind::NotFound => "no such file".to_owned(),
                std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
                std::io::ErrorKind::IsADirectory => "it is a directory".to_owned(),
                _ => e.to_string(),
            };
            let sources = SourceMap::default();
            let mut diags = Diags::default();
            diags.error(
                "unreadable",
                None,
                format!("cannot read `{}`: {why}", path.display()),
            );
            return Err(Failed {
                diagnostics: diags.finish(&sources),
                sources,
            });
        }
    };
    let base_dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    load_bytes(path, base_dir, &bytes, opts)
}

/// Reads and checks a scenario given as raw bytes (decoded as a file would be: UTF-8, or the
/// encoding its XML declaration names). `name` is used in messages; relative file names are
/// taken from `base_dir`.
pub fn load_bytes(
    name: &Path,
    base_dir: &Path,
    bytes: &[u8],
    opts: &LoadOptions,
) -> Result<Loaded, Failed> {
    let mut sources = SourceMap::default();
    let mut diags = Diags::default();
    let decoded = xml::decode(bytes);
    let Some(file) = sources.add(name.to_path_buf(), decoded.text) else {
        return Err(Failed {
            diagnostics: diags.finish(&sources),
            sources,
        });
    };
    if decoded.single_byte {
        sources.set_single_byte(file);
    }
    if let Some((offset, msg)) = decoded.problem {
        diags.error("encoding", Span::point(file, offset), msg);
        return Err(Failed {
            diagnostics: diags.finish(&sources),
            sources,
        });
    }
    load_source(file, base_dir.to_path_buf(), sources, diags, opts)
}

/// Reads and checks a scenario given as text. `name` is used in messages; relative file names
/// are taken from `base_dir`.
pub fn load_str(
    name: &str,
    base_dir: &Path,
    xml: &str,
    opts: &LoadOptions,
) -> Result<Loaded, Failed> {
    let mut sources = SourceMap::default();
    let diags = Diags::default();
    let text = xml.strip_prefix('\u{feff}').unwrap_or(xml).to_owned();
    let Some(file) = sources.add(PathBuf::from(name), text) else {
        return Err(Failed {
            diagnostics: diags.finish(&sources),
            sources,
        });
    };
    load_source(file, base_dir.to_path_buf(), sources, diags, opts)
}

fn load_source(
    file: u16,
    base_dir: PathBuf,
    mut sources: SourceMap,
    mut diags: Diags,
    opts: &LoadOptions,
) -> Result<Loaded, Failed> {
    let doc = xml::parse_document(
        xml::ParseInput {
            file,
            base_dir: &base_dir,
        },
        &mut sources,
        &mut diags,
    );
    let root = match doc.root {
        Some(root) if doc.complete => root,
        _ => {
            return Err(Failed {
                diagnostics: diags.finish(&sources),
                sources,
            });
        }
    };
    let mut root = root;
    schema::validate(&mut root, &mut diags);
    if root.name != "tsung" {
        return Err(Failed {
            diagnostics: diags.finish(&sources),
            sources,
        });
    }
    let lowered = {
        let mut cx = lower::Lower::new(&mut diags, &sources, opts, base_dir);
        lower::lower(&root, &mut cx)
    };
    check::run(&lowered, &sources, &mut diags);
    let failed = diags.has_errors();
    let diagnostics = diags.finish(&sources);
    if failed {
        Err(Failed {
            diagnostics,
            sources,
        })
    } else {
        Ok(Loaded {
            scenario: lowered.scenario,
            warnings: diagnostics,
            sources,
        })
    }
}
