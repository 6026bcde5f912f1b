/** A webhook request whose body and headers are fixed once, when it is first sent. */
export interface PreparedWebhook {
  body: string;
  headers: Record<string, string>;
}

/**
 * Posts prepared webhook requests and redelivers the last genuine one unchanged, as vendors whose
 * retry resends the stored request do. Deliveries are recorded as body and status.
 */
export abstract class ResendingWebhookSender {
  readonly deliveries: { body: string; status: number }[] = [];
  private last: PreparedWebhook | undefined;

  constructor(private readonly target: () => { url: string } | undefined) {}

  /** The same request again; undefined when nothing genuine was sent yet or no webhook is configured. */
  redeliverLast(): Promise<{ status: number; body: string } | undefined> {
    return this.last ? this.post(this.last) : Promise.resolve(undefined);
  }

  /** A forged request is posted but not kept: the vendor never sent it, so it would never resend it. */
  protected sendPrepared(
    request: PreparedWebhook,
    options: { forged?: boolean } = {},
  ): Promise<{ status: number; body: string } | undefined> {
    if (!options.forged) this.last = request;
    return this.post(request);
  }

  private async post(request: PreparedWebhook): Promise<{ status: number; body: string } | undefined> {
    const target = this.target();
    if (!target) return undefined;
    const res = await fetch(target.url, { method: 'POST', headers: request.headers, body: request.body });
    const delivery = { status: res.status, body: await res.text() };
    this.deliveries.push({ body: request.body, status: delivery.status });
    return delivery;
  }
}
