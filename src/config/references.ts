import { readFileSync } from 'node:fs';
import { CredgateError } from '../util/errors';

/**
 * A configuration value `env:NAME` or `file:/path` replaced by the variable's or the file's
 * content, everywhere inside `node`, so passwords and tokens need not sit in the configuration
 * file. Each value read is passed to `learn` (the logger's scrubber). Errors name the key and the
 * variable or path, never a value.
 */
export function resolveReferences(
  node: unknown,
  where: string,
  env: NodeJS.ProcessEnv,
  learn: (value: string) => void,
): unknown {
  if (typeof node === 'string') {
    const ref = /^(env|file):(.+)$/.exec(node);
    if (!ref) return node;
    const value = ref[1] === 'env' ? env[ref[2]] : readSecretFile(ref[2], where);
    if (value === undefined || value === '')
      throw new CredgateError(
        'config',
        ref[1] === 'env' ? `${where}: environment variable ${ref[2]} is not set` : `${where}: ${ref[2]} is empty`,
      );
    learn(value);
    return value;
  }
  if (Array.isArray(node)) return node.map((v, i) => resolveReferences(v, `${where}[${i}]`, env, learn));
  if (node && typeof node === 'object') {
    return Object.fromEntries(
      Object.entries(node).map(([k, v]) => [k, resolveReferences(v, `${where}.${k}`, env, learn)]),
    );
  }
  return node;
}

function readSecretFile(path: string, where: string): string {
  try {
    return readFileSync(path, 'utf8').replace(/\r?\n$/, '');
  } catch (err) {
    throw new CredgateError(
      'config',
      `${where}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
}
