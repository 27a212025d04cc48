// The PSA configuration reader: JSON values that keep key order and duplicate keys, as Go's decoder sees them.
import { LineCounter, Scalar, isAlias, isMap, isScalar, isSeq, parseAllDocuments } from 'yaml';
import type { Document, Node as YamlNode } from 'yaml';
import { UpstreamError } from './common.js';
import { goQuote } from './goFormat.js';

export type JValue = null | boolean | string | JNumber | JArray | JObject;

export class JNumber {
  /** Go's name for an infinite or NaN float, which json.Marshal refuses */
  constructor(readonly text: string, readonly special?: '+Inf' | '-Inf' | 'NaN') {}
}

export class JArray {
  constructor(readonly items: JValue[]) {}
}

export class JObject {
  /** go-yaml strict errors ("line N: key ... already set in map"), on the top-level object */
  yamlDuplicates: string[] = [];
  constructor(readonly entries: [string, JValue][]) {}
  get(key: string): JValue | undefined {
    let found: JValue | undefined;
    for (const [k, v] of this.entries) if (k === key) found = v;
    return found;
  }
  has(key: string): boolean {
    return this.entries.some(([k]) => k === key);
  }
}

/** an object parsed from JSON text, which upstream echoes in "missing kind" errors */
export class JRawSource extends JObject {
  constructor(entries: [string, JValue][], readonly source: string) {
    super(entries);
  }
}

/** a *runtime.Unknown decoded from JSON text: upstream hands the raw bytes on */
export class JRaw extends JObject {
  constructor(entries: [string, JValue][], readonly raw: string) {
    super(entries);
  }
}

/** Go json.Marshal of a converted YAML value: compact, keys sorted, HTML characters escaped */
export function compactJson(value: JValue): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (value instanceof JNumber) return value.text;
  if (value instanceof JArray) return `[${value.items.map(compactJson).join(',')}]`;
  if (value instanceof JRaw) return value.raw;
  return `{${value.entries.map(([k, v]) => `${compactJson(k)}:${compactJson(v)}`).join(',')}}`;
}

