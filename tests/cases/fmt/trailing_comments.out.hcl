resource "flinkform_data" "t" {
  input              = 1       # one
  a_much_longer_name = "value" # two
  triggers_replace   = [1, 2]  # three

  after_blank = 1  # new run
  next        = 22 # same run
  # own-line comment ends the run
  third = 333 # another run
  obj = {     # opens an object
    k = 1     # inside
  }           # closes it
}
