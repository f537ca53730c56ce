// Reading a request the way ASP.NET Web API binds it: query parameters case-insensitively, with or
// without the action parameter's prefix, and JSON bodies that may be missing or malformed.

/**
 * ASP.NET binds query parameters case-insensitively, with or without the action parameter's
 * prefix: the Go SDK sends `paging.filter.searchText` and `paging.take` where others send
 * `filter.searchText` and `take`.
 */
export function param(url: URL, name: string): string | undefined {
  const wanted = new Set([name.toLowerCase(), `paging.${name.toLowerCase()}`]);
  for (const [key, value] of url.searchParams) if (wanted.has(key.toLowerCase())) return value;
  return undefined;
}

/** A boolean query option: only `true` (any case) turns it on. */
export function flag(url: URL, name: string): boolean {
  return param(url, name)?.toLowerCase() === "true";
}

export function intParam(url: URL, name: string, fallback: number): number {
  const n = Number.parseInt(param(url, name) ?? "", 10);
  return Number.isFinite(n) && n >= 0 ? n : fallback;
}

/** The JSON body, or undefined when there is none or it does not parse. */
export async function jsonBody(request: Request): Promise<unknown> {
  const text = await request.text();
  if (!text.trim()) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
