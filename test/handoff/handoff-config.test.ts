import { expect } from 'chai';
import { z } from 'zod';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { handoffConfigSchema, resolveHandoffKey } from '../../src/handoff';
import { formatZodError } from '../../src/util/format-zod-error';
import { isCredgateError } from '../../src/util/errors';

const KEY = randomBytes(32);

function problems(input: unknown): string {
  const parsed = handoffConfigSchema.safeParse(input);
  return parsed.success ? '' : formatZodError(parsed.error, 'configuration');
}

describe('handoff configuration', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'credgate-handoff-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('defaults: 24h links under /s, no key', () => {
    expect(handoffConfigSchema.parse({})).to.deep.equal({ ttl: '24h', path: '/s' });
    expect(resolveHandoffKey(handoffConfigSchema.parse({}))).to.equal(null);
  });

  it('nests into the service configuration as an optional section, errors named by their path', () => {
    const config = z.object({ handoff: handoffConfigSchema.prefault({}) }).strict();
    expect(config.parse({})).to.deep.equal({ handoff: { ttl: '24h', path: '/s' } });
    const parsed = config.safeParse({ handoff: { key: 'abc', keyFile: 'x' } });
    expect(formatZodError(parsed.error!, 'configuration')).to.include('  - handoff.key: expected 32 random bytes');
  });

  it('accepts a 32-byte key as base64, base64url or hex', () => {
    for (const text of [
      KEY.toString('base64'),
      KEY.toString('base64url'),
      KEY.toString('hex'),
      KEY.toString('hex').toUpperCase(),
    ]) {
      const config = handoffConfigSchema.parse({ key: text });
      expect(resolveHandoffKey(config)?.equals(KEY), text).to.equal(true);
    }
  });

  it('names the key and the expected size for a wrong one, without repeating it', () => {
    const short = randomBytes(16).toString('base64');
    const message = problems({ key: short });
    expect(message).to.include('key: expected 32 random bytes written as base64 or hex');
    expect(message).to.include('decodes to 16 bytes');
    expect(message).not.to.include(short);
    const junk = 'this is my password!';
    expect(problems({ key: junk })).to.include('the value is neither');
    expect(problems({ key: junk })).not.to.include(junk);
    expect(problems({ key: KEY.toString('base64'), keyFile: '/x' })).to.include(
      'keyFile: set key or keyFile, not both',
    );
    expect(problems({ ttl: 'soon' })).to.include('ttl: expected a duration');
    expect(problems({ path: 's/' })).to.include('path: expected a path such as "/s"');
    expect(problems({ keys: 'x' })).to.include('Unrecognized key');
  });

  it('reads a key file holding raw bytes, base64 or hex text', () => {
    for (const [name, content] of [
      ['raw', KEY],
      ['b64', `${KEY.toString('base64')}\n`],
      ['hex', KEY.toString('hex')],
    ] as const) {
      const file = join(dir, name);
      writeFileSync(file, content);
      expect(resolveHandoffKey(handoffConfigSchema.parse({ keyFile: file }))?.equals(KEY), name).to.equal(true);
    }
  });

  it('fails clearly on a missing or wrong key file, without its content', () => {
    const missing = join(dir, 'absent');
    expect(() => resolveHandoffKey({ keyFile: missing })).to.throw(
      `handoff.keyFile points to ${missing}, which cannot be read`,
    );
    const file = join(dir, 'short');
    const content = randomBytes(20).toString('hex');
    writeFileSync(file, content);
    let err: unknown;
    try {
      resolveHandoffKey({ keyFile: file });
    } catch (e) {
      err = e;
    }
    expect(isCredgateError(err, 'config')).to.equal(true);
    expect((err as Error).message).to.include(`handoff.keyFile (${file}): expected 32 random bytes`);
    expect((err as Error).message).to.include('the file decodes to 20 bytes');
    expect((err as Error).message).not.to.include(content);
  });
});
