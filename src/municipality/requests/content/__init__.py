"""The content types of the requests add-on, one module each."""
