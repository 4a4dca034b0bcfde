"""The content types of the certificates add-on, one module each."""
