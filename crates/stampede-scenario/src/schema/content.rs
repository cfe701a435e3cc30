//! Content models (which children, in which order) and a small automaton that checks a list
//! of children against one and says what was expected where it fails.

use std::fmt;

/// A content model, as in a DTD: `(a, b?, (c | d)*)`.
#[derive(Debug)]
pub(crate) enum Particle {
    Elem(&'static str),
    Seq(&'static [Particle]),
    Choice(&'static [Particle]),
    Opt(&'static Particle),
    Star(&'static Particle),
    Plus(&'static Particle),
}

impl Particle {
    /// Every element name the model mentions, in order, without repeats.
    pub(crate) fn names(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        self.collect(&mut out);
        out
    }

    fn collect(&self, out: &mut Vec<&'static str>) {
        match self {
            Particle::Elem(n) => {
                if !out.contains(n) {
                    out.push(n);
                }
            }
            Particle::Seq(ps) | Particle::Choice(ps) => ps.iter().for_each(|p| p.collect(out)),
            Particle::Opt(p) | Particle::Star(p) | Particle::Plus(p) => p.collect(out),
        }
    }
}

impl fmt::Display for Particle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn group(f: &mut fmt::Formatter<'_>, ps: &[Particle], sep: &str) -> fmt::Result {
            f.write_str("(")?;
            for (i, p) in ps.iter().enumerate() {
                if i > 0 {
                    f.write_str(sep)?;
                }
                write!(f, "{p}")?;
            }
            f.write_str(")")
        }
        match self {
            Particle::Elem(n) => f.write_str(n),
            Particle::Seq(ps) => group(f, ps, ", "),
            Particle::Choice(ps) => group(f, ps, " | "),
            Particle::Opt(p) => write!(f, "{p}?"),
            Particle::Star(p) => write!(f, "{p}*"),
            Particle::Plus(p) => write!(f, "{p}+"),
        }
    }
}

/// A non-deterministic automaton for one content model.
#[derive(Debug)]
pub(crate) struct Automaton {
    /// Per state: ε-moves and labelled moves.
    eps: Vec<Vec<usize>>,
    moves: Vec<Vec<(&'static str, usize)>>,
    start: usize,
    accept: usize,
}

/// A set of automaton states (sorted, unique).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct States(Vec<usize>);

impl States {
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Automaton {
    pub(crate) fn new(p: &'static Particle) -> Self {
        let mut a = Automaton {
            eps: Vec::new(),
            moves: Vec::new(),
            start: 0,
            accept: 0,
        };
        let (s, e) = a.build(p);
        a.start = s;
        a.accept = e;
        a
    }

    fn state(&mut self) -> usize {
        self.eps.push(Vec::new());
        self.moves.push(Vec::new());
        self.eps.len() - 1
    }

    fn build(&mut self, p: &'static Particle) -> (usize, usize) {
        match p {
            Particle::Elem(n) => {
                let s = self.state();
                let e = self.state();
                self.moves[s].push((n, e));
                (s, e)
            }
            Particle::Seq(ps) => {
                let s = self.state();
                let mut cur = s;
                for p in ps.iter() {
                    let (is, ie) = self.build(p);
                    self.eps[cur].push(is);
                    cur = ie;
                }
                (s, cur)
            }
            Particle::Choice(ps) => {
                let s = self.state();
                let e = self.state();
                for p in ps.iter() {
                    let (is, ie) = self.build(p);
                    self.eps[s].push(is);
                    self.eps[ie].push(e);
                }
                (s, e)
            }
            Particle::Opt(p) => {
                let (is, ie) = self.build(p);
                let s = self.state();
                let e = self.state();
                self.eps[s].extend([is, e]);
                self.eps[ie].push(e);
                (s, e)
            }
            Particle::Star(p) => {
                let (is, ie) = self.build(p);
                let s = self.state();
                let e = self.state();
                self.eps[s].extend([is, e]);
                self.eps[ie].extend([is, e]);
                (s, e)
            }
            Particle::Plus(p) => {
                let (is, ie) = self.build(p);
                let s = self.state();
                let e = self.state();
                self.eps[s].push(is);
                self.eps[ie].extend([is, e]);
                (s, e)
            }
        }
    }

    fn closure(&self, mut set: Vec<usize>) -> States {
        let mut stack = set.clone();
        while let Some(s) = stack.pop() {
            for &n in &self.eps[s] {
                if !set.contains(&n) {
                    set.push(n);
                    stack.push(n);
                }
            }
        }
        set.sort_unstable();
        set.dedup();
        States(set)
    }

    /// The states before any child.
    pub(crate) fn initial(&self) -> States {
        self.closure(vec![self.start])
    }

    /// The states after reading a child named `name` (empty when it is not allowed).
    pub(crate) fn step(&self, from: &States, name: &str) -> States {
        let next: Vec<usize> = from
            .0
            .iter()
            .flat_map(|&s| self.moves[s].iter())
            .filter(|(n, _)| *n == name)
            .map(|&(_, t)| t)
            .collect();
        self.closure(next)
    }

    /// Whether the children so far form a complete content.
    pub(crate) fn accepts(&self, set: &States) -> bool {
        set.0.contains(&self.accept)
    }

    /// The element names allowed next.
    pub(crate) fn expected(&self, set: &States) -> Vec<&'static str> {
        let mut out: Vec<&'static str> = Vec::new();
        for &s in &set.0 {
            for &(n, _) in &self.moves[s] {
                if !out.contains(&n) {
                    out.push(n);
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::Particle::*;
    use super::*;

    static ROOT: Particle = Seq(&[Opt(&Elem("info")), Elem("a"), Star(&Elem("b")), Elem("c")]);
    static ONE_OF: Particle = Choice(&[Star(&Elem("ip")), Elem("range")]);

    fn run(m: &Automaton, names: &[&str]) -> Result<bool, usize> {
        let mut set = m.initial();
        for (i, n) in names.iter().enumerate() {
            set = m.step(&set, n);
            if set.is_empty() {
                return Err(i);
            }
        }
        Ok(m.accepts(&set))
    }

    #[test]
    fn sequences_with_optional_and_repeated_parts() {
        let m = Automaton::new(&ROOT);
        assert_eq!(run(&m, &["a", "c"]), Ok(true));
        assert_eq!(run(&m, &["info", "a", "b", "b", "c"]), Ok(true));
        assert_eq!(run(&m, &["a", "b"]), Ok(false));
        assert_eq!(run(&m, &["a", "c", "b"]), Err(2));
        assert_eq!(run(&m, &["b"]), Err(0));
        let after_a = m.step(&m.initial(), "a");
        assert_eq!(m.expected(&after_a), vec!["b", "c"]);
        assert_eq!(m.expected(&m.initial()), vec!["info", "a"]);
    }

    #[test]
    fn choice_between_a_list_and_one() {
        let m = Automaton::new(&ONE_OF);
        assert_eq!(run(&m, &[]), Ok(true));
        assert_eq!(run(&m, &["ip", "ip"]), Ok(true));
        assert_eq!(run(&m, &["range"]), Ok(true));
        assert_eq!(run(&m, &["ip", "range"]), Err(1));
    }

    #[test]
    fn display_reads_like_a_dtd() {
        assert_eq!(ROOT.to_string(), "(info?, a, b*, c)");
        assert_eq!(ONE_OF.to_string(), "(ip* | range)");
    }
}
