import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { CredgateError } from '../../util/errors';
import { formatZodError } from '../../util/format-zod-error';
import type { Logger } from '../../util/logger';
import { parseDuration } from '../../policy/parse-duration';
import {
  accountValues,
  compileValueTemplate,
  requestValues,
  type Placeholder,
  type PlaceholderValues,
  type ProviderOperation,
  type ValueTemplate,
} from '../template-args';
import type { AccessProvider, ProviderResult } from '../types';
import type { AccessTarget } from '../../domain/access-target';
import { readAccountState, readSecret } from './program-answer';
import { redactOutput } from './redact-output';
import { runProgram, type ProgramOutcome } from './run-program';
import { commandProviderSchema, type CommandProviderConfig, type CommandProviderInput } from './schema';

export { commandProviderSchema, type CommandProviderConfig, type CommandProviderInput } from './schema';

export interface CommandProviderDeps {
  log: Logger;
  /** credgate's own environment, of which only `passEnv` reaches a program. Default: process.env. */
  env?: Record<string, string | undefined>;
}

/** Output kept in memory per run, to read the answer from; the audit keeps `maxOutputBytes` of it. */
const CAPTURE_BYTES = 1_048_576;
/** Redacted output tail logged when a run fails, so the operator sees why. */
const LOGGED_OUTPUT_CHARS = 2_000;

/** The context every program also gets as environment variables (arguments are optional). */
const CONTEXT_ENV: Record<Placeholder, string> = {
  requestId: 'CREDGATE_REQUEST_ID',
  ticket: 'CREDGATE_TICKET',
  account: 'CREDGATE_ACCOUNT',
  systems: 'CREDGATE_SYSTEMS',
  grantee: 'CREDGATE_GRANTEE',
  expiresAt: 'CREDGATE_EXPIRES_AT',
  expiresAtUnix: 'CREDGATE_EXPIRES_AT_UNIX',
  reason: 'CREDGATE_REASON',
};

interface CompiledCall {
  /** As configured, for messages: never the arguments, which may carry requester text. */
  label: string;
  path: string;
  args: ValueTemplate[];
  secretFrom: 'json' | 'stdout';
}

/** The values of configured secret variables, for the logger to scrub from every line. */
export function commandProviderSecrets(config: CommandProviderConfig): string[] {
  return Object.values(config.secretEnv);
}

/**
 * A provider that runs the operator's own programs (a PowerShell script that sets an account's
 * expiry, a shell script calling a vendor CLI). Programs run without a shell, with an argument
 * array rendered from templates, a scrubbed environment and a timeout that ends the whole process
 * group. Programs must be idempotent: `CREDGATE_IDEMPOTENCY_KEY` is the same on every retry.
 */
