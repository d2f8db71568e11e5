import { describe, expect, it } from 'vitest';
import { checkLogql } from './metrics-support/logql-subset.ts';

// The LogQL checker the dashboard test relies on: it must accept the LogQL the dashboard writes
// (and the same forms from Loki's documentation) and reject what Loki would refuse.

describe('checkLogql', () => {
  it.each([
    '{model_name="fraud"}',
    '{model_name=~".+", event="ml.prediction"} | json | request_id=~".*req-1.*"',
    '{service_name="fraud-service", env!="dev"} |= "error" != "timeout" |~ "req-[0-9]+" | logfmt',
    '{event="ml.prediction"} | json request_id="request_id", score="score" | score > 0.5',
    '{event="ml.prediction"} | json | latency_ms >= 250 | line_format "{{.request_id}} {{.score}}"',
    'sum by (model_version, status) (count_over_time({model_name="fraud", event="ml.prediction"} | json [1m]))',
    'topk(5, sum(rate({event="ml.prediction"}[5m])) by (model_name))',
    'sum without (env) (bytes_over_time({model_name="fraud"}[1h]))',
  ])('accepts %s', (query) => {
    expect(checkLogql(query)).toEqual([]);
  });

  it.each([
    ['{model_name="fraud"', /expected/],
    ['{model_name=~".*"}', /does not match the empty string/],
    ['{model_name=""}', /does not match the empty string/],
    ['{model_name=~"(unclosed"}', /invalid regular expression/],
    ['{model_name="fraud"} | json | request_id=~"[a-"', /invalid regular expression/],
    ['sum({model_name="fraud"})', /needs a metric query/],
    ['count_over_time({model_name="fraud"})', /expected \[/],
    ['count_over_time({model_name="fraud"}[5 minutes])', /./],
    ['{model_name:"fraud"}', /unexpected character|needs =/],
    ['{model_name="fraud"} | json | request_id', /comparison operator|end of query/],
    ['{model_name="fraud"} | json extra', /./],
    ['model_requests_total{model_name="fraud"}', /expected \{/],
  ])('rejects %s', (query, problem) => {
    const problems = checkLogql(query);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(problem);
  });
});
