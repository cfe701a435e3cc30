//! Tokens of Erlang expressions, with 1-based line and column positions.

use crate::error::Diagnostic;

/// A position in the snippet: 1-based line and column (in characters).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Pos {
    /// 1-based line.
    pub line: u32,
    /// 1-based column, counted in characters.
    pub column: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Tok {
    Atom(String),
    Var(String),
    Int(i64),
    Float(f64),
    Char(i64),
    Str(Vec<u32>),
    /// Keywords and punctuation.
    Sym(&'static str),
    Eof,
}

#[derive(Clone, Debug)]
pub(crate) struct Token {
    pub tok: Tok,
    pub pos: Pos,
}

const KEYWORDS: &[&str] = &[
    "after", "and", "andalso", "band", "begin", "bnot", "bor", "bsl", "bsr", "bxor", "case",
    "catch", "div", "end", "fun", "if", "not", "of", "or", "orelse", "receive", "rem", "try",
    "when", "xor",
];

/// Longest first, so that `=:=` wins over `=`.
const SYMBOLS: &[&str] = &[
    "=:=", "=/=", "...", "<<", ">>", "<-", "<=", "->", "=>", ":=", "||", "++", "--", "==", "/=",
    "=<", ">=", "::", "(", ")", "[", "]", "{", "}", ",", ";", ".", ":", "|", "=", "!", "+", "-",
    "*", "/", "<", ">", "#", "?",
];

struct Lexer<'a> {
    chars: Vec<char>,
    i: usize,
    line: u32,
    col: u32,
    _src: &'a str,
}

/// Splits `src` into tokens, or reports the first lexical error.
pub(crate) fn tokenize(src: &str) -> Result<Vec<Token>, Diagnostic> {
    let mut lx = Lexer {
        chars: src.chars().collect(),
        i: 0,
        line: 1,
        col: 1,
        _src: src,
    };
    let mut out = Vec::new();
    loop {
        lx.skip_blank();
        let pos = lx.pos();
        let Some(c) = lx.peek(0) else {
            out.push(Token { tok: Tok::Eof, pos });
            return Ok(out);
        };
        let tok = lx.token(c, pos)?;
        out.push(Token { tok, pos });
    }
}

