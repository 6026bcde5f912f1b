import { expect } from 'chai';
import { backoffMs } from '../../src/effects/backoff';
import { retryAfterMs } from '../../src/util/retry-after';

describe('retry timing', () => {
  it('doubles from the base delay, with jitter, up to the cap', () => {
    expect(backoffMs(1, 1000, 60_000, undefined, () => 0)).to.equal(500);
    expect(backoffMs(1, 1000, 60_000, undefined, () => 1)).to.equal(1000);
    expect(backoffMs(4, 1000, 60_000, undefined, () => 1)).to.equal(8000);
    expect(backoffMs(20, 1000, 60_000, undefined, () => 1)).to.equal(60_000);
  });

  it('waits at least as long as the server asked, even beyond the cap', () => {
    expect(backoffMs(1, 50, 500, 1000, () => 1)).to.equal(1000);
  });

  it('reads Retry-After in seconds or as a date, and X-RateLimit-Reset', () => {
    const now = Date.parse('2026-11-25T10:00:00Z');
    expect(retryAfterMs({ 'Retry-After': '3' }, now)).to.equal(3000);
    expect(retryAfterMs({ 'retry-after': 'Wed, 25 Nov 2026 10:00:05 GMT' }, now)).to.equal(5000);
    expect(retryAfterMs({ 'X-RateLimit-Reset': '2026-11-25T10:01:00Z' }, now)).to.equal(60_000);
    expect(retryAfterMs({ 'x-ratelimit-reset': String(now / 1000 + 7) }, now)).to.equal(7000);
    expect(retryAfterMs({}, now)).to.equal(undefined);
  });
});
