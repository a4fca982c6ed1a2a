"""Benchmarks that print figures; speed targets are read here, never asserted in tests."""
