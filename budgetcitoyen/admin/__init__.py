"""The back-office of the Mission ESS (/gestion)."""
