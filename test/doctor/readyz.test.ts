import { expect } from 'chai';
import { Harness } from '../helpers/harness';

describe('/readyz', function () {
  this.timeout(30_000);
  let h: Harness;
  before(async () => {
    h = await Harness.start();
  });
  after(async () => h.stopChecked());

  it('is ready while Jira and the store answer, 503 naming jira.auth while Jira is down, ready again after; /healthz stays ok', async () => {
    const ready = await fetch(`${h.url}/readyz`);
    expect(ready.status).to.equal(200);
    expect(await ready.json()).to.deep.equal({ status: 'ready', failing: [] });

    await new Promise((r) => setTimeout(r, 2_100)); // past the short result cache
    h.fake.failNext(1, 503);
    const down = await fetch(`${h.url}/readyz`);
    expect(down.status).to.equal(503);
    const body = (await down.json()) as { status: string; failing: string[] };
    expect(body).to.deep.equal({ status: 'unready', failing: ['jira.auth'] });
    expect(JSON.stringify(body)).not.to.include('127.0.0.1');
    expect((await fetch(`${h.url}/healthz`)).status).to.equal(200);

    await new Promise((r) => setTimeout(r, 2_100));
    const back = await fetch(`${h.url}/readyz`);
    expect(back.status).to.equal(200);
  });
});
