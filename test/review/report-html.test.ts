import { expect } from 'chai';
import { collectReview } from '../../src/review/collect';
import { createReportRenderer } from '../../src/review/report-html';
import { sanitizeSvg } from '../../src/review/charts';
import { request, SINCE, UNTIL } from './seed';

const HOSTILE = '<script>alert(1)</script>';
const IMG = '<img src=x onerror=alert(1)>';

describe('review report HTML', () => {
  const r = request({
    id: 'cg-x1',
    key: 'CRED-9',
    category: 'shared-account',
    risk: 'high',
    created: '2026-05-04T10:00:00.000Z',
    account: `svc_${IMG}`,
    systems: [IMG, 'url(http://evil.example/x)'],
    state: 'granted',
    waitMs: 60_000,
    approvals: [],
  });
  r.category.name = HOSTILE;
  r.requester = { id: 'acc-x', displayName: `Mallory ${HOSTILE}` };
  const summary = collectReview({
    requests: [r],
    audit: [],
    accounts: [],
    period: { id: 'p', since: SINCE, until: UNTIL },
    now: new Date(UNTIL),
    staleAfterDays: 30,
  });
  const html = createReportRenderer().render(summary, {
    policy: { approvers: { groups: ['sec'], users: [] }, purge: { action: 'disable' } },
  });

  it('escapes requester text everywhere, charts included, and contains no script or external reference', () => {
    expect(html).not.to.include('<script');
    expect(html).not.to.include('<img');
    expect(html).to.include('&lt;script&gt;alert(1)&lt;/script&gt;');
    // In the chart (truncated to the axis width) and in its figures table.
    expect(html).to.match(/<text[^>]*>&lt;img src=x onerror=[^<]*<\/text>/);
    expect(html).to.include('<td>&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;</td>');
    expect(html).not.to.match(/\son\w+="/i);
    expect(html).not.to.match(/<link|src="http|xlink:href|<style(?![^>]*>:root)/i);
    expect(html.match(/<style>/g)).to.have.length(1);
  });

  it('draws the one high-risk request as one bar, and says so in the figures table', () => {
    const overTime = /<figure id="chart-requests-over-time"[\s\S]*?<\/figure>/.exec(html)![0];
    const bars = [
      ...overTime.matchAll(
        /<path d="M[\d.]+ [\d.]+l[\d.]+ 0l0 -([\d.]+)l-[\d.]+ 0Z" fill="[^"]+" data-series="(\d)" data-index="(\d+)">/g,
      ),
    ];
    expect(bars.map((b) => [b[2], b[3]])).to.deep.equal([['1', '3']]);
    expect(overTime).to.include('<tr><td>May 4</td><td>0</td><td>1</td></tr>');
  });

  it('refuses SVG that could run or load something', () => {
    expect(() => sanitizeSvg('<svg><script>alert(1)</script></svg>', 'x')).to.throw(/not safe/);
    expect(() => sanitizeSvg('<svg><image href="http://x/y.png"/></svg>', 'x')).to.throw(/not safe/);
    expect(() => sanitizeSvg('<svg><rect onload="alert(1)"/></svg>', 'x')).to.throw(/not safe/);
    expect(
      sanitizeSvg(
        '<svg xmlns="http://www.w3.org/2000/svg"><text style="font-size:12px;fill:url(#a);">url(x)</text><style>.a{}</style></svg>',
        'x',
      ),
    ).to.equal('<svg role="img" aria-label="x"><text font-size="12px">url(x)</text></svg>');
  });
});
