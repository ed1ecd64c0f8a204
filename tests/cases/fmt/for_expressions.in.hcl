locals {
  upper = [ for s in var.list: upper(s) ]
  filtered = [for s in var.list : s if s != ""]
  as_map = {for k,v in var.map: k=>v}
  grouped = { for k, v in var.map : v => k... }
  literal_tuple = [for x in [1, 2, 3]: x * 2]
  multi_line = {
    for name, cfg in var.jobs :
    name => cfg.parallelism
    if cfg.enabled
  }
  nested = [
    for o in var.outer : [
      for i in o.items : i.id
    ]
  ]
}
