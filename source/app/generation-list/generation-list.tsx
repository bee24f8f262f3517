import { Box, Text } from 'ink';
import { useConsoleState } from '../console-context.js';
import { truncate } from '../text-fit.js';
import { symbols, tone } from '../theme.js';
import { useGenerationList } from './use-generation-list.js';
import { generationRow, newestFirst, resolveHighlight, useGenerationListState } from './use-generation-list-state.js';

/** `g`: the focused host's generations, newest first, current marked; `r` rolls back. */
export function GenerationList({ host, height, width, active }: { readonly host: string; readonly height: number; readonly width: number; readonly active: boolean }) {
	const { entry, selectedCount } = useConsoleState((state) => ({ entry: state.generations[host], selectedCount: state.selected.size }));
	const list = entry ? newestFirst(entry.list) : [];
	const [highlight, dispatch, current] = useGenerationListState();
	useGenerationList(active, host, current, dispatch);
	const index = resolveHighlight(highlight, list);
	const rows = Math.max(1, height - 2);
	const first = Math.max(0, Math.min(index - Math.floor(rows / 2), list.length - rows));
	const scope = selectedCount > 1 ? `r rolls the ${selectedCount} selected hosts back to the highlighted release` : `r rolls ${host} back to the highlighted generation`;
	return (
		<Box flexDirection="column" height={height} width={width} overflow="hidden">
			<Text bold color={tone('accent')} wrap="truncate">
				{truncate(`Generations of ${host} · current ${entry?.current ?? '?'} · ${scope}`, width)}
			</Text>
			<Text dimColor wrap="truncate">
				{truncate('    id  created           release  by  size', width)}
			</Text>
			{entry === undefined ? <Text>loading generations of {host}…</Text> : null}
			{entry?.error ? (
				<Text color={tone('bad')} wrap="truncate">
					{truncate(`✗ could not list generations: ${entry.error}`, width)}
				</Text>
			) : null}
			{entry !== undefined && !entry.error && list.length === 0 ? <Text>nothing deployed on {host} yet</Text> : null}
			{list.slice(first, first + rows).map((generation, offset) => {
				const highlighted = first + offset === index;
				return (
					<Text key={generation.id} wrap="truncate" inverse={highlighted} bold={generation.current}>
						{truncate(`${highlighted ? symbols.focus : ' '}${generationRow(generation)}`, width)}
					</Text>
				);
			})}
		</Box>
	);
}
