//! The structured difference between a prior and a planned value, computed the way Terraform's
//! plan renderer computes it (`internal/command/jsonformat/differ`): every attribute, key and
//! element gets its own action, so the human renderer can mark each line with `+`, `~` or `-`.
//!
//! Differences from Terraform: there is no provider schema here, so nested blocks are diffed
//! (and shown) as object-typed attributes; string values holding JSON are diffed as strings.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use similar::algorithms::{myers, Capture, Replace};
use similar::DiffOp;

use crate::lang::{Value, ValueKind};
use crate::plan::Action;
use crate::providers::schema::{AttrPath, PathStep};

/// Nesting deeper than this is not diffed (values this deep do not come out of configuration,
/// but nothing here may overflow the stack on a hostile value).
pub(crate) const MAX_DEPTH: usize = 64;

/// One part of a change: what happens to it and how to show it.
#[derive(Debug)]
pub(crate) struct Diff<'a> {
    /// `NoOp`, `Create`, `Update` or `Delete` (replacement is only ever a whole-resource action).
    pub action: Action,
    /// A change of this part forces the replacement of the whole object.
    pub replace: bool,
    /// The provider's note on how it carries out a change of this part.
    pub note: Option<&'a str>,
    pub node: Node<'a>,
}

#[derive(Debug)]
pub(crate) enum Node<'a> {
    /// A known, non-sensitive leaf; `None` is null or absent.
    Primitive {
        before: Option<&'a Value>,
        after: Option<&'a Value>,
    },
    /// Not known until apply; `before` is the prior value, diffed as if deleted.
    Unknown { before: Option<Box<Diff<'a>>> },
    /// Sensitive before and/or after; never shown.
    Sensitive {
        before: bool,
        after: bool,
        /// The action on the hidden values themselves.
        inner: Action,
    },
    /// Object attributes, sorted by name.
    Object(Vec<(&'a str, Diff<'a>)>),
    /// Map elements, sorted by key.
    Map(Vec<(&'a str, Diff<'a>)>),
    /// List or tuple elements, aligned by a longest-common-subsequence diff.
    List(Vec<Diff<'a>>),
    /// Set elements, matched by equality.
    Set(Vec<Diff<'a>>),
    /// A value whose kind changes (e.g. string to list): the old one deleted, the new one created.
    TypeChange(Box<Diff<'a>>, Box<Diff<'a>>),
    /// Nested deeper than [`MAX_DEPTH`].
    TooDeep,
}

impl Diff<'_> {
    /// The diffs directly below this one, with their attribute or key names (elements unnamed).
    pub fn children(&self) -> Vec<(Option<&str>, &Diff<'_>)> {
        match &self.node {
            Node::Object(entries) | Node::Map(entries) => {
                entries.iter().map(|(k, d)| (Some(*k), d)).collect()
            }
            Node::List(elems) | Node::Set(elems) => elems.iter().map(|d| (None, d)).collect(),
            _ => Vec::new(),
        }
    }
}

/// Computes diffs, carrying the path of the part being diffed to look up replace paths and notes.
pub(crate) struct Differ<'a> {
    replace_paths: &'a [AttrPath],
    notes: Option<&'a BTreeMap<AttrPath, String>>,
    path: Vec<PathStep>,
}

impl<'a> Differ<'a> {
    pub fn new(
        replace_paths: &'a [AttrPath],
        notes: Option<&'a BTreeMap<AttrPath, String>>,
    ) -> Self {
        Differ {
            replace_paths,
            notes,
            path: Vec::new(),
        }
    }

