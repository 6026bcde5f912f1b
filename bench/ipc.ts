/**
 * A tiny request/response protocol over Node's IPC channel, so the orchestrator (bench/run.ts) can
 * drive child processes (credgate under test, the load generator, the scheduler probes) and read
 * their figures. Children are forked as `node --import tsx <file>`.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

type Handler = (args: any) => unknown;
interface Call {
  id: number;
  cmd: string;
  args: unknown;
}
interface Reply {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}
/** A message a child sends on its own (progress reports). */
export interface Note {
  note: string;
  [key: string]: unknown;
}

export const REPO = resolve(__dirname, '..');

/** In a child: answers calls from the parent with the named handlers. */
export function serve(handlers: Record<string, Handler>): void {
  if (!process.send) throw new Error('this module runs as a forked child of bench/run.ts');
  process.on('message', (msg: Call) => {
    if (!msg || typeof msg.id !== 'number') return;
    const handler = handlers[msg.cmd];
    Promise.resolve()
      .then(() => {
        if (!handler) throw new Error(`unknown command ${msg.cmd}`);
        return handler(msg.args);
      })
      .then(
        (result) => process.send?.({ id: msg.id, ok: true, result } satisfies Reply),
        (err: unknown) =>
          process.send?.({
            id: msg.id,
            ok: false,
            error: err instanceof Error ? (err.stack ?? err.message) : String(err),
          } satisfies Reply),
      );
  });
  // The parent going away ends the child too.
  process.on('disconnect', () => process.exit(0));
}

/** In a child: sends an unsolicited note (e.g. progress) to the parent. */
export function note(message: Note): void {
  process.send?.(message);
}

export interface ChildOptions {
  env?: Record<string, string | undefined>;
  /** Extra node flags (e.g. --expose-gc, --cpu-prof). */
  nodeArgs?: string[];
  /** Where the child's stdout goes: ignored by default (credgate logs go to a null sink anyway). */
  stdout?: 'ignore' | 'inherit';
  /** Where its stderr goes: inherited by default. */
  stderr?: 'ignore' | 'inherit';
}

/** A forked child process driven by calls. */
export class Child {
  readonly notes: Note[] = [];
  private next = 1;
  private readonly waiting = new Map<number, { ok: (v: unknown) => void; fail: (e: Error) => void }>();
  private exited: Promise<number | null>;
  private noteListeners: ((n: Note) => void)[] = [];

  private constructor(
    readonly proc: ChildProcess,
    readonly name: string,
  ) {
    proc.on('message', (msg: Reply | Note) => {
      if ('note' in msg) {
        this.notes.push(msg);
        for (const l of this.noteListeners) l(msg);
        return;
      }
      const w = this.waiting.get(msg.id);
      if (!w) return;
      this.waiting.delete(msg.id);
      if (msg.ok) w.ok(msg.result);
      else w.fail(new Error(`${name}: ${msg.error}`));
    });
    this.exited = new Promise((ok) =>
      proc.once('exit', (code, signal) => {
        for (const w of this.waiting.values())
          w.fail(new Error(`${name} exited (code ${code}, signal ${signal}) before answering`));
        this.waiting.clear();
        ok(code);
      }),
    );
  }

  /** Forks `file` (relative to the repository) under tsx. */
  static start(file: string, name: string, options: ChildOptions = {}): Child {
    const proc = fork(resolve(REPO, file), [], {
      cwd: REPO,
      execArgv: ['--import', 'tsx', ...(options.nodeArgs ?? [])],
      env: { ...process.env, ...options.env },
      stdio: ['ignore', options.stdout ?? 'ignore', options.stderr ?? 'inherit', 'ipc'],
    });
    return new Child(proc, name);
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  onNote(listener: (n: Note) => void): void {
    this.noteListeners.push(listener);
  }

  call<T = unknown>(cmd: string, args: unknown = {}, timeoutMs = 120_000): Promise<T> {
    const id = this.next++;
    return new Promise<T>((ok, fail) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        fail(new Error(`${this.name}: ${cmd} did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(id, {
        ok: (v) => {
          clearTimeout(timer);
          ok(v as T);
        },
        fail: (e) => {
          clearTimeout(timer);
          fail(e);
        },
      });
      this.proc.send({ id, cmd, args } satisfies Call);
    });
  }

  /** Ends this child (by its pid): a polite signal first, SIGKILL after `graceMs`. */
  async stop(graceMs = 5_000): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    this.proc.kill('SIGTERM');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  kill(): Promise<number | null> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGKILL');
    return this.exited;
  }

  whenExited(): Promise<number | null> {
    return this.exited;
  }
}
