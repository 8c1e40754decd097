"""The checks of assets/cx/ (GX suites run as Dagster asset checks)."""