    /// The diff from `before` to `after` (`None`: no object, as for a create or a delete).
    pub fn diff(&mut self, before: Option<&'a Value>, after: Option<&'a Value>) -> Diff<'a> {
        self.diff_at(before, after, false)
    }

    fn diff_at(
        &mut self,
        before: Option<&'a Value>,
        after: Option<&'a Value>,
        ignore_marks: bool,
    ) -> Diff<'a> {
        let replace = self.replace_paths.iter().any(|p| p.0 == self.path);
        let note = self
            .notes
            .filter(|notes| !notes.is_empty())
            .and_then(|notes| notes.get(&AttrPath(self.path.clone())))
            .map(String::as_str);
        let diff = |action, node| Diff {
            action,
            replace,
            note,
            node,
        };

        // Null is the same as absent, sensitive or not: a schema marks its sensitive attributes
        // whether set or not, and an unset one has nothing to hide.
        let present = |v: Option<&'a Value>| v.filter(|v| !v.is_null());
        let (before, after) = (present(before), present(after));

        if self.path.len() > MAX_DEPTH {
            let action = leaf_action(before, after, ignore_marks);
            return diff(action, Node::TooDeep);
        }

        if !ignore_marks {
            let before_sensitive = before.is_some_and(Value::is_sensitive);
            let after_sensitive = after.is_some_and(Value::is_sensitive);
            if before_sensitive || after_sensitive {
                let inner = self.diff_at(before, after, true).action;
                let action = if inner == Action::NoOp && before_sensitive != after_sensitive {
                    Action::Update
                } else {
                    inner
                };
                return diff(
                    action,
                    Node::Sensitive {
                        before: before_sensitive,
                        after: after_sensitive,
                        inner,
                    },
                );
            }
        }

        if after.is_some_and(|a| !a.is_known()) {
            return match before {
                None => diff(Action::Create, Node::Unknown { before: None }),
                Some(b) => {
                    let before_diff = self.diff_at(Some(b), None, false);
                    diff(
                        Action::Update,
                        Node::Unknown {
                            before: Some(Box::new(before_diff)),
                        },
                    )
                }
            };
        }

        let shape_before = before.map(shape);
        let shape_after = after.map(shape);
        let shape = match (shape_before, shape_after) {
            (Some(b), Some(a)) if b != a => {
                let old = self.diff_at(before, None, false);
                let new = self.diff_at(None, after, false);
                return diff(
                    Action::Update,
                    Node::TypeChange(Box::new(old), Box::new(new)),
                );
            }
            (b, a) => a.or(b).unwrap_or(Shape::Primitive),
        };
        let default = iteration_default(before, after);
        match shape {
            Shape::Primitive => diff(
                leaf_action(before, after, ignore_marks),
                Node::Primitive { before, after },
            ),
            Shape::Mapping => {
                let is_map = matches!(after.or(before).map(Value::kind), Some(ValueKind::Map(_)));
                let (entries, action) = self.diff_mapping(before, after, is_map, default);
                if is_map {
                    diff(action, Node::Map(entries))
                } else {
                    diff(action, Node::Object(entries))
                }
            }
            Shape::Sequence => {
                let both_sets = [before, after]
                    .iter()
                    .flatten()
                    .all(|v| matches!(v.kind(), ValueKind::Set(_)));
                if both_sets {
                    let (elems, action) = self.diff_set(before, after, default);
                    diff(action, Node::Set(elems))
                } else {
                    let (elems, action) = self.diff_list(before, after, default);
                    diff(action, Node::List(elems))
                }
            }
        }
    }

    fn diff_mapping(
        &mut self,
        before: Option<&'a Value>,
        after: Option<&'a Value>,
        is_map: bool,
        mut action: Action,
    ) -> (Vec<(&'a str, Diff<'a>)>, Action) {
        let empty = &EMPTY_MAP;
        let b = before.and_then(Value::as_map).unwrap_or(empty);
        let a = after.and_then(Value::as_map).unwrap_or(empty);
        let mut entries = Vec::with_capacity(a.len().max(b.len()));
        // Both sides are sorted: a merge visits each key once.
        let mut bi = b.iter().peekable();
        let mut ai = a.iter().peekable();
        loop {
            let (key, bv, av) = match (bi.peek(), ai.peek()) {
                (None, None) => break,
                (Some((bk, _)), Some((ak, _))) => match bk.cmp(ak) {
                    Ordering::Less => {
                        let (k, v) = bi.next().expect("peeked");
                        (k, Some(v), None)
                    }
                    Ordering::Greater => {
                        let (k, v) = ai.next().expect("peeked");
                        (k, None, Some(v))
                    }
                    Ordering::Equal => {
                        let (k, v) = bi.next().expect("peeked");
                        let (_, w) = ai.next().expect("peeked");
                        (k, Some(v), Some(w))
                    }
                },
                (Some(_), None) => {
                    let (k, v) = bi.next().expect("peeked");
                    (k, Some(v), None)
                }
                (None, Some(_)) => {
                    let (k, v) = ai.next().expect("peeked");
                    (k, None, Some(v))
                }
            };
            self.path.push(if is_map {
                PathStep::Key(key.clone())
            } else {
                PathStep::Attr(key.clone())
            });
            let child = self.diff_at(bv, av, false);
            self.path.pop();
            // Object attributes null before and after are not shown at all (not even counted).
            let both_null = bv.is_none_or(Value::is_null) && av.is_none_or(Value::is_null);
            if !is_map && child.action == Action::NoOp && both_null {
                continue;
            }
            action = combine(action, child.action);
            entries.push((key.as_str(), child));
        }
        (entries, action)
    }

    fn diff_list(
        &mut self,
        before: Option<&'a Value>,
        after: Option<&'a Value>,
        mut action: Action,
    ) -> (Vec<Diff<'a>>, Action) {
        let b = before.and_then(Value::as_seq).unwrap_or(&[]);
        let a = after.and_then(Value::as_seq).unwrap_or(&[]);
        let mut elems = Vec::with_capacity(a.len().max(b.len()));
        let mut push = |this: &mut Self, bi: Option<usize>, ai: Option<usize>| {
            let index = ai.or(bi).unwrap_or(0);
            this.path
                .push(PathStep::Index(i64::try_from(index).unwrap_or(i64::MAX)));
            let child = this.diff_at(bi.and_then(|i| b.get(i)), ai.and_then(|i| a.get(i)), false);
            this.path.pop();
            action = combine(action, child.action);
            elems.push(child);
        };
        for op in align(b, a, identical) {
            match op {
                DiffOp::Equal {
                    old_index,
                    new_index,
                    len,
                } => {
                    for k in 0..len {
                        push(self, Some(old_index + k), Some(new_index + k));
                    }
                }
                DiffOp::Delete {
                    old_index, old_len, ..
                } => {
                    for i in old_index..old_index + old_len {
                        push(self, Some(i), None);
                    }
                }
                DiffOp::Insert {
                    new_index, new_len, ..
                } => {
                    for j in new_index..new_index + new_len {
                        push(self, None, Some(j));
                    }
                }
                DiffOp::Replace {
                    old_index,
                    old_len,
                    new_index,
                    new_len,
                } => {
                    // As Terraform does, objects replaced by objects are diffed in place;
                    // anything else is deleted, then the rest created.
                    let new_end = new_index + new_len;
                    let mut j = new_index;
                    for i in old_index..old_index + old_len {
                        let pairable = j < new_end
                            && b.get(i).is_some_and(is_mapping)
                            && a.get(j).is_some_and(is_mapping);
                        if pairable {
                            push(self, Some(i), Some(j));
                            j += 1;
                        } else {
                            push(self, Some(i), None);
                        }
                    }
                    for j in j..new_end {
                        push(self, None, Some(j));
                    }
                }
            }
        }
        (elems, action)
    }

    fn diff_set(
        &mut self,
        before: Option<&'a Value>,
        after: Option<&'a Value>,
        mut action: Action,
    ) -> (Vec<Diff<'a>>, Action) {
        let b = before.and_then(Value::as_seq).unwrap_or(&[]);
        let a = after.and_then(Value::as_seq).unwrap_or(&[]);
        let mut elems = Vec::with_capacity(a.len().max(b.len()));
        // Sets are kept in canonical order: a merge matches equal elements in one pass.
        let (mut i, mut j) = (0, 0);
        while i < b.len() || j < a.len() {
            let (bi, ai) = match (b.get(i), a.get(j)) {
                (Some(x), Some(y)) if identical(x, y) => (Some(i), Some(j)),
                (Some(x), Some(y)) => match Value::canonical_cmp(x, y) {
                    Ordering::Greater => (None, Some(j)),
                    _ => (Some(i), None),
                },
                (Some(_), None) => (Some(i), None),
                (None, _) => (None, Some(j)),
            };
            let index = if ai.is_some() { j } else { i };
            self.path
                .push(PathStep::Index(i64::try_from(index).unwrap_or(i64::MAX)));
            let child = self.diff_at(bi.and_then(|i| b.get(i)), ai.and_then(|j| a.get(j)), false);
            self.path.pop();
            i += usize::from(bi.is_some());
            j += usize::from(ai.is_some());
            action = combine(action, child.action);
            elems.push(child);
        }
        (elems, action)
    }
}

