import { describe, expect, it } from 'vitest';
import { RingBuffer } from '../../source/store/ring-buffer.js';

describe('RingBuffer', () => {
	it('keeps the newest items and never grows past its capacity', () => {
		const buffer = new RingBuffer<number>(3);
		for (let value = 1; value <= 10; value += 1) buffer.push(value);
		expect(buffer.length).toBe(3);
		expect(buffer.total).toBe(10);
		expect(buffer.toArray()).toEqual([8, 9, 10]);
		expect(buffer.at(0)).toBe(8);
		expect(buffer.slice(1, 3)).toEqual([9, 10]);
	});

	it('holds fewer items than capacity in order', () => {
		const buffer = new RingBuffer<string>(5);
		buffer.push('a');
		buffer.push('b');
		expect(buffer.toArray()).toEqual(['a', 'b']);
		expect(buffer.at(2)).toBeUndefined();
	});

	it('rejects a useless capacity', () => {
		expect(() => new RingBuffer(0)).toThrow(/positive integer/);
	});
});
