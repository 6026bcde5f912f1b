import { expect } from 'chai';
import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { openSecret, sealSecret, type SealedBox } from '../../src/handoff/secret-box';

const key = randomBytes(32);
const token = randomBytes(32).toString('base64url');
const aad = 'link-id\nreq-1';

/** Flips one bit of a base64 field. */
function flip(field: string, byte = 0): string {
  const b = Buffer.from(field, 'base64');
  b[byte] ^= 0x01;
  return b.toString('base64');
}

describe('secret-box (AES-256-GCM under a key derived from the configured key and the token)', () => {
  it('opens what it sealed, for any text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (plain) => {
        expect(openSecret(sealSecret(plain, { key, token }, aad), { key, token }, aad)).to.equal(plain);
      }),
      { numRuns: 200 },
    );
  });

  it('never stores the plaintext, and seals the same text differently each time (random IV)', () => {
    const a = sealSecret('hunter2-hunter2', { key, token }, aad);
    const b = sealSecret('hunter2-hunter2', { key, token }, aad);
    expect(a.iv).not.to.equal(b.iv);
    expect(a.data).not.to.equal(b.data);
    const json = JSON.stringify(a);
    for (const form of ['hunter2', Buffer.from('hunter2-hunter2').toString('base64'), token, key.toString('base64')])
      expect(json).not.to.include(form);
  });

  describe('refuses to open', () => {
    const box = sealSecret('correct horse battery staple', { key, token }, aad);
    const cases: [string, () => string | null][] = [
      ['a changed ciphertext', () => openSecret({ ...box, data: flip(box.data, 5) }, { key, token }, aad)],
      ['a changed IV', () => openSecret({ ...box, iv: flip(box.iv) }, { key, token }, aad)],
      ['a changed tag', () => openSecret({ ...box, tag: flip(box.tag, 15) }, { key, token }, aad)],
      [
        'a truncated tag',
        () =>
          openSecret(
            { ...box, tag: Buffer.from(box.tag, 'base64').subarray(0, 12).toString('base64') },
            { key, token },
            aad,
          ),
      ],
      ['another link id (AAD)', () => openSecret(box, { key, token }, 'other-link\nreq-1')],
      ['another request (AAD)', () => openSecret(box, { key, token }, 'link-id\nreq-2')],
      ['a wrong token', () => openSecret(box, { key, token: randomBytes(32).toString('base64url') }, aad)],
      [
        'a token one character off',
        () => openSecret(box, { key, token: (token[0] === 'A' ? 'B' : 'A') + token.slice(1) }, aad),
      ],
      ['the right token with a wrong key', () => openSecret(box, { key: randomBytes(32), token }, aad)],
      ['an unknown box version', () => openSecret({ ...box, v: 2 } as unknown as SealedBox, { key, token }, aad)],
    ];
    for (const [what, attempt] of cases) it(what, () => expect(attempt()).to.equal(null));

    it('any single-bit change anywhere in the box', () => {
      fc.assert(
        fc.property(
          fc.constantFrom<'data' | 'iv' | 'tag'>('data', 'iv', 'tag'),
          fc.nat(),
          fc.integer({ min: 0, max: 7 }),
          (field, at, bit) => {
            const bytes = Buffer.from(box[field], 'base64');
            bytes[at % bytes.length] ^= 1 << bit;
            expect(openSecret({ ...box, [field]: bytes.toString('base64') }, { key, token }, aad)).to.equal(null);
          },
        ),
        { numRuns: 100 },
      );
    });
  });

  it('rejects a key that is not 32 bytes', () => {
    expect(() => sealSecret('x', { key: randomBytes(16), token }, aad)).to.throw('32 bytes');
  });
});
