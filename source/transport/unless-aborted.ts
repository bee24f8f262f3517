/** The promise's value, or undefined as soon as `signal` aborts (the promise goes on for whoever else waits on it). */
export function unlessAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T | undefined> {
	if (!signal) return promise;
	if (signal.aborted) return Promise.resolve(undefined);
	return new Promise((resolve, reject) => {
		const aborted = () => resolve(undefined);
		signal.addEventListener('abort', aborted, { once: true });
		promise.then(
			(value) => {
				signal.removeEventListener('abort', aborted);
				resolve(value);
			},
			(error: unknown) => {
				signal.removeEventListener('abort', aborted);
				reject(error);
			},
		);
	});
}
