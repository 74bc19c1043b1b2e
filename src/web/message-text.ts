/** A message's bytes as text for showing on a page: ISO-8859-1 when its XML declaration says so, else UTF-8, as the engine reads it. */
export function messageText(bytes: Uint8Array): string {
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, 200));
  return new TextDecoder(/encoding\s*=\s*["']iso-8859-1["']/i.test(head) ? 'latin1' : 'utf-8').decode(bytes);
}
