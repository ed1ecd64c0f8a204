//! String functions: chomp endswith indent join lower regex regexall replace split startswith
//! strcontains strrev substr title trim trimprefix trimspace trimsuffix upper.

use std::collections::BTreeMap;

use regex::Regex;

use super::{
    arg_err, err, ret_bool, ret_dynamic, ret_list_string, ret_string, Args, FuncError, Param, Spec,
    NUM, P, STR,
};
use crate::lang::{Type, Value};

pub(super) const SPECS: &[Spec] = &[
    Spec::new("chomp", &[STR], ret_string, |a| {
        Ok(Value::string(chomp(a.str(0))))
    }),
    Spec::new("endswith", &[STR, STR], ret_bool, |a| {
        Ok(Value::bool(a.str(0).ends_with(a.str(1))))
    }),
    Spec::new("startswith", &[STR, STR], ret_bool, |a| {
        Ok(Value::bool(a.str(0).starts_with(a.str(1))))
    }),
    Spec::new("strcontains", &[STR, STR], ret_bool, |a| {
        Ok(Value::bool(a.str(0).contains(a.str(1))))
    }),
    Spec::new("indent", &[NUM, STR], ret_string, indent),
    Spec::new("join", &[STR], ret_string, join).variadic(Param::of(P::List(&P::String))),
    Spec::new("lower", &[STR], ret_string, |a| {
        Ok(Value::string(map_chars(a.str(0), char::to_lowercase)))
    }),
    Spec::new("upper", &[STR], ret_string, |a| {
        Ok(Value::string(map_chars(a.str(0), char::to_uppercase)))
    }),
    Spec::new("title", &[STR], ret_string, |a| {
        Ok(Value::string(title(a.str(0))))
    }),
    Spec::new("regex", &[STR, STR], ret_dynamic, regex_fn),
    Spec::new("regexall", &[STR, STR], ret_regexall, regexall),
    Spec::new("replace", &[STR, STR, STR], ret_string, replace),
    Spec::new("split", &[STR, STR], ret_list_string, split),
    Spec::new("strrev", &[STR], ret_string, |a| {
        Ok(Value::string(a.str(0).chars().rev().collect::<String>()))
    }),
    Spec::new("substr", &[STR, NUM, NUM], ret_string, substr),
    Spec::new("trim", &[STR, STR], ret_string, |a| {
        let cutset = a.str(1);
        Ok(Value::string(a.str(0).trim_matches(|c| cutset.contains(c))))
    }),
    Spec::new("trimprefix", &[STR, STR], ret_string, |a| {
        Ok(Value::string(
            a.str(0).strip_prefix(a.str(1)).unwrap_or(a.str(0)),
        ))
    }),
    Spec::new("trimsuffix", &[STR, STR], ret_string, |a| {
        Ok(Value::string(
            a.str(0).strip_suffix(a.str(1)).unwrap_or(a.str(0)),
        ))
    }),
    Spec::new("trimspace", &[STR], ret_string, |a| {
        Ok(Value::string(a.str(0).trim_matches(char::is_whitespace)))
    }),
];

fn ret_regexall(_: &[Value]) -> Type {
    Type::list(Type::Dynamic)
}

/// Removes every trailing newline (`\n`, `\r\n` or `\r`).
fn chomp(s: &str) -> &str {
    s.trim_end_matches(['\n', '\r'])
}

/// Maps each character as Go's `unicode.ToUpper`/`ToLower` do: only one-to-one mappings apply
/// (`ß` stays `ß`), and no context-dependent rules.
fn map_chars<I: Iterator<Item = char>>(s: &str, f: fn(char) -> I) -> String {
    s.chars()
        .map(|c| {
            let mut mapped = f(c);
            match (mapped.next(), mapped.next()) {
                (Some(m), None) => m,
                _ => c,
            }
        })
        .collect()
}

/// Go's `strings.Title`: upper-cases the first letter of each word.
fn title(s: &str) -> String {
    fn is_separator(c: char) -> bool {
        if c.is_ascii() {
            return !(c.is_ascii_alphanumeric() || c == '_');
        }
        if c.is_alphanumeric() {
            return false;
        }
        c.is_whitespace()
    }
    let mut prev = ' ';
    s.chars()
        .map(|c| {
            let out = if is_separator(prev) {
                map_chars(&c.to_string(), char::to_uppercase)
            } else {
                c.to_string()
            };
            prev = c;
            out
        })
        .collect()
}

