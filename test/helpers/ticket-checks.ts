import { expect } from 'chai';
import type { FakeJira } from '../fakes/jira/fake-jira';
import { readable } from './harness';

/** Every credgate comment ends with `ref cg-…/N`; the same ref twice is an effect performed twice. */
export function expectNoDoubledComments(fake: FakeJira, keys: string[]): void {
  for (const key of keys) {
    const refs = fake
      .commentTexts(key)
      .map((t) => /ref (cg-[0-9a-f]{10}\/\d+)/.exec(readable(t))?.[1])
      .filter(Boolean);
    expect(new Set(refs).size, `${key} has a doubled comment: ${refs.join(' ')}`).to.equal(refs.length);
  }
}

export const countComments = (fake: FakeJira, key: string, text: string): number =>
  fake
    .commentTexts(key)
    .map(readable)
    .filter((t) => t.includes(text)).length;
