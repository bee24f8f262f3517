import { useStdout } from 'ink';
import { useEffect, useState } from 'react';

export interface TerminalSize {
	readonly columns: number;
	readonly rows: number;
}

const fallback: TerminalSize = { columns: 80, rows: 24 };

function sizeOf(stdout: NodeJS.WriteStream): TerminalSize {
	return { columns: stdout.columns || fallback.columns, rows: stdout.rows || fallback.rows };
}

/** The terminal's size, updated live on resize. */
export function useTerminalSize(): TerminalSize {
	const { stdout } = useStdout();
	const [size, setSize] = useState(() => sizeOf(stdout));
	useEffect(() => {
		const onResize = (): void => setSize(sizeOf(stdout));
		stdout.on('resize', onResize);
		onResize();
		return () => {
			stdout.off('resize', onResize);
		};
	}, [stdout]);
	return size;
}
