#!/bin/sh
# claimcheck-redeem.sh — fetch Delinea Secret Server secrets from claimcheck with the CI job's own
# OpenID Connect token: no stored credential. Needs a POSIX shell, curl and the usual POSIX tools
# (sed, awk, mktemp); runs on any runner (GitLab id_tokens, Buildkite, Jenkins, ...).
#
#   CLAIMCHECK_URL=https://claimcheck.example.com CLAIMCHECK_ID_TOKEN=$ID_TOKEN \
#     sh claimcheck-redeem.sh STRIPE_KEY=Payments/stripe:password DB_PASSWORD=db/prod:password -- ./deploy.sh
#
# Values are never printed. Either run a command with the secrets in its environment (`-- COMMAND`),
# or write them to a file of `export NAME='value'` lines to source and delete (`-o FILE`, mode 600).
# The token is sent on curl's stdin, never on a command line. claimcheck uses each token once.
# The command's stdout and stderr pass through claimcheck's concealing filter (awk): each value it
# prints, and its base64, percent and JSON forms, shows as <concealed by claimcheck>.
set -eu

usage() {
  cat <<'EOF'
Usage: claimcheck-redeem.sh [-c COMMENT] [-o FILE] NAME=PATH:FIELD... [-- COMMAND [ARG...]]

  NAME=PATH:FIELD  environment variable NAME gets field FIELD of the secret at PATH
                   (e.g. STRIPE_KEY=Payments/stripe:password)
  -- COMMAND       run COMMAND with the secrets in its environment
  -o FILE          write `export NAME='value'` lines to FILE (mode 600) to source, then delete
  -c COMMENT       the reason Secret Server records (required by some secrets)

Environment: CLAIMCHECK_URL (claimcheck's https URL), CLAIMCHECK_ID_TOKEN (the job's OIDC token,
whose audience claimcheck's CI_TRUST expects).
EOF
}

die() {
  printf 'claimcheck: %s\n' "$1" >&2
  exit "${2:-1}"
}

# A JSON string: backslash and double quote escaped (control characters were refused already).
json_string() {
  printf '"%s"' "$(printf '%s' "$1" | sed 's/[\\"]/\\&/g')"
}

out=
comment=
while getopts 'c:o:h' opt; do
  case $opt in
    c) comment=$OPTARG ;;
    o) out=$OPTARG ;;
    h) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))

[ -n "${CLAIMCHECK_URL:-}" ] || die "CLAIMCHECK_URL is not set" 2
[ -n "${CLAIMCHECK_ID_TOKEN:-}" ] || die "CLAIMCHECK_ID_TOKEN is not set (the job's OpenID Connect token)" 2
# The token is a credential: never over plain http, except to a server on this machine.
case $CLAIMCHECK_URL in
  https://* | http://127.0.0.1 | http://127.0.0.1[:/]* | http://localhost | http://localhost[:/]*) ;;
  *) die "CLAIMCHECK_URL must be https (plain http only on 127.0.0.1 or localhost)" 2 ;;
esac

names=
secrets=
while [ $# -gt 0 ]; do
  [ "$1" = "--" ] && { shift; break; }
  spec=$1
  shift
  case $spec in *=*:*) ;; *) die "expected NAME=PATH:FIELD, got: $spec" 2 ;; esac
  name=${spec%%=*}
  rest=${spec#*=}
  path=${rest%:*}
  field=${rest##*:}
  case $name in '' | _ | [!A-Za-z_]* | *[!A-Za-z0-9_]*) die "not a variable name: $name" 2 ;; esac
  # The script's own variables while the command runs (below): a secret must not replace one.
  case $name in cc_*) die "names starting with cc_ are claimcheck's own: $name" 2 ;; esac
  case $field in '' | *[!a-z0-9-]*) die "not a field slug: $field" 2 ;; esac
  case $path in '' | *[[:cntrl:]]*) die "not a secret path: $path" 2 ;; esac
  case " $names " in *" $name "*) die "named twice: $name" 2 ;; esac
  secrets="$secrets${secrets:+,}{\"path\":$(json_string "$path"),\"field\":\"$field\",\"name\":\"$name\"}"
  names="$names${names:+ }$name"
