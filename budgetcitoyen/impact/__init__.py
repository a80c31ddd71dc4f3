"""Impact follow-up: the yearly survey of past winners (signed single-use links, mailed through the
queue) and the impact page that aggregates the answers per edition and per territory."""
