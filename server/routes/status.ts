import { Router } from 'express';
import type { Services } from '../services.js';
import { viewConfig } from './pages.js';

export function statusRoutes(s: Services): Router {
  const r = Router();
  r.get('/status.json', async (_req, res) => {
    const { chart, ...report } = await s.status.report();
    res.json({ ...report, chart: chart ? { at: chart.at, days: chart.days } : null });
  });
  r.get('/status', async (_req, res) => {
    res.render('status', {
      report: await s.status.report(),
      history: s.status.history(20),
      config: viewConfig(s),
      clientStatus: s.config.oauth.clientStatus,
      pageTitle: 'Status',
    });
  });
  r.post('/check', async (_req, res) => {
    await s.status.runCheck();
    res.redirect(303, '/status');
  });
  return r;
}
