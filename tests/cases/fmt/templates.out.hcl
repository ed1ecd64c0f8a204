locals {
  greeting         = "Hello, ${var.name}!"
  strip            = "a ${~var.b~} c"
  directive        = "%{if var.enabled}on%{else}off%{endif}"
  loop             = "%{for i, v in var.list}${i}=${v}, %{endfor}"
  escaped          = "literal $${not_interp} and %%{not_directive} and \"quotes\""
  nested           = "outer ${"inner ${var.x}"} end"
  object_in_interp = "${ { a = 1 }.a}"
  spaces_kept      = "  two  spaces  "
}
