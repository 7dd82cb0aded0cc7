import { Router } from 'express';
import type { Services } from '../services.js';
import { viewConfig } from './pages.js';

export function statusRoutes(s: Services): Router {
  const r = Router();
  r.get('/status.json', (_req, res) => {
    res.json({ ...s.status.summary(), generatedAt: new Date().toISOString() });
  });
  r.get('/status', (_req, res) => {
    res.render('status', {
      summary: s.status.summary(),
      history: s.events.recent(20),
      config: viewConfig(s),
      pageTitle: 'Status',
    });
  });
  r.post('/check', async (_req, res) => {
    await s.status.runCheck();
    res.redirect(303, '/status');
  });
  return r;
}
