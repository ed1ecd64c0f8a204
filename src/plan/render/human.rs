//! The plan as people read it, in the layout of `terraform plan`.
//!
//! ```text
//!   # flink_job.etl["orders"] will be updated in-place
//!   ~ resource "flink_job" "etl" {
//!         id          = "orders"
//!       ~ parallelism = 2 -> 4 # restart from savepoint
//!         # (3 unchanged attributes hidden)
//!     }
//! ```
//!
//! Sensitive values show as `(sensitive value)`, in values and in diffs alike; values not known
//! until apply as `(known after apply)`. Multi-line strings are shown as a line diff inside a
//! `<<-EOT` block. Colour (ANSI) only when asked for.

use std::fmt::Write;

use super::diff::{align, Diff, Differ, Node};
use super::{
    describe_delete_reason, ordered_changes, plain_symbol, resource_mode_word, sanitize_line,
    shown_in_plan, Painter, DATA_READ_NOTE,
};
use crate::lang::value::{is_identifier, quote_string};
use crate::lang::{Value, ValueKind};
use crate::plan::{Action, ActionReason, Plan, PlanMode, ResourceChange};

/// How to render.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HumanOptions {
    /// ANSI colours and bold; without it the text has no escape codes at all.
    pub color: bool,
}

/// Terraform's rule width: a terminal of 78 columns, less one.
const RULE_WIDTH: usize = 77;

/// Renders the whole plan: drift, the changes, the summary line and output changes, or the
/// "No changes." message.
pub fn render_plan(plan: &Plan, opts: &HumanOptions) -> String {
    render(plan, opts.color, false)
}

/// [`render_plan`], optionally with each line's `+`, `-` or `~` moved to the first column (its
/// place taken by a space) so a Markdown ```` ```diff ```` block highlights the lines.
pub(super) fn render(plan: &Plan, color: bool, markers_first: bool) -> String {
    let r = Renderer {
        paint: Painter::new(color),
        markers_first,
    };
    let mut out = String::new();

    let changes: Vec<&ResourceChange> = ordered_changes(&plan.changes)
        .into_iter()
        .filter(|c| shown_in_plan(c))
        .collect();
    let outputs = r.outputs(plan);
    let anything_to_do = !changes.is_empty() || !outputs.is_empty();

    let drift_shown = r.drift(&mut out, plan, anything_to_do);

    if !anything_to_do {
        let (headline, detail) = match plan.mode {
            PlanMode::RefreshOnly if drift_shown => return out,
            PlanMode::RefreshOnly => (
                "Your infrastructure still matches the configuration.",
                "flinkform has checked that the real remote objects still match the result of your most recent changes, and found no differences.",
            ),
            PlanMode::Destroy => (
                "No objects need to be destroyed.",
                "Either you have not created any objects yet or the existing objects were already deleted outside of flinkform.",
            ),
            PlanMode::Normal => (
                "Your infrastructure matches the configuration.",
                "flinkform has compared your real infrastructure against your configuration and found no differences, so no changes are needed.",
            ),
        };
        let _ = write!(
            out,
            "\n{} {}\n\n{detail}\n",
            r.paint.bold_green("No changes."),
            r.paint.bold(headline)
        );
        return out;
    }

    if drift_shown {
        out.push('\n');
        out.push_str(&r.paint.dim(&"─".repeat(RULE_WIDTH)));
        out.push('\n');
    }

    if !changes.is_empty() {
        out.push_str("\nflinkform used the selected providers to generate the following execution plan. Resource actions are indicated with the following symbols:\n");
        const LEGEND: [(Action, &str); 6] = [
            (Action::Create, "create"),
            (Action::Update, "update in-place"),
            (Action::Delete, "destroy"),
            (
                Action::DeleteThenCreate,
                "destroy and then create replacement",
            ),
            (
                Action::CreateThenDelete,
                "create replacement and then destroy",
            ),
            (Action::Read, "read (data resources)"),
        ];
        for (action, text) in LEGEND {
            if changes.iter().any(|c| c.action == action) {
                let _ = writeln!(out, "{} {text}", r.paint.symbol(action));
            }
        }
        out.push_str("\nflinkform will perform the following actions:\n");
        for change in &changes {
            out.push('\n');
            out.push_str(&r.resource(change, Cause::Plan));
            out.push('\n');
        }
        let counts = plan.counts();
        let _ = write!(
            out,
            "\n{} {} to add, {} to change, {} to destroy.\n",
            r.paint.bold("Plan:"),
            counts.add,
            counts.change,
            counts.destroy
        );
    }

    if !outputs.is_empty() {
        out.push_str("\nChanges to Outputs:\n");
        out.push_str(&outputs);
        out.push('\n');
        if changes.is_empty() {
            out.push_str("\nYou can apply this plan to save these new output values to the flinkform state, without changing any real infrastructure.\n");
        }
    }
    out
}

