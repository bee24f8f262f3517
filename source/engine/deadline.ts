/** A signal that aborts when its time is up or its parent aborts; `clear` lets go of both. */
export interface Deadline {
	readonly signal: AbortSignal;
	clear(): void;
}

/**
 * A deadline held by its own timer. On Node 20, a signal made by `AbortSignal.timeout()` that
 * only `AbortSignal.any()` refers to can be garbage-collected with its timer and never fire: a
 * health check's `timeout = 2` then ran until `command_timeout` (issue #24). Here the timer holds
 * the controller, so the signal lives until it has fired or been cleared.
 */
export function deadline(ms: number, parent?: AbortSignal): Deadline {
	const controller = new AbortController();
	const timer = setTimeout(() => controller.abort(new DOMException(`timed out after ${ms} ms`, 'TimeoutError')), ms);
	const onParent = () => controller.abort(parent?.reason);
	if (parent?.aborted) onParent();
	else parent?.addEventListener('abort', onParent, { once: true });
	return {
		signal: controller.signal,
		clear() {
			clearTimeout(timer);
			parent?.removeEventListener('abort', onParent);
		},
	};
}
