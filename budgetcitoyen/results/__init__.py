"""The envelope's allocation for an edition, its publication, the public results and the Commission
permanente report."""
