"""Embedded development stack: local mail catcher, outbox viewer and the process runner."""
