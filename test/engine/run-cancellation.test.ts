import { describe, expect, it } from 'vitest';
import { runCancellation } from '../../source/engine/run-cancellation.js';

/** Warnings Node emits while `work` adds 30 abort listeners (one per host of a 30-host run). */
async function warningsWhile(signal: AbortSignal): Promise<string[]> {
	const seen: string[] = [];
	const onWarning = (warning: Error) => seen.push(warning.name);
	process.on('warning', onWarning);
	try {
		for (let host = 0; host < 30; host++) signal.addEventListener('abort', () => {});
		await new Promise((resolve) => setImmediate(resolve));
	} finally {
		process.off('warning', onWarning);
	}
	return seen;
}

describe('runCancellation', () => {
	it('lets every host of a large fleet listen without a leak warning on stderr', async () => {
		const plain = await warningsWhile(new AbortController().signal);
		expect(await warningsWhile(runCancellation().signal)).toEqual([]);
		// Why the run has a signal of its own: Node 20 warns past 10 listeners on a plain one (Node 24 no longer does).
		if (process.versions.node.startsWith('20.')) expect(plain).toContain('MaxListenersExceededWarning');
	});
});
