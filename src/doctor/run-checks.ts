import type { CheckResult, SetupCheck } from './check';
import { SetupProblem } from './check';

/**
 * Runs checks one after another (a setup's dependencies are few, and a serial run keeps the output
 * in the order it was written), each bounded by `timeoutMs` so a hung server fails its check
 * instead of the whole run.
 */
export async function runChecks(
  checks: SetupCheck[],
  options: { timeoutMs?: number; now?: () => number } = {},
): Promise<CheckResult[]> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const now = options.now ?? (() => performance.now());
  const results: CheckResult[] = [];
  for (const check of checks) {
    const started = now();
    let timer: NodeJS.Timeout | undefined;
    try {
      const message = await Promise.race([
        check.run(),
        new Promise<never>((_, fail) => {
          timer = setTimeout(
            () => fail(new SetupProblem(`no answer within ${timeoutMs / 1000}s`, 'check the address and the network')),
            timeoutMs,
          );
          timer.unref();
        }),
      ]);
      results.push({ name: check.name, ok: true, message, ms: Math.round(now() - started) });
    } catch (err) {
      const problem = err instanceof SetupProblem ? err : null;
      results.push({
        name: check.name,
        ok: false,
        message: (err as Error).message,
        ...(problem ? { fix: problem.fix } : {}),
        ms: Math.round(now() - started),
      });
    } finally {
      clearTimeout(timer);
    }
  }
  return results;
}

/** The report a terminal reads: one line per check, then what to fix. */
export function formatResults(results: CheckResult[]): string {
  const lines = results.map(
    (r) => `${r.ok ? 'pass' : 'FAIL'}  ${r.name}: ${r.message}${r.fix ? `\n      fix: ${r.fix}` : ''}`,
  );
  const failed = results.filter((r) => !r.ok).length;
  lines.push(failed ? `\n${failed} of ${results.length} checks failed` : `\nall ${results.length} checks passed`);
  return lines.join('\n');
}
