"""Measures: statistics of samples, footprint from ELF images, energy."""
