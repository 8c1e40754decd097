-- The factor screen's correlations, for every outcome × candidate: per year (the cross-section of
-- agencies) and pooled over the years with at least $min_n agencies (agency-years, every variable
-- z-scored within its year). Relations: panel (factor_panel.sql), size (year, agency_code,
-- log_headcount). warehouse/factors.py adds intervals, p- and q-values, the partial correlation
-- from the three correlations computed here, sign stability, the robust flag and the rank.
-- Spearman = Pearson of average ranks (per year), or of within-year z-scored ranks (pooled).
WITH pairs AS (
    SELECT c.year, c.agency_code, c.variable AS candidate, c.kind, c.label, o.variable AS outcome, c.value AS x, o.value AS y,
           s.log_headcount AS s
    FROM panel c
    JOIN panel o ON o.year = c.year AND o.agency_code = c.agency_code AND o.role = 'outcome'
    LEFT JOIN size s ON s.year = c.year AND s.agency_code = c.agency_code
    WHERE c.role = 'candidate'
),
ranked AS (
    SELECT *, count(*) OVER w AS n_year,
           rank() OVER (w ORDER BY x) + (count(*) OVER (PARTITION BY outcome, candidate, year, x) - 1) / 2.0 AS xr,
           rank() OVER (w ORDER BY y) + (count(*) OVER (PARTITION BY outcome, candidate, year, y) - 1) / 2.0 AS yr
    FROM pairs WINDOW w AS (PARTITION BY outcome, candidate, year)
),
per_year AS (
    SELECT year::VARCHAR AS period, outcome, candidate, any_value(kind) AS kind, any_value(label) AS label,
           count(*) AS n, count(*) AS n_agencies, count(*) AS n_test,
           CASE WHEN count(*) >= $min_n THEN corr(x, y) END AS r, CASE WHEN count(*) >= $min_n THEN corr(xr, yr) END AS rho,
           corr(x, y) FILTER (WHERE s IS NOT NULL) AS r_xy_s, corr(x, s) AS r_xs, corr(y, s) AS r_ys,
           count(s) AS n_size
    FROM ranked GROUP BY ALL
),
tested AS (
    SELECT * FROM ranked
    WHERE n_year >= $min_n
      AND (outcome, candidate) IN (SELECT (outcome, candidate) FROM ranked WHERE n_year >= $min_n
                                   GROUP BY outcome, candidate HAVING count(DISTINCT year) >= 2)
),
z AS (
    SELECT *, (x - avg(x) OVER w) / nullif(stddev_samp(x) OVER w, 0) AS xz,
              (y - avg(y) OVER w) / nullif(stddev_samp(y) OVER w, 0) AS yz,
              (xr - avg(xr) OVER w) / nullif(stddev_samp(xr) OVER w, 0) AS xrz,
              (yr - avg(yr) OVER w) / nullif(stddev_samp(yr) OVER w, 0) AS yrz
    FROM tested WINDOW w AS (PARTITION BY outcome, candidate, year)
),
-- the size control on the rows with a headcount, standardised again within year over those rows
zs AS (
    SELECT outcome, candidate, agency_code,
           CASE WHEN count(*) OVER w >= 3 THEN (x - avg(x) OVER w) / nullif(stddev_samp(x) OVER w, 0) END AS xs,
           CASE WHEN count(*) OVER w >= 3 THEN (y - avg(y) OVER w) / nullif(stddev_samp(y) OVER w, 0) END AS ys,
           CASE WHEN count(*) OVER w >= 3 THEN (s - avg(s) OVER w) / nullif(stddev_samp(s) OVER w, 0) END AS ss
    FROM tested WHERE s IS NOT NULL WINDOW w AS (PARTITION BY outcome, candidate, year)
),
pooled_size AS (
    SELECT outcome, candidate, corr(xs, ys) AS r_xy_s, corr(xs, ss) AS r_xs, corr(ys, ss) AS r_ys,
           count(DISTINCT agency_code) AS n_size
    FROM zs WHERE xs IS NOT NULL AND ys IS NOT NULL AND ss IS NOT NULL GROUP BY ALL
),
pooled AS (
    SELECT 'pooled' AS period, outcome, candidate, any_value(kind) AS kind, any_value(label) AS label,
           count(*) AS n, count(DISTINCT agency_code) AS n_agencies, count(DISTINCT agency_code) AS n_test,
           corr(xz, yz) AS r, corr(xrz, yrz) AS rho
    FROM z GROUP BY ALL
)
SELECT period, outcome, candidate, kind, label, n, n_agencies, n_test, r, rho, r_xy_s, r_xs, r_ys, n_size, 'cross_section' AS method
FROM per_year
UNION ALL
SELECT p.period, p.outcome, p.candidate, p.kind, p.label, p.n, p.n_agencies, p.n_test, p.r, p.rho,
       s.r_xy_s, s.r_xs, s.r_ys, coalesce(s.n_size, 0), 'pooled_within_year_z'
FROM pooled p LEFT JOIN pooled_size s USING (outcome, candidate)
