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

# The child shell sources the values and becomes COMMAND. It reads only its positional parameters
# after sourcing, so no secret's NAME can change what it removes or runs.
exec sh -c '. "$1" && rm -rf "$2" && shift 2 && exec "$@"' claimcheck "$tmp/answer" "$tmp" "$@"
