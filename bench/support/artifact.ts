import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Incompressible build outputs for the benches: varied file sizes in a few nested dirs. */

export interface BenchArtifact {
	readonly dir: string;
	/** Relative paths, in the order they were written. */
	readonly files: readonly string[];
	readonly bytes: number;
}

export function writeArtifact(dir: string, fileCount: number, totalBytes: number): BenchArtifact {
	const average = totalBytes / fileCount;
	const files: string[] = [];
	let written = 0;
	for (let i = 0; i < fileCount; i++) {
		const size = Math.max(0, i === fileCount - 1 ? totalBytes - written : Math.round(average * (0.2 + ((i * 37) % 17) / 10)));
		const file = `dir-${i % 7}/sub-${i % 3}/file-${i}.bin`;
		mkdirSync(dirname(join(dir, file)), { recursive: true });
		writeFileSync(join(dir, file), randomBytes(size));
		files.push(file);
		written += size;
	}
	return { dir, files, bytes: written };
}

/** New random content (same size) in one file, a different one each call; returns its size. */
export function changeOneFile(artifact: BenchArtifact, serial: number): { file: string; bytes: number } {
	const file = artifact.files[(serial * 7919) % artifact.files.length]!;
	const average = artifact.bytes / artifact.files.length;
	// Same size as an average file, so every round changes a comparable amount.
	const bytes = Math.round(average);
	writeFileSync(join(artifact.dir, file), randomBytes(bytes));
	return { file, bytes };
}
