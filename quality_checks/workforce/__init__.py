"""The checks of assets/workforce/ (GX suites run as Dagster asset checks)."""
