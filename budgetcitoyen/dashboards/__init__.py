"""Dashboards that gather figures of several domains (the back-office's home page)."""
