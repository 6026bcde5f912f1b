import { expect } from 'chai';
import { connect } from 'node:net';
import { Harness } from '../helpers/harness';

/** Opens a raw connection, sends `head` and `bodyPart`, then waits (sending nothing more) for the server's answer or close. */
function partialUpload(url: string, head: string, bodyPart: string, waitMs: number) {
  const { hostname, port } = new URL(url);
  return new Promise<{ answer: string; closedAfterMs: number | null }>((done) => {
    const started = Date.now();
    let answer = '';
    const socket = connect(Number(port), hostname, () => socket.write(head + bodyPart));
    socket.on('data', (d) => (answer += d));
    socket.on('error', () => undefined);
    const timer = setTimeout(() => {
      socket.destroy();
      done({ answer, closedAfterMs: null });
    }, waitMs);
    socket.on('close', () => {
      clearTimeout(timer);
      done({ answer, closedAfterMs: Date.now() - started });
    });
  });
}

describe('HTTP limits on the webhook surface', function () {
  this.timeout(60_000);
  let h: Harness;
  afterEach(async () => h.stopChecked());

  it('refuses a body whose Content-Length exceeds the limit with 413 before reading it, and closes', async () => {
    h = await Harness.start();
    const head = [
      'POST /webhooks/jira HTTP/1.1',
      'Host: credgate',
      'Content-Type: application/json',
      `Content-Length: ${100 * 1024 * 1024}`,
      '',
      '',
    ].join('\r\n');
    // 1 KB of a declared 100 MB: the answer must come without the rest.
    const run = await partialUpload(h.url, head, 'x'.repeat(1024), 10_000);
    expect(run.answer).to.match(/^HTTP\/1\.1 413 /);
    expect(run.answer).to.include('the body exceeds the limit of 1048576 bytes');
    expect(run.closedAfterMs, 'the connection closes with the answer').not.to.equal(null);
  });

  it('cuts a body that trickles in at the configured request timeout, not the server default', async () => {
    h = await Harness.start({ config: { server: { requestTimeout: '2s' } } });
    const head = [
      'POST /webhooks/jira HTTP/1.1',
      'Host: credgate',
      'Content-Type: application/json',
      'Content-Length: 100',
      '',
      '',
    ].join('\r\n');
    const run = await partialUpload(h.url, head, '{"webhookEvent"', 20_000);
    expect(run.answer).to.match(/^HTTP\/1\.1 408 /);
    // Node checks the timeout every connectionsCheckingInterval (30 s by default): within a
    // second of the bound, not up to thirty.
    expect(run.closedAfterMs).to.be.within(1_500, 4_500);
  });

  it('sends HSTS when server.publicUrl is https, and not otherwise', async () => {
    h = await Harness.start({ config: { server: { publicUrl: 'https://credgate.example.com' } } });
    const res = await fetch(`${h.url}/healthz`);
    expect(res.headers.get('strict-transport-security')).to.equal('max-age=31536000');
    const refused = await fetch(`${h.url}/webhooks/jira`, { method: 'POST', body: '{}' });
    expect(refused.headers.get('strict-transport-security')).to.equal('max-age=31536000');
    await h.stopChecked();

    h = await Harness.start({ config: { server: { publicUrl: 'http://credgate.internal:3000' } } });
    expect((await fetch(`${h.url}/healthz`)).headers.get('strict-transport-security')).to.equal(null);
  });
});
