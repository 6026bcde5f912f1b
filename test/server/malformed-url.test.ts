import { expect } from 'chai';
import { Harness } from '../helpers/harness';

const DESK_TOKEN = 'desk-automation-token-for-url-tests';

describe('malformed percent-encoding in a URL path', function () {
  this.timeout(60_000);
  let h: Harness;
  before(async () => {
    h = await Harness.start({ config: { desk: { token: DESK_TOKEN } } });
  });
  after(() => h.stopChecked());

  const paths = [
    '/webhooks/%E0%A4%A',
    '/webhooks/jira%',
    '/s/%E0%A4%A',
    '/s/abc%ZZdef',
    '/reports/%E0%A4%A',
    '/reports/%',
  ];
  for (const path of paths)
    for (const method of ['GET', 'POST'])
      it(`${method} ${path} gets a 400 that does not quote the path, and is not logged as an internal error`, async () => {
        const res = await fetch(`${h.url}${path}`, {
          method,
          headers: { 'content-type': 'application/json', authorization: `Bearer ${DESK_TOKEN}` },
          body: method === 'POST' ? '{}' : undefined,
        });
        const body = await res.text();
        expect(res.status, body).to.equal(400);
        expect(JSON.parse(body)).to.deep.equal({
          error: 'bad-request',
          message: 'the URL path has a malformed percent-encoding',
        });
        expect(body).not.to.include('%');
        expect(h.logs.join('')).not.to.include('unexpected error');
      });

  it('still reads a well-formed escape: an unknown connector is a 404 naming it', async () => {
    const res = await fetch(`${h.url}/webhooks/ji%72a2`, { method: 'POST', body: '{}' });
    expect(res.status).to.equal(404);
  });
});
