/**
 * Property-based tests of the pure parsers every untrusted input goes through: durations, webhook
 * bodies, signatures, "Label: value" facts and Retry-After headers. Whatever the input, each one
 * answers or refuses with the error kind its caller turns into a clear 4xx; none throws anything
 * else, and none takes long (a regular expression that backtracks is a denial of service).
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { createHmac } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatDuration, parseDuration } from '../../src/policy/parse-duration';
import { aliasIndex, extractFacts, parseFactLines } from '../../src/policy/extract-facts';
import { retryAfterMs } from '../../src/util/retry-after';
import { isCredgateError } from '../../src/util/errors';
import { parseWebhook, snapshotFromWebhook } from '../../connectors/jira/mappers';
import { verifyJiraDelivery } from '../../connectors/jira/verify';
import { jiraConfigSchema, type JiraConfig } from '../../connectors/jira/schema';
import { FACT_NAMES } from '../../src/domain/request';
import type { InboundDelivery } from '../../connectors/types';
import type { Actor } from '../../src/domain/ticket';
import { shippedPolicy } from '../helpers/policy';
import { requester, outsider, snapshot } from '../helpers/tickets';
import { WEBHOOK_EVENTS, bodyOf, jsonish, mutate, mutation, toJson } from './arbitraries';

const RUNS = { numRuns: 300 };
const DAY = 86_400_000;
const MAX_MS = 366 * DAY;

const UNITS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  sec: 1_000,
  secs: 1_000,
  second: 1_000,
  seconds: 1_000,
  m: 60_000,
  min: 60_000,
  mins: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hr: 3_600_000,
  hrs: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  d: DAY,
  day: DAY,
  days: DAY,
  w: 7 * DAY,
  wk: 7 * DAY,
  week: 7 * DAY,
  weeks: 7 * DAY,
};

/** Text that looks like what people write for a duration: numbers, units, ISO pieces, noise. */
const durationish = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc
    .array(
      fc.oneof(
        fc.constantFrom(
          ...Object.keys(UNITS),
          'P',
          'T',
          'p',
          't',
          'W',
          'D',
          'H',
          'M',
          'S',
          ' ',
          ',',
          'and',
          '.',
          '-',
          '+',
          'e',
          'İ',
          'K',
          '\u00a0',
          '\n',
        ),
        fc.nat({ max: 10_000 }).map(String),
        fc.double({ min: 0, max: 1e6, noNaN: true }).map(String),
        fc.constantFrom('0', '0.0001', '0.4', '0.5', '9'.repeat(30), '1e3'),
      ),
      { maxLength: 8 },
    )
    .map((parts) => parts.join('')),
  // Tiny and huge amounts of one unit: the edges of (0, 366 days].
  fc
    .tuple(
      fc.oneof(fc.double({ min: 0, max: 2, noNaN: true }), fc.double({ min: 300, max: 600_000, noNaN: true })),
      fc.constantFrom(...Object.keys(UNITS)),
    )
    .map(([n, unit]) => `${Number(n.toFixed(4))}${unit}`),
  fc.double({ min: 0, max: 1.5, noNaN: true }).map((n) => `${Number(n.toFixed(4))}ms`),
);

