// Globs over `/`-separated paths, case-insensitive (Secret Server folder names are):
// `*` matches within one segment, `**` matches any number of whole segments (including none),
// `?` matches one character within a segment. Everything else is literal.

const cache = new Map<string, RegExp>();

function escapeLiteral(ch: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(ch) ? `\\${ch}` : ch;
}

export function compileGlob(glob: string): RegExp {
  const cached = cache.get(glob);
  if (cached) return cached;
  const segments = glob.split("/");
  let source = "";
  segments.forEach((segment, i) => {
    const last = i === segments.length - 1;
    if (segment === "**") {
      // `a/**` also matches `a` itself; `**/b` matches `b` at any depth.
      if (last) source += i === 0 ? ".*" : "(?:/.*)?";
      else source += i === 0 ? "(?:[^/]+/)*" : "/(?:[^/]+/)*";
      return;
    }
    if (i > 0 && segments[i - 1] !== "**") source += "/";
    for (const ch of segment) source += ch === "*" ? "[^/]*" : ch === "?" ? "[^/]" : escapeLiteral(ch);
  });
  const regex = new RegExp(`^${source}$`, "iu");
  cache.set(glob, regex);
  return regex;
}

export function matchesGlob(glob: string, path: string): boolean {
  return compileGlob(glob).test(path);
}
