//! Views: how results and progress look to a person.

pub mod progress;
