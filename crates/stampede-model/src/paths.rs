//! JSONPath and XPath expressions of `dyn_variable` and `setdynvars`, parsed at load time so a
//! [`crate::Scenario`] only holds expressions that are syntactically valid. Evaluation belongs
//! to the session interpreter.

use std::fmt;

/// A syntax error in a JSONPath or XPath expression.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message} (at character {offset})")]
pub struct PathSyntaxError {
    pub message: String,
    /// Byte offset in the expression.
    pub offset: usize,
}

/// One step of a [`JsonPath`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JsonStep {
    /// `.name` or `['name']`.
    Key(Box<str>),
    /// `[N]`, 0-based as in Tsung.
    Index(usize),
    /// `[*]` or `.*`: every element or member.
    Wildcard,
    /// `[?key=value]`: the elements of an array whose `key` member equals `value`.
    Filter { key: Box<str>, value: Box<str> },
}

/// Tsung's JSONPath subset: `a.b[3].c`, `a[?k=v].c`, optionally starting with `$.`.
#[derive(Clone, PartialEq, Eq)]
pub struct JsonPath {
    source: Box<str>,
    steps: Vec<JsonStep>,
}

impl JsonPath {
    /// Parses an expression.
    pub fn parse(source: &str) -> Result<Self, PathSyntaxError> {
        let err = |message: &str, offset: usize| PathSyntaxError {
            message: message.to_owned(),
            offset,
        };
        let bytes = source.as_bytes();
        let mut steps = Vec::new();
        let mut i = 0;
        if source.starts_with('$') {
            i = 1;
            if i < bytes.len() && bytes[i] == b'.' {
                i += 1;
            }
        }
        if i >= bytes.len() && steps.is_empty() && i == source.len() && source != "$" {
            return Err(err("empty JSONPath", 0));
        }
        let mut expect_key = true;
        while i < bytes.len() {
            match bytes[i] {
                b'[' => {
                    let close = source[i..]
                        .find(']')
                        .map(|p| p + i)
                        .ok_or_else(|| err("`[` is never closed", i))?;
                    let inner = source[i + 1..close].trim();
                    if inner == "*" {
                        steps.push(JsonStep::Wildcard);
                    } else if let Some(filter) = inner.strip_prefix('?') {
                        let filter = filter.trim().trim_start_matches('(').trim_end_matches(')');
                        let filter = filter.trim_start_matches("@.");
                        let (k, v) = filter
                            .split_once("==")
                            .or_else(|| filter.split_once('='))
                            .ok_or_else(|| err("a filter needs `key=value`", i + 1))?;
                        let v = v.trim().trim_matches(|c| c == '\'' || c == '"');
                        if k.trim().is_empty() {
                            return Err(err("a filter needs a key before `=`", i + 1));
                        }
                        steps.push(JsonStep::Filter {
                            key: k.trim().into(),
                            value: v.into(),
                        });
                    } else if let Some(q) = inner
                        .strip_prefix('\'')
                        .and_then(|s| s.strip_suffix('\''))
                        .or_else(|| inner.strip_prefix('"').and_then(|s| s.strip_suffix('"')))
                    {
                        steps.push(JsonStep::Key(q.into()));
                    } else {
                        let n: usize = inner
                            .parse()
                            .map_err(|_| err("expected an index, `*`, `?key=value` or a quoted name inside `[…]`", i + 1))?;
                        steps.push(JsonStep::Index(n));
                    }
                    i = close + 1;
                    expect_key = false;
                }
                b'.' => {
                    if expect_key {
                        return Err(err("unexpected `.`", i));
                    }
                    i += 1;
                    expect_key = true;
                    if i >= bytes.len() {
                        return Err(err("the path ends with `.`", i - 1));
                    }
                }
                _ => {
                    if !expect_key {
                        return Err(err("expected `.` or `[` between steps", i));
                    }
                    let end = source[i..]
                        .find(['.', '['])
                        .map(|p| p + i)
                        .unwrap_or(source.len());
                    let name = &source[i..end];
                    if name == "*" {
                        steps.push(JsonStep::Wildcard);
                    } else {
                        steps.push(JsonStep::Key(name.into()));
                    }
                    i = end;
                    expect_key = false;
                }
            }
        }
        Ok(Self {
            source: source.into(),
            steps,
        })
    }

    /// The expression as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The parsed steps (an empty list means the whole document).
    pub fn steps(&self) -> &[JsonStep] {
        &self.steps
    }
}

impl fmt::Debug for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("JsonPath").field(&&*self.source).finish()
    }
}

