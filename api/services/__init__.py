"""What the routes call: one function per use case."""
