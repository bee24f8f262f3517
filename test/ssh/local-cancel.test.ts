import { describe, expect, test } from 'vitest';
import { LocalTransport } from '../../source/transport/local.js';
import { cancelAnswerMs } from '../../source/transport/transport.js';
import { processesWithArgv, uniqueSleep, waitUntil } from './host-processes.js';

/** A `local = true` host: cancelling ends everything the script started, not just its `sh`. */
describe('cancelling a local command', () => {
	test('stops the whole process tree, children included', async () => {
		const local = new LocalTransport();
		const sleep = uniqueSleep();
		const controller = new AbortController();
		const result = await local.exec(`echo started; ${sleep.command}; echo never`, {
			signal: controller.signal,
			onLine: (line) => line === 'started' && controller.abort(),
		});
		expect(result).toMatchObject({ code: null, failure: 'cancelled', stdout: 'started\n' });
		await waitUntil(() => processesWithArgv(sleep.argv).length === 0, `${sleep.command} to be stopped`);
	});

	test('a child that ignores TERM is killed after the grace period, and exec answers within its bound', async () => {
		const local = new LocalTransport();
		const sleep = uniqueSleep();
		const controller = new AbortController();
		let abortedAt = 0;
		const result = await local.exec(`trap '' TERM; echo started; ${sleep.command}; echo never`, {
			signal: controller.signal,
			onLine: (line) => {
				if (line !== 'started') return;
				abortedAt = Date.now();
				controller.abort();
			},
		});
		const answeredAfter = Date.now() - abortedAt;
		expect(result).toMatchObject({ code: null, failure: 'cancelled' });
		await waitUntil(() => processesWithArgv(sleep.argv).length === 0, `${sleep.command} (TERM ignored) to be killed`);
		// A bound, not a speed: the generous margin only absorbs a busy machine.
		expect(answeredAfter).toBeLessThan(cancelAnswerMs + 10_000);
	});

	test('aborted before it starts, nothing runs', async () => {
		const local = new LocalTransport();
		const controller = new AbortController();
		controller.abort();
		expect(await local.exec('echo ran', { signal: controller.signal })).toMatchObject({ code: null, failure: 'cancelled', stdout: '' });
	});
});
