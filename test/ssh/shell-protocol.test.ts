import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { describe, expect, test } from 'vitest';
import { MarkerScanner } from '../../source/transport/marker-scanner.js';
import { commandHeader, parseShellLine, shellBootstrap, statusToExit } from '../../source/transport/shell-protocol.js';
import { StdinFrames } from '../../source/transport/stdin-frames.js';

describe('remote shell protocol, as text', () => {
	test('the bootstrap is one `exec sh -c` word a login shell of any kind can run', () => {
		const bootstrap = shellBootstrap();
		expect(bootstrap.startsWith("exec sh -c '")).toBe(true);
		expect(bootstrap).toContain('sy_script=$(head -c "$sy_len")');
		// Framed stdin is drained after the command, so the loop never reads data as a command.
		expect(bootstrap).toContain('cat >/dev/null; exit "$sy_code"');
		expect(bootstrap).toContain('$sy_detach sh -c "$1" <&3 3<&- & sy_pid=$!');
	});

	test('the header counts bytes, not characters', () => {
		expect(commandHeader('echo é', 'ab12', false)).toBe('7 0 ab12\necho é');
		expect(commandHeader('cat', 'ff', true)).toBe('3 1 ff\ncat');
	});

	test('reads what the shell says, and nothing else', () => {
		expect(parseShellLine('sy-shell-ready')).toEqual({ kind: 'ready' });
		expect(parseShellLine('sy-end 0a1b 3')).toEqual({ kind: 'end', id: '0a1b', status: 3 });
		expect(parseShellLine('sy-end 0a1b')).toEqual({ kind: 'end', id: '0a1b', status: undefined });
		expect(parseShellLine('sy-exit 0a1b 0')).toEqual({ kind: 'exit', id: '0a1b', status: 0 });
		expect(parseShellLine('switchyard-pgid 4242')).toEqual({ kind: 'pgid', pgid: 4242 });
		expect(parseShellLine('sy-end 0a1b 3 extra')).toBeUndefined();
		expect(parseShellLine('something else')).toBeUndefined();
	});

	test('a status above 128 is the signal sh saw', () => {
		expect(statusToExit(0)).toEqual({ code: 0 });
		expect(statusToExit(3)).toEqual({ code: 3 });
		expect(statusToExit(137)).toEqual({ code: null, signal: 'SIGKILL' });
		expect(statusToExit(143)).toEqual({ code: null, signal: 'SIGTERM' });
	});
});

describe('MarkerScanner', () => {
	const scan = (chunks: string[]) => {
		const out: string[] = [];
		const scanner = new MarkerScanner('\u001e', (text) => out.push(`text:${text}`), (line) => line.startsWith('ours') && out.push(`marker:${line}`) > 0);
		for (const chunk of chunks) scanner.push(chunk);
		scanner.flush();
		return out;
	};

	test('takes marker lines out of the text, even split across chunks or glued to output', () => {
		expect(scan(['a\nb\u001eou', 'rs 1\nc'])).toEqual(['text:a\nb', 'marker:ours 1', 'text:c']);
	});

	test('a mark that is not a marker stays part of the text', () => {
		expect(scan(['x\u001enot ours\ny'])).toEqual(['text:x', 'text:\u001enot ours\n', 'text:y']);
	});

	test('a long line is passed on as it comes, not held back', () => {
		const out: string[] = [];
		const scanner = new MarkerScanner('\u001e', (text) => out.push(text), () => true);
		scanner.push('z'.repeat(1_000_000));
		expect(out.join('')).toHaveLength(1_000_000);
		scanner.push(`\u001e${'y'.repeat(1000)}`);
		expect(out.join('')).toHaveLength(1_001_001);
	});
});

describe('StdinFrames', () => {
	test('frames what comes, then the end frame', async () => {
		const frames = Readable.from([Buffer.from('hello '), Buffer.from('world')]).pipe(new StdinFrames());
		expect(await text(frames)).toBe('11\nhello world0\n');
	});

	test('an empty source is only the end frame', async () => {
		expect(await text(Readable.from([]).pipe(new StdinFrames()))).toBe('0\n');
	});

	test('a pause in the source sends what came so far', async () => {
		const frames = new StdinFrames();
		const out: string[] = [];
		frames.on('data', (chunk: Buffer) => out.push(chunk.toString()));
		frames.write('5 -\n');
		await new Promise((resolve) => setTimeout(resolve, 60));
		expect(out.join('')).toBe('4\n5 -\n');
		frames.end('tar');
		await new Promise((resolve) => frames.on('end', resolve));
		expect(out.join('')).toBe('4\n5 -\n3\ntar0\n');
	});
});
