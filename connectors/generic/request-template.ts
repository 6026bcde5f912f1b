import Handlebars from 'handlebars';
import { CredgateError } from '../../src/util/errors';

/**
 * Handlebars templates for the generic connector's outbound requests, escaped for where they go:
 *
 * - `json` (request bodies): every `{{value}}` renders as a JSON literal (JSON.stringify), so
 *   `{"text": {{body}}}` stays valid JSON whatever the comment contains: quotes, newlines,
 *   backslashes or braces in requester text cannot break out of the string.
 * - `uri` (request paths): every `{{value}}` renders percent-encoded (encodeURIComponent), so an id
 *   cannot add path segments or a query.
 *
 * Handlebars' own HTML escaping is wrong for both, so each `{{...}}` is rewritten into a call of
 * the encoder before compiling. Unescaped output is impossible: a run of three braces is read as a
 * literal brace next to a mustache (JSON bodies end in `}}}` all the time: `{"text": {{body}}}`),
 * and partials are refused. Templates are strict: a name that is not in the view is an error, not "".
 */
export type TemplateMode = 'json' | 'uri';

export type RenderTemplate = (view: Record<string, unknown>) => string;

type Node = hbs.AST.Node & Record<string, unknown>;

const ENCODER = { json: '__credgate_json', uri: '__credgate_uri' } as const;

/** Handlebars is not strict about helper arguments: a misspelt name would render as nothing. */
function defined(value: unknown, name: unknown): void {
  if (value === undefined) throw new CredgateError('config', `{{${String(name)}}} names nothing the request has`);
}

function encodeJson(value: unknown, name: unknown): string {
  defined(value, name);
  return JSON.stringify(value);
}

function encodeUri(value: unknown, name: unknown): string {
  defined(value, name);
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
    return encodeURIComponent(String(value));
  throw new CredgateError(
    'config',
    `{{${String(name)}}}: a path can only hold text or numbers, not ${value === null ? 'null' : typeof value}`,
  );
}

const env = Handlebars.create();
env.registerHelper(ENCODER.json, encodeJson);
env.registerHelper(ENCODER.uri, encodeUri);

/** Rewrites each `{{expr}}` into `{{encoder (expr)}}`, recursing into blocks. */
function rewrite(program: hbs.AST.Program, encoder: string): void {
  program.body = program.body.map((statement) => {
    const node = statement as Node;
    switch (node.type) {
      case 'MustacheStatement': {
        const m = statement as hbs.AST.MustacheStatement;
        if (!m.escaped) throw new CredgateError('config', '{{&...}} would insert a value unescaped: write {{...}}');
        const expr =
          m.params.length || m.hash
            ? ({
                type: 'SubExpression',
                path: m.path,
                params: m.params,
                hash: m.hash,
                loc: m.loc,
              } as hbs.AST.SubExpression)
            : (m.path as hbs.AST.Expression);
        const path: hbs.AST.PathExpression = {
          type: 'PathExpression',
          data: false,
          depth: 0,
          parts: [encoder],
          original: encoder,
          loc: m.loc,
        };
        const label = String((m.path as { original?: unknown }).original ?? 'value');
        const name = { type: 'StringLiteral', value: label, original: label, loc: m.loc } as hbs.AST.StringLiteral;
        return {
          ...m,
          path,
          params: [expr, name],
          hash: undefined as unknown as hbs.AST.Hash,
          escaped: false,
        } as hbs.AST.MustacheStatement;
      }
      case 'BlockStatement': {
        const b = statement as hbs.AST.BlockStatement;
        if (b.program) rewrite(b.program, encoder);
        if (b.inverse) rewrite(b.inverse, encoder);
        return b;
      }
      case 'PartialStatement':
      case 'PartialBlockStatement':
      case 'DecoratorBlock':
      case 'Decorator':
        throw new CredgateError('config', 'partials and decorators are not supported in request templates');
      default:
        return statement;
    }
  });
}

/** Compiles a template; throws a config error saying what is wrong with it. */
export function compileRequestTemplate(text: string, mode: TemplateMode): RenderTemplate {
  // `{{{` / `}}}` would be Handlebars' raw mustache: keep the outer braces as literal text.
  const braces = text.replace(/\{(?=\{\{)/g, '{ ').replace(/(?<=\}\})\}/g, ' }');
  const ast = env.parse(braces);
  rewrite(ast, ENCODER[mode]);
  const template = env.compile(ast, {
    strict: true,
    noEscape: true,
    knownHelpers: { [ENCODER[mode]]: true },
    knownHelpersOnly: false,
  });
  return (view) => template(view);
}

/**
 * Compiles and renders a template once with `sample` (every name the view will hold), so a typo or
 * a body that is not JSON fails when the configuration is read. Returns the problem, or null.
 */
export function checkRequestTemplate(text: string, mode: TemplateMode, sample: Record<string, unknown>): string | null {
  try {
    const out = compileRequestTemplate(text, mode)(sample);
    if (mode === 'json') JSON.parse(out);
    return null;
  } catch (err) {
    return (err as Error).message.split('\n').slice(0, 3).join(' ').replace(/\s+/g, ' ');
  }
}
