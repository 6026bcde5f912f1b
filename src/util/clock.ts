/**
 * The one place credgate reads the system clock. Everything else is handed a `Clock` (deps.clock,
 * options.clock, ctx.now), so tests, `simulate` and replays decide what time it is.
 */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();

/** Milliseconds since `started` on `clock`: durations for logs and metrics. */
export const elapsedMs = (clock: Clock, started: Date): number => clock().getTime() - started.getTime();