/// Why a resource is listed: a planned change or a difference found by refresh.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Cause {
    Plan,
    Drift,
}

/// Rendering options passed down the diff tree (Terraform's RenderHumanOpts).
#[derive(Clone, Copy, Default)]
struct Opts {
    /// Do not print ` -> null` after deleted values (their container already says so).
    override_null_suffix: bool,
    /// Print unchanged children instead of counting them.
    show_unchanged: bool,
    /// Do not print `# forces replacement` or the note (printed by the enclosing part).
    forbid_comment: bool,
}

/// Attributes always shown, changed or not, to help find the object.
fn important(name: &str) -> bool {
    matches!(name, "id" | "name" | "tags")
}

fn indent(level: usize) -> String {
    "    ".repeat(level)
}

struct Renderer {
    paint: Painter,
    markers_first: bool,
}

impl Renderer {
    /// The start of a line at `level`: the indentation and the action symbol.
    fn lead(&self, level: usize, action: Action) -> String {
        if self.markers_first && matches!(action, Action::Create | Action::Update | Action::Delete)
        {
            return format!("{}{}", plain_symbol(action), " ".repeat(level * 4 + 2));
        }
        format!("{}{}", indent(level), self.paint.symbol(action))
    }

    /// The drift section; returns whether it was printed.
    fn drift(&self, out: &mut String, plan: &Plan, anything_to_do: bool) -> bool {
        let refresh_only = plan.mode == PlanMode::RefreshOnly;
        let drift: Vec<&ResourceChange> = ordered_changes(&plan.drift)
            .into_iter()
            .filter(|c| c.action != Action::NoOp)
            .collect();
        // Drift only matters when it explains planned changes, or is the point of the plan.
        if drift.is_empty() || (!anything_to_do && !refresh_only) {
            return false;
        }
        let _ = write!(
            out,
            "\n{} {}\n\n",
            self.paint.bold_cyan("Note:"),
            self.paint.bold("Objects have changed outside of flinkform")
        );
        out.push_str("flinkform detected the following changes made outside of flinkform since the last \"flinkform apply\" which may have affected this plan:\n");
        for change in drift {
            out.push('\n');
            out.push_str(&self.resource(change, Cause::Drift));
            out.push('\n');
        }
        if refresh_only {
            out.push_str("\n\nThis is a refresh-only plan, so flinkform will not take any actions to undo these. If you were expecting these changes then you can apply this plan to record the updated values in the flinkform state without changing any remote objects.\n");
        } else {
            out.push_str("\n\nUnless you have made equivalent changes to your configuration, or ignored the relevant attributes using ignore_changes, the following plan may include actions to undo or respond to these changes.\n");
        }
        true
    }

    /// One resource instance: the `#` comment line(s) and the block.
    fn resource(&self, change: &ResourceChange, cause: Cause) -> String {
        let mut out = self.resource_comment(change, cause);
        let resource = &change.addr.resource.resource;
        let mut differ = Differ::new(&change.replace_paths, Some(&change.notes));
        let diff = differ.diff(change.before.as_ref(), change.after.as_ref());
        let _ = write!(
            out,
            "{} {} {} {} {}",
            self.lead(0, change.action),
            resource_mode_word(resource.mode),
            quote_string(&resource.type_name),
            quote_string(&resource.name),
            self.block(&diff, 0, Opts::default())
        );
        out
    }

