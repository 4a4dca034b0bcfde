"""1004: the bank gateway's merchant id and shared secret (payments)."""
