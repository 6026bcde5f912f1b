import type { Logger } from '../util/logger';

/**
 * Local development without a public URL, the way Probot does it: a channel on a relay service
 * (smee.io, or any server speaking its protocol) receives the vendor's webhooks, and this client
 * reads them from the channel's Server-Sent Events stream and POSTs each one to credgate. Every
 * event's data is one delivery as JSON: the request headers (lower-case) at the top level, the
 * parsed body under `body` and, where the relay keeps it, the exact bytes under `rawBody`.
 *
 * The signature headers travel unchanged, and the body goes out as the vendor sent it: `rawBody`
 * when present, otherwise the parsed body serialised compactly, which is the form GitHub, Jira and
 * the other vendors sign. A relay that changed the bytes would fail the signature check, as it
 * should: nothing here weakens verification.
 */
export interface WebhookRelay {
  stop(): void;
}

/** Headers that describe the relay's hop, not the vendor's delivery. */
const HOP_HEADERS = new Set(['host', 'content-length', 'connection', 'accept-encoding', 'transfer-encoding']);
const NOT_HEADERS = new Set(['body', 'rawBody', 'query', 'timestamp']);

export function startWebhookRelay(options: {
  /** The channel URL (WEBHOOK_PROXY_URL). */
  source: string;
  /** Where each delivery goes: credgate's own /webhooks/<connector>. */
  target: string;
  log: Logger;
  /** Told the answer to each relayed delivery (tests, and the debug log). */
  onDelivery?: (status: number) => void;
  /** Wait before reconnecting after the stream ends or fails. */
  retryMs?: number;
}): WebhookRelay {
  const abort = new AbortController();
  let retryMs = options.retryMs ?? 2_000;
  const relay = async (data: string) => {
    let event: Record<string, unknown>;
    try {
      event = JSON.parse(data) as Record<string, unknown>;
    } catch {
      options.log.warn('webhook relay: an event that is not JSON, skipped');
      return;
    }
    if (typeof event !== 'object' || event === null || !('body' in event || 'rawBody' in event)) return;
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(event))
      if (!NOT_HEADERS.has(name) && !HOP_HEADERS.has(name.toLowerCase()) && typeof value === 'string')
        headers[name] = value;
    const body = typeof event.rawBody === 'string' ? event.rawBody : JSON.stringify(event.body);
    try {
      const res = await fetch(options.target, { method: 'POST', headers, body, signal: abort.signal });
      await res.arrayBuffer();
      options.log.info({ status: res.status, target: options.target }, 'webhook relay: delivery forwarded');
      options.onDelivery?.(res.status);
    } catch (err) {
      if (!abort.signal.aborted)
        options.log.warn({ err: (err as Error).message }, 'webhook relay: credgate did not take the delivery');
    }
  };
  const connect = async () => {
    while (!abort.signal.aborted) {
      try {
        const res = await fetch(options.source, {
          headers: { Accept: 'text/event-stream' },
          signal: abort.signal,
        });
        if (!res.ok || !res.body) throw new Error(`the relay answered ${res.status}`);
        options.log.info({ source: options.source, target: options.target }, 'webhook relay connected');
        await readEvents(res.body, relay, (ms) => (retryMs = ms));
      } catch (err) {
        if (abort.signal.aborted) return;
        options.log.warn({ err: (err as Error).message }, 'webhook relay: stream lost, reconnecting');
      }
      await new Promise((r) => setTimeout(r, retryMs).unref());
    }
  };
  void connect();
  return { stop: () => abort.abort() };
}

/** Reads an event stream (text/event-stream) and hands over each message event's data. */
async function readEvents(
  body: ReadableStream<Uint8Array>,
  onMessage: (data: string) => Promise<void>,
  onRetry: (ms: number) => void,
): Promise<void> {
  const decoder = new TextDecoder();
  let buffer = '';
  let event = '';
  let data: string[] = [];
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let newline = buffer.search(/\r\n|\r|\n/);
    while (newline >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + (buffer.startsWith('\r\n', newline) ? 2 : 1));
      if (line === '') {
        // A blank line ends an event: only unnamed ("message") events carry deliveries.
        if (data.length && (event === '' || event === 'message')) await onMessage(data.join('\n'));
        event = '';
        data = [];
      } else if (!line.startsWith(':')) {
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'data') data.push(value);
        else if (field === 'event') event = value;
        else if (field === 'retry' && /^\d+$/.test(value)) onRetry(Number(value));
      }
      newline = buffer.search(/\r\n|\r|\n/);
    }
  }
}

/**
 * Where WEBHOOK_PROXY_URL's deliveries go: `/webhooks/<connector>` on credgate's own port, the
 * connector named by WEBHOOK_PROXY_CONNECTOR or the only one configured. Undefined without
 * WEBHOOK_PROXY_URL.
 */
export function relayTarget(
  env: NodeJS.ProcessEnv,
  connectorIds: string[],
  port: number,
): { source: string; target: string } | undefined {
  const source = env.WEBHOOK_PROXY_URL;
  if (!source) return undefined;
  const connector = env.WEBHOOK_PROXY_CONNECTOR ?? (connectorIds.length === 1 ? connectorIds[0] : undefined);
  if (!connector)
    throw new Error(
      `WEBHOOK_PROXY_URL is set, but ${connectorIds.length ? `${connectorIds.length} connectors are configured (${connectorIds.join(', ')})` : 'no connector is configured'}: set WEBHOOK_PROXY_CONNECTOR to the one whose webhooks the channel receives`,
    );
  if (!connectorIds.includes(connector))
    throw new Error(
      `WEBHOOK_PROXY_CONNECTOR is "${connector}", which is not configured (configured: ${connectorIds.join(', ') || 'none'})`,
    );
  return { source, target: `http://127.0.0.1:${port}/webhooks/${connector}` };
}