    fn resource_comment(&self, change: &ResourceChange, cause: Cause) -> String {
        let p = &self.paint;
        let addr = p.bold(&format!("  # {}", change.addr));
        let replaced = p.bold_red("replaced");
        let mut out = match change.action {
            Action::Create => format!("{addr} will be created"),
            Action::Read => format!("{addr} will be read during apply\n  # {DATA_READ_NOTE}"),
            Action::Update if cause == Cause::Drift => format!("{addr} has changed"),
            Action::Update => format!("{addr} will be updated in-place"),
            Action::DeleteThenCreate | Action::CreateThenDelete => match change.reason {
                Some(ActionReason::Tainted) => {
                    format!("{addr} is tainted, so it must be {replaced}")
                }
                Some(ActionReason::ReplaceByRequest) => {
                    format!("{addr} will be {replaced}, as requested")
                }
                Some(ActionReason::ReplaceByTriggers) => {
                    format!("{addr} will be {replaced} due to changes in replace_triggered_by")
                }
                _ => format!("{addr} must be {replaced}"),
            },
            Action::Delete => {
                let mut s = if cause == Cause::Drift {
                    format!("{addr} has been deleted")
                } else {
                    format!("{addr} will be {}", p.bold_red("destroyed"))
                };
                if let Some(why) = change
                    .reason
                    .as_ref()
                    .and_then(|r| describe_delete_reason(change, r))
                {
                    let _ = write!(s, "\n  # ({why})");
                }
                s
            }
            Action::NoOp => format!("{addr} has no changes"),
        };
        out.push('\n');
        out
    }

    /// The changed root outputs, one per line, names aligned; empty when none changed.
    fn outputs(&self, plan: &Plan) -> String {
        let mut outputs: Vec<_> = plan.output_changes.iter().collect();
        outputs.sort_by(|a, b| a.name.cmp(&b.name));
        let names: Vec<String> = outputs.iter().map(|o| attribute_name(&o.name)).collect();
        let width = names.iter().map(|n| n.chars().count()).max().unwrap_or(0);
        let mut lines = Vec::new();
        for (output, name) in outputs.iter().zip(&names) {
            if output.action == Action::NoOp {
                continue;
            }
            let mark = |v: &Option<Value>| v.clone().map(|v| v.mark_sensitive_if(output.sensitive));
            let (before, after) = (mark(&output.before), mark(&output.after));
            let diff = Differ::new(&[], None).diff(before.as_ref(), after.as_ref());
            if diff.action == Action::NoOp {
                continue;
            }
            lines.push(format!(
                "{} {name:<width$} = {}",
                self.lead(0, diff.action),
                self.render(&diff, 0, Opts::default())
            ));
        }
        lines.join("\n")
    }

    /// A resource's own object, as a block: `{`, the attributes, `}` (no `-> null`).
    fn block(&self, diff: &Diff<'_>, level: usize, opts: Opts) -> String {
        match &diff.node {
            Node::Object(attrs) => self.attributes(diff, attrs, level, opts, true),
            _ => self.render(diff, level, opts),
        }
    }

    fn render(&self, diff: &Diff<'_>, level: usize, opts: Opts) -> String {
        match &diff.node {
            Node::Primitive { before, after } => self.primitive(diff, *before, *after, level, opts),
            Node::Unknown { before } => match before {
                Some(before) if diff.action != Action::Create => {
                    let before_opts = Opts {
                        override_null_suffix: true,
                        forbid_comment: true,
                        ..opts
                    };
                    format!(
                        "{} -> (known after apply){}",
                        self.render(before, level, before_opts),
                        self.comment(diff, opts)
                    )
                }
                _ => format!("(known after apply){}", self.comment(diff, opts)),
            },
            Node::Sensitive { .. } => format!(
                "(sensitive value){}{}",
                self.null_suffix(diff.action, opts),
                self.comment(diff, opts)
            ),
            Node::Object(attrs) => self.attributes(diff, attrs, level, opts, false),
            Node::Map(elems) => self.map(diff, elems, level, opts),
            Node::List(elems) => self.list(diff, elems, level, opts),
            Node::Set(elems) => self.set(diff, elems, level, opts),
            Node::TypeChange(before, after) => {
                let o = Opts {
                    override_null_suffix: true,
                    ..opts
                };
                format!(
                    "{} {} {}{}",
                    self.render(before, level, o),
                    self.paint.yellow("->"),
                    self.render(after, level, o),
                    self.comment(diff, opts)
                )
            }
            Node::TooDeep => format!(
                "{}{}",
                self.paint.dim("(nested too deeply to show)"),
                self.comment(diff, opts)
            ),
        }
    }

