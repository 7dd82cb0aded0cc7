import { Router } from 'express';
import type { AppConfig } from '../config/index.js';
import type { StatusService } from '../status/service.js';
import { MASKED_SECRET, setupScripts } from '../status/setup-scripts.js';
import type { ViewConfig } from './view-config.js';

export function setupRoutes(s: {
  config: AppConfig;
  status: Pick<StatusService, 'cheapChecks'>;
  view: ViewConfig;
}): Router {
  const r = Router();
  // The client secret enters the page only after an explicit, CSRF-checked POST (pages are no-store).
  const render =
    (reveal: boolean) => async (req: import('express').Request, res: import('express').Response) => {
      const scripts = setupScripts(s.config);
      // The script whose Reveal was pressed stays open (its form's action names its anchor, so the page
      // scrolls back to it); otherwise the first one.
      const asked = reveal ? (req.body as Record<string, unknown> | undefined)?.script : undefined;
      const open = scripts.find((x) => x.name === asked)?.name ?? scripts[0]?.name;
      res.render('setup', {
        scripts,
        open,
        checks: await s.status.cheapChecks(),
        reveal,
        clientSecret: reveal ? (s.config.oauth.clientSecret ?? '') : '',
        hasClientSecret: Boolean(s.config.oauth.clientSecret),
        maskedSecret: MASKED_SECRET,
        config: s.view,
        pageTitle: 'Setup',
      });
    };
  r.get('/setup', render(false));
  r.post('/setup/reveal', render(true));
  return r;
}
