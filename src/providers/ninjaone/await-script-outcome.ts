import { CredgateError } from '../../util/errors';
import type { RmmActivity, RmmClient } from './rmm-client';

export interface OutcomeWait {
  deviceId: number;
  scriptName: string;
  /** The device's last activity id before the run: only later activities can be this run's. */
  after: number;
  intervalMs: number;
  timeoutMs: number;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

/**
 * A script run's outcome, confirmed rather than assumed: polls the device's activities until one
 * newer than the run reports the script COMPLETED, within a bound. Failure and silence are
 * transient errors, so the effect runner retries and, for a revocation, ends at "revocation failed".
 */
export async function awaitScriptOutcome(rmm: RmmClient, w: OutcomeWait): Promise<RmmActivity> {
  const deadline = w.now() + w.timeoutMs;
  for (;;) {
    const { activities } = await rmm.activities(w.deviceId, w.after);
    const done = activities
      .filter((a) => a.id > w.after && a.sourceName === w.scriptName && a.statusCode === 'COMPLETED')
      .sort((x, y) => x.id - y.id)[0];
    if (done) {
      if (done.activityResult === 'SUCCESS') return done;
      throw new CredgateError(
        'transient',
        `the script "${w.scriptName}" failed on device ${w.deviceId} (${done.activityResult ?? 'no result'}): ${(done.message ?? '').slice(0, 200)}`,
      );
    }
    if (w.now() >= deadline)
      throw new CredgateError(
        'transient',
        `the script "${w.scriptName}" reported no outcome on device ${w.deviceId} within ${Math.round(w.timeoutMs / 1000)}s (is the device online?)`,
      );
    await w.sleep(w.intervalMs);
  }
}
