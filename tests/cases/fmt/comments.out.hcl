# Hash comment at the top
// Slash comment at the top
/* Block comment at the top */

/*
 * Multi-line block comment,
 *    its inner lines kept as written.
 */
variable "x" { # trailing a block header
  # own line, indented by the block
  type                 = string // trailing an attribute
  /* inline */ default = "a"
  description          = "d" /* trailing block comment */
  validation {
    // nested own-line comment
    condition     = length(var.x) > 0 # why
    error_message = "x must not be empty."
  }
  # last line in the block
}
locals {
  list = [
    1, # one
    # between items
    2,
  ]
  call = f(a, /* b */ c)
}
# comment at the end without a newline
