"""Datasets, collaters, objectives and schedules: no losses, no models."""
