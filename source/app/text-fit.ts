/**
 * Every line the console draws is cut to its width here: a wrapped line would add a row and
 * push the frame past the terminal's height, and Ink then redraws the whole screen.
 */
export function truncate(text: string, width: number): string {
	if (width <= 0) return '';
	const chars = [...text.replace(/[\t\r\n]/g, ' ')];
	if (chars.length <= width) return chars.join('');
	return `${chars.slice(0, Math.max(0, width - 1)).join('')}…`;
}

export function padEnd(text: string, width: number): string {
	const length = [...text].length;
	return length >= width ? truncate(text, width) : text + ' '.repeat(width - length);
}

/**
 * "2.5s", "42s", "3m07s". Tenths only under ten seconds: a clock that changes less often draws
 * fewer distinct lines, and Ink keeps every distinct line it ever measured.
 */
export function formatElapsed(ms: number): string {
	if (ms < 0) return '';
	const seconds = ms / 1000;
	if (seconds < 10) return `${seconds.toFixed(1)}s`;
	if (seconds < 60) return `${Math.floor(seconds)}s`;
	const minutes = Math.floor(seconds / 60);
	return `${minutes}m${String(Math.floor(seconds % 60)).padStart(2, '0')}s`;
}
