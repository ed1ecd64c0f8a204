# An empty module.
