/** XML's white space (S in the XML grammar): space, tab, line feed, carriage return; a character code or a byte. */
export const isXmlSpace = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
