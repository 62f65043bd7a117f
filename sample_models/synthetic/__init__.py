"""Seeded generators of the SYNTHETIC data behind the sample models; no row is a real person."""
