module "child" {
  source = "./child"
  regoin = "westeurope"
}
