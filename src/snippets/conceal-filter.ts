// The concealing filter of the command form, for bash, zsh, sh and fish: one POSIX awk program
// that copies a stream byte for byte, replacing every occurrence of the secret (and of its usual
// encodings) with CONCEAL_MASK. Each shell renders it once and runs two copies of it, one on the
// command's stdout and one on its stderr. PowerShell has its own (conceal-powershell.ts).
//
// Why awk: it is on every system the POSIX snippets run on (mawk on Debian, gawk, busybox, the
// BSDs' and macOS's awk), so nothing is downloaded or compiled. Run under LC_ALL=C, every awk
// treats the stream as bytes: non-UTF-8 passes untouched, and lengths are byte counts.
//
// What the program needs from the shell, never in any argv:
// - the value, read from its own environment (`ENVIRON[n]`; `n` is the variable's name);
// - the stream on stdin, followed by CONCEAL_END_OF_STREAM (written by the shell after the
//   command ends): awk cannot tell whether the last line ended with a line break, so the marker
//   stands in for that answer (a last record ending with it had none of its own);
// - `-v o=FILE`: where it writes the number of replacements when the stream ends;
// - `-v e=NOTICE` on the stderr copy only: the short-value notice, printed there once if needed;
// - `-v k=1` to pass the marker on at the end, for another copy that conceals another value
//   (ci/claimcheck-redeem.sh chains one per secret).
//
// How it matches (each choice is argued where the code makes it):
// - Needles: the value; standard base64 and base64url, each with and without padding; the value
//   percent-encoded as encodeURIComponent does it; the value as a JSON string body (the text
//   between the quotes of JSON.stringify); for a value with line breaks, each of its lines that
//   is 6 characters or longer (a trailing CR dropped). All computed once, in BEGIN, from the
//   environment, so no encoding of the value exists in any argv either.
// - Leftmost, then longest: at the first position where any needle starts, the longest one that
//   starts there is replaced; scanning goes on after it. So the result is that of one pass over
//   the whole output, however it arrived.
// - Literal: `index()` and `substr()`, never a regular expression built from the value, so
//   `.*+?[](){}|\^$&/` mean nothing special, and the mask is printed with printf "%s".
// - Streaming: a line is printed as soon as its line break arrives (and flushed), except while its
//   end could begin an occurrence of a multi-line value that the next lines may complete; those
//   few lines are held until the value is complete or cannot be. Memory: the longest line plus
//   the value.
// - A value shorter than CONCEAL_MIN_CHARS characters (UTF-8 continuation bytes not counted) is
//   not concealed: masking "abc" would shred ordinary output. The stream then passes unchanged.
//
// Limits: busybox awk cuts records at a NUL byte (mawk and gawk keep it); values are UTF-8 text.

/** What replaces each occurrence. */
export const CONCEAL_MASK = "<concealed by claimcheck>";

/** Values shorter than this many characters are not concealed. */
export const CONCEAL_MIN_CHARS = 6;

/**
 * Written by the shell after the command's output on each stream (`\001cc\001`, as printf
 * octal escapes). A line of the command's own that ends with it is only held until the next.
 */
export const CONCEAL_END_OF_STREAM = "\\001cc\\001";

