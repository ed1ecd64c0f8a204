//! The provider interface and the built-in provider.
// (lead's temporary stub; replaced by the providers helper's module)
