/**
 * A memo that cannot grow without bound: two generations of at most `limit` entries each. A hit
 * in the older generation is carried into the newer; when the newer is full the older is dropped
 * and the newer takes its place. What is in use stays; what stopped appearing ages out.
 *
 * Ink 6 memoizes text measurements, wrapped text and tokenized lines in maps that never forget
 * (keyed by the text itself: a clock, a spinner or a streaming log makes new keys every second,
 * so a console left open grows), and memoizes the tokenized lines per frame only (every frame
 * re-tokenizes every line on screen). The build gives Ink these instead (scripts/ink-patches.mjs).
 */
export class BoundedCache<K, V> {
	private newer = new Map<K, V>();
	private older = new Map<K, V>();

	constructor(private readonly limit: number) {}

	get(key: K): V | undefined {
		const found = this.newer.get(key);
		if (found !== undefined) return found;
		const old = this.older.get(key);
		if (old !== undefined) this.set(key, old);
		return old;
	}

	set(key: K, value: V): this {
		if (this.newer.size >= this.limit) {
			this.older = this.newer;
			this.newer = new Map();
		}
		this.newer.set(key, value);
		return this;
	}

	/** Entries held now: at most twice the limit. */
	get size(): number {
		return this.newer.size + this.older.size;
	}
}
