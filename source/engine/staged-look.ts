import path from 'node:path';
import { createTwoFilesPatch } from 'diff';
import { failureReason } from './host-session.js';
import type { Staged } from './lifecycle/host-lifecycle.js';
import { generationPath } from './remote/layout.js';
import { parseTwoFiles, readTwoFiles } from './remote/read-files.js';
import type { FileDiff, StagedLook } from './requests.js';

/** Bytes of each side read for a diff, and lines of diff shown at most: the dialog is a glance, not a review tool. */
const readLimit = 256 * 1024;
const maxDiffLines = 4000;

/**
 * What the confirm dialog may look at while it waits: a staged host's changed file, current
 * generation against staged, read over the connection the run already holds (the host is
 * locked, nothing moves meanwhile). Only files the staging reported as changed can be read.
 */
export function stagedLook(hosts: readonly { readonly root: string; readonly at: Staged }[]): StagedLook {
	const find = (name: string) => hosts.find((each) => each.at.staged.host === name);
	return {
		changes: (name) => find(name)?.at.changes ?? [],
		async fileDiff(name, file) {
			const host = find(name);
			const change = host?.at.changes.find((each) => each.path === file);
			if (!host || !change) return { kind: 'unavailable', reason: `${file} is not a change staged on ${name}` };
			const { staged, session } = host.at;
			const generation = (id: number | null) => (id === null ? '/dev/null/none' : path.posix.join(generationPath(host.root, id), file));
			const result = await session.run(readTwoFiles(generation(staged.from), generation(staged.to), readLimit)).catch(() => undefined);
			if (!result || result.code !== 0) return { kind: 'unavailable', reason: `could not read ${file} on ${name}: ${result ? failureReason(result) : 'no answer'}` };
			const { before, after } = parseTwoFiles(result);
			const binary = (text: string) => text.includes('\u0000') || text.includes('\ufffd');
			if (binary(before.text) || binary(after.text)) {
				const previous = before.bytes === null ? undefined : { bytes: before.bytes };
				return { kind: 'binary', ...(previous ? { before: previous } : {}), ...(after.bytes === null ? {} : { after: { bytes: after.bytes, sha256: change.sha256 } }) };
			}
			const cut = (before.bytes ?? 0) > readLimit || (after.bytes ?? 0) > readLimit;
			const patch = createTwoFilesPatch(`a/${file}`, `b/${file}`, before.text, after.text, `generation ${staged.from ?? 'none'}`, `generation ${staged.to}`);
			const lines = patch.split('\n').filter((line, index, all) => !(index === all.length - 1 && line === '')).slice(1);
			return { kind: 'text', lines: lines.slice(0, maxDiffLines), truncated: cut || lines.length > maxDiffLines } satisfies FileDiff;
		},
	};
}
