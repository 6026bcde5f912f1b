import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { Command } from 'commander';
import { CONNECTORS, connectorDefinition } from '../../connectors';
import { environmentKeys } from '../config/json-schemas';
import { CredgateError } from '../util/errors';

const REPO = resolve(__dirname, '../..');
const SHIPPED_POLICY = join(REPO, 'config/policy.yaml');
const SCHEMAS = join(REPO, 'schemas');

export interface InitOptions {
  connector: string;
  dir: string;
  publicUrl: string;
}

/** Secret-looking variables: named in the file as env: references or in comments, never as values. */
const SECRET_VAR = /SECRET|TOKEN|PASSWORD|KEY|PAT$/;

/**
 * The starting credgate.yaml and policy.yaml for one connector: commented, no secret in them (each
 * is an environment variable the comments name), the shipped policy without the review schedule
 * (it needs a project of the chosen system). Pure: the caller writes the files.
 */
export function initFiles(opts: InitOptions): { 'credgate.yaml': string; 'policy.yaml': string } {
  const def = connectorDefinition(opts.connector);
  const schema = (name: string) => relative(resolve(opts.dir), join(SCHEMAS, name)) || name;
  const vars = [...environmentKeys()].filter(([key]) => key.startsWith(`${def.id}.`));
  const settings = vars.filter(([, v]) => !SECRET_VAR.test(v));
  const config = `# yaml-language-server: $schema=${schema('credgate.schema.json')}
# credgate configuration, written by \`credgate init --connector ${def.id}\`. Every key and its default:
# docs/configuration.md. Precedence: defaults < this file < environment. Paths here are relative to
# this file. Secrets are never written here: set them as environment variables (or NAME_FILE=/path).

server:
  port: 3000                      # PORT overrides
  publicUrl: ${opts.publicUrl}    # CREDGATE_PUBLIC_URL overrides; webhook and link URLs start here

store:
  url: sqlite://./data/credgate.sqlite   # one process; postgres:// or redis:// for replicas

policy:
  path: policy.yaml               # beside this file

log:
  level: info                     # CREDGATE_LOG_LEVEL overrides

# ${def.enableHint}.
# Set in the environment:
${vars.map(([key, v]) => `#   ${v.padEnd(32)} ${key}${SECRET_VAR.test(v) ? ' (secret)' : ''}`).join('\n')}
# Details and every key: connectors/${def.id}/readme.md.
${def.id}: {}
${settings.length ? `#   settings that may also be written here instead of the environment: ${settings.map(([k]) => k.slice(def.id.length + 1)).join(', ')}\n` : ''}
# The audit chain key (CREDGATE_AUDIT_KEY, 32+ characters: openssl rand -hex 32) and, for one-time
# links, the hand-off key (CREDGATE_HANDOFF_KEY: openssl rand -base64 32) come from the environment.
# Access providers (LDAP, Vault, a command, HTTP) take their secrets as env: references:
# providers:
#   corp-ad: { type: ldap, url: "ldaps://dc1.example:636", bindDN: "CN=svc-credgate,DC=example",
#              bindPassword: "env:LDAP_BIND_PASSWORD", baseDN: "DC=example" }
`;
  const shipped = readFileSync(SHIPPED_POLICY, 'utf8').replace(/^# yaml-language-server:.*\n/, '');
  const review = shipped.indexOf('\n# Periodic access reviews');
  const policy = `# yaml-language-server: $schema=${schema('policy.schema.json')}
# Written by \`credgate init\`; check it with \`credgate policy check\` after each edit.
${review === -1 ? shipped : `${shipped.slice(0, review)}\n${commented(shipped.slice(review + 1), def.id)}`}`;
  return { 'credgate.yaml': config, 'policy.yaml': policy };
}

/** The review section, commented out: it needs a project in the chosen system. */
const commented = (section: string, connector: string): string =>
  `${section
    .replace(/connector: jira/, `connector: ${connector}`)
    .split('\n')
    .map((l) => (l.startsWith('#') || l === '' ? l : `# ${l}`))
    .join('\n')
    .trimEnd()}\n`;

export function initCommand(): Command {
  return new Command('init')
    .description('write a starting credgate.yaml and policy.yaml for a ticketing system')
    .option('--connector <id>', `the ticketing system: ${CONNECTORS.map((c) => c.id).join(', ')}`)
    .option('--dir <dir>', 'where to write the files', 'config')
    .option('--public-url <url>', "credgate's public https URL", 'https://credgate.example.com')
    .option('--force', 'overwrite existing files')
    .action(async (opts: { connector?: string; dir: string; publicUrl: string; force?: boolean }) => {
      let connector = opts.connector;
      let publicUrl = opts.publicUrl;
      if (!connector && process.stdin.isTTY && process.stderr.isTTY) {
        const rl = createInterface({ input: process.stdin, output: process.stderr });
        connector = (await rl.question(`ticketing system (${CONNECTORS.map((c) => c.id).join(', ')}): `)).trim();
        publicUrl = (await rl.question(`credgate's public URL [${publicUrl}]: `)).trim() || publicUrl;
        rl.close();
      }
      if (!connector)
        throw new CredgateError(
          'bad-input',
          `give --connector ${CONNECTORS.map((c) => c.id).join('|')} (or run init on a terminal to be asked)`,
        );
      const files = initFiles({ connector, dir: opts.dir, publicUrl: publicUrl.replace(/\/$/, '') });
      const existing = Object.keys(files).filter((f) => existsSync(join(opts.dir, f)));
      if (existing.length && !opts.force)
        throw new CredgateError(
          'bad-input',
          `${existing.map((f) => join(opts.dir, f)).join(' and ')} already exist; nothing was written (--force overwrites)`,
        );
      mkdirSync(opts.dir, { recursive: true });
      for (const [name, content] of Object.entries(files)) {
        writeFileSync(join(opts.dir, name), content);
        process.stdout.write(`wrote ${join(opts.dir, name)}\n`);
      }
      const def = connectorDefinition(connector);
      const configPath = join(opts.dir, 'credgate.yaml');
      process.stdout.write(
        [
          '',
          `Webhook URL for ${def.id}: ${publicUrl.replace(/\/$/, '')}/webhooks/${def.id}`,
          '',
          'Next steps:',
          `  1. ${def.enableHint} (see the comments in ${configPath} and connectors/${def.id}/readme.md).`,
          '  2. Set CREDGATE_AUDIT_KEY (openssl rand -hex 32).',
          `  3. Point ${def.id}'s webhook at the URL above, with the webhook secret you set.`,
          `  4. Edit ${join(opts.dir, 'policy.yaml')}, then: credgate policy check`,
          `  5. CREDGATE_CONFIG=${configPath} credgate doctor, then npm start`,
          '',
        ].join('\n'),
      );
    });
}
