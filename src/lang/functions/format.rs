//! `format` and `formatlist`, with cty's verbs: `%v %#v %t %b %d %o %x %X %e %E %f %g %G %s %q
//! %%`, flags (space `+ - 0 #`), width, precision and explicit argument indexes `%[2]d`.

use super::encoding::{json_encode, json_quote};
use super::{arg_err, err, ret_list_string, ret_string, Args, FuncError, Param, Spec, P, STR};
use crate::lang::convert::convert;
use crate::lang::{Type, Value, ValueKind};

pub(super) const SPECS: &[Spec] = &[
    Spec::new("format", &[STR], ret_string, format_fn).variadic(Param::of(P::Any).null()),
    Spec::new("formatlist", &[STR], ret_list_string, formatlist)
        .variadic(Param::of(P::Any).null().unknown()),
];

fn format_fn(a: Args) -> Result<Value, FuncError> {
    format(a.str(0), &a.args[1..]).map(Value::string)
}

fn formatlist(a: Args) -> Result<Value, FuncError> {
    let fmt = a.str(0);
    let args = &a.args[1..];
    if args.is_empty() {
        return Ok(Value::list(vec![Value::string(format(fmt, args)?)]));
    }
    // Sequences are iterated together (they must have one length); other values repeat.
    let mut iter_len: Option<(usize, usize)> = None;
    for (i, arg) in args.iter().enumerate() {
        if arg.is_null() {
            continue;
        }
        let seq_len = match arg.kind() {
            ValueKind::List(v) | ValueKind::Set(v) | ValueKind::Tuple(v) => v.len(),
            ValueKind::Unknown(Type::List(_) | Type::Set(_) | Type::Tuple(_)) => {
                return Ok(Value::unknown(Type::list(Type::String)))
            }
            _ => continue,
        };
        match iter_len {
            None => iter_len = Some((seq_len, i)),
            Some((len, chooser)) if len != seq_len => {
                return Err(arg_err(
                    i + 1,
                    format!(
                        "argument {} has length {seq_len}, which is inconsistent with argument {} of length {len}",
                        i + 1,
                        chooser + 1
                    ),
                ))
            }
            Some(_) => {}
        }
    }
    let rounds = iter_len.map(|(len, _)| len).unwrap_or(1);
    let mut out = Vec::with_capacity(rounds);
    for round in 0..rounds {
        let round_args: Vec<Value> = args
            .iter()
            .map(|arg| match arg.as_seq() {
                Some(seq) if !arg.is_null() => seq.get(round).cloned().unwrap_or_else(Value::null),
                _ => arg.clone(),
            })
            .collect();
        if !round_args.iter().all(Value::is_wholly_known) {
            out.push(Value::unknown(Type::String));
            continue;
        }
        let s = format(fmt, &round_args)
            .map_err(|e| err(format!("error on format iteration {round}: {e}")))?;
        out.push(Value::string(s));
    }
    Ok(Value::list(out))
}

/// Widths and precisions above this are refused rather than allocating without bound.
const MAX_WIDTH: usize = 1_000_000;

#[derive(Default)]
struct Verb {
    raw: String,
    offset: usize,
    arg_num: usize,
    mode: char,
    zero: bool,
    sharp: bool,
    plus: bool,
    minus: bool,
    space: bool,
    width: Option<usize>,
    prec: Option<usize>,
}

