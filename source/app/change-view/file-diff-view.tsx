import { Box, Text } from 'ink';
import { useEffect, useState } from 'react';
import type { FileDiff } from '../../engine/requests.js';
import { formatBytes } from '../../engine/format-bytes.js';
import { useConsoleServices } from '../console-context.js';
import { useKeys } from '../input/use-keys.js';
import { actionFor } from '../keymap.js';
import { scrollReducer, scrollStep } from '../pick-list/scroll-state.js';
import { truncate } from '../text-fit.js';
import { tone } from '../theme.js';
import { useConsoleActions } from '../use-console-actions.js';
import { useSyncReducer } from '../use-sync-reducer.js';

/** What the view shows for a diff: its lines, each with a colour by its first character. */
export function diffBody(diff: FileDiff | null, host: string, path: string): string[] {
	if (diff === null) return [`reading ${path} on ${host} (current and staged)…`];
	switch (diff.kind) {
		case 'text':
			return diff.lines.length === 0 ? ['(no difference in the text)'] : [...diff.lines, ...(diff.truncated ? ['… (cut: the file or its diff is too long to show here)'] : [])];
		case 'binary': {
			const side = (label: string, value?: { bytes: number; sha256?: string }) => `${label}: ${value ? `${formatBytes(value.bytes)}${value.sha256 ? `, sha256 ${value.sha256}` : ''}` : 'none'}`;
			return ['binary file, not shown as text', side('current', diff.before), side('staged ', diff.after)];
		}
		case 'unavailable':
			return [`✗ ${diff.reason}`];
	}
}

const lineTone = (line: string): string | undefined => (line.startsWith('+') && !line.startsWith('+++') ? tone('ok') : line.startsWith('-') && !line.startsWith('---') ? tone('bad') : line.startsWith('@@') ? tone('accent') : undefined);

/** One changed file, current generation against the staged one, as a unified diff; scrolls. */
export function FileDiffView({ host, path, height, width }: { readonly host: string; readonly path: string; readonly height: number; readonly width: number }) {
	const { controller } = useConsoleServices();
	const perform = useConsoleActions();
	const [diff, setDiff] = useState<FileDiff | null>(null);
	useEffect(() => {
		let live = true;
		controller.fileDiff(host, path).then(
			(result) => live && setDiff(result),
			(error: unknown) => live && setDiff({ kind: 'unavailable', reason: error instanceof Error ? error.message : String(error) }),
		);
		return () => {
			live = false;
		};
	}, [controller, host, path]);
	const lines = diffBody(diff, host, path);
	const rows = Math.max(1, height - 1);
	const max = Math.max(0, lines.length - rows);
	const [top, dispatch] = useSyncReducer(scrollReducer, 0);
	useKeys(`diff:${host}:${path}`, (key) => {
		const action = actionFor('diff', key.name);
		const by = scrollStep(action, Math.max(1, rows - 1));
		if (by !== undefined) dispatch({ by, max });
		else if (action) perform(action);
	});
	const first = Math.min(top, max);
	const position = lines.length > rows ? ` · lines ${first + 1}–${Math.min(lines.length, first + rows)} of ${lines.length}` : '';
	return (
		<Box flexDirection="column" height={height} width={width} overflowY="hidden">
			<Text bold color={tone('accent')} wrap="truncate">
				{truncate(`${path} on ${host}: current → staged${position} · esc: back to the files`, width)}
			</Text>
			{lines.slice(first, first + rows).map((line, index) => (
				<Text key={first + index} color={lineTone(line)} bold={line.startsWith('+++') || line.startsWith('---')} wrap="truncate">
					{truncate(line, width)}
				</Text>
			))}
		</Box>
	);
}
