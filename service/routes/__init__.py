"""HTTP routes, one module per resource; each module builds its blueprint from the settings."""
