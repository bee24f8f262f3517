import { Box, Text } from 'ink';
import { useConsoleState } from '../console-context.js';
import { PickList } from '../pick-list/pick-list.js';
import { truncate } from '../text-fit.js';
import { tone } from '../theme.js';
import { useGenerationList } from './use-generation-list.js';
import { generationTable, newestFirst, resolveHighlight, useGenerationListState } from './use-generation-list-state.js';

/** Generations that never served: shown dimmed. */
const neverLive = new Set(['staged', 'declined', 'failed']);

/** `g`: the focused host's generations, newest first, current marked, each with its status; `r` rolls back. */
export function GenerationList({ host, height, width }: { readonly host: string; readonly height: number; readonly width: number }) {
	const { entry, selectedCount } = useConsoleState((state) => ({ entry: state.generations[host], selectedCount: state.selected.size }));
	const list = entry ? newestFirst(entry.list) : [];
	const [highlight, dispatch, current] = useGenerationListState();
	useGenerationList(host, current, dispatch);
	const index = resolveHighlight(highlight, list);
	const table = generationTable(list);
	const scope = selectedCount > 1 ? `r rolls the ${selectedCount} selected hosts back to the highlighted release` : `r rolls ${host} back to the highlighted generation`;
	return (
		<Box flexDirection="column" height={height} width={width} overflowY="hidden">
			<Text bold color={tone('accent')} wrap="truncate">
				{truncate(`Generations of ${host} · current ${entry?.current ?? '?'} · ${scope}`, width)}
			</Text>
			<Text dimColor wrap="truncate">
				{truncate(table.heading, width)}
			</Text>
			{entry === undefined ? <Text>loading generations of {host}…</Text> : null}
			{entry?.error ? (
				<Text color={tone('bad')} wrap="truncate">
					{truncate(`✗ could not list generations: ${entry.error}`, width)}
				</Text>
			) : null}
			{entry !== undefined && !entry.error && list.length === 0 ? <Text>nothing deployed on {host} yet</Text> : null}
			<PickList
				items={list.map((generation, at) => ({ key: String(generation.id), label: table.rows[at] ?? '', strong: generation.current, muted: neverLive.has(generation.status) }))}
				index={index}
				rows={Math.max(1, height - 2)}
				width={width}
			/>
		</Box>
	);
}
