"""Clients for the systems a municipality already has."""