/// Formats `args` by the format string `fmt` (all arguments wholly known).
pub(super) fn format(fmt: &str, args: &[Value]) -> Result<String, FuncError> {
    let mut out = String::with_capacity(fmt.len());
    let mut chars = fmt.char_indices().peekable();
    let mut next_arg = 1usize;
    let mut highest_used = 0usize;
    let unrecognized = |c: char, at: usize| {
        err(format!(
            "unrecognized format character '{c}' at offset {at}"
        ))
    };
    let truncated = || {
        err(format!(
            "invalid format string starting at offset {}",
            fmt.len()
        ))
    };
    while let Some((start, c)) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        if let Some((_, '%')) = chars.peek() {
            chars.next();
            out.push('%');
            continue;
        }
        let mut verb = Verb {
            offset: start,
            arg_num: next_arg,
            ..Verb::default()
        };
        while let Some(&(_, f)) = chars.peek() {
            match f {
                '0' => verb.zero = true,
                '#' => verb.sharp = true,
                '-' => verb.minus = true,
                '+' => verb.plus = true,
                ' ' => verb.space = true,
                _ => break,
            }
            chars.next();
        }
        if let Some((_, '[')) = chars.peek() {
            chars.next();
            verb.arg_num = read_num(&mut chars, &unrecognized, &truncated)?;
            match chars.next() {
                Some((_, ']')) => {}
                Some((at, c)) => return Err(unrecognized(c, at)),
                None => return Err(truncated()),
            }
        }
        if let Some(&(_, '1'..='9')) = chars.peek() {
            verb.width = Some(read_num(&mut chars, &unrecognized, &truncated)?);
        }
        if let Some((_, '.')) = chars.peek() {
            chars.next();
            let mut prec = 0usize;
            while let Some(&(_, d @ '0'..='9')) = chars.peek() {
                prec = prec
                    .saturating_mul(10)
                    .saturating_add(d as usize - '0' as usize);
                chars.next();
            }
            verb.prec = Some(prec);
        }
        match chars.next() {
            Some((at, m)) if m.is_ascii_alphabetic() => {
                verb.mode = m;
                verb.raw = fmt[start..at + 1].to_string();
            }
            Some((at, c)) => return Err(unrecognized(c, at)),
            None => return Err(truncated()),
        }
        if verb.width.max(verb.prec).unwrap_or(0) > MAX_WIDTH {
            return Err(err(format!(
                "width or precision of {} at offset {start} is larger than {MAX_WIDTH}",
                super::go_quote(&verb.raw)
            )));
        }
        append(&mut verb, &mut out, args)?;
        highest_used = highest_used.max(verb.arg_num);
        next_arg = verb.arg_num + 1;
    }
    if highest_used < args.len() {
        let first_bad = highest_used + 1;
        return Err(arg_err(
            first_bad,
            if highest_used == 0 {
                "too many arguments; no verbs in format string".to_string()
            } else {
                format!("too many arguments; only {highest_used} used by format string")
            },
        ));
    }
    Ok(out)
}

/// A number without a leading zero: `[1-9][0-9]*`.
fn read_num(
    chars: &mut std::iter::Peekable<std::str::CharIndices>,
    unrecognized: &dyn Fn(char, usize) -> FuncError,
    truncated: &dyn Fn() -> FuncError,
) -> Result<usize, FuncError> {
    match chars.next() {
        Some((_, d @ '1'..='9')) => {
            let mut n = d as usize - '0' as usize;
            while let Some(&(_, d @ '0'..='9')) = chars.peek() {
                n = n
                    .saturating_mul(10)
                    .saturating_add(d as usize - '0' as usize);
                chars.next();
            }
            Ok(n)
        }
        Some((at, c)) => Err(unrecognized(c, at)),
        None => Err(truncated()),
    }
}

