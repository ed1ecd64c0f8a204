//! What the Azure end-to-end tests share: the specification validator, and running the binary
//! against the ARM stand-in.
#![allow(dead_code)]

pub mod spec;
