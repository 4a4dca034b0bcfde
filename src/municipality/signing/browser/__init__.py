"""Pages of the signing add-on: employees' own certificate, administrators' list."""
