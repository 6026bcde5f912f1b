import { CredgateError } from '../../util/errors';
import {
  compileValueTemplate,
  templateProblem,
  type PlaceholderValues,
  type ProviderOperation,
} from '../template-args';

/**
 * The templated parts of one outbound call. Values are substituted where they land, never into
 * text that is parsed afterwards: each URL value is percent-encoded into its segment, each body
 * value is a string leaf of a JS object serialised once with JSON.stringify. Quotes, newlines,
 * slashes or `{{` in requester text therefore stay inside their own string or segment.
 */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** The part before the first placeholder must hold the whole origin: values never pick the host. */
const FIXED_ORIGIN = /^https?:\/\/[^/?#]+[/?]/i;

/** Why a URL template is unusable, or null. */
export function urlProblem(template: string, operation: ProviderOperation): string | null {
  const problem = templateProblem(template, operation);
  if (problem) return problem;
  let url: URL;
  try {
    url = new URL(template.replace(/\{\{[^}]*\}\}/g, 'x'));
  } catch {
    return 'expected an absolute URL such as https://rmm.example.com/api/v2/device/{{setting.deviceId}}/script/run';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'expected an http or https URL';
  if (url.username || url.password) return 'credentials do not belong in the URL: use bearerToken or secretHeaders';
  const open = template.indexOf('{{');
  if (open >= 0 && !FIXED_ORIGIN.test(template.slice(0, open)))
    return 'placeholders may only stand in the path or query, after https://host/';
  return null;
}

/** One URL value: a dot segment ("." or "..", also percent-encoded) would climb the path, so it is refused. */
function encodeUrlValue(value: string): string {
  if (/^(?:\.|%2e){1,2}$/i.test(value))
    throw new CredgateError('permanent', `the value "${value}" cannot stand in a URL`);
  return encodeURIComponent(value);
}

export interface CompiledUrl {
  render(values: PlaceholderValues): string;
}

export function compileUrl(template: string, operation: ProviderOperation): CompiledUrl {
  const compiled = compileValueTemplate(template, operation);
  const origin = new URL(template.replace(/\{\{[^}]*\}\}/g, 'x')).origin;
  return {
    render(values) {
      const url = compiled.render(values, encodeUrlValue);
      // Belt and braces: encoded values cannot change the origin, and this says so if one ever did.
      if (new URL(url).origin !== origin)
        throw new CredgateError('permanent', "a value would have changed the URL's host");
      return url;
    },
  };
}

/** Every string leaf of a body that does not render, as [path, problem] pairs. */
export function bodyProblems(
  body: Json,
  operation: ProviderOperation,
  path: Array<string | number> = [],
): Array<[Array<string | number>, string]> {
  if (typeof body === 'string') {
    const problem = templateProblem(body, operation);
    return problem ? [[path, problem]] : [];
  }
  if (Array.isArray(body)) return body.flatMap((item, i) => bodyProblems(item, operation, [...path, i]));
  if (body && typeof body === 'object')
    return Object.entries(body).flatMap(([k, v]) => bodyProblems(v, operation, [...path, k]));
  return [];
}

/** Compiles a JSON body whose string leaves are templates (keys are literal); renders to a JS value. */
export function compileBody(body: Json, operation: ProviderOperation): (values: PlaceholderValues) => Json {
  if (typeof body === 'string') {
    const template = compileValueTemplate(body, operation);
    return (values) => template.render(values);
  }
  if (Array.isArray(body)) {
    const items = body.map((item) => compileBody(item, operation));
    return (values) => items.map((item) => item(values));
  }
  if (body && typeof body === 'object') {
    const entries = Object.entries(body).map(([k, v]) => [k, compileBody(v, operation)] as const);
    return (values) => Object.fromEntries(entries.map(([k, render]) => [k, render(values)]));
  }
  return () => body;
}

/** Characters Node refuses in a header value (RFC 9110 field-value): a line break would split the header. */
const BAD_HEADER_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

export function compileHeaders(
  headers: Record<string, string>,
  operation: ProviderOperation,
): (values: PlaceholderValues) => Record<string, string> {
  const compiled = Object.entries(headers).map(
    ([name, value]) => [name, compileValueTemplate(value, operation)] as const,
  );
  return (values) => {
    const out: Record<string, string> = {};
    for (const [name, template] of compiled) {
      const value = template.render(values);
      if (BAD_HEADER_VALUE.test(value))
        throw new CredgateError(
          'permanent',
          `header ${name} would hold a line break or control character from a value`,
        );
      out[name] = value;
    }
    return out;
  };
}

export const isValidHeaderValue = (value: string) => !BAD_HEADER_VALUE.test(value);
