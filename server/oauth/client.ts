// The app's only door to the provider: openid-client configured from the app's settings, with a fetch
// that gives every provider's error body one shape (Fitbit's `errors[]` → RFC 6749 `error`).
import * as oidc from 'openid-client';
import type { AppConfig } from '../config/index.js';
import { isLoopbackHost } from '../config/index.js';
import type { ProviderProfile } from '../providers/index.js';
import { type Answer, type Ask, preconnect, ResponseTooLargeError, request } from './http-fetch.js';

export interface OAuthClient {
  readonly config: oidc.Configuration;
  readonly profile: ProviderProfile;
  /**
   * Opens the connections the callback will use (token endpoint, identity API) while the user is on the
   * consent page. Never waits, never throws.
   */
  warm?(): void;
}

export function createOAuthClient(appConfig: AppConfig, profile: ProviderProfile): OAuthClient {
  const o = appConfig.oauth;
  const server: oidc.ServerMetadata = {
    issuer: o.issuer,
    authorization_endpoint: o.authorizationUrl,
    token_endpoint: o.tokenUrl,
    revocation_endpoint: o.revocationUrl,
  };
  let auth: oidc.ClientAuth;
  if (!o.clientSecret) auth = oidc.None();
  else if (profile.clientAuth === 'client_secret_basic') auth = oidc.ClientSecretBasic(o.clientSecret);
  else auth = oidc.ClientSecretPost(o.clientSecret);
  const config = new oidc.Configuration(server, o.clientId, undefined, auth);
  // Plain http is allowed only for loopback endpoints (the sandbox, a local proxy); config.ts refuses others.
  if (
    [o.authorizationUrl, o.tokenUrl, o.revocationUrl, o.healthApiUrl].some(
      (u) => new URL(u).protocol === 'http:' && isLoopbackHost(new URL(u).hostname),
    )
  ) {
    oidc.allowInsecureRequests(config);
  }
  config.timeout = appConfig.timeouts.oauthSeconds;
  config[oidc.customFetch] = normalisingFetch(profile);
  return { config, profile, warm: () => preconnect([o.tokenUrl, o.healthApiUrl]) };
}

/** No OAuth or identity answer comes near this; a larger one is a broken or hostile upstream. */
export const MAX_UPSTREAM_BYTES = 1024 * 1024;

export { ResponseTooLargeError };

/**
 * Caps every upstream answer's size (time is capped by openid-client's timeout), and rewrites error
 * bodies that openid-client would not recognise into `{error, error_description}`.
 */
export function normalisingFetch(profile: ProviderProfile): oidc.CustomFetch {
  return async (url, options) => {
    const res = await request(url, options as Ask, MAX_UPSTREAM_BYTES);
    const ok = res.status >= 200 && res.status <= 299;
    if (ok || !(res.headers.get('content-type') ?? '').includes('json'))
      return answer(res, res.status === 204 ? null : res.body);
    const text = new TextDecoder().decode(res.body);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return answer(res, text);
    }
    // Only bodies openid-client cannot read (Fitbit's `errors[]`) are rewritten; Google's API envelope
    // keeps its details (e.g. ACCOUNT_NOT_LINKED) for the caller.
    const isFitbitShape = Array.isArray((body as { errors?: unknown })?.errors);
    const normal = isFitbitShape ? profile.normaliseErrorBody(body) : undefined;
    return answer(res, normal ? JSON.stringify(normal) : text);
  };
}

function answer(res: Answer, body: ConstructorParameters<typeof Response>[0]): Response {
  if (res.status >= 200 && res.status <= 299 && body instanceof Uint8Array)
    return new WholeAnswer(res, body) as unknown as Response;
  return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
}

const utf8 = new TextDecoder();

/**
 * A successful answer, already read whole, as openid-client reads one: status, headers, and the body once
 * as text or JSON. A fetch Response would wrap the bytes in a web stream again, which costs about 0.1 ms per
 * answer once warm, more while cold, on the callback's path (two answers: the tokens, the identity). Error answers stay
 * real Responses (openid-client clones and cancels those). oauth4webapi accepts any object whose class is
 * tagged 'Response'; test/integration covers both answers through the real openid-client.
 */
class WholeAnswer {
  readonly ok = true;
  readonly redirected = false;
  readonly type = 'basic';
  readonly url = '';
  readonly body = null;
  readonly status: number;
  readonly statusText: string;
  readonly headers: Headers;
  #used = false;
  /** Private: a token answer's body must not show in anything that prints or serialises the object. */
  readonly #bytes: Uint8Array;

  constructor(res: Pick<Answer, 'status' | 'statusText' | 'headers'>, bytes: Uint8Array) {
    this.#bytes = bytes;
    this.status = res.status;
    this.statusText = res.statusText;
    this.headers = res.headers;
  }

  get [Symbol.toStringTag](): string {
    return 'Response';
  }

  get bodyUsed(): boolean {
    return this.#used;
  }

  /** The body, once: a second read fails as a fetch Response's does. */
  private take(): Uint8Array {
    if (this.#used) throw new TypeError('Body is unusable: Body has already been read');
    this.#used = true;
    return this.#bytes;
  }

  async text(): Promise<string> {
    return utf8.decode(this.take());
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const b = this.take();
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
  }

  clone(): WholeAnswer {
    if (this.#used) throw new TypeError('Response.clone: Body has already been consumed.');
    return new WholeAnswer(this, this.#bytes);
  }
}
