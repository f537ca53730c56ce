#!/usr/bin/env bash
# The claimcheck GitHub Action's script: asks the runner for this job's OpenID Connect token with
# claimcheck's audience, redeems it through ../claimcheck-redeem.sh, masks every value with
# ::add-mask:: before anything else can print it, then exports each to $GITHUB_ENV (or, with
# CLAIMCHECK_EXPORT_TO=outputs, to the step's $GITHUB_OUTPUT). Values are never printed.
#
# Inputs (from action.yml, or set them yourself to run this as a plain step):
#   CLAIMCHECK_URL       claimcheck's public URL
#   CLAIMCHECK_AUDIENCE  the token's audience, as CI_TRUST expects (default: CLAIMCHECK_URL)
#   CLAIMCHECK_SECRETS   one NAME=PATH:FIELD per line; blank lines and # comments are skipped
#   CLAIMCHECK_COMMENT   the reason Secret Server records (optional)
#   CLAIMCHECK_EXPORT_TO env (default) or outputs
set -euo pipefail

fail() {
  printf '::error title=claimcheck::%s\n' "$1"
  exit 1
}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
url=${CLAIMCHECK_URL:-}
[[ -n $url ]] || fail "the url input is required"
audience=${CLAIMCHECK_AUDIENCE:-$url}
case ${CLAIMCHECK_EXPORT_TO:-env} in
  env) target=${GITHUB_ENV:-} ;;
  outputs) target=${GITHUB_OUTPUT:-} ;;
  *) fail "export-to must be env or outputs" ;;
esac
[[ -n $target ]] || fail "GITHUB_ENV / GITHUB_OUTPUT is not set: run this inside a GitHub Actions job"
[[ -n ${ACTIONS_ID_TOKEN_REQUEST_URL:-} && -n ${ACTIONS_ID_TOKEN_REQUEST_TOKEN:-} ]] ||
  fail "no OpenID Connect token: give the job 'permissions: id-token: write'"

specs=()
names=()
while IFS= read -r line || [[ -n $line ]]; do
  line=${line#"${line%%[![:space:]]*}"}
  line=${line%"${line##*[![:space:]]}"}
  [[ -z $line || $line == \#* ]] && continue
  specs+=("$line")
  names+=("${line%%=*}")
done <<<"${CLAIMCHECK_SECRETS:-}"
((${#specs[@]} > 0)) || fail "the secrets input names no secret (one NAME=PATH:FIELD per line)"
for name in "${names[@]}"; do
  # These steer the runner and later steps; a secret must not be able to replace them.
  [[ $name =~ ^(GITHUB_|RUNNER_|ACTIONS_|CLAIMCHECK_) || $name == NODE_OPTIONS ]] && fail "reserved variable name: $name"
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The runner's token service; the request token goes on curl's stdin, not its command line.
curl --silent --show-error --fail --max-time 30 --get --data-urlencode "audience=$audience" \
  --header @- --output "$tmp/token.json" "$ACTIONS_ID_TOKEN_REQUEST_URL" \
  <<<"Authorization: bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN" || fail "the runner did not issue an OpenID Connect token"
token=$(sed -n 's/.*"value" *: *"\([A-Za-z0-9._-]*\)".*/\1/p' "$tmp/token.json")
[[ -n $token ]] || fail "the runner's token answer holds no token"
printf '::add-mask::%s\n' "$token"

# 128 random bits: no value can hold the heredoc delimiter by chance (checked anyway below).
delimiter="claimcheck_$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"

CLAIMCHECK_ID_TOKEN=$token sh "$here/../claimcheck-redeem.sh" -o "$tmp/values.sh" \
  ${CLAIMCHECK_COMMENT:+-c "$CLAIMCHECK_COMMENT"} "${specs[@]}" || fail "redemption failed; no secret was set"

# A workflow command's data escapes %, CR and LF. A multi-line value is also masked line by line
# (without a line's CRLF ending), because the runner masks within each log line.
mask() {
  local text line
  text=${1//'%'/%25}
  text=${text//$'\r'/%0D}
  printf '::add-mask::%s\n' "${text//$'\n'/%0A}"
  [[ $1 == *$'\n'* ]] || return 0
  while IFS= read -r line; do
    line=${line%$'\r'}
    line=${line//'%'/%25}
    [[ -z $line ]] || printf '::add-mask::%s\n' "${line//$'\r'/%0D}"
  done <<<"$1"
}

# Sources the values and publishes them. Everything it needs after sourcing comes from its
# positional parameters ($1 file, $2 target, $3 delimiter, then the names), and it declares no
# variable before sourcing, so no secret's NAME can redirect where values go.
publish() {
  . "$1"
  local file=$1 target=$2 delimiter=$3 name
  shift 3
  for name in "$@"; do mask "${!name}"; done
  for name in "$@"; do
    [[ ${!name} != *"$delimiter"* ]] || fail "a value holds the delimiter; nothing more was exported"
    printf '%s<<%s\n%s\n%s\n' "$name" "$delimiter" "${!name}" "$delimiter" >>"$target"
  done
  rm -f "$file"
}

publish "$tmp/values.sh" "$target" "$delimiter" "${names[@]}"
printf 'claimcheck: set %s\n' "${names[*]}"
