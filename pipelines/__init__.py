"""Dagster wiring: the Definitions entry point, jobs, resources and the `make run` driver."""
