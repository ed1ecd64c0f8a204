//! Renderers for plans: human (Terraform's layout), JSON, Markdown.
//!
//! All three are pure functions of a [`Plan`] and never show a sensitive
//! value: the human and Markdown renderings print `(sensitive value)`, the JSON one `null`
//! (with the place marked in `before_sensitive`/`after_sensitive`).
//!
//! - [`human::render_plan`]: what `flinkform plan` prints.
//! - [`json::plan_json`]: `flinkform plan --json`, documented in `docs/plan-json.md`.
//! - [`markdown::plan_markdown`]: a pull-request comment.

mod diff;
pub mod human;
pub mod json;
pub mod markdown;

use crate::addrs::ResourceMode;
use crate::plan::{Action, ActionReason, ResourceChange};

/// The second comment line of a data source read during apply.
const DATA_READ_NOTE: &str = "(config refers to values not yet known)";

/// Changes in the order Terraform lists them: by address as written (so `data.` resources
/// first, and `x[10]` before `x[2]`).
fn ordered_changes(changes: &[ResourceChange]) -> Vec<&ResourceChange> {
    let mut ordered: Vec<&ResourceChange> = changes.iter().collect();
    ordered.sort_by_cached_key(|c| c.addr.to_string());
    ordered
}

/// Whether a planned change is shown: Terraform hides no-ops and the removal of data
/// resources from state (it does nothing to real infrastructure).
fn shown_in_plan(change: &ResourceChange) -> bool {
    change.action != Action::NoOp
        && !(change.action == Action::Delete
            && change.addr.resource.resource.mode == ResourceMode::Data)
}

/// `resource` or `data`, as the block is written.
fn resource_mode_word(mode: ResourceMode) -> &'static str {
    match mode {
        ResourceMode::Managed => "resource",
        ResourceMode::Data => "data",
    }
}

/// Why an instance is deleted, in Terraform's words (`because index [3] is out of range for
/// count`); `None` for reasons that are not about deletion.
fn describe_delete_reason(change: &ResourceChange, reason: &ActionReason) -> Option<String> {
    let addr = &change.addr;
    match reason {
        ActionReason::DeleteBecauseNoResourceConfig => Some(format!(
            "because {} is not in configuration",
            addr.resource.resource
        )),
        ActionReason::DeleteBecauseCountIndex => Some(format!(
            "because index {} is out of range for count",
            addr.key
        )),
        ActionReason::DeleteBecauseEachKey => {
            Some(format!("because key {} is not in for_each map", addr.key))
        }
        ActionReason::DeleteBecauseNoModule => Some(format!(
            "because {} is not in configuration",
            addr.resource.module
        )),
        ActionReason::ReplaceByRequest
        | ActionReason::ReplaceByTriggers
        | ActionReason::Tainted => None,
    }
}

/// Text from outside (file contents, provider notes) made safe to print on one line: control
/// characters other than tab are escaped, so no terminal escape code gets through.
fn sanitize_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\t' => out.push(c),
            '\r' => out.push_str("\\r"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// ANSI styling that is a no-op without colour.
#[derive(Clone, Copy)]
struct Painter {
    color: bool,
}

impl Painter {
    fn new(color: bool) -> Self {
        Painter { color }
    }

    fn paint(&self, codes: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{codes}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    fn bold(&self, text: &str) -> String {
        self.paint("1", text)
    }
    fn bold_green(&self, text: &str) -> String {
        self.paint("1;32", text)
    }
    fn bold_red(&self, text: &str) -> String {
        self.paint("1;31", text)
    }
    fn bold_cyan(&self, text: &str) -> String {
        self.paint("1;36", text)
    }
    fn red(&self, text: &str) -> String {
        self.paint("31", text)
    }
    fn green(&self, text: &str) -> String {
        self.paint("32", text)
    }
    fn yellow(&self, text: &str) -> String {
        self.paint("33", text)
    }
    fn cyan(&self, text: &str) -> String {
        self.paint("36", text)
    }
    /// Terraform's dark grey, for comments and `null`.
    fn dim(&self, text: &str) -> String {
        self.paint("90", text)
    }

    /// The three-column action symbol: `  +`, `  ~`, `  -`, `-/+`, `+/-`, ` <=`, or blanks.
    fn symbol(&self, action: Action) -> String {
        match action {
            Action::NoOp => "   ".to_string(),
            Action::Create => format!("  {}", self.green("+")),
            Action::Update => format!("  {}", self.yellow("~")),
            Action::Delete => format!("  {}", self.red("-")),
            Action::Read => format!(" {}", self.cyan("<=")),
            Action::DeleteThenCreate => format!("{}/{}", self.red("-"), self.green("+")),
            Action::CreateThenDelete => format!("{}/{}", self.green("+"), self.red("-")),
        }
    }
}

/// The plain symbol of an action, as in the legend (`+`, `~`, `-/+`, ...).
fn plain_symbol(action: Action) -> &'static str {
    match action {
        Action::NoOp => "",
        Action::Create => "+",
        Action::Update => "~",
        Action::Delete => "-",
        Action::Read => "<=",
        Action::DeleteThenCreate => "-/+",
        Action::CreateThenDelete => "+/-",
    }
}
