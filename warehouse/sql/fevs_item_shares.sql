-- FEVS answer shares for one survey year's category and yes/no items (never percent positive: they are
-- not agreement scales), from the typed respondent file.
-- Inputs: $raw_path (typed PRDF Parquet), $survey_year, $min_n (suppression threshold); {item_columns}
-- (the declared category and yes/no columns the file carries, as text) is spliced in by
-- warehouse/fevs_scores.py; relation labels(item, option, label) holds the codebook's labels where known.
-- share = 100 * sum(POSTWT | answer = option) / sum(POSTWT | any answer to the item); blanks are no
-- answer. Weights are summed as exact integers (POSTWT × 10^10). Governmentwide and by agency only.
WITH long AS (
    SELECT agency_code, w10, item, trim(answer) AS option
    FROM (UNPIVOT (SELECT agency_code, round(postwt * 1e10)::BIGINT AS w10, {item_columns} FROM read_parquet($raw_path))
          ON {item_names} INTO NAME item VALUE answer)
    WHERE trim(answer) <> ''
),
by_option AS (
    SELECT CASE WHEN grouping(agency_code) = 1 THEN 'government' ELSE 'agency' END AS org_level,
           CASE WHEN grouping(agency_code) = 1 THEN 'ALL' ELSE agency_code END     AS agency_code,
           item, option, sum(w10) AS w, count(*) AS n
    FROM long
    GROUP BY GROUPING SETS ((item, option), (agency_code, item, option))
),
totals AS (
    SELECT *, sum(w) OVER (PARTITION BY org_level, agency_code, item) AS w_item,
              sum(n) OVER (PARTITION BY org_level, agency_code, item) AS n_item
    FROM by_option
)
SELECT $survey_year::SMALLINT                                  AS survey_year,
       t.org_level, t.agency_code, t.item, t.option, l.label,
       t.n_item::BIGINT                                        AS respondents,
       CASE WHEN t.n_item >= $min_n THEN 100 * t.w::DOUBLE / t.w_item::DOUBLE END AS share,
       t.n_item < $min_n                                       AS suppressed
FROM totals t
LEFT JOIN labels l USING (item, option)
ORDER BY t.org_level DESC, t.agency_code, t.item, t.option
