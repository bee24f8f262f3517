import { useSyncExternalStore } from 'react';

/**
 * One clock for every spinner and elapsed-time display on screen: a hundred running tiles
 * must not mean a hundred timers. The clock runs only while something subscribes.
 *
 * A tick that comes with a frame the screen draws anyway (`tickWithFrame`, called as the store
 * publishes a batch) costs no frame of its own: the spinners move in the same React commit. The
 * clock's own timer ticks only when no such frame came for a whole interval (a silent phase),
 * so a busy fleet draws about half the frames it would with two independent timers.
 */
export const spinnerIntervalMs = 160;

const listeners = new Set<() => void>();
let tick = 0;
let lastTickAt = 0;
let timer: ReturnType<typeof setInterval> | null = null;

function advance(now: number): void {
	tick += 1;
	lastTickAt = now;
	for (const each of listeners) each();
}

/** Exported for tests; components use `useSpinnerTick`. */
export function subscribeSpinner(listener: () => void): () => void {
	listeners.add(listener);
	if (timer === null) {
		timer = setInterval(() => {
			const now = Date.now();
			if (now - lastTickAt >= spinnerIntervalMs * 0.9) advance(now);
		}, spinnerIntervalMs);
		timer.unref?.();
	}
	return () => {
		listeners.delete(listener);
		if (listeners.size === 0 && timer !== null) {
			clearInterval(timer);
			timer = null;
		}
	};
}

/** A frame is about to be drawn anyway: move the spinners in it, if half an interval has passed. */
export function tickWithFrame(now = Date.now()): void {
	if (listeners.size > 0 && now - lastTickAt >= spinnerIntervalMs / 2) advance(now);
}

const idle = (): (() => void) => () => {};
const snapshot = (): number => tick;

/** The shared tick; re-renders the caller on every tick only while `active`. */
export function useSpinnerTick(active: boolean): number {
	return useSyncExternalStore(active ? subscribeSpinner : idle, snapshot);
}

export function spinnerRunning(): boolean {
	return timer !== null;
}
