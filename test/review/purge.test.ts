import { expect } from 'chai';
import { purgeAccount } from '../../src/review/purge';
import type { PurgeCandidate } from '../../src/review/review-types';
import { CredgateError } from '../../src/util/errors';
import { RecordingProvider } from './recording-provider';

/** Fails its first disables with the errors given, then disables for real. */
class FlakyDirectory extends RecordingProvider {
  constructor(private readonly failures: Error[]) {
    super('corp-ad');
  }
  override async disable(...args: Parameters<RecordingProvider['disable']>): Promise<void> {
    const failure = this.failures.shift();
    this.calls.push({ op: 'attempt', account: args[1] });
    if (failure) throw failure;
    return super.disable(...args);
  }
}

const CANDIDATE: PurgeCandidate = {
  key: 'corp-ad/svc_old',
  account: 'svc_old',
  provider: 'corp-ad',
  target: { binding: 'ad', provider: 'corp-ad', settings: {}, rotateOnRevoke: false, share: 'none' },
  systems: ['erp'],
  reasons: ['stale'],
  lastUsedAt: null,
  lastUsedSource: 'never',
  expiresAt: null,
  latestRequestId: 'cg-jira-1',
  latestTicket: { connector: 'jira', id: '1', key: 'CRED-1' },
};
const DOC = { id: 'rv-1', action: 'disable' as const, ticket: { connector: 'jira', id: '9', key: 'REV-9' } };

async function purgeWith(failures: Error[]) {
  const provider = new FlakyDirectory(failures);
  const waits: number[] = [];
  const result = await purgeAccount(DOC, CANDIDATE, {
    providerFor: () => provider,
    requests: async () => [],
    sleep: async (ms) => void waits.push(ms),
  });
  return { result, waits, attempts: provider.calls.filter((c) => c.op === 'attempt').length };
}

describe('review purge: the retry kinds and backoff effects use', () => {
  it('retries an outage (waiting what the server asked) and a credential being rotated, then disables', async () => {
    const { result, waits, attempts } = await purgeWith([
      new CredgateError('transient', 'directory busy', { retryAfterMs: 1_200 }),
      new CredgateError('auth', 'bind credential rejected'),
    ]);
    expect(result).to.deep.equal({ status: 'done', detail: 'disabled' });
    expect(attempts).to.equal(3);
    expect(waits[0], "the server's Retry-After").to.be.at.least(1_200);
    expect(waits[1], 'exponential backoff with jitter: attempt 2 of a 250 ms base').to.be.within(250, 500);
  });

  it('does not retry what fails the same way every time, nor an untyped throw', async () => {
    for (const err of [new CredgateError('bad-input', 'no such account'), new Error('bug')]) {
      const { result, waits, attempts } = await purgeWith([err]);
      expect(result.status).to.equal('failed');
      expect(attempts).to.equal(1);
      expect(waits).to.deep.equal([]);
    }
  });

  it('gives up after three attempts and says why', async () => {
    const down = () => new CredgateError('transient', 'directory down');
    const { result, attempts } = await purgeWith([down(), down(), down()]);
    expect(result).to.deep.equal({ status: 'failed', detail: 'directory down' });
    expect(attempts).to.equal(3);
  });
});
