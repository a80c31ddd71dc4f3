"""People, their roles and their credentials."""
