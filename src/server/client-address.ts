import type { Request } from 'express';

/**
 * The address a per-client limit counts against. `req.ip` honours X-Forwarded-For only when the
 * app trusts a proxy (createApp turns that off), so a forged header buys no fresh budget.
 */
export const clientAddress = (req: Request): string => req.ip ?? req.socket.remoteAddress ?? 'unknown';
