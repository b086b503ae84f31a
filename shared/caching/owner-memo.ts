/**
 * A memo that lives exactly as long as the object it describes: kept on the object itself,
 * under a private symbol, as a non-enumerable property (JSON, spreads, `for…in` and
 * structural equality never see it). Same get/set/has as a WeakMap, and why not one: V8's
 * minor GC keeps a WeakMap's entries alive whatever their key, so every memo of a
 * short-lived key (a replay parses a snapshot every ~20 records) was copied out of the young
 * generation and freed only by a full GC. A replay of 40,000 records spent a fifth of its
 * CPU in those copies. An object that cannot take a property (frozen) falls back to a WeakMap.
 */
export class OwnerMemo<K extends object, V> {
  private readonly key: symbol;
  private readonly fallback = new WeakMap<K, V>();

  constructor(name: string) {
    this.key = Symbol(name);
  }

  get(owner: K): V | undefined {
    const own = (owner as Record<symbol, V | undefined>)[this.key];
    return own !== undefined ? own : this.fallback.get(owner);
  }

  has(owner: K): boolean {
    return this.get(owner) !== undefined;
  }

  set(owner: K, value: V): void {
    const slots = owner as Record<symbol, V | undefined>;
    if (Object.prototype.hasOwnProperty.call(owner, this.key)) slots[this.key] = value;
    else if (Object.isExtensible(owner)) Object.defineProperty(owner, this.key, { value, writable: true, enumerable: false, configurable: false });
    else this.fallback.set(owner, value);
  }
}
