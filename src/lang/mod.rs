//! The expression language: values, types, conversion, functions, references, evaluation.

pub mod convert;
pub mod eval;
pub mod functions;
pub mod refs;
pub mod types;
pub mod value;

pub use eval::{eval_expr, EvalScope};
pub use functions::FuncContext;
pub use refs::Reference;
pub use types::Type;
pub use value::{Value, ValueKind};
