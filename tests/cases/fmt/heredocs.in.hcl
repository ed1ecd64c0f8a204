locals {
plain = <<EOT
  keep    this   ${ var.x }
	tabs and trailing spaces   
EOT
indented = <<-EOT
      %{ for s in var.list ~}
      item ${ s }
      %{ endfor ~}
    EOT
  short = 1
  in_call = join("", [<<EOF
body
EOF
  , "x"])
  marker_in_body = <<END
not END here
  ENDING is not the end either
  END
after = "done"
}
