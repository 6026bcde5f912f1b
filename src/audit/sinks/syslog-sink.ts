import { hostname } from 'node:os';
import { connect, type TLSSocket } from 'node:tls';
import { CredgateError } from '../../util/errors';
import type { AuditRecord } from '../audit-log';
import { canonical, isSystemEntry } from '../audit-log';
import type { AuditSink } from './audit-shipper';
import type { SyslogSinkConfig } from './sink-config';

const NOTICE = 5;
const WARNING = 4;
/** An RFC 5424 header field: printable US-ASCII without spaces, bounded, "-" when empty. */
const headerField = (value: string, max: number) => value.replace(/[^!-~]/g, '_').slice(0, max) || '-';
/** SD-PARAM values escape '"', '\' and ']' (RFC 5424 section 6.3.3). */
const sdValue = (value: string) => value.replace(/["\\\]]/g, (c) => `\\${c}`);

/**
 * One audit record as an RFC 5424 message: the action as MSGID, seq, hash and the request or ticket
 * as structured data (what a SIEM indexes), the whole record as canonical JSON in MSG (BOM-prefixed
 * UTF-8, as the RFC asks for Unicode text).
 */
export function formatSyslogRecord(config: SyslogSinkConfig, record: AuditRecord, host = hostname()): string {
  const failed = /fail|refused|denied|revoked-late|tamper/i.test(`${record.action} ${record.outcome}`);
  const pri = config.facility * 8 + (failed ? WARNING : NOTICE);
  const params: [string, string][] = [
    ['seq', String(record.seq)],
    ['hash', record.hash],
    ['action', record.action],
    ['outcome', record.outcome],
  ];
  if (record.actor) params.push(['actor', record.actor]);
  if (!isSystemEntry(record)) params.push(['request', record.requestId], ['ticket', record.ticket.key]);
  const sd = `[credgate@${config.enterpriseId} ${params.map(([k, v]) => `${k}="${sdValue(v)}"`).join(' ')}]`;
  return [
    `<${pri}>1`,
    record.at,
    headerField(host, 255),
    headerField(config.appName, 48),
    String(process.pid),
    headerField(record.action, 32),
    sd,
    `\uFEFF${canonical(record)}`,
  ].join(' ');
}

/**
 * Syslog over TLS (RFC 5425: octet-counted frames on one long-lived connection). Delivered means
 * written to the socket; since TCP syslog has no acknowledgement, every new connection first
 * replays the last `replayOnConnect` records (the shipper asks `replayBefore`), and receivers
 * dedupe by the seq in the structured data.
 */
export function createSyslogSink(config: SyslogSinkConfig, deps: { timeoutMs: number }): AuditSink {
  let socket: TLSSocket | null = null;
  let connecting: Promise<TLSSocket> | null = null;

  const open = () =>
    new Promise<TLSSocket>((ok, fail) => {
      const s = connect({
        host: config.host,
        port: config.port,
        ca: config.tls.ca,
        servername: config.tls.serverName ?? (/^[\d.:]+$/.test(config.host) ? undefined : config.host),
      });
      const timer = setTimeout(
        () => s.destroy(new CredgateError('transient', `no TLS session within ${deps.timeoutMs} ms`)),
        deps.timeoutMs,
      );
      s.once('secureConnect', () => {
        clearTimeout(timer);
        s.setKeepAlive(true, 30_000);
        ok(s);
      });
      s.once('error', (err) => {
        clearTimeout(timer);
        fail(err);
      });
      // A receiver that goes away ends the session; the next delivery reconnects (and replays).
      s.on('close', () => {
        if (socket === s) socket = null;
      });
      s.on('error', () => {
        if (socket === s) socket = null;
      });
      s.resume();
    });

  const session = async (): Promise<TLSSocket> => {
    if (socket && !socket.destroyed) return socket;
    connecting ??= open().finally(() => {
      connecting = null;
    });
    socket = await connecting;
    return socket;
  };

  return {
    name: config.name,
    replayBefore: () => (socket && !socket.destroyed ? 0 : config.replayOnConnect),
    async deliver(record) {
      let s: TLSSocket;
      try {
        s = await session();
      } catch (err) {
        throw new CredgateError(
          'transient',
          `audit sink ${config.name}: ${config.host}:${config.port} unreachable (${(err as Error).message})`,
        );
      }
      const message = Buffer.from(formatSyslogRecord(config, record), 'utf8');
      await new Promise<void>((ok, fail) => {
        s.write(Buffer.concat([Buffer.from(`${message.length} `), message]), (err) =>
          err ? fail(new CredgateError('transient', `audit sink ${config.name}: write failed (${err.message})`)) : ok(),
        );
      });
    },
    async close() {
      const s = socket;
      socket = null;
      if (s && !s.destroyed) await new Promise<void>((ok) => s.end(() => ok()));
    },
  };
}
