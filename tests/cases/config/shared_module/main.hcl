module "one" {
  source = "./shared"
  size   = 1
}

module "two" {
  source = "./shared/"
  size   = 2
}
