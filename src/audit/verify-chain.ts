/** How the chain was broken at the first bad position. */
export type BreakKind = 'edited' | 'missing' | 'reordered' | 'unlinked' | 'head';

export type VerifyResult = { ok: true; count: number } | { ok: false; seq: number; kind: BreakKind; problem: string };

interface StoredRecord {
  seq: number;
  prevHash: string;
  hash: string;
}

type Walk = (from: number, to: number) => AsyncGenerator<[number, StoredRecord | undefined]>;

const GENESIS = '0'.repeat(64);

/**
 * Walks the chain from the first record to the head and names the first position that does not
 * hold what the chain promises, saying how it broke: a record whose content no longer matches its
 * hash was edited; an empty position, or records moved up over a gap, means records were deleted;
 * an intact record whose predecessor sits at another position was reordered.
 */
export async function checkChain(
  head: { seq: number; hash: string },
  walk: Walk,
  digest: (prevHash: string, body: object) => string,
  onProgress?: (seq: number, total: number) => void,
): Promise<VerifyResult> {
  let prev = GENESIS;
  for await (const [seq, record] of walk(1, head.seq)) {
    onProgress?.(seq, head.seq);
    if (!record)
      return { ok: false, seq, kind: 'missing', problem: `entry ${seq} is missing: it was deleted from the store` };
    const { hash, prevHash, ...body } = record;
    if (digest(prevHash, body) !== hash) {
      return {
        ok: false,
        seq,
        kind: 'edited',
        problem: `entry ${seq} was edited: its content no longer matches its hash`,
      };
    }
    if (record.seq !== seq || prevHash !== prev) return misplaced(seq, record, head.seq, walk);
    prev = hash;
  }
  if (head.hash !== prev) {
    return {
      ok: false,
      seq: head.seq,
      kind: 'head',
      problem: `the chain's head does not match entry ${head.seq}: the last entries were removed or replaced`,
    };
  }
  return { ok: true, count: head.seq };
}

/** An intact record in the wrong place: find where its real predecessor went. */
async function misplaced(seq: number, record: StoredRecord, last: number, walk: Walk): Promise<VerifyResult> {
  for await (const [at, other] of walk(1, last)) {
    if (other && at !== seq - 1 && other.hash === record.prevHash) {
      return {
        ok: false,
        seq,
        kind: 'reordered',
        problem: `entry ${seq} is out of order: position ${seq} holds entry ${record.seq}, whose predecessor is stored at position ${at}`,
      };
    }
  }
  if (record.seq > seq) {
    const gap = record.seq - 1 === seq ? `entry ${seq} is` : `entries ${seq} to ${record.seq - 1} are`;
    return {
      ok: false,
      seq,
      kind: 'missing',
      problem: `${gap} missing: entry ${record.seq} was moved up to position ${seq} over the gap`,
    };
  }
  return {
    ok: false,
    seq,
    kind: 'unlinked',
    problem: `entry ${seq} does not follow entry ${seq - 1}: entry ${seq - 1} was replaced`,
  };
}