/// An XPath expression for `dyn_variable xpath=`, evaluated on tolerant-parsed HTML.
///
/// Parsing accepts the XPath 1.0 expression language without variables and namespaces: location
/// paths (absolute, relative, `//`, `.`, `..`, `@attr`, every axis), name tests (`name`, `*`,
/// `prefix:*`), node-type tests (`text()`, `node()`, `comment()`, `processing-instruction()`),
/// predicates (positional `[n]`, comparisons, `and`/`or`), unions `|`, arithmetic, and the core
/// function library (see [`xpath::Function`]). Tsung's own evaluator (mochiweb) accepts a subset
/// of this; every expression it accepts parses here.
#[derive(Clone, PartialEq)]
pub struct XPath {
    source: Box<str>,
    expr: xpath::Expr,
}

impl XPath {
    /// Parses an expression.
    pub fn parse(source: &str) -> Result<Self, PathSyntaxError> {
        let expr = xpath::parse(source)?;
        Ok(Self {
            source: source.into(),
            expr,
        })
    }

    /// The expression as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The parsed expression.
    pub fn expr(&self) -> &xpath::Expr {
        &self.expr
    }
}

impl fmt::Debug for XPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("XPath").field(&&*self.source).finish()
    }
}

/// The syntax tree of an [`XPath`] expression, and its parser.
pub mod xpath {
    use super::PathSyntaxError;

    /// An expression.
    #[derive(Clone, Debug, PartialEq)]
    pub enum Expr {
        /// `a or b`
        Or(Box<Expr>, Box<Expr>),
        /// `a and b`
        And(Box<Expr>, Box<Expr>),
        /// `a = b`, `a != b`, `a < b`, …
        Compare(Comparison, Box<Expr>, Box<Expr>),
        /// `a + b`, `a - b`, `a * b`, `a div b`, `a mod b`
        Arith(ArithOp, Box<Expr>, Box<Expr>),
        /// `-a`
        Negate(Box<Expr>),
        /// `a | b`
        Union(Box<Expr>, Box<Expr>),
        /// `'text'` or `"text"`
        Literal(Box<str>),
        /// `12`, `1.5`
        Number(f64),
        /// `name(args…)`
        Call(Function, Vec<Expr>),
        /// A location path.
        Path(LocationPath),
        /// A primary expression filtered by predicates and optionally followed by a relative
        /// path: `(//a)[2]/@href`.
        Filter {
            base: Box<Expr>,
            predicates: Vec<Expr>,
            steps: Vec<Step>,
        },
    }

