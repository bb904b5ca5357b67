/**
 * A persistent (immutable) map keyed by 32-byte ids given as lowercase hex: a 16-way trie on the id's
 * nibbles. `set`/`delete` copy one 16-slot node per level on the path and share everything else, so an
 * update costs O(depth) whatever the size; ids are SHA-256 outputs (uniformly spread), so the depth is
 * about log16(n) (4 levels at 20 000 ids) and never more than 64. Old versions stay valid: the pause
 * machine stays pure (a dry run on one state and a real step on it cannot interfere) while a step's cost
 * does not grow with the number of breaches held. Iteration is in ascending id order.
 */

type Slot<V> = Leaf<V> | Branch<V> | undefined;

interface Leaf<V> {
  readonly leaf: true;
  readonly key: string;
  readonly value: V;
}

interface Branch<V> {
  readonly leaf: false;
  readonly slots: readonly Slot<V>[];
}

const FANOUT = 16;

function nibble(key: string, depth: number): number {
  const c = key.charCodeAt(depth);
  // '0'..'9' = 48..57, 'a'..'f' = 97..102
  return c <= 57 ? c - 48 : c - 87;
}

function withSlot<V>(b: Branch<V>, i: number, s: Slot<V>): Branch<V> {
  const slots = b.slots.slice();
  slots[i] = s;
  return { leaf: false, slots };
}

/** Branch holding two leaves whose keys share the first `depth` nibbles. */
function split<V>(a: Leaf<V>, b: Leaf<V>, depth: number): Branch<V> {
  const slots: Slot<V>[] = new Array(FANOUT).fill(undefined);
  const ia = nibble(a.key, depth);
  const ib = nibble(b.key, depth);
  if (ia === ib) slots[ia] = split(a, b, depth + 1);
  else {
    slots[ia] = a;
    slots[ib] = b;
  }
  return { leaf: false, slots };
}

function checkKey(key: string): void {
  if (key.length !== 64 || !/^[0-9a-f]{64}$/.test(key))
    throw new TypeError(
      `IdMap keys are 64 lowercase hex characters, got ${JSON.stringify(key.slice(0, 70))}`,
    );
}

export class IdMap<V> {
  private constructor(
    private readonly root: Branch<V>,
    /** Number of entries. */
    readonly size: number,
  ) {}

  static empty<V>(): IdMap<V> {
    return new IdMap<V>({ leaf: false, slots: new Array(FANOUT).fill(undefined) }, 0);
  }

  get(key: string): V | undefined {
    let node: Slot<V> = this.root;
    for (let depth = 0; node !== undefined; depth++) {
      if (node.leaf) return node.key === key ? node.value : undefined;
      if (depth >= 64) return undefined;
      node = node.slots[nibble(key, depth)];
    }
    return undefined;
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /** A new map with `key` bound to `value` (this one is unchanged). */
  set(key: string, value: V): IdMap<V> {
    checkKey(key);
    let added = false;
    const put = (b: Branch<V>, depth: number): Branch<V> => {
      const i = nibble(key, depth);
      const s = b.slots[i];
      if (s === undefined) {
        added = true;
        return withSlot(b, i, { leaf: true, key, value });
      }
      if (s.leaf) {
        if (s.key === key) return withSlot(b, i, { leaf: true, key, value });
        added = true;
        return withSlot(b, i, split(s, { leaf: true, key, value }, depth + 1));
      }
      return withSlot(b, i, put(s, depth + 1));
    };
    const root = put(this.root, 0);
    return new IdMap(root, this.size + (added ? 1 : 0));
  }

  /** A new map without `key` (this one if it was absent). */
  delete(key: string): IdMap<V> {
    if (!this.has(key)) return this;
    const del = (b: Branch<V>, depth: number): Branch<V> | Leaf<V> | undefined => {
      const i = nibble(key, depth);
      const s = b.slots[i] as Leaf<V> | Branch<V>;
      const next = s.leaf ? undefined : del(s, depth + 1);
      const slots = b.slots.slice();
      slots[i] = next;
      const used = slots.filter((x) => x !== undefined);
      // Collapse a branch left with a single leaf into that leaf (keeps depth proportional to size).
      if (depth > 0 && used.length === 1 && (used[0] as Leaf<V> | Branch<V>).leaf) return used[0];
      if (depth > 0 && used.length === 0) return undefined;
      return { leaf: false, slots };
    };
    const root = del(this.root, 0) as Branch<V>;
    return new IdMap(root, this.size - 1);
  }

  /** Entries in ascending key order. */
  *entries(): IterableIterator<[string, V]> {
    const stack: Slot<V>[] = [this.root];
    while (stack.length > 0) {
      const s = stack.pop();
      if (s === undefined) continue;
      if (s.leaf) {
        yield [s.key, s.value];
        continue;
      }
      for (let i = FANOUT - 1; i >= 0; i--) stack.push(s.slots[i]);
    }
  }

  *values(): IterableIterator<V> {
    for (const [, v] of this.entries()) yield v;
  }

  *keys(): IterableIterator<string> {
    for (const [k] of this.entries()) yield k;
  }
}