describe('property: parseDuration / formatDuration', () => {
  it('never throws; the result is null or an integer number of ms in (0, 366 days]', () => {
    fc.assert(
      fc.property(durationish, (text) => {
        const ms = parseDuration(text);
        if (ms === null) return;
        expect(Number.isInteger(ms), `${JSON.stringify(text)} → ${ms}`).to.equal(true);
        expect(ms, JSON.stringify(text)).to.be.greaterThan(0);
        expect(ms, JSON.stringify(text)).to.be.at.most(MAX_MS);
      }),
      { numRuns: 1000 },
    );
  });

  it('reads "<n><unit>" exactly, in any case and with spaces, and refuses it beyond 366 days', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 100_000 }),
        fc.constantFrom(...Object.keys(UNITS)),
        fc.constantFrom('', ' ', '  '),
        fc.boolean(),
        (n, unit, gap, upper) => {
          const text = `${n}${gap}${upper ? unit.toUpperCase() : unit}`;
          const expected = n * UNITS[unit];
          expect(parseDuration(text), text).to.equal(expected > 0 && expected <= MAX_MS ? expected : null);
        },
      ),
      RUNS,
    );
  });

  it('formatDuration(parseDuration(x)) reads back within rounding (to the second, two largest units kept)', () => {
    const valid = fc
      .tuple(fc.double({ min: 0.001, max: 500, noNaN: true }), fc.constantFrom(...Object.keys(UNITS)))
      .map(([n, unit]) => `${Number(n.toFixed(3))}${unit}`)
      .filter((t) => parseDuration(t) !== null);
    const iso = fc
      .tuple(fc.nat({ max: 3 }), fc.nat({ max: 30 }), fc.nat({ max: 48 }), fc.nat({ max: 120 }), fc.nat({ max: 200 }))
      .map(
        ([w, d, h, m, s]) =>
          `P${w ? `${w}W` : ''}${d ? `${d}D` : ''}${h || m || s ? `T${h ? `${h}H` : ''}${m ? `${m}M` : ''}${s ? `${s}S` : ''}` : ''}`,
      )
      .filter((t) => parseDuration(t) !== null);
    fc.assert(
      fc.property(fc.oneof(valid, iso), (text) => {
        const ms = parseDuration(text) as number;
        const shown = formatDuration(ms);
        const back = parseDuration(shown);
        const seconds = Math.round(ms / 1000) * 1000;
        if (seconds === 0) {
          expect(shown, text).to.equal('0s');
          return;
        }
        expect(back, `${text} → ${ms} → ${shown}`).to.be.a('number');
        // Only the two largest non-zero units are shown: what is dropped is less than the smaller one shown.
        const units = shown
          .split(' ')
          .map((p) => ({ d: DAY, h: 3_600_000, m: 60_000, s: 1_000 })[p.slice(-1) as 'd'] as number);
        const dropped = units.length === 2 ? units[1] : units[0];
        expect(back as number, `${text} → ${ms} → ${shown}`).to.be.at.most(seconds);
        expect(seconds - (back as number), `${text} → ${ms} → ${shown}`).to.be.lessThan(dropped);
      }),
      RUNS,
    );
  });
});

const jiraConfig = jiraConfigSchema.parse({ projects: ['CRED'] });
const openConfig = jiraConfigSchema.parse({});
const FIXTURES = join(__dirname, '../fixtures');
const fixtures: { name: string; doc: unknown }[] = ['jira-cloud', 'jira-dc'].flatMap((dir) =>
  readdirSync(join(FIXTURES, dir)).map((name) => ({
    name: `${dir}/${name}`,
    doc: JSON.parse(readFileSync(join(FIXTURES, dir, name), 'utf8')),
  })),
);

/** Calls fn; it must return normally or throw a CredgateError of one of `kinds`. */
function onlyThrows<T>(kinds: string[], fn: () => T, label: () => string): T | undefined {
  try {
    return fn();
  } catch (err) {
    expect(isCredgateError(err), `${label()} threw ${(err as Error)?.stack ?? String(err)}`).to.equal(true);
    expect(kinds, label()).to.include((err as { kind: string }).kind);
    expect((err as Error).message, label())
      .to.be.a('string')
      .and.not.equal('');
    return undefined;
  }
}

function checkParsed(parsed: ReturnType<typeof parseWebhook> | undefined, label: string) {
  if (!parsed) return;
  expect(parsed.deliveryId, label).to.be.a('string').and.not.equal('');
  expect(parsed.tickets, label).to.be.an('array');
  for (const t of parsed.tickets) {
    expect(t.connector, label).to.equal('jira');
    expect(t.id, label).to.be.a('string').and.match(/^\d+$/);
    expect(t.key, label).to.be.a('string').and.not.equal('');
  }
  if (parsed.ignored !== undefined) expect(parsed.ignored, label).to.be.a('string');
}

/** Webhook-shaped objects: a handled event and random issue/comment/user parts. */
const webhookish = fc.record(
  {
    webhookEvent: fc.oneof(fc.constantFrom(...WEBHOOK_EVENTS), jsonish),
    issue: jsonish,
    comment: jsonish,
    user: jsonish,
    changelog: jsonish,
  },
  { requiredKeys: [] },
);

