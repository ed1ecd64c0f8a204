locals {
  sum          = 1 + 2 * 3 - 4 / 2 % 3
  neg          = -var.x
  neg_after_op = 2 * -3
  not          = !var.flag
  cmp          = var.a >= 1 && var.b < 2 || var.c == 3 && var.d != 4
  cond         = var.x ? var.y : -1
  paren        = (var.a + var.b) * 2
  splat        = var.list[*].id
  attr_splat   = var.list.*.id
  index        = var.map["k"][0]
  legacy_index = var.list.0.name
  dashed-name  = var.some-value - 1
  number       = 1.5e3 + 2E-2
}