/** apimachinery: JSON if the first non-space character is `{`, else YAML through sigs.k8s.io/yaml */
export function toJson(text: string, strictYaml = true): JValue {
  if (/^\s*\{/u.test(text)) return new JsonParser(text).parseDocument();
  return yamlToJson(text, strictYaml);
}

export class JsonParser {
  private pos = 0;
  constructor(private readonly text: string) {}

  parseDocument(): JValue {
    const value = this.value(true);
    this.space();
    if (this.pos < this.text.length) this.error(`invalid character ${this.charAt()} after top-level value`);
    return value;
  }

  private error(message: string): never {
    throw new UpstreamError(`couldn't get version/kind; json parse error: ${message}`);
  }

  private charAt(): string {
    const c = this.text[this.pos];
    return c === undefined ? 'end of input' : `'${c}'`;
  }

  private space(): void {
    while (this.pos < this.text.length && ' \t\r\n'.includes(this.text[this.pos]!)) this.pos++;
  }

  private value(top = false): JValue {
    this.space();
    const start = this.pos;
    const c = this.text[this.pos];
    if (c === '{') {
      this.pos++;
      const entries: [string, JValue][] = [];
      this.space();
      if (this.text[this.pos] === '}') {
        this.pos++;
      } else {
        for (;;) {
          this.space();
          if (this.text[this.pos] !== '"') this.error(`invalid character ${this.charAt()} looking for beginning of object key string`);
          const key = this.string();
          this.space();
          if (this.text[this.pos] !== ':') this.error(`invalid character ${this.charAt()} after object key`);
          this.pos++;
          entries.push([key, this.value()]);
          this.space();
          const next = this.text[this.pos++];
          if (next === '}') break;
          if (next !== ',') { this.pos--; this.error(`invalid character ${this.charAt()} after object key:value pair`); }
        }
      }
      const source = this.text.slice(start, this.pos);
      return top ? new JRawSource(entries, source) : new JRaw(entries, source);
    }
    if (c === '[') {
      this.pos++;
      const items: JValue[] = [];
      this.space();
      if (this.text[this.pos] === ']') {
        this.pos++;
        return new JArray(items);
      }
      for (;;) {
        items.push(this.value());
        this.space();
        const next = this.text[this.pos++];
        if (next === ']') return new JArray(items);
        if (next !== ',') { this.pos--; this.error(`invalid character ${this.charAt()} after array element`); }
      }
    }
    if (c === '"') return this.string();
    const literal = /^(?:true|false|null|-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)/.exec(this.text.slice(this.pos));
    if (!literal) this.error(`invalid character ${this.charAt()} looking for beginning of value`);
    this.pos += literal[0].length;
    if (literal[0] === 'true') return true;
    if (literal[0] === 'false') return false;
    if (literal[0] === 'null') return null;
    return new JNumber(literal[0]);
  }

  private string(): string {
    const match = /^"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/.exec(this.text.slice(this.pos));
    if (!match) this.error('invalid string literal');
    this.pos += match[0].length;
    return JSON.parse(match[0]) as string;
  }
}

// go-yaml v2 resolve(): which plain scalars are null, bool, number
export const YAML_NULL = new Set(['', '~', 'null', 'Null', 'NULL']);
export const YAML_TRUE = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON']);
export const YAML_FALSE = new Set(['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF']);
export const YAML_SPECIAL_FLOAT = new Set(['.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF', '-.inf', '-.Inf', '-.INF', '.nan', '.NaN', '.NAN']);
export const GO_INT = /^[+-]?(?:0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/;
export const YAML_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;

export function resolvePlain(text: string): JValue {
  if (YAML_NULL.has(text)) return null;
  if (YAML_TRUE.has(text)) return true;
  if (YAML_FALSE.has(text)) return false;
  if (YAML_SPECIAL_FLOAT.has(text)) return new JNumber(text, /nan/i.test(text) ? 'NaN' : text.startsWith('-') ? '-Inf' : '+Inf');
  const first = text[0]!;
  if (first === '.') return Number.isFinite(Number(text)) && /^\.[0-9]/.test(text) ? new JNumber(text) : text;
  if (first === '+' || first === '-' || (first >= '0' && first <= '9')) {
    const plain = text.replace(/_/g, '');
    if (GO_INT.test(plain)) return new JNumber(plain);
    if (YAML_FLOAT.test(plain) && Number.isFinite(Number(plain))) return new JNumber(plain);
    if (/^-?0b[01]+$/.test(plain)) return new JNumber(plain);
  }
  return text;
}

/** sigs.k8s.io/yaml YAMLToJSON(Strict): go-yaml v2 reads the first document only */
export function yamlToJson(text: string, strict: boolean): JValue {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { schema: 'failsafe', uniqueKeys: false, lineCounter, prettyErrors: false, strict: false });
  const doc = (Array.isArray(docs) ? docs[0] : undefined) as Document.Parsed | undefined;
  if (!doc) return null;
  const error = doc.errors[0];
  if (error) {
    const line = lineCounter.linePos(error.pos[0]).line;
    throw new UpstreamError(`yaml: line ${line}: ${error.message.split('\n')[0]}`);
  }
  const duplicates: string[] = [];
  const lineOf = (node: YamlNode | null | undefined, fallback: YamlNode | null | undefined): number => {
    const range = node?.range ?? fallback?.range;
    return range ? lineCounter.linePos(range[0]).line : 0;
  };
  const convert = (node: unknown, depth: number): JValue => {
    if (depth > 1000) throw new UpstreamError('yaml: exceeded max depth');
    if (node === null || node === undefined) return null;
    if (isAlias(node)) return convert(node.resolve(doc), depth + 1);
    if (isScalar(node)) {
      const text = String(node.value ?? '');
      if (node.type !== Scalar.PLAIN || node.tag === 'tag:yaml.org,2002:str') return text;
      return resolvePlain(text);
    }
    if (isSeq(node)) return new JArray(node.items.map((item) => convert(item, depth + 1)));
    if (isMap(node)) {
      const out = new Map<string, JValue>();
      const addPair = (keyNode: unknown, valueNode: unknown): void => {
        const key = convert(keyNode, depth + 1);
        if (key === null || key instanceof JArray || key instanceof JObject) {
          throw new UpstreamError(`yaml: unsupported map key: ${compactJson(key)}`);
        }
        const name = key instanceof JNumber
          ? (key.special ? { '+Inf': '.inf', '-Inf': '-.inf', NaN: '.nan' }[key.special] : String(Number(key.text)))
          : String(key);
        if (strict && out.has(name)) {
          duplicates.push(`line ${lineOf(valueNode as YamlNode, keyNode as YamlNode)}: key ${goQuote(name)} already set in map`);
        }
        out.set(name, convert(valueNode, depth + 1));
      };
      for (const pair of node.items) {
        const keyNode = pair.key;
        if (isScalar(keyNode) && keyNode.type === Scalar.PLAIN && keyNode.value === '<<') {
          // merge keys: the merged maps' pairs, in go-yaml v2's order
          const sources = isSeq(pair.value) ? [...pair.value.items].reverse() : [pair.value];
          for (const source of sources) {
            const target = isAlias(source) ? source.resolve(doc) : source;
            if (!isMap(target)) throw new UpstreamError('yaml: map merge requires map or sequence of maps as the value');
            for (const merged of target.items) addPair(merged.key, merged.value);
          }
          continue;
        }
        addPair(keyNode, pair.value);
      }
      const sorted = [...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return new JObject(sorted);
    }
    return null;
  };
  const value = convert(doc.contents, 0);
  // json.Marshal (keys sorted) stops at the first infinite or NaN float
  const special = firstSpecial(value);
  if (special) throw new UpstreamError(`json: unsupported value: ${special}`);
  // a top-level non-object fails before strict errors are looked at
  if (value instanceof JObject) value.yamlDuplicates = duplicates;
  return value;
}

export function firstSpecial(value: JValue): string | undefined {
  if (value instanceof JNumber) return value.special;
  const children = value instanceof JArray ? value.items : value instanceof JObject ? value.entries.map(([, v]) => v) : [];
  for (const child of children) {
    const found = firstSpecial(child);
    if (found) return found;
  }
  return undefined;
}

export function lookupFold(object: JObject, name: string): JValue | undefined {
  let found: JValue | undefined;
  for (const [k, v] of object.entries) if (k.toLowerCase() === name.toLowerCase()) found = v;
  return found;
}
