import { expect } from 'chai';
import { capComment, commentShortened } from '../../src/render/cap-text';

describe('capComment', () => {
  it('cuts an over-long comment at a line break and ends it with the notice, within the limit', () => {
    const body = Array.from({ length: 500 }, (_, i) => `* line ${i} of the request`).join('\n');
    const capped = capComment(body, 4_000);
    expect(capped.length).to.be.at.most(4_000);
    expect(capped.endsWith(commentShortened(4_000))).to.equal(true);
    expect(capped.slice(0, -commentShortened(4_000).length)).to.match(/of the request$/);
  });

  it('never leaves half an HTML tag or entity, nor half a surrogate pair, when there is no line break', () => {
    const html = `<p>${'a &amp; b <strong>c</strong> 😀 '.repeat(400)}</p>`;
    for (const limit of [1_000, 1_001, 1_002, 1_003, 1_004, 1_005, 1_006, 1_007, 1_010, 1_013]) {
      const kept = capComment(html, limit).slice(0, -commentShortened(limit).length);
      expect(kept.lastIndexOf('<')).to.be.below(kept.lastIndexOf('>') + 1);
      expect(kept.lastIndexOf('&')).to.be.below(kept.lastIndexOf(';') + 1);
      expect(kept).not.to.match(/[\ud800-\udbff]$/);
    }
  });

  it('leaves a comment within the limit untouched', () => {
    expect(capComment('short', 10)).to.equal('short');
  });
});