static EMPTY_MAP: BTreeMap<String, Value> = BTreeMap::new();

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Shape {
    Primitive,
    Mapping,
    Sequence,
}

/// Maps and objects (and lists, tuples and sets) are diffed alike, so a value decoded without
/// its type (an object) still lines up with the typed planned value (a map).
fn shape(v: &Value) -> Shape {
    match v.kind() {
        ValueKind::Map(_) | ValueKind::Object(_) => Shape::Mapping,
        ValueKind::List(_) | ValueKind::Tuple(_) | ValueKind::Set(_) => Shape::Sequence,
        _ => Shape::Primitive,
    }
}

fn is_mapping(v: &Value) -> bool {
    shape(v) == Shape::Mapping
}

/// The action on a leaf; `ignore_marks`: whether the values' own sensitive marks are ignored
/// (when computing what happens under a sensitive mark).
fn leaf_action(before: Option<&Value>, after: Option<&Value>, ignore_marks: bool) -> Action {
    match (before, after) {
        (None, None) => Action::NoOp,
        (None, Some(_)) => Action::Create,
        (Some(_), None) => Action::Delete,
        (Some(b), Some(a)) if same(b, a, !ignore_marks) => Action::NoOp,
        _ => Action::Update,
    }
}

/// The action of a collection before looking at its elements.
fn iteration_default(before: Option<&Value>, after: Option<&Value>) -> Action {
    match (before, after) {
        (None, Some(_)) => Action::Create,
        (Some(_), None) => Action::Delete,
        _ => Action::NoOp,
    }
}

