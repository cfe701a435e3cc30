//! Reading the text of Erlang snippets without evaluating them: the variables a snippet reads
//! by a literal name (`ts_dynvars:lookup(token, DynVars)`), a one-line summary for
//! [`crate::explain`], and the extent of the token at a position (to underline it).
//!
//! `stampede_erl::compile` checks snippets but does not report which variables they read, so
//! the literal-name lookups are found here, from the tokens: comments, strings, character
//! literals and quoted atoms are skipped or read as Erlang reads them. A lookup whose name is
//! not a literal atom (`ts_dynvars:lookup(Name, DynVars)`) cannot be known before run time and
//! is not reported.

/// A token of snippet text, with its byte range.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Token {
    kind: Kind,
    start: usize,
    end: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Kind {
    /// An atom, quoted or not, with its name (quotes and escapes removed).
    Atom(String),
    /// A variable (`DynVars`, `_Pid`).
    Var,
    /// A string literal; `closed` is false when the text ends inside it.
    Str { closed: bool },
    /// A number or a character literal (`$a`).
    Number,
    /// An operator or punctuation (`:`, `(`, `->`, `=:=`).
    Punct(&'static str),
    /// Any other character.
    Other,
}

/// Erlang's reserved words, which are never atoms.
const KEYWORDS: &[&str] = &[
    "after", "and", "andalso", "band", "begin", "bnot", "bor", "bsl", "bsr", "bxor", "case",
    "catch", "cond", "div", "end", "fun", "if", "let", "not", "of", "or", "orelse", "receive",
    "rem", "try", "when", "xor", "maybe", "else",
];

/// Operators of more than one character, longest first.
const MULTI_PUNCT: &[&str] = &[
    "=:=", "=/=", "...", "->", "<-", "<=", "=>", ":=", "::", "||", "=<", ">=", "==", "/=", "++",
    "--", "<<", ">>", "!",
];

const SINGLE_PUNCT: &[&str] = &[
    "(", ")", "[", "]", "{", "}", ",", ";", ":", ".", "=", "+", "-", "*", "/", "<", ">", "|", "#",
    "?",
];

fn tokenize(code: &str) -> Vec<Token> {
    let bytes = code.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < code.len() {
        let Some(c) = code[i..].chars().next() else {
            break;
        };
        let start = i;
        if c.is_whitespace() {
            i += c.len_utf8();
            continue;
        }
        if c == '%' {
            i = code[i..].find('\n').map_or(code.len(), |n| i + n);
            continue;
        }
        let kind = if c == '"' {
            let (end, closed) = quoted(code, i, b'"');
            i = end;
            Kind::Str { closed }
        } else if c == '\'' {
            let (end, closed) = quoted(code, i, b'\'');
            i = end;
            let inner = &code[start + 1..if closed { end - 1 } else { end }];
            Kind::Atom(unescape(inner))
        } else if c == '$' {
            i = char_literal_end(code, i + 1);
            Kind::Number
        } else if c.is_ascii_digit() {
            i = number_end(code, i);
            Kind::Number
        } else if c.is_alphabetic() || c == '_' {
            i = name_end(code, i);
            let name = &code[start..i];
            if c.is_lowercase() {
                match KEYWORDS.iter().find(|k| **k == name) {
                    Some(k) => Kind::Punct(k),
                    None => Kind::Atom(name.to_owned()),
                }
            } else {
                Kind::Var
            }
        } else if let Some(p) = MULTI_PUNCT
            .iter()
            .chain(SINGLE_PUNCT)
            .find(|p| bytes[i..].starts_with(p.as_bytes()))
        {
            i += p.len();
            Kind::Punct(p)
        } else {
            i += c.len_utf8();
            Kind::Other
        };
        out.push(Token {
            kind,
            start,
            end: i,
        });
    }
    out
}

/// The end of a quoted string or atom starting at `start`, and whether it is closed.
fn quoted(code: &str, start: usize, quote: u8) -> (usize, bool) {
    let bytes = code.as_bytes();
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b if b == quote => return (i + 1, true),
            _ => i += 1,
        }
    }
    (code.len(), false)
}

