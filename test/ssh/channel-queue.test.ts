import { describe, expect, test } from 'vitest';
import { ChannelQueue } from '../../source/transport/channel-queue.js';

async function slot(queue: ChannelQueue): Promise<() => void> {
	const release = await queue.acquire();
	if (!release) throw new Error('no slot');
	return release;
}

describe('ChannelQueue', () => {
	test('admits up to the limit, then queues in order', async () => {
		const queue = new ChannelQueue(2);
		const order: number[] = [];
		const first = await slot(queue);
		const second = await slot(queue);
		const third = slot(queue).then((release) => (order.push(3), release));
		const fourth = slot(queue).then((release) => (order.push(4), release));
		expect(queue.open).toBe(2);
		first();
		first(); // releasing twice is harmless
		(await third)();
		second();
		(await fourth)();
		expect(order).toEqual([3, 4]);
		expect(queue.open).toBe(0);
	});

	test('a refusal lowers the limit to what was open; retried work goes first', async () => {
		const queue = new ChannelQueue(8);
		const held = await Promise.all([slot(queue), slot(queue), slot(queue)]);
		expect(queue.refused(2)).toBe(true);
		expect(queue.limit).toBe(2);
		const waiting = queue.acquire().then(() => 'waiting');
		const retried = queue.acquire(true).then(() => 'retried');
		held[0]?.();
		held[1]?.();
		expect(await Promise.race([waiting, retried])).toBe('retried');
	});

	test('waiting can be aborted: no slot is taken and the line moves on', async () => {
		const queue = new ChannelQueue(1);
		const held = await slot(queue);
		const controller = new AbortController();
		const aborted = queue.acquire(false, controller.signal);
		const next = slot(queue);
		controller.abort();
		expect(await aborted).toBeUndefined();
		held();
		(await next)();
		expect(queue.open).toBe(0);
		expect(await queue.acquire(false, controller.signal)).toBeUndefined();
	});

	test('a refusal with nothing else open is a real error, not a limit', () => {
		const queue = new ChannelQueue(8);
		expect(queue.refused(0)).toBe(false);
		expect(queue.limit).toBe(8);
	});
});
