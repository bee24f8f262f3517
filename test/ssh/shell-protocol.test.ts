import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { describe, expect, test } from 'vitest';
import { MarkerScanner } from '../../source/transport/marker-scanner.js';
import {
	abandonSupervisorScript,
	commandText,
	disconnectScriptText,
	killGraceSeconds,
	parseShellLine,
	shellBootstrap,
	statusToExit,
	stdinFrame,
} from '../../source/transport/shell-protocol.js';
import { StdinFrames } from '../../source/transport/stdin-frames.js';

describe('remote shell protocol, as text', () => {
	test('the bootstrap is one `exec sh -c` word a login shell of any kind can run', () => {
		const bootstrap = shellBootstrap();
		expect(bootstrap.startsWith("exec sh -c '")).toBe(true);
		// A script cut short by a lost connection fails its check instead of running.
		expect(bootstrap).toContain('sy_script=$(head -c "$sy_len") && IFS= read -r sy_tail && [ "$sy_tail" = "$sy_id" ] || break');
		// Each script in a process group of its own; the supervisor, not the transport, knows which.
		expect(bootstrap).toContain('$sy_detach sh -c "$1" </dev/null 3<&- & sy_pid=$!');
		expect(bootstrap).toContain(`kill -TERM $sy_target`);
		expect(bootstrap).toContain(`sleep ${killGraceSeconds}; kill -KILL $sy_target`);
		// End of input without `q` is a lost connection: the disconnect script runs.
		expect(bootstrap).toContain('if [ "$sy_end" = lost ] && [ -n "$sy_hook" ]; then sh -c "$sy_hook"; fi');
	});

	test('a command counts bytes, not characters, and ends with its id', () => {
		expect(commandText('echo é', 'ab12', false)).toBe('7 0 ab12 0\necho éab12\n');
		expect(commandText('cat', 'ff', true, true)).toBe('3 1 ff 1\ncatff\n');
	});

	test('the disconnect script is armed the same way, and disarmed with an empty one', () => {
		expect(disconnectScriptText('rm -r .lock', 'c0')).toBe('h 11 c0\nrm -r .lockc0\n');
		expect(disconnectScriptText(undefined, 'c1')).toBe('h 0 c1\nc1\n');
	});

	test('a frame is one buffer: its length, then its bytes', () => {
		expect(stdinFrame([Buffer.from('ab'), Buffer.from('c')]).toString()).toBe('3\nabc');
	});

	test('abandoning by pid refuses nonsense ids', () => {
		expect(abandonSupervisorScript(4242)).toContain('kill -TERM 4242');
		expect(() => abandonSupervisorScript(1)).toThrow();
		expect(() => abandonSupervisorScript(0)).toThrow();
	});

	test('reads what the supervisor says, and nothing else', () => {
		expect(parseShellLine('sy-shell-ready 812')).toEqual({ kind: 'ready', pid: 812 });
		expect(parseShellLine('sy-hooked 0a')).toEqual({ kind: 'hooked', id: '0a' });
		expect(parseShellLine('sy-end 0a1b 3')).toEqual({ kind: 'end', id: '0a1b', status: 3 });
		expect(parseShellLine('sy-end 0a1b')).toEqual({ kind: 'end', id: '0a1b', status: undefined });
		expect(parseShellLine('sy-exit 0a1b 0')).toEqual({ kind: 'exit', id: '0a1b', status: 0 });
		expect(parseShellLine('switchyard-pgid 4242')).toBeUndefined();
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
		expect(out).toEqual(['4\n5 -\n']);
		frames.end('tar');
		await new Promise((resolve) => frames.on('end', resolve));
		expect(out).toEqual(['4\n5 -\n', '3\ntar', '0\n']);
	});

	test('many small pieces go out as one write, not one each', async () => {
		const pieces = Array.from({ length: 2000 }, (_, i) => Buffer.from(`${String(i).padStart(511, '.')}\n`));
		const out: Buffer[] = [];
		const frames = Readable.from(pieces).pipe(new StdinFrames());
		frames.on('data', (chunk: Buffer) => out.push(chunk));
		await new Promise((resolve) => frames.on('end', resolve));
		expect(out.length).toBeLessThanOrEqual(3);
		expect(Buffer.concat(out).toString()).toBe(`${2000 * 512}\n${Buffer.concat(pieces).toString()}0\n`);
	});
});
