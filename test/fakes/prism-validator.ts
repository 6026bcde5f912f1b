import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';

/**
 * An independent check of every request credgate sends to a fake vendor: the fake forwards a copy
 * to Stoplight Prism (`prism mock`) loaded with the vendor's own OpenAPI description (a subset made
 * by scripts/extract-openapi-subset.ts, test/fixtures/openapi/), and whatever Prism finds wrong with
 * the request (the `sl-violations` header, location `request`) comes back as violations the test
 * fails on. Prism's mock answer itself is ignored: the fake's own state answers credgate.
 *
 * One Prism per description per test process, started on first use (~2-4 s) and killed at exit.
 */

export type DescribedVendor = 'jira' | 'github';

const PRISM = join(__dirname, '..', '..', 'node_modules', '@stoplight', 'prism-cli', 'dist', 'index.js');
const SPECS = join(__dirname, '..', 'fixtures', 'openapi');

export interface ForwardedRequest {
  method: string;
  /** Path and query as the description spells the path (the caller maps vendor prefixes). */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body?: Buffer;
}

export interface PrismValidator {
  readonly specFile: string;
  /** What Prism says is wrong with the request, one line each; empty when it conforms. */
  check(req: ForwardedRequest): Promise<string[]>;
}

interface Violation {
  location?: string[];
  severity?: string;
  code?: string | number;
  message?: string;
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

/** Request headers worth forwarding: the ones the description can judge (auth, media types). */
const FORWARDED = ['authorization', 'content-type', 'accept', 'x-github-api-version', 'x-atlassian-token'];

function send(port: number, req: ForwardedRequest): Promise<{ status: number; violations: string; body: string }> {
  const headers: Record<string, string | string[]> = {};
  for (const name of FORWARDED) {
    const value = req.headers[name];
    if (value !== undefined) headers[name] = value;
  }
  if (req.body) headers['content-length'] = String(req.body.length);
  return new Promise((done, fail) => {
    const outgoing = request(
      { host: '127.0.0.1', port, method: req.method, path: req.url, headers, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (body += d));
        res.on('end', () =>
          done({ status: res.statusCode ?? 0, violations: String(res.headers['sl-violations'] ?? ''), body }),
        );
      },
    );
    outgoing.once('error', fail);
    outgoing.end(req.body);
  });
}

/** Prism's findings about the request (its mock's findings about its own response are dropped). */
export function requestViolations(header: string): string[] {
  if (!header) return [];
  let parsed: Violation[];
  try {
    parsed = JSON.parse(header) as Violation[];
  } catch {
    return [`unreadable sl-violations header: ${header}`];
  }
  return parsed
    .filter((v) => v.location?.[0] === 'request')
    .map((v) => `${(v.location ?? []).join('.')}: ${v.message} (${v.code}, ${v.severity})`);
}

async function startPrism(vendor: DescribedVendor): Promise<PrismValidator> {
  const specFile = join(SPECS, `${vendor}.subset.json`);
  const spec = JSON.parse(readFileSync(specFile, 'utf8')) as { 'x-credgate-undescribed'?: Record<string, string> };
  const undescribed = Object.keys(spec['x-credgate-undescribed'] ?? {}).map((k) => {
    const [method, path] = k.split(' ');
    return { method: method.toUpperCase(), pattern: new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]+')}$`) };
  });
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    [PRISM, 'mock', '--host', '127.0.0.1', '--port', String(port), specFile],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  process.once('exit', () => child.kill('SIGKILL'));
  let output = '';
  await new Promise<void>((ready, fail) => {
    const timer = setTimeout(() => fail(new Error(`Prism did not start within 60 s:\n${output}`)), 60_000);
    const seen = (d: Buffer) => {
      output += d;
      if (output.includes('Prism is listening')) {
        clearTimeout(timer);
        ready();
      }
    };
    child.stdout?.on('data', seen);
    child.stderr?.on('data', seen);
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`Prism exited (code ${code}) during start-up:\n${output}`));
    });
  });
  // Prism logs every request; reading it keeps the pipe from filling up and stalling Prism.
  child.stdout?.removeAllListeners('data').resume();
  child.stderr?.removeAllListeners('data').resume();
  child.unref();
  (child.stdout as unknown as { unref?: () => void })?.unref?.();
  (child.stderr as unknown as { unref?: () => void })?.unref?.();

  return {
    specFile,
    async check(req) {
      const path = req.url.split('?')[0];
      if (undescribed.some((u) => u.method === req.method && u.pattern.test(path))) return [];
      const answer = await send(port, req);
      const found = requestViolations(answer.violations);
      if (/NO_PATH_MATCHED_ERROR|NO_METHOD_MATCHED_ERROR/.test(answer.body))
        found.push(`${vendor}'s description has no ${req.method} ${path}`);
      return found.map((v) => `prism (${vendor} OpenAPI): ${req.method} ${path}: ${v}`);
    },
  };
}

const running = new Map<DescribedVendor, Promise<PrismValidator>>();

/** The validator for `vendor`'s description, started once per test process. */
export function prismValidator(vendor: DescribedVendor): Promise<PrismValidator> {
  let validator = running.get(vendor);
  if (!validator) {
    validator = startPrism(vendor);
    running.set(vendor, validator);
    // A failed start is not cached: the next fake tries again (and fails as loudly).
    validator.catch(() => running.delete(vendor));
  }
  return validator;
}
