//! Type constraint expressions: `string`, `list(object({ a = optional(number, 1) }))`, `any`.

use crate::lang::convert::ConvertError;
use crate::lang::{Type, Value};

/// A parsed variable type constraint, including `optional()` attributes and their defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeConstraint {
    pub ty: Type,
}

impl TypeConstraint {
    pub fn any() -> Self {
        TypeConstraint { ty: Type::Dynamic }
    }

    /// Converts a value to this constraint: fills optional attributes' defaults, then converts.
    pub fn convert(&self, value: Value) -> Result<Value, ConvertError> {
        let _ = value;
        todo!("type constraints")
    }
}
