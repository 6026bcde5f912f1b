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

  describe('a shared store that does not answer', () => {
    // A port with nothing behind it: Redis's client retries forever, PostgreSQL's refuses at once.
    let silent: number;
    before(async () => {
      const probe = createServer();
      await new Promise<void>((ok) => probe.listen(0, '127.0.0.1', ok));
      silent = (probe.address() as { port: number }).port;
      await new Promise<void>((ok) => probe.close(() => ok()));
    });

    for (const scheme of ['redis', 'postgres'] as const) {
      it(`${scheme}: exits non-zero within the connect timeout, naming the URL without its password`, async () => {
        const url = `${scheme}://credgate:s3cret-store-pass@127.0.0.1:${silent}/${scheme === 'redis' ? '0' : 'test'}`;
        const run = await runService({ CREDGATE_STORE: url, CREDGATE_STORE_CONNECT_TIMEOUT: '2s' });
        expect(run.code, run.output).to.equal(1);
        expect(run.output).to.include(`${scheme}://credgate:***@127.0.0.1:${silent}`);
        expect(run.output).to.include('cannot be opened');
        expect(run.output).not.to.include('s3cret-store-pass');
        expect(run.output).not.to.include('credgate listening');
        // The bound holds: the start-up (tsx compile included) plus the 2 s timeout, not minutes.
        expect(run.ms).to.be.below(20_000);
      });
    }
  });
});
