import type { KeyPress } from './key-reader.js';

export type KeyHandler = (key: KeyPress) => void;

/**
 * Every key the operator types, in order, to the view that is on screen for it. A key that
 * changes the view (`p` opens the phase picker) is followed by keys meant for the new view, which
 * React has not drawn yet: those wait here until it has, instead of going to the old view or
 * being dropped. Which view a key is for comes from the store (`target()`), read at the moment
 * the key is handled, so typeahead acts exactly as the same keys typed slowly would.
 *
 * Views register for a target (`grid`, `log:grid:web-1`, `dialog:confirm-switch`…). A key whose
 * target the app has drawn but no view claims (a screen without its own keys) goes to `fallback`,
 * so `?`, `q`, `esc` and Ctrl-C work everywhere and nothing waits forever.
 */
export interface KeyQueue {
	/** Queues keys and handles them now. */
	push(keys: readonly KeyPress[]): void;
	/** Queues keys to be handled by the next `drain()` (one React batch for a whole read), or soon after. */
	enqueue(keys: readonly KeyPress[]): void;
	/** Handles every queued key whose view is ready. */
	drain(): void;
	register(target: string, handler: KeyHandler): () => void;
	/** The app has drawn the screen for `target` (called after each commit). */
	rendered(target: string): void;
	/** Keys read and keys handled so far; the difference is what is still waiting. */
	readonly counts: { readonly received: number; readonly handled: number };
}

export interface KeyQueueOptions {
	readonly target: () => string;
	readonly fallback: (key: KeyPress, target: string) => void;
	/** Where a drain asked for outside a key event runs (after React's commit); a microtask by default. */
	readonly later?: (run: () => void) => void;
}

export function createKeyQueue(options: KeyQueueOptions): KeyQueue {
	const later = options.later ?? queueMicrotask;
	const waiting: KeyPress[] = [];
	const handlers = new Map<string, KeyHandler[]>();
	const counts = { received: 0, handled: 0 };
	let drawn: string | null = null;
	let draining = false;
	let scheduled = false;

	const drain = (): void => {
		if (draining) return;
		draining = true;
		try {
			while (waiting.length > 0) {
				const target = options.target();
				const handler = handlers.get(target)?.at(-1);
				if (!handler && drawn !== target) return;
				const key = waiting.shift()!;
				counts.handled += 1;
				if (handler) handler(key);
				else options.fallback(key, target);
			}
		} finally {
			draining = false;
		}
	};

	const drainLater = (): void => {
		if (scheduled) return;
		scheduled = true;
		later(() => {
			scheduled = false;
			drain();
		});
	};

	return {
		push(keys) {
			waiting.push(...keys);
			counts.received += keys.length;
			drain();
		},
		enqueue(keys) {
			waiting.push(...keys);
			counts.received += keys.length;
			if (keys.length > 0) drainLater();
		},
		drain,
		register(target, handler) {
			const list = handlers.get(target) ?? [];
			list.push(handler);
			handlers.set(target, list);
			if (waiting.length > 0) drainLater();
			return () => {
				const current = handlers.get(target) ?? [];
				const remaining = current.filter((each) => each !== handler);
				if (remaining.length > 0) handlers.set(target, remaining);
				else handlers.delete(target);
			};
		},
		rendered(target) {
			drawn = target;
			if (waiting.length > 0) drainLater();
		},
		counts,
	};
}
