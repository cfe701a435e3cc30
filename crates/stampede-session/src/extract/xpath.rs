//! XPath 1.0 evaluation on a parsed [`Doc`].

use super::html::{Doc, Kind};
use crate::value::Value;
use stampede_model::xpath::{
    ArithOp, Axis, Comparison, Expr, Function, LocationPath, NodeTest, Step,
};

/// A node or an attribute: `attr == 0` is the node itself, `attr == k` its attribute `k - 1`.
/// Ordering by `(node, attr)` is document order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct NodeRef {
    node: u32,
    attr: u32,
}

impl NodeRef {
    fn node(n: u32) -> Self {
        NodeRef { node: n, attr: 0 }
    }
}

#[derive(Clone, Debug)]
enum XValue {
    Nodes(Vec<NodeRef>),
    Str(Vec<u8>),
    Num(f64),
    Bool(bool),
}

struct Ctx {
    node: NodeRef,
    position: usize,
    size: usize,
}

struct Eval<'d> {
    doc: &'d Doc,
}

/// Evaluates `expr` on `doc` and converts the result as Tsung stores it: a node-set becomes a
/// list of string values (empty node-set: the empty text), a number a number, a boolean `true`
/// or `false`, a string a string.
pub(crate) fn evaluate(expr: &Expr, doc: &Doc) -> Value {
    let e = Eval { doc };
    let root = Ctx {
        node: NodeRef::node(0),
        position: 1,
        size: 1,
    };
    match e.expr(expr, &root) {
        XValue::Nodes(ns) if ns.is_empty() => Value::empty(),
        XValue::Nodes(ns) => Value::List(
            ns.iter()
                .map(|&n| Value::bytes(e.string_value(n)))
                .collect(),
        ),
        XValue::Str(s) => Value::bytes(s),
        XValue::Num(n) => {
            if n.fract() == 0.0 && n.abs() < 9.0e15 {
                Value::Int(n as i64)
            } else {
                Value::Float(n)
            }
        }
        XValue::Bool(b) => Value::from(if b { "true" } else { "false" }),
    }
}

fn parse_xpath_number(s: &[u8]) -> f64 {
    let t = crate::text::trim(s);
    let Ok(t) = std::str::from_utf8(t) else {
        return f64::NAN;
    };
    let body = t.strip_prefix('-').unwrap_or(t);
    let valid = !body.is_empty()
        && body.bytes().all(|c| c.is_ascii_digit() || c == b'.')
        && body.bytes().filter(|&c| c == b'.').count() <= 1
        && body != ".";
    if valid {
        t.parse().unwrap_or(f64::NAN)
    } else {
        f64::NAN
    }
}

fn format_number(n: f64) -> Vec<u8> {
    if n.is_nan() {
        return b"NaN".to_vec();
    }
    if n.is_infinite() {
        return if n > 0.0 {
            b"Infinity".to_vec()
        } else {
            b"-Infinity".to_vec()
        };
    }
    if n.fract() == 0.0 && n.abs() < 1e15 {
        return format!("{}", n as i64).into_bytes();
    }
    format!("{n}").into_bytes()
}

impl<'d> Eval<'d> {
    fn is_attr(&self, n: NodeRef) -> bool {
        n.attr != 0
    }

    fn attr(&self, n: NodeRef) -> Option<(&'d str, &'d [u8])> {
        match &self.doc.nodes.get(n.node as usize)?.kind {
            Kind::Element { attrs, .. } if n.attr > 0 => {
                attrs.get(n.attr as usize - 1).map(|(k, v)| (&**k, &**v))
            }
            _ => None,
        }
    }

