import { expect } from 'chai';
import { checkRequestTemplate, compileRequestTemplate } from '../../../connectors/generic/request-template';

describe('generic request templates', () => {
  describe('bodies (JSON)', () => {
    const body = compileRequestTemplate(
      '{"text": {{body}}, "id": {{ticket.id}}, "ticket": {{ticket}}, "internal": true}',
      'json',
    );

    it('renders every value as a JSON literal, so requester text cannot break out of its string', () => {
      const hostile = 'He said "hi"\\ \n}, "internal": false, "x": {"y": 1} {{ticket.id}} </script> \u2028 😀';
      const out = JSON.parse(body({ body: hostile, ticket: { id: 7, key: 'T-7' } }));
      expect(out).to.deep.equal({ text: hostile, id: 7, ticket: { id: 7, key: 'T-7' }, internal: true });
    });

    it('keeps the braces of a body that ends in }}} or starts with {{{', () => {
      expect(JSON.parse(compileRequestTemplate('{"a": {"b": {{x}}}}', 'json')({ x: 'q"' }))).to.deep.equal({
        a: { b: 'q"' },
      });
      expect(JSON.parse(compileRequestTemplate('{{{key}}: 1}', 'json')({ key: 'k"' }))).to.deep.equal({ 'k"': 1 });
    });

    it('supports blocks and helpers, each value still a JSON literal', () => {
      const t = compileRequestTemplate(
        '{ {{#if internal}}"visibility": "internal", {{/if}}"k": {{lookup ticket "key"}} }',
        'json',
      );
      expect(JSON.parse(t({ internal: true, ticket: { key: 'T-"1' } }))).to.deep.equal({
        visibility: 'internal',
        k: 'T-"1',
      });
      expect(JSON.parse(t({ internal: false, ticket: { key: 'T-1' } }))).to.deep.equal({ k: 'T-1' });
    });
  });

  describe('paths (URI)', () => {
    it('percent-encodes values, so an id cannot add segments, a query or a fragment', () => {
      const path = compileRequestTemplate('/api/tickets/{{ticket.id}}/notes', 'uri');
      expect(path({ ticket: { id: '../../admin?x=1#y' } })).to.equal('/api/tickets/..%2F..%2Fadmin%3Fx%3D1%23y/notes');
      expect(path({ ticket: { id: 12 } })).to.equal('/api/tickets/12/notes');
    });
  });

  describe('checks made when the configuration is read', () => {
    const sample = { body: 'x', ticket: { id: '1', key: 'T-1' } };
    it('refuses unescaped output, partials, unknown names, syntax errors and bodies that are not JSON', () => {
      expect(checkRequestTemplate('{"a": {{& body}} }', 'json', sample)).to.match(/unescaped/);
      expect(checkRequestTemplate('{{> other}}', 'json', sample)).to.match(/partials/);
      expect(checkRequestTemplate('{"a": {{bodyy}}}', 'json', sample)).to.equal(
        '{{bodyy}} names nothing the request has',
      );
      expect(checkRequestTemplate('{"a": {{#if}} }', 'json', sample)).to.match(/Parse error/);
      expect(checkRequestTemplate('{"a": {{body}}', 'json', sample)).to.match(/JSON/);
      expect(checkRequestTemplate('/t/{{ticket}}', 'uri', sample)).to.match(/text or numbers/);
      expect(checkRequestTemplate('{"a": {{body}}, "b": {{ticket.key}}}', 'json', sample)).to.equal(null);
    });
  });
});
