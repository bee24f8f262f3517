/**
 * Bounds how many channels are open at once on one SSH connection. sshd refuses sessions
 * beyond its MaxSessions (default 10) with "open failed"; we stay below it by default and,
 * when a server turns out to allow fewer, learn its limit instead of failing the command.
 */
export class ChannelQueue {
	private active = 0;
	private readonly waiters: Array<() => void> = [];

	constructor(private currentLimit: number) {
		if (!Number.isInteger(currentLimit) || currentLimit < 1) throw new Error(`channel limit must be a positive integer, got ${currentLimit}`);
	}

	get limit(): number {
		return this.currentLimit;
	}

	get open(): number {
		return this.active;
	}

	/** Callers waiting for a slot. */
	get waiting(): number {
		return this.waiters.length;
	}

	/** A slot now if one is free and nobody is waiting for it; never waits. */
	tryAcquire(): (() => void) | undefined {
		if (this.active >= this.currentLimit || this.waiters.length > 0) return undefined;
		this.active += 1;
		return this.releaser();
	}

	/**
	 * Waits for a free slot; the returned function gives it back (call it exactly once).
	 * `first` puts a caller at the head of the line: work that was refused and is retried.
	 * Resolves to undefined if `signal` aborts while waiting (no slot is taken then).
	 */
	async acquire(first = false, signal?: AbortSignal): Promise<(() => void) | undefined> {
		if (signal?.aborted) return undefined;
		if (this.active < this.currentLimit && (first || this.waiters.length === 0)) {
			this.active += 1;
		} else {
			const admitted = await new Promise<boolean>((resolve) => {
				const admit = () => {
					signal?.removeEventListener('abort', leave);
					resolve(true);
				};
				const leave = () => {
					const index = this.waiters.indexOf(admit);
					if (index >= 0) this.waiters.splice(index, 1);
					resolve(false);
				};
				signal?.addEventListener('abort', leave, { once: true });
				if (first) this.waiters.unshift(admit);
				else this.waiters.push(admit);
			});
			if (!admitted) return undefined;
		}
		return this.releaser();
	}

	private releaser(): () => void {
		let released = false;
		return () => {
			if (released) return;
			released = true;
			this.active -= 1;
			this.wake();
		};
	}

	/**
	 * The server refused a channel while `othersOpen` of ours were open: that is its limit.
	 * Returns false when there is nothing to learn (no other channel was open), so the
	 * refusal is a real error rather than a limit.
	 */
	refused(othersOpen: number): boolean {
		if (othersOpen < 1) return false;
		this.currentLimit = Math.min(this.currentLimit, othersOpen);
		return true;
	}

	private wake(): void {
		while (this.active < this.currentLimit && this.waiters.length > 0) {
			this.active += 1;
			this.waiters.shift()?.();
		}
	}
}
