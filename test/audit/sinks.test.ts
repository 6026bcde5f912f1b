import { expect } from 'chai';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Harness, eventually } from '../helpers/harness';
import { quickPolicy } from '../helpers/policy';
import { Rsyslog, TEST_TLS } from '../helpers/rsyslog';
import type { AuditRecord } from '../../src/audit/audit-log';

const SINK_SECRET = 'audit-sink-secret-3f9a1c7e5b2d4a6c8e0f1a3b';
const LOW = [
  'Target systems: reporting-db',
  'Account: svc_reports',
  'Access: read-only',
  'Justification: monthly report run',
  'Duration: 2h',
].join('\n');

/** A SIEM's HTTPS intake on loopback: checks each signature, keeps what it accepted, can go down. */
class Receiver {
  readonly accepted: { seq: number; record: AuditRecord }[] = [];
  readonly refusedSignatures: number[] = [];
  down = false;
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer({ cert: readFileSync(TEST_TLS.cert), key: readFileSync(TEST_TLS.key) }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        if (this.down) return void res.writeHead(503).end();
        const timestamp = String(req.headers['x-credgate-timestamp']);
        const expected = `sha256=${createHmac('sha256', SINK_SECRET).update(`${timestamp}.${body}`).digest('hex')}`;
        const given = String(req.headers['x-credgate-signature'] ?? '');
        const seq = Number(req.headers['x-credgate-seq']);
        if (given.length !== expected.length || !timingSafeEqual(Buffer.from(given), Buffer.from(expected))) {
          this.refusedSignatures.push(seq);
          return void res.writeHead(401).end();
        }
        const record = JSON.parse(body) as AuditRecord;
        expect(record.seq).to.equal(seq);
        this.accepted.push({ seq, record });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((ok) => this.server.listen(0, '127.0.0.1', () => ok()));
    this.url = `https://127.0.0.1:${(this.server.address() as AddressInfo).port}/intake`;
  }

  stop = () => new Promise<void>((ok) => this.server.close(() => ok()));
}

async function chain(h: Harness): Promise<AuditRecord[]> {
  const out: AuditRecord[] = [];
  for await (const r of h.service.audit.records()) out.push(r);
  return out;
}

/** One low-risk request through to revocation, with a restart and an outage along the way. */
async function scenario(h: Harness, outage: { begin(): Promise<void> | void; end(): Promise<void> | void }) {
  const { key } = await h.fake.createIssue('acc-requester', {
    project: 'CRED',
    issueType: 'Credential request',
    summary: 'Access to the reporting database',
    description: LOW,
  });
  await h.settle();
  await h.restart();
  await outage.begin();
  await h.fake.transitionAs('acc-alice', key, 'Approved');
  await h.settle();
  expect(h.fake.statusOf(key)).to.equal('Access granted');
  await outage.end();
  await eventually(() => expect(h.fake.statusOf(key)).to.equal('Access revoked'), 10_000);
  await h.settle();
  return key;
}

describe('audit events out', function () {
  this.timeout(60_000);
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stopChecked();
    h = undefined;
  });

  it('a signed HTTPS webhook gets every entry once, in order, across a restart and a receiver outage', async () => {
    const receiver = new Receiver();
    await receiver.start();
    process.env.TEST_AUDIT_SINK_SECRET = SINK_SECRET;
    h = await Harness.start({
      policy: quickPolicy({ max: '2s', reminderBefore: '1s' }),
      config: {
        audit: {
          sinks: [
            {
              type: 'webhook',
              name: 'siem',
              url: receiver.url,
              secret: 'env:TEST_AUDIT_SINK_SECRET',
              tls: { ca: `file:${TEST_TLS.ca}` },
            },
          ],
        },
      },
    });
    await scenario(h, {
      begin: () => {
        receiver.down = true;
      },
      end: async () => {
        // Entries written during the outage are waiting, not lost and not skipped.
        const held = await chain(h!);
        expect(receiver.accepted.length).to.be.lessThan(held.length);
        receiver.down = false;
      },
    });
    const records = await chain(h);
    await eventually(() => expect(receiver.accepted.length).to.equal(records.length));
    await h.service.auditShipper.idle();
    expect(receiver.refusedSignatures).to.deep.equal([]);
    // Exactly the chain, each once, in sequence order, hashes equal.
    expect(receiver.accepted.map((a) => a.seq)).to.deep.equal(records.map((r) => r.seq));
    expect(receiver.accepted.map((a) => a.record.hash)).to.deep.equal(records.map((r) => r.hash));
    expect(receiver.accepted.map((a) => a.record.action)).to.include.members(['approval-accepted', 'access-revoked']);
    expect(await h.service.auditShipper.positions()).to.deep.equal({ siem: records[records.length - 1].seq });
    // The outage was noticed and retried, the sink's secret never logged.
    expect(h.logs.join('')).to.include('audit sink delivery failed; will retry');
    expect(h.logs.join('')).not.to.include(SINK_SECRET);
    await receiver.stop();
  });

  it('syslog over TLS to a real rsyslogd: every entry arrives, in order, across a restart and a daemon outage', async () => {
    const rsyslog = await Rsyslog.start();
    try {
      h = await Harness.start({
        policy: quickPolicy({ max: '2s', reminderBefore: '1s' }),
        config: {
          audit: {
            sinks: [
              {
                type: 'syslog',
                name: 'rsyslog',
                host: '127.0.0.1',
                port: rsyslog.port,
                tls: { ca: `file:${TEST_TLS.ca}` },
                replayOnConnect: 20,
              },
            ],
          },
        },
      });
      await scenario(h, { begin: () => rsyslog.stop(), end: () => rsyslog.start() });
      const records = await chain(h);
      const seqOf = (line: string) => Number(/ seq="(\d+)"/.exec(line)?.[1]);
      await eventually(() => expect(new Set(rsyslog.messages().map(seqOf)).size).to.equal(records.length), 15_000);

      const lines = rsyslog.messages();
      // RFC 5424: <PRI>1 TIMESTAMP HOST APP PROCID MSGID [SD] BOM+MSG; facility 13 (log audit).
      for (const line of lines)
        expect(line).to.match(/^<10[89]>1 \S+ \S+ credgate \d+ [!-~]+ \[credgate@32473 seq="\d+" /);
      const firstSeen = new Map<number, AuditRecord>();
      for (const line of lines) {
        const seq = seqOf(line);
        if (!firstSeen.has(seq)) firstSeen.set(seq, JSON.parse(line.slice(line.indexOf('\uFEFF') + 1)));
      }
      // Resends after a broken connection are duplicates of what came before, never reorderings.
      expect([...firstSeen.keys()]).to.deep.equal(records.map((r) => r.seq));
      expect([...firstSeen.values()].map((r) => r.hash)).to.deep.equal(records.map((r) => r.hash));
      const revoked = lines.find((l) => l.includes('access-revoked'));
      expect(revoked).to.match(/ access-revoked \[credgate@32473 .*ticket="CRED-\d+"/);
    } finally {
      await rsyslog.remove();
    }
  });

  it('refuses a sink that would send entries in clear text, naming the key, never the secret', async () => {
    let failure: Error | undefined;
    try {
      h = await Harness.start({
        config: {
          audit: { sinks: [{ type: 'webhook', name: 'siem', url: 'http://127.0.0.1:9/intake', secret: SINK_SECRET }] },
        },
      });
    } catch (err) {
      failure = err as Error;
    }
    expect(failure?.message).to.include('audit.sinks is invalid');
    expect(failure?.message).to.include('0.url: expected an https:// URL');
    expect(failure?.message).not.to.include(SINK_SECRET);
  });
});
