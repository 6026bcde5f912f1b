import type { Policy } from '../policy/policy';
import type { ApprovalStep } from '../domain/request';

/** `credgate policy check [--client NAME]`: what the (effective) policy says, line by line. */
export function summarisePolicy(base: Policy, client?: string): string[] {
  const policy = client === undefined ? base : base.forClient(client);
  const doc = policy.document;
  const lines: string[] = [];
  if (client !== undefined)
    lines.push(
      policy.overlayId
        ? `client "${client}": overlay ${policy.overlayId} applies (owners: ${policy.clientOwners.join(', ') || 'none'})`
        : `client "${client}": no overlay matches; the base policy applies`,
    );
  lines.push(
    `categories: ${doc.categories.map((c) => `${c.id} (requires ${c.required.join(', ') || 'nothing'}; path ${c.path}${c.maxDuration ? `; max ${c.maxDuration}` : ''})`).join('; ')}`,
  );
  lines.push(
    `risk rules: ${doc.risk.rules.map((r) => `${r.id} → ${r.risk}`).join(', ') || 'none (everything is low risk)'}`,
  );
  lines.push(`approval paths: ${Object.keys(doc.approvals.paths).join(', ')}`);
  const category = (path: string) => policy.document.categories.find((c) => c.path === path);
  for (const path of Object.keys(doc.approvals.paths)) {
    const cat = category(path);
    if (!cat) continue;
    for (const risk of ['low', 'high'] as const) {
      const steps = policy.approvalSteps(
        { ...cat, required: [], maxDurationMs: null, linkedTicket: cat.linkedTicket ?? null },
        risk,
      );
      lines.push(`  ${path} ${risk}: ${steps.map(describeStep).join(', then ')}`);
    }
  }
  lines.push(
    `durations: default ${doc.durations.default}, max low ${doc.durations.max.low}, max high ${doc.durations.max.high}`,
  );
  if (doc.providers.length) lines.push(`providers: ${doc.providers.map((b) => `${b.id} → ${b.provider}`).join(', ')}`);
  if (client === undefined && doc.clients.length)
    lines.push(`client overlays: ${doc.clients.map((c) => `${c.id} (${c.match.join(', ')})`).join('; ')}`);
  if (doc.calendar)
    lines.push(
      `business hours: ${doc.calendar.hours.start}-${doc.calendar.hours.end} ${doc.calendar.timeZone}, days ${doc.calendar.days.join(',')}, ${doc.calendar.holidays.length} holidays`,
    );
  return lines;
}

function describeStep(s: ApprovalStep): string {
  const who = [
    ...s.groups.map((g) => `group ${g}`),
    ...s.users.map((u) => `user ${u}`),
    ...(s.source ? [`the ${s.source.replace('-', ' ')}`] : []),
  ].join(' or ');
  const timing = [
    s.remindAfterMs !== undefined ? `remind after ${s.remindAfterMs / 60_000}m` : '',
    s.escalateTo && s.escalateAfterMs !== undefined
      ? `after ${s.escalateAfterMs / 60_000}m ${[...s.escalateTo.groups, ...s.escalateTo.users].join(', ')} ${s.escalateTo.mode === 'replace' ? 'replace' : 'join'}`
      : '',
    s.businessHours ? 'in business hours' : '',
  ].filter(Boolean);
  return `${s.count} × ${s.name} (${who}${timing.length ? `; ${timing.join('; ')}` : ''})`;
}
