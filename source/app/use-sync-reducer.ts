import { useCallback, useReducer, useRef } from 'react';

/**
 * useReducer whose state is readable synchronously. Key handlers run before React re-renders
 * when keys arrive quickly (a paste, a fast typist), so a handler that closes over rendered
 * state would act on stale state; `current()` always has every dispatched action applied.
 */
export function useSyncReducer<S, A>(reducer: (state: S, action: A) => S, initial: S): [S, (action: A) => void, () => S] {
	const ref = useRef(initial);
	const [, rerender] = useReducer((count: number) => count + 1, 0);
	const dispatch = useCallback(
		(action: A) => {
			const next = reducer(ref.current, action);
			if (next === ref.current) return;
			ref.current = next;
			rerender();
		},
		[reducer],
	);
	const current = useCallback(() => ref.current, []);
	return [ref.current, dispatch, current];
}