/// Terraform's CompareActions: children that all agree keep the action, any mix is an update.
fn combine(current: Action, next: Action) -> Action {
    if next == Action::NoOp || current == next {
        current
    } else {
        Action::Update
    }
}

/// Whether two values are the same, marks included; unknown values equal nothing.
pub(crate) fn identical(a: &Value, b: &Value) -> bool {
    same(a, b, true)
}

/// [`identical`], optionally ignoring the two values' own marks (not their elements').
fn same(a: &Value, b: &Value, own_marks: bool) -> bool {
    if own_marks && a.is_sensitive() != b.is_sensitive() {
        return false;
    }
    match (a.kind(), b.kind()) {
        (ValueKind::Null(_), ValueKind::Null(_)) => true,
        (ValueKind::Bool(x), ValueKind::Bool(y)) => x == y,
        (ValueKind::Number(x), ValueKind::Number(y)) => x == y,
        (ValueKind::String(x), ValueKind::String(y)) => x == y,
        (
            ValueKind::List(x) | ValueKind::Tuple(x) | ValueKind::Set(x),
            ValueKind::List(y) | ValueKind::Tuple(y) | ValueKind::Set(y),
        ) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| identical(p, q)),
        (ValueKind::Map(x) | ValueKind::Object(x), ValueKind::Map(y) | ValueKind::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((k, p), (l, q))| k == l && identical(p, q))
        }
        _ => false,
    }
}

