import type { EChartsOption } from 'echarts';
import type { ReviewSummary } from './review-types';
import { LATE_AFTER_MS } from './collect';
import { CredgateError } from '../util/errors';

/** One chart of the report: inline SVG rendered on the server, and the figures it draws. */
export interface ReviewChart {
  id: string;
  title: string;
  /** Sanitized SVG markup; null when there is nothing to draw. */
  svg: string | null;
  /** The same figures as a table (screen readers, print, and anyone who distrusts a chart). */
  table: { columns: string[]; rows: (string | number)[][] };
}

const COLORS = { low: '#4a78c8', high: '#c8553d', neutral: '#5f7d95', failed: '#9b1c1c' };
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/** Approval waits, in buckets people think in. */
const WAIT_BUCKETS: [string, number][] = [
  ['≤ 15 min', 15 * MIN],
  ['15 min – 1 h', HOUR],
  ['1 – 4 h', 4 * HOUR],
  ['4 – 24 h', DAY],
  ['1 – 3 days', 3 * DAY],
  ['> 3 days', Infinity],
];

const LAG_BUCKETS: [string, number][] = [
  ['on time (≤ 1 min)', LATE_AFTER_MS],
  ['1 – 15 min', 15 * MIN],
  ['15 min – 1 h', HOUR],
  ['1 – 24 h', DAY],
  ['> 1 day', Infinity],
];

const bucketOf = (ms: number, buckets: [string, number][]) => buckets.findIndex(([, upTo]) => ms <= upTo);

/** The report's four charts, rendered to SVG with ECharts' server-side renderer (no DOM). */
export function reviewCharts(s: ReviewSummary): ReviewChart[] {
  const overTime = s.requestsOverTime.buckets;
  const waits = WAIT_BUCKETS.map(([label], i) => ({
    label,
    low: s.approvalWaits.filter((w) => w.risk === 'low' && bucketOf(w.ms, WAIT_BUCKETS) === i).length,
    high: s.approvalWaits.filter((w) => w.risk === 'high' && bucketOf(w.ms, WAIT_BUCKETS) === i).length,
  }));
  const lags = [
    ...LAG_BUCKETS.map(([label], i) => ({
      label,
      count: s.revocations.rows.filter((r) => r.lagMs !== null && bucketOf(r.lagMs, LAG_BUCKETS) === i).length,
    })),
    { label: 'failed', count: s.revocations.failed },
  ];
  const systems = s.activeBySystem.slice(0, 20);

  return [
    {
      id: 'requests-over-time',
      title: `Requests per ${s.requestsOverTime.unit}, by risk`,
      svg: s.totals.requests
        ? render(
            stackedBars(
              overTime.map((b) => b.label),
              { low: overTime.map((b) => b.byRisk.low), high: overTime.map((b) => b.byRisk.high) },
            ),
            'Requests over time by risk',
          )
        : null,
      table: {
        columns: [s.requestsOverTime.unit, 'low', 'high'],
        rows: overTime.filter((b) => b.byRisk.low + b.byRisk.high).map((b) => [b.label, b.byRisk.low, b.byRisk.high]),
      },
    },
    {
      id: 'time-to-approve',
      title: 'Time to approve, by risk',
      svg: s.approvalWaits.length
        ? render(
            stackedBars(
              waits.map((w) => w.label),
              { low: waits.map((w) => w.low), high: waits.map((w) => w.high) },
            ),
            'Time to approve',
          )
        : null,
      table: { columns: ['wait', 'low', 'high'], rows: waits.map((w) => [w.label, w.low, w.high]) },
    },
    {
      id: 'revocation-lag',
      title: 'Revocation lag (access ended after it was due)',
      svg: s.revocations.rows.length
        ? render(
            singleBars(
              lags.map((l) => l.label),
              lags.map((l) => l.count),
              lags.map((l) => (l.label === 'failed' ? COLORS.failed : COLORS.neutral)),
            ),
            'Revocation lag',
          )
        : null,
      table: { columns: ['lag', 'revocations'], rows: lags.map((l) => [l.label, l.count]) },
    },
    {
      id: 'active-by-system',
      title: 'Active grants by system',
      svg: systems.length
        ? render(
            horizontalBars(
              systems.map((x) => x.system),
              systems.map((x) => x.count),
            ),
            'Active grants by system',
          )
        : null,
      table: { columns: ['system', 'active grants'], rows: s.activeBySystem.map((x) => [x.system, x.count]) },
    },
  ];
}

/** Values on the bars (zero bars stay unlabelled), integer axes, no animation or interaction. */
const barLabel = { show: true, formatter: (p: { value: unknown }) => (Number(p.value) ? String(p.value) : '') };
const base = (): EChartsOption => ({
  animation: false,
  textStyle: { fontFamily: 'sans-serif' },
  grid: { left: 48, right: 24, top: 36, bottom: 56 },
});

