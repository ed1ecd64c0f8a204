module "platform" {
  source = "./modules/nope"
}
