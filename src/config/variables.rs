//! Input variable values: where they come from, in which order they win, and their conversion.
