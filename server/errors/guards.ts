// Errors of the app's own guards (host check, CSRF and Fetch Metadata, the token, cookies) and pages
// (unreadable requests, addresses with no page, bugs).
import { entry } from './entry.js';

export const guardErrors = {
  host_not_allowed: entry<{ allowed: string; host: string }>({
    group: 'guard',
    when: 'The request named a host the app does not serve (DNS-rebinding protection).',
    status: 421,
    title: 'This address is not served',
    why: (p) =>
      `The app answers only to ${p.allowed}; this request named “${p.host}”. That is how DNS-rebinding attacks from other web pages look.`,
    fix: 'Open the app at http://localhost:<port>/ (or the PUBLIC_URL you configured).',
    examples: [{ params: { allowed: '<allowed hosts>', host: '<host>' } }],
  }),
  csrf_invalid: entry<{ variant: 'form_token' } | { variant: 'cross_site'; mode: string; dest: string }>({
    group: 'guard',
    when: 'A form was posted without this app’s anti-forgery token, or your browser said another site (or another port on this computer) made the request: other sites may only link here.',
    status: 403,
    title: (p) =>
      p.variant === 'form_token' ? 'This request was refused' : 'A request from another site was refused',
    why: (p) =>
      p.variant === 'form_token'
        ? 'The form did not come from this app’s own page (its anti-forgery token is missing or wrong). Another web page may have tried to act on your behalf, or the page was open from before the app restarted.'
        : `Your browser says another web site made this request (${p.mode}, ${p.dest}), not a link you followed. This app does not let other sites load its pages or trigger its actions, because even loading a page can start a sign-in or sign in to Snowflake.`,
    fix: (p) =>
      p.variant === 'form_token'
        ? 'Go back to the app’s page, reload it, and press the button again.'
        : 'Open the app yourself (type its address, or use a bookmark or a link), then use its buttons.',
    examples: [
      { label: 'a form without the anti-forgery token', params: { variant: 'form_token' } },
      {
        label: 'a request another site made (an image, script, frame, `fetch()` or form post)',
        params: { variant: 'cross_site', mode: '<fetch mode>', dest: '<destination>' },
      },
    ],
  }),
  unauthorized: entry<{ variant: 'bearer' | 'admin_token' | 'launch_token' }>({
    group: 'guard',
    when: 'The request had no session, a wrong bearer token, or a bearer token sent to something other than `/status.json`. Every page and action asks for the app’s token: the launch token `npm start` prints in a link (a new one at each start), or `ADMIN_TOKEN` when set. Monitors and `npm run status -- --url` send `Authorization: Bearer <ADMIN_TOKEN>`.',
    status: 401,
    title: 'Sign in to this app first',
    why: (p) => {
      switch (p.variant) {
        case 'bearer':
          return 'The bearer token is wrong, or was sent to a page other than /status.json.';
        case 'admin_token':
          return 'Every page and action of this app needs its ADMIN_TOKEN.';
        case 'launch_token':
          return 'Every page and action of this app needs the token it printed when it started, so that other programs and users on this computer cannot use it.';
      }
    },
    fix: (p) => {
      switch (p.variant) {
        case 'bearer':
          return 'Send Authorization: Bearer <ADMIN_TOKEN> to /status.json only. An app started without ADMIN_TOKEN makes a new token at every start: start it with ADMIN_TOKEN set, and give the monitor the same value.';
        case 'admin_token':
          return 'Open /login and enter the ADMIN_TOKEN this app was started with.';
        case 'launch_token':
          return 'Open the link the app printed in its terminal when it started (`node .` or `npm start`: http://localhost:8787/?token=…): it signs this browser in. The token changes at every start.';
      }
    },
    examples: [
      { label: 'a bearer token', params: { variant: 'bearer' } },
      { label: 'no session, with ADMIN_TOKEN', params: { variant: 'admin_token' } },
      { label: 'no session, with a launch token', params: { variant: 'launch_token' } },
    ],
  }),
  too_many_tries: entry<{ seconds: number }>({
    group: 'guard',
    when: 'More wrong tokens than the budget allows (5 a minute from one address, 50 a minute from all) were presented at `/login`, in a `?token=` link or as a bearer token. The right token is always accepted.',
    status: 429,
    title: 'Too many wrong tokens',
    why: 'Too many wrong tokens reached this app in the last minute, from this address or from everywhere: someone may be guessing.',
    fix: (p) =>
      `Wait ${p.seconds} seconds before trying another token. The right token works at once: if you have it, use it now. If you did not make these tries, look for who did (the log has a line for each refused request).`,
    examples: [{ params: { seconds: 60 } }],
  }),
  cookies_unreadable: entry<
    | { variant: 'too_large'; size: number; host: string }
    | { variant: 'duplicate'; name: string; host: string }
  >({
    group: 'guard',
    when: 'The browser sent more cookies than the app reads (over 8 kB), or one of the app’s cookies twice. Cookies are shared by every port of a host name, so another site or program on this computer (http://localhost:<other port>) can set them.',
    status: (p) => (p.variant === 'too_large' ? 431 : 400),
    title: (p) =>
      p.variant === 'too_large' ? 'Your browser sent too many cookies' : 'Your browser sent a cookie twice',
    why: (p) =>
      p.variant === 'too_large'
        ? `The Cookie header for ${p.host} is ${p.size} bytes, more than the 8192 this app reads. Cookies are shared by every port of ${p.host}, so another site or program on this computer may have set them (on purpose, this stops sign-ins from working).`
        : `The cookie “${p.name}” came twice, so the app cannot tell which one it set. Another site or program on this computer (another port of ${p.host}) may have set one for part of this app’s addresses, to break its sign-ins.`,
    fix: (p) =>
      `Clear this browser’s cookies for ${p.host}: in Chrome or Edge, click the icon left of the address → Cookies and site data → Manage on-device site data → delete each; in Firefox, the padlock → Clear cookies and site data; in Safari, Settings → Privacy → Manage Website Data. Then open the link \`npm start\` printed again. If it comes back, something else on this computer serves pages on ${p.host}: stop it.`,
    examples: [
      { label: 'over 8 kB of cookies', params: { variant: 'too_large', size: 9000, host: '<host>' } },
      {
        label: 'one of the app’s cookies twice',
        params: { variant: 'duplicate', name: '<cookie>', host: '<host>' },
      },
    ],
  }),
  bad_request: entry<
    | { variant: 'no_code' }
    | { variant: 'repeated_param' | 'oversized_param'; name: string }
    | { variant: 'unreadable'; status: number; type: string }
  >({
    group: 'guard',
    when: 'A request the app cannot read: a callback with neither a code nor an error, a parameter twice or longer than any provider sends (a mangled or tampered link), a form over 8 kB or with too many fields or a compressed body that does not decompress, an undecodable address.',
    status: (p) => (p.variant === 'unreadable' ? p.status : 400),
    title: (p) => {
      switch (p.variant) {
        case 'no_code':
          return 'The provider’s answer has no code';
        case 'repeated_param':
          return 'The request has a repeated parameter';
        case 'oversized_param':
          return 'The request has an oversized parameter';
        case 'unreadable':
          return 'The request could not be read';
      }
    },
    why: (p) => {
      switch (p.variant) {
        case 'no_code':
          return 'The callback was reached without an authorization code or an error.';
        case 'repeated_param':
          return `“${p.name}” appears more than once, so the app cannot tell which one is meant.`;
        case 'oversized_param':
          return `“${p.name}” is longer than any provider sends.`;
        case 'unreadable':
          return `The request was malformed or too large (${p.type}).`;
      }
    },
    fix: (p) => {
      switch (p.variant) {
        case 'no_code':
          return 'Start the connection again.';
        case 'unreadable':
          return 'Go back to the app’s page and try again.';
        default:
          return 'Start the connection again from the app’s page.';
      }
    },
    retryConnect: (p) => p.variant !== 'unreadable',
    examples: [
      { label: '`/callback` with neither a code nor an error', params: { variant: 'no_code' } },
      { label: 'a repeated parameter', params: { variant: 'repeated_param', name: '<parameter>' } },
      { label: 'an oversized parameter', params: { variant: 'oversized_param', name: '<parameter>' } },
      {
        label: 'a malformed or oversized request',
        status: '400, 413 or 415',
        params: { variant: 'unreadable', status: 400, type: '<reason>' },
      },
    ],
  }),
  not_found: entry<
    | { variant: 'no_route'; method: string; path: string }
    | { variant: 'bad_link' | 'result_gone' }
    | { variant: 'post_only'; path: string; what: string; where: string }
  >({
    group: 'guard',
    when: 'The app has no page at that address (or not for that method), a link is not valid, a result page has expired, or an action’s address was opened as a page.',
    status: (p) =>
      (p.variant === 'no_route' && p.method !== 'GET' && p.method !== 'HEAD') || p.variant === 'post_only'
        ? 405
        : 404,
    title: (p) => {
      switch (p.variant) {
        case 'result_gone':
          return 'This result is no longer available';
        case 'post_only':
          return 'This address is a button, not a page';
        default:
          return 'Nothing here';
      }
    },
    why: (p) => {
      switch (p.variant) {
        case 'no_route':
          return `This app has no ${p.method} ${p.path}.`;
        case 'bad_link':
          return 'That link is not valid.';
        case 'result_gone':
          return 'Results are kept for 30 minutes, in this browser only, and not across restarts.';
        case 'post_only':
          return `${p.path} ${p.what}, so it only answers the button's POST: opening it as a page does nothing.`;
      }
    },
    fix: (p) => {
      switch (p.variant) {
        case 'result_gone':
          return 'See the Status page for the current state of the connection.';
        case 'post_only':
          return `Use the button: ${p.where}.`;
        default:
          return 'Go to the home page.';
      }
    },
    examples: [
      {
        label: 'no page at that address',
        status: '404 (405 for a method other than GET)',
        params: { variant: 'no_route', method: '<method>', path: '<path>' },
      },
      { label: 'a link with an invalid ID', params: { variant: 'bad_link' } },
      {
        label: 'a result page kept 30 minutes, in memory, for the browser that signed in only',
        params: { variant: 'result_gone' },
      },
      {
        label: 'an action (`/check`, `/reauthorize`, `/held/…/save`, `/setup/reveal`, …) opened as a page',
        params: {
          variant: 'post_only',
          path: '<path>',
          what: '<what the action does>',
          where: '<where its button is>',
        },
      },
    ],
  }),
  internal: entry({
    group: 'guard',
    when: 'A bug: no specific page exists for what happened. The log line for the request has the details; please report it.',
    status: 500,
    title: 'Something went wrong inside the app',
    why: 'An unexpected error happened. The details are in the app’s log (no token values are logged).',
    fix: 'Try again. If it keeps happening, run with LOG_LEVEL=debug and report the log lines around the failure.',
  }),
};
