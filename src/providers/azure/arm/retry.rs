//! When to retry an ARM call, and how long to wait: `Retry-After` when ARM says, else
//! exponential backoff with jitter; bounded in attempts and in time.

use std::time::Duration;

/// Bounds and delays for retrying one call.
#[derive(Clone, Debug, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// No new attempt starts after this much time since the first.
    pub max_elapsed: Duration,
    /// The delay before the second attempt when ARM gives no `Retry-After`; doubled each time.
    pub base_delay: Duration,
    /// The longest backoff delay.
    pub max_delay: Duration,
    /// The longest wait a `Retry-After` header can impose.
    pub retry_after_cap: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 10,
            // Fresh identities take minutes to replicate (PrincipalNotFound); AKS operations
            // on a busy cluster hold it for longer, but those are serialised on our side.
            max_elapsed: Duration::from_secs(10 * 60),
            base_delay: Duration::from_secs(2),
            max_delay: Duration::from_secs(60),
            retry_after_cap: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    /// Short delays for tests: 10 ms base, everything capped at 200 ms.
    pub fn fast() -> Self {
        RetryPolicy {
            max_attempts: 5,
            max_elapsed: Duration::from_secs(30),
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(200),
            retry_after_cap: Duration::from_millis(200),
        }
    }

    /// The wait before attempt `attempt + 1` after attempt `attempt` (1-based) failed: ARM's
    /// `Retry-After` (capped) if it gave one, else `base_delay * 2^(attempt-1)` capped at
    /// `max_delay`, with jitter in its upper half so that parallel clients spread out.
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(wait) = retry_after {
            return wait.min(self.retry_after_cap);
        }
        let factor = 1u32 << attempt.saturating_sub(1).min(16);
        let backoff = self.base_delay.saturating_mul(factor).min(self.max_delay);
        jitter_upper_half(backoff)
    }
}

/// How to poll a long-running operation.
#[derive(Clone, Debug, PartialEq)]
pub struct PollPolicy {
    /// The wait between polls when ARM gives no `Retry-After`.
    pub default_interval: Duration,
    /// The longest wait a `Retry-After` header can impose between polls.
    pub retry_after_cap: Duration,
    /// The longest an operation may run before the client stops waiting (the operation goes
    /// on in Azure; the checkpoint lets a later run resume it).
    pub timeout: Duration,
}

impl Default for PollPolicy {
    fn default() -> Self {
        PollPolicy {
            default_interval: Duration::from_secs(10),
            retry_after_cap: Duration::from_secs(60),
            // azurerm's default create timeout for a managed cluster.
            timeout: Duration::from_secs(90 * 60),
        }
    }
}

impl PollPolicy {
    /// Short waits for tests: 10 ms between polls, `Retry-After` capped at 200 ms.
    pub fn fast() -> Self {
        PollPolicy {
            default_interval: Duration::from_millis(10),
            retry_after_cap: Duration::from_millis(200),
            timeout: Duration::from_secs(30),
        }
    }

    /// The wait before the next poll.
    pub fn interval(&self, retry_after: Option<Duration>) -> Duration {
        retry_after
            .map(|wait| wait.min(self.retry_after_cap))
            .unwrap_or(self.default_interval)
    }
}

/// Whether an answer is worth another attempt: throttling (429), server errors (5xx but 501
/// and 505, which will not change), request timeouts (408), another operation in progress
/// (409 `OperationNotAllowed` and its relatives), and a principal not yet replicated (400
/// `PrincipalNotFound`).
pub fn is_retryable(status: u16, code: &str) -> bool {
    match status {
        408 | 429 => true,
        500..=599 => status != 501 && status != 505,
        409 => matches!(
            code,
            "OperationNotAllowed" | "AnotherOperationInProgress" | "OperationPreempted"
        ),
        400 => code == "PrincipalNotFound",
        _ => false,
    }
}

/// The wait ARM asks for: `retry-after-ms` / `x-ms-retry-after-ms` (milliseconds) or
/// `Retry-After` (seconds, or an HTTP date), as `(name, value)` header lookups.
pub fn retry_after(header: impl Fn(&str) -> Option<String>) -> Option<Duration> {
    for name in ["retry-after-ms", "x-ms-retry-after-ms"] {
        if let Some(ms) = header(name).and_then(|v| v.trim().parse::<u64>().ok()) {
            return Some(Duration::from_millis(ms));
        }
    }
    parse_retry_after(&header("retry-after")?)
}

/// `Retry-After: 120` or `Retry-After: Wed, 21 Oct 2015 07:28:00 GMT` (a date in the past
/// means no wait).
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = when.signed_duration_since(chrono::Utc::now());
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

/// A duration between `d / 2` and `d`.
fn jitter_upper_half(d: Duration) -> Duration {
    let half = d / 2;
    let span = u64::try_from(half.as_nanos()).unwrap_or(u64::MAX);
    if span == 0 {
        return d;
    }
    // uuid's v4 generator is the randomness source the crate already has.
    let random = uuid::Uuid::new_v4().as_u64_pair().0;
    half + Duration::from_nanos(random % span)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_seconds_and_dates() {
        assert_eq!(parse_retry_after("7"), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        let future = (chrono::Utc::now() + chrono::TimeDelta::seconds(30)).to_rfc2822();
        let wait = parse_retry_after(&future).unwrap_or_default();
        assert!(wait > Duration::from_secs(25) && wait <= Duration::from_secs(30));
        assert_eq!(parse_retry_after("soon"), None);
        let ms = retry_after(|name| (name == "x-ms-retry-after-ms").then(|| "250".to_string()));
        assert_eq!(ms, Some(Duration::from_millis(250)));
    }

    #[test]
    fn backoff_grows_with_jitter_and_caps() {
        let policy = RetryPolicy::default();
        for attempt in 1..=3 {
            let full = Duration::from_secs(2 << (attempt - 1));
            let d = policy.delay(attempt, None);
            assert!(d >= full / 2 && d <= full, "{attempt}: {d:?}");
        }
        assert!(policy.delay(30, None) <= Duration::from_secs(60));
        assert_eq!(
            policy.delay(1, Some(Duration::from_secs(1000))),
            Duration::from_secs(120)
        );
    }

    #[test]
    fn retryable_answers() {
        assert!(is_retryable(429, ""));
        assert!(is_retryable(503, ""));
        assert!(!is_retryable(501, ""));
        assert!(is_retryable(409, "OperationNotAllowed"));
        assert!(!is_retryable(409, "Conflict"));
        assert!(is_retryable(400, "PrincipalNotFound"));
        assert!(!is_retryable(400, "InvalidParameter"));
        assert!(!is_retryable(404, "ResourceNotFound"));
    }
}
