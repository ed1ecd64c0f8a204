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

/// Writes progress lines to a shared writer (stdout), whole lines at a time. On a terminal
/// (`live`), a status line under them keeps count of running and finished operations and is
/// redrawn as they change.
pub struct ProgressView {
    out: Mutex<Output>,
    color: bool,
    live: bool,
}

struct Output {
    w: Box<dyn Write + Send>,
    running: usize,
    done: usize,
    failed: usize,
}

impl ProgressView {
    pub fn new(out: Box<dyn Write + Send>, color: bool, live: bool) -> Self {
        ProgressView {
            out: Mutex::new(Output {
                w: out,
                running: 0,
                done: 0,
                failed: 0,
            }),
            color,
            live,
        }
    }

    /// Prints one event line; `delta` updates the live counts (running, done, failed).
    fn event(&self, addr: &AbsResourceInstance, text: &str, delta: (isize, usize, usize)) {
        let line = if self.color {
            format!("\x1b[1m{addr}: {text}\x1b[0m\n")
        } else {
            format!("{addr}: {text}\n")
        };
        let Ok(mut out) = self.out.lock() else { return };
        out.running = out.running.saturating_add_signed(delta.0);
        out.done += delta.1;
        out.failed += delta.2;
        let mut text = String::new();
        if self.live {
            // Clear the previous status line, print the event, redraw the status below it.
            text.push_str("\r\x1b[K");
        }
        text.push_str(&line);
        if self.live {
            text.push_str(&format!(
                "\x1b[2m  {} running, {} done, {} failed\x1b[0m",
                out.running, out.done, out.failed
            ));
        }
        let _ = out.w.write_all(text.as_bytes());
        let _ = out.w.flush();
    }

    /// Removes the live status line before the final report.
    pub fn finish(&self) {
        if self.live {
            if let Ok(mut out) = self.out.lock() {
                let _ = out.w.write_all(b"\r\x1b[K");
                let _ = out.w.flush();
            }
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
    fn message(&self, addr: &AbsResourceInstance, text: &str) {
        self.event(addr, text, (0, 0, 0));
    }

    fn starting(&self, addr: &AbsResourceInstance, op: OpKind, id: Option<&str>) {
        let text = format!("{}...", op.progressive());
        let text = if op == OpKind::Create {
            text
        } else {
            with_id(text, id)
        };
        self.event(addr, &text, (1, 0, 0));
    }

    fn still_running(&self, addr: &AbsResourceInstance, op: OpKind, elapsed: Duration) {
        self.event(
            addr,
            &format!("{} [{} elapsed]", op.still(), format_elapsed(elapsed)),
            (0, 0, 0),
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
            let text = format!(
                "{} failed after {}",
                op.progressive(),
                format_elapsed(elapsed)
            );
            self.event(addr, &text, (-1, 0, 1));
            return;
        }
        let text = format!("{} after {}", op.complete(), format_elapsed(elapsed));
        let text = if op == OpKind::Delete {
            text
        } else {
            with_id(text, id)
        };
        self.event(addr, &text, (-1, 1, 0));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer the test can read back.
    #[derive(Clone, Default)]
    struct Shared(std::sync::Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn lines_and_live_status() {
        let addr: AbsResourceInstance = "flinkform_data.x".parse().unwrap();
        let buf = Shared::default();
        let plain = ProgressView::new(Box::new(buf.clone()), false, false);
        plain.starting(&addr, OpKind::Update, Some("abc"));
        plain.message(&addr, "stopped with savepoint file:/sp/1");
        plain.finished(
            &addr,
            OpKind::Update,
            Duration::from_secs(2),
            Some("abc"),
            true,
        );
        let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        assert_eq!(text, "flinkform_data.x: Modifying... [id=abc]\nflinkform_data.x: stopped with savepoint file:/sp/1\nflinkform_data.x: Modifications complete after 2s [id=abc]\n");

        let buf = Shared::default();
        let live = ProgressView::new(Box::new(buf.clone()), false, true);
        live.starting(&addr, OpKind::Create, None);
        live.finished(
            &addr,
            OpKind::Create,
            Duration::from_secs(1),
            Some("i"),
            false,
        );
        live.finish();
        let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        assert!(text.contains("1 running, 0 done, 0 failed"), "{text:?}");
        assert!(
            text.contains("Creating failed after 1s")
                && text.contains("0 running, 0 done, 1 failed"),
            "{text:?}"
        );
        assert!(text.ends_with("\r\x1b[K"), "{text:?}");
    }

    #[test]
    fn elapsed_like_go() {
        assert_eq!(format_elapsed(Duration::from_millis(999)), "0s");
        assert_eq!(format_elapsed(Duration::from_secs(65)), "1m5s");
        assert_eq!(format_elapsed(Duration::from_secs(3603)), "1h0m3s");
    }
}
