//! Reference extraction: which things an expression refers to, found by walking hcl-edit's tree.

use std::sync::Arc;

use hcl_edit::expr::Expression;

use crate::addrs::Referenceable;
use crate::diagnostics::{Diagnostics, SourceFile, SourceRange};

/// One reference in an expression: what it names, and where it is.
#[derive(Clone, Debug, PartialEq)]
pub struct Reference {
    pub subject: Referenceable,
    /// The range of the whole traversal (`flink_job.etl["a"].job_id`).
    pub range: SourceRange,
}

/// Every reference in `expr`, in source order, excluding for-expression iteration variables.
/// Malformed references (`var` alone, `count.foo`, `local[0]`) are diagnostics.
pub fn references(expr: &Expression, file: &Arc<SourceFile>) -> Result<Vec<Reference>, Diagnostics> {
    let _ = (expr, file);
    todo!("references")
}
