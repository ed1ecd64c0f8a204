//! Terraform's function library, with unknown and sensitive propagation.
//!
//! Every function is described by a [`Spec`]: its parameters (with the type each argument is
//! converted to first, and whether the function itself deals with null, unknown or sensitive
//! arguments), an optional variadic parameter, the type of its result when it cannot be computed
//! yet, and its implementation. [`call`] applies the common rules in one place, as cty does:
//! - arguments are converted to their parameter types (`upper(5)` is `"5"`);
//! - a null argument is an error unless the parameter allows null;
//! - an argument that is not wholly known makes the result unknown, unless the parameter allows
//!   unknowns (then the implementation decides, e.g. `length` of a known list of unknowns);
//! - sensitive marks are removed (deeply) before the call and the result is marked if any
//!   argument held one. Parameters that allow marks only lose their top-level mark; the marks
//!   inside stay where they are (e.g. `concat` keeps the marks of the elements it moves).

mod collection;
mod encoding;
mod filesystem;
mod format;
mod hash;
mod network;
mod numeric;
mod string;
mod time;
mod types;
mod yaml;

use std::path::PathBuf;
use std::sync::OnceLock;

use super::convert::convert;
use super::{Type, Value};

/// What functions may need from their surroundings.
#[derive(Clone, Debug)]
pub struct FuncContext {
    /// Directory relative paths (file, fileexists, templatefile, ...) are resolved against:
    /// the working directory, as in Terraform.
    pub base_dir: PathBuf,
    /// At plan time `uuid()` and `timestamp()` return unknown values, as in Terraform.
    pub plan_time: bool,
}

/// Why a function call failed. `arg` is the zero-based argument the error is about, if any.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum FuncError {
    #[error("Call to unknown function: there is no function named \"{name}\".{hint}")]
    Unknown { name: String, hint: String },
    #[error("Function \"{name}\" expects {expected} argument(s), got {got}.")]
    Arity {
        name: String,
        expected: String,
        got: usize,
    },
    #[error("Invalid value for argument {}: {message}", arg + 1)]
    Arg { arg: usize, message: String },
    #[error("{0}")]
    Other(String),
}

/// Calls function `name` with evaluated arguments.
pub fn call(name: &str, args: Vec<Value>, ctx: &FuncContext) -> Result<Value, FuncError> {
    if name == "templatefile" {
        return templatefile(args, ctx);
    }
    let Some(spec) = lookup(name) else {
        return Err(FuncError::Unknown {
            name: name.to_string(),
            hint: crate::diagnostics::did_you_mean(name, names().iter().copied()),
        });
    };
    call_spec(spec, args, ctx)
}

/// Names of every function, for "did you mean" hints.
pub fn names() -> &'static [&'static str] {
    static NAMES: OnceLock<Vec<&'static str>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let mut names: Vec<&'static str> = all_specs().map(|s| s.name).collect();
        names.push("templatefile");
        names.sort_unstable();
        names
    })
}

/// `templatefile` needs the expression language, so the evaluator implements it.
fn templatefile(args: Vec<Value>, ctx: &FuncContext) -> Result<Value, FuncError> {
    crate::lang::eval::templatefile(args, ctx)
}

// ---- specs ----

