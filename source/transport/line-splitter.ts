import { StringDecoder } from 'node:string_decoder';

/** Turns chunks into complete lines; a partial last line is held until more data or `flush`. */
export class LineSplitter {
	private readonly decoder = new StringDecoder('utf8');
	private pending = '';

	constructor(private readonly onLine: (line: string) => void) {}

	push(chunk: Buffer | string): void {
		const text = this.pending + (typeof chunk === 'string' ? chunk : this.decoder.write(chunk));
		const lines = text.split('\n');
		this.pending = lines.pop() ?? '';
		for (const line of lines) this.onLine(line.endsWith('\r') ? line.slice(0, -1) : line);
	}

	flush(): void {
		const rest = this.pending + this.decoder.end();
		this.pending = '';
		if (rest.length > 0) this.onLine(rest);
	}
}
