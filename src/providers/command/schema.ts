import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { parseDuration } from '../../policy/parse-duration';
import { templateProblem, type ProviderOperation } from '../template-args';

const duration = (fallback: string) =>
  z
    .string()
    .refine((s) => parseDuration(s) !== null, 'expected a duration such as "30s" or "5m"')
    .default(fallback);

/** Checked in superRefine: zod reports a bad record key only as "Invalid key in record". */
function envNameProblem(name: string): string | null {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return `"${name}" is not an environment variable name`;
  if (name.toUpperCase().startsWith('CREDGATE_')) return `${name}: CREDGATE_* variables are set by credgate itself`;
  return null;
}

/** One program run: `program` is an absolute path or a name looked up on the passed PATH. */
const programCall = z
  .object({
    program: z
      .string()
      .min(1)
      .refine(
        (p) => isAbsolute(p) || !p.includes('/'),
        'expected an absolute path or a bare program name found on PATH',
      ),
    /** One template per argv element: see src/providers/command/readme.md for the placeholders. */
    args: z.array(z.string()).default([]),
  })
  .strict();

const rotateCall = programCall
  .extend({
    /** `json`: the last stdout line that is `{"secret":"..."}`; `stdout`: all of stdout, trimmed. */
    secretFrom: z.enum(['json', 'stdout']).default('json'),
  })
  .strict();

/**
 * A `command` provider (config `providers.<name>` with `type: command`): runs a program per
 * operation, without a shell. Exit 0 is success; `transientExitCodes` are retried.
 */
export const commandProviderSchema = z
  .object({
    type: z.literal('command'),
    grant: programCall,
    revoke: programCall,
    rotate: rotateCall.optional(),
    /** Prints `{"exists":true,"enabled":true,"expiresAt":"...","lastUsedAt":"..."}` as its last JSON line. */
    inspect: programCall.optional(),
    disable: programCall.optional(),
    timeout: duration('60s'),
    /** After the timeout's SIGTERM, how long before SIGKILL. */
    killGrace: duration('5s'),
    cwd: z.string().refine(isAbsolute, 'expected an absolute directory').optional(),
    /** Variables passed through from credgate's own environment; nothing else of it is. */
    passEnv: z.array(z.string()).default(['PATH', 'HOME', 'LANG', 'TZ', 'TMPDIR']),
    /** Fixed variables for the program (plain values, shown as they are). */
    env: z.record(z.string(), z.string()).default({}),
    /** Fixed secret variables (a service account's password): scrubbed from the audited output. */
    secretEnv: z.record(z.string(), z.string().min(1)).default({}),
    /** Exit codes meaning "try again later"; 75 is EX_TEMPFAIL (sysexits.h). */
    transientExitCodes: z.array(z.number().int().min(1).max(255)).default([75]),
    /** Output (stdout and stderr) kept for the audit trail, in bytes. */
    maxOutputBytes: z.number().int().min(256).max(1_048_576).default(16_384),
  })
  .strict()
  .superRefine((config, ctx) => {
    const names: Array<[string, Array<string | number>]> = [
      ...config.passEnv.map((n, i): [string, Array<string | number>] => [n, ['passEnv', i]]),
      ...Object.keys(config.env).map((n): [string, Array<string | number>] => [n, ['env']]),
      ...Object.keys(config.secretEnv).map((n): [string, Array<string | number>] => [n, ['secretEnv']]),
    ];
    for (const [name, path] of names) {
      const problem = envNameProblem(name);
      if (problem) ctx.addIssue({ code: 'custom', path, message: problem });
    }
    for (const op of [
      'grant',
      'revoke',
      'rotate',
      'inspect',
      'disable',
    ] as const satisfies readonly ProviderOperation[]) {
      config[op]?.args.forEach((arg, i) => {
        const problem = templateProblem(arg, op);
        if (problem) ctx.addIssue({ code: 'custom', path: [op, 'args', i], message: problem });
      });
    }
  });

export type CommandProviderInput = z.input<typeof commandProviderSchema>;
export type CommandProviderConfig = z.output<typeof commandProviderSchema>;
export type ProgramCall = z.output<typeof programCall>;