/// The name of a quoted atom: the common escapes resolved, others kept as the escaped char.
fn unescape(inner: &str) -> String {
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('s') => out.push(' '),
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

/// The end of a character literal whose `$` is just before `i`.
fn char_literal_end(code: &str, i: usize) -> usize {
    let mut chars = code[i..].char_indices();
    let Some((_, c)) = chars.next() else {
        return code.len();
    };
    if c != '\\' {
        return i + c.len_utf8();
    }
    let Some((j, e)) = chars.next() else {
        return code.len();
    };
    let after = i + j + e.len_utf8();
    let rest = &code[after..];
    match e {
        '0'..='7' => {
            after
                + rest
                    .bytes()
                    .take(2)
                    .take_while(|b| (b'0'..=b'7').contains(b))
                    .count()
        }
        'x' if rest.starts_with('{') => rest.find('}').map_or(code.len(), |k| after + k + 1),
        'x' => {
            after
                + rest
                    .bytes()
                    .take(2)
                    .take_while(u8::is_ascii_hexdigit)
                    .count()
        }
        '^' => after + rest.chars().next().map_or(0, char::len_utf8),
        _ => after,
    }
}

/// The end of a number (`42`, `16#ff`, `1_000`, `2.5e-3`); a `.` only belongs to it when a
/// digit follows.
fn number_end(code: &str, start: usize) -> usize {
    let bytes = code.as_bytes();
    let mut i = start;
    while i < bytes.len()
        && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] == b'#')
    {
        i += 1;
    }
    if i + 1 < bytes.len() && bytes[i] == b'.' && bytes[i + 1].is_ascii_digit() {
        i += 1;
        while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'_') {
            i += 1;
        }
        if i < bytes.len() && (bytes[i] == b'e' || bytes[i] == b'E') {
            let mut j = i + 1;
            if j < bytes.len() && (bytes[j] == b'+' || bytes[j] == b'-') {
                j += 1;
            }
            if j < bytes.len() && bytes[j].is_ascii_digit() {
                i = j;
                while i < bytes.len() && bytes[i].is_ascii_digit() {
                    i += 1;
                }
            }
        }
    }
    i
}

fn name_end(code: &str, start: usize) -> usize {
    code[start..]
        .char_indices()
        .find(|(_, c)| !(c.is_alphanumeric() || *c == '_' || *c == '@'))
        .map_or(code.len(), |(k, _)| start + k)
}

/// A variable a snippet reads with `ts_dynvars:lookup(name, …)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Lookup {
    /// The variable's name.
    pub name: String,
    /// Byte range of the name (the atom, with its quotes if any) in the snippet.
    pub start: usize,
    pub end: usize,
}

/// Every `ts_dynvars:lookup(Atom, …)` of `code` whose name is a literal atom, in text order.
pub(crate) fn dynvar_lookups(code: &str) -> Vec<Lookup> {
    let toks = tokenize(code);
    toks.windows(6)
        .filter_map(|w| match w {
            [
                Token {
                    kind: Kind::Atom(m),
                    ..
                },
                Token {
                    kind: Kind::Punct(":"),
                    ..
                },
                Token {
                    kind: Kind::Atom(f),
                    ..
                },
                Token {
                    kind: Kind::Punct("("),
                    ..
                },
                name @ Token {
                    kind: Kind::Atom(n),
                    ..
                },
                Token {
                    kind: Kind::Punct(","),
                    ..
                },
            ] if m == "ts_dynvars" && f == "lookup" => Some(Lookup {
                name: n.clone(),
                start: name.start,
                end: name.end,
            }),
            _ => None,
        })
        .collect()
}

