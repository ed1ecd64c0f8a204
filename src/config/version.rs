//! Version constraints as `required_version` writes them: `>= 0.1, < 2.0`, `~> 0.1`, `= 0.1.0`,
//! with the semantics of HashiCorp's go-version (which Terraform uses).

use std::cmp::Ordering;

/// A version: numeric segments as written (`0.1` has two) and an optional pre-release tag.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Version {
    segments: Vec<u64>,
    pre: Option<String>,
}

impl Version {
    fn parse(text: &str) -> Option<Version> {
        let text = text.strip_prefix('v').unwrap_or(text);
        // Build metadata does not take part in comparisons.
        let text = text.split_once('+').map_or(text, |(v, _)| v);
        let (numbers, pre) = match text.split_once('-') {
            Some((n, p)) if !p.is_empty() => (n, Some(p.to_string())),
            Some(_) => return None,
            None => (text, None),
        };
        let segments: Vec<u64> = numbers
            .split('.')
            .map(|s| s.parse().ok())
            .collect::<Option<_>>()?;
        if segments.is_empty() || segments.len() > 4 {
            return None;
        }
        Some(Version { segments, pre })
    }

    fn segment(&self, i: usize) -> u64 {
        self.segments.get(i).copied().unwrap_or(0)
    }

    fn compare(&self, other: &Version) -> Ordering {
        let n = self.segments.len().max(other.segments.len());
        for i in 0..n {
            match self.segment(i).cmp(&other.segment(i)) {
                Ordering::Equal => continue,
                o => return o,
            }
        }
        match (&self.pre, &other.pre) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Greater,
            (Some(_), None) => Ordering::Less,
            (Some(a), Some(b)) => a.cmp(b),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
    Pessimistic,
}

/// Whether `version` satisfies every comma-separated part of `constraint`; `Err` when the
/// constraint is not valid syntax.
pub fn constraint_allows(constraint: &str, version: &str) -> Result<bool, String> {
    let version = Version::parse(version).ok_or_else(|| format!("invalid version {version:?}"))?;
    let mut allowed = true;
    for part in constraint.split(',') {
        let part = part.trim();
        let (op, rest) = [
            (">=", Op::Ge),
            ("<=", Op::Le),
            ("!=", Op::Ne),
            ("~>", Op::Pessimistic),
            (">", Op::Gt),
            ("<", Op::Lt),
            ("=", Op::Eq),
        ]
        .iter()
        .find_map(|(prefix, op)| part.strip_prefix(prefix).map(|rest| (*op, rest)))
        .unwrap_or((Op::Eq, part));
        let want =
            Version::parse(rest.trim()).ok_or_else(|| format!("malformed constraint: {part:?}"))?;
        let ord = version.compare(&want);
        let ok = match op {
            Op::Eq => ord == Ordering::Equal,
            Op::Ne => ord != Ordering::Equal,
            Op::Gt => ord == Ordering::Greater,
            Op::Ge => ord != Ordering::Less,
            Op::Lt => ord == Ordering::Less,
            Op::Le => ord != Ordering::Greater,
            // `~> 1.2` allows 1.2 and later 1.x; `~> 1.2.3` allows later 1.2.x.
            Op::Pessimistic => {
                let n = want.segments.len();
                ord != Ordering::Less
                    && (0..n.saturating_sub(1)).all(|i| version.segment(i) == want.segment(i))
            }
        };
        allowed &= ok;
    }
    Ok(allowed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constraints() {
        assert_eq!(constraint_allows(">= 0.1, < 2.0", "0.1.0"), Ok(true));
        assert_eq!(constraint_allows(">= 0.2", "0.1.0"), Ok(false));
        assert_eq!(constraint_allows("~> 0.1", "0.1.0"), Ok(true));
        assert_eq!(constraint_allows("~> 0.1", "0.9.3"), Ok(true));
        assert_eq!(constraint_allows("~> 0.1", "1.0.0"), Ok(false));
        assert_eq!(constraint_allows("~> 0.1.2", "0.1.0"), Ok(false));
        assert_eq!(constraint_allows("~> 0.1.0", "0.2.0"), Ok(false));
        assert_eq!(constraint_allows("= 0.1.0", "0.1.0"), Ok(true));
        assert_eq!(constraint_allows("0.1", "0.1.0"), Ok(true));
        assert_eq!(constraint_allows("!= 0.1.0", "0.1.0"), Ok(false));
        assert_eq!(constraint_allows("> 0.1.0-beta", "0.1.0"), Ok(true));
        assert!(constraint_allows(">= banana", "0.1.0").is_err());
        assert!(constraint_allows("", "0.1.0").is_err());
    }
}
