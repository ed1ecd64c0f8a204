//! Apply progress, one line per event, as Terraform prints it:
//!
//! ```text
//! flinkform_data.x: Creating...
//! flinkform_data.x: Still creating... [10s elapsed]
//! flinkform_data.x: Creation complete after 12s [id=0b6c…]
//! ```

use std::io::Write;
use std::sync::Mutex;
use std::time::Duration;

use crate::addrs::AbsResourceInstance;
use crate::apply::{ApplyHooks, OpKind};

/// Writes progress lines to a shared writer (stdout), whole lines at a time.
pub struct ProgressView {
    out: Mutex<Box<dyn Write + Send>>,
    color: bool,
}

impl ProgressView {
    pub fn new(out: Box<dyn Write + Send>, color: bool) -> Self {
        ProgressView {
            out: Mutex::new(out),
            color,
        }
    }

    fn line(&self, addr: &AbsResourceInstance, text: &str) {
        let line = if self.color {
            format!("\x1b[1m{addr}: {text}\x1b[0m\n")
        } else {
            format!("{addr}: {text}\n")
        };
        if let Ok(mut out) = self.out.lock() {
            let _ = out.write_all(line.as_bytes());
            let _ = out.flush();
        }
    }
}

/// Whole seconds, as Go prints a duration truncated to seconds: `0s`, `12s`, `1m5s`, `1h0m3s`.
pub fn format_elapsed(d: Duration) -> String {
    let s = d.as_secs();
    match (s / 3600, (s % 3600) / 60, s % 60) {
        (0, 0, sec) => format!("{sec}s"),
        (0, m, sec) => format!("{m}m{sec}s"),
        (h, m, sec) => format!("{h}h{m}m{sec}s"),
    }
}

fn with_id(text: String, id: Option<&str>) -> String {
    match id {
        Some(id) => format!("{text} [id={id}]"),
        None => text,
    }
}

impl ApplyHooks for ProgressView {
    fn starting(&self, addr: &AbsResourceInstance, op: OpKind, id: Option<&str>) {
        let text = format!("{}...", op.progressive());
        self.line(
            addr,
            &if op == OpKind::Create {
                text
            } else {
                with_id(text, id)
            },
        );
    }

    fn still_running(&self, addr: &AbsResourceInstance, op: OpKind, elapsed: Duration) {
        self.line(
            addr,
            &format!("{} [{} elapsed]", op.still(), format_elapsed(elapsed)),
        );
    }

    fn finished(
        &self,
        addr: &AbsResourceInstance,
        op: OpKind,
        elapsed: Duration,
        id: Option<&str>,
        ok: bool,
    ) {
        if !ok {
            return;
        }
        let text = format!("{} after {}", op.complete(), format_elapsed(elapsed));
        self.line(
            addr,
            &if op == OpKind::Delete {
                text
            } else {
                with_id(text, id)
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elapsed_like_go() {
        assert_eq!(format_elapsed(Duration::from_millis(999)), "0s");
        assert_eq!(format_elapsed(Duration::from_secs(65)), "1m5s");
        assert_eq!(format_elapsed(Duration::from_secs(3603)), "1h0m3s");
    }
}
