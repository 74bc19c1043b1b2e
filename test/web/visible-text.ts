/** The text a reader sees on a page: no markup, scripts or styles, entities and whitespace runs as one space. */
export function visible(html: string): string {
  return html
    .replace(/<(script|style)\b[\s\S]*?<\/\1>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&[#a-z0-9]+;/g, ' ')
    .replace(/\s+/g, ' ');
}
