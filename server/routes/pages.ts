import { Router } from 'express';
import type { StatusService } from '../status/service.js';
import type { ViewConfig } from './view-config.js';

export function pageRoutes(d: { status: Pick<StatusService, 'summary'>; view: ViewConfig }): Router {
  const r = Router();
  r.get('/', (_req, res) => {
    res.render('home', { summary: d.status.summary(), config: d.view });
  });
  return r;
}
