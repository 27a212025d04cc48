// Handlebars environment: templates are compiled once per process and cached.
// Anything that is not generated code reaches output through an escaping helper.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';

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
/** a YAML flow sequence of double-quoted scalars */
hbs.registerHelper('yamlList', (values: unknown[]) => new hbs.SafeString(`[${values.map((v) => JSON.stringify(v)).join(', ')}]`));
/** a Rego or JSON string literal */
hbs.registerHelper('str', (value: unknown) => new hbs.SafeString(JSON.stringify(String(value))));
/** the app.kubernetes.io/managed-by label of every resource */
hbs.registerHelper('managedBy', () => new hbs.SafeString(JSON.stringify(MANAGED_BY)));
hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
hbs.registerHelper('join', (xs: unknown[], sep: string) => xs.join(sep));
hbs.registerHelper('hash', (options: { hash: Record<string, unknown> }) => options.hash);
hbs.registerHelper('or', (...args: unknown[]) => args.slice(0, -1).some(Boolean));
hbs.registerHelper('concat', (...args: unknown[]) => args.slice(0, -1).join(''));
/** generated text indented for a YAML block scalar */
hbs.registerHelper('indent', (text: string, width: number) =>
  new hbs.SafeString(text.split('\n').map((l) => (l === '' ? '' : ' '.repeat(width) + l)).join('\n')));

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
