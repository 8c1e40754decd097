"""The checks of assets/fevs/ (GX suites run as Dagster asset checks)."""
