import { scopeName, userHint } from './consent-labels.js';
import { isSignInScope } from './decision.js';
import { escapeHtml } from './http.js';
import type { Profile, SandboxUser } from './types.js';

// The stand-in's only HTML: the consent page and the error page. Self-contained (no external
// resources); the markup is a contract with consent.ts and the browser tests.

// min-width:0 on the fieldsets and overflow-wrap:anywhere let a long scope URL wrap instead of widening the
// page (a fieldset is otherwise at least as wide as its longest word).
const STYLE = `*,*::before,*::after{box-sizing:border-box}
body{font-family:system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;color:#202124;overflow-wrap:anywhere}
h1{font-size:1.4rem}fieldset{border:1px solid #dadce0;border-radius:8px;margin:1rem 0;padding:.75rem 1rem;min-width:0}
.choice{display:flex;align-items:flex-start;gap:.6rem;margin:.6rem 0;cursor:pointer}
.choice input{flex:none;width:1rem;height:1rem;margin:.2rem 0 0}.choice-text{flex:1;min-width:0}
.choice-name{font-weight:600}.muted{color:#5f6368;font-size:.9rem}
.hint,.scope-url{display:block;color:#5f6368;font-size:.85rem;margin-top:.1rem}.scope-url{font-size:.78rem}
button{font-size:1rem;padding:.5rem 1.25rem;margin:0 .5rem .5rem 0;border-radius:4px;border:1px solid #dadce0;background:#fff}
button[value=allow]{background:#1a73e8;color:#fff;border-color:#1a73e8}.error{color:#b3261e}`;

/** The stand-in's icon: in each page's head (so a browser asks for none) and at /favicon.ico. */
export const FAVICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#5f6368"/><path d="M4 8h8M8 4v8" stroke="#fff" stroke-width="2"/></svg>';

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:image/svg+xml,${escapeHtml(encodeURIComponent(FAVICON_SVG))}"><style>${STYLE}</style></head>
<body>${body}</body></html>`;
}

export interface ConsentPageInput {
  profile: Profile;
  clientName: string;
  action: string;
  interactionId: string;
  users: SandboxUser[];
  scopes: string[];
}

/** A scope URL that may wrap after a dot or a single slash rather than anywhere (its text is unchanged). */
function breakable(s: string): string {
  return escapeHtml(s).replace(/(\.|(?<!\/)\/(?!\/))/g, '$1<wbr>');
}

/** One radio or checkbox with its text beside it: a name, then a smaller line under it. */
function choice(input: string, name: string, under: string): string {
  return `<label class="choice">${input}<span class="choice-text"><span class="choice-name">${name}</span>${under}</span></label>`;
}

export function consentPage(p: ConsentPageInput): string {
  const brand = p.profile === 'fitbit' ? 'Fitbit (legacy sandbox)' : 'Google Health (sandbox)';
  const users = p.users
    .map((u, i) => {
      const who =
        p.profile === 'fitbit' && u.fitbit ? `${u.fitbit.displayName} (${u.fitbit.encodedId})` : u.name;
      const id = escapeHtml(u.id);
      return choice(
        `<input type="radio" name="user" value="${id}"${i === 0 ? ' checked' : ''}>`,
        escapeHtml(who),
        ` <span class="muted">${escapeHtml(u.email)}</span><span class="hint" id="hint-${id}">${escapeHtml(
          userHint(p.profile, u),
        )}</span>`,
      );
    })
    .join('\n');
  // Like Google's screen: the sign-in scopes are a line of text, the data scopes each a checkbox.
  const signIn = p.scopes.filter((s) => isSignInScope(p.profile, s));
  const signInLine = signIn.length
    ? `<p class="muted" id="sign-in-scopes">Signing in shares your name and email address (${escapeHtml(signIn.join(' '))}).</p>\n`
    : '';
  // The plain name as the real screens show it, and the scope itself under it: tests and people check it.
  const scopes = p.scopes
    .filter((s) => !isSignInScope(p.profile, s))
    .map((s) =>
      choice(
        `<input type="checkbox" name="scope" value="${escapeHtml(s)}" checked>`,
        escapeHtml(scopeName(p.profile, s)),
        `<code class="scope-url">${breakable(s)}</code>`,
      ),
    )
    .join('\n');
  return layout(
    `${p.clientName} wants access`,
    `<p class="muted">${escapeHtml(brand)}</p>
<h1><strong id="client-name">${escapeHtml(p.clientName)}</strong> wants to access your account</h1>
<form method="post" action="${escapeHtml(p.action)}">
<input type="hidden" name="interaction" value="${escapeHtml(p.interactionId)}">
<fieldset><legend>Sign in as</legend>
${users}
</fieldset>
${signInLine}<fieldset><legend>Allow access to</legend>
${scopes}
</fieldset>
<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form>`,
  );
}

/** Shown instead of redirecting when the request itself is bad: the client must not be trusted. */
export function errorPage(heading: string, detail: string): string {
  return layout(
    heading,
    `<h1 class="error" id="error">${escapeHtml(heading)}</h1>
<p id="error-detail">${escapeHtml(detail)}</p>
<p class="muted">This page is served by the OAuth sandbox; the request was not redirected back to the app.</p>`,
  );
}