done
[ -n "$names" ] || { usage >&2; die "name at least one secret" 2; }
if [ -n "$out" ] && [ $# -gt 0 ]; then die "give -o FILE or -- COMMAND, not both" 2; fi
if [ -z "$out" ] && [ $# -eq 0 ]; then die "give -- COMMAND or -o FILE: values are never printed" 2; fi
case $comment in *[[:cntrl:]]*) die "the comment must be one line" 2 ;; esac

umask 077
tmp=$(mktemp -d "${TMPDIR:-/tmp}/claimcheck.XXXXXX") || die "cannot create a temporary directory"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

printf '{"secrets":[%s]%s}' "$secrets" "${comment:+,\"comment\":$(json_string "$comment")}" >"$tmp/request.json"

# No retry: if the request reached claimcheck, the token is used, and a retry could only be refused.
status=$(printf 'Authorization: Bearer %s\n' "$CLAIMCHECK_ID_TOKEN" |
  curl --silent --show-error --proto '=https,http' --connect-timeout 10 --max-time 60 \
    --request POST --header @- \
    --header 'Content-Type: application/json' --header 'Accept: text/x-shellscript' \
    --data-binary "@$tmp/request.json" --output "$tmp/answer" --write-out '%{http_code}' \
    "${CLAIMCHECK_URL%/}/ci/redeem") || die "could not reach claimcheck at $CLAIMCHECK_URL"

if [ "$status" != 200 ]; then
  # claimcheck's error bodies carry a code and a public message, never a value.
  message=$(sed -n 's/.*"message":"\([^"]*\)".*/\1/p' "$tmp/answer" 2>/dev/null || true)
  die "claimcheck refused (HTTP $status): ${message:-no message}"
fi

# Only what was asked, in the one shape claimcheck writes: `export NAME='…'` per secret, each
# quote inside a value written '\''. Anything else is refused before it is sourced.
LC_ALL=C awk -v want="$names" '
  BEGIN {
    q = "\047"
    n = split(want, list, " ")
    for (i = 1; i <= n; i++) wanted[list[i]] = 1
    stmt = "^export [A-Za-z_][A-Za-z0-9_]*=" q "[^" q "]*" q "(\\\\" q q "[^" q "]*" q ")*\n"
  }
  { all = all $0 "\n" }
  END {
    count = 0
    while (length(all) > 0) {
      if (!match(all, stmt)) exit 1
      name = substr(all, 8, index(all, "=") - 8)
      if (!(name in wanted) || (name in seen)) exit 1
      seen[name] = 1
      count++
      all = substr(all, RLENGTH + 1)
    }
    if (count != n) exit 1
  }' "$tmp/answer" || die "claimcheck's answer is not the expected list of variables; nothing was set"

if [ -n "$out" ]; then
  mv -f "$tmp/answer" "$out"
  exit 0
fi

command -v awk >/dev/null || die "awk is needed to conceal the command's output; nothing was run"

# The concealing filter: src/snippets/conceal-filter.ts, copied verbatim (a test keeps them equal).
cc_f=$(cat <<'CLAIMCHECK_CONCEAL_FILTER'
function add(x) { if (x != "" && !(x in K)) { K[x] = 1; N[++nn] = x } }
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
  MASK = "<concealed by claimcheck>"; EOS = "\001cc\001"; le = length(EOS)
  for (i = 1; i < 256; i++) O[sprintf("%c", i)] = i
  v = ENVIRON[n]; lv = length(v)
  if (chars(v) < 6) { if (e != "") print e }
  else {
    add(v); x = b64(v); add(x); y = x; sub(/=+$/, "", y); add(y)
    gsub(/\+/, "-", x); gsub(/\//, "_", x); add(x); gsub(/\+/, "-", y); gsub(/\//, "_", y); add(y)
    add(pct(v)); add(json(v))
    nl = split(v, VL, "\n"); ml = nl > 1
    for (j = 1; j <= nl; j++) { x = VL[j]; sub(/\r$/, "", x); if (chars(x) >= 6) add(x) }
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
}
CLAIMCHECK_CONCEAL_FILTER
)
# mawk streams only in its interactive mode; every other awk takes a harmless assignment instead.
cc_w=-vx=0
case $(awk -W version </dev/null 2>&1) in *mawk*) cc_w=-Winteractive ;; esac
cc_d=$tmp cc_names=$names

# One copy of the filter per secret, chained: each passes the end-of-stream marker on (k=1) but
# the last. $1: the stream (o or e); the rest: the names still to conceal. The stderr copies print
# the short-value notice.
cc_chain() {
  cc_s=$1 cc_n=$2
  shift 2
  cc_e=
  [ "$cc_s" = o ] || cc_e="claimcheck: $cc_n is shorter than 6 characters; the output is not concealed"
  if [ $# -eq 0 ]; then
    LC_ALL=C awk "$cc_w" -v e="$cc_e" -v n="$cc_n" -v o="$cc_d/$cc_s.$cc_n" "$cc_f"
  else
    LC_ALL=C awk "$cc_w" -v k=1 -v e="$cc_e" -v n="$cc_n" -v o="$cc_d/$cc_s.$cc_n" "$cc_f" | cc_chain "$cc_s" "$@"
  fi
}

# A subshell sources the values (exported) and runs COMMAND with its output through the filters.
# After sourcing it reads only cc_ variables (no secret may be named so) and its positional
# parameters, so no secret's NAME can change what it runs or removes.
# shellcheck disable=SC2086 # cc_names is a list of checked variable names
(
  . "$cc_d/answer" && rm -f "$cc_d/answer" || exit 1
  { { exec 1>&3 3>&-; cc_rc=0; ("$@") || cc_rc=$?; echo "$cc_rc" >"$cc_d/status"
      printf '\001cc\001'; printf '\001cc\001' >&2; } 2>&1 |
    cc_chain e $cc_names >&2 3>&-; } 3>&1 | cc_chain o $cc_names || true
  cc_status=1
  { read -r cc_status <"$cc_d/status"; } 2>/dev/null || true
  for cc_n in $cc_names; do
    cc_count=0
    for cc_s in o e; do
      if { read -r cc_c <"$cc_d/$cc_s.$cc_n"; } 2>/dev/null; then cc_count=$((cc_count + cc_c)); else
        echo 'claimcheck: the output filter failed; the output may be incomplete' >&2
        [ "$cc_status" != 0 ] || cc_status=1
      fi
    done
    [ "$cc_count" -eq 0 ] || echo "claimcheck: concealed $cc_count occurrence(s) of $cc_n in the command's output" >&2
  done
  exit "$cc_status"
)
