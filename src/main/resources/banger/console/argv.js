// A command line typed in the console, split into the argv the API takes (no shell runs it).

/** Splits a command line into argv: whitespace separates, '...' and "..." quote, backslash escapes. */
export function splitArgv(line) {
  const argv = [];
  let current = null;
  let quote = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < line.length) current += line[++i];
      else current += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      current = current ?? '';
    } else if (c === '\\' && i + 1 < line.length) {
      current = (current ?? '') + line[++i];
    } else if (/\s/.test(c)) {
      if (current !== null) argv.push(current);
      current = null;
    } else {
      current = (current ?? '') + c;
    }
  }
  if (quote) throw new Error('unclosed quote in the command');
  if (current !== null) argv.push(current);
  return argv;
}
