//! The Azure provider: resources managed through Azure Resource Manager.

pub mod arm;
