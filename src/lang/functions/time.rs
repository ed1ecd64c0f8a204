//! Time functions: formatdate timeadd timecmp timestamp. Timestamps are RFC 3339 strings, read
//! as strictly as Go's `time.Parse(time.RFC3339, ...)` does.

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, TimeZone, Timelike, Utc};

use super::{arg_err, err, ret_number, ret_string, Args, FuncError, Spec, STR};
use crate::lang::{Type, Value};

pub(super) const SPECS: &[Spec] = &[
    Spec::new("formatdate", &[STR, STR], ret_string, formatdate),
    Spec::new("timeadd", &[STR, STR], ret_string, timeadd),
    Spec::new("timecmp", &[STR, STR], ret_number, timecmp),
    Spec::new("timestamp", &[], ret_string, timestamp),
];

/// The current time in UTC; unknown while planning, as in Terraform.
fn timestamp(a: Args) -> Result<Value, FuncError> {
    if a.ctx.plan_time {
        return Ok(Value::unknown(Type::String));
    }
    Ok(Value::string(rfc3339(&Utc::now().fixed_offset())))
}

/// Formats as Go's `time.RFC3339` layout: whole seconds, `Z` for a zero offset.
fn rfc3339(t: &DateTime<FixedOffset>) -> String {
    format!("{}{}", t.format("%Y-%m-%dT%H:%M:%S"), zone(t, true))
}

fn zone(t: &DateTime<FixedOffset>, colon: bool) -> String {
    let secs = t.offset().local_minus_utc();
    if secs == 0 && colon {
        return "Z".into();
    }
    let sign = if secs < 0 { '-' } else { '+' };
    let (h, m) = (secs.abs() / 3600, (secs.abs() % 3600) / 60);
    if colon {
        format!("{sign}{h:02}:{m:02}")
    } else {
        format!("{sign}{h:02}{m:02}")
    }
}

