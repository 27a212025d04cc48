// Turns a rule's failure into one condition over absolute field paths, so the
// describer never needs to know about anchors, collections or message nodes.
import { all, any, not, set } from '../rules/build.js';
import type { AnnotationKeys, Anchor, Collection, Cond, Path, Rule, ValueSource } from '../rules/ir.js';

const ITEMS = '[*]';

/** Where an anchor sits in the pod: `spec`, or each container (shown as `spec.containers[*]`). */
export const anchorBase = (anchor: Anchor): Path => (anchor === 'spec' ? ['spec'] : ['spec', anchor + ITEMS]);

/** The path of every item of the list at `list`. */
export const itemBase = (list: Path): Path => [...list.slice(0, -1), list.at(-1) + ITEMS];

export const render = (path: Path): string => path.join('.');

/** A condition with every path made absolute from `base` (`some` items included). */
export function locate(cond: Cond, base: Path): Cond {
  switch (cond.op) {
    case 'not': return not(locate(cond.cond, base));
    case 'all': return all(...cond.conds.map((c) => locate(c, base)));
    case 'any': return any(...cond.conds.map((c) => locate(c, base)));
    case 'some': {
      const list = [...base, ...cond.path];
      return { op: 'some', path: list, cond: locate(cond.cond, itemBase(list)) };
    }
    default: return { ...cond, path: [...base, ...cond.path] };
  }
}

// Annotation keys are one path segment: their dots are not field separators.
const annotationPath = (key: AnnotationKeys): Path => {
  const name = key.kind === 'exact' ? key.key : key.kind === 'prefix' ? `${key.prefix}*` : `${key.prefix}<container name>`;
  return ['metadata', `annotations[${name}]`];
};

function valueFails(source: ValueSource): Cond {
  const base = anchorBase(source.anchor);
  const kept = source.list
    ? { op: 'some' as const, path: [...base, ...source.list], cond: locate(source.keep, [...itemBase([...base, ...source.list]), ...source.path]) }
    : locate(source.keep, [...base, ...source.path]);
  return source.where ? all(locate(source.where, base), kept) : kept;
}

/** The condition under which a collection is non-empty. */
function nonEmpty(rule: Omit<Rule, 'check'>, name: string): Cond {
  const collection: Collection | undefined = rule.collections[name];
  if (!collection) throw new Error(`unknown collection ${name}`);
  const spec = anchorBase('spec');
  const items = (list: Path, where: Cond): Cond => {
    const path = [...spec, ...list];
    return { op: 'some', path, cond: locate(where, itemBase(path)) };
  };
  switch (collection.kind) {
    case 'containerNames': {
      const where = locate(collection.where, anchorBase('containers'));
      // the pod condition guards the container one, so it comes first
      return collection.podCond ? all(locate(collection.podCond, spec), where) : where;
    }
    case 'podFlag': return locate(collection.where, spec);
    case 'values': return any(...collection.from.map(valueFails));
    case 'items':
    case 'itemKinds': return items(collection.list, collection.where);
    case 'labels': return any(...collection.entries.map((e) => locate(e.where, spec)));
    case 'annotations': return any(...collection.keys.map((key) => {
      const path = annotationPath(key);
      return all(set(path), not(locate(collection.allowed, path)));
    }));
    case 'concat': return any(...collection.of.map((n) => nonEmpty(rule, n)));
  }
}

/** The condition under which the rule fails (before its allowWhen exemption). */
export const failure = (rule: Omit<Rule, 'check'>): Cond => any(...rule.failWhen.map((n) => nonEmpty(rule, n)));