describe('property: parseWebhook (connectors/jira/mappers.ts)', () => {
  const parse = (raw: Buffer, header: string | undefined, config = jiraConfig) =>
    onlyThrows(
      ['bad-input'],
      () => parseWebhook(raw, header, 'acc-credgate', config),
      () => `parseWebhook(${JSON.stringify(raw.toString('utf8').slice(0, 400))})`,
    );

  it('random bytes: a ParsedDelivery or CredgateError bad-input, nothing else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), fc.option(fc.string({ maxLength: 40 })), (bytes, header) => {
        checkParsed(parse(Buffer.from(bytes), header ?? undefined), `bytes ${Buffer.from(bytes).toString('hex')}`);
      }),
      RUNS,
    );
  });

  it('random JSON documents and webhook-shaped objects: a ParsedDelivery or bad-input', () => {
    fc.assert(
      fc.property(fc.oneof(jsonish, webhookish, fc.jsonValue()), fc.boolean(), (doc, open) => {
        const raw = Buffer.from(toJson(doc));
        checkParsed(parse(raw, undefined, open ? openConfig : jiraConfig), raw.toString());
      }),
      { numRuns: 500 },
    );
  });

  it('mutated real deliveries (keys deleted, types changed, values replaced, truncated): a ParsedDelivery or bad-input', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...fixtures),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        fc.option(fc.nat(), { freq: 4 }),
        fc.boolean(),
        (fixture, mutations, cut, open) => {
          const raw = bodyOf(mutate(fixture.doc, mutations), cut);
          checkParsed(
            parse(raw, undefined, open ? openConfig : jiraConfig),
            `${fixture.name} ${JSON.stringify(mutations)}`,
          );
        },
      ),
      { numRuns: 500 },
    );
  });

  it('regression: ids, keys, links and project keys that are objects with a non-callable toString never throw a TypeError', () => {
    const cases = [
      { webhookEvent: 'jira:issue_updated', issue: { id: { toString: 1 }, key: 'CRED-1' } },
      { webhookEvent: 'comment_created', comment: { self: { toString: 1 } } },
      { webhookEvent: 'jira:issue_updated', issue: { id: '10001', key: { toString: 1 } } },
      { webhookEvent: 'jira:issue_updated', issue: { id: 10001, key: ['CRED-1'] } },
      { webhookEvent: 'jira:issue_updated', issue: { id: '10001', fields: { project: { key: { toString: 1 } } } } },
    ];
    for (const doc of cases) {
      for (const config of [openConfig, jiraConfig])
        checkParsed(parse(Buffer.from(JSON.stringify(doc)), undefined, config), JSON.stringify(doc));
    }
  });
});

