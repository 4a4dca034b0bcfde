"""The digital signatures add-on of the municipality platform."""
