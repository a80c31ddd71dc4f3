"""The envelope's allocation for an edition, its publication, public results and the Commission permanente report."""
