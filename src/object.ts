// JSON objects as read from YAML or JSON input.
export type Obj = Record<string, unknown>;

/** a JSON object: not null, not a list */
export const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
