import { createHash } from 'node:crypto';
import { escapeHtml } from '../render/escape-html';

/*
 * The pages behind a one-time link. They are written here rather than as overridable templates
 * because the Content-Security-Policy pins the exact bytes of the inline style and script by hash:
 * no nonce means every page is deterministic, so an unknown token's page is byte-identical to an
 * expired one's, and nothing but these two constant blocks can run or style the page.
 */

const STYLE = `
body{margin:0;background:#f4f5f7;color:#172b4d;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{max-width:36rem;margin:8vh auto;padding:2rem;background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(9,30,66,.2)}
.eyebrow{margin:0;color:#5e6c84;font-size:.8rem;letter-spacing:.06em;text-transform:uppercase}
h1{font-size:1.4rem;margin:.3rem 0 1rem}
.muted{color:#5e6c84;font-size:.9rem}
button{font:inherit;padding:.55rem 1.4rem;border:0;border-radius:4px;background:#0052cc;color:#fff;cursor:pointer}
button:hover{background:#0747a6}
a.button{display:inline-block;padding:.55rem 1.4rem;border-radius:4px;background:#0052cc;color:#fff;text-decoration:none}
pre{margin:1rem 0;padding:1rem;background:#f4f5f7;border:1px solid #dfe1e6;border-radius:4px;font:1.05rem/1.4 ui-monospace,Menlo,Consolas,monospace;white-space:pre-wrap;word-break:break-all;user-select:all}
.warn{padding:.75rem 1rem;background:#fffae6;border-left:4px solid #ffab00}
`.trim();

// Copy button: hidden until this runs; selects the text first so a failed clipboard write still
// leaves it ready for Ctrl+C. navigator.clipboard needs a secure context, execCommand does not.
const SCRIPT = `
(function(){var b=document.getElementById('copy'),s=document.getElementById('secret');if(!b||!s)return;b.hidden=false;
b.addEventListener('click',function(){var r=document.createRange();r.selectNodeContents(s);var w=window.getSelection();w.removeAllRanges();w.addRange(r);
var done=function(){b.textContent='Copied'};var fallback=function(){try{if(document.execCommand('copy'))done()}catch(e){}};
if(navigator.clipboard&&window.isSecureContext){navigator.clipboard.writeText(s.textContent).then(done,fallback)}else{fallback()}})})();
`.trim();

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** Headers on every answer under the link path: never cached, indexed, framed or referred. */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'text/html; charset=utf-8',
  'Content-Security-Policy': `default-src 'none'; style-src ${sha256(STYLE)}; script-src ${sha256(SCRIPT)}; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`,
  'Cache-Control': 'no-store',
  Pragma: 'no-cache',
  'Referrer-Policy': 'no-referrer',
  'X-Robots-Tag': 'noindex, nofollow',
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
};

function page(title: string, content: string, script = false): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex, nofollow">
<title>${title}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<p class="eyebrow">One-time secret</p>
${content}
</main>
${script ? `<script>${SCRIPT}</script>\n` : ''}</body>
</html>
`;
}

/** "2025-03-01 14:05 UTC": unambiguous for readers in any time zone. */
const when = (iso: string) => escapeHtml(`${iso.slice(0, 16).replace('T', ' ')} UTC`);

/**
 * The secret verbatim, only HTML-significant characters escaped. Not escapeHtml: that folds line
 * breaks and runs of spaces, which would corrupt a multi-line secret (a key file, say). The
 * secret comes from a provider, not from the requester.
 */
const escapeSecret = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The page a link opens to: what it is and a Reveal button. Reading it burns nothing. */
export function linkPage(view: {
  token: string;
  label: string;
  ticketKey: string;
  expiresAt: string;
  signedInAs?: string;
}): string {
  return page(
    'A secret is waiting for you',
    `<h1>A secret is waiting for you</h1>
<p><strong>${escapeHtml(view.label)}</strong>, for ticket ${escapeHtml(view.ticketKey)}.</p>${
      view.signedInAs ? `\n<p class="muted">Signed in as ${escapeHtml(view.signedInAs)}.</p>` : ''
    }
<p>It can be shown <strong>once</strong>. Reveal it when you are ready to store it, for example in your password manager. After that, this link stops working.</p>
<form method="post" action="${escapeHtml(view.token)}/reveal"><button type="submit">Reveal</button></form>
<p class="muted">The link expires on ${when(view.expiresAt)}. Opening this page did not use it up; only Reveal does.</p>`,
  );
}

/** The one answer that holds the secret. */
export function revealedPage(view: { label: string; ticketKey: string; secret: string }): string {
  return page(
    'Your secret',
    `<h1>${escapeHtml(view.label)}</h1>
<p>For ticket ${escapeHtml(view.ticketKey)}.</p>
<pre id="secret">${escapeSecret(view.secret)}</pre>
<p><button id="copy" type="button" hidden>Copy</button></p>
<p class="warn">This page will not show it again. Store it now, then close this page.</p>`,
    true,
  );
}

/** A link that was revealed already; the time lets the person see whether it was them. */
export function viewedPage(view: { revealedAt: string }): string {
  return page(
    'Already viewed',
    `<h1>Already viewed</h1>
<p>This secret was revealed on ${when(view.revealedAt)} and is shown only once.</p>
<p>If that was not you, tell the service desk on your ticket straight away.</p>`,
  );
}

/** Expired, replaced, unknown or malformed: one page for all, so it tells nothing about the token. */
export const GONE_PAGE = page(
  'Link expired',
  `<h1>This link has expired</h1>
<p>One-time links work for a limited time and only once. If you still need the secret, ask for a new link on your ticket.</p>`,
);

export const RATE_LIMITED_PAGE = page(
  'Too many attempts',
  `<h1>Too many attempts</h1>
<p>Wait a minute, then try again.</p>`,
);

export const UNAVAILABLE_PAGE = page(
  'Not available right now',
  `<h1>This secret cannot be shown right now</h1>
<p>Nothing was used up. Try again in a few minutes; if it keeps failing, ask the service desk on your ticket.</p>`,
);

/** A link bound to the requester: sign in first. The button is a plain link (GET starts nothing lasting). */
export function signInPage(view: { token: string; label: string; ticketKey: string; expiresAt: string }): string {
  return page(
    'Sign in to see your secret',
    `<h1>Sign in to see your secret</h1>
<p><strong>${escapeHtml(view.label)}</strong>, for ticket ${escapeHtml(view.ticketKey)}.</p>
<p>Only the person who asked for it can reveal it. Sign in with your work account first; nothing is used up until you press Reveal.</p>
<p><a class="button" href="${escapeHtml(view.token)}/sign-in">Sign in</a></p>
<p class="muted">The link expires on ${when(view.expiresAt)}.</p>`,
  );
}

/** Everyone who is not the requester gets this one page, whoever they signed in as. */
export const REFUSED_PAGE = page(
  'Not for this account',
  `<h1>This secret is not for this account</h1>
<p>It can only be revealed by the person who asked for it, signed in with their own account. The attempt was recorded on the ticket.</p>`,
);

/** A callback that cannot be used: replayed, tampered with, too old, or from another browser. */
export const SIGN_IN_FAILED_PAGE = page(
  'Sign-in not completed',
  `<h1>The sign-in could not be completed</h1>
<p>Nothing was used up. Open the link from your ticket again and sign in once more.</p>`,
);
