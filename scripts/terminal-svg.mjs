// Terminal screens (text with SGR colour codes, as `tmux capture-pane -e -p` prints them) as
// SVG: one screen, or several cycled with CSS keyframes. Every run of same-styled text is placed
// on the cell grid and stretched to its exact cell width (textLength), so box drawing, braille
// spinners and symbols line up whatever monospace font the viewer falls back to.

const cell = { width: 8.4, height: 17, font: 14 };
const padding = { x: 14, top: 36, bottom: 14 };

// A dark palette close to common terminal themes; index = SGR colour number.
const ansi16 = ['#1e2127', '#e06c75', '#98c379', '#d19a66', '#61afef', '#c678dd', '#56b6c2', '#abb2bf', '#5c6370', '#ff7b86', '#b5e890', '#f0c674', '#81c1ff', '#de9bf0', '#7fd6e0', '#ffffff'];
const background = '#15171c';
const foreground = '#d7dae0';

function color256(index) {
	if (index < 16) return ansi16[index];
	if (index < 232) {
		const value = index - 16;
		const level = (n) => (n === 0 ? 0 : 55 + n * 40);
		return rgb(level(Math.floor(value / 36)), level(Math.floor(value / 6) % 6), level(value % 6));
	}
	const grey = 8 + (index - 232) * 10;
	return rgb(grey, grey, grey);
}

function rgb(r, g, b) {
	return `#${[r, g, b].map((n) => n.toString(16).padStart(2, '0')).join('')}`;
}

const plain = () => ({ fg: null, bg: null, bold: false, dim: false, italic: false, underline: false, inverse: false });

/** Applies one SGR sequence's parameters (`1;38;5;208`) to a style. */
function applySgr(style, parameters) {
	const codes = parameters === '' ? [0] : parameters.split(';').map(Number);
	for (let i = 0; i < codes.length; i += 1) {
		const code = codes[i];
		if (code === 0) Object.assign(style, plain());
		else if (code === 1) style.bold = true;
		else if (code === 2) style.dim = true;
		else if (code === 3) style.italic = true;
		else if (code === 4) style.underline = true;
		else if (code === 7) style.inverse = true;
		else if (code === 22) style.bold = style.dim = false;
		else if (code === 23) style.italic = false;
		else if (code === 24) style.underline = false;
		else if (code === 27) style.inverse = false;
		else if (code >= 30 && code <= 37) style.fg = ansi16[code - 30];
		else if (code >= 90 && code <= 97) style.fg = ansi16[code - 90 + 8];
		else if (code === 39) style.fg = null;
		else if (code >= 40 && code <= 47) style.bg = ansi16[code - 40];
		else if (code >= 100 && code <= 107) style.bg = ansi16[code - 100 + 8];
		else if (code === 49) style.bg = null;
		else if (code === 38 || code === 48) {
			const key = code === 38 ? 'fg' : 'bg';
			if (codes[i + 1] === 5) {
				style[key] = color256(codes[i + 2] ?? 0);
				i += 2;
			} else if (codes[i + 1] === 2) {
				style[key] = rgb(codes[i + 2] ?? 0, codes[i + 3] ?? 0, codes[i + 4] ?? 0);
				i += 4;
			}
		}
	}
}

const escape = String.fromCharCode(27);
const escapeSequences = new RegExp(`(${escape}\\[[0-9;]*[A-Za-z])`);

/**
 * Screen text → rows of runs `{ column, text, style }`. The style carries over line ends:
 * tmux writes only the changes from one cell to the next, across lines too.
 */
export function parseScreen(screen, rows) {
	const style = plain();
	const lines = screen.replace(/\n$/, '').split('\n').slice(0, rows);
	return lines.map((line) => {
		const runs = [];
		let column = 0;
		for (const part of line.split(escapeSequences)) {
			if (part.startsWith(`${escape}[`)) {
				if (part.endsWith('m')) applySgr(style, part.slice(2, -1));
				continue;
			}
			if (part === '') continue;
			const characters = [...part];
			runs.push({ column, text: part, width: characters.length, style: { ...style } });
			column += characters.length;
		}
		return runs;
	});
}