    fn string_value(&self, n: NodeRef) -> Vec<u8> {
        if self.is_attr(n) {
            return self.attr(n).map(|(_, v)| v.to_vec()).unwrap_or_default();
        }
        let Some(node) = self.doc.nodes.get(n.node as usize) else {
            return Vec::new();
        };
        match &node.kind {
            Kind::Text(t) | Kind::Comment(t) => t.to_vec(),
            Kind::Pi(_) => Vec::new(),
            Kind::Root | Kind::Element { .. } => {
                let mut out = Vec::new();
                for d in n.node + 1..node.end {
                    if let Some(Kind::Text(t)) = self.doc.nodes.get(d as usize).map(|x| &x.kind) {
                        out.extend_from_slice(t);
                    }
                }
                out
            }
        }
    }

    fn name(&self, n: NodeRef) -> &'d str {
        if self.is_attr(n) {
            return self.attr(n).map(|(k, _)| k).unwrap_or("");
        }
        match self.doc.nodes.get(n.node as usize).map(|x| &x.kind) {
            Some(Kind::Element { name, .. }) => name,
            Some(Kind::Pi(t)) => t,
            _ => "",
        }
    }

    fn test(&self, test: &NodeTest, n: NodeRef, axis: Axis) -> bool {
        let principal_attr = axis == Axis::Attribute;
        if self.is_attr(n) {
            let Some((k, _)) = self.attr(n) else {
                return false;
            };
            return match test {
                NodeTest::Node => true,
                NodeTest::Any => principal_attr,
                NodeTest::Name(name) => principal_attr && k.eq_ignore_ascii_case(name),
                NodeTest::Prefix(p) => {
                    principal_attr
                        && k.len() > p.len()
                        && k[..p.len()].eq_ignore_ascii_case(p)
                        && k.as_bytes()[p.len()] == b':'
                }
                _ => false,
            };
        }
        let Some(node) = self.doc.nodes.get(n.node as usize) else {
            return false;
        };
        match (&node.kind, test) {
            (_, NodeTest::Node) => true,
            (Kind::Element { .. }, NodeTest::Any) => !principal_attr,
            (Kind::Element { name, .. }, NodeTest::Name(want)) => {
                !principal_attr && name.eq_ignore_ascii_case(want)
            }
            (Kind::Element { name, .. }, NodeTest::Prefix(p)) => {
                !principal_attr
                    && name.len() > p.len()
                    && name[..p.len()].eq_ignore_ascii_case(p)
                    && name.as_bytes()[p.len()] == b':'
            }
            (Kind::Text(_), NodeTest::Text) => true,
            (Kind::Comment(_), NodeTest::Comment) => true,
            (Kind::Pi(t), NodeTest::ProcessingInstruction(want)) => {
                want.as_deref().is_none_or(|w| w == &**t)
            }
            _ => false,
        }
    }

    /// The nodes on `axis` from `n`, in the axis's own order (reverse axes nearest first).
    fn axis(&self, axis: Axis, n: NodeRef, out: &mut Vec<NodeRef>) {
        let nodes = &self.doc.nodes;
        let Some(node) = nodes.get(n.node as usize) else {
            return;
        };
        if self.is_attr(n) {
            match axis {
                Axis::SelfNode => out.push(n),
                Axis::Parent => out.push(NodeRef::node(n.node)),
                Axis::Ancestor | Axis::AncestorOrSelf => {
                    if axis == Axis::AncestorOrSelf {
                        out.push(n);
                    }
                    out.push(NodeRef::node(n.node));
                    self.axis(Axis::Ancestor, NodeRef::node(n.node), out);
                }
                Axis::Following => {
                    out.extend((node.end..nodes.len() as u32).map(NodeRef::node));
                    // The element's own descendants follow its attributes too.
                    let mut desc: Vec<NodeRef> =
                        (n.node + 1..node.end).map(NodeRef::node).collect();
                    desc.append(out);
                    *out = desc;
                }
                Axis::Preceding => self.axis(Axis::Preceding, NodeRef::node(n.node), out),
                _ => {}
            }
            return;
        }
        match axis {
            Axis::Child => out.extend(node.children.iter().map(|&c| NodeRef::node(c))),
            Axis::Descendant => out.extend((n.node + 1..node.end).map(NodeRef::node)),
            Axis::DescendantOrSelf => out.extend((n.node..node.end).map(NodeRef::node)),
            Axis::SelfNode => out.push(n),
            Axis::Parent => {
                if n.node != 0 {
                    out.push(NodeRef::node(node.parent));
                }
            }
            Axis::Ancestor | Axis::AncestorOrSelf => {
                if axis == Axis::AncestorOrSelf {
                    out.push(n);
                }
                let mut cur = n.node;
                while cur != 0 {
                    cur = nodes[cur as usize].parent;
                    out.push(NodeRef::node(cur));
                }
            }
            Axis::FollowingSibling | Axis::PrecedingSibling => {
                if n.node == 0 {
                    return;
                }
                let siblings = &nodes[node.parent as usize].children;
                let pos = siblings.iter().position(|&c| c == n.node).unwrap_or(0);
                if axis == Axis::FollowingSibling {
                    out.extend(siblings[pos + 1..].iter().map(|&c| NodeRef::node(c)));
                } else {
                    out.extend(siblings[..pos].iter().rev().map(|&c| NodeRef::node(c)));
                }
            }
            Axis::Following => out.extend((node.end..nodes.len() as u32).map(NodeRef::node)),
            Axis::Preceding => {
                let mut ancestors = Vec::new();
                let mut cur = n.node;
                while cur != 0 {
                    cur = nodes[cur as usize].parent;
                    ancestors.push(cur);
                }
                out.extend(
                    (1..n.node)
                        .rev()
                        .filter(|d| !ancestors.contains(d))
                        .map(NodeRef::node),
                );
            }
            Axis::Attribute => {
                if let Kind::Element { attrs, .. } = &node.kind {
                    out.extend((1..=attrs.len() as u32).map(|k| NodeRef {
                        node: n.node,
                        attr: k,
                    }));
                }
            }
        }
    }

    fn step(&self, step: &Step, context: &[NodeRef]) -> Vec<NodeRef> {
        let mut result: Vec<NodeRef> = Vec::new();
        let mut axis_nodes = Vec::new();
        for &n in context {
            axis_nodes.clear();
            self.axis(step.axis, n, &mut axis_nodes);
            let mut selected: Vec<NodeRef> = axis_nodes
                .iter()
                .copied()
                .filter(|&m| self.test(&step.test, m, step.axis))
                .collect();
            for pred in &step.predicates {
                selected = self.filter(pred, &selected);
            }
            result.extend(selected);
        }
        result.sort_unstable();
        result.dedup();
        result
    }

    /// Keeps the nodes for which the predicate holds (positions in the given order).
    fn filter(&self, pred: &Expr, nodes: &[NodeRef]) -> Vec<NodeRef> {
        let size = nodes.len();
        nodes
            .iter()
            .enumerate()
            .filter(|&(i, &n)| {
                let ctx = Ctx {
                    node: n,
                    position: i + 1,
                    size,
                };
                match self.expr(pred, &ctx) {
                    XValue::Num(x) => x == (i + 1) as f64,
                    other => self.boolean(&other),
                }
            })
            .map(|(_, &n)| n)
            .collect()
    }

    fn path(&self, p: &LocationPath, ctx: &Ctx) -> Vec<NodeRef> {
        let mut nodes = vec![if p.absolute {
            NodeRef::node(0)
        } else {
            ctx.node
        }];
        for s in &p.steps {
            nodes = self.step(s, &nodes);
            if nodes.is_empty() {
                break;
            }
        }
        nodes
    }

    fn expr(&self, e: &Expr, ctx: &Ctx) -> XValue {
        match e {
            Expr::Or(a, b) => XValue::Bool(self.bool_of(a, ctx) || self.bool_of(b, ctx)),
            Expr::And(a, b) => XValue::Bool(self.bool_of(a, ctx) && self.bool_of(b, ctx)),
            Expr::Compare(op, a, b) => {
                let (l, r) = (self.expr(a, ctx), self.expr(b, ctx));
                XValue::Bool(self.compare(*op, &l, &r))
            }
            Expr::Arith(op, a, b) => {
                let (l, r) = (self.num_of(a, ctx), self.num_of(b, ctx));
                XValue::Num(match op {
                    ArithOp::Add => l + r,
                    ArithOp::Sub => l - r,
                    ArithOp::Mul => l * r,
                    ArithOp::Div => l / r,
                    ArithOp::Mod => l % r,
                })
            }
            Expr::Negate(a) => XValue::Num(-self.num_of(a, ctx)),
            Expr::Union(a, b) => {
                let mut l = match self.expr(a, ctx) {
                    XValue::Nodes(n) => n,
                    _ => Vec::new(),
                };
                if let XValue::Nodes(r) = self.expr(b, ctx) {
                    l.extend(r);
                }
                l.sort_unstable();
                l.dedup();
                XValue::Nodes(l)
            }
            Expr::Literal(s) => XValue::Str(s.as_bytes().to_vec()),
            Expr::Number(n) => XValue::Num(*n),
            Expr::Call(f, args) => self.call(*f, args, ctx),
            Expr::Path(p) => XValue::Nodes(self.path(p, ctx)),
            Expr::Filter {
                base,
                predicates,
                steps,
            } => {
                let mut nodes = match self.expr(base, ctx) {
                    XValue::Nodes(n) => n,
                    other => return other,
                };
                for p in predicates {
                    nodes = self.filter(p, &nodes);
                }
                for s in steps {
                    nodes = self.step(s, &nodes);
                }
                XValue::Nodes(nodes)
            }
        }
    }

    fn bool_of(&self, e: &Expr, ctx: &Ctx) -> bool {
        let v = self.expr(e, ctx);
        self.boolean(&v)
    }

    fn num_of(&self, e: &Expr, ctx: &Ctx) -> f64 {
        let v = self.expr(e, ctx);
        self.number(&v)
    }

    fn str_of(&self, e: &Expr, ctx: &Ctx) -> Vec<u8> {
        let v = self.expr(e, ctx);
        self.string(&v)
    }

    fn boolean(&self, v: &XValue) -> bool {
        match v {
            XValue::Nodes(n) => !n.is_empty(),
            XValue::Str(s) => !s.is_empty(),
            XValue::Num(n) => *n != 0.0 && !n.is_nan(),
            XValue::Bool(b) => *b,
        }
    }

    fn number(&self, v: &XValue) -> f64 {
        match v {
            XValue::Num(n) => *n,
            XValue::Bool(b) => f64::from(u8::from(*b)),
            other => parse_xpath_number(&self.string(other)),
        }
    }

    fn string(&self, v: &XValue) -> Vec<u8> {
        match v {
            XValue::Nodes(n) => n.first().map(|&f| self.string_value(f)).unwrap_or_default(),
            XValue::Str(s) => s.clone(),
            XValue::Num(n) => format_number(*n),
            XValue::Bool(b) => {
                if *b {
                    b"true".to_vec()
                } else {
                    b"false".to_vec()
                }
            }
        }
    }

    fn compare(&self, op: Comparison, l: &XValue, r: &XValue) -> bool {
        let num_cmp = |a: f64, b: f64| match op {
            Comparison::Eq => a == b,
            Comparison::Ne => a != b,
            Comparison::Lt => a < b,
            Comparison::Le => a <= b,
            Comparison::Gt => a > b,
            Comparison::Ge => a >= b,
        };
        let relational = !matches!(op, Comparison::Eq | Comparison::Ne);
        match (l, r) {
            (XValue::Nodes(a), XValue::Nodes(b)) => a.iter().any(|&x| {
                let sx = self.string_value(x);
                b.iter().any(|&y| {
                    let sy = self.string_value(y);
                    if relational {
                        num_cmp(parse_xpath_number(&sx), parse_xpath_number(&sy))
                    } else {
                        (sx == sy) == (op == Comparison::Eq)
                    }
                })
            }),
            (XValue::Nodes(ns), other) | (other, XValue::Nodes(ns)) => {
                let flipped = matches!(l, XValue::Nodes(_)).then_some(()).is_none();
                match other {
                    XValue::Bool(b) => {
                        let nb = !ns.is_empty();
                        let (x, y) = if flipped { (*b, nb) } else { (nb, *b) };
                        self.compare(op, &XValue::Bool(x), &XValue::Bool(y))
                    }
                    XValue::Num(n) => ns.iter().any(|&x| {
                        let v = parse_xpath_number(&self.string_value(x));
                        if flipped {
                            num_cmp(*n, v)
                        } else {
                            num_cmp(v, *n)
                        }
                    }),
                    _ => {
                        let s = self.string(other);
                        ns.iter().any(|&x| {
                            let v = self.string_value(x);
                            if relational {
                                let (a, b) = (parse_xpath_number(&v), parse_xpath_number(&s));
                                if flipped {
                                    num_cmp(b, a)
                                } else {
                                    num_cmp(a, b)
                                }
                            } else {
                                (v == s) == (op == Comparison::Eq)
                            }
                        })
                    }
                }
            }
            _ if relational => num_cmp(self.number(l), self.number(r)),
            (XValue::Bool(_), _) | (_, XValue::Bool(_)) => {
                (self.boolean(l) == self.boolean(r)) == (op == Comparison::Eq)
            }
            (XValue::Num(_), _) | (_, XValue::Num(_)) => num_cmp(self.number(l), self.number(r)),
            _ => (self.string(l) == self.string(r)) == (op == Comparison::Eq),
        }
    }

    fn context_or_arg(&self, args: &[Expr], ctx: &Ctx) -> Option<NodeRef> {
        match args.first() {
            None => Some(ctx.node),
            Some(a) => match self.expr(a, ctx) {
                XValue::Nodes(n) => n.first().copied(),
                _ => None,
            },
        }
    }

    fn call(&self, f: Function, args: &[Expr], ctx: &Ctx) -> XValue {
        let s =
            |i: usize| -> Vec<u8> { args.get(i).map(|a| self.str_of(a, ctx)).unwrap_or_default() };
        match f {
            Function::Last => XValue::Num(ctx.size as f64),
            Function::Position => XValue::Num(ctx.position as f64),
            Function::Count => match args.first().map(|a| self.expr(a, ctx)) {
                Some(XValue::Nodes(n)) => XValue::Num(n.len() as f64),
                _ => XValue::Num(0.0),
            },
            Function::Name | Function::LocalName => {
                let name = self
                    .context_or_arg(args, ctx)
                    .map(|n| self.name(n))
                    .unwrap_or("");
                let name = if f == Function::LocalName {
                    name.rsplit(':').next().unwrap_or(name)
                } else {
                    name
                };
                XValue::Str(name.as_bytes().to_vec())
            }
            Function::String => match args.first() {
                None => XValue::Str(self.string_value(ctx.node)),
                Some(a) => XValue::Str(self.str_of(a, ctx)),
            },
            Function::Concat => {
                XValue::Str(args.iter().flat_map(|a| self.str_of(a, ctx)).collect())
            }
            Function::StartsWith => XValue::Bool(s(0).starts_with(&s(1))),
            Function::EndsWith => XValue::Bool(s(0).ends_with(&s(1))),
            Function::Contains => {
                let (h, n) = (s(0), s(1));
                XValue::Bool(n.is_empty() || h.windows(n.len()).any(|w| w == &n[..]))
            }
            Function::SubstringBefore | Function::SubstringAfter => {
                let (h, n) = (s(0), s(1));
                let pos = if n.is_empty() {
                    Some(0)
                } else {
                    h.windows(n.len()).position(|w| w == &n[..])
                };
                XValue::Str(match (pos, f) {
                    (None, _) => Vec::new(),
                    (Some(p), Function::SubstringBefore) => h[..p].to_vec(),
                    (Some(p), _) => h[p + n.len()..].to_vec(),
                })
            }
            Function::Substring => {
                let text = String::from_utf8_lossy(&s(0)).into_owned();
                let chars: Vec<char> = text.chars().collect();
                let start = args
                    .get(1)
                    .map(|a| self.num_of(a, ctx))
                    .unwrap_or(f64::NAN)
                    .round();
                let len = args
                    .get(2)
                    .map(|a| self.num_of(a, ctx).round())
                    .unwrap_or(f64::INFINITY);
                let out: String = chars
                    .iter()
                    .enumerate()
                    .filter(|&(i, _)| {
                        let p = (i + 1) as f64;
                        p >= start && p < start + len
                    })
                    .map(|(_, c)| *c)
                    .collect();
                XValue::Str(out.into_bytes())
            }
            Function::StringLength => {
                let v = match args.first() {
                    None => self.string_value(ctx.node),
                    Some(a) => self.str_of(a, ctx),
                };
                XValue::Num(String::from_utf8_lossy(&v).chars().count() as f64)
            }
            Function::NormalizeSpace => {
                let v = match args.first() {
                    None => self.string_value(ctx.node),
                    Some(a) => self.str_of(a, ctx),
                };
                let words: Vec<&[u8]> = v
                    .split(|c| c.is_ascii_whitespace())
                    .filter(|w| !w.is_empty())
                    .collect();
                XValue::Str(words.join(&b' '))
            }
            Function::Translate => {
                let (src, from, to) = (s(0), s(1), s(2));
                let (src, from, to) = (
                    String::from_utf8_lossy(&src).into_owned(),
                    String::from_utf8_lossy(&from).chars().collect::<Vec<_>>(),
                    String::from_utf8_lossy(&to).chars().collect::<Vec<_>>(),
                );
                let out: String = src
                    .chars()
                    .filter_map(|c| match from.iter().position(|&x| x == c) {
                        Some(i) => to.get(i).copied(),
                        None => Some(c),
                    })
                    .collect();
                XValue::Str(out.into_bytes())
            }
            Function::Not => XValue::Bool(!args.first().is_some_and(|a| self.bool_of(a, ctx))),
            Function::True => XValue::Bool(true),
            Function::False => XValue::Bool(false),
            Function::Boolean => XValue::Bool(args.first().is_some_and(|a| self.bool_of(a, ctx))),
            Function::Number => XValue::Num(match args.first() {
                None => parse_xpath_number(&self.string_value(ctx.node)),
                Some(a) => self.num_of(a, ctx),
            }),
            Function::Sum => match args.first().map(|a| self.expr(a, ctx)) {
                Some(XValue::Nodes(n)) => XValue::Num(
                    n.iter()
                        .map(|&x| parse_xpath_number(&self.string_value(x)))
                        .sum(),
                ),
                _ => XValue::Num(f64::NAN),
            },
            Function::Floor => XValue::Num(
                args.first()
                    .map(|a| self.num_of(a, ctx))
                    .unwrap_or(f64::NAN)
                    .floor(),
            ),
            Function::Ceiling => XValue::Num(
                args.first()
                    .map(|a| self.num_of(a, ctx))
                    .unwrap_or(f64::NAN)
                    .ceil(),
            ),
            Function::Round => XValue::Num(
                args.first()
                    .map(|a| self.num_of(a, ctx))
                    .unwrap_or(f64::NAN)
                    .round(),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::html;
    use stampede_model::XPath;

    const PAGE: &str = r#"<!DOCTYPE html>
<html><head><title>Items</title></head>
<body>
  <div id="nav"><a href="/">Home</a> <a href="/items?page=2" class="next">Next</a></div>
  <div class="list">
    <div class="item"><a href="/items/1">One</a><span>10</span></div>
    <div class="item"><a href="/items/2">Two</a><span>20</span></div>
    <div class="item sold"><a href="/items/3">Three</a><span>30</span></div>
  </div>
  <form id="new_user" action="/users" method="post">
    <input type="hidden" name="authenticity_token" value="tok+/=">
    <input type="text" name="login">
    <select name="c"><option value="a">A<option value="b" selected>B</select>
  </form>
  <table><tr><td>r1</td><td>x</td></tr><tr><td>r2</td></tr></table>
</body></html>"#;

    fn run(xpath: &str) -> Value {
        let doc = html::parse(PAGE.as_bytes()).unwrap();
        evaluate(XPath::parse(xpath).unwrap().expr(), &doc)
    }

    fn list(items: &[&str]) -> Value {
        Value::List(items.iter().map(|s| Value::from(*s)).collect())
    }

    #[test]
    fn real_world_table() {
        let cases: Vec<(&str, Value)> = vec![
            (
                "//input[@name='authenticity_token']/@value",
                list(&["tok+/="]),
            ),
            (
                "//div[@class='item']/a/@href",
                list(&["/items/1", "/items/2"]),
            ),
            (
                "//div[contains(@class,'item')]/a/@href",
                list(&["/items/1", "/items/2", "/items/3"]),
            ),
            (
                "//a[starts-with(@href,'/items/')]/text()",
                list(&["One", "Two", "Three"]),
            ),
            (
                "/html/body/div[2]/div[*]/a/@href",
                list(&["/items/1", "/items/2", "/items/3"]),
            ),
            ("/html/body/div/div[2]/a/@href", list(&["/items/2"])),
            ("(//div[@class='item'])[last()]/span/text()", list(&["20"])),
            (
                "//div[@class='list']/div[last()]/a/text()",
                list(&["Three"]),
            ),
            ("//title", list(&["Items"])),
            ("//a[@class='next']/@href", list(&["/items?page=2"])),
            ("//option[@selected]/@value", list(&["b"])),
            ("//table/tr[2]/td/text()", list(&["r2"])),
            ("//tr/td[1]/text()", list(&["r1", "r2"])),
            ("count(//div[@class='list']/div)", Value::Int(3)),
            ("sum(//span)", Value::Int(60)),
            ("//span[. > 15]/text()", list(&["20", "30"])),
            ("//form/@id | //form/@method", list(&["new_user", "post"])),
            ("//nothing", Value::empty()),
            ("//a[@href='/']/../@id", list(&["nav"])),
            ("name(//form/*[1])", Value::from("input")),
            ("string(//span)", Value::from("10")),
            ("boolean(//form)", Value::from("true")),
            (
                "//input[@type='hidden' and @name]/@name",
                list(&["authenticity_token"]),
            ),
            ("//div[@id='nav']/a[position()=2]/text()", list(&["Next"])),
            ("//span[following-sibling::*]", Value::empty()),
            (
                "//a[following-sibling::span]/text()",
                list(&["One", "Two", "Three"]),
            ),
            ("//td[preceding-sibling::td]/text()", list(&["x"])),
            ("normalize-space(' a  b ')", Value::from("a b")),
            ("translate('abc','ab','B')", Value::from("Bc")),
            ("substring('12345', 2, 3)", Value::from("234")),
            ("substring-after('k=v','=')", Value::from("v")),
            ("//INPUT[@NAME='login']/@type", list(&["text"])),
        ];
        for (xp, want) in cases {
            assert_eq!(run(xp), want, "{xp}");
        }
    }

    proptest::proptest! {
        #[test]
        fn evaluation_never_panics(
            expr in "[-/@*\\[\\]()a-z0-9'. =!<>|:,]{1,30}",
            html in "(<[a-c]( [a-c]=\"[a-c0-9]{0,3}\")?>|</[a-c]>|[a-c0-9 ]{0,4}){0,20}",
        ) {
            if let (Ok(x), Some(doc)) = (XPath::parse(&expr), html::parse(html.as_bytes())) {
                let _ = evaluate(x.expr(), &doc);
            }
        }
    }

    #[test]
    fn element_string_value_is_its_text() {
        assert_eq!(run("//div[@class='item'][1]"), list(&["One10"]));
    }
}
