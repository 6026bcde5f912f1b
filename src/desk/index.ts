/**
 * The service-desk page (issue 6). What the service and the CLI use; everything else in this
 * folder is internal.
 */
export { deskRouter, type DeskDeps } from './desk-router';
export { deskConfigSchema, DESK_ENV, type DeskConfig } from './desk-config';
export { hashPassword, verifyPassword } from './password-hash';
export { runHashPassword } from './hash-password-command';
export type { DeskOverview } from './desk-views';
