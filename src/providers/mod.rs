//! The provider interface and the built-in provider.