/// The type an argument is converted to before the call.
#[derive(Clone, Copy, Debug)]
pub(crate) enum P {
    Any,
    String,
    Number,
    Bool,
    List(&'static P),
    Set(&'static P),
    Map(&'static P),
}

impl P {
    fn to_type(self) -> Type {
        match self {
            P::Any => Type::Dynamic,
            P::String => Type::String,
            P::Number => Type::Number,
            P::Bool => Type::Bool,
            P::List(e) => Type::list(e.to_type()),
            P::Set(e) => Type::set(e.to_type()),
            P::Map(e) => Type::map(e.to_type()),
        }
    }
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Param {
    pub ty: P,
    pub allow_null: bool,
    pub allow_unknown: bool,
    pub allow_marked: bool,
}

impl Param {
    pub const fn of(ty: P) -> Param {
        Param {
            ty,
            allow_null: false,
            allow_unknown: false,
            allow_marked: false,
        }
    }
    pub const fn null(self) -> Param {
        Param {
            allow_null: true,
            ..self
        }
    }
    pub const fn unknown(self) -> Param {
        Param {
            allow_unknown: true,
            ..self
        }
    }
    pub const fn marked(self) -> Param {
        Param {
            allow_marked: true,
            ..self
        }
    }
}

pub(crate) const STR: Param = Param::of(P::String);
pub(crate) const NUM: Param = Param::of(P::Number);
pub(crate) const ANY: Param = Param::of(P::Any);

/// How a function treats sensitive marks.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Marks {
    /// Remove them before the call (per parameter), mark the result if any was there.
    Propagate,
    /// Pass the arguments untouched: the function is about marks (`sensitive`, `nonsensitive`).
    Handled,
}

pub(crate) type Impl = fn(Args) -> Result<Value, FuncError>;

pub(crate) struct Spec {
    pub name: &'static str,
    pub params: &'static [Param],
    pub variadic: Option<Param>,
    /// The type of the (unknown) result when an argument is not known yet.
    pub ret: fn(&[Value]) -> Type,
    pub marks: Marks,
    pub imp: Impl,
}

impl Spec {
    pub const fn new(
        name: &'static str,
        params: &'static [Param],
        ret: fn(&[Value]) -> Type,
        imp: Impl,
    ) -> Spec {
        Spec {
            name,
            params,
            variadic: None,
            ret,
            marks: Marks::Propagate,
            imp,
        }
    }
    pub const fn variadic(self, p: Param) -> Spec {
        Spec {
            variadic: Some(p),
            ..self
        }
    }
    pub const fn handles_marks(self) -> Spec {
        Spec {
            marks: Marks::Handled,
            ..self
        }
    }

    fn param(&self, i: usize) -> Option<Param> {
        self.params.get(i).copied().or(self.variadic)
    }
}

/// The arguments of one call, after the common rules were applied.
pub(crate) struct Args<'a> {
    pub args: Vec<Value>,
    pub ctx: &'a FuncContext,
    /// Whether any argument was sensitive: error messages must not quote argument values then.
    pub sensitive: bool,
}

impl Args<'_> {
    pub fn get(&self, i: usize) -> &Value {
        static NULL: OnceLock<Value> = OnceLock::new();
        self.args
            .get(i)
            .unwrap_or_else(|| NULL.get_or_init(Value::null))
    }
    /// Argument `i` as a string (it was converted to one and is known and non-null).
    pub fn str(&self, i: usize) -> &str {
        self.get(i).as_str().unwrap_or_default()
    }
    pub fn num(&self, i: usize) -> f64 {
        self.get(i).as_number().unwrap_or(f64::NAN)
    }
    /// Argument `i` as a whole number, or an argument error.
    pub fn int(&self, i: usize) -> Result<i64, FuncError> {
        whole_number(self.num(i)).map_err(|m| arg_err(i, m))
    }
    /// Quotes `s` for an error message, or hides it when an argument was sensitive.
    pub fn quote(&self, s: &str) -> String {
        if self.sensitive {
            "(sensitive value)".into()
        } else {
            go_quote(s)
        }
    }
}

fn all_specs() -> impl Iterator<Item = &'static Spec> {
    numeric::SPECS
        .iter()
        .chain(string::SPECS)
        .chain(format::SPECS)
        .chain(collection::SPECS)
        .chain(encoding::SPECS)
        .chain(filesystem::SPECS)
        .chain(hash::SPECS)
        .chain(network::SPECS)
        .chain(types::SPECS)
        .chain(time::SPECS)
}

fn lookup(name: &str) -> Option<&'static Spec> {
    all_specs().find(|s| s.name == name)
}

