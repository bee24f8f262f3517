/**
 * A fixed-capacity FIFO that drops the oldest item when full. Log lines stream in far faster
 * than anyone reads them; bounding each host's history keeps memory flat on a long run.
 */
export class RingBuffer<T> {
	private readonly items: (T | undefined)[];
	private start = 0;
	private count = 0;
	private pushed = 0;

	constructor(readonly capacity: number) {
		if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`ring buffer capacity must be a positive integer, got ${capacity}`);
		this.items = new Array<T | undefined>(capacity);
	}

	/** Items held now (≤ capacity). */
	get length(): number {
		return this.count;
	}

	/** Items ever pushed, including dropped ones: a cheap "has anything changed" counter. */
	get total(): number {
		return this.pushed;
	}

	push(item: T): void {
		const end = (this.start + this.count) % this.capacity;
		this.items[end] = item;
		if (this.count < this.capacity) this.count += 1;
		else this.start = (this.start + 1) % this.capacity;
		this.pushed += 1;
	}

	/** The item at `index`, 0 being the oldest held. */
	at(index: number): T | undefined {
		if (index < 0 || index >= this.count) return undefined;
		return this.items[(this.start + index) % this.capacity];
	}

	/** Items [from, to) in age order, like Array.prototype.slice (no negative indexes). */
	slice(from = 0, to = this.count): T[] {
		const first = Math.max(0, from);
		const last = Math.min(this.count, to);
		const out: T[] = [];
		for (let index = first; index < last; index += 1) out.push(this.items[(this.start + index) % this.capacity] as T);
		return out;
	}

	toArray(): T[] {
		return this.slice();
	}

	clear(): void {
		this.items.fill(undefined);
		this.start = 0;
		this.count = 0;
	}
}
