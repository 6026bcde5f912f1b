import { expect } from 'chai';
import { isJsonPath, readAll, readOne } from '../../../connectors/generic/json-path';

describe('generic JSON paths', () => {
  const doc = {
    ticket: { id: 42, 'odd key': 'x', notes: [{ text: 'a' }, { text: 'b' }], requester: { id: 'p-1' } },
    list: [10, 20],
  };

  it('reads plain paths: members, quoted names, indexes, wildcards, descendants', () => {
    expect(readOne(doc, '$.ticket.id')).to.equal(42);
    expect(readOne(doc, "$.ticket['odd key']")).to.equal('x');
    expect(readOne(doc, '$.list[1]')).to.equal(20);
    expect(readAll(doc, '$.ticket.notes[*].text')).to.deep.equal(['a', 'b']);
    expect(readAll(doc, '$..text')).to.deep.equal(['a', 'b']);
    expect(readOne(doc, '$')).to.equal(doc);
  });

  it('finds nothing, without throwing, where the document has nothing', () => {
    expect(readOne(doc, '$.ticket.missing.deeper')).to.equal(undefined);
    expect(readAll(null, '$.x')).to.deep.equal([]);
    expect(readAll('text', '$.x')).to.deep.equal([]);
  });

  it('accepts only the plain subset: no filters, scripts or unbalanced brackets', () => {
    for (const ok of ['$', '$.a', '$.a.b-c', '$..a', '$.a[0]', '$.a[*]', "$['a b']", '$["a"]', '$.*'])
      expect(isJsonPath(ok), ok).to.equal(true);
    for (const bad of ['', 'a.b', '$.a[', '$.a[?(@.b)]', '$.a[(@.length-1)]', '$.a[0:2]', '$ .a', '$.a]'])
      expect(isJsonPath(bad), bad).to.equal(false);
    // A refused path reads nothing, even if a caller skipped validation.
    expect(readAll({ a: [1] }, '$.a[?(@>0)]')).to.deep.equal([]);
  });
});
