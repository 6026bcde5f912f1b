/** Results: the shape written to bench/results.json, and bench/RESULTS.md rendered from it. */
import type { machineInfo } from './common';

export interface Row {
  metric: string;
  unit: string;
  value: number | string | null;
  baseline: number | string | null;
  /** value / baseline, when both are numbers. */
  ratio?: number | null;
  /** What the issue asks for; absent: informational. */
  target?: string;
  met?: boolean | null;
  /** Why a target was missed and what bounds it (rendered under the table). */
  explain?: string;
}

export interface BenchResult {
  id: string;
  title: string;
  /** What is measured against what, in one or two sentences. */
  method: string;
  baselineName: string;
  /** What the Target column says for rows without a target (default: informational). */
  defaultTarget?: string;
  status: 'ok' | 'error' | 'not run';
  reason?: string;
  rows: Row[];
  notes: string[];
  wallSeconds: number;
  /** 1-minute load average when the benchmark started and ended (other work on the machine skews every figure). */
  load?: { start: number; end: number; otherProcessesCpu: number | null; storeServersCpu?: number | null };
  raw: unknown;
}

export interface Results {
  machine: ReturnType<typeof machineInfo>;
  command: string;
  wallSeconds: number;
  settings: Record<string, unknown>;
  benchmarks: BenchResult[];
}

export function ratioOf(value: unknown, baseline: unknown): number | null {
  return typeof value === 'number' &&
    typeof baseline === 'number' &&
    baseline !== 0 &&
    Number.isFinite(value) &&
    Number.isFinite(baseline)
    ? Math.round((value / baseline) * 100) / 100
    : null;
}

const cell = (v: unknown): string => {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number') return Number.isFinite(v) ? v.toLocaleString('en-US', { maximumFractionDigits: 2 }) : '—';
  return String(v).replace(/\|/g, '\\|');
};

function table(b: BenchResult): string {
  const lines = [
    `| Measure | credgate | Baseline: ${b.baselineName} | Ratio | Target | Result |`,
    '|---|--:|--:|--:|---|---|',
  ];
  for (const r of b.rows) {
    const result = r.met === true ? '**met**' : r.met === false ? '**missed**' : r.target ? 'not judged' : '—';
    const ratio = r.ratio ?? ratioOf(r.value, r.baseline);
    lines.push(
      `| ${cell(r.metric)} (${r.unit}) | ${cell(r.value)} | ${cell(r.baseline)} | ${ratio === null ? '—' : `${ratio}×`} | ${cell(r.target ?? b.defaultTarget ?? 'informational')} | ${result} |`,
    );
  }
  return lines.join('\n');
}

export function renderMarkdown(res: Results): string {
  const m = res.machine;
  const out: string[] = [
    '# credgate benchmark results',
    '',
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.platform}; Node ${m.node}; run ${m.date}.`,
    `Command: \`${res.command}\` (${Math.round(res.wallSeconds)} s in all). Every figure stands beside a baseline measured in the same run, on loopback.`,
    'How each benchmark works and how to run it: [README.md](README.md). Raw numbers: [results.json](results.json).',
    '',
  ];
  const judged = res.benchmarks.flatMap((b) =>
    b.rows.filter((r) => r.met !== undefined && r.met !== null).map((r) => ({ b, r })),
  );
  out.push(`**Summary:** ${judged.filter(({ r }) => r.met).length} of ${judged.length} judged targets met.`, '');
  for (const { b, r } of judged)
    out.push(
      `- ${r.met ? 'met' : '**missed**'}: ${b.title.replace(/^\d+\. /, '')} — ${r.metric} (${r.target}): ${typeof r.value === 'number' ? r.value.toLocaleString('en-US') : r.value} ${r.unit}`,
    );
  for (const b of res.benchmarks.filter((x) => x.status !== 'ok'))
    out.push(`- ${b.title}: ${b.status}${b.reason ? ` (${b.reason})` : ''}`);
  out.push('');
  const noise = res.benchmarks.map((b) => b.load?.otherProcessesCpu).filter((x): x is number => typeof x === 'number');
  if (noise.length) {
    const worst = Math.round(Math.max(...noise) * 100);
    out.push(
      worst > 10
        ? `**Machine noise:** processes outside the benchmarks used up to ${worst} % of the machine's CPU while they ran (per benchmark below), so the absolute figures are lower than on an idle machine of this size, and since each baseline ran seconds to minutes apart from its figure, noise that varies over time skews the ratios too.`
        : `Machine noise: processes outside the benchmarks used at most ${worst} % of the machine's CPU while they ran.`,
      '',
    );
  }
  for (const b of res.benchmarks) {
    out.push(`## ${b.title}`, '', b.method, '');
    if (b.status !== 'ok') {
      out.push(`**${b.status === 'not run' ? 'Not run' : 'Error'}:** ${b.reason ?? ''}`, '');
    }
    if (b.rows.length) out.push(table(b), '');
    const explained = b.rows.filter((r) => r.met === false && r.explain);
    for (const r of explained) out.push(`- **${r.metric} missed:** ${r.explain}`);
    if (explained.length) out.push('');
    for (const n of b.notes) out.push(`- ${n}`);
    if (b.notes.length) out.push('');
    const other = b.load?.otherProcessesCpu;
    const servers = b.load?.storeServersCpu;
    const load = b.load
      ? `; processes outside the benchmark used ${other === null || other === undefined ? '?' : Math.round(other * 100)} % of the machine's CPU meanwhile` +
        (servers ? ` (the Redis and PostgreSQL servers, not counted there, ${Math.round(servers * 100)} %)` : '') +
        `; 1-minute load average ${b.load.start} at its start, ${b.load.end} at its end`
      : '';
    out.push(`_Wall time of this benchmark: ${Math.round(b.wallSeconds)} s${load}._`, '');
  }
  return out.join('\n');
}
