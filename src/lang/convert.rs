//! Type conversion with Terraform's (cty's) rules, and type unification.

use super::{Type, Value};

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct ConvertError {
    /// Where inside the value the problem is, e.g. `["a"].b` (empty at the top).
    pub path: String,
    pub message: String,
}

/// Converts `value` to type `want` (which may contain `Dynamic`), as Terraform does for variable
/// type constraints and the `to*` functions. Unknowns convert to unknowns of the target type;
/// sensitive marks are kept. Object attributes absent from `want` are dropped; attributes of
/// `want` missing from the value are an error.
pub fn convert(value: Value, want: &Type) -> Result<Value, ConvertError> {
    let _ = (value, want);
    todo!("conversion")
}

/// The single type all of `types` convert to, if there is one (used for conditionals,
/// list and map literals' elements, `concat`, ...).
pub fn unify(types: &[Type]) -> Option<Type> {
    let _ = types;
    todo!("unify")
}
