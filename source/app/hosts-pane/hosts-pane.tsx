import { Box, Text } from 'ink';
import { useMemo, useRef } from 'react';
import { useConsoleState } from '../console-context.js';
import type { ConsoleLayout } from '../console-layout.js';
import { HostGrid } from '../host-grid/host-grid.js';
import { HostTable } from '../host-table/host-table.js';
import { tableColumns, tableLines, type HostsScroll } from '../host-table/use-host-table-state.js';
import { useHostsKeys } from './use-hosts-keys.js';

/** The hosts as tiles or as the table (the layout decides), in display order, with their keys. */
export function HostsPane({ layout }: { readonly layout: ConsoleLayout }) {
	const { ordered, group, longestName, longestTags, hosts } = useConsoleState((state) => ({
		ordered: state.ordered(),
		group: state.group,
		longestName: state.longestName,
		longestTags: state.longestTags,
		// Group headings need the tags; hosts are read only then, so an ungrouped pane doesn't re-render per batch.
		hosts: state.group > 0 ? state.hosts : null,
	}));
	const table = layout.hostsView === 'table';
	const lines = useMemo(() => (table ? tableLines(ordered, hosts ?? {}, group) : []), [table, ordered, hosts, group]);
	const scroll = useRef<HostsScroll>({ top: 0 }).current;
	// A page: the table's rows between its heading and its "more" line, or the tile rows on screen.
	const pageRows = table ? Math.max(1, layout.hostsHeight - 2) : Math.max(1, layout.gridRows);
	useHostsKeys({ view: layout.hostsView, columns: table ? 1 : layout.tileColumns, pageRows, logPane: layout.logRows > 0 }, scroll);
	if (ordered.length === 0) {
		return (
			<Box height={layout.hostsHeight}>
				<Text>no host matches the filter (esc clears it)</Text>
			</Box>
		);
	}
	if (table) return <HostTable lines={lines} columns={tableColumns(layout.width, longestName, longestTags)} width={layout.width} height={layout.hostsHeight} scroll={scroll} />;
	return <HostGrid layout={layout} ordered={ordered} scroll={scroll} />;
}
