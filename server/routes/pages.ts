import { Router } from 'express';
import type { Services } from '../services.js';

export function pageRoutes(s: Services): Router {
  const r = Router();
  r.get('/', (_req, res) => {
    res.render('home', { summary: s.status.summary(), config: viewConfig(s) });
  });
  return r;
}

/** The parts of the configuration a page may show (no secrets). */
export function viewConfig(s: Services) {
  const c = s.config;
  return {
    mode: c.mode,
    provider: s.profile.displayName,
    providerId: s.profile.id,
    clientId: c.oauth.clientId,
    redirectUri: c.oauth.redirectUri,
    scopes: c.oauth.scopes,
    secret: c.snowflake.secret.display,
    checkFunction: c.snowflake.checkFunction.display,
    account: c.snowflake.connection.account,
    user: c.snowflake.connection.username,
    role: c.snowflake.connection.role ?? null,
    authenticator: c.snowflake.connection.authenticator,
  };
}