const escapeXml = (text) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The SVG elements of one screen: background rects, then text runs. */
function screenElements(screen, rows) {
	const out = [];
	parseScreen(screen, rows).forEach((runs, row) => {
		const y = padding.top + row * cell.height;
		for (const run of runs) {
			const fg = run.style.inverse ? (run.style.bg ?? background) : (run.style.fg ?? foreground);
			const bg = run.style.inverse ? (run.style.fg ?? foreground) : run.style.bg;
			const x = padding.x + run.column * cell.width;
			const width = run.width * cell.width;
			if (bg) out.push(`<rect x="${x.toFixed(1)}" y="${y}" width="${width.toFixed(1)}" height="${cell.height}" fill="${bg}"/>`);
			if (run.text.trim() === '') continue;
			const attributes = [`x="${x.toFixed(1)}"`, `y="${y + cell.height - 4}"`, `textLength="${width.toFixed(1)}"`, 'lengthAdjust="spacingAndGlyphs"'];
			if (fg !== foreground) attributes.push(`fill="${fg}"`);
			if (run.style.bold) attributes.push('font-weight="bold"');
			if (run.style.dim) attributes.push('opacity="0.55"');
			if (run.style.italic) attributes.push('font-style="italic"');
			if (run.style.underline) attributes.push('text-decoration="underline"');
			out.push(`<text ${attributes.join(' ')}>${escapeXml(run.text)}</text>`);
		}
	});
	return out.join('');
}

function frameSvg({ columns, rows, title }, body, style = '') {
	const width = padding.x * 2 + columns * cell.width;
	const height = padding.top + rows * cell.height + padding.bottom;
	return [
		`<svg xmlns="http://www.w3.org/2000/svg" width="${width.toFixed(0)}" height="${height}" viewBox="0 0 ${width.toFixed(0)} ${height}" role="img" aria-label="${escapeXml(title)}" xml:space="preserve">`,
		`<title>${escapeXml(title)}</title>`,
		`<style>text{font-family:"DejaVu Sans Mono","SFMono-Regular",Menlo,Consolas,"Liberation Mono",monospace;font-size:${cell.font}px;white-space:pre}${style}</style>`,
		`<rect width="100%" height="100%" rx="8" fill="${background}"/>`,
		// Window buttons: it reads as a terminal at a glance.
		`<circle cx="20" cy="16" r="5" fill="#ff5f57"/><circle cx="38" cy="16" r="5" fill="#febc2e"/><circle cx="56" cy="16" r="5" fill="#28c840"/>`,
		// The default colour as an inherited attribute: a CSS rule would override each run's fill.
		`<g fill="${foreground}">${body}</g>`,
		'</svg>\n',
	].join('\n');
}

export function renderSvg(screen, options) {
	return frameSvg(options, `<g>${screenElements(screen, options.rows)}</g>`);
}

/**
 * Frames `{ screen, seconds }` shown one after another, forever. Without CSS animation (some
 * viewers, rsvg-convert) the first frame is what shows.
 */
export function renderAnimatedSvg(frames, options) {
	const total = frames.reduce((sum, frame) => sum + frame.seconds, 0);
	const percent = (seconds) => `${((seconds / total) * 100).toFixed(3)}%`;
	let start = 0;
	const rules = [`.f{animation-duration:${total.toFixed(2)}s;animation-iteration-count:infinite;animation-timing-function:steps(1,end)}`, '.f~.f{opacity:0}'];
	const groups = frames.map((frame, index) => {
		const end = start + frame.seconds;
		// steps(1,end) holds each keyframe's value until the next one: a hard cut between frames.
		const keyframes = index === 0 ? `0%{opacity:1}${percent(end)}{opacity:0}100%{opacity:0}` : `0%{opacity:0}${percent(start)}{opacity:1}${percent(end)}{opacity:0}100%{opacity:0}`;
		rules.push(`@keyframes k${index}{${keyframes}}.k${index}{animation-name:k${index}}`);
		start = end;
		return `<g class="f k${index}">${screenElements(frame.screen, options.rows)}</g>`;
	});
	return frameSvg(options, groups.join('\n'), rules.join(''));
}
