"""warehouse/db.py `to_arrow`: a query's rows as Arrow from one bind (con.sql binds twice), the same rows and
types as `con.sql(...).to_arrow_table()` gives, parameters bound, and DuckDB's copy warning kept out of the log."""

import warnings

from warehouse.db import cursor, to_arrow

QUERY = """
SELECT $year::SMALLINT AS survey_year, i AS item, i * $scale AS score, CASE WHEN i % 2 = 0 THEN 'even' END AS kind,
       [i, i + 1] AS pair, {'n': i} AS s, DATE '2024-01-01' + i::INT AS day
FROM range(2500) t(i) ORDER BY i DESC
"""


def test_to_arrow_gives_what_con_sql_gives_without_a_warning():
    params = {"year": 2024, "scale": 0.5}
    with cursor() as con:
        expected = con.sql(QUERY, params=params).to_arrow_table()
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # DuckDB's "extra copy" UserWarning would fail here
            got = to_arrow(con, QUERY, params)
    assert got.schema == expected.schema
    assert got.equals(expected)
    assert got.column("item").to_pylist()[:2] == [2499, 2498]  # the query's order kept