fn indent(a: Args) -> Result<Value, FuncError> {
    let spaces = a.int(0)?;
    if spaces < 0 {
        return Err(arg_err(0, "must not be negative"));
    }
    if spaces > 1_000_000 {
        return Err(arg_err(0, "must not be larger than 1000000"));
    }
    let pad = " ".repeat(usize::try_from(spaces).unwrap_or(0));
    Ok(Value::string(a.str(1).replace('\n', &format!("\n{pad}"))))
}

fn join(a: Args) -> Result<Value, FuncError> {
    let sep = a.str(0);
    let lists = &a.args[1..];
    if lists.is_empty() {
        return Err(err("at least one list is required"));
    }
    let mut parts: Vec<&str> = Vec::new();
    for (li, list) in lists.iter().enumerate() {
        for (ei, elem) in list.as_seq().unwrap_or_default().iter().enumerate() {
            match elem.as_str() {
                Some(s) => parts.push(s),
                None if lists.len() > 1 => {
                    return Err(arg_err(
                        li + 1,
                        format!(
                            "element {ei} of list {} is null; cannot concatenate null values",
                            li + 1
                        ),
                    ))
                }
                None => {
                    return Err(arg_err(
                        li + 1,
                        format!("element {ei} is null; cannot concatenate null values"),
                    ))
                }
            }
        }
    }
    Ok(Value::string(parts.join(sep)))
}

/// Go's `strings.Split`: an empty separator splits into characters; an empty string with a
/// non-empty separator gives one empty element.
fn split(a: Args) -> Result<Value, FuncError> {
    let (sep, s) = (a.str(0), a.str(1));
    let parts: Vec<Value> = if sep.is_empty() {
        s.chars().map(|c| Value::string(c.to_string())).collect()
    } else {
        s.split(sep).map(Value::string).collect()
    };
    Ok(Value::list(parts))
}

fn substr(a: Args) -> Result<Value, FuncError> {
    let s = a.str(0);
    let mut offset = a.int(1)?;
    let length = a.int(2)?;
    let chars: Vec<char> = s.chars().collect();
    let total = chars.len() as i64;
    if offset < 0 {
        offset += total;
    }
    let start = offset.clamp(0, total) as usize;
    let rest = chars.get(start..).unwrap_or_default();
    let taken: String = if length < 0 {
        rest.iter().collect()
    } else {
        rest.iter()
            .take(usize::try_from(length).unwrap_or(usize::MAX))
            .collect()
    };
    Ok(Value::string(taken))
}

fn replace(a: Args) -> Result<Value, FuncError> {
    let (s, search, replacement) = (a.str(0), a.str(1), a.str(2));
    if search.len() > 1 && search.starts_with('/') && search.ends_with('/') {
        let pattern = &search[1..search.len() - 1];
        let re = compile(pattern).map_err(|m| {
            let shown = if a.sensitive {
                "(sensitive value)"
            } else {
                pattern
            };
            err(format!("error parsing regexp: {m}: `{shown}`"))
        })?;
        return Ok(Value::string(re.replace_all(s, replacement).into_owned()));
    }
    Ok(Value::string(s.replace(search, replacement)))
}

// ---- regex, regexall ----

/// Compiles an RE2 pattern with the regex crate, keeping RE2's ASCII-only meaning of `\d`, `\w`,
/// `\s` and `\b` (the regex crate makes them Unicode-aware).
pub(super) fn compile(pattern: &str) -> Result<Regex, String> {
    Regex::new(&translate_re2(pattern)).map_err(|e| regex_error_message(&e))
}

fn regex_error_message(e: &regex::Error) -> String {
    let text = e.to_string();
    let last = text
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or(&text);
    last.trim()
        .strip_prefix("error: ")
        .unwrap_or(last.trim())
        .to_string()
}

