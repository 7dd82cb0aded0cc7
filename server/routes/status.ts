import { Router } from 'express';
import type { StatusService } from '../status/service.js';
import type { ViewConfig } from './view-config.js';

export function statusRoutes(s: {
  status: Pick<StatusService, 'report' | 'history' | 'runCheck' | 'loadNow'>;
  view: ViewConfig;
  clientStatus: 'production' | 'testing';
}): Router {
  const r = Router();
  r.get('/status.json', async (_req, res) => {
    const { chart, ...report } = await s.status.report();
    res.json({ ...report, chart: chart ? { at: chart.at, days: chart.days } : null });
  });
  r.get('/status', async (_req, res) => {
    res.render('status', {
      report: await s.status.report(),
      history: s.status.history(20),
      config: s.view,
      clientStatus: s.clientStatus,
      pageTitle: 'Status',
    });
  });
  r.post('/check', async (_req, res) => {
    await s.status.runCheck();
    res.redirect(303, '/status');
  });
  // Load now: EXECUTE TASK returns at once; the status page says the load started, and shows its result
  // once the app has read it (it follows the run in the background, not on page loads).
  r.post('/load', async (_req, res) => {
    await s.status.loadNow();
    res.redirect(303, '/status#daily-load');
  });
  return r;
}
