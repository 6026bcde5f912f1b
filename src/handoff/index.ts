/**
 * One-time secret links: how a secret a provider produced (a rotated shared password, a generated
 * one, a Vault wrapping token) reaches the requester without ever being written to a ticket.
 * See readme.md in this folder for the design.
 */
export { createHandoff } from './create-handoff';
export { handoffConfigSchema, resolveHandoffKey, type HandoffConfig } from './handoff-config';
export type { Handoff, HandoffDeps, IssueInput, IssuedLink, RevealedLink, Viewer } from './types';
