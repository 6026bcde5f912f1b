import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect } from 'chai';

const ROOT = resolve(__dirname, '../..');

/** True while something accepts connections on the port. */
const accepting = (port: number) =>
  new Promise<boolean>((ok) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), ok(true)));
    socket.once('error', () => ok(false));
  });

/** True while any process of the group is alive. */
const groupAlive = (pgid: number) => {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('npm start under a supervisor', function () {
  // The first start compiles the service (prestart: npm run build), which takes a while on a busy machine.
  this.timeout(240_000);

  for (const signal of ['SIGTERM', 'SIGINT'] as const)
    it(`stops and frees its port within 15 s when only npm, the group leader, gets ${signal}`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'credgate-npm-start-'));
      // detached: npm leads a process group of its own, as under systemd or a container's init.
      const npm = spawn('npm', ['start'], {
        cwd: ROOT,
        detached: true,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: dir,
          PORT: '0',
          CREDGATE_STORE: `sqlite://${join(dir, 's.sqlite')}`,
        },
      });
      let output = '';
      npm.stdout.on('data', (d) => (output += d));
      npm.stderr.on('data', (d) => (output += d));
      const exited = new Promise<number | null>((ok) => npm.on('exit', (code) => ok(code)));
      const pgid = npm.pid as number;
      try {
        const port = await new Promise<number>((ok, fail) => {
          const timer = setTimeout(() => fail(new Error(`npm start did not listen:\n${output}`)), 200_000);
          npm.stdout.on('data', () => {
            const m = /"port":(\d+)[^\n]*credgate listening/.exec(output);
            if (m) clearTimeout(timer), ok(Number(m[1]));
          });
          exited.then((code) => fail(new Error(`npm start exited with ${code}:\n${output}`)));
        });
        expect(await accepting(port)).to.equal(true);

        const signalled = Date.now();
        process.kill(pgid, signal);
        while ((await accepting(port)) || groupAlive(pgid)) {
          expect(Date.now() - signalled, `port ${port} still served or a process left:\n${output}`).to.be.below(15_000);
          await new Promise((r) => setTimeout(r, 200));
        }
        expect(output).to.include(`"signal":"${signal}"`);
      } finally {
        if (groupAlive(pgid)) process.kill(-pgid, 'SIGKILL');
      }
    });
});
