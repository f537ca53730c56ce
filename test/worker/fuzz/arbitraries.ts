// Hostile input shared by the fuzz suites: header text, secret-ish markers (long, random, unique,
// so an echo of them is unmistakable), Authorization headers of every shape, bodies and encodings.
import fc from "fast-check";
import { base64url } from "jose";

/** `arb` about once in `oneIn` draws, null otherwise (fc.option's `freq` is the other way round). */
export const rarely = <T>(arb: fc.Arbitrary<T>, oneIn = 5): fc.Arbitrary<T | null> =>
  fc.oneof({ arbitrary: fc.constant(null), weight: oneIn - 1 }, { arbitrary: arb, weight: 1 });

/** A random credential-like string of 32 to 64 characters: an echo of it is never a coincidence. */
export const secretish = fc.uint8Array({ minLength: 24, maxLength: 48 }).map((bytes) => base64url.encode(bytes));

/**
 * Tab and printable ASCII. Headers also take Latin-1, but workerd then sends the value as UTF-8 and
 * logs a warning with the whole value for each one; the bodies carry the non-ASCII cases.
 */
const headerChar = fc.oneof(fc.constant(0x09), fc.integer({ min: 0x20, max: 0x7e })).map((code) => String.fromCharCode(code));

export const headerText = (maxLength = 64) => fc.string({ unit: headerChar, maxLength });

/** Any text at all, lone surrogates and control characters included. */
export const anyText = (maxLength = 64) => fc.string({ unit: "binary", maxLength });

const hex = (length: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${length}}$`));
const b64url = (length: number) => fc.stringMatching(new RegExp(`^[A-Za-z0-9_-]{${length}}$`));

/** Ticket-shaped strings: well formed but unknown, and near misses of every part. */
export const ticketLike = fc.oneof(
  fc.tuple(hex(64), b64url(43)).map(([routing, key]) => `cct_${routing}_${key}`),
  fc.tuple(hex(63), b64url(43)).map(([routing, key]) => `cct_${routing}_${key}`),
  fc.tuple(hex(64), b64url(44)).map(([routing, key]) => `cct_${routing}_${key}`),
  fc.tuple(fc.constantFrom("CCT_", "cct-", "cc_", ""), hex(64), b64url(43)).map(([prefix, routing, key]) => `${prefix}${routing}_${key}`),
  // The routing of a Durable Object id that exists in no namespace.
  b64url(43).map((key) => `cct_${"0".repeat(64)}_${key}`),
);

/** An Authorization header and the secret-ish part of it that must not come back. */
export type Authorization = { header: string; secret: string };

export const authorization: fc.Arbitrary<Authorization> = fc.oneof(
  secretish.map((s) => ({ header: `Bearer ${s}`, secret: s })),
  ticketLike.map((t) => ({ header: `Bearer ${t}`, secret: t })),
  fc.tuple(fc.constantFrom("bearer ", "BEARER ", "Bearer  ", "Bearer\t", "Bearer", "Basic ", "Token ", "", " Bearer "), secretish).map(
    ([scheme, s]) => ({ header: `${scheme}${s}`, secret: s }),
  ),
  fc.tuple(headerText(40), secretish, headerText(40)).map(([before, s, after]) => ({ header: `Bearer ${before}${s}${after}`, secret: s })),
  fc.tuple(secretish, fc.constantFrom("=", "==", "===", ":", "%00", "%FF", ".", " x", "\t")).map(([s, tail]) => ({ header: `Bearer ${s}${tail}`, secret: s })),
  // Around the 16 KiB bound on the header, and far past it.
  fc.tuple(secretish, fc.integer({ min: 16_300, max: 16_500 })).map(([s, n]) => ({ header: `Bearer ${s}${"A".repeat(n - s.length)}`, secret: s })),
  fc.tuple(secretish, fc.integer({ min: 20_000, max: 60_000 })).map(([s, n]) => ({ header: `Bearer ${s}${"x".repeat(n)}`, secret: s })),
);

export const httpMethod = fc.constantFrom("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS");

export const contentType = fc.oneof(
  fc.constantFrom(
    "application/json",
    "application/json; charset=utf-16",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=xyz",
    "multipart/form-data",
    "text/plain",
    "application/xml",
    "application/octet-stream",
    "",
  ),
  headerText(40),
);

/** Bytes that are not UTF-8: lone continuation bytes, overlongs, surrogate halves, truncated sequences. */
export const invalidUtf8 = fc
  .tuple(fc.uint8Array({ maxLength: 64 }), fc.constantFrom([0x80], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xe2, 0x82], [0xff, 0xfe]))
  .map(([bytes, bad]) => new Uint8Array([...bytes, ...bad, ...bytes]));

/** A request body: nothing, text of any kind, JSON of any shape, raw bytes, invalid UTF-8. */
export const body: fc.Arbitrary<BodyInit | undefined> = fc.oneof(
  fc.constant(undefined),
  anyText(200),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc.uint8Array({ maxLength: 512 }),
  invalidUtf8,
);
