//! Renderers for plans: human (Terraform's layout), JSON, Markdown.
