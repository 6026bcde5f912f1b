import { spawn } from 'node:child_process';
import { type Clock, elapsedMs, systemClock } from '../../util/clock';

export interface ProgramRun {
  /** Absolute path (resolved when the provider was created). */
  program: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
  timeoutMs: number;
  /** After SIGTERM, how long the program may take to clean up before SIGKILL. */
  killGraceMs: number;
  /** Bytes kept of each of stdout and the combined output; the rest is counted, not kept. */
  captureBytes: number;
  /** Times the run (durationMs); default: the system clock. */
  clock?: Clock;
}

export interface ProgramOutcome {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: string;
  /** stdout and stderr interleaved as they arrived. */
  output: string;
  /** Bytes of output that did not fit in `captureBytes`. */
  droppedBytes: number;
  durationMs: number;
}

/** How long to wait for the pipes to close after the program exited (a daemon it started may hold them). */
const PIPE_DRAIN_MS = 2_000;

/**
 * Runs one program with an argument array and no shell: each argument reaches the program as one
 * argv element, whatever it contains. The program leads its own process group, so a timeout can
 * end everything it started (SIGTERM to the group, SIGKILL after the grace period). Rejects only
 * when the program cannot be started at all (not found, not executable, a NUL byte in an argument).
 */
export function runProgram(run: ProgramRun): Promise<ProgramOutcome> {
  return new Promise((resolve, reject) => {
    const clock = run.clock ?? systemClock;
    const started = clock();
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(run.program, run.args, {
        cwd: run.cwd,
        env: run.env,
        shell: false,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        windowsHide: true,
      });
    } catch (err) {
      reject(err);
      return;
    }

    const stdout: Buffer[] = [];
    const combined: Buffer[] = [];
    let stdoutBytes = 0;
    let combinedBytes = 0;
    let droppedBytes = 0;
    const keep = (chunk: Buffer, into: Buffer[], size: number): number => {
      const room = run.captureBytes - size;
      if (room <= 0) return 0;
      const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
      into.push(part);
      return part.length;
    };
    child.stdout!.on('data', (chunk: Buffer) => {
      stdoutBytes += keep(chunk, stdout, stdoutBytes);
      const kept = keep(chunk, combined, combinedBytes);
      combinedBytes += kept;
      droppedBytes += chunk.length - kept;
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      const kept = keep(chunk, combined, combinedBytes);
      combinedBytes += kept;
      droppedBytes += chunk.length - kept;
    });

    let timedOut = false;
    const killGroup = (signal: NodeJS.Signals) => {
      try {
        // A negative pid addresses the whole process group the program leads (detached: true).
        process.kill(-child.pid!, signal);
      } catch {
        // Already gone.
      }
    };
    let graceTimer: NodeJS.Timeout | undefined;
    const timeoutTimer = setTimeout(() => {
      timedOut = true;
      killGroup('SIGTERM');
      graceTimer = setTimeout(() => killGroup('SIGKILL'), run.killGraceMs);
    }, run.timeoutMs);

    let drainTimer: NodeJS.Timeout | undefined;
    child.once('exit', () => {
      drainTimer = setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
      }, PIPE_DRAIN_MS);
    });

    child.once('error', (err) => {
      // Not started at all (ENOENT, EACCES); errors after a start arrive as an exit code.
      if (child.pid !== undefined) return;
      clearTimeout(timeoutTimer);
      reject(err);
    });

    child.once('close', (exitCode, signal) => {
      clearTimeout(timeoutTimer);
      clearTimeout(graceTimer);
      clearTimeout(drainTimer);
      // The leader is gone; whatever it started and left behind after a timeout goes too.
      if (timedOut) killGroup('SIGKILL');
      resolve({
        exitCode,
        signal,
        timedOut,
        stdout: Buffer.concat(stdout).toString('utf8'),
        output: Buffer.concat(combined).toString('utf8'),
        droppedBytes,
        durationMs: elapsedMs(clock, started),
      });
    });
  });
}
