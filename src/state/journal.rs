//! The journal's format: one JSON object per line. The first line is a header naming the state
//! version the journal applies to, each further line one [`Change`]:
//!
//! ```text
//! {"flinkform_journal":1,"lineage":"6f1c…","serial":3}
//! {"op":"set_instance","address":"flinkform_data.x","provider":"provider.flinkform","instance":{…}}
//! {"op":"remove_instance","address":"flinkform_data.y[0]"}
//! {"op":"set_output","name":"url","output":{"value":"https://x","type":"string","sensitive":false}}
//! ```
//!
//! A line is complete when its newline is written. After a crash the end of the journal may
//! hold an incomplete line or garbage (data written but not yet flushed when the power went);
//! since every flush covers all earlier lines, that damage is confined to the tail and only to
//! changes that were never reported durable, so reading stops there.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::model::Change;
use super::StateError;

pub(crate) const JOURNAL_FORMAT: u64 = 1;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct Header {
    pub flinkform_journal: u64,
    pub lineage: String,
    pub serial: u64,
}

impl Header {
    pub fn line(lineage: &str, serial: u64) -> Vec<u8> {
        let header = Header {
            flinkform_journal: JOURNAL_FORMAT,
            lineage: lineage.to_string(),
            serial,
        };
        let mut line = serde_json::to_vec(&header).unwrap_or_default();
        line.push(b'\n');
        line
    }
}

/// What a journal file holds.
#[derive(Debug)]
pub(crate) struct Contents {
    /// `None` when not even the header was completely written: nothing was recorded.
    pub header: Option<Header>,
    pub changes: Vec<Change>,
    /// Bytes at the end that were not a complete, valid record (damage from a crash).
    pub ignored_tail_bytes: usize,
}

/// Reads a journal's bytes. A damaged tail is ignored; a damaged line followed by valid ones
/// is an error, since valid lines after it mean it was not the crash's tail.
pub(crate) fn parse(path: &Path, state_path: &Path, bytes: &[u8]) -> Result<Contents, StateError> {
    let mut lines = Vec::new();
    let mut start = 0;
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'\n' {
            lines.push((start, &bytes[start..i]));
            start = i + 1;
        }
    }
    // Bytes after the last newline: a line whose write did not complete.
    let unterminated = bytes.len() - start;

    let Some((&(_, first), rest)) = lines.split_first() else {
        return Ok(Contents {
            header: None,
            changes: Vec::new(),
            ignored_tail_bytes: unterminated,
        });
    };
    let header = match serde_json::from_slice::<Header>(first) {
        Ok(h) if h.flinkform_journal == JOURNAL_FORMAT => h,
        Ok(h) => {
            return Err(StateError::JournalMismatch {
                path: path.to_path_buf(),
                state_path: state_path.to_path_buf(),
                message: format!(
                    "it has format {}, and this version of flinkform reads format {JOURNAL_FORMAT}",
                    h.flinkform_journal
                ),
            })
        }
        // The header itself is the damaged tail: the journal was being created.
        Err(_) if rest.is_empty() => {
            return Ok(Contents {
                header: None,
                changes: Vec::new(),
                ignored_tail_bytes: bytes.len(),
            });
        }
        Err(e) => {
            return Err(StateError::CorruptJournal {
                path: path.to_path_buf(),
                line: 1,
                message: e.to_string(),
            })
        }
    };

    let mut changes = Vec::with_capacity(rest.len());
    for (n, &(offset, line)) in rest.iter().enumerate() {
        match serde_json::from_slice::<Change>(line) {
            Ok(change) => changes.push(change),
            Err(e) => {
                let later_valid = rest[n + 1..]
                    .iter()
                    .any(|(_, l)| serde_json::from_slice::<Change>(l).is_ok());
                if later_valid {
                    return Err(StateError::CorruptJournal {
                        path: path.to_path_buf(),
                        line: n + 2,
                        message: format!(
                            "{e}; valid records follow it, so this is not damage from an interrupted write. \
                             The state file itself is intact: repair or remove the line to continue"
                        ),
                    });
                }
                return Ok(Contents {
                    header: Some(header),
                    changes,
                    ignored_tail_bytes: bytes.len() - offset,
                });
            }
        }
    }
    Ok(Contents {
        header: Some(header),
        changes,
        ignored_tail_bytes: unterminated,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::InstanceState;

    fn record(name: &str) -> Vec<u8> {
        let change = Change::SetInstance {
            address: format!("t.{name}").parse().unwrap(),
            provider: "provider.t".into(),
            instance: InstanceState::new(serde_json::json!({"id": name})),
        };
        let mut line = serde_json::to_vec(&change).unwrap();
        line.push(b'\n');
        line
    }

    fn journal(parts: &[&[u8]]) -> Vec<u8> {
        let mut bytes = Header::line("lin", 4);
        for p in parts {
            bytes.extend_from_slice(p);
        }
        bytes
    }

    #[test]
    fn complete_journal_reads_every_record() {
        let bytes = journal(&[&record("a"), &record("b")]);
        let c = parse(Path::new("j"), Path::new("s"), &bytes).unwrap();
        assert_eq!(c.header.unwrap().serial, 4);
        assert_eq!(c.changes.len(), 2);
        assert_eq!(c.ignored_tail_bytes, 0);
    }

    #[test]
    fn torn_last_line_is_ignored() {
        let b = record("b");
        let bytes = journal(&[&record("a"), &b[..b.len() / 2]]);
        let c = parse(Path::new("j"), Path::new("s"), &bytes).unwrap();
        assert_eq!(c.changes.len(), 1);
        assert_eq!(c.ignored_tail_bytes, b.len() / 2);
    }

    #[test]
    fn zero_filled_tail_is_ignored() {
        let bytes = journal(&[&record("a"), &[0u8; 4096], b"\n"]);
        let c = parse(Path::new("j"), Path::new("s"), &bytes).unwrap();
        assert_eq!(c.changes.len(), 1);
        assert_eq!(c.ignored_tail_bytes, 4097);
    }

    #[test]
    fn damaged_line_before_valid_ones_is_an_error() {
        let bytes = journal(&[&record("a"), b"{\"op\":\n", &record("c")]);
        let err = parse(
            Path::new("dir/default.json.journal"),
            Path::new("dir/default.json"),
            &bytes,
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.starts_with("the journal dir/default.json.journal is damaged at line 3:"),
            "{err}"
        );
    }

    #[test]
    fn torn_header_means_nothing_was_recorded() {
        let header = Header::line("lin", 4);
        let c = parse(Path::new("j"), Path::new("s"), &header[..10]).unwrap();
        assert!(c.header.is_none());
        let c = parse(Path::new("j"), Path::new("s"), b"").unwrap();
        assert!(c.header.is_none());
    }
}