impl Lexer<'_> {
    fn pos(&self) -> Pos {
        Pos {
            line: self.line,
            column: self.col,
        }
    }

    fn peek(&self, k: usize) -> Option<char> {
        self.chars.get(self.i + k).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek(0)?;
        self.i += 1;
        if c == '\n' {
            self.line += 1;
            self.col = 1;
        } else {
            self.col += 1;
        }
        Some(c)
    }

    fn skip_blank(&mut self) {
        while let Some(c) = self.peek(0) {
            if c.is_whitespace() {
                self.bump();
            } else if c == '%' {
                while let Some(c) = self.peek(0) {
                    if c == '\n' {
                        break;
                    }
                    self.bump();
                }
            } else {
                break;
            }
        }
    }

    fn err(&self, pos: Pos, msg: impl Into<String>) -> Diagnostic {
        Diagnostic::error(msg, pos)
    }

    fn token(&mut self, c: char, pos: Pos) -> Result<Tok, Diagnostic> {
        if c.is_ascii_digit() {
            return self.number(pos);
        }
        if c.is_ascii_lowercase() || (c.is_alphabetic() && c.is_lowercase()) {
            let name = self.name();
            if let Some(k) = KEYWORDS.iter().find(|k| **k == name) {
                return Ok(Tok::Sym(k));
            }
            return Ok(Tok::Atom(name));
        }
        if c == '_' || c.is_uppercase() {
            return Ok(Tok::Var(self.name()));
        }
        match c {
            '\'' => {
                self.bump();
                let cps = self.quoted('\'', pos)?;
                let name: String = cps.iter().filter_map(|c| char::from_u32(*c)).collect();
                Ok(Tok::Atom(name))
            }
            '"' => {
                self.bump();
                Ok(Tok::Str(self.quoted('"', pos)?))
            }
            '$' => {
                self.bump();
                match self.bump() {
                    None => Err(self.err(pos, "unterminated character literal")),
                    Some('\\') => Ok(Tok::Char(i64::from(self.escape(pos)?))),
                    Some(c) => Ok(Tok::Char(i64::from(u32::from(c)))),
                }
            }
            _ => {
                for s in SYMBOLS {
                    if s.chars()
                        .enumerate()
                        .all(|(k, sc)| self.peek(k) == Some(sc))
                    {
                        for _ in 0..s.chars().count() {
                            self.bump();
                        }
                        return Ok(Tok::Sym(s));
                    }
                }
                Err(self.err(pos, format!("illegal character '{c}'")))
            }
        }
    }

    fn name(&mut self) -> String {
        let mut s = String::new();
        while let Some(c) = self.peek(0) {
            if c.is_alphanumeric() || c == '_' || c == '@' {
                s.push(c);
                self.bump();
            } else {
                break;
            }
        }
        s
    }

    fn digits(&mut self, radix: u32) -> String {
        let mut s = String::new();
        while let Some(c) = self.peek(0) {
            if c.is_digit(radix) {
                s.push(c);
                self.bump();
            } else if c == '_' && self.peek(1).is_some_and(|d| d.is_digit(radix)) && !s.is_empty() {
                self.bump();
            } else {
                break;
            }
        }
        s
    }

    fn number(&mut self, pos: Pos) -> Result<Tok, Diagnostic> {
        let int_part = self.digits(10);
        if self.peek(0) == Some('#') {
            let radix: u32 = int_part.parse().unwrap_or(0);
            if !(2..=36).contains(&radix) {
                return Err(self.err(pos, format!("illegal base '{int_part}'")));
            }
            self.bump();
            let ds = self.digits(radix);
            if ds.is_empty() {
                return Err(self.err(pos, "illegal integer: missing digits after '#'"));
            }
            return i64::from_str_radix(&ds, radix).map(Tok::Int).map_err(|_| {
                self.err(pos, "integer too large (Stampede supports 64-bit integers)")
            });
        }
        if self.peek(0) == Some('.') && self.peek(1).is_some_and(|c| c.is_ascii_digit()) {
            self.bump();
            let frac = self.digits(10);
            let mut text = format!("{int_part}.{frac}");
            if matches!(self.peek(0), Some('e' | 'E')) {
                let signed = matches!(self.peek(1), Some('+' | '-'));
                let d = if signed { self.peek(2) } else { self.peek(1) };
                if d.is_some_and(|c| c.is_ascii_digit()) {
                    self.bump();
                    text.push('e');
                    if signed && let Some(s) = self.bump() {
                        text.push(s);
                    }
                    text.push_str(&self.digits(10));
                }
            }
            return text
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .map(Tok::Float)
                .ok_or_else(|| self.err(pos, format!("illegal float '{text}'")));
        }
        int_part
            .parse::<i64>()
            .map(Tok::Int)
            .map_err(|_| self.err(pos, "integer too large (Stampede supports 64-bit integers)"))
    }

    fn quoted(&mut self, q: char, pos: Pos) -> Result<Vec<u32>, Diagnostic> {
        let mut out = Vec::new();
        loop {
            match self.bump() {
                None => {
                    let what = if q == '"' { "string" } else { "quoted atom" };
                    return Err(self
                        .err(pos, format!("unterminated {what}"))
                        .with_help(format!("close it with {q}")));
                }
                Some(c) if c == q => return Ok(out),
                Some('\\') => out.push(self.escape(pos)?),
                Some(c) => out.push(u32::from(c)),
            }
        }
    }

    fn escape(&mut self, pos: Pos) -> Result<u32, Diagnostic> {
        let Some(c) = self.bump() else {
            return Err(self.err(pos, "unterminated escape sequence"));
        };
        Ok(match c {
            'b' => 8,
            'd' => 127,
            'e' => 27,
            'f' => 12,
            'n' => 10,
            'r' => 13,
            's' => 32,
            't' => 9,
            'v' => 11,
            '0'..='7' => {
                let mut v = c.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    match self.peek(0).and_then(|d| d.to_digit(8)) {
                        Some(d) => {
                            v = v * 8 + d;
                            self.bump();
                        }
                        None => break,
                    }
                }
                v
            }
            'x' => {
                if self.peek(0) == Some('{') {
                    self.bump();
                    let ds = self.digits(16);
                    if self.bump() != Some('}') {
                        return Err(self.err(pos, "bad \\x{...} escape"));
                    }
                    u32::from_str_radix(&ds, 16)
                        .map_err(|_| self.err(pos, "bad \\x{...} escape"))?
                } else {
                    let mut v = 0;
                    for _ in 0..2 {
                        match self.peek(0).and_then(|d| d.to_digit(16)) {
                            Some(d) => {
                                v = v * 16 + d;
                                self.bump();
                            }
                            None => return Err(self.err(pos, "bad \\x escape")),
                        }
                    }
                    v
                }
            }
            '^' => match self.bump() {
                Some(c) => u32::from(c) % 32,
                None => return Err(self.err(pos, "unterminated escape sequence")),
            },
            other => u32::from(other),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(src: &str) -> Vec<Tok> {
        tokenize(src).unwrap().into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn literals() {
        assert_eq!(
            toks("16#ff 2#101 1_000 1.5e3 $a $\\n 'q a' \"a\\x41\\101\" X _ %c\n."),
            vec![
                Tok::Int(255),
                Tok::Int(5),
                Tok::Int(1000),
                Tok::Float(1500.0),
                Tok::Char(97),
                Tok::Char(10),
                Tok::Atom("q a".into()),
                Tok::Str(vec![97, 65, 65]),
                Tok::Var("X".into()),
                Tok::Var("_".into()),
                Tok::Sym("."),
                Tok::Eof,
            ]
        );
    }

    #[test]
    fn symbols_take_the_longest_match() {
        assert_eq!(
            toks("=:= =/= =< == = <- << >> || ++ --"),
            [
                "=:=", "=/=", "=<", "==", "=", "<-", "<<", ">>", "||", "++", "--"
            ]
            .iter()
            .map(|s| Tok::Sym(SYMBOLS.iter().find(|x| *x == s).copied().unwrap()))
            .chain([Tok::Eof])
            .collect::<Vec<_>>()
        );
    }

    #[test]
    fn positions_are_one_based_characters() {
        let t = tokenize("fun(é) ->\n  ok").unwrap();
        let ok = t.iter().find(|t| t.tok == Tok::Atom("ok".into())).unwrap();
        assert_eq!((ok.pos.line, ok.pos.column), (2, 3));
        let e = tokenize("a ~ b").unwrap_err();
        assert_eq!(
            (e.line, e.column, e.message.as_str()),
            (1, 3, "illegal character '~'")
        );
    }

    #[test]
    fn integer_overflow_is_an_error() {
        assert!(tokenize("99999999999999999999").is_err());
    }
}
