"""Placeholder until the TimescaleDB fixtures land."""
