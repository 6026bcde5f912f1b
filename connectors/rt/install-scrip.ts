import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { CredgateError } from '../../src/util/errors';

/** The Scrip's data file, shipped beside this module (a bundled build copies connectors/rt/ too). */
export const SCRIP_DATAFILE = resolve(__dirname, 'webhook-scrip.initialdata');
export const RT_SETUP_DATABASE = '/usr/sbin/rt-setup-database-5';

export interface InstallScripOptions {
  /** The queue credgate serves; the Scrip is applied to it only. */
  queue: string;
  /** rt-setup-database-5 (Debian's path by default). */
  setup?: string;
  /** RT's own environment (RT_SITE_CONFIG, ...); the caller's by default. */
  env?: NodeJS.ProcessEnv;
}

/** The command `credgate rt install-scrip` runs, for `--print` and for operators who run it themselves. */
export function installScripCommand(options: InstallScripOptions): string[] {
  return [options.setup ?? RT_SETUP_DATABASE, '--action', 'insert', '--datafile', SCRIP_DATAFILE];
}

/**
 * Loads credgate's webhook Scrip into RT's database with RT's own tool, the documented way of
 * inserting data (`rt-setup-database-5 --action insert`). Run on the RT host, as a user that can
 * write RT's database; RT must then be restarted to pick up the Credgate* settings.
 */
export async function installScrip(options: InstallScripOptions): Promise<string> {
  if (!options.queue.trim()) throw new CredgateError('bad-input', 'name the queue the Scrip applies to (--queue)');
  const [command, ...args] = installScripCommand(options);
  try {
    const { stdout } = await promisify(execFile)(command, args, {
      env: { ...(options.env ?? process.env), CREDGATE_RT_QUEUE: options.queue },
      maxBuffer: 16 << 20,
    });
    return stdout;
  } catch (err) {
    const e = err as { code?: string; stderr?: string };
    if (e.code === 'ENOENT')
      throw new CredgateError('config', `${command} not found: run this on the RT host, or pass --setup <path>`);
    throw new CredgateError('permanent', `${command} failed: ${String(e.stderr ?? '').slice(-1000)}`);
  }
}
