import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const RSYSLOGD = '/usr/sbin/rsyslogd';
/** The loopback certificate the test slapd uses (CN 127.0.0.1, valid to 2099). */
export const TEST_TLS = {
  ca: resolve(__dirname, '../providers/fixtures/ldap/ca.pem'),
  cert: resolve(__dirname, '../providers/fixtures/ldap/server.pem'),
  key: resolve(__dirname, '../providers/fixtures/ldap/server.key'),
};

export const freePort = (): Promise<number> =>
  new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });

const listening = async (port: number, timeoutMs: number) => {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((done) => {
      const s = createConnection({ host: '127.0.0.1', port }, () => {
        s.destroy();
        done(true);
      });
      s.once('error', () => done(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`rsyslogd did not listen on ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

/**
 * A real rsyslogd (Debian's) receiving RFC 5425 syslog over TLS on a loopback port of its own and
 * writing each message as received, one per line, to a file the test reads. Stop and start it to
 * make an outage; the port and the file stay.
 */
export class Rsyslog {
  private readonly dir = mkdtempSync(join(tmpdir(), 'credgate-rsyslog-'));
  private child: ChildProcess | null = null;
  readonly output = join(this.dir, 'received.log');

  private constructor(readonly port: number) {}

  static async start(): Promise<Rsyslog> {
    const r = new Rsyslog(await freePort());
    await r.start();
    return r;
  }

  async start(): Promise<void> {
    const conf = join(this.dir, 'rsyslog.conf');
    writeFileSync(
      conf,
      `global(workDirectory="${this.dir}" maxMessageSize="256k"
  DefaultNetstreamDriver="gtls"
  DefaultNetstreamDriverCAFile="${TEST_TLS.ca}"
  DefaultNetstreamDriverCertFile="${TEST_TLS.cert}"
  DefaultNetstreamDriverKeyFile="${TEST_TLS.key}")
module(load="imtcp" StreamDriver.Name="gtls" StreamDriver.Mode="1" StreamDriver.AuthMode="anon")
input(type="imtcp" port="${this.port}" address="127.0.0.1")
template(name="asReceived" type="string" string="%rawmsg%\\n")
action(type="omfile" file="${this.output}" template="asReceived")
`,
    );
    const child = spawn(RSYSLOGD, ['-n', '-f', conf, '-i', join(this.dir, 'rsyslogd.pid')], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.child = child;
    await listening(this.port, 5_000);
  }

  /** Stops the daemon (it flushes what it received first). */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((done) => {
      child.once('exit', () => done());
      child.kill('SIGTERM');
    });
  }

  /** Every message written so far, as received. */
  messages(): string[] {
    if (!existsSync(this.output)) return [];
    return readFileSync(this.output, 'utf8').split('\n').filter(Boolean);
  }

  async remove(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
