import { Box, Text } from 'ink';
import { memo } from 'react';
import { isHostBusy, type HostView } from '../../store/host-view.js';
import { useConsoleState } from '../console-context.js';
import { tileHeight } from '../console-layout.js';
import { useSpinnerTick } from '../spinner/spinner-clock.js';
import { tone } from '../theme.js';
import { tileLines, type Segment, type TileLine } from './use-host-tile-state.js';

/** One host. Subscribes to its own slice only, so other hosts' events don't re-render it. */
export const HostTile = memo(function HostTile({ name, width }: { readonly name: string; readonly width: number }) {
	const { host, focused, selected } = useConsoleState((state) => ({ host: state.hosts[name], focused: state.focus === name, selected: state.selected.has(name) }));
	const animate = host !== undefined && (isHostBusy(host) || host.steps.some((step) => step.state === 'running'));
	const tick = useSpinnerTick(animate);
	if (!host) return null;
	const lines = tileLines({ host, focused, selected, width: width - 2, now: Date.now(), tick });
	return (
		<Box width={width} height={tileHeight} flexDirection="column" borderStyle={focused ? 'double' : 'round'} borderColor={focused ? tone('accent') : borderTone(host.outcome)}>
			{lines.map((line, index) => (
				<TileText key={index} line={line} />
			))}
		</Box>
	);
});

/** A host that did not end as asked never looks like a healthy one: red for failures, yellow for rolled back. */
const borderTone = (outcome: HostView['outcome']): string | undefined =>
	outcome === 'failed' || outcome === 'manual' ? tone('bad') : outcome === 'rolled-back' ? tone('warn') : tone('muted');

/** A line of styled segments, cut at the end of its box; neighbours styled alike are drawn as one. */
export function TileText({ line }: { readonly line: TileLine }) {
	return (
		<Text wrap="truncate">
			{mergedSegments(line).map((segment, index) =>
				segment.color === undefined && !segment.bold && !segment.dim ? (
					segment.text
				) : (
					<Text key={index} color={segment.color} bold={segment.bold} dimColor={segment.dim}>
						{segment.text}
					</Text>
				),
			)}
		</Text>
	);
}

/** Adjacent segments with the same style joined: a row is a few styled runs, not one node per word. */
export function mergedSegments(line: TileLine): Segment[] {
	const out: Segment[] = [];
	for (const segment of line) {
		const last = out.at(-1);
		if (last && last.color === segment.color && Boolean(last.bold) === Boolean(segment.bold) && Boolean(last.dim) === Boolean(segment.dim)) out[out.length - 1] = { ...last, text: last.text + segment.text };
		else out.push(segment);
	}
	return out;
}
