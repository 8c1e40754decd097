-- Confidence-interval helpers shared by the CX SQL (z = 1.96, 95 %).
CREATE OR REPLACE TEMP MACRO wilson_low(k, n) AS
    CASE WHEN n > 0 THEN 100 * ((k / n + 1.96 ^ 2 / (2 * n)) - 1.96 * sqrt((k / n) * (1 - k / n) / n + 1.96 ^ 2 / (4 * n ^ 2))) / (1 + 1.96 ^ 2 / n) END;
CREATE OR REPLACE TEMP MACRO wilson_high(k, n) AS
    CASE WHEN n > 0 THEN 100 * ((k / n + 1.96 ^ 2 / (2 * n)) + 1.96 * sqrt((k / n) * (1 - k / n) / n + 1.96 ^ 2 / (4 * n ^ 2))) / (1 + 1.96 ^ 2 / n) END;
-- The largest variance any distribution on [lo, hi] with mean m can have (Bhatia-Davis): a
-- conservative CI for a published mean whose spread was not published.
CREATE OR REPLACE TEMP MACRO bound_half_width(m, n, lo, hi) AS
    CASE WHEN n > 0 THEN 1.96 * sqrt(greatest((hi - m) * (m - lo), 0) / n) END;
