/**
 * Bearer-token guard for the mutating admin routes (POST /admin/pause,
 * /admin/resume, /api/metrics/kafka/reset). Read-only routes stay open.
 *
 *   no token configured   403, with how to enable the routes (http.adminToken,
 *                         HTTP_ADMIN_TOKEN or HTTP_ADMIN_TOKEN_FILE)
 *   missing / wrong token 401 with `WWW-Authenticate: Bearer` (RFC 6750 §3)
 *   right token           the route runs
 *
 * The comparison is constant-time over equal-length SHA-256 digests
 * (`crypto.timingSafeEqual` throws on unequal lengths, and comparing the raw
 * strings would leak the token's length). Every call is one audit log line —
 * method, route, outcome, status, remote address — written when the response
 * finishes; never the token or the Authorization header (DESIGN invariant 8).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from '../logging/types';

export const ENABLE_HINT = 'set http.adminToken (env HTTP_ADMIN_TOKEN, or HTTP_ADMIN_TOKEN_FILE naming a file that holds it) and send it as "Authorization: Bearer <token>"';

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** Whether `given` equals `expected`, in time independent of where they differ. */
export function tokenMatches(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected)) && expected.length > 0;
}

function bearer(req: Request): string | undefined {
  const header = req.get('authorization');
  if (!header) return undefined;
  const m = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  return m ? m[1] : '';
}

type Outcome = 'accepted' | 'unauthorized' | 'disabled' | 'failed';

function outcomeOf(status: number, decided: Outcome | undefined): Outcome {
  if (decided) return decided;
  return status < 400 ? 'accepted' : 'failed';
}

export function requireAdminToken(token: string, logger: Logger): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    let decided: Outcome | undefined;
    res.on('finish', () => {
      logger.info('admin call', {
        audit: true,
        method: req.method,
        route: req.path,
        outcome: outcomeOf(res.statusCode, decided),
        status: res.statusCode,
        remote: req.socket.remoteAddress ?? 'unknown',
      });
    });
    if (token === '') {
      decided = 'disabled';
      res.status(403).json({ error: 'forbidden', message: `admin actions are disabled: no admin token is configured; to enable them, ${ENABLE_HINT}` });
      return;
    }
    const given = bearer(req);
    if (given === undefined || given === '' || !tokenMatches(given, token)) {
      decided = 'unauthorized';
      const challenge = given === undefined ? 'Bearer realm="wsqc-admin"' : 'Bearer realm="wsqc-admin", error="invalid_token"';
      res.set('WWW-Authenticate', challenge).status(401).json({
        error: 'unauthorized',
        message: given === undefined ? 'this route needs "Authorization: Bearer <admin token>"' : 'the bearer token is not valid',
      });
      return;
    }
    next();
  };
}
