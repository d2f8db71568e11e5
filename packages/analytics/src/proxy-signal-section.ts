import type {
  DegradationLevel,
  DegradationTrend,
  ProxySignalReport,
  RecommendedAction,
  SignalName,
} from './proxy-signals.ts';

/** What the HTML report's "Proxy signals" section shows: the latest verdict and one series per signal. */
export interface ProxySignalSection {
  title: string;
  latest: {
    date: string;
    composite: number | null;
    level: DegradationLevel;
    trend: DegradationTrend | null;
    action: RecommendedAction;
    contributing: SignalName[];
  } | null;
  /** Per signal, its daily value and score (0–100), in date order; the composite last. */
  series: Array<{
    signal: SignalName | 'composite';
    points: Array<{ date: string; value: number | null; score: number | null }>;
  }>;
  /** Dates of the reference days (to shade, as the report shades the baseline days). */
  referenceDays: string[];
  thresholds: { warn: number; page: number };
}

/**
 * The data of the report's proxy-signal section, from `computeProxySignals`: a hook for
 * `renderHtmlReport`, which draws it like its other trend charts.
 */
export function proxySignalSection(
  report: ProxySignalReport,
  thresholds: { warn: number; page: number },
): ProxySignalSection {
  const names = report.days[0]?.signals.map((s) => s.signal) ?? [];
  const series: ProxySignalSection['series'] = names.map((signal) => ({
    signal,
    points: report.days.map((d) => {
      const s = d.signals.find((x) => x.signal === signal);
      return { date: d.date, value: s?.value ?? null, score: s?.score ?? null };
    }),
  }));
  series.push({
    signal: 'composite',
    points: report.days.map((d) => ({ date: d.date, value: d.composite, score: d.composite })),
  });
  const latest = report.latest;
  return {
    title: 'Proxy signals (no labels needed)',
    latest:
      latest === null
        ? null
        : {
            date: latest.date,
            composite: latest.composite,
            level: latest.level,
            trend: latest.trend,
            action: latest.action,
            contributing: latest.contributing,
          },
    series,
    referenceDays: report.referenceDays,
    thresholds,
  };
}