/// Parses an RFC 3339 timestamp with cty's wording for the ways it can be wrong.
pub(super) fn parse_timestamp(s: &str) -> Result<DateTime<FixedOffset>, String> {
    let bad = |msg: String| format!("not a valid RFC3339 timestamp: {msg}");
    let mut rest = s;
    let take_num = |rest: &mut &str, digits: usize, what: &str| -> Result<u32, String> {
        let part = rest
            .get(..digits)
            .filter(|p| p.bytes().all(|b| b.is_ascii_digit()));
        match part {
            Some(p) => {
                *rest = &rest[digits..];
                p.parse()
                    .map_err(|_| bad(format!("cannot use {} as {what}", super::go_quote(rest))))
            }
            None if rest.is_empty() => Err(bad(format!("end of string before {what}"))),
            None => Err(bad(format!(
                "cannot use {} as {what}",
                super::go_quote(rest)
            ))),
        }
    };
    let expect = |rest: &mut &str, sep: char| -> Result<(), String> {
        match rest.strip_prefix(sep) {
            Some(r) => {
                *rest = r;
                Ok(())
            }
            None if sep == 'T' => Err(bad("missing required time introducer 'T'".into())),
            None if rest.is_empty() => {
                Err(bad(format!("end of string where \"{sep}\" is expected")))
            }
            None => Err(bad(format!(
                "found {} where \"{sep}\" is expected",
                super::go_quote(rest)
            ))),
        }
    };
    let year = take_num(&mut rest, 4, "year")?;
    expect(&mut rest, '-')?;
    let month = take_num(&mut rest, 2, "month")?;
    if !(1..=12).contains(&month) {
        return Err(bad(format!(
            "cannot use {} as month",
            super::go_quote(rest)
        )));
    }
    expect(&mut rest, '-')?;
    let day = take_num(&mut rest, 2, "day of month")?;
    expect(&mut rest, 'T')?;
    let hour = take_num(&mut rest, 2, "hour")?;
    if hour > 23 {
        return Err(bad(format!("cannot use {} as hour", super::go_quote(rest))));
    }
    expect(&mut rest, ':')?;
    let minute = take_num(&mut rest, 2, "minute")?;
    if minute > 59 {
        return Err(bad(format!(
            "cannot use {} as minute",
            super::go_quote(rest)
        )));
    }
    expect(&mut rest, ':')?;
    let second = take_num(&mut rest, 2, "second")?;
    if second > 59 {
        return Err(bad(format!(
            "cannot use {} as second",
            super::go_quote(rest)
        )));
    }
    let mut nanos = 0u32;
    if let Some(frac) = rest.strip_prefix(['.', ',']) {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 {
            let text = &frac[..digits];
            let padded = format!("{text:0<9.9}");
            nanos = padded.parse().unwrap_or(0);
            rest = &frac[digits..];
        }
    }
    let offset_secs: i32 = if let Some(r) = rest.strip_prefix('Z') {
        rest = r;
        0
    } else {
        let sign = match rest.as_bytes().first() {
            Some(b'+') => 1,
            Some(b'-') => -1,
            _ if rest.is_empty() => return Err(bad("end of string before UTC offset".into())),
            _ => {
                return Err(bad(format!(
                    "cannot use {} as UTC offset",
                    super::go_quote(rest)
                )))
            }
        };
        let body = &rest[1..];
        let shape = body
            .as_bytes()
            .get(..5)
            .map(|b| b[2] == b':' && [b[0], b[1], b[3], b[4]].iter().all(u8::is_ascii_digit));
        let valid = shape == Some(true);
        if !valid {
            return Err(bad(format!(
                "cannot use {} as UTC offset",
                super::go_quote(rest)
            )));
        }
        let (h, m): (i32, i32) = (
            body[..2].parse().unwrap_or(0),
            body[3..5].parse().unwrap_or(0),
        );
        if h > 23 || m > 59 {
            return Err(bad(format!(
                "cannot use {} as UTC offset",
                super::go_quote(rest)
            )));
        }
        rest = &body[5..];
        sign * (h * 3600 + m * 60)
    };
    if !rest.is_empty() {
        return Err(bad(format!(
            "cannot use {} as timestamp segment",
            super::go_quote(rest)
        )));
    }
    let date = NaiveDate::from_ymd_opt(year as i32, month, day)
        .ok_or_else(|| bad("day out of range".into()))?;
    let naive = date
        .and_hms_nano_opt(hour, minute, second, nanos)
        .ok_or_else(|| bad("second out of range".into()))?;
    let offset =
        FixedOffset::east_opt(offset_secs).ok_or_else(|| bad("UTC offset out of range".into()))?;
    offset
        .from_local_datetime(&naive)
        .single()
        .ok_or_else(|| bad("time out of range".into()))
}

fn timestamp_arg(a: &Args, i: usize) -> Result<DateTime<FixedOffset>, FuncError> {
    parse_timestamp(a.str(i)).map_err(|m| {
        // The message quotes part of the timestamp.
        arg_err(
            i,
            if a.sensitive {
                "not a valid RFC3339 timestamp".to_string()
            } else {
                m
            },
        )
    })
}

