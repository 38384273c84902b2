"""Every side effect of a request, one class per system it touches."""
