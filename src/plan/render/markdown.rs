//! The plan as a pull-request comment: a heading with the counts, one table row per changed
//! resource instance, the drift count, and the full human rendering in a collapsed
//! ```` ```diff ```` block (its `+`/`-`/`~` moved to the first column so the lines are
//! highlighted). Values appear only in that rendering, where sensitive ones are hidden.

use std::fmt::Write;

use super::diff::{Diff, Differ};
use super::{describe_delete_reason, ordered_changes, plain_symbol, sanitize_line, shown_in_plan};
use crate::plan::{Action, ActionReason, Plan, PlanMode, ResourceChange};

/// At most this many changed attributes are named in a row's details.
const MAX_NAMED_ATTRIBUTES: usize = 5;

pub fn plan_markdown(plan: &Plan) -> String {
    let mut out = String::new();
    let drift: Vec<&ResourceChange> = ordered_changes(&plan.drift)
        .into_iter()
        .filter(|c| c.action != Action::NoOp)
        .collect();

    if !plan.has_changes() {
        let detail = match plan.mode {
            PlanMode::Normal => "Your infrastructure matches the configuration.",
            PlanMode::Destroy => "No objects need to be destroyed.",
            PlanMode::RefreshOnly => "Your infrastructure still matches the configuration.",
        };
        let _ = writeln!(out, "### No changes.\n\n{detail}");
        drift_note(&mut out, drift.len());
        return out;
    }

    let rows: Vec<[String; 3]> = if plan.mode == PlanMode::RefreshOnly {
        let objects = if drift.len() == 1 {
            "object"
        } else {
            "objects"
        };
        let _ = writeln!(
            out,
            "### Refresh-only plan: {} {objects} changed outside of flinkform\n",
            drift.len()
        );
        drift.iter().map(|c| drift_row(c)).collect()
    } else {
        let counts = plan.counts();
        let _ = writeln!(
            out,
            "### Plan: {} to add, {} to change, {} to destroy.\n",
            counts.add, counts.change, counts.destroy
        );
        ordered_changes(&plan.changes)
            .into_iter()
            .filter(|c| shown_in_plan(c))
            .map(change_row)
            .collect()
    };

    if !rows.is_empty() {
        out.push_str("| Action | Resource | Details |\n| :-: | --- | --- |\n");
        for [symbol, resource, details] in &rows {
            let _ = writeln!(out, "| {symbol} | {resource} | {details} |");
        }
        out.push('\n');
    }

    let mut outputs: Vec<_> = plan
        .output_changes
        .iter()
        .filter(|o| o.action != Action::NoOp)
        .collect();
    outputs.sort_by(|a, b| a.name.cmp(&b.name));
    if !outputs.is_empty() {
        let list: Vec<String> = outputs
            .iter()
            .map(|o| code(&format!("{} {}", plain_symbol(o.action), o.name)))
            .collect();
        let _ = writeln!(out, "**Outputs:** {}\n", list.join(", "));
    }

    if plan.mode == PlanMode::RefreshOnly {
        out.push_str("Applying this plan records these changes in the flinkform state without changing any remote objects.\n\n");
    } else {
        drift_note(&mut out, drift.len());
    }

    let rendering = super::human::render(plan, false, true);
    let rendering = rendering.trim_matches('\n');
    let fence = "`".repeat(longest_backtick_run(rendering).max(2) + 1);
    let _ = write!(
        out,
        "<details><summary>Show plan</summary>\n\n{fence}diff\n{rendering}\n{fence}\n\n</details>\n"
    );
    out
}

fn drift_note(out: &mut String, count: usize) {
    if count == 0 {
        return;
    }
    let (objects, have) = if count == 1 {
        ("object", "has")
    } else {
        ("objects", "have")
    };
    let _ = writeln!(
        out,
        "> **Note:** {count} {objects} {have} changed outside of flinkform since the last apply.\n"
    );
}

