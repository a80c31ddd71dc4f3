"""Operators' metrics in the Prometheus text format (`/metrics`, behind a bearer token; README, Déploiement).

What is counted says nothing of anyone: request counts and durations per route pattern (the Flask endpoint,
never the path, which carries tokens and receipt codes), and the mail queue read from the database at scrape
time (its depth, its failures), so every server and worker answers the same and nothing is lost on restart.
"""