function stackedBars(categories: string[], series: { low: number[]; high: number[] }): EChartsOption {
  return {
    ...base(),
    legend: { top: 4, data: ['low risk', 'high risk'] },
    xAxis: {
      type: 'category',
      data: categories,
      axisLabel: categories.length > 12 ? { interval: 'auto', rotate: 45 } : { interval: 0 },
    },
    yAxis: { type: 'value', minInterval: 1 },
    series: [
      {
        type: 'bar',
        name: 'low risk',
        stack: 'risk',
        data: series.low,
        itemStyle: { color: COLORS.low },
        label: barLabel,
        emphasis: { disabled: true },
      },
      {
        type: 'bar',
        name: 'high risk',
        stack: 'risk',
        data: series.high,
        itemStyle: { color: COLORS.high },
        label: barLabel,
        emphasis: { disabled: true },
      },
    ],
  };
}

function singleBars(categories: string[], values: number[], colors: string[]): EChartsOption {
  return {
    ...base(),
    xAxis: { type: 'category', data: categories, axisLabel: { interval: 0, fontSize: 11 } },
    yAxis: { type: 'value', minInterval: 1 },
    series: [
      {
        type: 'bar',
        name: 'revocations',
        data: values.map((value, i) => ({ value, itemStyle: { color: colors[i] } })),
        label: barLabel,
        emphasis: { disabled: true },
      },
    ],
  };
}

function horizontalBars(categories: string[], values: number[]): EChartsOption {
  return {
    ...base(),
    grid: { left: 140, right: 32, top: 16, bottom: 32 },
    xAxis: { type: 'value', minInterval: 1 },
    yAxis: { type: 'category', data: categories, inverse: true, axisLabel: { width: 120, overflow: 'truncate' } },
    series: [
      {
        type: 'bar',
        name: 'active grants',
        data: values,
        itemStyle: { color: COLORS.neutral },
        label: { ...barLabel, position: 'right' },
        emphasis: { disabled: true },
      },
    ],
  };
}

type ECharts = typeof import('echarts');
let echarts: ECharts | null = null;

function render(option: EChartsOption, label: string, width = 720, height = 300): string {
  // Loaded on first use: the service starts without parsing ECharts until a review runs.
  echarts ??= require('echarts') as ECharts;
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption(option);
    return sanitizeSvg(chart.renderToSVGString(), label);
  } finally {
    // dispose, or the chart's animation loop keeps the process alive.
    chart.dispose();
  }
}

const STYLE_PROPERTIES = new Set(['font-size', 'font-family', 'font-weight', 'font-style']);

/**
 * Makes ECharts' SVG fit a page served under `default-src 'none'` with hashed styles: no <style>
 * element, no style attribute (their font settings become presentation attributes), no classes
 * pointing at the removed styles, no namespace URLs; bar metadata kept as data-* attributes, which
 * tests read. Anything that could run or load something fails the render instead of shipping.
 */
export function sanitizeSvg(svg: string, label: string): string {
  const out = svg
    .replace(/<style[\s\S]*?<\/style>/g, '')
    .replace(/\s(?:xmlns|xmlns:xlink)="[^"]*"/g, '')
    .replace(/\sclass="[^"]*"/g, '')
    .replace(/\secmeta_(?:ssr_type|silent)="[^"]*"/g, '')
    .replace(/\secmeta_series_index="/g, ' data-series="')
    .replace(/\secmeta_data_index="/g, ' data-index="')
    .replace(/\sstyle="([^"]*)"/g, (_m, css: string) =>
      css
        .split(';')
        .map((decl) => decl.split(':').map((p) => p.trim()))
        .filter(([prop, value]) => prop && value && STYLE_PROPERTIES.has(prop) && /^[\w\s.,#%'-]+$/.test(value))
        .map(([prop, value]) => ` ${prop}="${value.replace(/'/g, '')}"`)
        .join(''),
    )
    .replace(/<svg\b/, `<svg role="img" aria-label="${escapeAttribute(label)}"`)
    .replace(/>\s+</g, '><')
    .trim();
  // Tags only: text content (system names, labels) is escaped by ECharts and may say anything.
  const unsafe = (out.match(/<[^>]*>/g) ?? []).find((tag) =>
    /^<\/?(script|foreignObject|image|use|a)\b|\s(href|xlink:href|style)=|\son\w+=|url\(/i.test(tag),
  );
  if (unsafe)
    throw new CredgateError(
      'permanent',
      `chart "${label}" produced SVG that is not safe to inline: ${unsafe.slice(0, 60)}`,
    );
  return out;
}

const escapeAttribute = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
