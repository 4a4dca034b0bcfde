"""Upgrade steps, one sub-folder per profile version."""