fn change_row(change: &ResourceChange) -> [String; 3] {
    let details = match change.action {
        Action::Create => "create".to_string(),
        Action::Read => "read during apply".to_string(),
        Action::Update => {
            let mut differ = Differ::new(&change.replace_paths, Some(&change.notes));
            let diff = differ.diff(change.before.as_ref(), change.after.as_ref());
            let mut details = "update in-place".to_string();
            let attrs = changed_attributes(&diff);
            if !attrs.is_empty() {
                let _ = write!(details, ": {attrs}");
            }
            let mut notes = Vec::new();
            collect_notes(&diff, &mut notes);
            notes.dedup();
            if !notes.is_empty() {
                let _ = write!(details, " ({})", notes.join("; "));
            }
            details
        }
        Action::DeleteThenCreate | Action::CreateThenDelete => {
            let mut why = Vec::new();
            if change.action == Action::CreateThenDelete {
                why.push("create before destroy".to_string());
            }
            match change.reason {
                Some(ActionReason::Tainted) => why.push("tainted".into()),
                Some(ActionReason::ReplaceByRequest) => why.push("as requested".into()),
                Some(ActionReason::ReplaceByTriggers) => why.push("replace_triggered_by".into()),
                _ => {}
            }
            if !change.replace_paths.is_empty() {
                let paths: Vec<String> = change
                    .replace_paths
                    .iter()
                    .filter(|p| !p.is_root())
                    .map(|p| code(&p.to_string()))
                    .collect();
                if !paths.is_empty() {
                    why.push(format!("forced by {}", paths.join(", ")));
                }
            }
            if why.is_empty() {
                "replace".to_string()
            } else {
                format!("replace ({})", why.join("; "))
            }
        }
        Action::Delete => match change
            .reason
            .as_ref()
            .and_then(|r| describe_delete_reason(change, r))
        {
            Some(why) => format!("destroy ({why})"),
            None => "destroy".to_string(),
        },
        Action::NoOp => String::new(),
    };
    [
        code(plain_symbol(change.action)),
        code(&change.addr.to_string()),
        cell(&details),
    ]
}

fn drift_row(change: &ResourceChange) -> [String; 3] {
    let details = match change.action {
        Action::Delete => "deleted outside of flinkform",
        _ => "changed outside of flinkform",
    };
    [
        code(plain_symbol(change.action)),
        code(&change.addr.to_string()),
        details.to_string(),
    ]
}

/// The top-level attributes that change, named in code spans, at most a few.
fn changed_attributes(diff: &Diff<'_>) -> String {
    let changed: Vec<&str> = diff
        .children()
        .into_iter()
        .filter(|(_, d)| d.action != Action::NoOp)
        .filter_map(|(name, _)| name)
        .collect();
    let mut named: Vec<String> = changed
        .iter()
        .take(MAX_NAMED_ATTRIBUTES)
        .map(|n| code(n))
        .collect();
    if changed.len() > MAX_NAMED_ATTRIBUTES {
        named.push(format!("and {} more", changed.len() - MAX_NAMED_ATTRIBUTES));
    }
    named.join(", ")
}

/// The providers' notes on the parts that change, in attribute order.
fn collect_notes(diff: &Diff<'_>, notes: &mut Vec<String>) {
    if diff.action == Action::NoOp {
        return;
    }
    if let Some(note) = diff.note {
        notes.push(sanitize_line(note));
    }
    for (_, child) in diff.children() {
        collect_notes(child, notes);
    }
}

/// Text for a table cell: one line, pipes escaped.
fn cell(text: &str) -> String {
    sanitize_line(text).replace('|', "\\|")
}

/// A code span that holds any text: delimited by more backticks than it contains in a row,
/// padded when it starts or ends with one, pipes escaped for tables.
fn code(text: &str) -> String {
    let text = cell(text);
    let ticks = "`".repeat(longest_backtick_run(&text) + 1);
    if text.starts_with('`') || text.ends_with('`') {
        format!("{ticks} {text} {ticks}")
    } else {
        format!("{ticks}{text}{ticks}")
    }
}

fn longest_backtick_run(text: &str) -> usize {
    let (mut longest, mut run) = (0, 0);
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    longest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_hold_backticks_and_pipes() {
        assert_eq!(code("a.b"), "`a.b`");
        assert_eq!(code("x[\"a`b\"]"), "``x[\"a`b\"]``");
        assert_eq!(code("`x"), "`` `x ``");
        assert_eq!(code("a|b"), "`a\\|b`");
    }
}
