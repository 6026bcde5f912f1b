import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve as resolvePath } from 'node:path';
import { z } from 'zod';
import { parse as parseYaml } from 'yaml';
import { describeYamlSyntaxError } from '../util/yaml-syntax-error';
import { coreConfigShape, CORE_ENV } from './config-schema';
import { CONNECTORS } from '../../connectors';
import { CredgateError } from '../util/errors';
import { formatZodError } from '../util/format-zod-error';
import { parseDuration } from '../policy/parse-duration';

const DEFAULT_CONFIG_PATH = 'config/credgate.yaml';

export type Env = Record<string, string | undefined>;

export function configSchema() {
  const connectorShape: Record<string, z.ZodType> = {};
  for (const c of CONNECTORS) connectorShape[c.id] = (c.configSchema as unknown as z.ZodObject).prefault({});
  return z.object({ ...coreConfigShape, ...connectorShape }).strict();
}

type CoreConfig = z.infer<z.ZodObject<typeof coreConfigShape>>;
export type Config = CoreConfig & { [connectorId: string]: unknown; source: string; secrets: string[] };

/**
 * Loads configuration once at boot: defaults < config file < environment. Secrets may come from
 * files (`JIRA_API_TOKEN_FILE=/run/secrets/jira`). Every problem is reported at once, naming the
 * key and what is expected; `process.env` is read nowhere else.
 */
export function loadConfig(env: Env): Config {
  const resolvedEnv = withSecretFiles(env);
  const path = resolvedEnv.CREDGATE_CONFIG ?? DEFAULT_CONFIG_PATH;
  let fromFile: Record<string, unknown> = {};
  if (existsSync(path)) {
    const text = readFileSync(path, 'utf8');
    try {
      fromFile = (parseYaml(text) as Record<string, unknown>) ?? {};
    } catch (err) {
      const where = describeYamlSyntaxError(err, text) ?? 'it cannot be parsed';
      throw new CredgateError('config', `config file ${path} is not valid YAML: ${where}`);
    }
  } else if (resolvedEnv.CREDGATE_CONFIG) {
    throw new CredgateError('config', `CREDGATE_CONFIG points to ${path}, which does not exist`);
  }

  const fromEnv: Record<string, unknown> = {};
  for (const [name, keyPath] of Object.entries(CORE_ENV)) {
    const value = resolvedEnv[name];
    if (value !== undefined && value !== '') setPath(fromEnv, keyPath, value);
  }
  for (const c of CONNECTORS) {
    const part = c.fromEnv(resolvedEnv);
    if (Object.keys(part).length) fromEnv[c.id] = part;
  }

  const merged = deepMerge(relativeToFile(fromFile, dirname(resolvePath(path))), fromEnv);
  const parsed = configSchema().safeParse(merged);
  if (!parsed.success)
    throw new CredgateError(
      'config',
      formatZodError(
        parsed.error,
        existsSync(path) ? `configuration (${path} + environment)` : 'configuration (environment)',
      ),
    );
  const config = parsed.data as unknown as Config;
  config.source = existsSync(path) ? path : 'defaults and environment';
  config.secrets = collectSecrets(config);
  return config;
}

export const ms = (duration: string): number => parseDuration(duration) as number;

/** Only credgate's own variables: other tools' *_FILE variables are none of our business. */
const SECRET_FILE_PREFIXES = ['CREDGATE_', ...CONNECTORS.map((c) => `${c.id.toUpperCase()}_`)];

/** NAME_FILE=/path sets NAME to the file's content, for secrets mounted as files. */
function withSecretFiles(env: Env): Env {
  const out: Env = { ...env };
  for (const [name, value] of Object.entries(env)) {
    if (!name.endsWith('_FILE') || !value || !SECRET_FILE_PREFIXES.some((p) => name.startsWith(p))) continue;
    const target = name.slice(0, -'_FILE'.length);
    try {
      out[target] = readFileSync(value, 'utf8').trim();
    } catch {
      throw new CredgateError('config', `${name} points to ${value}, which cannot be read`);
    }
  }
  return out;
}

/** Keys whose value is a file or directory: in the config file they are relative to the file. */
const FILE_KEYS: string[][] = [
  ['policy', 'path'],
  ['templates', 'dir'],
  ['handoff', 'keyFile'],
];

/**
 * The config file's paths made absolute against its directory, so the service starts the same
 * from any working directory. Values from the environment stay relative to the working directory,
 * as a shell user expects; so do built-in defaults.
 */
function relativeToFile(fromFile: Record<string, unknown>, dir: string): Record<string, unknown> {
  const out = structuredClone(fromFile);
  const absolute = (p: string) => (isAbsolute(p) ? p : resolvePath(dir, p));
  for (const keys of FILE_KEYS) {
    const parent = keys.slice(0, -1).reduce<unknown>((n, k) => (n as Record<string, unknown> | undefined)?.[k], out);
    const leaf = keys[keys.length - 1];
    if (parent && typeof parent === 'object' && typeof (parent as Record<string, unknown>)[leaf] === 'string')
      (parent as Record<string, string>)[leaf] = absolute((parent as Record<string, string>)[leaf]);
  }
  const store = out.store as Record<string, unknown> | undefined;
  const sqlite = typeof store?.url === 'string' ? /^sqlite:\/\/(?!:memory:)(.+)$/.exec(store.url) : null;
  if (store && sqlite) store.url = `sqlite://${absolute(sqlite[1])}`;
  return out;
}

function setPath(target: Record<string, unknown>, keys: string[], value: unknown): void {
  let node = target;
  for (const k of keys.slice(0, -1)) node = (node[k] ??= {}) as Record<string, unknown>;
  node[keys[keys.length - 1]] = value;
}

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && prev && typeof prev === 'object' && !Array.isArray(prev)
        ? deepMerge(prev as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

/** Every configured value whose key names a secret: the logger scrubs these from any output. */
const SECRET_KEY = /secret|token|password|key$|pat$/i;
/** Keys naming who a secret belongs to: Basic auth sends `user:secret` together, base64-encoded. */
const USER_KEY = /^(email|user|username|login|bindDN|clientId|client_id|account)$/i;

function collectSecrets(node: unknown, key = ''): string[] {
  if (typeof node === 'string') return SECRET_KEY.test(key) && node.length >= 6 ? [node] : [];
  if (!node || typeof node !== 'object') return [];
  const entries = Object.entries(node);
  const own = entries.flatMap(([k, v]) => collectSecrets(v, k));
  // A credential pair is a secret of its own: its base64 is what an Authorization header carries.
  const users = entries.filter(([k, v]) => USER_KEY.test(k) && typeof v === 'string' && v) as [string, string][];
  const secrets = entries.filter(([k, v]) => SECRET_KEY.test(k) && typeof v === 'string' && v.length >= 6);
  const pairs = users.flatMap(([, user]) => secrets.map(([, secret]) => `${user}:${secret}`));
  return [...own, ...pairs];
}
