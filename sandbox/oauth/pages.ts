import { isSignInScope } from './decision.js';
import { escapeHtml } from './http.js';
import type { Profile, SandboxUser } from './types.js';

// The stand-in's only HTML: the consent page and the error page. Self-contained (no external
// resources); the markup is a contract with consent.ts and the browser tests.

const STYLE = `body{font-family:system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;color:#202124}
h1{font-size:1.4rem}fieldset{border:1px solid #dadce0;border-radius:8px;margin:1rem 0;padding:.75rem 1rem}
label{display:block;margin:.35rem 0}.muted{color:#5f6368;font-size:.9rem}
button{font-size:1rem;padding:.5rem 1.25rem;margin-right:.5rem;border-radius:4px;border:1px solid #dadce0;background:#fff}
button[value=allow]{background:#1a73e8;color:#fff;border-color:#1a73e8}.error{color:#b3261e}`;

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>${STYLE}</style></head>
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

export function consentPage(p: ConsentPageInput): string {
  const brand = p.profile === 'fitbit' ? 'Fitbit (legacy sandbox)' : 'Google Health (sandbox)';
  const users = p.users
    .map((u, i) => {
      const who =
        p.profile === 'fitbit' && u.fitbit ? `${u.fitbit.displayName} (${u.fitbit.encodedId})` : u.name;
      return `<label><input type="radio" name="user" value="${escapeHtml(u.id)}"${i === 0 ? ' checked' : ''}> ${escapeHtml(
        who,
      )} <span class="muted">${escapeHtml(u.email)}</span></label>`;
    })
    .join('\n');
  // Like Google's screen: the sign-in scopes are a line of text, the data scopes each a checkbox.
  const signIn = p.scopes.filter((s) => isSignInScope(p.profile, s));
  const signInLine = signIn.length
    ? `<p class="muted" id="sign-in-scopes">Signing in shares your name and email address (${escapeHtml(signIn.join(' '))}).</p>\n`
    : '';
  const scopes = p.scopes
    .filter((s) => !isSignInScope(p.profile, s))
    .map(
      (s) =>
        `<label><input type="checkbox" name="scope" value="${escapeHtml(s)}" checked> ${escapeHtml(s)}</label>`,
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