/** The awk program. No single quote inside (`\047` instead), so POSIX shells quote it as it is. */
export const CONCEAL_AWK = String.raw`function add(x) { if (x != "" && !(x in K)) { K[x] = 1; N[++nn] = x } }
function chars(s,  i, c, b) { c = 0; for (i = 1; i <= length(s); i++) { b = O[substr(s, i, 1)]; if (b < 128 || b > 191) c++ } return c }
function b64(s,  A, i, n, a, b, c, r) {
  A = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"; n = length(s); r = ""
  for (i = 1; i <= n; i += 3) {
    a = O[substr(s, i, 1)]; b = O[substr(s, i + 1, 1)] + 0; c = O[substr(s, i + 2, 1)] + 0
    r = r substr(A, int(a / 4) + 1, 1) substr(A, a % 4 * 16 + int(b / 16) + 1, 1)
    r = r (i + 1 <= n ? substr(A, b % 16 * 4 + int(c / 64) + 1, 1) : "=") (i + 2 <= n ? substr(A, c % 64 + 1, 1) : "=")
  }
  return r
}
function pct(s,  U, i, c, r) {
  U = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.!~*\047()"; r = ""
  for (i = 1; i <= length(s); i++) { c = substr(s, i, 1); r = r (index(U, c) ? c : sprintf("%%%02X", O[c])) }
  return r
}
function json(s,  i, c, b, r) {
  r = ""
  for (i = 1; i <= length(s); i++) {
    c = substr(s, i, 1); b = O[c]
    if (c == "\"" || c == "\\") r = r "\\" c
    else if (b == 8) r = r "\\b"; else if (b == 9) r = r "\\t"; else if (b == 10) r = r "\\n"
    else if (b == 12) r = r "\\f"; else if (b == 13) r = r "\\r"
    else if (b < 32) r = r sprintf("\\u%04x", b); else r = r c
  }
  return r
}
function emit(s) { if (s != "") { printf "%s", s; fflush() } }
function starts(  j, z) {
  z = length(T)
  for (j = jm; j >= 1; j--) if (z >= PL[j] && substr(T, z - PL[j] + 1) == PR[j]) PS[++np] = z - PL[j] + 1
}
function feed(s, fin,  cur, rest, i, p, best, bi, pp, out) {
  T = T s; np = 0; pi = 1; out = ""
  if (!fin && ml && (s in MID || substr(s, length(s) - length(V1)) == V1 "\n")) starts()
  cur = 1
  for (;;) {
    rest = cur == 1 ? T : substr(T, cur); best = 0
    for (i = 1; i <= nn; i++) { p = index(rest, N[i]); if (p && (!best || p < best)) { best = p; bi = i } }
    while (pi <= np && PS[pi] < cur) pi++
    pp = pi <= np ? PS[pi] - cur + 1 : 0
    if (pp && (!best || best > pp || (best == pp && length(N[bi]) < lv))) { emit(out substr(rest, 1, pp - 1)); T = substr(rest, pp); return }
    if (!best) { emit(out rest); T = ""; return }
    out = out substr(rest, 1, best - 1) MASK; hits++; cur += best - 1 + length(N[bi])
  }
}
BEGIN {
  MASK = "${CONCEAL_MASK}"; EOS = "${CONCEAL_END_OF_STREAM}"; le = length(EOS)
  for (i = 1; i < 256; i++) O[sprintf("%c", i)] = i
  v = ENVIRON[n]; lv = length(v)
  if (chars(v) < ${CONCEAL_MIN_CHARS}) { if (e != "") print e }
  else {
    add(v); x = b64(v); add(x); y = x; sub(/=+$/, "", y); add(y)
    gsub(/\+/, "-", x); gsub(/\//, "_", x); add(x); gsub(/\+/, "-", y); gsub(/\//, "_", y); add(y)
    add(pct(v)); add(json(v))
    nl = split(v, VL, "\n"); ml = nl > 1
    for (j = 1; j <= nl; j++) { x = VL[j]; sub(/\r$/, "", x); if (chars(x) >= ${CONCEAL_MIN_CHARS}) add(x) }
    for (i = 2; i <= nn; i++) { x = N[i]; for (j = i - 1; j >= 1 && length(N[j]) < length(x); j--) N[j + 1] = N[j]; N[j + 1] = x }
    if (ml) {
      V1 = VL[1]; jm = VL[nl] == "" ? nl - 2 : nl - 1; p = 0
      for (j = 1; j <= jm; j++) { p += length(VL[j]) + 1; PL[j] = p; PR[j] = substr(v, 1, p); if (j > 1) MID[VL[j] "\n"] = 1 }
    }
  }
}
{
  if (hold) { hold = 0; feed(H "\n", 0) }
  if (length($0) >= le && substr($0, length($0) - le + 1) == EOS) { hold = 1; H = $0; next }
  feed($0 "\n", 0)
}
END {
  feed(hold ? substr(H, 1, length(H) - le) : "", 1)
  if (k) { printf "%s", EOS; fflush() }
  if (o != "") { print hits + 0 > o; close(o) }
}`;
