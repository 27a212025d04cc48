// Shrinking a pod that makes an engine disagree with upstream to a minimal one
// that still does: repeatedly drop one field or list element (largest first)
// while the disagreement stays. Names, the Pod frame and `kind` are kept, so
// every candidate is still a Pod the API server would decode.
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const KEEP_AT_TOP = new Set(['apiVersion', 'kind', 'metadata', 'spec']);

const size = (v: Json): number =>
  (v !== null && typeof v === 'object' ? 1 + Object.values(v).reduce<number>((n, x) => n + size(x), 0) : 1);

/** Every value one step smaller than v, with how much each removes. */
function steps(v: Json, top: boolean): { value: Json; removed: number }[] {
  if (v === null || typeof v !== 'object') return [];
  const out: { value: Json; removed: number }[] = [];
  if (Array.isArray(v)) {
    v.forEach((item, i) => {
      out.push({ value: [...v.slice(0, i), ...v.slice(i + 1)], removed: size(item) });
      for (const s of steps(item, false)) out.push({ value: v.map((x, j) => (j === i ? s.value : x)), removed: s.removed });
    });
    return out;
  }
  for (const [key, item] of Object.entries(v)) {
    const kept = top ? KEEP_AT_TOP.has(key) : key === 'name';
    if (!kept) {
      const { [key]: _, ...rest } = v;
      out.push({ value: rest, removed: size(item) });
    }
    // metadata.name is kept; everything under metadata and spec may shrink
    for (const s of steps(item, false)) out.push({ value: { ...v, [key]: s.value }, removed: s.removed });
  }
  return out;
}

/** The one-step reductions of a pod, those removing most first. */
export function reductions(pod: Json): Json[] {
  return steps(pod, true).sort((a, b) => b.removed - a.removed).map((s) => s.value);
}

/**
 * The smallest pod reachable from `pod` by removals for which `disagrees` holds.
 * `disagrees` judges a batch of candidates at once (one engine run per round).
 */
export async function shrink(pod: Json, disagrees: (candidates: Json[]) => Promise<boolean[]>, maxRounds = 500): Promise<Json> {
  let current = pod;
  for (let round = 0; round < maxRounds; round++) {
    const candidates = reductions(current);
    if (candidates.length === 0) break;
    const verdicts = await disagrees(candidates);
    const next = candidates.findIndex((_, i) => verdicts[i]);
    if (next < 0) break;
    current = candidates[next]!;
  }
  return current;
}