fn formatdate(a: Args) -> Result<Value, FuncError> {
    let t = timestamp_arg(&a, 1)?;
    format_date(a.str(0), &t)
        .map(Value::string)
        .map_err(|m| arg_err(0, m))
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

fn format_date(spec: &str, t: &DateTime<FixedOffset>) -> Result<String, String> {
    let mut out = String::new();
    let chars: Vec<char> = spec.chars().collect();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        if c == '\'' {
            // A quoted literal; '' inside (or alone) is a literal quote.
            if chars.get(i + 1) == Some(&'\'') {
                out.push('\'');
                i += 2;
                continue;
            }
            let mut j = i + 1;
            let mut closed = false;
            while let Some(&q) = chars.get(j) {
                if q == '\'' {
                    if chars.get(j + 1) == Some(&'\'') {
                        out.push('\'');
                        j += 2;
                        continue;
                    }
                    closed = true;
                    break;
                }
                out.push(q);
                j += 1;
            }
            if !closed {
                return Err("unterminated literal '".into());
            }
            i = j + 1;
            continue;
        }
        if !c.is_ascii_alphabetic() {
            out.push(c);
            i += 1;
            continue;
        }
        let run = chars[i..].iter().take_while(|&&x| x == c).count();
        let token = c.to_string().repeat(run);
        i += run;
        let bad = |what: &str| {
            format!(
                "invalid date format verb {}: {what}",
                super::go_quote(&token)
            )
        };
        let month = t.month0() as usize;
        let hour12 = match t.hour() % 12 {
            0 => 12,
            h => h,
        };
        match (c, run) {
            ('Y', 2) => out.push_str(&format!("{:02}", t.year().rem_euclid(100))),
            ('Y', 4) => out.push_str(&format!("{:04}", t.year())),
            ('Y', _) => return Err(bad("year must either be \"YY\" or \"YYYY\"")),
            ('M', 1) => out.push_str(&t.month().to_string()),
            ('M', 2) => out.push_str(&format!("{:02}", t.month())),
            ('M', 3) => out.push_str(&MONTHS[month][..3]),
            ('M', 4) => out.push_str(MONTHS[month]),
            ('M', _) => return Err(bad("month must be \"M\", \"MM\", \"MMM\", or \"MMMM\"")),
            ('D', 1) => out.push_str(&t.day().to_string()),
            ('D', 2) => out.push_str(&format!("{:02}", t.day())),
            ('D', _) => return Err(bad("day of month must either be \"D\" or \"DD\"")),
            ('E', 3) => out.push_str(&WEEKDAYS[t.weekday().num_days_from_monday() as usize][..3]),
            ('E', 4) => out.push_str(WEEKDAYS[t.weekday().num_days_from_monday() as usize]),
            ('E', _) => return Err(bad("day of week must either be \"EEE\" or \"EEEE\"")),
            ('h', 1) => out.push_str(&t.hour().to_string()),
            ('h', 2) => out.push_str(&format!("{:02}", t.hour())),
            ('h', _) => return Err(bad("24-hour must either be \"h\" or \"hh\"")),
            ('H', 1) => out.push_str(&hour12.to_string()),
            ('H', 2) => out.push_str(&format!("{hour12:02}")),
            ('H', _) => return Err(bad("12-hour must either be \"H\" or \"HH\"")),
            ('A' | 'a', 2) => {
                let pm = t.hour() >= 12;
                out.push_str(match (c, pm) {
                    ('A', false) => "AM",
                    ('A', true) => "PM",
                    (_, false) => "am",
                    (_, true) => "pm",
                });
            }
            ('A' | 'a', _) => return Err(bad(&format!("must be \"{c}{c}\""))),
            ('m', 1) => out.push_str(&t.minute().to_string()),
            ('m', 2) => out.push_str(&format!("{:02}", t.minute())),
            ('m', _) => return Err(bad("minute must either be \"m\" or \"mm\"")),
            ('s', 1) => out.push_str(&t.second().to_string()),
            ('s', 2) => out.push_str(&format!("{:02}", t.second())),
            ('s', _) => return Err(bad("second must either be \"s\" or \"ss\"")),
            ('Z', 1) => out.push_str(&zone(t, true)),
            ('Z', 3) => match zone(t, false).as_str() {
                "+0000" => out.push_str("UTC"),
                other => out.push_str(other),
            },
            ('Z', 4) => out.push_str(&zone(t, false)),
            ('Z', 5) => {
                let z = zone(t, true);
                out.push_str(if z == "Z" { "+00:00" } else { &z });
            }
            ('Z', _) => return Err(bad("timezone must be Z, ZZZZ, or ZZZZZ")),
            _ => {
                return Err(format!(
                    "invalid date format verb {}",
                    super::go_quote(&token)
                ))
            }
        }
    }
    Ok(out)
}

fn timeadd(a: Args) -> Result<Value, FuncError> {
    let t = timestamp_arg(&a, 0)?;
    let nanos = parse_duration(a.str(1)).map_err(|m| {
        err(if a.sensitive {
            "time: invalid duration (sensitive value)".to_string()
        } else {
            m
        })
    })?;
    let result = t
        .checked_add_signed(Duration::nanoseconds(nanos))
        .ok_or_else(|| err("the resulting timestamp is out of range"))?;
    Ok(Value::string(rfc3339(&result)))
}

fn timecmp(a: Args) -> Result<Value, FuncError> {
    let (x, y) = (timestamp_arg(&a, 0)?, timestamp_arg(&a, 1)?);
    Ok(Value::number(match x.cmp(&y) {
        std::cmp::Ordering::Less => -1.0,
        std::cmp::Ordering::Equal => 0.0,
        std::cmp::Ordering::Greater => 1.0,
    }))
}