fn translate_re2(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut chars = pattern.chars().peekable();
    let mut in_class = false;
    let mut class_start = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let Some(e) = chars.next() else {
                    out.push('\\');
                    break;
                };
                let replacement = match (in_class, e) {
                    (false, 'd') => Some("[0-9]"),
                    (false, 'D') => Some("[^0-9]"),
                    (false, 'w') => Some("[0-9A-Za-z_]"),
                    (false, 'W') => Some("[^0-9A-Za-z_]"),
                    (false, 's') => Some(r"[\t\n\f\r ]"),
                    (false, 'S') => Some(r"[^\t\n\f\r ]"),
                    (false, 'b') => Some(r"(?-u:\b)"),
                    (false, 'B') => Some(r"(?-u:\B)"),
                    (true, 'd') => Some("0-9"),
                    (true, 'w') => Some("0-9A-Za-z_"),
                    (true, 's') => Some(r"\t\n\f\r "),
                    _ => None,
                };
                match replacement {
                    Some(r) => out.push_str(r),
                    None => {
                        out.push('\\');
                        out.push(e);
                    }
                }
                class_start = false;
            }
            '[' if !in_class => {
                in_class = true;
                class_start = true;
                out.push('[');
                if chars.peek() == Some(&'^') {
                    chars.next();
                    out.push('^');
                }
                continue;
            }
            '[' if in_class && chars.peek() == Some(&':') => {
                // A POSIX class like [:alpha:] inside a bracket expression.
                out.push('[');
                for p in chars.by_ref() {
                    out.push(p);
                    if p == ']' {
                        break;
                    }
                }
                class_start = false;
            }
            ']' if in_class && !class_start => {
                in_class = false;
                out.push(']');
            }
            other => {
                out.push(other);
                class_start = false;
            }
        }
    }
    out
}

enum Shape {
    Whole,
    Positional,
    Named(Vec<String>),
}

fn shape(re: &Regex) -> Result<Shape, FuncError> {
    let names: Vec<Option<&str>> = re.capture_names().skip(1).collect();
    let named: Vec<String> = names.iter().flatten().map(|n| n.to_string()).collect();
    let unnamed = names.iter().filter(|n| n.is_none()).count();
    match (unnamed, named.len()) {
        (0, 0) => Ok(Shape::Whole),
        (_, 0) => Ok(Shape::Positional),
        (0, _) => Ok(Shape::Named(named)),
        _ => Err(arg_err(
            0,
            "invalid regexp pattern: cannot mix both named and unnamed capture groups",
        )),
    }
}

fn match_value(caps: &regex::Captures, shape: &Shape) -> Value {
    let group = |m: Option<regex::Match>| {
        m.map(|m| Value::string(m.as_str()))
            .unwrap_or(Value::null_of(Type::String))
    };
    match shape {
        Shape::Whole => group(caps.get(0)),
        Shape::Positional => Value::tuple(caps.iter().skip(1).map(group).collect()),
        Shape::Named(names) => Value::object(
            names
                .iter()
                .map(|n| (n.clone(), group(caps.name(n))))
                .collect::<BTreeMap<_, _>>(),
        ),
    }
}

fn compile_arg(a: &Args) -> Result<(Regex, Shape), FuncError> {
    let pattern = a.str(0);
    let re = compile(pattern).map_err(|m| {
        arg_err(
            0,
            format!("invalid regexp pattern: {m} in {}", a.quote(pattern)),
        )
    })?;
    let shape = shape(&re)?;
    Ok((re, shape))
}

fn regex_fn(a: Args) -> Result<Value, FuncError> {
    let (re, shape) = compile_arg(&a)?;
    let caps = re
        .captures(a.str(1))
        .ok_or_else(|| err("pattern did not match any part of the given string"))?;
    Ok(match_value(&caps, &shape))
}

