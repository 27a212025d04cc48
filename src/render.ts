// Handlebars environment: templates are compiled once per process and cached.
// Anything that is not generated code reaches output through an escaping helper.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { checkTitle } from './model/registry.js';
import { layoutCel } from './targets/cel/format.js';
import { LINE_WIDTH, wrapWords } from './wrap.js';

function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('pss-compile: package root not found');
    dir = parent;
  }
  return dir;
}

export const ROOT = packageRoot();
const hbs = Handlebars.create();
const MANAGED_BY = 'pss-compile';

/** a YAML double-quoted scalar (JSON strings are valid YAML) */
hbs.registerHelper('yaml', (value: unknown) => new hbs.SafeString(JSON.stringify(value)));
/** a name as a plain YAML scalar when it reads as nothing but a string (an identifier, not yes/no/null), else quoted */
hbs.registerHelper('yamlName', (value: string) =>
  new hbs.SafeString(/^[A-Za-z_][\w-]*$/.test(value) && !/^(y|n|yes|no|on|off|true|false|null)$/i.test(value) ? value : JSON.stringify(value)));
/**
 * A YAML flow sequence of double-quoted scalars; a block sequence when the
 * flow one, starting at column `at` of a line whose key is at `key`, would be too long.
 */
hbs.registerHelper('yamlList', (values: unknown[], key: number, at: number) => {
  const flow = `[${values.map((v) => JSON.stringify(v)).join(', ')}]`;
  if (at + flow.length <= LINE_WIDTH || values.length === 0) return new hbs.SafeString(flow);
  const pad = ' '.repeat(key + 2);
  return new hbs.SafeString(values.map((v) => `\n${pad}- ${JSON.stringify(v)}`).join(''));
});
/**
 * Prose as a YAML scalar: double-quoted when it fits on its line (starting at
 * column `at`), else a folded block scalar wrapped at words, indented past `key`.
 */
hbs.registerHelper('yamlText', (value: string, key: number, at: number) => {
  const quoted = JSON.stringify(value);
  if (at + quoted.length <= LINE_WIDTH || !FOLD_SAFE.test(value)) return new hbs.SafeString(quoted);
  const pad = ' '.repeat(key + 2);
  return new hbs.SafeString(`>-${wrapWords(value, LINE_WIDTH - pad.length).map((l) => `\n${pad}${l}`).join('')}`);
});
/** a Rego or JSON string literal */
hbs.registerHelper('str', (value: unknown) => new hbs.SafeString(JSON.stringify(String(value))));
/** the app.kubernetes.io/managed-by label of every resource */
hbs.registerHelper('managedBy', () => new hbs.SafeString(JSON.stringify(MANAGED_BY)));
/** the comment line above a check: its ID, level and the control it enforces */
hbs.registerHelper('checkTitle', (id: string) => checkTitle(id));
hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
hbs.registerHelper('join', (xs: unknown[], sep: string) => xs.join(sep));
hbs.registerHelper('hash', (options: { hash: Record<string, unknown> }) => options.hash);
hbs.registerHelper('or', (...args: unknown[]) => args.slice(0, -1).some(Boolean));
hbs.registerHelper('concat', (...args: unknown[]) => args.slice(0, -1).join(''));
/** generated text indented for a YAML block scalar */
hbs.registerHelper('indent', (text: string, width: number) =>
  new hbs.SafeString(text.split('\n').map((l) => (l === '' ? '' : ' '.repeat(width) + l)).join('\n')));

/** prose a folded scalar holds verbatim: printable ASCII words separated by single spaces */
const FOLD_SAFE = /^[\x21-\x7e]+(?: [\x21-\x7e]+)*$/;
/** what a YAML block scalar holds verbatim: printable ASCII lines, none blank or ending in a space, the first not indented */
const BLOCK_SAFE = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?(?:\n[\x20-\x7e]*[\x21-\x7e])*$/;

/**
 * A CEL expression as a YAML literal block scalar whose lines are indented by
 * `indent`, laid out to LINE_WIDTH. Text a block scalar cannot hold verbatim
 * stays a double-quoted scalar.
 */
hbs.registerHelper('cel', (expression: string, indent: number) => {
  const text = layoutCel(expression, LINE_WIDTH - indent);
  if (!BLOCK_SAFE.test(text)) return new hbs.SafeString(JSON.stringify(expression));
  const pad = ' '.repeat(indent);
  return new hbs.SafeString(`|-\n${text.split('\n').map((l) => pad + l).join('\n')}`);
});

const cache = new Map<string, Handlebars.TemplateDelegate>();

export function render(template: string, context: object): string {
  let compiled = cache.get(template);
  if (!compiled) {
    const source = readFileSync(join(ROOT, 'templates', template), 'utf8');
    compiled = hbs.compile(source, { noEscape: false, strict: true });
    cache.set(template, compiled);
  }
  return compiled(context);
}

export const PACKAGE_VERSION: string = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
