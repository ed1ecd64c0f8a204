//! Durations written as Go's `time.ParseDuration` reads them: "100ms", "30s", "1m30s", "1.5h".

use std::time::Duration;

/// Units and their length in nanoseconds.
const UNITS: &[(&str, u64)] = &[
    ("ns", 1),
    ("us", 1_000),
    ("\u{b5}s", 1_000),  // µs, micro sign
    ("\u{3bc}s", 1_000), // μs, Greek mu
    ("ms", 1_000_000),
    ("s", 1_000_000_000),
    ("m", 60_000_000_000),
    ("h", 3_600_000_000_000),
];

/// The longest duration Go can represent.
const MAX_NANOS: u64 = i64::MAX as u64;

/// Parses a duration as Go's `time.ParseDuration` does: a sequence of decimal numbers, each
/// with an optional fraction and a unit ("ns", "us", "ms", "s", "m", "h"), like "1h30m" or
/// "0.5s"; "0" alone needs no unit. Negative durations are refused: nothing can wait for them.
/// The error is a sentence fragment naming the problem, e.g. `missing unit in duration "1"`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let invalid = || format!("invalid duration {text:?}");
    let mut s = text;
    let negative = s.starts_with('-');
    if let Some(rest) = s.strip_prefix(['-', '+']) {
        s = rest;
    }
    if s == "0" {
        return Ok(Duration::ZERO);
    }
    if s.is_empty() {
        return Err(invalid());
    }
    let mut total: u64 = 0;
    while !s.is_empty() {
        if !s.starts_with(|c: char| c == '.' || c.is_ascii_digit()) {
            return Err(invalid());
        }
        let int_len = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        let (int_digits, rest) = s.split_at(int_len);
        s = rest;
        let whole: u64 = if int_digits.is_empty() {
            0
        } else {
            int_digits.parse().map_err(|_| invalid())?
        };
        let mut fraction: u64 = 0;
        let mut scale: u64 = 1;
        let mut fraction_len = 0;
        if let Some(rest) = s.strip_prefix('.') {
            fraction_len = rest
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(rest.len());
            let (fraction_digits, rest) = rest.split_at(fraction_len);
            s = rest;
            // Digits beyond what u64 can scale add nothing measurable, as in Go.
            for d in fraction_digits.bytes().take(18) {
                fraction = fraction * 10 + u64::from(d - b'0');
                scale *= 10;
            }
        }
        if int_digits.is_empty() && fraction_len == 0 {
            return Err(invalid());
        }
        let unit_len = s
            .find(|c: char| c == '.' || c.is_ascii_digit())
            .unwrap_or(s.len());
        let (unit, rest) = s.split_at(unit_len);
        s = rest;
        if unit.is_empty() {
            return Err(format!("missing unit in duration {text:?}"));
        }
        let Some(&(_, nanos_per_unit)) = UNITS.iter().find(|(name, _)| *name == unit) else {
            return Err(format!("unknown unit {unit:?} in duration {text:?}"));
        };
        let whole_nanos = whole
            .checked_mul(nanos_per_unit)
            .filter(|n| *n <= MAX_NANOS)
            .ok_or_else(invalid)?;
        let fraction_nanos =
            (u128::from(fraction) * u128::from(nanos_per_unit) / u128::from(scale)) as u64;
        total = total
            .checked_add(whole_nanos)
            .and_then(|t| t.checked_add(fraction_nanos))
            .filter(|t| *t <= MAX_NANOS)
            .ok_or_else(invalid)?;
    }
    if negative && total > 0 {
        return Err(format!("duration {text:?} is negative"));
    }
    Ok(Duration::from_nanos(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations() {
        let ms = Duration::from_millis;
        assert_eq!(parse_duration("100ms"), Ok(ms(100)));
        assert_eq!(parse_duration("30s"), Ok(ms(30_000)));
        assert_eq!(parse_duration("1m30s"), Ok(ms(90_000)));
        assert_eq!(parse_duration("1.5h"), Ok(ms(5_400_000)));
        assert_eq!(parse_duration(".5s"), Ok(ms(500)));
        assert_eq!(parse_duration("1.s"), Ok(ms(1000)));
        assert_eq!(parse_duration("+2s"), Ok(ms(2000)));
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        assert_eq!(parse_duration("-0"), Ok(Duration::ZERO));
        assert_eq!(
            parse_duration("1h2m3s4ms5us6ns"),
            Ok(Duration::new(3723, 4_005_006))
        );
        assert_eq!(parse_duration("3\u{b5}s"), Ok(Duration::from_micros(3)));
        assert_eq!(parse_duration("0.000000001s"), Ok(Duration::from_nanos(1)));
        // The largest Go duration, and one nanosecond more.
        assert_eq!(
            parse_duration("9223372036854775807ns"),
            Ok(Duration::from_nanos(i64::MAX as u64))
        );
        assert_eq!(
            parse_duration("9223372036854775808ns"),
            Err("invalid duration \"9223372036854775808ns\"".into())
        );
    }

    #[test]
    fn bad_durations() {
        assert_eq!(parse_duration(""), Err("invalid duration \"\"".into()));
        assert_eq!(
            parse_duration("abc"),
            Err("invalid duration \"abc\"".into())
        );
        assert_eq!(parse_duration("."), Err("invalid duration \".\"".into()));
        assert_eq!(
            parse_duration("1"),
            Err("missing unit in duration \"1\"".into())
        );
        assert_eq!(
            parse_duration("1x"),
            Err("unknown unit \"x\" in duration \"1x\"".into())
        );
        assert_eq!(
            parse_duration("1s "),
            Err("unknown unit \"s \" in duration \"1s \"".into())
        );
        assert_eq!(
            parse_duration("-1s"),
            Err("duration \"-1s\" is negative".into())
        );
        assert_eq!(
            parse_duration("3000000h"),
            Err("invalid duration \"3000000h\"".into())
        );
    }
}
