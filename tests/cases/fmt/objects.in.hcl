locals {
  tags = {
    env = "prod"
    team_name = "streaming"
    "cost-center": 42
    owner: "data"
  }
  inline = {a=1,b="two"}
  nested = {
    outer = {
      inner_key = 1
      k = {deep = true}
    }
    list = [{ name = "a" }, { name = "b" }]
    tuple_of_objects = [
      {
        id = 1
        label = "one"
      },
      {
        id = 2
        label = "two"
      },
    ]
  }
  empty = {}
  keyed = {
    (var.key) = 1
    plain = var.a ? "x" : "y"
  }
}