/// The end of the token starting at byte `at` of `code` (a remote function name such as
/// `os:cmd` counts as one token), or `at` when no token starts there.
pub(crate) fn token_end(code: &str, at: usize) -> usize {
    let toks = tokenize(code);
    let Some(i) = toks.iter().position(|t| t.start == at) else {
        return at;
    };
    match (&toks[i].kind, toks.get(i + 1), toks.get(i + 2)) {
        (Kind::Atom(_), Some(colon), Some(f))
            if colon.kind == Kind::Punct(":")
                && matches!(f.kind, Kind::Atom(_))
                && colon.start == toks[i].end
                && f.start == colon.end =>
        {
            f.end
        }
        // An unterminated string: point at its opening quote only.
        (Kind::Str { closed: false }, _, _) => at + 1,
        _ => toks[i].end,
    }
}

/// What a snippet mostly does, in a few words: the functions it calls
/// (`re:replace(…), http_uri:encode(…)`), or, when it calls none, its body
/// (`[[13,10]]`). Lookups of variables are left out (they are listed separately).
pub(crate) fn summary(code: &str) -> String {
    const MAX_CALLS: usize = 3;
    let toks = tokenize(code);
    let is = |i: usize, p: &str| {
        toks.get(i)
            .is_some_and(|t| matches!(t.kind, Kind::Punct(q) if q == p))
    };
    let mut calls: Vec<String> = Vec::new();
    let push = |calls: &mut Vec<String>, name: String| {
        if !calls.contains(&name) {
            calls.push(name);
        }
    };
    for (i, t) in toks.iter().enumerate() {
        let Kind::Atom(m) = &t.kind else { continue };
        if let (true, Some(Kind::Atom(f)), true) = (
            is(i + 1, ":"),
            toks.get(i + 2).map(|t| &t.kind),
            is(i + 3, "("),
        ) {
            let lookup = m == "ts_dynvars" && f == "lookup";
            if !lookup {
                push(&mut calls, format!("{m}:{f}(…)"));
            }
        }
    }
    if calls.is_empty() {
        for (i, t) in toks.iter().enumerate() {
            let Kind::Atom(f) = &t.kind else { continue };
            let remote = i > 0 && toks[i - 1].kind == Kind::Punct(":");
            if is(i + 1, "(") && !remote {
                push(&mut calls, format!("{f}(…)"));
            }
        }
    }
    if !calls.is_empty() {
        let more = calls.len() > MAX_CALLS;
        calls.truncate(MAX_CALLS);
        let mut text = calls.join(", ");
        if more {
            text.push_str(", …");
        }
        return text;
    }
    body_text(code, &toks)
}

/// The text between the first `->` and the last `end`, on one line and shortened.
fn body_text(code: &str, toks: &[Token]) -> String {
    const MAX: usize = 40;
    let from = toks
        .iter()
        .find(|t| t.kind == Kind::Punct("->"))
        .map_or(0, |t| t.end);
    let to = toks
        .iter()
        .rev()
        .find(|t| t.kind == Kind::Punct("end"))
        .map_or(code.len(), |t| t.start)
        .max(from);
    let one_line = code[from..to]
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if one_line.chars().count() <= MAX {
        one_line
    } else {
        let mut s: String = one_line.chars().take(MAX - 1).collect();
        s.push('…');
        s
    }
}

