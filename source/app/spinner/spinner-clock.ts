import { useSyncExternalStore } from 'react';

/**
 * One interval for every spinner and elapsed-time display on screen: a hundred running tiles
 * must not mean a hundred timers. The clock runs only while something subscribes.
 */
export const spinnerIntervalMs = 160;

const listeners = new Set<() => void>();
let tick = 0;
let timer: ReturnType<typeof setInterval> | null = null;

/** Exported for tests; components use `useSpinnerTick`. */
export function subscribeSpinner(listener: () => void): () => void {
	listeners.add(listener);
	if (timer === null) {
		timer = setInterval(() => {
			tick += 1;
			for (const each of listeners) each();
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

const idle = (): (() => void) => () => {};
const snapshot = (): number => tick;

/** The shared tick; re-renders the caller on every tick only while `active`. */
export function useSpinnerTick(active: boolean): number {
	return useSyncExternalStore(active ? subscribeSpinner : idle, snapshot);
}

export function spinnerRunning(): boolean {
	return timer !== null;
}
