"""Settlement of the bank's messages (to be written)."""
