/**
 * Waits for a condition (a file on a host, a process gone, store state), checking it every few
 * milliseconds: it returns as soon as the condition holds, so the deadline is only how long a
 * busy machine may take, never a duration the test depends on. Fails naming what never happened.
 */
export async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!(await condition())) {
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 10));
	}
}
