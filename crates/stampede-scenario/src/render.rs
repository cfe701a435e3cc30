//! Human-readable rendering of diagnostics: the source line with a caret under the problem.

use crate::diagnostic::{Diagnostic, Severity};
use crate::source::SourceMap;
use std::fmt::Write as _;

const TAB: &str = "    ";
/// Lines longer than this (in characters) are cut around the problem.
const MAX_LINE: usize = 110;

struct Style {
    color: bool,
}

impl Style {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }
    fn severity(&self, s: Severity, text: &str) -> String {
        match s {
            Severity::Error => self.paint("1;31", text),
            Severity::Warning => self.paint("1;33", text),
        }
    }
    fn gutter(&self, text: &str) -> String {
        self.paint("1;34", text)
    }
    fn bold(&self, text: &str) -> String {
        self.paint("1", text)
    }
}

/// Renders diagnostics the way compilers do:
///
/// ```text
/// error[unknown-element]: unknown element `thinkTime`
///   --> scenario.xml:12:6
///    |
/// 12 |     <thinkTime value="3"/>
///    |      ^^^^^^^^^
///    = help: did you mean `thinktime`?
/// ```
///
/// `color` adds ANSI colours (for terminals). Each diagnostic ends with a blank line.
pub fn render(diags: &[Diagnostic], sources: &SourceMap, color: bool) -> String {
    let style = Style { color };
    let mut out = String::new();
    for d in diags {
        render_one(&mut out, d, sources, &style);
        out.push('\n');
    }
    out
}

fn render_one(out: &mut String, d: &Diagnostic, sources: &SourceMap, style: &Style) {
    let head = format!("{}[{}]", d.severity, d.code);
    let _ = writeln!(
        out,
        "{}{}",
        style.severity(d.severity, &head),
        style.bold(&format!(": {}", d.message))
    );
    let snippet = d.span.and_then(|span| {
        let file = sources.file(span.file)?;
        let (line, col) = file.line_col(span.start as usize);
        Some((file, span, line, col))
    });
    let gutter_width = snippet
        .map(|(_, _, line, _)| line.to_string().len())
        .unwrap_or(1);
    let pad = " ".repeat(gutter_width);
    if let Some(file) = &d.file {
        let _ = writeln!(
            out,
            "{pad}{} {}:{}:{}",
            style.gutter("-->"),
            file.display(),
            d.line,
            d.col
        );
    }
    if let Some((file, span, line, _)) = snippet {
        let text = file.line_text(line);
        let line_start = file.line_start(line);
        let mut start_in_line = (span.start as usize)
            .saturating_sub(line_start)
            .min(text.len());
        while !text.is_char_boundary(start_in_line) {
            start_in_line -= 1;
        }
        let mut end_in_line = (span.end as usize)
            .saturating_sub(line_start)
            .clamp(start_in_line, text.len());
        while !text.is_char_boundary(end_in_line) {
            end_in_line += 1;
        }
        let (shown, caret_at, caret_len) = excerpt(text, start_in_line, end_in_line);
        let _ = writeln!(out, "{pad} {}", style.gutter("|"));
        let _ = writeln!(
            out,
            "{} {} {}",
            style.gutter(&format!("{line:>gutter_width$}")),
            style.gutter("|"),
            shown
        );
        let carets = "^".repeat(caret_len.max(1));
        let _ = writeln!(
            out,
            "{pad} {} {}{}",
            style.gutter("|"),
            " ".repeat(caret_at),
            style.severity(d.severity, &carets)
        );
    }
    if let Some(help) = &d.help {
        let _ = writeln!(
            out,
            "{pad} {} {} {}",
            style.gutter("="),
            style.bold("help:"),
            indent_continuation(help, gutter_width + 9)
        );
    }
    for note in &d.notes {
        let _ = writeln!(
            out,
            "{pad} {} note: {}",
            style.gutter("="),
            indent_continuation(note, gutter_width + 9)
        );
    }
}

fn indent_continuation(text: &str, width: usize) -> String {
    let pad = format!("\n{}", " ".repeat(width));
    text.replace('\n', &pad)
}

/// The part of `line` to show (tabs expanded, cut around the span when too long), the
/// display column of the caret and the caret length.
fn excerpt(line: &str, start: usize, end: usize) -> (String, usize, usize) {
    let before: String = expand(&line[..start]);
    let span_text: String = expand(&line[start..end]);
    let after: String = expand(&line[end..]);
    let before_len = before.chars().count();
    let span_len = span_text.chars().count();
    let after_len = after.chars().count();
    if before_len + span_len + after_len <= MAX_LINE {
        return (format!("{before}{span_text}{after}"), before_len, span_len);
    }
    // Keep some context before the span and as much of the span as fits.
    let keep_before = before_len.min(40);
    let cut_before = before_len - keep_before;
    let span_shown = span_len.min(MAX_LINE - keep_before - 1);
    let room_after = MAX_LINE.saturating_sub(keep_before + span_shown);
    let mut shown = String::new();
    let mut caret_at = keep_before;
    if cut_before > 0 {
        shown.push('…');
        caret_at += 1;
    }
    shown.extend(before.chars().skip(cut_before));
    shown.extend(span_text.chars().take(span_shown));
    if span_shown == span_len {
        shown.extend(after.chars().take(room_after));
        if after_len > room_after {
            shown.push('…');
        }
    } else {
        shown.push('…');
    }
    (shown, caret_at, span_shown)
}

fn expand(s: &str) -> String {
    s.replace('\t', TAB)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_short_line() {
        let (s, at, len) = excerpt("  <thinkTime/>", 3, 12);
        assert_eq!(s, "  <thinkTime/>");
        assert_eq!((at, len), (3, 9));
    }

    #[test]
    fn excerpt_tabs_expand() {
        let (s, at, len) = excerpt("\t<x/>", 2, 3);
        assert_eq!(s, "    <x/>");
        assert_eq!((at, len), (5, 1));
    }

    #[test]
    fn excerpt_long_line_is_cut_around_span() {
        let line = format!("{}<bogus/>{}", "a".repeat(300), "b".repeat(300));
        let (s, at, len) = excerpt(&line, 301, 306);
        assert!(s.chars().count() <= MAX_LINE + 2, "{}", s.len());
        assert_eq!(len, 5);
        let shown: String = s.chars().skip(at).take(len).collect();
        assert_eq!(shown, "bogus");
        assert!(s.starts_with('…') && s.ends_with('…'));
    }
}
