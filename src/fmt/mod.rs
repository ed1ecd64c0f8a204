//! The canonical formatter behind `flinkform fmt`.

/// Formats HCL source text canonically; returns a diagnostic message on a syntax error.
pub fn format_source(src: &str) -> Result<String, String> {
    let _ = src;
    todo!("fmt")
}
