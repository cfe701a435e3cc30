//! The texts of every file read while loading a scenario, and byte spans into them.

use std::path::{Path, PathBuf};

/// A byte range in one of the files of a [`SourceMap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Span {
    /// Index into [`SourceMap::files`].
    pub file: u16,
    /// Byte offset of the first byte.
    pub start: u32,
    /// Byte offset one past the last byte (equal to `start` for a point).
    pub end: u32,
}

impl Span {
    /// A span of `file` from `start` to `end` (byte offsets; clamped so `end >= start`).
    pub fn new(file: u16, start: usize, end: usize) -> Self {
        let start = u32::try_from(start).unwrap_or(u32::MAX);
        let end = u32::try_from(end).unwrap_or(u32::MAX).max(start);
        Self { file, start, end }
    }

    /// A zero-width span at `offset`.
    pub fn point(file: u16, offset: usize) -> Self {
        Self::new(file, offset, offset)
    }

    /// Byte length.
    pub fn len(&self) -> usize {
        (self.end - self.start) as usize
    }

    /// True for a zero-width span.
    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }
}

/// One file read while loading: the main scenario or a file included through an external
/// entity. The text is the decoded content (ISO-8859-1 files are converted to UTF-8).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceFile {
    /// The path as given (or resolved, for included files).
    pub path: PathBuf,
    /// The decoded text.
    pub text: String,
    line_starts: Vec<usize>,
    /// The file was in a single-byte encoding (its characters are sent as those bytes).
    pub(crate) single_byte: bool,
}

impl SourceFile {
    fn new(path: PathBuf, text: String) -> Self {
        let mut line_starts = vec![0];
        for (i, b) in text.bytes().enumerate() {
            if b == b'\n' {
                line_starts.push(i + 1);
            }
        }
        Self {
            path,
            text,
            line_starts,
            single_byte: false,
        }
    }

    /// 1-based line and column (in characters) of a byte offset. Offsets past the end map to
    /// the end of the text.
    pub fn line_col(&self, offset: usize) -> (u32, u32) {
        let offset = clamp_to_char_boundary(&self.text, offset.min(self.text.len()));
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.line_starts[line];
        let col = self.text[start..offset].chars().count() + 1;
        (
            u32::try_from(line + 1).unwrap_or(u32::MAX),
            u32::try_from(col).unwrap_or(u32::MAX),
        )
    }

    /// The text of the 1-based line `line`, without its line terminator.
    pub fn line_text(&self, line: u32) -> &str {
        let idx = (line as usize).saturating_sub(1);
        let Some(&start) = self.line_starts.get(idx) else {
            return "";
        };
        let end = self
            .line_starts
            .get(idx + 1)
            .copied()
            .unwrap_or(self.text.len());
        self.text[start..end].trim_end_matches(['\n', '\r'])
    }

    /// Byte offset where the 1-based line `line` starts.
    pub fn line_start(&self, line: u32) -> usize {
        let idx = (line as usize).saturating_sub(1);
        self.line_starts
            .get(idx)
            .copied()
            .unwrap_or(self.text.len())
    }
}

fn clamp_to_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Every file read while loading a scenario, main file first. Diagnostics point into it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    /// Adds a file and returns its index. Returns `None` past 65 535 files.
    pub(crate) fn add(&mut self, path: PathBuf, text: String) -> Option<u16> {
        let idx = u16::try_from(self.files.len()).ok()?;
        self.files.push(SourceFile::new(path, text));
        Some(idx)
    }

    /// Records that file `idx` was decoded from a single-byte encoding.
    pub(crate) fn set_single_byte(&mut self, idx: u16) {
        if let Some(f) = self.files.get_mut(idx as usize) {
            f.single_byte = true;
        }
    }

    /// The files, in the order they were read.
    pub fn files(&self) -> &[SourceFile] {
        &self.files
    }

    /// The file with index `idx`.
    pub fn file(&self, idx: u16) -> Option<&SourceFile> {
        self.files.get(idx as usize)
    }

    /// The path of file `idx`.
    pub fn path(&self, idx: u16) -> Option<&Path> {
        self.file(idx).map(|f| f.path.as_path())
    }

    /// The text a span covers (empty if the span is out of range).
    pub fn slice(&self, span: Span) -> &str {
        self.file(span.file)
            .and_then(|f| f.text.get(span.start as usize..span.end as usize))
            .unwrap_or("")
    }

    /// 1-based line and column of the start of a span.
    pub fn line_col(&self, span: Span) -> (u32, u32) {
        self.file(span.file)
            .map(|f| f.line_col(span.start as usize))
            .unwrap_or((0, 0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_in_characters() {
        let mut map = SourceMap::default();
        let f = map.add("a.xml".into(), "ab\ncé d\n".into()).unwrap();
        let file = map.file(f).unwrap();
        assert_eq!(file.line_col(0), (1, 1));
        assert_eq!(file.line_col(3), (2, 1));
        // 'd' is after a two-byte character
        let d = file.text.find('d').unwrap();
        assert_eq!(file.line_col(d), (2, 4));
        assert_eq!(file.line_text(2), "cé d");
        assert_eq!(file.line_col(1000), (3, 1));
        // an offset inside a multi-byte character does not panic
        assert_eq!(file.line_col(5), (2, 2));
    }

    #[test]
    fn spans_slice_safely() {
        let mut map = SourceMap::default();
        let f = map.add("a.xml".into(), "hello".into()).unwrap();
        assert_eq!(map.slice(Span::new(f, 1, 3)), "el");
        assert_eq!(map.slice(Span::new(f, 4, 99)), "");
        assert_eq!(map.slice(Span::new(9, 0, 1)), "");
        assert_eq!(Span::new(f, 5, 2).len(), 0);
    }
}
