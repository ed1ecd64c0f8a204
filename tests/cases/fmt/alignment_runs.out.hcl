locals {
  a   = 1
  bbb = 2
  cc  = "three"

  after_blank = true
  x           = 1
  # a comment line ends the run
  longer_name = 2
  y           = 3
  nested {
    inner = 1
  }
  z = 4
  multi_line = {
    k = "v"
  }
  zz = 5
}