    /// Comparison operators.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Comparison {
        Eq,
        Ne,
        Lt,
        Le,
        Gt,
        Ge,
    }

    /// Arithmetic operators.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum ArithOp {
        Add,
        Sub,
        Mul,
        Div,
        Mod,
    }

    /// `/a/b`, `a/b`, `//a`.
    #[derive(Clone, Debug, PartialEq)]
    pub struct LocationPath {
        /// Starts at the document root.
        pub absolute: bool,
        /// The steps; `//` is already expanded to a `descendant-or-self::node()` step.
        pub steps: Vec<Step>,
    }

    /// One step of a path: `axis::test[predicate]…`.
    #[derive(Clone, Debug, PartialEq)]
    pub struct Step {
        pub axis: Axis,
        pub test: NodeTest,
        pub predicates: Vec<Expr>,
    }

    /// XPath axes.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Axis {
        Child,
        Descendant,
        DescendantOrSelf,
        Parent,
        Ancestor,
        AncestorOrSelf,
        FollowingSibling,
        PrecedingSibling,
        Following,
        Preceding,
        Attribute,
        SelfNode,
    }

    /// What a step keeps.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub enum NodeTest {
        /// A name (element or attribute), compared ignoring ASCII case since HTML names are
        /// case-insensitive.
        Name(Box<str>),
        /// `prefix:*`
        Prefix(Box<str>),
        /// `*`
        Any,
        /// `text()`
        Text,
        /// `node()`
        Node,
        /// `comment()`
        Comment,
        /// `processing-instruction()` or `processing-instruction('target')`
        ProcessingInstruction(Option<Box<str>>),
    }

    /// The functions an expression may call.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Function {
        Last,
        Position,
        Count,
        Name,
        LocalName,
        String,
        Concat,
        StartsWith,
        EndsWith,
        Contains,
        Substring,
        SubstringBefore,
        SubstringAfter,
        StringLength,
        NormalizeSpace,
        Translate,
        Not,
        True,
        False,
        Boolean,
        Number,
        Sum,
        Floor,
        Ceiling,
        Round,
    }

    impl Function {
        fn from_name(name: &str) -> Option<(Function, usize, Option<usize>)> {
            use Function::*;
            // (function, minimum arguments, maximum arguments (None = unbounded))
            Some(match name {
                "last" => (Last, 0, Some(0)),
                "position" => (Position, 0, Some(0)),
                "count" => (Count, 1, Some(1)),
                "name" => (Name, 0, Some(1)),
                "local-name" => (LocalName, 0, Some(1)),
                "string" => (String, 0, Some(1)),
                "concat" => (Concat, 2, None),
                "starts-with" => (StartsWith, 2, Some(2)),
                "ends-with" => (EndsWith, 2, Some(2)),
                "contains" => (Contains, 2, Some(2)),
                "substring" => (Substring, 2, Some(3)),
                "substring-before" => (SubstringBefore, 2, Some(2)),
                "substring-after" => (SubstringAfter, 2, Some(2)),
                "string-length" => (StringLength, 0, Some(1)),
                "normalize-space" => (NormalizeSpace, 0, Some(1)),
                "translate" => (Translate, 3, Some(3)),
                "not" => (Not, 1, Some(1)),
                "true" => (True, 0, Some(0)),
                "false" => (False, 0, Some(0)),
                "boolean" => (Boolean, 1, Some(1)),
                "number" => (Number, 0, Some(1)),
                "sum" => (Sum, 1, Some(1)),
                "floor" => (Floor, 1, Some(1)),
                "ceiling" => (Ceiling, 1, Some(1)),
                "round" => (Round, 1, Some(1)),
                _ => return None,
            })
        }
    }

    /// Deepest nesting of parentheses, brackets and operators accepted (keeps the recursive
    /// parser and evaluator far from the stack limit).
    const MAX_DEPTH: usize = 64;

    #[derive(Clone, Debug, PartialEq)]
    enum Tok {
        LParen,
        RParen,
        LBracket,
        RBracket,
        Dot,
        DotDot,
        At,
        Comma,
        ColonColon,
        Slash,
        DoubleSlash,
        Pipe,
        Plus,
        Minus,
        Eq,
        Ne,
        Lt,
        Le,
        Gt,
        Ge,
        /// `*` as multiplication.
        Multiply,
        And,
        Or,
        Mod,
        Div,
        /// A name test: `name`, `*`, `prefix:*`, `prefix:name`.
        NameTest(NodeTest),
        /// `text`, `node`, `comment`, `processing-instruction` followed by `(`.
        NodeType(Box<str>),
        /// A name followed by `(`.
        FunctionName(Box<str>),
        /// A name followed by `::`.
        AxisName(Axis),
        Literal(Box<str>),
        Number(f64),
    }

    impl Tok {
        /// Whether, after this token, `*` and names are operators (XPath 1.0 §3.7).
        fn makes_operator_context(&self) -> bool {
            !matches!(
                self,
                Tok::At
                    | Tok::ColonColon
                    | Tok::LParen
                    | Tok::LBracket
                    | Tok::Comma
                    | Tok::Slash
                    | Tok::DoubleSlash
                    | Tok::Pipe
                    | Tok::Plus
                    | Tok::Minus
                    | Tok::Eq
                    | Tok::Ne
                    | Tok::Lt
                    | Tok::Le
                    | Tok::Gt
                    | Tok::Ge
                    | Tok::Multiply
                    | Tok::And
                    | Tok::Or
                    | Tok::Mod
                    | Tok::Div
            )
        }
    }

    fn err(message: impl Into<String>, offset: usize) -> PathSyntaxError {
        PathSyntaxError {
            message: message.into(),
            offset,
        }
    }

    fn is_name_start(c: char) -> bool {
        c.is_alphabetic() || c == '_'
    }

    fn is_name_char(c: char) -> bool {
        c.is_alphanumeric() || matches!(c, '_' | '-' | '.')
    }

    fn axis_from_name(name: &str) -> Option<Axis> {
        Some(match name {
            "child" => Axis::Child,
            "descendant" => Axis::Descendant,
            "descendant-or-self" => Axis::DescendantOrSelf,
            "parent" => Axis::Parent,
            "ancestor" => Axis::Ancestor,
            "ancestor-or-self" => Axis::AncestorOrSelf,
            "following-sibling" => Axis::FollowingSibling,
            "preceding-sibling" => Axis::PrecedingSibling,
            "following" => Axis::Following,
            "preceding" => Axis::Preceding,
            "attribute" => Axis::Attribute,
            "self" => Axis::SelfNode,
            _ => return None,
        })
    }

    /// The tokens spelt with two characters.
    fn two_char_token(first: char, second: char) -> Option<Tok> {
        Some(match (first, second) {
            ('!', '=') => Tok::Ne,
            ('<', '=') => Tok::Le,
            ('>', '=') => Tok::Ge,
            (':', ':') => Tok::ColonColon,
            ('/', '/') => Tok::DoubleSlash,
            ('.', '.') => Tok::DotDot,
            _ => return None,
        })
    }

    fn lex(src: &str) -> Result<Vec<(Tok, usize)>, PathSyntaxError> {
        let chars: Vec<(usize, char)> = src.char_indices().collect();
        let mut out: Vec<(Tok, usize)> = Vec::new();
        let mut i = 0;
        let peek_non_ws = |mut j: usize| -> Option<usize> {
            while j < chars.len() && chars[j].1.is_whitespace() {
                j += 1;
            }
            (j < chars.len()).then_some(j)
        };
        while i < chars.len() {
            let (off, c) = chars[i];
            if c.is_whitespace() {
                i += 1;
                continue;
            }
            let operator_context = out.last().is_some_and(|(t, _)| t.makes_operator_context());
            let next = chars.get(i + 1).map(|&(_, c)| c);
            if let Some(tok) = next.and_then(|n| two_char_token(c, n)) {
                out.push((tok, off));
                i += 2;
                continue;
            }
            let tok = match c {
                '(' => Tok::LParen,
                ')' => Tok::RParen,
                '[' => Tok::LBracket,
                ']' => Tok::RBracket,
                ',' => Tok::Comma,
                '@' => Tok::At,
                '|' => Tok::Pipe,
                '+' => Tok::Plus,
                '-' => Tok::Minus,
                '=' => Tok::Eq,
                '<' => Tok::Lt,
                '>' => Tok::Gt,
                '/' => Tok::Slash,
                '.' if !next.is_some_and(|n| n.is_ascii_digit()) => Tok::Dot,
                '*' if operator_context => Tok::Multiply,
                '*' => Tok::NameTest(NodeTest::Any),
                '\'' | '"' => {
                    let close = chars[i + 1..]
                        .iter()
                        .position(|&(_, q)| q == c)
                        .map(|p| p + i + 1)
                        .ok_or_else(|| err("string literal is never closed", off))?;
                    let start = off + c.len_utf8();
                    let end = chars[close].0;
                    i = close;
                    Tok::Literal(src[start..end].into())
                }
                c if c.is_ascii_digit() || c == '.' => {
                    let mut j = i;
                    let mut seen_dot = false;
                    while j < chars.len()
                        && (chars[j].1.is_ascii_digit() || (chars[j].1 == '.' && !seen_dot))
                    {
                        if chars[j].1 == '.' {
                            seen_dot = true;
                        }
                        j += 1;
                    }
                    let end = chars.get(j).map(|&(o, _)| o).unwrap_or(src.len());
                    let n: f64 = src[off..end]
                        .parse()
                        .map_err(|_| err("malformed number", off))?;
                    i = j - 1;
                    Tok::Number(n)
                }
                c if is_name_start(c) => {
                    let mut j = i;
                    while j < chars.len() && is_name_char(chars[j].1) {
                        j += 1;
                    }
                    // `prefix:name` or `prefix:*` (but not `axis::`).
                    let mut prefix_wildcard = false;
                    if j + 1 < chars.len() && chars[j].1 == ':' && chars[j + 1].1 != ':' {
                        if chars[j + 1].1 == '*' {
                            prefix_wildcard = true;
                            j += 2;
                        } else if is_name_start(chars[j + 1].1) {
                            j += 1;
                            while j < chars.len() && is_name_char(chars[j].1) {
                                j += 1;
                            }
                        }
                    }
                    let end = chars.get(j).map(|&(o, _)| o).unwrap_or(src.len());
                    let name = &src[off..end];
                    let after = peek_non_ws(j);
                    let followed_by = |s: char| after.is_some_and(|a| chars[a].1 == s);
                    let followed_by_axis = after.is_some_and(|a| {
                        chars[a].1 == ':' && chars.get(a + 1).is_some_and(|&(_, c)| c == ':')
                    });
                    i = j - 1;
                    if prefix_wildcard {
                        let prefix = &name[..name.len() - 2];
                        Tok::NameTest(NodeTest::Prefix(prefix.into()))
                    } else if operator_context {
                        match name {
                            "and" => Tok::And,
                            "or" => Tok::Or,
                            "mod" => Tok::Mod,
                            "div" => Tok::Div,
                            _ => {
                                return Err(err(
                                    format!("expected an operator, found `{name}`"),
                                    off,
                                ));
                            }
                        }
                    } else if followed_by('(') {
                        match name {
                            "text" | "node" | "comment" | "processing-instruction" => {
                                Tok::NodeType(name.into())
                            }
                            _ => Tok::FunctionName(name.into()),
                        }
                    } else if followed_by_axis {
                        let axis = axis_from_name(name)
                            .ok_or_else(|| err(format!("unknown axis `{name}`"), off))?;
                        Tok::AxisName(axis)
                    } else {
                        Tok::NameTest(NodeTest::Name(name.into()))
                    }
                }
                other => return Err(err(format!("unexpected character `{other}`"), off)),
            };
            out.push((tok, off));
            i += 1;
        }
        Ok(out)
    }

    struct Parser {
        toks: Vec<(Tok, usize)>,
        pos: usize,
        end: usize,
        depth: usize,
    }

    /// Parses an XPath expression.
    pub(super) fn parse(src: &str) -> Result<Expr, PathSyntaxError> {
        if src.trim().is_empty() {
            return Err(err("empty XPath", 0));
        }
        let toks = lex(src)?;
        let mut p = Parser {
            toks,
            pos: 0,
            end: src.len(),
            depth: 0,
        };
        let expr = p.expr()?;
        if let Some((_, off)) = p.toks.get(p.pos) {
            return Err(err("unexpected text after the expression", *off));
        }
        Ok(expr)
    }

    /// A binary operator, as the parser meets it, and the expression it builds.
    #[derive(Clone, Copy)]
    enum Binary {
        Or,
        And,
        Union,
        Compare(Comparison),
        Arith(ArithOp),
    }

    impl Binary {
        fn build(self, left: Expr, right: Expr) -> Expr {
            let (left, right) = (Box::new(left), Box::new(right));
            match self {
                Binary::Or => Expr::Or(left, right),
                Binary::And => Expr::And(left, right),
                Binary::Union => Expr::Union(left, right),
                Binary::Compare(op) => Expr::Compare(op, left, right),
                Binary::Arith(op) => Expr::Arith(op, left, right),
            }
        }
    }

    impl Parser {
        fn peek(&self) -> Option<&Tok> {
            self.toks.get(self.pos).map(|(t, _)| t)
        }

        fn offset(&self) -> usize {
            self.toks.get(self.pos).map(|&(_, o)| o).unwrap_or(self.end)
        }

        fn eat(&mut self, t: &Tok) -> bool {
            if self.peek() == Some(t) {
                self.pos += 1;
                true
            } else {
                false
            }
        }

        fn expect(&mut self, t: &Tok, what: &str) -> Result<(), PathSyntaxError> {
            if self.eat(t) {
                Ok(())
            } else {
                Err(err(format!("expected {what}"), self.offset()))
            }
        }

        fn enter(&mut self) -> Result<(), PathSyntaxError> {
            self.depth += 1;
            if self.depth > MAX_DEPTH {
                Err(err("expression nested too deeply", self.offset()))
            } else {
                Ok(())
            }
        }

        fn expr(&mut self) -> Result<Expr, PathSyntaxError> {
            self.enter()?;
            let r = self.or_expr();
            self.depth -= 1;
            r
        }

        fn or_expr(&mut self) -> Result<Expr, PathSyntaxError> {
            self.left_assoc(Self::and_expr, |t| match t {
                Tok::Or => Some(Binary::Or),
                _ => None,
            })
        }

        fn and_expr(&mut self) -> Result<Expr, PathSyntaxError> {
            self.left_assoc(Self::equality, |t| match t {
                Tok::And => Some(Binary::And),
                _ => None,
            })
        }

        fn equality(&mut self) -> Result<Expr, PathSyntaxError> {
            self.left_assoc(Self::relational, |t| match t {
                Tok::Eq => Some(Binary::Compare(Comparison::Eq)),
                Tok::Ne => Some(Binary::Compare(Comparison::Ne)),
                _ => None,
            })
        }

        fn relational(&mut self) -> Result<Expr, PathSyntaxError> {
            self.left_assoc(Self::additive, |t| match t {
                Tok::Lt => Some(Binary::Compare(Comparison::Lt)),
                Tok::Le => Some(Binary::Compare(Comparison::Le)),
                Tok::Gt => Some(Binary::Compare(Comparison::Gt)),
                Tok::Ge => Some(Binary::Compare(Comparison::Ge)),
                _ => None,
            })
        }

        fn additive(&mut self) -> Result<Expr, PathSyntaxError> {
            self.left_assoc(Self::multiplicative, |t| match t {
                Tok::Plus => Some(Binary::Arith(ArithOp::Add)),
                Tok::Minus => Some(Binary::Arith(ArithOp::Sub)),
                _ => None,
            })
        }

        fn multiplicative(&mut self) -> Result<Expr, PathSyntaxError> {
            self.left_assoc(Self::unary, |t| match t {
                Tok::Multiply => Some(Binary::Arith(ArithOp::Mul)),
                Tok::Div => Some(Binary::Arith(ArithOp::Div)),
                Tok::Mod => Some(Binary::Arith(ArithOp::Mod)),
                _ => None,
            })
        }

        /// One precedence level of left-associative binary operators: `operand (op operand)*`,
        /// where `operator` says which tokens belong to this level.
        fn left_assoc(
            &mut self,
            operand: fn(&mut Self) -> Result<Expr, PathSyntaxError>,
            operator: fn(&Tok) -> Option<Binary>,
        ) -> Result<Expr, PathSyntaxError> {
            let mut left = operand(self)?;
            while let Some(op) = self.peek().and_then(operator) {
                self.pos += 1;
                let right = operand(self)?;
                left = op.build(left, right);
            }
            Ok(left)
        }

        fn unary(&mut self) -> Result<Expr, PathSyntaxError> {
            if self.eat(&Tok::Minus) {
                self.enter()?;
                let inner = self.unary();
                self.depth -= 1;
                return Ok(Expr::Negate(Box::new(inner?)));
            }
            self.union()
        }

        fn union(&mut self) -> Result<Expr, PathSyntaxError> {
            self.left_assoc(Self::path_expr, |t| match t {
                Tok::Pipe => Some(Binary::Union),
                _ => None,
            })
        }

        fn starts_step(t: Option<&Tok>) -> bool {
            matches!(
                t,
                Some(
                    Tok::Dot
                        | Tok::DotDot
                        | Tok::At
                        | Tok::AxisName(_)
                        | Tok::NameTest(_)
                        | Tok::NodeType(_)
                )
            )
        }

        fn path_expr(&mut self) -> Result<Expr, PathSyntaxError> {
            match self.peek() {
                Some(Tok::Slash) => {
                    self.pos += 1;
                    let steps = if Self::starts_step(self.peek()) {
                        self.relative_steps()?
                    } else {
                        Vec::new()
                    };
                    Ok(Expr::Path(LocationPath {
                        absolute: true,
                        steps,
                    }))
                }
                Some(Tok::DoubleSlash) => {
                    self.pos += 1;
                    let mut steps = vec![descendant_or_self()];
                    steps.extend(self.relative_steps()?);
                    Ok(Expr::Path(LocationPath {
                        absolute: true,
                        steps,
                    }))
                }
                t if Self::starts_step(t) => Ok(Expr::Path(LocationPath {
                    absolute: false,
                    steps: self.relative_steps()?,
                })),
                _ => {
                    let base = self.primary()?;
                    let mut predicates = Vec::new();
                    while self.peek() == Some(&Tok::LBracket) {
                        predicates.push(self.predicate()?);
                    }
                    let mut steps = Vec::new();
                    match self.peek() {
                        Some(Tok::Slash) => {
                            self.pos += 1;
                            steps = self.relative_steps()?;
                        }
                        Some(Tok::DoubleSlash) => {
                            self.pos += 1;
                            steps.push(descendant_or_self());
                            steps.extend(self.relative_steps()?);
                        }
                        _ => {}
                    }
                    if predicates.is_empty() && steps.is_empty() {
                        Ok(base)
                    } else {
                        Ok(Expr::Filter {
                            base: Box::new(base),
                            predicates,
                            steps,
                        })
                    }
                }
            }
        }

        fn relative_steps(&mut self) -> Result<Vec<Step>, PathSyntaxError> {
            let mut steps = vec![self.step()?];
            loop {
                match self.peek() {
                    Some(Tok::Slash) => {
                        self.pos += 1;
                        steps.push(self.step()?);
                    }
                    Some(Tok::DoubleSlash) => {
                        self.pos += 1;
                        steps.push(descendant_or_self());
                        steps.push(self.step()?);
                    }
                    _ => return Ok(steps),
                }
            }
        }

        fn step(&mut self) -> Result<Step, PathSyntaxError> {
            let axis = match self.peek() {
                Some(Tok::Dot) => {
                    self.pos += 1;
                    return Ok(Step {
                        axis: Axis::SelfNode,
                        test: NodeTest::Node,
                        predicates: Vec::new(),
                    });
                }
                Some(Tok::DotDot) => {
                    self.pos += 1;
                    return Ok(Step {
                        axis: Axis::Parent,
                        test: NodeTest::Node,
                        predicates: Vec::new(),
                    });
                }
                Some(Tok::At) => {
                    self.pos += 1;
                    Axis::Attribute
                }
                Some(Tok::AxisName(a)) => {
                    let a = *a;
                    self.pos += 1;
                    self.expect(&Tok::ColonColon, "`::` after the axis name")?;
                    a
                }
                _ => Axis::Child,
            };
            let test_offset = self.offset();
            let test = match self.toks.get(self.pos).cloned() {
                Some((Tok::NameTest(t), _)) => {
                    self.pos += 1;
                    t
                }
                Some((Tok::NodeType(kind), _)) => {
                    self.pos += 1;
                    self.expect(&Tok::LParen, "`(`")?;
                    let test = match &*kind {
                        "text" => NodeTest::Text,
                        "node" => NodeTest::Node,
                        "comment" => NodeTest::Comment,
                        _ => {
                            let target = match self.peek() {
                                Some(Tok::Literal(l)) => {
                                    let l = l.clone();
                                    self.pos += 1;
                                    Some(l)
                                }
                                _ => None,
                            };
                            NodeTest::ProcessingInstruction(target)
                        }
                    };
                    self.expect(&Tok::RParen, "`)`")?;
                    test
                }
                _ => {
                    return Err(err(
                        "expected a node test (a name, `*` or `text()`)",
                        test_offset,
                    ));
                }
            };
            let mut predicates = Vec::new();
            while self.peek() == Some(&Tok::LBracket) {
                predicates.push(self.predicate()?);
            }
            Ok(Step {
                axis,
                test,
                predicates,
            })
        }

        fn predicate(&mut self) -> Result<Expr, PathSyntaxError> {
            let open = self.offset();
            self.expect(&Tok::LBracket, "`[`")?;
            let e = self.expr()?;
            if !self.eat(&Tok::RBracket) {
                return Err(err("`[` is never closed", open));
            }
            Ok(e)
        }

        fn primary(&mut self) -> Result<Expr, PathSyntaxError> {
            let off = self.offset();
            match self.toks.get(self.pos).cloned() {
                Some((Tok::LParen, _)) => {
                    self.pos += 1;
                    let e = self.expr()?;
                    if !self.eat(&Tok::RParen) {
                        return Err(err("`(` is never closed", off));
                    }
                    Ok(e)
                }
                Some((Tok::Literal(l), _)) => {
                    self.pos += 1;
                    Ok(Expr::Literal(l))
                }
                Some((Tok::Number(n), _)) => {
                    self.pos += 1;
                    Ok(Expr::Number(n))
                }
                Some((Tok::FunctionName(name), _)) => {
                    self.pos += 1;
                    let (f, min, max) = Function::from_name(&name)
                        .ok_or_else(|| err(format!("unknown function `{name}()`"), off))?;
                    self.expect(&Tok::LParen, "`(`")?;
                    let mut args = Vec::new();
                    if !self.eat(&Tok::RParen) {
                        loop {
                            args.push(self.expr()?);
                            if self.eat(&Tok::Comma) {
                                continue;
                            }
                            if !self.eat(&Tok::RParen) {
                                return Err(err("`(` is never closed", off));
                            }
                            break;
                        }
                    }
                    if args.len() < min || max.is_some_and(|m| args.len() > m) {
                        return Err(err(
                            format!("wrong number of arguments for `{name}()`"),
                            off,
                        ));
                    }
                    Ok(Expr::Call(f, args))
                }
                Some(_) => Err(err("expected an expression", off)),
                None => Err(err("the expression ends too early", off)),
            }
        }
    }

    fn descendant_or_self() -> Step {
        Step {
            axis: Axis::DescendantOrSelf,
            test: NodeTest::Node,
            predicates: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use JsonStep::*;

    #[test]
    fn jsonpath_tsung_forms() {
        let p = JsonPath::parse("a.b[3].c").unwrap();
        assert_eq!(
            p.steps(),
            &[Key("a".into()), Key("b".into()), Index(3), Key("c".into())]
        );
        let p = JsonPath::parse("users[?name=bob].id").unwrap();
        assert_eq!(
            p.steps(),
            &[
                Key("users".into()),
                Filter {
                    key: "name".into(),
                    value: "bob".into()
                },
                Key("id".into())
            ]
        );
        let p = JsonPath::parse("$.token").unwrap();
        assert_eq!(p.steps(), &[Key("token".into())]);
        assert_eq!(JsonPath::parse("$").unwrap().steps(), &[]);
        assert_eq!(
            JsonPath::parse("a[*]").unwrap().steps(),
            &[Key("a".into()), Wildcard]
        );
    }

    #[test]
    fn jsonpath_errors() {
        assert!(JsonPath::parse("").is_err());
        assert!(JsonPath::parse("a[3").is_err());
        assert!(JsonPath::parse("a..b").is_err());
        assert!(JsonPath::parse("a.").is_err());
        assert!(JsonPath::parse("a[x]").is_err());
    }

    #[test]
    fn xpath_balance() {
        assert!(XPath::parse("//input[@name='authenticity_token']/@value").is_ok());
        assert!(XPath::parse("//a[@href").is_err());
        assert!(XPath::parse("//a[@x='y]").is_err());
        assert!(XPath::parse(" ").is_err());
    }

    mod xpath_syntax {
        use crate::XPath;
        use crate::paths::xpath::*;

        fn steps(src: &str) -> Vec<Step> {
            match XPath::parse(src).unwrap().expr() {
                Expr::Path(p) => p.steps.clone(),
                other => panic!("not a path: {other:?}"),
            }
        }

        fn step(axis: Axis, test: NodeTest) -> Step {
            Step {
                axis,
                test,
                predicates: vec![],
            }
        }

        fn name(n: &str) -> NodeTest {
            NodeTest::Name(n.into())
        }

        #[test]
        fn real_world_expressions_parse() {
            for src in [
                "//input[@name='authenticity_token']/@value",
                "/html/body/div/div[2]/div[*]/div/a/@href",
                "//a[contains(@href, '/items/')]/@href",
                "//a[starts-with(@href,\"/show\")]/text()",
                "//form[@id='new_user']//input[@type=\"hidden\"]/@value",
                "//td[3]",
                "(//a)[last()]/@href",
                "//option[@selected]/@value | //option[1]/@value",
                "count(//tr)",
                "//div[@class='a' and not(@hidden)]/span[position() > 1]",
                "//*[local-name()='title']/text()",
                "/html/body//li[last()-1]",
                "child::html/descendant::a/attribute::href",
                "//p/..",
                "//p/.",
                "//ns:*",
                "//comment()",
                "//processing-instruction('xml')",
                "//a[@x = 1.5 * 2 div 3 mod 2 + -1]",
                "//a[.='x']",
                "sum(//i) >= 10 or false()",
            ] {
                XPath::parse(src).unwrap_or_else(|e| panic!("{src}: {e}"));
            }
        }

        #[test]
        fn path_structure() {
            assert_eq!(
                steps("/html/body"),
                vec![
                    step(Axis::Child, name("html")),
                    step(Axis::Child, name("body"))
                ]
            );
            assert_eq!(
                steps("//a/@href"),
                vec![
                    step(Axis::DescendantOrSelf, NodeTest::Node),
                    step(Axis::Child, name("a")),
                    step(Axis::Attribute, name("href")),
                ]
            );
            assert_eq!(
                steps("a//text()"),
                vec![
                    step(Axis::Child, name("a")),
                    step(Axis::DescendantOrSelf, NodeTest::Node),
                    step(Axis::Child, NodeTest::Text),
                ]
            );
            assert_eq!(steps(".."), vec![step(Axis::Parent, NodeTest::Node)]);
            assert_eq!(steps("*"), vec![step(Axis::Child, NodeTest::Any)]);
            let p = XPath::parse("/").unwrap();
            assert_eq!(
                p.expr(),
                &Expr::Path(LocationPath {
                    absolute: true,
                    steps: vec![]
                })
            );
        }

        #[test]
        fn star_is_multiplication_after_an_operand() {
            let p = XPath::parse("2*3").unwrap();
            assert_eq!(
                p.expr(),
                &Expr::Arith(
                    ArithOp::Mul,
                    Box::new(Expr::Number(2.0)),
                    Box::new(Expr::Number(3.0))
                )
            );
            let s = steps("div[*]");
            assert_eq!(s[0].test, name("div"));
            assert_eq!(
                s[0].predicates,
                vec![Expr::Path(LocationPath {
                    absolute: false,
                    steps: vec![step(Axis::Child, NodeTest::Any)]
                })]
            );
        }

        #[test]
        fn predicates_and_functions() {
            let s = steps("//input[@name='x'][2]");
            assert_eq!(s[1].predicates.len(), 2);
            assert_eq!(s[1].predicates[1], Expr::Number(2.0));
            match &s[1].predicates[0] {
                Expr::Compare(Comparison::Eq, l, r) => {
                    assert_eq!(**r, Expr::Literal("x".into()));
                    assert!(matches!(**l, Expr::Path(_)));
                }
                other => panic!("{other:?}"),
            }
        }

        #[test]
        fn syntax_errors_point_at_the_problem() {
            for (src, offset) in [
                ("//a[", 4),
                ("//a[@x='y]", 7),
                ("//a[@href", 3),
                ("foo(", 0),
                ("//a[bogus()]", 4),
                ("//a)", 3),
                ("//a b", 4),
                ("//", 2),
                ("@", 1),
                ("unknownaxis::a", 0),
                ("//a[contains(@x)]", 4),
                ("#", 0),
                ("", 0),
            ] {
                let e = XPath::parse(src).expect_err(src);
                assert_eq!(e.offset, offset, "{src}: {e}");
            }
        }

        #[test]
        fn deep_nesting_is_rejected_not_overflowed() {
            let src = format!("{}1{}", "(".repeat(500), ")".repeat(500));
            assert!(XPath::parse(&src).is_err());
            let src = format!("{}1", "-".repeat(500));
            assert!(XPath::parse(&src).is_err());
        }

        proptest::proptest! {
            #[test]
            fn parse_never_panics(s in "[-/@*\\[\\]()a-z0-9'\". =!<>|:,]{0,40}") {
                let _ = XPath::parse(&s);
            }
        }
    }
}
