import { expect } from 'chai';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CredgateError, type ErrorKind } from '../../src/util/errors';
import { errorKindOf, isRetried, RETRIED_KINDS, retryAfterOf } from '../../src/util/retry-policy';

const sources = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });

describe('retry policy: which errors are tried again', () => {
  it('retries an outage, a rate limit, a rotated credential and a lost race; nothing else', () => {
    const all: ErrorKind[] = ['config', 'auth', 'bad-input', 'not-found', 'conflict', 'transient', 'permanent'];
    const retried = all.filter((kind) => isRetried(new CredgateError(kind, 'x')));
    expect(retried).to.deep.equal(['auth', 'conflict', 'transient']);
    expect([...RETRIED_KINDS].sort()).to.deep.equal(retried);
  });

  it('a plain Error is permanent (a bug to see), a socket error Node raised is transient', () => {
    expect(errorKindOf(new Error('boom'))).to.equal('permanent');
    expect(isRetried(new Error('boom'))).to.equal(false);
    expect(isRetried('a string')).to.equal(false);
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    expect(errorKindOf(reset)).to.equal('transient');
    expect(retryAfterOf(new CredgateError('transient', 'slow down', { retryAfterMs: 1500 }))).to.equal(1500);
    expect(retryAfterOf(reset)).to.equal(undefined);
  });

  it('every error src/ creates is a CredgateError of a kind', () => {
    const untyped = sources('src').flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .map((line, i) => ({ line, at: `${file}:${i + 1}` }))
        .filter(({ line }) => /new Error\(/.test(line) && !line.trim().startsWith('//'))
        .map(({ at }) => at),
    );
    expect(untyped).to.deep.equal([]);
  });
});