export function createCommandProvider(
  id: string,
  input: CommandProviderInput,
  deps: CommandProviderDeps,
): AccessProvider {
  const parsed = commandProviderSchema.safeParse(input);
  if (!parsed.success) throw new CredgateError('config', formatZodError(parsed.error, `providers.${id}`));
  const config = parsed.data;
  const parentEnv = deps.env ?? process.env;
  const baseEnv: Record<string, string> = {};
  for (const name of config.passEnv) {
    const value = parentEnv[name];
    if (value !== undefined) baseEnv[name] = value;
  }
  Object.assign(baseEnv, config.env, config.secretEnv);
  const envSecrets = Object.values(config.secretEnv);
  const timeoutMs = parseDuration(config.timeout)!;
  const killGraceMs = parseDuration(config.killGrace)!;

  if (config.cwd && !isDirectory(config.cwd))
    throw new CredgateError('config', `providers.${id}.cwd: ${config.cwd} is not a directory`);

  const calls = new Map<ProviderOperation, CompiledCall>();
  for (const op of ['grant', 'revoke', 'rotate', 'inspect', 'disable'] as const) {
    const call = config[op];
    if (!call) continue;
    calls.set(op, {
      label: call.program,
      path: resolveProgram(call.program, baseEnv.PATH, `providers.${id}.${op}.program`),
      args: call.args.map((arg) => compileValueTemplate(arg, op)),
      secretFrom: 'secretFrom' in call ? call.secretFrom : 'json',
    });
  }

  const callFor = (op: ProviderOperation): CompiledCall => {
    const call = calls.get(op);
    if (!call) throw new CredgateError('config', `provider "${id}" has no ${op} program (providers.${id}.${op})`);
    return call;
  };
  const name = (call: CompiledCall, op: ProviderOperation) => `provider "${id}": ${call.label} (${op})`;

  /** The audited output: scrubbed first, then cut to size, so no half of a secret survives a cut. */
  const audited = (outcome: ProgramOutcome, secrets: string[]): string => {
    const clean = redactOutput(outcome.output, [...secrets, ...envSecrets]);
    const bytes = Buffer.from(clean, 'utf8');
    const cut = Math.max(0, bytes.length - config.maxOutputBytes) + outcome.droppedBytes;
    if (!cut) return clean;
    const kept = bytes
      .subarray(0, config.maxOutputBytes)
      .toString('utf8')
      .replace(/\uFFFD+$/, '');
    return `${kept}\n[${cut} more bytes of output not kept]`;
  };

  async function run(
    op: ProviderOperation,
    values: PlaceholderValues,
    idempotencyKey: string,
    logRef: Record<string, string>,
  ): Promise<ProgramOutcome> {
    const call = callFor(op);
    const args = call.args.map((t) => t.render(values));
    const env: Record<string, string> = {
      ...baseEnv,
      CREDGATE_PROVIDER: id,
      CREDGATE_OPERATION: op,
      CREDGATE_IDEMPOTENCY_KEY: idempotencyKey,
    };
    for (const [placeholder, value] of Object.entries(values.known))
      env[CONTEXT_ENV[placeholder as Placeholder]] = value;
    for (const [setting, value] of Object.entries(values.settings))
      env[`CREDGATE_SETTING_${setting.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`] = value;
    try {
      return await runProgram({
        program: call.path,
        args,
        env,
        cwd: config.cwd,
        timeoutMs,
        killGraceMs,
        captureBytes: CAPTURE_BYTES,
      });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      deps.log.warn(
        { provider: id, operation: op, program: call.label, code, ...logRef },
        'command provider could not start its program',
      );
      if (code === 'ERR_INVALID_ARG_VALUE' || code === 'ERR_INVALID_ARG_TYPE') {
        throw new CredgateError(
          'permanent',
          `${name(call, op)} cannot run: an argument or environment value contains a NUL byte`,
        );
      }
      throw new CredgateError('config', `${name(call, op)} could not be started (${code ?? 'unknown error'})`);
    }
  }

  /** Throws the error an unsuccessful run maps to; logs the (scrubbed) output so the operator sees why. */
  function checkOutcome(
    op: ProviderOperation,
    outcome: ProgramOutcome,
    secrets: string[],
    logRef: Record<string, string>,
  ): void {
    if (outcome.exitCode === 0 && !outcome.timedOut) return;
    const call = callFor(op);
    let error: CredgateError;
    if (outcome.timedOut) {
      error = new CredgateError(
        'transient',
        `${name(call, op)} did not finish within ${config.timeout} and was stopped`,
      );
    } else if (outcome.exitCode === null) {
      // Killed from outside (the OOM killer, a reboot): nothing says the next run would fail too.
      error = new CredgateError('transient', `${name(call, op)} was killed by ${outcome.signal ?? 'a signal'}`);
    } else if (config.transientExitCodes.includes(outcome.exitCode)) {
      error = new CredgateError(
        'transient',
        `${name(call, op)} exited with code ${outcome.exitCode} (temporary failure)`,
      );
    } else {
      error = new CredgateError('permanent', `${name(call, op)} exited with code ${outcome.exitCode}`);
    }
    deps.log.warn(
      {
        provider: id,
        operation: op,
        program: call.label,
        exitCode: outcome.exitCode,
        signal: outcome.signal,
        durationMs: outcome.durationMs,
        ...logRef,
        output: audited(outcome, secrets).slice(-LOGGED_OUTPUT_CHARS),
      },
      error.message,
    );
    throw error;
  }

  function succeeded(
    op: ProviderOperation,
    outcome: ProgramOutcome,
    secrets: string[],
    logRef: Record<string, string>,
  ): Record<string, string> {
    const call = callFor(op);
    deps.log.info(
      { provider: id, operation: op, program: call.label, durationMs: outcome.durationMs, ...logRef },
      'command provider ran',
    );
    return { program: call.label, exitCode: '0', output: audited(outcome, secrets) };
  }

  async function simple(
    op: ProviderOperation,
    values: PlaceholderValues,
    key: string,
    logRef: Record<string, string>,
  ): Promise<ProviderResult> {
    const outcome = await run(op, values, key, logRef);
    checkOutcome(op, outcome, [], logRef);
    return { detail: succeeded(op, outcome, [], logRef) };
  }

  /** Reviews act with no request behind them: the key is the same for the same account and binding. */
  const accountKey = (op: ProviderOperation, target: AccessTarget, account: string) =>
    `${op}:${id}:${target.binding}:${account}`;

  const provider: AccessProvider = {
    id,
    type: 'command',
    grant: (ctx) => simple('grant', requestValues(ctx), ctx.idempotencyKey, { requestId: ctx.requestId }),
    revoke: (ctx) => simple('revoke', requestValues(ctx), ctx.idempotencyKey, { requestId: ctx.requestId }),
    async rotate(ctx) {
      const logRef = { requestId: ctx.requestId };
      const call = callFor('rotate');
      const outcome = await run('rotate', requestValues(ctx), ctx.idempotencyKey, logRef);
      // Read even when the run failed: a secret printed before the failure is scrubbed all the same.
      const secret = readSecret(outcome.stdout, call.secretFrom);
      const secrets = secret ? [secret] : [];
      checkOutcome('rotate', outcome, secrets, logRef);
      if (!secret) {
        const expected = call.secretFrom === 'json' ? 'a stdout line {"secret":"..."}' : 'the secret on stdout';
        const error = new CredgateError(
          'permanent',
          `${name(call, 'rotate')} exited with code 0 but printed no secret (expected ${expected})`,
        );
        deps.log.warn(
          {
            provider: id,
            operation: 'rotate',
            program: call.label,
            ...logRef,
            output: audited(outcome, []).slice(-LOGGED_OUTPUT_CHARS),
          },
          error.message,
        );
        throw error;
      }
      return {
        secret: { label: `password for ${ctx.facts.account}`, value: secret },
        detail: succeeded('rotate', outcome, secrets, logRef),
      };
    },
  };
  if (calls.has('inspect')) {
    provider.inspect = async (target, account) => {
      const logRef = { account };
      const outcome = await run(
        'inspect',
        accountValues(target, account),
        accountKey('inspect', target, account),
        logRef,
      );
      checkOutcome('inspect', outcome, [], logRef);
      const state = readAccountState(outcome.stdout, account);
      if (!state) {
        throw new CredgateError(
          'permanent',
          `${name(callFor('inspect'), 'inspect')} printed no account state (expected a stdout line {"exists":true,"enabled":true})`,
        );
      }
      return state;
    };
  }
  if (calls.has('disable')) {
    provider.disable = (target, account, reason) =>
      simple('disable', accountValues(target, account, reason), accountKey('disable', target, account), { account });
  }
  return provider;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The program's absolute path, checked now so a typo fails the start. A bare name is looked up
 * on the PATH the program itself gets (relative PATH entries are skipped: they depend on cwd).
 */
function resolveProgram(program: string, path: string | undefined, key: string): string {
  const executable = (file: string) => {
    try {
      accessSync(file, constants.X_OK);
      return statSync(file).isFile();
    } catch {
      return false;
    }
  };
  if (isAbsolute(program)) {
    if (executable(program)) return program;
    throw new CredgateError('config', `${key}: ${program} is not an executable file`);
  }
  const dirs = (path ?? '').split(delimiter).filter((d) => isAbsolute(d));
  const found = dirs.map((d) => join(d, program)).find(executable);
  if (found) return found;
  throw new CredgateError(
    'config',
    path === undefined
      ? `${key}: ${program} cannot be looked up: PATH is not passed to programs (add it to passEnv, or give an absolute path)`
      : `${key}: ${program} is not found on PATH (${dirs.join(delimiter)})`,
  );
}