fn regexall(a: Args) -> Result<Value, FuncError> {
    let (re, shape) = compile_arg(&a)?;
    Ok(Value::list(
        re.captures_iter(a.str(1))
            .map(|c| match_value(&c, &shape))
            .collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use crate::lang::{Type, Value};

    #[test]
    fn simple_transforms() {
        assert_eq!(show("chomp", vec![s("hello\n")]), r#""hello""#);
        assert_eq!(show("chomp", vec![s("hello\r\n")]), r#""hello""#);
        assert_eq!(show("chomp", vec![s("hello\n\n")]), r#""hello""#);
        assert_eq!(show("chomp", vec![s("hel\nlo")]), r#""hel\nlo""#);
        assert_eq!(show("upper", vec![s("hello")]), r#""HELLO""#);
        assert_eq!(show("upper", vec![s("алло!")]), r#""АЛЛО!""#);
        assert_eq!(show("upper", vec![s("straße")]), r#""STRAßE""#);
        assert_eq!(show("lower", vec![s("HELLO")]), r#""hello""#);
        assert_eq!(show("lower", vec![s("АЛЛО!")]), r#""алло!""#);
        assert_eq!(show("title", vec![s("hello world")]), r#""Hello World""#);
        assert_eq!(
            show("title", vec![s("hello-world foo_bar x.y")]),
            r#""Hello-World Foo_bar X.Y""#
        );
        assert_eq!(show("strrev", vec![s("hello")]), r#""olleh""#);
        assert_eq!(show("strrev", vec![s("a ☃")]), r#""☃ a""#);
        assert_eq!(show("trim", vec![s("?!hello?!"), s("!?")]), r#""hello""#);
        assert_eq!(show("trim", vec![s("foobar"), s("far")]), r#""oob""#);
        assert_eq!(
            show("trimprefix", vec![s("helloworld"), s("hello")]),
            r#""world""#
        );
        assert_eq!(
            show("trimprefix", vec![s("helloworld"), s("cat")]),
            r#""helloworld""#
        );
        assert_eq!(
            show("trimsuffix", vec![s("helloworld"), s("world")]),
            r#""hello""#
        );
        assert_eq!(show("trimspace", vec![s("  hello\n\n")]), r#""hello""#);
        assert_eq!(
            show("startswith", vec![s("hello world"), s("hello")]),
            "true"
        );
        assert_eq!(
            show("startswith", vec![s("hello world"), s("world")]),
            "false"
        );
        assert_eq!(show("endswith", vec![s("hello world"), s("world")]), "true");
        assert_eq!(
            show("strcontains", vec![s("hello world"), s("wor")]),
            "true"
        );
        assert_eq!(
            show("indent", vec![n(2.0), s("[\n  foo,\n  bar,\n]\n")]),
            r#""[\n    foo,\n    bar,\n  ]\n  ""#
        );
        assert_eq!(
            show("indent", vec![n(1.5), s("a")]),
            "error: Invalid value for argument 1: value must be a whole number"
        );
    }

    #[test]
    fn join_and_split() {
        assert_eq!(
            show("join", vec![s("-"), strs(&["foo", "bar", "baz"])]),
            r#""foo-bar-baz""#
        );
        assert_eq!(show("join", vec![s(", "), strs(&["foo"])]), r#""foo""#);
        assert_eq!(
            show("join", vec![s(","), strs(&["a"]), strs(&["b", "c"])]),
            r#""a,b,c""#
        );
        assert_eq!(show("join", vec![s(","), nums(&[1.0, 2.0])]), r#""1,2""#);
        assert_eq!(
            show("join", vec![s(",")]),
            "error: at least one list is required"
        );
        assert_eq!(
            show("join", vec![s(","), tup(vec![s("a"), Value::null()])]),
            "error: Invalid value for argument 2: element 1 is null; cannot concatenate null values"
        );
        assert_eq!(
            show("join", vec![s(","), tup(vec![s("a"), unknown_str()])]),
            "(known after apply)"
        );
        assert_eq!(
            show("split", vec![s(","), s("foo,bar,baz")]),
            r#"["foo", "bar", "baz"]"#
        );
        assert_eq!(show("split", vec![s(","), s("foo")]), r#"["foo"]"#);
        assert_eq!(show("split", vec![s(","), s("")]), r#"[""]"#);
        assert_eq!(show("split", vec![s(""), s("abc")]), r#"["a", "b", "c"]"#);
        assert_eq!(show("split", vec![s(""), s("")]), "[]");
    }

    #[test]
    fn substr_edges() {
        assert_eq!(
            show("substr", vec![s("hello world"), n(1.0), n(4.0)]),
            r#""ello""#
        );
        assert_eq!(show("substr", vec![s("🤔🤷"), n(0.0), n(1.0)]), r#""🤔""#);
        assert_eq!(
            show("substr", vec![s("hello world"), n(-5.0), n(-1.0)]),
            r#""world""#
        );
        assert_eq!(
            show("substr", vec![s("hello world"), n(6.0), n(10.0)]),
            r#""world""#
        );
        assert_eq!(show("substr", vec![s("hello"), n(10.0), n(2.0)]), r#""""#);
        assert_eq!(
            show("substr", vec![s("hello"), n(-10.0), n(2.0)]),
            r#""he""#
        );
        assert_eq!(show("substr", vec![s("hello"), n(1.0), n(0.0)]), r#""""#);
    }

    #[test]
    fn replace_plain_and_regex() {
        assert_eq!(
            show("replace", vec![s("1 + 2 + 3"), s("+"), s("-")]),
            r#""1 - 2 - 3""#
        );
        assert_eq!(
            show(
                "replace",
                vec![s("hello world"), s("/w.*d/"), s("everybody")]
            ),
            r#""hello everybody""#
        );
        assert_eq!(
            show("replace", vec![s("hello world"), s("/(h)(e)/"), s("$2$1")]),
            r#""ehllo world""#
        );
        assert_eq!(
            show("replace", vec![s("abc"), s(""), s("-")]),
            r#""-a-b-c-""#
        );
        assert_eq!(show("replace", vec![s("a/b"), s("/"), s("-")]), r#""a-b""#);
        assert!(show("replace", vec![s("abc"), s("/(/"), s("x")])
            .starts_with("error: error parsing regexp:"));
    }

    #[test]
    fn regex_shapes() {
        assert_eq!(
            show(
                "regex",
                vec![s("[a-z]+"), s("53453453.345345aaabbbccc23454")]
            ),
            r#""aaabbbccc""#
        );
        assert_eq!(
            show(
                "regex",
                vec![s(r"(\d\d\d\d)-(\d\d)-(\d\d)"), s("2019-02-01")]
            ),
            r#"["2019", "02", "01"]"#
        );
        assert_eq!(
            show(
                "regex",
                vec![
                    s(r"^(?:(?P<scheme>[^:/?#]+):)?(?://(?P<authority>[^/?#]*))?"),
                    s("https://terraform.io/docs/")
                ]
            ),
            r#"{ authority = "terraform.io", scheme = "https" }"#
        );
        assert_eq!(
            show("regex", vec![s("(?<x>a)(?<y>z)?"), s("ab")]),
            r#"{ x = "a", y = null }"#
        );
        assert_eq!(
            show("regex", vec![s("[a-z]+"), s("53453453")]),
            "error: pattern did not match any part of the given string"
        );
        assert_eq!(
            show("regex", vec![s("(a)(?P<b>b)"), s("ab")]),
            "error: Invalid value for argument 1: invalid regexp pattern: cannot mix both named and unnamed capture groups"
        );
        assert!(show("regex", vec![s("(a"), s("a")])
            .starts_with("error: Invalid value for argument 1: invalid regexp pattern:"));
        assert_eq!(
            show("regexall", vec![s("[a-z]+"), s("1234abcd5678efgh9")]),
            r#"["abcd", "efgh"]"#
        );
        assert_eq!(show("regexall", vec![s("[a-z]+"), s("123")]), "[]");
        assert_eq!(
            show("regexall", vec![s(r"(\w)=(\d)"), s("a=1 b=2")]),
            r#"[["a", "1"], ["b", "2"]]"#
        );
        // RE2's \d is ASCII-only.
        assert_eq!(show("regexall", vec![s(r"\d+"), s("١٢3")]), r#"["3"]"#);
        assert_eq!(show("regexall", vec![s(r"[\d]+"), s("a12b")]), r#"["12"]"#);
        assert_eq!(
            show("regexall", vec![s(r"[[:alpha:]]+"), s("ab1c")]),
            r#"["ab", "c"]"#
        );
        assert_eq!(
            run("regex", vec![unknown_str(), s("a")]).unwrap(),
            Value::unknown(Type::Dynamic)
        );
    }

    #[test]
    fn sensitive_results() {
        assert_eq!(show("upper", vec![secret("s3cr3t")]), "(sensitive value)");
        assert_eq!(
            show("substr", vec![secret("s3cr3t"), n(0.0), n(2.0)]),
            "(sensitive value)"
        );
        assert_eq!(
            show("split", vec![s("3"), secret("s3cr3t")]),
            "(sensitive value)"
        );
    }
}
