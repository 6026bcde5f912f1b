import { expect } from 'chai';
import { createCommentRenderer } from '../../src/render/comment-renderer';
import { BUILTIN_TEMPLATES, REQUIRED_TEMPLATES } from '../../src/service';
import { decide } from '../../src/engine/decide';
import { quickPolicy } from '../helpers/policy';
import { snapshot } from '../helpers/tickets';

const HOSTILE =
  'Justification: <script>alert(1)</script> @octocat [code]<img src=x>[/code] [x|http://evil.example] **bold**';

async function receivedView() {
  const d = await decide(
    null,
    {
      type: 'ticket-observed',
      snapshot: snapshot({ description: `Target systems: crm\nAccount: a\nAccess: r\nDuration: 1h\n${HOSTILE}` }),
      changes: [],
      groupsByActor: {},
    },
    { policy: quickPolicy(), now: new Date('2026-11-25T10:00:00Z') },
  );
  const c = d!.request.outbox.find((e) => e.kind === 'comment');
  return c!.kind === 'comment' ? c!.view : {};
}

describe('comment renderer: one template set, every markup', () => {
  const render = async (markup: 'markdown' | 'html' | 'text') =>
    createCommentRenderer({ markup, templateDirs: [BUILTIN_TEMPLATES], required: REQUIRED_TEMPLATES }).render(
      'request-received',
      { howToApprove: 'An approver comments /approve', ...(await receivedView()) },
    );
  /** What a reader sees: the invisible U+2060 joiners that defang mentions and tags removed. */
  const seen = (s: string) => s.replace(/\u2060/g, '');

  it('Markdown: structure from the template, requester text inert', async () => {
    const raw = await render('markdown');
    const md = seen(raw);
    expect(raw).to.include('@\u2060octocat');
    expect(md).to.match(/^#### Credential request cg\\-/);
    expect(md).to.include('- **Requester:** Rita Requester');
    expect(md).to.include('---');
    expect(md).not.to.match(/(^|[^\\])<script/);
    expect(md).not.to.match(/(^|[^\\])\*\*bold/);
  });

  it('HTML: tags from the template only', async () => {
    const html = seen(await render('html'));
    expect(html).to.match(/^<h4>Credential request cg-/);
    expect(html).to.include('<li><strong>Requester:</strong> Rita Requester</li>');
    expect(html).not.to.include('<script');
    expect(html).to.include('&#60;script&#62;');
  });

  it('text: no markup at all, and no [code] passthrough', async () => {
    const raw = await render('text');
    expect(seen(raw)).to.match(/^Credential request cg-/);
    expect(seen(raw)).to.include('- Requester: Rita Requester');
    expect(raw).not.to.match(/\[\/?code\]/i);
  });
});