fn append(verb: &mut Verb, out: &mut String, args: &[Value]) -> Result<(), FuncError> {
    let raw = super::go_quote(&verb.raw);
    let offset = verb.offset;
    let Some(arg) = verb.arg_num.checked_sub(1).and_then(|i| args.get(i)) else {
        return Err(err(format!(
            "not enough arguments for {raw} at {offset}: need index {} but have {} total",
            verb.arg_num,
            args.len()
        )));
    };
    if verb.mode != 'v' && arg.is_null() {
        return Err(err(format!(
            "unsupported value for {raw} at {offset}: null value cannot be formatted"
        )));
    }
    let unsupported = |e: String| err(format!("unsupported value for {raw} at {offset}: {e}"));
    match verb.mode {
        'v' => {
            let text = match arg.kind() {
                ValueKind::String(s) if !verb.sharp => s.clone(),
                ValueKind::Number(n) if !verb.sharp => with_sign(*n, fmt_g(n.abs(), None, false)),
                _ => json_encode(arg),
            };
            out.push_str(&pad_width(verb, &text));
        }
        't' => {
            let b = convert(arg.clone(), &Type::Bool).map_err(|e| unsupported(e.to_string()))?;
            out.push_str(if b.as_bool() == Some(true) {
                "true"
            } else {
                "false"
            });
        }
        'b' | 'd' | 'o' | 'x' | 'X' | 'e' | 'E' | 'f' | 'g' | 'G' => {
            let n = convert(arg.clone(), &Type::Number).map_err(|e| unsupported(e.to_string()))?;
            let n = n.as_number().unwrap_or(f64::NAN);
            if matches!(verb.mode, 'b' | 'd' | 'o' | 'x' | 'X') {
                if n.fract() != 0.0 || !n.is_finite() {
                    return Err(unsupported("an integer is required".into()));
                }
                out.push_str(&format_integer(verb, n));
            } else {
                out.push_str(&format_float(verb, n));
            }
        }
        's' | 'q' => {
            let s = convert(arg.clone(), &Type::String).map_err(|e| unsupported(e.to_string()))?;
            let mut s = s.as_str().unwrap_or_default().to_string();
            if let Some(prec) = verb.prec.filter(|p| *p > 0) {
                s = s.chars().take(prec).collect();
            }
            let text = if verb.mode == 'q' { json_quote(&s) } else { s };
            out.push_str(&pad_width(verb, &text));
        }
        m => {
            return Err(err(format!(
                "unsupported format verb '{m}' in {raw} at offset {offset}"
            )));
        }
    }
    Ok(())
}

/// Pads to the verb's width (in characters), with spaces or zeros, on the left or right.
fn pad_width(verb: &Verb, text: &str) -> String {
    let len = text.chars().count();
    let Some(width) = verb.width.filter(|w| *w > len) else {
        return text.to_string();
    };
    let pad = (if verb.zero { "0" } else { " " }).repeat(width - len);
    if verb.minus {
        format!("{text}{pad}")
    } else {
        format!("{pad}{text}")
    }
}

fn with_sign(n: f64, abs_text: String) -> String {
    if n.is_sign_negative() && n != 0.0 {
        format!("-{abs_text}")
    } else {
        abs_text
    }
}

/// Go's `big.Int` formatting: sign, `#` prefix, precision as minimum digits, width padding.
fn format_integer(verb: &Verb, n: f64) -> String {
    let base = match verb.mode {
        'b' => 2,
        'o' => 8,
        'x' | 'X' => 16,
        _ => 10,
    };
    let mut digits = integer_digits(n.abs(), base);
    if verb.mode == 'X' {
        digits = digits.to_ascii_uppercase();
    }
    let sign = if n < 0.0 {
        "-"
    } else if verb.plus {
        "+"
    } else if verb.space {
        " "
    } else {
        ""
    };
    let prefix = match (verb.sharp, verb.mode) {
        (true, 'b') => "0b",
        (true, 'o') => "0",
        (true, 'x') => "0x",
        (true, 'X') => "0X",
        _ => "",
    };
    let mut zeros = 0;
    if let Some(prec) = verb.prec {
        if digits.len() < prec {
            zeros = prec - digits.len();
        } else if digits == "0" && prec == 0 {
            return String::new();
        }
    }
    let length = sign.len() + prefix.len() + zeros + digits.len();
    let (mut left, mut right) = (0, 0);
    if let Some(width) = verb.width.filter(|w| *w > length) {
        let d = width - length;
        if verb.minus {
            right = d;
        } else if verb.zero && verb.prec.is_none() {
            zeros = d;
        } else {
            left = d;
        }
    }
    format!(
        "{}{sign}{prefix}{}{digits}{}",
        " ".repeat(left),
        "0".repeat(zeros),
        " ".repeat(right)
    )
}