    /// `# forces replacement` and the provider's note, after a changed part.
    fn comment(&self, diff: &Diff<'_>, opts: Opts) -> String {
        if opts.forbid_comment {
            return String::new();
        }
        let note = diff
            .note
            .filter(|_| diff.action != Action::NoOp)
            .map(sanitize_line);
        match (diff.replace, note) {
            (false, None) => String::new(),
            (true, None) => format!(" {}", self.paint.red("# forces replacement")),
            // How the change will be carried out, as the issue's plans show it:
            // `~ parallelism = 2 -> 4  (restart from savepoint)`.
            (false, Some(note)) => format!("  {}", self.paint.dim(&format!("({note})"))),
            (true, Some(note)) => format!(
                " {}  {}",
                self.paint.red("# forces replacement"),
                self.paint.dim(&format!("({note})"))
            ),
        }
    }

    fn null_suffix(&self, action: Action, opts: Opts) -> String {
        if action == Action::Delete && !opts.override_null_suffix {
            format!(" {}", self.paint.dim("-> null"))
        } else {
            String::new()
        }
    }

    fn unchanged_line(&self, level: usize, count: usize, what: &str) -> String {
        let plural = if count == 1 { "" } else { "s" };
        format!(
            "{} {}\n",
            self.lead(level, Action::NoOp),
            self.paint
                .dim(&format!("# ({count} unchanged {what}{plural} hidden)"))
        )
    }

    /// Warnings about a value whose sensitivity changes, each line prefixed for `level`.
    fn warnings(&self, diff: &Diff<'_>, level: usize) -> String {
        let Node::Sensitive {
            before,
            after,
            inner,
        } = diff.node
        else {
            return String::new();
        };
        if before == after || matches!(inner, Action::Create | Action::Delete) {
            return String::new();
        }
        let pad = indent(level);
        let warning = self.paint.yellow("Warning");
        let mut text = if before {
            format!("{pad}  # {warning}: this attribute value will no longer be marked as sensitive\n{pad}  # after applying this change.")
        } else {
            format!("{pad}  # {warning}: this attribute value will be marked as sensitive and will not\n{pad}  # display in UI output after applying this change.")
        };
        if inner == Action::NoOp {
            text.push_str(" The value is unchanged.");
        }
        text.push('\n');
        text
    }

    /// An object's attributes; `block` for the resource itself (its attributes end with
    /// `-> null` when deleted, and the closing brace does not).
    fn attributes(
        &self,
        diff: &Diff<'_>,
        attrs: &[(&str, Diff<'_>)],
        level: usize,
        opts: Opts,
        block: bool,
    ) -> String {
        if attrs.is_empty() {
            let suffix = if block {
                String::new()
            } else {
                self.null_suffix(diff.action, opts)
            };
            return format!("{{}}{suffix}{}", self.comment(diff, opts));
        }
        let child_opts = Opts {
            override_null_suffix: !block,
            forbid_comment: false,
            ..opts
        };
        let names: Vec<String> = attrs.iter().map(|(k, _)| attribute_name(k)).collect();
        let width = names.iter().map(|n| n.chars().count()).max().unwrap_or(0);
        let mut out = format!("{{{}\n", self.comment(diff, opts));
        let mut unchanged = 0;
        for ((key, child), name) in attrs.iter().zip(&names) {
            let child_opts = if important(key) {
                Opts {
                    show_unchanged: true,
                    ..child_opts
                }
            } else if child.action == Action::NoOp && !opts.show_unchanged {
                unchanged += 1;
                continue;
            } else {
                child_opts
            };
            out.push_str(&self.warnings(child, level + 1));
            let _ = writeln!(
                out,
                "{} {name:<width$} = {}",
                self.lead(level + 1, child.action),
                self.render(child, level + 1, child_opts)
            );
        }
        if unchanged > 0 {
            out.push_str(&self.unchanged_line(level + 1, unchanged, "attribute"));
        }
        let suffix = if block {
            String::new()
        } else {
            self.null_suffix(diff.action, opts)
        };
        let _ = write!(out, "{} }}{suffix}", self.lead(level, Action::NoOp));
        out
    }

    fn map(&self, diff: &Diff<'_>, elems: &[(&str, Diff<'_>)], level: usize, opts: Opts) -> String {
        if elems.is_empty() {
            return format!(
                "{{}}{}{}",
                self.null_suffix(diff.action, opts),
                self.comment(diff, opts)
            );
        }
        let elem_opts = Opts {
            override_null_suffix: diff.action == Action::Delete,
            forbid_comment: false,
            ..opts
        };
        let keys: Vec<String> = elems.iter().map(|(k, _)| quote_string(k)).collect();
        let width = keys.iter().map(|k| k.chars().count()).max().unwrap_or(0);
        let mut out = format!("{{{}\n", self.comment(diff, opts));
        let mut unchanged = 0;
        for ((_, child), key) in elems.iter().zip(&keys) {
            if child.action == Action::NoOp && !opts.show_unchanged {
                unchanged += 1;
                continue;
            }
            let comma = if matches!(child.node, Node::Object(_)) {
                ","
            } else {
                ""
            };
            out.push_str(&self.warnings(child, level + 1));
            let _ = writeln!(
                out,
                "{} {key:<width$} = {}{comma}",
                self.lead(level + 1, child.action),
                self.render(child, level + 1, elem_opts)
            );
        }
        if unchanged > 0 {
            out.push_str(&self.unchanged_line(level + 1, unchanged, "element"));
        }
        let _ = write!(
            out,
            "{} }}{}",
            self.lead(level, Action::NoOp),
            self.null_suffix(diff.action, opts)
        );
        out
    }

