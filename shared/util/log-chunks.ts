/** Lines per stored log chunk: 500 (one page of the log viewer), and at most ~350 KB (an item holds 400 KB). */
export const LOG_LINES_PER_CHUNK = 500;
export const LOG_CHUNK_BYTES = 350_000;

/** Splits text into chunks of at most LOG_LINES_PER_CHUNK lines and about LOG_CHUNK_BYTES. */
export function chunkLines(text: string): string[][] {
  const lines = text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n');
  const chunks: string[][] = [];
  let current: string[] = [];
  let bytes = 0;
  for (const line of lines) {
    const size = Buffer.byteLength(line) + 1;
    if (current.length >= LOG_LINES_PER_CHUNK || (current.length > 0 && bytes + size > LOG_CHUNK_BYTES)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(size > LOG_CHUNK_BYTES ? `${line.slice(0, LOG_CHUNK_BYTES / 4)}… [line truncated]` : line);
    bytes += Math.min(size, LOG_CHUNK_BYTES / 4);
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
