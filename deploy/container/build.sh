#!/usr/bin/env bash
# Builds tsinfer's container image with no container registry anywhere:
#   1. base: a Debian root file system made by mmdebstrap from Debian's packages (nodejs among them), imported
#      into podman as a local image;
#   2. app: the built package (dist/, build/*.wasm, bin/) and its production dependencies from package-lock.json,
#      staged in a build context;
#   3. image: `podman build --pull=never` of the Containerfile FROM that local base.
# Run as root (mmdebstrap's root mode, podman's root storage) from anywhere in the repository:
#   deploy/container/build.sh            # then: deploy/container/smoke.sh
# Environment: TSINFER_IMAGE (default localhost/tsinfer:latest), TSINFER_SUITE (trixie), TSINFER_MIRROR
# (http://deb.debian.org/debian), TSINFER_CONTAINER_WORK (scratch folder, default /tmp/tsinfer-container),
# PODMAN_OPTS (global podman options, e.g. "--storage-driver vfs" where overlay mounts are refused),
# REBUILD_BASE=1 (remake the base even if the image exists), SKIP_APP_BUILD=1 (use dist/ and build/ as they are).
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
image=${TSINFER_IMAGE:-localhost/tsinfer:latest}
suite=${TSINFER_SUITE:-trixie}
mirror=${TSINFER_MIRROR:-http://deb.debian.org/debian}
work=${TSINFER_CONTAINER_WORK:-/tmp/tsinfer-container}
base=localhost/tsinfer-base:$suite
read -r -a podman_opts <<<"${PODMAN_OPTS:-}"
podman=(podman "${podman_opts[@]}")

for tool in mmdebstrap podman npm; do
  command -v "$tool" >/dev/null || { echo "build.sh: $tool is missing (Debian: apt-get install -y mmdebstrap podman npm)" >&2; exit 1; }
done
mkdir -p "$work"
started=$(date +%s)

# 1. The base. Debian 13's nodejs is 20.19 (tsinfer needs >= 20; Debian 12's is 18), so the runtime comes from
# Debian with the suite's security updates instead of a binary from elsewhere. The "essential" variant has no apt,
# no shell tools beyond Essential: yes; docs, man pages and locales are left out. The user tsinfer (uid 10001) is
# written here because the Containerfile has no RUN step (essential has no useradd).
if [[ ${REBUILD_BASE:-0} == 1 ]] || ! "${podman[@]}" image exists "$base"; then
  rm -f "$work/base.tar"
  mmdebstrap --mode=root --variant=essential --format=tar \
    --include=nodejs,ca-certificates \
    --aptopt='APT::Install-Recommends "false"' \
    --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-exclude=/usr/share/info/*' \
    --customize-hook='echo "tsinfer:x:10001:10001:tsinfer:/home/tsinfer:/usr/sbin/nologin" >> "$1/etc/passwd"' \
    --customize-hook='echo "tsinfer:x:10001:" >> "$1/etc/group"' \
    --customize-hook='install -d -o 10001 -g 10001 "$1/home/tsinfer" && install -d "$1/models"' \
    "$suite" "$work/base.tar" \
    "deb $mirror $suite main" \
    "deb $mirror $suite-updates main" \
    "deb ${mirror%/debian}/debian-security $suite-security main"
  "${podman[@]}" import --change 'CMD ["node"]' "$work/base.tar" "$base"
  rm -f "$work/base.tar"
fi
base_done=$(date +%s)

# 2. The app. `npm ci` would run the root package's `prepare` (a full build); --ignore-scripts skips it, and none of
# the production dependencies has an install script. Source maps and .d.ts files are left out: nothing runs them.
if [[ ${SKIP_APP_BUILD:-0} != 1 ]]; then (cd "$repo" && npm run build); fi
app="$work/app"
rm -rf "$app"
mkdir -p "$app/build" "$app/models/stories-7m" "$app/deploy"
cp "$repo/package.json" "$repo/package-lock.json" "$app/"
cp -r "$repo/bin" "$app/"
cp "$repo"/build/*.wasm "$app/build/"
(cd "$repo" && find dist -type f ! -name '*.map' ! -name '*.d.ts' -print0 | xargs -0 cp --parents -t "$app")
cp "$repo/models/stories-7m/stories-7m-f16.gguf" "$repo/models/stories-7m/README.md" "$app/models/stories-7m/"
cp "$repo/deploy/container/healthcheck.js" "$app/deploy/"
(cd "$app" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error)
app_done=$(date +%s)

# 3. The image. --format docker keeps HEALTHCHECK (OCI images have no such field); --pull=never makes a missing
# base an error instead of a registry look-up.
"${podman[@]}" build --pull=never --format docker --build-arg "BASE=$base" \
  -f "$repo/deploy/container/Containerfile" -t "$image" "$app"
done_at=$(date +%s)

size=$("${podman[@]}" image inspect --format '{{.Size}}' "$image")
echo "build.sh: $image: $((size / 1000000)) MB; base ${suite} $((base_done - started)) s, app $((app_done - base_done)) s, image $((done_at - app_done)) s, total $((done_at - started)) s"