/// Aligns two sequences with a Myers diff (no quadratic LCS table), adjacent deletes and
/// inserts merged into replaces.
pub(crate) fn align<T>(old: &[T], new: &[T], eq: fn(&T, &T) -> bool) -> Vec<DiffOp> {
    struct Item<'t, T> {
        value: &'t T,
        eq: fn(&T, &T) -> bool,
    }
    impl<T> PartialEq for Item<'_, T> {
        fn eq(&self, other: &Self) -> bool {
            (self.eq)(self.value, other.value)
        }
    }
    fn wrap<T>(s: &[T], eq: fn(&T, &T) -> bool) -> Vec<Item<'_, T>> {
        s.iter().map(|value| Item { value, eq }).collect()
    }
    let (old, new) = (wrap(old, eq), wrap(new, eq));
    let mut hook = Replace::new(Capture::new());
    // Capture never fails.
    let _ = myers::diff(&mut hook, &old, 0..old.len(), &new, 0..new.len());
    hook.into_inner().into_ops()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::Type;

    fn obj(entries: &[(&str, Value)]) -> Value {
        Value::object(
            entries
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    #[test]
    fn actions_per_attribute() {
        let before = obj(&[
            ("a", Value::string("x")),
            ("b", Value::number(1.0)),
            ("c", Value::bool(true)),
        ]);
        let after = obj(&[
            ("a", Value::string("x")),
            ("b", Value::number(2.0)),
            ("d", Value::unknown(Type::String)),
            ("e", Value::null()),
        ]);
        let d = Differ::new(&[], None).diff(Some(&before), Some(&after));
        assert_eq!(d.action, Action::Update);
        let got: Vec<_> = d
            .children()
            .into_iter()
            .map(|(k, c)| (k.unwrap_or_default().to_string(), c.action))
            .collect();
        assert_eq!(
            got,
            vec![
                ("a".to_string(), Action::NoOp),
                ("b".to_string(), Action::Update),
                ("c".to_string(), Action::Delete),
                ("d".to_string(), Action::Create),
            ]
        );
    }

    #[test]
    fn list_alignment_finds_insertions() {
        let s = |x: &str| Value::string(x);
        let before = Value::list(vec![s("a"), s("b"), s("c")]);
        let after = Value::list(vec![s("a"), s("x"), s("b"), s("c")]);
        let d = Differ::new(&[], None).diff(Some(&before), Some(&after));
        let actions: Vec<_> = d.children().iter().map(|(_, c)| c.action).collect();
        assert_eq!(
            actions,
            vec![Action::NoOp, Action::Create, Action::NoOp, Action::NoOp]
        );
    }

    #[test]
    fn sets_match_by_value() {
        let s = |x: &str| Value::string(x);
        let before = Value::set(vec![s("a"), s("b")]);
        let after = Value::set(vec![s("b"), s("c")]);
        let d = Differ::new(&[], None).diff(Some(&before), Some(&after));
        let actions: Vec<_> = d.children().iter().map(|(_, c)| c.action).collect();
        assert_eq!(actions, vec![Action::Delete, Action::NoOp, Action::Create]);
    }

    #[test]
    fn sensitivity_change_alone_is_an_update() {
        let before = Value::string("x");
        let after = Value::string("x").mark_sensitive();
        let d = Differ::new(&[], None).diff(Some(&before), Some(&after));
        assert_eq!(d.action, Action::Update);
        assert!(matches!(
            d.node,
            Node::Sensitive {
                before: false,
                after: true,
                inner: Action::NoOp
            }
        ));
    }

    #[test]
    fn deep_values_stop_at_the_bound() {
        let mut v = Value::string("leaf");
        for _ in 0..(MAX_DEPTH * 2) {
            v = Value::list(vec![v]);
        }
        let d = Differ::new(&[], None).diff(None, Some(&v));
        assert_eq!(d.action, Action::Create);
        let mut depth = 0;
        let mut cur = &d;
        while let Some((_, c)) = cur.children().first().copied() {
            cur = c;
            depth += 1;
        }
        assert!(matches!(cur.node, Node::TooDeep));
        assert_eq!(depth, MAX_DEPTH + 1);
    }
}
