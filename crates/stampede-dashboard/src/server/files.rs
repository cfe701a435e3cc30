//! The run directory: listing it and serving its files, never anything outside it.

use crate::views::FileEntry;
use std::path::{Component, Path, PathBuf};
use std::time::UNIX_EPOCH;

/// Directory levels listed below the run directory.
const MAX_DEPTH: usize = 4;
/// Files listed at most.
const MAX_ENTRIES: usize = 2_000;

/// Why a file is not served.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// The path tries to leave the run directory or names a hidden file.
    Forbidden,
    /// No such file.
    NotFound,
}

/// Maps a URL path (already percent-decoded, `/`-separated, relative to the run directory) to
/// a regular file inside `root` (canonical). Rejects `..`, `.`, empty and hidden components,
/// backslashes and NULs, and anything whose real path (symbolic links resolved) is outside
/// `root`.
pub(crate) fn resolve(root: &Path, rel: &str) -> Result<PathBuf, Refusal> {
    let mut path = root.to_path_buf();
    for part in rel.split('/') {
        let bad = part.is_empty()
            || part.starts_with('.')
            || part.contains(['\\', '\0'])
            || !matches!(
                Path::new(part).components().next(),
                Some(Component::Normal(_))
            )
            || Path::new(part).components().count() != 1;
        if bad {
            return Err(Refusal::Forbidden);
        }
        path.push(part);
    }
    let real = path.canonicalize().map_err(|_| Refusal::NotFound)?;
    if !real.starts_with(root) {
        return Err(Refusal::Forbidden);
    }
    if !real.is_file() {
        return Err(Refusal::NotFound);
    }
    Ok(real)
}

/// Regular files under `root` (hidden entries and symbolic links left out), sorted by path.
pub(crate) fn list(root: &Path) -> Vec<FileEntry> {
    let mut out = Vec::new();
    walk(root, "", 0, &mut out);
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

fn walk(dir: &Path, prefix: &str, depth: usize, out: &mut Vec<FileEntry>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        if out.len() >= MAX_ENTRIES {
            return;
        }
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
            continue;
        };
        if name.starts_with('.') {
            continue;
        }
        // Does not follow symbolic links.
        let Ok(meta) = entry.metadata() else {
            continue;
        };
        let rel = format!("{prefix}{name}");
        if meta.is_dir() {
            if depth < MAX_DEPTH {
                walk(&entry.path(), &format!("{rel}/"), depth + 1, out);
            }
        } else if meta.is_file() {
            out.push(FileEntry {
                path: rel,
                size: meta.len(),
                modified_unix_ms: meta
                    .modified()
                    .ok()
                    .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                    .and_then(|d| i64::try_from(d.as_millis()).ok()),
            });
        }
    }
}

/// `Content-Type` of a served file. Scenario XML is shown as text, never interpreted.
pub(crate) fn content_type(path: &Path) -> &'static str {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("html" | "htm") => "text/html; charset=utf-8",
        Some("json") => "application/json",
        Some("csv") => "text/csv; charset=utf-8",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("svg") => "image/svg+xml",
        Some("gz") => "application/gzip",
        Some("log" | "txt" | "xml" | "dtd" | "ent" | "dump" | "md" | "tsv" | "conf") => {
            "text/plain; charset=utf-8"
        }
        _ => "application/octet-stream",
    }
}

/// `Content-Disposition` for a download, with a name safe to quote.
pub(crate) fn attachment(path: &Path) -> String {
    let name: String = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default()
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("attachment; filename=\"{name}\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> (tempfile::TempDir, PathBuf) {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("run");
        std::fs::create_dir_all(root.join("data/deep")).unwrap();
        std::fs::write(root.join("tsung.log"), "x").unwrap();
        std::fs::write(root.join("data/a.txt"), "abc").unwrap();
        std::fs::write(root.join("data/deep/b.csv"), "1,2").unwrap();
        std::fs::write(root.join(".stats.json.tmp"), "").unwrap();
        std::fs::write(tmp.path().join("secret"), "no").unwrap();
        std::os::unix::fs::symlink(tmp.path().join("secret"), root.join("link")).unwrap();
        let root = root.canonicalize().unwrap();
        (tmp, root)
    }

    #[test]
    fn resolves_only_files_inside_the_root() {
        let (_tmp, root) = tree();
        let cases = [
            ("tsung.log", Ok("tsung.log")),
            ("data/deep/b.csv", Ok("data/deep/b.csv")),
            ("data", Err(Refusal::NotFound)),
            ("missing", Err(Refusal::NotFound)),
            ("../secret", Err(Refusal::Forbidden)),
            ("data/../../secret", Err(Refusal::Forbidden)),
            ("./tsung.log", Err(Refusal::Forbidden)),
            ("/etc/passwd", Err(Refusal::Forbidden)),
            ("data//a.txt", Err(Refusal::Forbidden)),
            ("..\\secret", Err(Refusal::Forbidden)),
            (".stats.json.tmp", Err(Refusal::Forbidden)),
            ("link", Err(Refusal::Forbidden)),
            ("tsung.log\0", Err(Refusal::Forbidden)),
            ("", Err(Refusal::Forbidden)),
        ];
        for (rel, want) in cases {
            let got = resolve(&root, rel);
            let want = want.map(|p| root.join(p));
            assert_eq!(got, want, "{rel:?}");
        }
    }

    #[test]
    fn lists_regular_visible_files() {
        let (_tmp, root) = tree();
        let paths: Vec<String> = list(&root).into_iter().map(|e| e.path).collect();
        assert_eq!(paths, ["data/a.txt", "data/deep/b.csv", "tsung.log"]);
    }

    #[test]
    fn types_and_names() {
        let cases = [
            ("report.html", "text/html; charset=utf-8"),
            ("scenario.XML", "text/plain; charset=utf-8"),
            ("stats.json", "application/json"),
            ("match-1.dump", "text/plain; charset=utf-8"),
            ("x.bin", "application/octet-stream"),
        ];
        for (name, want) in cases {
            assert_eq!(content_type(Path::new(name)), want, "{name}");
        }
        assert_eq!(
            attachment(Path::new("/r/a \"b\".log")),
            "attachment; filename=\"a__b_.log\""
        );
    }
}