/// Go's `time.ParseDuration`: `[-+]?(<decimal><unit>)+` with units ns us µs ms s m h, in
/// nanoseconds.
pub(super) fn parse_duration(text: &str) -> Result<i64, String> {
    let quoted = super::go_quote(text);
    let invalid = || format!("time: invalid duration {quoted}");
    let (negative, mut rest) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if rest == "0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(invalid());
    }
    let mut total: f64 = 0.0;
    while !rest.is_empty() {
        let int_len = rest.bytes().take_while(u8::is_ascii_digit).count();
        let int_part = &rest[..int_len];
        rest = &rest[int_len..];
        let mut frac_part = "";
        if let Some(r) = rest.strip_prefix('.') {
            let frac_len = r.bytes().take_while(u8::is_ascii_digit).count();
            frac_part = &r[..frac_len];
            rest = &r[frac_len..];
            if int_len == 0 && frac_len == 0 {
                return Err(invalid());
            }
        } else if int_len == 0 {
            return Err(invalid());
        }
        let unit_len = rest
            .find(|c: char| c == '.' || c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let scale: f64 = match unit {
            "" => return Err(format!("time: missing unit in duration {quoted}")),
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            other => {
                return Err(format!(
                    "time: unknown unit {} in duration {quoted}",
                    super::go_quote(other)
                ))
            }
        };
        let number: f64 = format!(
            "{}.{}",
            if int_part.is_empty() { "0" } else { int_part },
            frac_part
        )
        .trim_end_matches('.')
        .parse()
        .map_err(|_| invalid())?;
        total += number * scale;
        if total > 9.223_372_036_854_775e18 {
            return Err(invalid());
        }
    }
    let nanos = total.round() as i64;
    Ok(if negative { -nanos } else { nanos })
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::super::{call, FuncContext};
    use super::parse_duration;
    use std::path::PathBuf;

    #[test]
    fn formatdate_doc_examples() {
        let ts = s("2018-01-02T23:12:01Z");
        let fd = |spec: &str| show("formatdate", vec![s(spec), ts.clone()]);
        assert_eq!(fd("DD MMM YYYY hh:mm ZZZ"), r#""02 Jan 2018 23:12 UTC""#);
        assert_eq!(
            fd("EEEE, DD-MMM-YY hh:mm:ss ZZZ"),
            r#""Tuesday, 02-Jan-18 23:12:01 UTC""#
        );
        assert_eq!(
            fd("EEE, DD MMM YYYY hh:mm:ss ZZZ"),
            r#""Tue, 02 Jan 2018 23:12:01 UTC""#
        );
        assert_eq!(fd("MMM DD, YYYY"), r#""Jan 02, 2018""#);
        assert_eq!(fd("HH:mmaa"), r#""11:12pm""#);
        assert_eq!(fd("h:m:s H AA"), r#""23:12:1 11 PM""#);
        assert_eq!(fd("YYYY-MM-DD'T'hh:mm:ssZ"), r#""2018-01-02T23:12:01Z""#);
        assert_eq!(fd("'it''s' D M"), r#""it's 2 1""#);
        assert_eq!(fd("ZZZZZ ZZZZ"), r#""+00:00 +0000""#);
        assert_eq!(fd("MMMM"), r#""January""#);
        let off = s("2018-01-02T23:12:01-08:00");
        assert_eq!(
            show("formatdate", vec![s("Z ZZZ ZZZZ ZZZZZ"), off]),
            r#""-08:00 -0800 -0800 -08:00""#
        );
        assert_eq!(
            show("formatdate", vec![s("YYY"), s("2018-01-02T23:12:01Z")]),
            r#"error: Invalid value for argument 1: invalid date format verb "YYY": year must either be "YY" or "YYYY""#
        );
        assert_eq!(
            show("formatdate", vec![s("x"), s("2018-01-02T23:12:01Z")]),
            r#"error: Invalid value for argument 1: invalid date format verb "x""#
        );
        assert_eq!(
            show("formatdate", vec![s("'abc"), s("2018-01-02T23:12:01Z")]),
            "error: Invalid value for argument 1: unterminated literal '"
        );
    }

    #[test]
    fn timestamp_parsing_errors() {
        let fd = |ts: &str| show("formatdate", vec![s("YYYY"), s(ts)]);
        assert!(fd("2018-01-02T23:12:01+00:0é").contains("as UTC offset"));
        assert!(fd("2018-01-02T23:12:01+é").contains("as UTC offset"));
        assert!(fd("2é18").contains("as year"));
        assert_eq!(fd("2018-01-02"), "error: Invalid value for argument 2: not a valid RFC3339 timestamp: missing required time introducer 'T'");
        assert_eq!(fd("2018-01-02T23:12:01"), "error: Invalid value for argument 2: not a valid RFC3339 timestamp: end of string before UTC offset");
        assert_eq!(
            fd("18-01-02T23:12:01Z"),
            r#"error: Invalid value for argument 2: not a valid RFC3339 timestamp: cannot use "18-01-02T23:12:01Z" as year"#
        );
        assert_eq!(
            fd("2018-02-30T00:00:00Z"),
            "error: Invalid value for argument 2: not a valid RFC3339 timestamp: day out of range"
        );
        assert_eq!(fd("2018-01-02T23:12:01.123+05:30"), r#""2018""#);
        assert_eq!(
            fd("2018-01-02T23:12:01Zjunk"),
            r#"error: Invalid value for argument 2: not a valid RFC3339 timestamp: cannot use "junk" as timestamp segment"#
        );
    }

    #[test]
    fn timeadd_and_timecmp() {
        let ta = |ts: &str, d: &str| show("timeadd", vec![s(ts), s(d)]);
        assert_eq!(
            ta("2017-11-22T00:00:00Z", "10m"),
            r#""2017-11-22T00:10:00Z""#
        );
        assert_eq!(
            ta("2017-11-22T00:00:00Z", "-1h30m"),
            r#""2017-11-21T22:30:00Z""#
        );
        assert_eq!(
            ta("2017-11-22T00:00:00Z", "1.5h"),
            r#""2017-11-22T01:30:00Z""#
        );
        assert_eq!(
            ta("2017-11-22T00:00:00+02:00", "24h"),
            r#""2017-11-23T00:00:00+02:00""#
        );
        assert_eq!(
            ta("2017-11-22T00:00:00.999Z", "1ms"),
            r#""2017-11-22T00:00:01Z""#
        );
        assert_eq!(
            ta("2017-11-22T00:00:00Z", "1d"),
            r#"error: time: unknown unit "d" in duration "1d""#
        );
        assert_eq!(
            ta("2017-11-22T00:00:00Z", "10"),
            r#"error: time: missing unit in duration "10""#
        );
        assert_eq!(
            ta("2017-11-22T00:00:00Z", "x"),
            r#"error: time: invalid duration "x""#
        );
        assert_eq!(parse_duration("0"), Ok(0));
        assert_eq!(parse_duration("1h2m3s4ms5us6ns"), Ok(3_723_004_005_006));
        let tc = |x: &str, y: &str| show("timecmp", vec![s(x), s(y)]);
        assert_eq!(tc("2017-11-22T00:00:00Z", "2017-11-22T00:00:00Z"), "0");
        assert_eq!(tc("2017-11-22T01:00:00+01:00", "2017-11-22T00:00:00Z"), "0");
        assert_eq!(tc("2017-11-22T00:00:00Z", "2017-11-22T00:00:01Z"), "-1");
        assert_eq!(tc("2017-11-23T00:00:00Z", "2017-11-22T00:00:01Z"), "1");
    }

    #[test]
    fn timestamps() {
        let now = run("timestamp", vec![]).unwrap();
        let text = now.as_str().unwrap();
        assert_eq!(text.len(), 20);
        assert!(text.ends_with('Z') && super::parse_timestamp(text).is_ok());
        let plan = FuncContext {
            base_dir: PathBuf::from("."),
            plan_time: true,
        };
        assert_eq!(
            call("timestamp", vec![], &plan).unwrap().to_string(),
            "(known after apply)"
        );
        assert_eq!(
            show("formatdate", vec![s("YYYY"), unknown_str()]),
            "(known after apply)"
        );
    }
}
