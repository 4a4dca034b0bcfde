"""Site policy, roles, settings, theme and the shared machinery of every add-on."""
