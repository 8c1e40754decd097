"""DuckDB SQL files; load them with warehouse.sql.load(name)."""

from pathlib import Path

SQL_DIR = Path(__file__).parent


def load(name: str) -> str:
    return (SQL_DIR / f"{name}.sql").read_text()
