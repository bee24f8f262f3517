import { Box, Text } from 'ink';
import type { LogLine } from '../../store/console-store.js';
import { useConsoleServices, useConsoleState } from '../console-context.js';
import { padEnd, truncate } from '../text-fit.js';
import { symbols, tone } from '../theme.js';
import { useLogPane } from './use-log-pane.js';
import { useLogPaneState, visibleLines } from './use-log-pane-state.js';

export interface LogPaneProps {
	/** A host name, or null for every host interleaved with name prefixes. */
	readonly host: string | null;
	/** Rows including the title line. */
	readonly height: number;
	readonly width: number;
	/** True when this pane has the keys. */
	readonly active: boolean;
}

/**
 * A window on a ring buffer. Re-renders when the host's line count moves (≤ one publish per
 * interval), and reads only the rows it draws.
 */
export function LogPane({ host, height, width, active }: LogPaneProps) {
	const { store } = useConsoleServices();
	const { total, tailing, names } = useConsoleState((state) => ({
		total: host === null ? state.allLogTotal : (state.hosts[host]?.logTotal ?? 0),
		tailing: host === null ? false : (state.hosts[host]?.tailing ?? false),
		names: host === null ? state.order : null,
	}));
	const buffer = () => (host === null ? store.getState().allLogs() : store.getState().logOf(host));
	const rows = Math.max(0, height - 1);
	const [state, dispatch, current] = useLogPaneState();
	useLogPane(active, buffer, rows, current, dispatch);
	const lines = visibleLines(buffer(), state, rows);
	const prefixWidth = names ? Math.min(16, Math.max(5, ...names.map((name) => name.length))) : 0;
	const position = state.bottom === null ? 'following' : `line ${state.bottom + 1}/${total} · G follows`;
	const search = state.searchDraft !== null ? `search: ${state.searchDraft}▏ (enter find · esc cancel)` : state.term ? `search "${state.term}" · n older` : '';
	const title = [`${active ? symbols.focus : ' '} ${host ?? 'all hosts'} log`, tailing ? `${symbols.service} service logs` : '', position, search].filter(Boolean).join(' │ ');
	const needle = state.term.toLowerCase();
	return (
		<Box flexDirection="column" height={height} width={width} overflow="hidden">
			<Text bold={active} color={active ? tone('accent') : undefined} wrap="truncate">
				{truncate(`${title} ${'─'.repeat(width)}`, width)}
			</Text>
			{lines.map(({ number, line }) => {
				const match = needle !== '' && line.text.toLowerCase().includes(needle);
				return <LogRow key={number} line={line} width={width} match={match} prefixWidth={prefixWidth} />;
			})}
		</Box>
	);
}

function LogRow({ line, width, match, prefixWidth }: { readonly line: LogLine; readonly width: number; readonly match: boolean; readonly prefixWidth: number }) {
	const marker = match ? symbols.match : line.stream === 'stderr' ? symbols.stderr : line.stream === 'service' ? symbols.service : ' ';
	const prefix = prefixWidth > 0 ? `${padEnd(line.host ?? 'build', prefixWidth)}│` : '';
	const color = line.stream === 'stderr' ? tone('warn') : line.stream === 'info' ? tone('accent') : line.stream === 'service' ? tone('service') : undefined;
	return (
		<Text wrap="truncate" color={color} inverse={match} dimColor={line.stream === 'info' && !match}>
			{truncate(`${marker}${prefix}${line.text}`, width)}
		</Text>
	);
}
