import type { EventEmitter } from 'node:events';

/** Bytes a terminal sends for each key, named like the keys on the operator's keyboard. */
export const ARROW_UP = '\u001B[A';
export const ARROW_DOWN = '\u001B[B';
export const ARROW_RIGHT = '\u001B[C';
export const ARROW_LEFT = '\u001B[D';
export const PAGE_UP = '\u001B[5~';
export const PAGE_DOWN = '\u001B[6~';
export const ENTER = '\r';
export const SPACE = ' ';
export const ESC = '\u001B';
export const TAB = '\t';
export const BACKSPACE = '\u007F';
export const CTRL_C = '\u0003';

interface Stdin extends EventEmitter {
	write(data: string): void;
}

/** Pause between keys: a fast typist's pace, not a wait for a result (use waitForFrame for that). */
export const keyIntervalMs = 15;

/**
 * Types keys one at a time. Each key gets its own macrotask: Ink holds a lone ESC until the next
 * tick to tell it from an escape sequence, and third-party inputs (ink-select-input) re-subscribe
 * their handler after each render.
 */
export async function press(stdin: Stdin, ...keys: string[]): Promise<void> {
	for (const key of keys) {
		stdin.write(key);
		await new Promise((resolve) => setTimeout(resolve, keyIntervalMs));
	}
}

/** Types a string character by character (filters, searches). */
export async function type(stdin: Stdin, text: string): Promise<void> {
	await press(stdin, ...text.split(''));
}

type FrameTest = string | RegExp | ((frame: string) => boolean);

function matches(frame: string, test: FrameTest): boolean {
	if (typeof test === 'string') return frame.includes(test);
	if (test instanceof RegExp) return test.test(frame);
	return test(frame);
}

/**
 * Polls the latest frame until it contains `test` (text, regex or predicate). Fails with the
 * last frame shown, so a failing test says what the operator would have seen.
 */
export async function waitForFrame(lastFrame: () => string | undefined, test: FrameTest, timeoutMs = 30_000): Promise<string> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const frame = lastFrame() ?? '';
		if (matches(frame, test)) return frame;
		if (Date.now() > deadline) throw new Error(`frame never showed ${String(test)}; last frame:\n${frame}`);
		await new Promise((resolve) => setTimeout(resolve, 10));
	}
}

export { waitFor } from '../support/wait-for.js';
