import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { relayTarget, startWebhookRelay, type WebhookRelay } from '../../src/server/webhook-relay';
import { createLogger } from '../../src/util/logger';
import { signature } from '../fakes/jira/fake-jira';
import { Harness, SECRETS, eventually } from '../helpers/harness';

const LOW = [
  'Target systems: reporting-db',
  'Account: svc_reports',
  'Access: read-only',
  'Justification: monthly report run',
  'Duration: 2h',
].join('\n');

/**
 * A relay channel speaking smee.io's protocol: POST /channel takes a delivery and answers 200; every
 * GET /channel with Accept: text/event-stream gets it as a message event whose data holds the
 * lower-case headers and the parsed body (smee keeps no raw bytes), after a `ready` event.
 */
class RelayChannel {
  private readonly streams = new Set<ServerResponse>();
  private server!: Server;
  url = '';

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((ok) => this.server.listen(0, '127.0.0.1', ok));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/channel`;
    return this.url;
  }

  get listeners(): number {
    return this.streams.size;
  }

  /** Sends an event to every connected client, as the channel does with a delivery. */
  publish(delivery: Record<string, unknown>): void {
    for (const s of this.streams) s.write(`data: ${JSON.stringify(delivery)}\n\n`);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method === 'GET' && req.headers.accept === 'text/event-stream') {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
      res.write('retry: 100\n\nevent: ready\ndata: {}\n\n: keep-alive\n\n');
      this.streams.add(res);
      req.on('close', () => this.streams.delete(res));
      return;
    }
    if (req.method === 'POST') {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const headers = Object.fromEntries(Object.entries(req.headers).filter(([, v]) => typeof v === 'string'));
      this.publish({ ...headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')), query: {}, timestamp: 1 });
      res.writeHead(200).end('ok');
      return;
    }
    res.writeHead(404).end();
  }

  async stop(): Promise<void> {
    for (const s of this.streams) s.destroy();
    await new Promise((ok) => this.server.close(ok));
  }
}

describe('webhook relay (WEBHOOK_PROXY_URL): local development without a public URL', () => {
  let h: Harness | undefined;
  let channel: RelayChannel | undefined;
  let relay: WebhookRelay | undefined;
  afterEach(async () => {
    relay?.stop();
    await channel?.stop();
    await h?.stop();
    h = channel = relay = undefined;
  });

  it('a signed Jira delivery through the channel is accepted with its signature, and a tampered one is refused', async () => {
    h = await Harness.start();
    channel = new RelayChannel();
    const source = await channel.start();
    const statuses: number[] = [];
    const target = relayTarget({ WEBHOOK_PROXY_URL: source }, ['jira'], Number(new URL(h.url).port));
    expect(target?.target).to.equal(`${h.url}/webhooks/jira`);
    relay = startWebhookRelay({
      ...(target as NonNullable<typeof target>),
      log: createLogger({ level: 'silent' }),
      onDelivery: (s) => statuses.push(s),
    });
    await eventually(() => expect(channel?.listeners).to.equal(1));
    // Jira posts to the channel, not to credgate: the channel is the only public address.
    h.fake.setWebhook({ url: source, secret: SECRETS.webhookSecret });
    const { key, delivery } = await h.fake.createIssue('acc-requester', {
      project: 'CRED',
      issueType: 'Credential request',
      summary: 'reporting db',
      description: LOW,
    });
    expect(delivery?.status).to.equal(200);
    await eventually(() => expect(statuses).to.deep.equal([202]));
    await eventually(async () => expect((await h?.requestOf(key))?.state).to.equal('pending-approval'));

    // The same delivery with one changed byte keeps its signature header, and credgate refuses it.
    const sent = h.fake.deliveries.at(-1)?.payload as { issue: { key: string; fields: { summary: string } } };
    expect(sent.issue.key).to.equal(key);
    const signed = signature(SECRETS.webhookSecret, Buffer.from(JSON.stringify(sent)));
    const body = structuredClone(sent);
    body.issue.fields.summary = 'reporting db (edited)';
    channel.publish({
      'content-type': 'application/json',
      'x-hub-signature': signed,
      'x-atlassian-webhook-identifier': 'tampered-1',
      body,
    });
    await eventually(() => expect(statuses).to.deep.equal([202, 401]));
  });

  it('names the connector to relay to when several are configured, and refuses an unknown one', () => {
    expect(relayTarget({}, ['jira'], 3000)).to.equal(undefined);
    expect(() => relayTarget({ WEBHOOK_PROXY_URL: 'https://smee.io/x' }, ['jira', 'github'], 3000)).to.throw(
      /set WEBHOOK_PROXY_CONNECTOR/,
    );
    expect(
      relayTarget(
        { WEBHOOK_PROXY_URL: 'https://smee.io/x', WEBHOOK_PROXY_CONNECTOR: 'github' },
        ['jira', 'github'],
        3000,
      ),
    ).to.deep.equal({ source: 'https://smee.io/x', target: 'http://127.0.0.1:3000/webhooks/github' });
    expect(() =>
      relayTarget({ WEBHOOK_PROXY_URL: 'https://smee.io/x', WEBHOOK_PROXY_CONNECTOR: 'zendesk' }, ['jira'], 3000),
    ).to.throw(/not configured/);
  });
});
