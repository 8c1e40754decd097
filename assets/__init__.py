"""Dagster assets: sources parsed to typed Parquet, DuckDB transformations, publication."""
