import { useInput, useStdin } from 'ink';
import { createContext, useCallback, useContext, useEffect, useLayoutEffect, useRef } from 'react';
import { createKeyReader } from './key-reader.js';
import type { KeyHandler, KeyQueue } from './key-queue.js';

export const KeyQueueContext = createContext<KeyQueue | null>(null);

/** The console's key queue (a view that holds keys back hands them on through it). */
export function useKeyQueue(): KeyQueue {
	const queue = useContext(KeyQueueContext);
	if (!queue) throw new Error('views with keys must be rendered inside the console (KeyQueueContext)');
	return queue;
}

/**
 * Feeds what the terminal sends into the queue, split into keys. Ink hands each read (split at
 * escape sequences) to its input listeners in order: the first listener here queues the keys, and
 * Ink's `useInput` listener after it handles them inside React's batched updates, so a burst of
 * typed-ahead keys costs one render, not one per key.
 */
export function useKeyFeed(queue: KeyQueue): void {
	const { internal_eventEmitter: events } = useStdin();
	useEffect(() => {
		const reader = createKeyReader();
		const onInput = (raw: string): void => queue.enqueue(reader.read(raw));
		events.on('input', onInput);
		return () => {
			events.off('input', onInput);
		};
	}, [events, queue]);
	const drain = useCallback(() => queue.drain(), [queue]);
	useInput(drain);
}

/** While mounted (and `target` is not null), this view gets the keys meant for `target`. */
export function useKeys(target: string | null, handler: KeyHandler): void {
	const queue = useKeyQueue();
	const latest = useRef(handler);
	latest.current = handler;
	// Registered in the commit that draws the view, so keys waiting for it go on at once.
	useLayoutEffect(() => {
		if (target === null) return;
		return queue.register(target, (key) => latest.current(key));
	}, [queue, target]);
}
