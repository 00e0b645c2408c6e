"""The default theme ships inside the package as `sitegen.themes` (see pyproject.toml)."""
