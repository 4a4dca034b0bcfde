"""The certificates add-on of the municipality platform."""
