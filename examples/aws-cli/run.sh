#!/usr/bin/env bash
# A walk through the Lambda API with the AWS CLI against a running lambdock (`docker compose up` or
# `npm start`): deploy a function, invoke it, read its log, publish a version, point an alias at it,
# invoke asynchronously, delete it. Works with AWS CLI v1 and v2; exits non-zero on any wrong answer.
#
#   bash examples/aws-cli/run.sh                       # lambdock on http://127.0.0.1:9000
#   LAMBDOCK_ENDPOINT=http://host:9000 bash examples/aws-cli/run.sh
set -euo pipefail

command -v aws >/dev/null 2>&1 || { echo "run.sh needs the AWS CLI, v1 or v2 (Debian: apt-get install awscli)" >&2; exit 1; }
ENDPOINT="${LAMBDOCK_ENDPOINT:-http://127.0.0.1:9000}"
NAME="${FUNCTION_NAME:-cli-example}"
# lambdock takes any credentials (unless LAMBDOCK_AUTH=sigv4); the CLI wants some, and a region.
export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-lambdock}"
export AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-lambdock}"
export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-${AWS_REGION:-us-east-1}}"
export AWS_PAGER=""

lambda() { aws --endpoint-url "$ENDPOINT" lambda "$@"; }
step() { printf '\n== %s\n' "$*"; }
# check WHAT ACTUAL EXPECTED: says ok, or says what was wrong and stops.
check() {
  if [ "$2" != "$3" ]; then printf 'FAIL %s: got %s, expected %s\n' "$1" "$2" "$3" >&2; exit 1; fi
  printf 'ok %s: %s\n' "$1" "$2"
}

# CLI v2 reads --payload as base64 unless told otherwise; v1 takes it as it is and knows no such flag.
raw_payload=()
case "$(aws --version 2>&1)" in
  aws-cli/1.*) ;;
  *) raw_payload=(--cli-binary-format raw-in-base64-out) ;;
esac

work="$(mktemp -d)"
cleanup() {
  lambda delete-function --function-name "$NAME" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

step "zip a handler"
cat > "$work/index.mjs" <<'JS'
export const handler = async (event, context) => {
  console.log(`greeting ${event.name}`);
  return { greeting: `hello ${event.name}`, version: context.functionVersion };
};
JS
if command -v zip >/dev/null 2>&1; then
  (cd "$work" && zip -q function.zip index.mjs)
else
  (cd "$work" && python3 -m zipfile -c function.zip index.mjs)
fi

step "create-function, wait until it is Active"
lambda create-function --function-name "$NAME" --runtime nodejs20.x --handler index.handler \
  --role arn:aws:iam::000000000000:role/lambda-role --zip-file "fileb://$work/function.zip" \
  --query FunctionArn --output text
lambda wait function-active-v2 --function-name "$NAME"
check "state" "$(lambda get-function-configuration --function-name "$NAME" --query State --output text)" "Active"

step "invoke"
lambda invoke --function-name "$NAME" "${raw_payload[@]}" --payload '{"name":"world"}' \
  --query StatusCode --output text "$work/out.json"
cat "$work/out.json"; echo
check "payload" "$(cat "$work/out.json")" '{"greeting":"hello world","version":"$LATEST"}'

step "invoke with --log-type Tail: the log comes back base64-encoded"
lambda invoke --function-name "$NAME" "${raw_payload[@]}" --payload '{"name":"logs"}' --log-type Tail \
  --query LogResult --output text "$work/out.json" | base64 -d > "$work/log.txt"
cat "$work/log.txt"
grep -q '^START RequestId: ' "$work/log.txt" || { echo "FAIL log: no START line" >&2; exit 1; }
grep -q 'greeting logs' "$work/log.txt" || { echo "FAIL log: the function's line is missing" >&2; exit 1; }
grep -q '^REPORT RequestId: ' "$work/log.txt" || { echo "FAIL log: no REPORT line" >&2; exit 1; }
echo "ok log: START, the function's line, REPORT"

step "publish-version, create-alias live → 1, invoke the alias"
check "version" "$(lambda publish-version --function-name "$NAME" --query Version --output text)" "1"
lambda create-alias --function-name "$NAME" --name live --function-version 1 --query AliasArn --output text
lambda invoke --function-name "$NAME" --qualifier live "${raw_payload[@]}" --payload '{"name":"alias"}' \
  --query ExecutedVersion --output text "$work/out.json"
check "alias payload" "$(cat "$work/out.json")" '{"greeting":"hello alias","version":"1"}'

step "invoke asynchronously: 202 once the event is queued; it runs a moment later"
check "async status" "$(lambda invoke --function-name "$NAME" --invocation-type Event "${raw_payload[@]}" \
  --payload '{"name":"later"}' --query StatusCode --output text "$work/out.json")" "202"

step "delete-function"
lambda delete-function --function-name "$NAME" >/dev/null
if lambda get-function --function-name "$NAME" >/dev/null 2>&1; then echo "FAIL delete: the function is still there" >&2; exit 1; fi
echo "ok deleted"
echo
echo "all steps passed"
