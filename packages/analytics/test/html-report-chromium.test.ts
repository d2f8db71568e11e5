import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyticsConfigSchema, createAnalytics, type ReportData } from '../src/index.ts';
import { removeDir, tempDir } from './support/partition-files.ts';
import { decodePng, type PngImage } from './support/png-image.ts';
import { reportScenario, writeScenario } from './support/report-scenario.ts';

/**
 * The HTML report as a browser shows it: headless Chromium (Debian's `chromium`, installed by
 * scripts/ensure-chromium.sh, which the test line runs) parses the page and screenshots it.
 */

const run = promisify(execFile);
const CHROMIUM = process.env.PREDLOG_CHROMIUM ?? 'chromium';
const WIDTH = 1280;
const HEIGHT = 3000;

let root: string;
let data: ReportData;
let page: string;

async function chromium(args: readonly string[]): Promise<string> {
  const profile = await mkdtemp(path.join(os.tmpdir(), 'predlog-chromium-'));
  try {
    const { stdout } = await run(
      CHROMIUM,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        `--user-data-dir=${profile}`,
        `--window-size=${WIDTH},${HEIGHT}`,
        ...args,
      ],
      { maxBuffer: 64 * 1024 * 1024, timeout: 60_000 },
    );
    return stdout;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(
        `${CHROMIUM} is not installed: run bash scripts/ensure-chromium.sh (the test line does)`,
      );
    }
    throw error;
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
}

/** The y-axis tick labels of one chart in a serialised DOM. */
function yTicks(dom: string, chart: string): string[] {
  const start = dom.indexOf(`data-chart="${chart}"`);
  if (start < 0) throw new Error(`no chart ${chart} in the page`);
  const svg = dom.slice(start, dom.indexOf('</svg>', start));
  return [...svg.matchAll(/class="tick y-tick"[^>]*>([^<]*)</g)].map((m) => m[1] as string);
}

/** Pixels within `tolerance` of a colour in every channel. */
function countColour(image: PngImage, [r, g, b]: readonly [number, number, number], tolerance = 40): number {
  let n = 0;
  for (let i = 0; i < image.pixels.length; i += 4) {
    if (
      Math.abs((image.pixels[i] as number) - r) <= tolerance &&
      Math.abs((image.pixels[i + 1] as number) - g) <= tolerance &&
      Math.abs((image.pixels[i + 2] as number) - b) <= tolerance
    )
      n++;
  }
  return n;
}

beforeAll(async () => {
  root = await tempDir('chromium');
  const scenario = reportScenario(7);
  await writeScenario(root, scenario);
  const analytics = createAnalytics(
    analyticsConfigSchema.parse({ classification: { positiveLabels: ['fraud'] } }),
  );
  const report = await analytics.report(
    { directory: path.join(root, 'logs'), model: 'fraud' },
    { kind: 'days', days: 7 },
    { kind: 'file', file: path.join(root, 'labels.ndjson') },
  );
  data = report.data;
  page = path.join(root, 'report.html');
  await writeFile(page, report.html);
});

afterAll(async () => {
  await removeDir(root);
});

describe('the HTML report in headless Chromium', () => {
  it('the parsed page has every chart, with axes scaled to their values', async () => {
    const dom = await chromium(['--dump-dom', `file://${page}`]);
    const charts = [...dom.matchAll(/<svg [^>]*data-chart="([^"]+)"/g)].map((m) => m[1]);
    for (const chart of [
      'trend-auc',
      'trend-precision',
      'trend-recall',
      'trend-f1',
      'trend-ece',
      'trend-positive-rate',
      'calibration',
      'version-positive-rate',
      'version-precision',
      'version-ece',
      'segment-precision',
      'channel-precision',
      'region-recall',
      'score-histogram',
      'psi',
    ]) {
      expect(charts, chart).toContain(chart);
    }
    expect(dom).not.toMatch(/<script/i);
    // The positive decision rate moves within a few percent: its axis spans those, not 0–100%.
    const rates = data.daily.map((d) => d.positiveRate as number);
    const rateTicks = yTicks(dom, 'trend-positive-rate').map((t) => Number(t.replace('%', '')) / 100);
    expect(rateTicks.length).toBeGreaterThanOrEqual(3);
    expect(rateTicks[0]).toBeGreaterThan(0);
    expect(rateTicks[rateTicks.length - 1]).toBeLessThan(0.2);
    expect(rateTicks[0]).toBeLessThanOrEqual(Math.min(...rates));
    expect(rateTicks[rateTicks.length - 1]).toBeGreaterThanOrEqual(Math.max(...rates));
    // Precision falls from about 0.8 to about 0.5; the ECE stays below 0.1: each axis fits its own.
    const precisions = data.daily.map((d) => d.metrics?.precision as number);
    const precisionTicks = yTicks(dom, 'trend-precision').map(Number);
    expect(precisionTicks[0]).toBeGreaterThan(0);
    expect(precisionTicks[0]).toBeLessThanOrEqual(Math.min(...precisions));
    expect(precisionTicks[precisionTicks.length - 1]).toBeGreaterThanOrEqual(Math.max(...precisions));
    const eceTicks = yTicks(dom, 'trend-ece').map(Number);
    expect(eceTicks[eceTicks.length - 1]).toBeLessThan(0.2);
    expect(eceTicks[eceTicks.length - 1]).toBeGreaterThanOrEqual(
      Math.max(...data.daily.map((d) => d.metrics?.ece as number)),
    );
  });

  it('renders to a screenshot with the lines, the baseline band and the second version drawn', async () => {
    const png = path.join(root, 'report.png');
    await chromium([`--screenshot=${png}`, `file://${page}`]);
    const bytes = await readFile(png);
    // A blank page of this size compresses to a few kB; this one holds a few dozen charts.
    expect(bytes.length).toBeGreaterThan(100_000);
    const image = decodePng(bytes);
    expect([image.width, image.height]).toEqual([WIDTH, HEIGHT]);
    // #2a6fdb: the trend lines and version 1's; #d64545: version 2's; #f1f3f6: the baseline band.
    expect(countColour(image, [0x2a, 0x6f, 0xdb])).toBeGreaterThan(5000);
    expect(countColour(image, [0xd6, 0x45, 0x45])).toBeGreaterThan(500);
    // The band is 14 levels from white: matched exactly, white does not count.
    expect(countColour(image, [0xf1, 0xf3, 0xf6], 2)).toBeGreaterThan(50_000);
    expect(countColour(image, [0xff, 0xff, 0xff], 0)).toBeGreaterThan(image.width * image.height * 0.3);
  });
});
