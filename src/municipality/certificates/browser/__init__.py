"""The pages of the certificates add-on."""