    /// A list with its changed elements and, for context, the unchanged element right before
    /// and after each change (as Terraform shows lists).
    fn list(&self, diff: &Diff<'_>, elems: &[Diff<'_>], level: usize, opts: Opts) -> String {
        if elems.is_empty() {
            return format!(
                "[]{}{}",
                self.null_suffix(diff.action, opts),
                self.comment(diff, opts)
            );
        }
        let elem_opts = Opts {
            override_null_suffix: true,
            forbid_comment: false,
            ..opts
        };
        let unchanged_opts = Opts {
            show_unchanged: true,
            forbid_comment: false,
            ..opts
        };
        let mut out = format!("[{}\n", self.comment(diff, opts));
        let mut hidden: Vec<&Diff<'_>> = Vec::new();
        let mut render_next = false;
        for elem in elems {
            if elem.action == Action::NoOp && !render_next && !opts.show_unchanged {
                hidden.push(elem);
                continue;
            }
            render_next = false;
            if hidden.len() > 1 {
                out.push_str(&self.unchanged_line(level + 1, hidden.len() - 1, "element"));
            }
            if let Some(last) = hidden.last() {
                out.push_str(&self.element_line(last, level, unchanged_opts));
            }
            hidden.clear();
            let o = if elem.action == Action::NoOp {
                unchanged_opts
            } else {
                render_next = true;
                elem_opts
            };
            out.push_str(&self.element_line(elem, level, o));
        }
        if !hidden.is_empty() {
            out.push_str(&self.unchanged_line(level + 1, hidden.len(), "element"));
        }
        let _ = write!(
            out,
            "{} ]{}",
            self.lead(level, Action::NoOp),
            self.null_suffix(diff.action, opts)
        );
        out
    }

    fn set(&self, diff: &Diff<'_>, elems: &[Diff<'_>], level: usize, opts: Opts) -> String {
        if elems.is_empty() {
            return format!(
                "[]{}{}",
                self.null_suffix(diff.action, opts),
                self.comment(diff, opts)
            );
        }
        let elem_opts = Opts {
            override_null_suffix: true,
            forbid_comment: false,
            ..opts
        };
        let mut out = format!("[{}\n", self.comment(diff, opts));
        let mut unchanged = 0;
        for elem in elems {
            if elem.action == Action::NoOp && !opts.show_unchanged {
                unchanged += 1;
                continue;
            }
            out.push_str(&self.element_line(elem, level, elem_opts));
        }
        if unchanged > 0 {
            out.push_str(&self.unchanged_line(level + 1, unchanged, "element"));
        }
        let _ = write!(
            out,
            "{} ]{}",
            self.lead(level, Action::NoOp),
            self.null_suffix(diff.action, opts)
        );
        out
    }

    fn element_line(&self, elem: &Diff<'_>, level: usize, opts: Opts) -> String {
        format!(
            "{}{} {},\n",
            self.warnings(elem, level + 1),
            self.lead(level + 1, elem.action),
            self.render(elem, level + 1, opts)
        )
    }

    fn primitive(
        &self,
        diff: &Diff<'_>,
        before: Option<&Value>,
        after: Option<&Value>,
        level: usize,
        opts: Opts,
    ) -> String {
        let is_string =
            |v: Option<&Value>| v.is_none_or(|v| matches!(v.kind(), ValueKind::String(_)));
        if is_string(before) && is_string(after) && before.or(after).is_some() {
            return self.string(
                diff,
                before.and_then(Value::as_str),
                after.and_then(Value::as_str),
                level,
                opts,
            );
        }
        let text = |v: Option<&Value>| match v {
            Some(v) => v.to_string(),
            None => self.paint.dim("null"),
        };
        let comment = self.comment(diff, opts);
        match diff.action {
            Action::Create => format!("{}{comment}", text(after)),
            Action::Delete => format!(
                "{}{}{comment}",
                text(before),
                self.null_suffix(diff.action, opts)
            ),
            Action::NoOp => format!("{}{comment}", text(before.or(after))),
            _ => format!(
                "{} {} {}{comment}",
                text(before),
                self.paint.yellow("->"),
                text(after)
            ),
        }
    }

    /// A string, or a line diff of multi-line strings in a `<<-EOT` block.
    fn string(
        &self,
        diff: &Diff<'_>,
        before: Option<&str>,
        after: Option<&str>,
        level: usize,
        opts: Opts,
    ) -> String {
        let comment = self.comment(diff, opts);
        let quoted = |s: Option<&str>| match s {
            Some(s) => quote_string(s),
            None => self.paint.dim("null"),
        };
        let multiline = |s: Option<&str>| s.is_some_and(|s| s.contains('\n'));
        let line = |action: Action, text: &str| {
            format!("{} {}", self.lead(level + 1, action), sanitize_line(text))
        };
        let lines: Vec<String> = match diff.action {
            Action::Create | Action::NoOp | Action::Delete => {
                let s = if diff.action == Action::Delete {
                    before
                } else {
                    after.or(before)
                };
                if !multiline(s) {
                    let suffix = self.null_suffix(diff.action, opts);
                    return format!("{}{suffix}{comment}", quoted(s));
                }
                s.unwrap_or_default()
                    .trim()
                    .split('\n')
                    .map(|l| line(Action::NoOp, l))
                    .collect()
            }
            _ => {
                if !multiline(before) && !multiline(after) {
                    return format!(
                        "{} {} {}{comment}",
                        quoted(before),
                        self.paint.yellow("->"),
                        quoted(after)
                    );
                }
                let old: Vec<&str> = before.unwrap_or_default().trim().split('\n').collect();
                let new: Vec<&str> = after.unwrap_or_default().trim().split('\n').collect();
                let mut lines = Vec::with_capacity(old.len().max(new.len()));
                for op in align(&old, &new, |a, b| a == b) {
                    let removed = old.get(op.old_range()).unwrap_or_default();
                    let added = new.get(op.new_range()).unwrap_or_default();
                    if matches!(op, similar::DiffOp::Equal { .. }) {
                        lines.extend(removed.iter().map(|l| line(Action::NoOp, l)));
                    } else {
                        lines.extend(removed.iter().map(|l| line(Action::Delete, l)));
                        lines.extend(added.iter().map(|l| line(Action::Create, l)));
                    }
                }
                lines
            }
        };
        format!(
            "<<-EOT{comment}\n{}\n{} EOT{}",
            lines.join("\n"),
            self.lead(level, Action::NoOp),
            self.null_suffix(diff.action, opts)
        )
    }
}

/// An attribute or output name as written in HCL: bare when an identifier, quoted otherwise.
fn attribute_name(name: &str) -> String {
    if is_identifier(name) {
        name.to_string()
    } else {
        quote_string(name)
    }
}
