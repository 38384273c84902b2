"""One workflow per process, with the stages they share beside them."""
