/**
 * The SQL recipes of the CLI README, verbatim: the README and this file must stay in step (sql.test.ts
 * checks that each recipe appears there).
 */
export const COMPLAINT_SQL = `SELECT p.timestamp, p.model_version, p.prediction, p.score, p.threshold,
       (p.input_features->>'amount')::DOUBLE AS amount, p.input_features->>'country' AS country,
       p.raw_input, f.label AS complaint_label, f.source AS complaint_source
FROM predictions p LEFT JOIN feedback f ON f.request_id = p.request_id AND f.complaint
WHERE p.request_id = 'req-1-7'`;

export const AUC_BY_SEGMENT_SQL = `WITH joined AS (
  SELECT p.segment, p.score, p.sampling_weight AS w, l.label = 'fraud' AS positive
  FROM predictions p JOIN read_csv('labels.csv') l USING (request_id)
), by_score AS (
  SELECT segment, score, sum(w) FILTER (positive) AS pos, sum(w) FILTER (NOT positive) AS neg
  FROM joined GROUP BY segment, score
), ranked AS (
  SELECT *, coalesce(sum(neg) OVER (PARTITION BY segment ORDER BY score
           ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS neg_below
  FROM by_score
), auc AS (
  SELECT segment, sum(coalesce(pos, 0) * (neg_below + 0.5 * coalesce(neg, 0))) / (sum(pos) * sum(neg)) AS auc
  FROM ranked GROUP BY segment
), bins AS (
  SELECT segment, least(floor(score * 10), 9) AS bin, sum(w) AS w,
         sum(w * score) / sum(w) AS mean_score, sum(w) FILTER (positive) / sum(w) AS positive_rate
  FROM joined GROUP BY ALL
), calibration AS (
  SELECT segment, sum(w * abs(mean_score - coalesce(positive_rate, 0))) / sum(w) AS ece
  FROM bins GROUP BY segment
)
SELECT segment, (SELECT count(*) FROM joined j WHERE j.segment = auc.segment) AS n,
       (SELECT sum(w) FROM joined j WHERE j.segment = auc.segment) AS weighted, auc, ece
FROM auc JOIN calibration USING (segment) ORDER BY segment`;

export const DAILY_PSI_SQL = `WITH baseline AS (
  SELECT quantile_disc((input_features->>'amount')::DOUBLE, [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]) AS cuts
  FROM predictions WHERE date = (SELECT min(date) FROM predictions)
), binned AS (
  SELECT date, len(list_filter(cuts, lambda c: c < (input_features->>'amount')::DOUBLE)) AS bin, sampling_weight AS w
  FROM predictions, baseline
), shares AS (
  SELECT date, bin, sum(w) / sum(sum(w)) OVER (PARTITION BY date) AS share FROM binned GROUP BY date, bin
), grid AS (
  SELECT d.date, b.bin FROM (SELECT DISTINCT date FROM predictions) d, range(10) b(bin)
), filled AS (
  SELECT g.date, g.bin, greatest(coalesce(s.share, 0), 1e-4) AS share
  FROM grid g LEFT JOIN shares s USING (date, bin)
)
SELECT c.date::VARCHAR AS day, sum((c.share - e.share) * ln(c.share / e.share)) AS psi
FROM filled c JOIN filled e ON e.bin = c.bin AND e.date = (SELECT min(date) FROM predictions)
WHERE c.date > e.date GROUP BY c.date ORDER BY day`;