fn call_spec(spec: &Spec, args: Vec<Value>, ctx: &FuncContext) -> Result<Value, FuncError> {
    let fixed = spec.params.len();
    let arity_ok = if spec.variadic.is_some() {
        args.len() >= fixed
    } else {
        args.len() == fixed
    };
    if !arity_ok {
        let expected = if spec.variadic.is_some() {
            format!("at least {fixed}")
        } else {
            fixed.to_string()
        };
        return Err(FuncError::Arity {
            name: spec.name.to_string(),
            expected,
            got: args.len(),
        });
    }
    if spec.marks == Marks::Handled {
        return (spec.imp)(Args {
            args,
            ctx,
            sensitive: false,
        });
    }
    let mut sensitive = false;
    let mut unknown = false;
    let mut converted = Vec::with_capacity(args.len());
    for (i, arg) in args.into_iter().enumerate() {
        let Some(param) = spec.param(i) else { break };
        let (arg, marked) = if param.allow_marked {
            arg.unmark()
        } else {
            arg.unmark_deep()
        };
        sensitive |= marked;
        let arg = match param.ty {
            P::Any => arg,
            ty => convert(arg, &ty.to_type()).map_err(|e| arg_err(i, e.to_string()))?,
        };
        if arg.is_null() && !param.allow_null {
            return Err(arg_err(i, "argument must not be null"));
        }
        if !param.allow_unknown && !arg.is_wholly_known() {
            unknown = true;
        }
        converted.push(arg);
    }
    if unknown {
        return Ok(Value::unknown((spec.ret)(&converted)).mark_sensitive_if(sensitive));
    }
    let result = (spec.imp)(Args {
        args: converted,
        ctx,
        sensitive,
    })?;
    Ok(result.mark_sensitive_if(sensitive))
}

// ---- helpers shared by the families ----

pub(crate) fn arg_err(arg: usize, message: impl Into<String>) -> FuncError {
    FuncError::Arg {
        arg,
        message: message.into(),
    }
}

pub(crate) fn err(message: impl Into<String>) -> FuncError {
    FuncError::Other(message.into())
}

/// A number as an integer, with cty's (gocty's) messages.
pub(crate) fn whole_number(n: f64) -> Result<i64, String> {
    if n.fract() != 0.0 || !n.is_finite() {
        return Err("value must be a whole number".into());
    }
    // i64's range is [-2^63, 2^63).
    let limit = 2f64.powi(63);
    if !(-limit..limit).contains(&n) {
        return Err(
            "value must be a whole number, between -9223372036854775808 and 9223372036854775807"
                .into(),
        );
    }
    Ok(n as i64)
}

/// Quotes a string as Go's `%q` does for the common cases.
pub(crate) fn go_quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

pub(crate) fn ret_string(_: &[Value]) -> Type {
    Type::String
}
pub(crate) fn ret_number(_: &[Value]) -> Type {
    Type::Number
}
pub(crate) fn ret_bool(_: &[Value]) -> Type {
    Type::Bool
}
pub(crate) fn ret_dynamic(_: &[Value]) -> Type {
    Type::Dynamic
}
pub(crate) fn ret_list_string(_: &[Value]) -> Type {
    Type::list(Type::String)
}

#[cfg(test)]
pub(crate) mod test_support {
    use super::*;
    use std::collections::BTreeMap;