/// The digits of a non-negative integral float in `base`, exactly.
fn integer_digits(abs: f64, base: u32) -> String {
    if abs < 1.8e19 {
        let v = abs as u64;
        return match base {
            2 => format!("{v:b}"),
            8 => format!("{v:o}"),
            16 => format!("{v:x}"),
            _ => v.to_string(),
        };
    }
    if base == 10 {
        return format!("{abs:.0}");
    }
    // mantissa * 2^exponent, written in binary and regrouped for octal or hex.
    let bits = abs.to_bits();
    let exponent = ((bits >> 52) & 0x7ff) as i64 - 1075;
    let mantissa = (bits & ((1u64 << 52) - 1)) | (1u64 << 52);
    let mut binary = format!("{mantissa:b}");
    binary.push_str(&"0".repeat(exponent.max(0) as usize));
    let group = match base {
        8 => 3,
        16 => 4,
        _ => return binary,
    };
    let pad = (group - binary.len() % group) % group;
    let padded = format!("{}{binary}", "0".repeat(pad));
    let out: String = padded
        .as_bytes()
        .chunks(group)
        .map(|chunk| {
            let v = chunk
                .iter()
                .fold(0u32, |acc, b| acc * 2 + u32::from(*b - b'0'));
            std::char::from_digit(v, base).unwrap_or('0')
        })
        .collect();
    out.trim_start_matches('0').to_string()
}

/// Go's `big.Float` formatting for `%e %E %f %g %G`: sign, then zero, right or left padding.
fn format_float(verb: &Verb, n: f64) -> String {
    let upper = verb.mode.is_ascii_uppercase();
    let abs = n.abs();
    let body = if n.is_infinite() {
        "Inf".to_string()
    } else {
        match verb.mode.to_ascii_lowercase() {
            'e' => fmt_e(abs, verb.prec.unwrap_or(6), upper),
            'f' => format!("{abs:.*}", verb.prec.unwrap_or(6)),
            _ => fmt_g(abs, verb.prec, upper),
        }
    };
    let sign = if n < 0.0 {
        "-"
    } else if verb.plus || (n.is_infinite() && !verb.space) {
        "+"
    } else if verb.space {
        " "
    } else {
        ""
    };
    let len = sign.len() + body.chars().count();
    let padding = verb
        .width
        .filter(|w| *w > len)
        .map(|w| w - len)
        .unwrap_or(0);
    if verb.zero && !n.is_infinite() {
        format!("{sign}{}{body}", "0".repeat(padding))
    } else if verb.minus {
        format!("{sign}{body}{}", " ".repeat(padding))
    } else {
        format!("{}{sign}{body}", " ".repeat(padding))
    }
}

/// Decimal digits (no trailing zeros) and the decimal point position of `abs`, rounded to
/// `sig` significant digits, or the shortest that round-trips when `sig` is `None`.
fn decimal_digits(abs: f64, sig: Option<usize>) -> (String, i64) {
    let text = match sig {
        None => format!("{abs:e}"),
        Some(p) => format!("{abs:.*e}", p.max(1) - 1),
    };
    let (mantissa, exp) = text.split_once('e').unwrap_or((&text, "0"));
    let exp: i64 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let trimmed = digits.trim_end_matches('0');
    let digits = if trimmed.is_empty() {
        "0".to_string()
    } else {
        trimmed.to_string()
    };
    (digits, exp + 1)
}

fn fmt_e(abs: f64, prec: usize, upper: bool) -> String {
    let text = format!("{abs:.prec$e}");
    let (mantissa, exp) = text.split_once('e').unwrap_or((&text, "0"));
    let exp: i64 = exp.parse().unwrap_or(0);
    let e = if upper { 'E' } else { 'e' };
    let sign = if exp < 0 { '-' } else { '+' };
    format!("{mantissa}{e}{sign}{:02}", exp.abs())
}

