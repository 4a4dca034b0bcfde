"""The content types of the payments add-on, one module each."""
