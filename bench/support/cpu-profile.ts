import { readFileSync } from 'node:fs';

/** Where a process's main thread went, from a V8 CPU profile (`node --cpu-prof`): self time by kind of work. */

interface ProfileNode {
	readonly id: number;
	readonly callFrame: { readonly functionName: string; readonly url: string };
	readonly children?: readonly number[];
}

interface Profile {
	readonly nodes: readonly ProfileNode[];
	readonly samples: readonly number[];
	readonly timeDeltas: readonly number[];
	readonly startTime: number;
	readonly endTime: number;
}

/** First match wins: a sample's own frame, or (for our bundle) the nearest frame that says what it is. */
const kinds: readonly [string, (frame: ProfileNode['callFrame']) => boolean][] = [
	['waiting (idle)', (frame) => frame.functionName === '(idle)'],
	['garbage collection', (frame) => frame.functionName === '(garbage collector)'],
	['starting processes (spawn)', (frame) => frame.url.includes('internal/child_process') || frame.functionName === 'spawn'],
	['writing to pipes and files', (frame) => /^(writeBuffer|writeUtf8String|writev|writeLatin1String|writeBuffers)$/.test(frame.functionName)],
	['layout (yoga, wasm)', (frame) => frame.url.startsWith('wasm://')],
	['streams and events (Node)', (frame) => /internal\/streams|node:events|node:net|node:internal\/(stream_base|timers|process\/task_queues)/.test(frame.url)],
	['Node internals, other', (frame) => frame.url.startsWith('node:')],
	['the console, React and Ink (bundle)', (frame) => frame.url.includes('switchyard.cjs') || frame.url.includes('/dist/')],
	['native, other', () => true],
];

export function summarizeProfile(file: string): string {
	const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
	const byId = new Map(profile.nodes.map((node) => [node.id, node]));
	const totals = new Map<string, number>();
	let sampled = 0;
	profile.samples.forEach((id, index) => {
		const frame = byId.get(id)?.callFrame;
		const ms = (profile.timeDeltas[index] ?? 0) / 1000;
		sampled += ms;
		if (!frame) return;
		const kind = kinds.find(([, is]) => is(frame))?.[0] ?? 'native, other';
		totals.set(kind, (totals.get(kind) ?? 0) + ms);
	});
	const busy = sampled - (totals.get('waiting (idle)') ?? 0);
	return [
		`  ${(sampled / 1000).toFixed(1)} s profiled, main thread busy ${((busy / sampled) * 100).toFixed(0)} %`,
		...[...totals]
			.sort((a, b) => b[1] - a[1])
			.map(([kind, ms]) => `  ${kind.padEnd(38)} ${(ms / 1000).toFixed(2).padStart(7)} s  ${((ms / sampled) * 100).toFixed(1).padStart(5)} %`),
	].join('\n');
}