/// `%g`: `%e` for large or small exponents, otherwise `%f`, with the fewest digits needed.
pub(super) fn fmt_g(abs: f64, prec: Option<usize>, upper: bool) -> String {
    if abs == 0.0 {
        return "0".into();
    }
    let (digits, dp) = decimal_digits(abs, prec);
    let nd = digits.len() as i64;
    let eprec = match prec {
        None => 6,
        Some(p) => {
            let p = p.max(1) as i64;
            if p > nd && nd >= dp {
                nd
            } else {
                p
            }
        }
    };
    let exp = dp - 1;
    if exp < -4 || exp >= eprec {
        let e = if upper { 'E' } else { 'e' };
        let sign = if exp < 0 { '-' } else { '+' };
        let (first, rest) = digits.split_at(1);
        let frac = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        return format!("{first}{frac}{e}{sign}{:02}", exp.abs());
    }
    if dp <= 0 {
        format!("0.{}{digits}", "0".repeat((-dp) as usize))
    } else if dp >= nd {
        format!("{digits}{}", "0".repeat((dp - nd) as usize))
    } else {
        let (int, frac) = digits.split_at(dp as usize);
        format!("{int}.{frac}")
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use crate::lang::{Type, Value};

    fn f(fmt: &str, args: Vec<Value>) -> String {
        let mut all = vec![s(fmt)];
        all.extend(args);
        show("format", all)
    }

    #[test]
    fn terraform_doc_examples() {
        assert_eq!(f("Hello, %s!", vec![s("Ander")]), r#""Hello, Ander!""#);
        assert_eq!(
            f("There are %d lights", vec![n(4.0)]),
            r#""There are 4 lights""#
        );
        assert_eq!(f("%-5s|", vec![s("ab")]), r#""ab   |""#);
        assert_eq!(f("%5s|", vec![s("ab")]), r#""   ab|""#);
        assert_eq!(f("%.2f", vec![n(1.23456)]), r#""1.23""#);
        assert_eq!(f("%f", vec![n(1.23456)]), r#""1.234560""#);
        assert_eq!(f("%8.2f|", vec![n(-1.23456)]), r#""   -1.23|""#);
        assert_eq!(f("%08.2f", vec![n(-1.23456)]), r#""-0001.23""#);
        assert_eq!(f("%+d", vec![n(5.0)]), r#""+5""#);
        assert_eq!(f("%05d", vec![n(-42.0)]), r#""-0042""#);
        assert_eq!(
            f("%x %X %o %b", vec![n(255.0), n(255.0), n(8.0), n(5.0)]),
            r#""ff FF 10 101""#
        );
        assert_eq!(f("%#x %#o", vec![n(255.0), n(8.0)]), r#""0xff 010""#);
        assert_eq!(f("%e", vec![n(1234.5678)]), r#""1.234568e+03""#);
        assert_eq!(f("%E", vec![n(0.000123)]), r#""1.230000E-04""#);
        assert_eq!(f("%g", vec![n(1234.5678)]), r#""1234.5678""#);
        assert_eq!(f("%g", vec![n(100000000.0)]), r#""1e+08""#);
        assert_eq!(f("%.3g", vec![n(1234.5678)]), r#""1.23e+03""#);
        assert_eq!(f("%.3g", vec![n(1.0)]), r#""1""#);
        assert_eq!(
            f("%q", vec![s("hi \"there\"")]),
            r#""\"hi \\\"there\\\"\"""#
        );
        assert_eq!(
            f("%q", vec![s("<a&b>")]),
            r#""\"\\u003ca\\u0026b\\u003e\"""#
        );
        assert_eq!(f("%t", vec![b(true)]), r#""true""#);
        assert_eq!(f("%t", vec![s("false")]), r#""false""#);
        assert_eq!(f("%v", vec![n(1.5)]), r#""1.5""#);
        assert_eq!(f("%v", vec![n(1000000.0)]), r#""1e+06""#);
        assert_eq!(f("%v", vec![n(123456.0)]), r#""123456""#);
        assert_eq!(f("%v %v", vec![s("a"), b(true)]), r#""a true""#);
        assert_eq!(f("%v", vec![Value::null()]), r#""null""#);
        assert_eq!(f("%v", vec![tup(vec![s("a"), n(1.0)])]), r#""[\"a\",1]""#);
        assert_eq!(f("%#v", vec![s("a")]), r#""\"a\"""#);
        assert_eq!(
            f("%v", vec![obj(&[("b", n(1.0)), ("a", s("x"))])]),
            r#""{\"a\":\"x\",\"b\":1}""#
        );
        assert_eq!(f("%s", vec![n(12.0)]), r#""12""#);
        assert_eq!(f("%.3s", vec![s("abcdef")]), r#""abc""#);
        assert_eq!(f("100%%", vec![]), r#""100%""#);
        assert_eq!(f("%[2]s %[1]s %s", vec![s("a"), s("b")]), r#""b a b""#);
        assert_eq!(f("%[2]d-%d", vec![n(1.0), n(2.0), n(3.0)]), r#""2-3""#);
    }

    #[test]
    fn errors() {
        assert!(f("%9999999d", vec![n(1.0)]).contains("is larger than 1000000"));
        assert_eq!(
            f("%d", vec![n(1.5)]),
            r#"error: unsupported value for "%d" at 0: an integer is required"#
        );
        assert_eq!(
            f("%d bottles", vec![b(true)]),
            r#"error: unsupported value for "%d" at 0: number required"#
        );
        assert_eq!(
            f("%d", vec![s("x")]),
            r#"error: unsupported value for "%d" at 0: a number is required"#
        );
        assert_eq!(
            f("%s", vec![Value::null()]),
            r#"error: unsupported value for "%s" at 0: null value cannot be formatted"#
        );
        assert_eq!(
            f("%s %s", vec![s("a")]),
            r#"error: not enough arguments for "%s" at 3: need index 2 but have 1 total"#
        );
        assert_eq!(
            f("%z", vec![n(1.0)]),
            r#"error: unsupported format verb 'z' in "%z" at offset 0"#
        );
        assert_eq!(
            f("%[0]s", vec![s("a")]),
            "error: unrecognized format character '0' at offset 2"
        );
        assert_eq!(
            f("%!", vec![]),
            "error: unrecognized format character '!' at offset 1"
        );
        assert_eq!(
            f("abc %", vec![]),
            "error: invalid format string starting at offset 5"
        );
        assert_eq!(
            f("no verbs", vec![n(1.0)]),
            "error: Invalid value for argument 2: too many arguments; no verbs in format string"
        );
        assert_eq!(
            f("one %d", vec![n(1.0), n(2.0)]),
            "error: Invalid value for argument 3: too many arguments; only 1 used by format string"
        );
    }

    #[test]
    fn unknown_and_sensitive() {
        assert_eq!(f("%s", vec![unknown_str()]), "(known after apply)");
        assert_eq!(
            f("%v", vec![tup(vec![unknown_str()])]),
            "(known after apply)"
        );
        assert_eq!(f("x%sy", vec![secret("s3cr3t")]), "(sensitive value)");
    }

    #[test]
    fn formatlist_rounds() {
        let fl = |args: Vec<Value>| show("formatlist", args);
        assert_eq!(
            fl(vec![
                s("Hello, %s!"),
                strs(&["Valentina", "Ander", "Olivia", "Sam"])
            ]),
            r#"["Hello, Valentina!", "Hello, Ander!", "Hello, Olivia!", "Hello, Sam!"]"#
        );
        assert_eq!(
            fl(vec![
                s("%s, %s!"),
                s("Salutations"),
                strs(&["Valentina", "Ander"])
            ]),
            r#"["Salutations, Valentina!", "Salutations, Ander!"]"#
        );
        assert_eq!(
            fl(vec![s("%s=%d"), strs(&["a", "b"]), nums(&[1.0, 2.0])]),
            r#"["a=1", "b=2"]"#
        );
        assert_eq!(fl(vec![s("x")]), r#"["x"]"#);
        assert_eq!(fl(vec![s("%s"), strs(&[])]), "[]");
        assert_eq!(
            fl(vec![s("%s%s"), strs(&["a"]), strs(&["b", "c"])]),
            "error: Invalid value for argument 3: argument 2 has length 2, which is inconsistent with argument 1 of length 1"
        );
        assert_eq!(
            fl(vec![s("%s"), tup(vec![s("a"), unknown_str()])]),
            r#"["a", (known after apply)]"#
        );
        assert_eq!(
            fl(vec![s("%s"), Value::unknown(Type::list(Type::String))]),
            "(known after apply)"
        );
        assert_eq!(
            fl(vec![s("%d"), strs(&["x"])]),
            r#"error: error on format iteration 0: unsupported value for "%d" at 0: a number is required"#
        );
    }

    #[test]
    fn big_integers_are_exact() {
        assert_eq!(
            super::integer_digits(2f64.powi(70), 16),
            "400000000000000000"
        );
        assert_eq!(
            super::integer_digits(2f64.powi(70), 8),
            format!("2{}", "0".repeat(23))
        );
        assert_eq!(
            super::integer_digits(2f64.powi(70), 10),
            "1180591620717411303424"
        );
    }
}
