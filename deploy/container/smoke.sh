#!/usr/bin/env bash
# Runs the image built by build.sh and checks it end to end over loopback only: the model is read from a volume
# mounted read-only at /models, /health turns 200, a completion is served, the image's HEALTHCHECK passes, and
# `podman stop` (SIGTERM, then the drain) ends it with exit status 0. Prints the timings it measured.
# Environment: TSINFER_IMAGE, PODMAN_OPTS as for build.sh; PODMAN_RUN_OPTS (extra `podman run` options, e.g. the
# --ulimit pair README.md explains); TSINFER_MODEL (a GGUF file to mount; default: the bundled stories-7m).
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
image=${TSINFER_IMAGE:-localhost/tsinfer:latest}
model=${TSINFER_MODEL:-$repo/models/stories-7m/stories-7m-f16.gguf}
read -r -a podman_opts <<<"${PODMAN_OPTS:-}"
read -r -a run_opts <<<"${PODMAN_RUN_OPTS:-}"
podman=(podman "${podman_opts[@]}")
name=tsinfer-smoke-$$
models=$(mktemp -d /tmp/tsinfer-models.XXXXXX)
cleanup() { "${podman[@]}" rm -f "$name" >/dev/null 2>&1 || true; rm -rf "$models"; }
trap cleanup EXIT
cp "$model" "$models/model.gguf"
chmod -R a+rX "$models"

# Published on 127.0.0.1 only, at a port the kernel picks (fixed ports may be taken by other servers here).
started=$(date +%s%N)
"${podman[@]}" run -d --name "$name" "${run_opts[@]}" -p 127.0.0.1::8080 -v "$models:/models:ro" \
  "$image" -m /models/model.gguf --served-model-name smoke >/dev/null
address=$("${podman[@]}" port "$name" 8080)
for _ in $(seq 1 240); do
  [[ $(curl -s -o /dev/null -w '%{http_code}' "http://$address/health") == 200 ]] && break
  sleep 0.25
done
ready=$(date +%s%N)
[[ $(curl -s -o /dev/null -w '%{http_code}' "http://$address/health") == 200 ]] || { "${podman[@]}" logs "$name"; echo "smoke.sh: /health never answered 200" >&2; exit 1; }

completion=$(curl -sf "http://$address/v1/completions" -H 'Content-Type: application/json' \
  -d '{"model":"smoke","prompt":"Once upon a time","max_tokens":32,"temperature":0}')
answered=$(date +%s%N)
echo "$completion"
grep -q '"completion_tokens":32' <<<"$completion" || { echo "smoke.sh: the completion did not have 32 tokens" >&2; exit 1; }

# podman runs HEALTHCHECK from systemd timers; `healthcheck run` does one check by hand where there is no systemd.
"${podman[@]}" healthcheck run "$name" >/dev/null 2>&1 || { echo "smoke.sh: the image's HEALTHCHECK failed" >&2; exit 1; }
user=$("${podman[@]}" exec "$name" id -u)
[[ $user != 0 ]] || { echo "smoke.sh: the server runs as root" >&2; exit 1; }

"${podman[@]}" stop "$name" >/dev/null 2>&1
status=$("${podman[@]}" inspect --format '{{.State.ExitCode}}' "$name")
[[ $status == 0 ]] || { "${podman[@]}" logs "$name"; echo "smoke.sh: exit status $status after SIGTERM" >&2; exit 1; }
size=$("${podman[@]}" image inspect --format '{{.Size}}' "$image")
echo "smoke.sh: ok: $image ($((size / 1000000)) MB), uid $user, ready in $(((ready - started) / 1000000)) ms," \
  "completion in $(((answered - ready) / 1000000)) ms, HEALTHCHECK ok, exit 0 after SIGTERM"
