/**
 * In-process news that a request owes effects: whoever commits a decision notifies, the effect
 * runner listens from its construction on and drains the request. The owing index in the store is
 * the durable half; a sweep drains whatever no notification reached (a crash, another replica).
 *
 * It lets the composition root build in order: the ticket processor (which commits) comes before
 * the runner, because the runner acts through the scheduler and the one-time links, both of which
 * hand their events to the processor.
 */
export class OwedSignal {
  private readonly listeners: ((requestId: string) => void)[] = [];

  readonly notify = (requestId: string): void => {
    for (const listener of this.listeners) listener(requestId);
  };

  listen(listener: (requestId: string) => void): void {
    this.listeners.push(listener);
  }
}
