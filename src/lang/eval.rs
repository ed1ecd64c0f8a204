//! Expression evaluation over hcl-edit's syntax tree, with Terraform's semantics.

use std::sync::Arc;

use hcl_edit::expr::Expression;

use super::{FuncContext, Value};
use crate::addrs::Referenceable;
use crate::diagnostics::{Diagnostic, Diagnostics, SourceFile, SourceRange};

/// What an evaluation can see: the values of referenceable things, and function context.
///
/// `get` returns the whole value of the subject (`flink_job.etl` is an object, or a tuple /
/// object of instance objects under count / for_each; `module.x` is an object of outputs);
/// the evaluator applies the rest of the traversal itself. An undeclared subject is an error
/// diagnostic with a hint, with `range` as its subject.
pub trait EvalScope {
    fn get(&self, subject: &Referenceable, range: &SourceRange) -> Result<Value, Diagnostic>;
    fn func_context(&self) -> &FuncContext;
}

/// Evaluates `expr` (from `file`) in `scope`.
pub fn eval_expr(expr: &Expression, file: &Arc<SourceFile>, scope: &dyn EvalScope) -> Result<Value, Diagnostics> {
    let _ = (expr, file, scope);
    todo!("evaluator")
}
