"""Bundled sample models trained on SYNTHETIC data with deliberately injected biases."""
