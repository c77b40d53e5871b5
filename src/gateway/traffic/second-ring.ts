/**
 * One value per whole second over the last `size` seconds, in a fixed ring: a slot is reused when
 * its second comes round again, so memory stays the same however long the gateway runs.
 */
export class SecondRing<T> {
  readonly #slots: ({ second: number; value: T } | undefined)[];
  readonly #create: () => T;

  constructor(size: number, create: () => T) {
    this.#slots = new Array(size);
    this.#create = create;
  }

  get size(): number {
    return this.#slots.length;
  }

  /** The value for `second`, made fresh when its slot holds nothing or an older lap's second. */
  at(second: number): T {
    const index = this.#index(second);
    const slot = this.#slots[index];
    if (slot !== undefined && slot.second === second) return slot.value;
    const value = this.#create();
    this.#slots[index] = { second, value };
    return value;
  }

  /** The value of `second` while the ring still holds it, else undefined. */
  get(second: number): T | undefined {
    const slot = this.#slots[this.#index(second)];
    return slot !== undefined && slot.second === second ? slot.value : undefined;
  }

  #index(second: number): number {
    const size = this.#slots.length;
    return ((second % size) + size) % size;
  }
}
