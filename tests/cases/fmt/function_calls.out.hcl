locals {
  joined = join(",", ["a", "b"])
  merged = merge(
    local.defaults,
    {
      extra = true
    },
  )
  nested = format("%s-%s",
    upper(var.name),
  lower(var.env))
  spread      = max(var.numbers...)
  chained     = length(keys(var.map)) > 0
  lookup      = lookup(var.map, "key", null)
  provider_fn = provider::flinkform::parse("x")
}