/// The byte offset in `code` of a 1-based line and column (in characters), as
/// `stampede_erl` reports positions. A column past the end of its line gives the line's end;
/// a line past the end of the text gives the text's end.
pub(crate) fn offset_of(code: &str, line: u32, column: u32) -> usize {
    let (mut l, mut c) = (1u32, 1u32);
    for (i, ch) in code.char_indices() {
        if l == line && (c == column || ch == '\n') {
            return i;
        }
        if ch == '\n' {
            l += 1;
            c = 1;
        } else {
            c += 1;
        }
    }
    code.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(code: &str) -> Vec<String> {
        dynvar_lookups(code).into_iter().map(|l| l.name).collect()
    }

    #[test]
    fn literal_lookups_are_found() {
        let cases: &[(&str, &[&str])] = &[
            (
                "fun({Pid,DynVars}) -> {ok,V} = ts_dynvars:lookup(token, DynVars), V end.",
                &["token"],
            ),
            (
                "fun({_,D}) -> {ok,A}=ts_dynvars:lookup( 'user id' ,D), {ok,B} = ts_dynvars : lookup(b,D,x), A++B end.",
                &["user id", "b"],
            ),
            // not literal names, comments, strings and other modules are skipped
            (
                "fun({_,D}) -> N = a, ts_dynvars:lookup(N, D), % ts_dynvars:lookup(c, D)\n \"ts_dynvars:lookup(d, D)\", my:lookup(e, D) end.",
                &[],
            ),
            ("fun({_,D}) -> $', ts_dynvars:lookup(f, D) end.", &["f"]),
            (
                "fun({_,D}) -> $\\x{41}, ts_dynvars:lookup(g, D) end.",
                &["g"],
            ),
        ];
        for (code, want) in cases {
            assert_eq!(names(code), *want, "{code}");
        }
        let code = "fun({_,D}) -> ts_dynvars:lookup('tok', D) end.";
        let l = &dynvar_lookups(code)[0];
        assert_eq!(&code[l.start..l.end], "'tok'");
    }

    #[test]
    fn token_extents() {
        let code = "fun(_) -> os:cmd(\"ls\"), X + 1.5, \"open end.";
        let at = |s: &str| code.find(s).unwrap();
        let end = |s: &str| &code[at(s)..token_end(code, at(s))];
        assert_eq!(end("os:"), "os:cmd");
        assert_eq!(end("\"ls"), "\"ls\"");
        assert_eq!(end("X"), "X");
        assert_eq!(end("1.5"), "1.5");
        assert_eq!(end("+"), "+");
        assert_eq!(end("\"open"), "\"");
        assert_eq!(token_end(code, code.len()), code.len());
    }

    #[test]
    fn summaries() {
        let cases: &[(&str, &str)] = &[
            (
                "fun({_,D}) -> {ok,V}=ts_dynvars:lookup(t,D), re:replace(V,\"[+]\",\"%2B\",[global,{return,list}]) end.",
                "re:replace(…)",
            ),
            ("fun({_Pid,_DynVars}) -> [[13,10]] end.", "[[13,10]]"),
            (
                "fun({_,D}) -> {ok,V}=ts_dynvars:lookup(t,D), binary_to_list(V) end.",
                "binary_to_list(…)",
            ),
            (
                "fun(_) -> lists:map(fun string:to_upper/1, a:b(), c:d(), e:f()) end.",
                "lists:map(…), a:b(…), c:d(…), …",
            ),
        ];
        for (code, want) in cases {
            assert_eq!(summary(code), *want, "{code}");
        }
    }

    proptest::proptest! {
        #[test]
        fn reading_any_text_is_safe(
            code in "[a-z_A-Z:(),'\"$\\\\%{}\n .#0-9é+-]{0,60}|\\PC{0,40}",
            line in 0u32..4,
            column in 0u32..70,
        ) {
            for l in dynvar_lookups(&code) {
                proptest::prop_assert!(code.get(l.start..l.end).is_some());
            }
            let at = offset_of(&code, line, column);
            proptest::prop_assert!(code.is_char_boundary(at));
            let end = token_end(&code, at);
            proptest::prop_assert!(code.get(at..end).is_some());
            let _ = summary(&code);
        }
    }

    #[test]
    fn positions_to_offsets() {
        let code = "ab\ncdé f\n";
        assert_eq!(offset_of(code, 1, 1), 0);
        assert_eq!(offset_of(code, 2, 1), 3);
        assert_eq!(&code[offset_of(code, 2, 5)..], "f\n");
        assert_eq!(offset_of(code, 1, 9), 2);
        assert_eq!(offset_of(code, 7, 1), code.len());
    }
}