    pub fn ctx() -> FuncContext {
        FuncContext {
            base_dir: PathBuf::from("."),
            plan_time: false,
        }
    }
    pub fn run(name: &str, args: Vec<Value>) -> Result<Value, FuncError> {
        call(name, args, &ctx())
    }
    /// Calls and renders the result as the table cases do.
    pub fn show(name: &str, args: Vec<Value>) -> String {
        match run(name, args) {
            Ok(v) => v.to_string(),
            Err(e) => format!("error: {e}"),
        }
    }
    pub fn s(v: &str) -> Value {
        Value::string(v)
    }
    pub fn n(v: f64) -> Value {
        Value::number(v)
    }
    pub fn b(v: bool) -> Value {
        Value::bool(v)
    }
    pub fn tup(v: Vec<Value>) -> Value {
        Value::tuple(v)
    }
    pub fn strs(v: &[&str]) -> Value {
        Value::tuple(v.iter().map(|x| Value::string(*x)).collect())
    }
    pub fn nums(v: &[f64]) -> Value {
        Value::tuple(v.iter().map(|x| Value::number(*x)).collect())
    }
    pub fn obj(pairs: &[(&str, Value)]) -> Value {
        Value::object(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect::<BTreeMap<_, _>>(),
        )
    }
    pub fn map(pairs: &[(&str, Value)]) -> Value {
        Value::map(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect::<BTreeMap<_, _>>(),
        )
    }
    pub fn secret(v: &str) -> Value {
        Value::string(v).mark_sensitive()
    }
    pub fn unknown_str() -> Value {
        Value::unknown(Type::String)
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::*;
    use super::*;

    #[test]
    fn unknown_function_has_a_hint() {
        let e = run("uper", vec![s("a")]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "Call to unknown function: there is no function named \"uper\". Did you mean \"upper\"?"
        );
        assert!(names().contains(&"templatefile") && names().contains(&"cidrsubnets"));
    }

    #[test]
    fn arity_is_checked() {
        assert_eq!(
            show("upper", vec![]),
            "error: Function \"upper\" expects 1 argument(s), got 0."
        );
        assert_eq!(show("max", vec![]), "error: must pass at least one number");
        assert_eq!(
            show("join", vec![]),
            "error: Function \"join\" expects at least 1 argument(s), got 0."
        );
    }

    #[test]
    fn arguments_are_converted_and_checked_for_null() {
        assert_eq!(show("upper", vec![n(5.0)]), "\"5\"");
        assert_eq!(
            show("upper", vec![tup(vec![])]),
            "error: Invalid value for argument 1: string required"
        );
        assert_eq!(
            show("upper", vec![Value::null()]),
            "error: Invalid value for argument 1: argument must not be null"
        );
    }

    #[test]
    fn unknown_and_sensitive_propagate() {
        assert_eq!(
            run("upper", vec![unknown_str()]).unwrap(),
            Value::unknown(Type::String)
        );
        let v = run("upper", vec![secret("ab")]).unwrap();
        assert!(v.is_sensitive());
        assert_eq!(v.unmark().0, s("AB"));
        let v = run("upper", vec![unknown_str().mark_sensitive()]).unwrap();
        assert!(v.is_sensitive() && !v.is_known());
        // A sensitive element inside a list argument marks the whole result.
        let v = run("join", vec![s(","), tup(vec![s("a"), secret("b")])]).unwrap();
        assert!(v.is_sensitive());
    }

    #[test]
    fn whole_numbers() {
        assert_eq!(whole_number(3.0), Ok(3));
        assert_eq!(
            whole_number(1.5).unwrap_err(),
            "value must be a whole number"
        );
        assert!(whole_number(1e300).unwrap_err().contains("between"));
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(200))]

        /// No input makes a function panic: every call returns a value or an error.
        #[test]
        fn string_functions_never_panic(x in "\\PC{0,24}", y in "[%a-zA-Z0-9:/.+\\-\\[\\]' ]{0,16}", k in -70i32..70) {
            let num = n(f64::from(k));
            for name in names() {
                let _ = run(name, vec![s(&x)]);
                let _ = run(name, vec![s(&y), s(&x)]);
                let _ = run(name, vec![s(&x), s(&y)]);
                let _ = run(name, vec![s(&y), num.clone()]);
                let _ = run(name, vec![s(&x), num.clone(), num.clone()]);
                let _ = run(name, vec![s(&y), s(&x), s(&y)]);
            }
        }
    }
}
