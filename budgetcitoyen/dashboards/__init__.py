"""Dashboards: pages that gather several domains for one person (the holder's space, the back-office
home page and its figures)."""