describe('property: snapshotFromWebhook (connectors/jira/mappers.ts, for credgate simulate)', () => {
  const mapped = jiraConfigSchema.parse({
    fields: { account: 'customfield_10050', systems: 'labels', duration: 'customfield_10030' },
  });
  const isActor = (a: unknown) =>
    a === null ||
    (typeof a === 'object' && typeof (a as Actor).id === 'string' && typeof (a as Actor).displayName === 'string');

  it('mutated real deliveries: null, a well-typed TicketSnapshot, or CredgateError bad-input', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...fixtures),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        (fixture, mutations, withFields) => {
          const doc = mutate(fixture.doc, mutations);
          const label = () => `${fixture.name} ${safeJson(mutations)}`;
          const snap = onlyThrows(
            ['bad-input'],
            () => snapshotFromWebhook(doc, withFields ? mapped : openConfig),
            label,
          );
          if (!snap) return;
          for (const k of ['status', 'position', 'summary', 'description', 'project', 'issueType'] as const)
            expect(snap[k], `${k}: ${label()}`).to.be.a('string');
          expect(snap.ref.id, label()).to.be.a('string').and.not.equal('');
          expect(snap.ref.key, label()).to.be.a('string').and.not.equal('');
          expect(
            snap.labels.every((l) => typeof l === 'string'),
            `labels: ${label()}`,
          ).to.equal(true);
          expect(isActor(snap.reporter), `reporter ${JSON.stringify(snap.reporter)}: ${label()}`).to.equal(true);
          for (const v of Object.values(snap.mappedFacts)) expect(v, label()).to.be.a('string');
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('property: verifyJiraDelivery (connectors/jira/verify.ts)', () => {
  const SECRET = 'webhook-secret-0b8e4d2a6c91f3';
  const AUTOMATION = 'automation-secret-123456';
  const configs: Record<'hmac' | 'automation' | 'both' | 'none', Pick<JiraConfig, 'webhookSecret' | 'automation'>> = {
    hmac: { webhookSecret: SECRET, automation: { header: 'X-Credgate-Token' } },
    automation: { webhookSecret: undefined, automation: { header: 'X-Credgate-Token', secret: AUTOMATION } },
    both: { webhookSecret: SECRET, automation: { header: 'X-Credgate-Token', secret: AUTOMATION } },
    none: { webhookSecret: undefined, automation: { header: 'X-Credgate-Token' } },
  };
  const hmac = (raw: Buffer, secret = SECRET) => createHmac('sha256', secret).update(raw).digest('hex');

  /** Header values: the right signature, variants of it, other HMACs, noise. */
  const signatureFor = (raw: Buffer) =>
    fc.oneof(
      fc.constant(`sha256=${hmac(raw)}`),
      fc.constant(`sha256=${hmac(raw).toUpperCase()}`),
      fc.constant(`SHA256=${hmac(raw)}`),
      fc.constant(`  sha256=${hmac(raw)}\t`),
      fc.constant(`sha256=${hmac(raw)}\u00a0`),
      fc.constant(hmac(raw)),
      fc.constant(`sha1=${hmac(raw)}`),
      fc.constant(`sha256=${hmac(raw).slice(0, -1)}`),
      fc.constant(`sha256=${hmac(raw)}0`),
      fc.constant(`sha256=${hmac(raw, SECRET + 'x')}`),
      fc.constant(`sha256=${hmac(raw, '')}`),
      fc.constant(`sha256=${hmac(Buffer.concat([raw, Buffer.from(' ')]))}`),
      fc.constant(`sha256=${hmac(raw).replace(/[a-f]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0))}`),
      fc.constant(`sha256=${'0'.repeat(64)}`),
      fc.constant(''),
      fc.constant(AUTOMATION),
      fc.mixedCase(fc.constant(`sha256=${hmac(raw)}`)),
      fc.nat({ max: 70 }).map((i) => `sha256=${hmac(raw)}`.slice(0, i)),
      fc.string({ maxLength: 80 }),
      fc.string({ unit: 'binary', maxLength: 80 }),
    );

  const delivery = fc
    .uint8Array({ maxLength: 64 })
    .map((b) => Buffer.from(b))
    .chain((raw) =>
      fc.record({
        raw: fc.constant(raw),
        which: fc.constantFrom(...(Object.keys(configs) as (keyof typeof configs)[])),
        signature: fc.option(signatureFor(raw), { nil: undefined }),
        asArray: fc.boolean(),
        token: fc.option(
          fc.oneof(fc.constant(AUTOMATION), fc.constant(` ${AUTOMATION}`), fc.string({ maxLength: 30 })),
          { nil: undefined },
        ),
      }),
    );

  it('accepts exactly the right HMAC (case and surrounding whitespace aside); anything else is CredgateError auth', () => {
    fc.assert(
      fc.property(delivery, ({ raw, which, signature, asArray, token }) => {
        const headers: InboundDelivery['headers'] = {};
        if (signature !== undefined)
          headers['x-hub-signature'] = asArray ? ([signature, 'sha256=00'] as unknown as string) : signature;
        if (token !== undefined) headers['x-credgate-token'] = token;
        const config = configs[which];
        const label = () =>
          `${which} signature=${JSON.stringify(headers['x-hub-signature'])} token=${JSON.stringify(token)}`;
        let accepted = false;
        onlyThrows(
          ['auth'],
          () => {
            verifyJiraDelivery({ rawBody: raw, headers }, config);
            accepted = true;
          },
          label,
        );
        // The only deliveries that may pass: the right HMAC when a secret is set and a signature was
        // sent; otherwise the automation secret, verbatim, when one is configured.
        const goodSignature =
          config.webhookSecret !== undefined &&
          signature !== undefined &&
          signature.trim().toLowerCase() === `sha256=${hmac(raw)}`;
        const goodToken =
          config.automation.secret !== undefined &&
          token === AUTOMATION &&
          (config.webhookSecret === undefined || signature === undefined);
        expect(accepted, label()).to.equal(goodSignature || goodToken);
        // Whatever passed on a signature carries the exact MAC (hex is case-insensitive).
        if (accepted && goodSignature)
          expect(signature!.trim().slice(7), label()).to.match(new RegExp(`^${hmac(raw)}$`, 'i'));
      }),
      { numRuns: 2000 },
    );
  });
});

/** Lines and descriptions built from the pieces people paste, including long runs that make regexes backtrack. */
const labelWord = fc.constantFrom(
  'Target systems',
  'System',
  'Account',
  'Access',
  'Justification',
  'Reason',
  'Duration',
  'Company',
  'Vendor',
  'Client',
  'Nonsense',
  'x',
);
const run = (max: number) =>
  fc
    .tuple(
      fc.constantFrom(' ', '\t', '-', '|', '>', '#', '*', '- ', '* ', '| ', 'a ', '=', ':'),
      fc.integer({ min: 1, max }),
    )
    .map(([c, n]) => c.repeat(n));
const piece = (maxRun: number) =>
  fc.oneof(
    labelWord,
    fc.constantFrom(
      ':',
      '=',
      '*',
      '|',
      '-',
      '>',
      '#',
      ' ',
      '\t',
      '\r',
      '\u2028',
      '\u0085',
      '(',
      ')',
      '/',
      '_',
      'prod-db',
      'read',
      '2h',
      'N/A',
    ),
    run(maxRun),
    fc.string({ maxLength: 6 }),
    fc.string({ unit: 'binary', maxLength: 4 }),
  );
const lineOf = (maxRun: number, maxPieces = 10) =>
  fc.array(piece(maxRun), { maxLength: maxPieces }).map((p) => p.join(''));
const textOf = (maxRun: number) =>
  fc
    .array(fc.tuple(lineOf(maxRun), fc.constantFrom('\n', '\r\n', '\r')), { maxLength: 8 })
    .map((ls) => ls.map(([l, eol]) => l + eol).join(''));

const LINE_BREAK = /[\r\n\u2028\u2029]/;

/** The line pattern as it was before it was made linear, to check the rewrite reads the same values. */
const OLD_LINE =
  /^\s*(?:[>#|-]+\s*|\*\s+)*(\*?)\s*([A-Za-z][A-Za-z0-9 ()/_-]{0,40}?)\s*(?:\1\s*[:=]|[:=]\s*\1)\s*(.*?)\s*\|?\s*$/;
function oldParseFactLines(text: string, index: Map<string, string>): Record<string, string> {
  const found: Record<string, string> = {};
  // Lines end where the rewrite ends them too (U+2028/2029 included).
  for (const raw of text.split(/\r\n|[\n\r\u2028\u2029]/)) {
    // The rewrite collapses whitespace runs before the separator (a label "Target\tsystems" now reads).
    const sep = raw.search(/[:=]/);
    const line = sep < 0 ? raw : raw.slice(0, sep + 1).replace(/\s+/g, ' ') + raw.slice(sep + 1);
    const m = OLD_LINE.exec(line);
    if (!m) continue;
    const fact = index.get(
      m[2]
        .toLowerCase()
        .replace(/[\s_]+/g, ' ')
        .trim(),
    );
    const value = m[3].trim();
    if (fact && value) found[fact] = value;
  }
  return found;
}

describe('property: parseFactLines / extractFacts (src/policy/extract-facts.ts)', () => {
  const index = aliasIndex(shippedPolicy().factLabels);

  it('never throws and never yields an empty value or one containing a line break', () => {
    fc.assert(
      fc.property(textOf(30), (text) => {
        const found = parseFactLines(text, index);
        for (const [fact, value] of Object.entries(found)) {
          expect(FACT_NAMES as string[]).to.include(fact);
          expect(value, JSON.stringify(text)).to.be.a('string').and.not.equal('');
          expect(
            LINE_BREAK.test(value as string),
            `${fact}=${JSON.stringify(value)} from ${JSON.stringify(text)}`,
          ).to.equal(false);
          expect(value, JSON.stringify(text)).to.equal((value as string).trim());
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('reads the same values as the former whole-line pattern on short lines', () => {
    fc.assert(
      fc.property(fc.array(lineOf(6, 6), { maxLength: 4 }), (lines) => {
        const text = lines.join('\n');
        expect(parseFactLines(text, index), JSON.stringify(text)).to.deep.equal(
          oldParseFactLines(text, index as Map<string, string>),
        );
      }),
      { numRuns: 1000 },
    );
  });

  it('takes linear time: any line of a description (up to ~30k characters) is read within 100 ms', () => {
    // Before the rewrite, 26 dashes took 300 ms and each further dash doubled it; a value with
    // 10,000 spaces inside took about 3 minutes. Either blocks every webhook, timer and revocation.
    fc.assert(
      fc.property(lineOf(3000, 10), (line) => {
        const started = performance.now();
        parseFactLines(line, index);
        const took = performance.now() - started;
        expect(
          took,
          `${took.toFixed(0)} ms for a line of ${line.length}: ${JSON.stringify(line.slice(0, 80))}...`,
        ).to.be.lessThan(100);
      }),
      { numRuns: 200 },
    );
    for (const line of [
      '-'.repeat(40),
      '|'.repeat(40) + 'x',
      'Account: a' + ' '.repeat(30_000) + 'b',
      'Account' + ' '.repeat(30_000) + 'x',
      ' '.repeat(30_000) + 'x',
      '- '.repeat(15_000),
      '- '.repeat(15_000) + ':',
      '-'.repeat(30_000) + ':',
      '* '.repeat(15_000) + ':',
      'a '.repeat(15_000) + ':',
      '|\t'.repeat(15_000) + 'Account:*',
    ]) {
      const started = performance.now();
      parseFactLines(line, index);
      expect(performance.now() - started, JSON.stringify(line.slice(0, 30))).to.be.lessThan(100);
    }
  });

  const actor = fc.constantFrom(requester, outsider);
  const arbitrarySnapshot = fc.record({
    description: textOf(20),
    replies: fc.array(fc.record({ author: actor, body: textOf(20), at: fc.constant('2026-11-25T10:00:00.000Z') }), {
      maxLength: 3,
    }),
    mappedFacts: fc.dictionary(
      fc.oneof(fc.constantFrom(...FACT_NAMES), fc.constantFrom('__proto__', 'toString', 'other')),
      textOf(5),
      { maxKeys: 4 },
    ),
    reporter: fc.option(actor, { nil: null }),
  });

  it('extractFacts never throws; a value has a line break only when a mapped field had it verbatim', () => {
    fc.assert(
      fc.property(arbitrarySnapshot, fc.boolean(), (parts, shipped) => {
        const snap = snapshot(parts);
        const facts = extractFacts(snap, shipped ? shippedPolicy().factLabels : {});
        // `linked` is present only when given (older requests keep their fingerprint).
        const expected = FACT_NAMES.filter((n) => n !== 'linked' || facts.linked !== undefined);
        expect(Object.keys(facts).sort()).to.deep.equal([...expected].sort());
        const mapped = (name: string) =>
          Object.prototype.hasOwnProperty.call(snap.mappedFacts, name) && snap.mappedFacts[name].trim() !== '';
        for (const name of FACT_NAMES) {
          const values = ([] as string[]).concat(facts[name] ?? []);
          for (const value of values) {
            expect(value, name).to.be.a('string');
            if (!LINE_BREAK.test(value)) continue;
            // Known and accepted: a multi-line custom field (a justification textarea, say) keeps its
            // lines (systems split on "\n" only); renderers collapse line breaks (normalizeInline),
            // so they cannot start a block in a comment. Text lines never yield one.
            expect(mapped(name), `${name}=${JSON.stringify(value)} not from a mapped field`).to.equal(true);
            expect(snap.mappedFacts[name]).to.include(value);
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('property: retryAfterMs (src/util/retry-after.ts)', () => {
  const headerValue = fc.oneof(
    fc.string({ maxLength: 30 }),
    fc.string({ unit: 'binary', maxLength: 30 }),
    fc.nat().map(String),
    fc.double({ noNaN: true }).map(String),
    fc.date({ noInvalidDate: true }).map((d) => d.toUTCString()),
    fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
    fc.constantFrom(
      '0',
      '-1',
      '1.5',
      ' 120 ',
      '9'.repeat(400),
      'Infinity',
      'NaN',
      '1e3',
      'Wed, 21 Oct 2015 07:28:00 GMT',
      '',
      '   ',
    ),
    fc.integer(),
    fc.constant(null),
    fc.constant(undefined),
    fc.array(fc.string({ maxLength: 10 }), { maxLength: 3 }),
  );
  const headers = fc.option(
    fc.dictionary(
      fc.constantFrom(
        'Retry-After',
        'retry-after',
        'RETRY-AFTER',
        'X-RateLimit-Reset',
        'x-ratelimit-reset',
        'content-type',
      ),
      headerValue,
      { maxKeys: 4 },
    ),
    { nil: undefined },
  );

  it('never throws; undefined or a non-negative number (never NaN)', () => {
    fc.assert(
      fc.property(headers, fc.integer({ min: 0, max: 4_102_444_800_000 }), (h, now) => {
        const ms = retryAfterMs(h, now);
        if (ms === undefined) return;
        expect(ms, JSON.stringify(h)).to.be.a('number');
        expect(Number.isNaN(ms), JSON.stringify(h)).to.equal(false);
        expect(ms, JSON.stringify(h)).to.be.at.least(0);
      }),
      { numRuns: 1000 },
    );
  });
});

/** JSON for failure labels: mutations may splice a value into itself, which JSON.stringify refuses. */
function safeJson(value: unknown): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v === 'object' && v !== null) {
      if (seen.has(v)) return '[cyclic]';
      seen.add(v);
    }
    return v;
  });
}
