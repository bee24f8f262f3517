/**
 * Splits a decoded output stream at lines that start with `mark`: the text around them goes
 * to `onText` as it arrives (a 1 MB line is not held back), each such line to `onMarker`, which
 * returns false for one that is not its business (it then stays part of the text).
 */
export class MarkerScanner {
	private held = '';

	constructor(
		private readonly mark: string,
		private readonly onText: (text: string) => void,
		private readonly onMarker: (line: string) => boolean,
	) {}

	push(text: string): void {
		let rest = this.held + text;
		this.held = '';
		for (;;) {
			const at = rest.indexOf(this.mark);
			if (at < 0) return this.emit(rest);
			const end = rest.indexOf('\n', at);
			if (end < 0) {
				this.emit(rest.slice(0, at));
				// A marker is short: a long "line" after the mark character is just output.
				if (rest.length - at > maxMarkerLength) this.emit(rest.slice(at));
				else this.held = rest.slice(at);
				return;
			}
			this.emit(rest.slice(0, at));
			if (!this.onMarker(rest.slice(at + this.mark.length, end))) this.emit(rest.slice(at, end + 1));
			rest = rest.slice(end + 1);
		}
	}

	/** Whatever is held back (an unfinished line that might have been a marker). */
	flush(): void {
		const rest = this.held;
		this.held = '';
		this.emit(rest);
	}

	private emit(text: string): void {
		if (text !== '') this.onText(text);
	}
}

const maxMarkerLength = 256;
