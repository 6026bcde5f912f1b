import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../templates-root';
import { Command } from 'commander';
import pino from 'pino';
import { loadConfig } from '../config/load-config';
import { loadPolicy, policyWarnings } from '../policy/policy';
import { summarisePolicy } from './policy-summary';
import { createCommentRenderer, type CommentMarkup } from '../render/comment-renderer';
import { connectorDefinition } from '../../connectors';
import { BUILTIN_TEMPLATES, REQUIRED_TEMPLATES } from '../service';
import { FAILABLE_EFFECTS, type FailableEffect, simulateRequest } from './simulate';
import { registerAuditCommands } from './audit-commands';
import { isCredgateError } from '../util/errors';
import { runHashPassword } from '../desk/hash-password-command';
import { reviewCommand } from '../review';
import { createService } from '../service';
import { createLogger } from '../util/logger';
import { doctorCommand } from '../doctor/doctor-command';
import { deliveriesCommand } from './deliveries-command';
import { policyCheckReport } from './policy-check';
import { initCommand } from './init-command';
import { installScrip, installScripCommand } from '../../connectors/rt/install-scrip';
import { CredgateError } from '../util/errors';
import { createNinjaoneClient } from '../../connectors/ninjaone/client';
import { registerNinjaoneWebhook } from '../../connectors/ninjaone/register-webhook';
import { isNinjaoneConfigured, NINJAONE_ENABLE_HINT, type NinjaoneConfig } from '../../connectors/ninjaone/schema';
import { systemClock } from '../util/clock';

/** `credgate <command>`: policy check, simulate, audit verify / export / show. */
const program = new Command('credgate')
  .description('shared-credential requests under policy, inside your ticketing system')
  .version(packageVersion(), '-V, --version', "print credgate's version (from package.json)");
