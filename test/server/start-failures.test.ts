import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect } from 'chai';

const ROOT = resolve(__dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'credgate-start-'));

/** `npm start`'s entry point as its own process; resolves with its exit code and everything it printed. */
function runService(
  env: Record<string, string>,
  timeoutMs = 30_000,
): Promise<{ code: number | null; output: string; ms: number }> {
  const started = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', CREDGATE_STORE: `sqlite://${join(dir, 'start.sqlite')}`, ...env },
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  return new Promise((ok) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      ok({ code, output, ms: Date.now() - started });
    });
  });
}

describe('start-up failures', function () {
  this.timeout(60_000);

  describe('a port already in use', () => {
    let holder: Server;
    let port: number;
    before(async () => {
      holder = createServer();
      await new Promise<void>((ok) => holder.listen(0, '0.0.0.0', ok));
      port = (holder.address() as { port: number }).port;
    });
    after(() => new Promise<void>((ok) => holder.close(() => ok())));

    it('exits non-zero with a message naming the port and the setting, not a stack trace', async () => {
      const run = await runService({ PORT: String(port) });
      expect(run.code, run.output).to.equal(1);
      expect(run.output).to.include(
        `credgate cannot start: port ${port} on 0.0.0.0 is already in use: stop the other process or set server.port (PORT) to a free port`,
      );
      expect(run.output).not.to.include('credgate listening');
      expect(run.output).not.to.match(/\n\s+at /);
    });
  });
});