function packageVersion(): string {
  return (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}
const out = (s: string) => process.stdout.write(s + '\n');

program
  .command('policy')
  .description('policy file tools')
  .command('check [file]')
  .description('validate a policy file (default: the configured one) and summarise it')
  .option('--client <name>', 'also show the effective policy for this client (its overlay applied)')
  .action((file: string | undefined, opts: { client?: string }) => {
    const config = loadConfig(process.env);
    const path = file ?? config.policy.path;
    const policy = loadPolicy(path);
    for (const line of policyCheckReport(path, policy, config, systemClock())) out(line);
    const doc = policy.document;
    const auto = doc.autoApprove?.rules ?? [];
    if (auto.length)
      out(
        `auto-approval rules: ${auto.map((r) => `${r.id}${r.allowHighRisk ? ' (low and HIGH risk)' : ' (low risk)'}`).join(', ')}`,
      );
    if (doc.breakGlass)
      out(
        `break-glass: ${[...doc.breakGlass.categories.map((c) => `category ${c}`), ...doc.breakGlass.labels.map((l) => `label ${l}`)].join(', ')}; at most ${doc.breakGlass.maxDuration}, ${doc.breakGlass.approvals} confirmation(s) within ${doc.breakGlass.confirmWithin}`,
      );
    for (const w of policyWarnings(doc)) out(`warning: ${w}`);
    if (opts.client !== undefined) for (const line of summarisePolicy(policy, opts.client)) out(line);
    else if (policy.document.clients.length)
      out(`client overlays: ${policy.document.clients.map((c) => `${c.id} (${c.match.join(', ')})`).join('; ')}`);
  });

program
  .command('simulate <payload>')
  .description(
    'print the decision and the exact comments credgate would post for a webhook payload, calling no ticketing system',
  )
  .option('-c, --connector <id>', 'connector whose payload format this is', 'jira')
  .option('-p, --policy <file>', 'policy file (default: the configured one)')
  .option('--first-only', 'only the first decision, not the whole lifecycle')
  .option('-m, --markup <markup>', 'comment markup: jira-wiki, markdown, html or text', 'jira-wiki')
  .option('--at <iso>', 'simulated start time', systemClock().toISOString())
  .option('--fail <effect>', `replay the first such effect failing for good: ${FAILABLE_EFFECTS.join(', ')}`)
  .option('--error <text>', 'the error the failing effect reports', 'the provider refused (simulated)')
  .option('--client <name>', "the ticket's client, as a connector would read it: its overlay applies")
  .action(
    async (
      payloadPath: string,
      opts: {
        connector: string;
        policy?: string;
        firstOnly?: boolean;
        at: string;
        markup: CommentMarkup;
        fail?: string;
        error: string;
        client?: string;
      },
    ) => {
      const config = loadConfig(process.env);
      const def = connectorDefinition(opts.connector);
      const read = def.snapshotFromPayload(JSON.parse(readFileSync(payloadPath, 'utf8')), config[def.id] as never);
      if (!read) throw new CredgateError('bad-input', `${payloadPath} is not a ${def.id} payload that names a ticket`);
      const snapshot = opts.client ? { ...read, mappedFacts: { ...read.mappedFacts, client: opts.client } } : read;
      const policy = loadPolicy(opts.policy ?? config.policy.path);
      if (!['jira-wiki', 'markdown', 'html', 'text'].includes(opts.markup))
        throw new CredgateError(
          'bad-input',
          `--markup must be jira-wiki, markdown, html or text, not "${opts.markup}"`,
        );
      const renderer = createCommentRenderer({
        markup: opts.markup,
        templateDirs: [config.templates.dir, BUILTIN_TEMPLATES].filter((d): d is string => Boolean(d)),
        required: REQUIRED_TEMPLATES,
      });
      if (opts.fail !== undefined && !(FAILABLE_EFFECTS as readonly string[]).includes(opts.fail))
        throw new CredgateError(
          'bad-input',
          `--fail must be one of ${FAILABLE_EFFECTS.join(', ')}, not "${opts.fail}"`,
        );
      const failure = opts.fail ? { effect: opts.fail as FailableEffect, error: opts.error } : undefined;
      const steps = await simulateRequest(snapshot, policy, renderer, new Date(opts.at), !opts.firstOnly, failure);
      for (const step of steps) {
        out(`\n=== ${step.event} → ${step.state}`);
        for (const a of step.actions) out(`  • ${a}`);
        for (const c of step.comments) out(`\n--- comment ---\n${c}`);
      }
    },
  );

registerAuditCommands(program);

// `credgate audit export | head`: a reader that leaves early is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

program.addCommand(
  reviewCommand(async () => {
    const config = loadConfig(process.env);
    // Logs to stderr: stdout carries the review's figures, for a pipe or a file.
    const log = createLogger({
      level: 'warn',
      secrets: config.secrets,
      destination: pino.destination({ dest: 2, sync: true }),
    });
    const service = await createService({ config, log });
    return { job: service.review, close: () => service.stop() };
  }),
);

program.addCommand(doctorCommand());
program.addCommand(deliveriesCommand());
program.addCommand(initCommand());

program
  .command('webhooks')
  .description("the vendors' webhooks to credgate")
  .command('register <connector>')
  .description(
    "create credgate's webhook in the vendor (GitHub repository hooks), or update the one already pointing at credgate",
  )
  .option('--url <publicUrl>', "credgate's public URL (default: server.publicUrl)")
  .action(async (id: string, opts: { url?: string }) => {
    const config = loadConfig(process.env);
    const url = opts.url ?? config.server.publicUrl;
    if (!url) throw new CredgateError('bad-input', 'give --url https://<credgate host> (or set server.publicUrl)');
    const def = connectorDefinition(id);
    const section = config[def.id] as never;
    if (!def.isConfigured(section)) throw new CredgateError('config', `the ${def.id} connector is not configured`);
    const log = createLogger({ level: 'warn', secrets: config.secrets });
    const connector = def.create(section, { log, now: () => systemClock().getTime() });
    if (!connector.registerWebhook)
      throw new CredgateError(
        'bad-input',
        `credgate cannot register ${def.id} webhooks itself yet: set one up to ${url.replace(/\/+$/, '')}/webhooks/${def.id} as connectors/${def.id}/readme.md describes`,
      );
    for (const line of await connector.registerWebhook(url)) out(line);
  });

program
  .command('ninjaone')
  .description('NinjaOne tools')
  .command('register-webhook')
  .description("configure the API client's webhook (PUT /v2/webhook) with credgate's URL and the secret header")
  .option('--url <publicUrl>', "credgate's public https URL (default: server.publicUrl)")
  .action(async (opts: { url?: string }) => {
    const config = loadConfig(process.env);
    const ninjaone = config.ninjaone as NinjaoneConfig;
    if (!isNinjaoneConfigured(ninjaone)) throw new CredgateError('config', NINJAONE_ENABLE_HINT);
    const url = opts.url ?? config.server.publicUrl;
    if (!url) throw new CredgateError('bad-input', 'give --url https://<credgate host> (or set server.publicUrl)');
    const log = createLogger({
      level: 'warn',
      secrets: config.secrets,
      destination: pino.destination({ dest: 2, sync: true }),
    });
    const registered = await registerNinjaoneWebhook(ninjaone, createNinjaoneClient(ninjaone, log), url);
    out(`NinjaOne webhook set: ${registered} (header ${ninjaone.webhookHeader})`);
  });

program
  .command('desk')
  .description('the service-desk page')
  .command('hash-password')
  .description('read a password (no echo) and print the scrypt hash to put in desk.users[].passwordHash')
  .action(() => runHashPassword());

program
  .command('rt')
  .description('Request Tracker')
  .command('install-scrip')
  .description("load credgate's webhook Scrip into RT (run on the RT host; see connectors/rt/readme.md)")
  .requiredOption('--queue <name>', 'the queue credgate serves')
  .option('--setup <path>', 'rt-setup-database-5 to run')
  .option('--print', 'print the command instead of running it')
  .action(async (opts: { queue: string; setup?: string; print?: boolean }) => {
    if (opts.print) {
      out(`CREDGATE_RT_QUEUE='${opts.queue.replace(/'/g, "'\\''")}' ${installScripCommand(opts).join(' ')}`);
      return;
    }
    out(await installScrip(opts));
    out('Scrip installed; set $CredgateWebhookURL and $CredgateWebhookSecret in RT_SiteConfig.d and restart RT.');
  });

program.parseAsync(process.argv).catch((err) => {
  process.stderr.write(`credgate: ${isCredgateError(err) ? err.message : (err as Error).message}\n`);
  // 2: the command line itself was wrong (a bad date, an unknown format); 1: anything else.
  process.exit(isCredgateError(err, 'bad-input') ? 2 : 1);
});
