#!/usr/bin/env bash
# The Space image, built and run on this machine: the whole local check, reproducibly.
#
#   sudo deploy/docker_check.sh               # build from the committed tree (git archive HEAD)
#   sudo deploy/docker_check.sh --worktree    # build from the working tree as it is
#   options: --no-cache  --no-offline  --seconds N (training per session, 20)  --keep (leave the containers)
#
# For a machine that cannot pull base images nor reach download.pytorch.org, only package
# registries (the Dockerfile's defaults are for Hugging Face, which can):
#   1. docker.io and debootstrap from apt if missing; dockerd started if not running;
#   2. a Debian bookworm root filesystem from debootstrap (once, cached in $GP_ROOTFS), with
#      this machine's CA bundle and its local CPU torch wheel (pip's find-links) added, imported
#      as the base image gp-base:bookworm-torch<version> (ENV PIP_FIND_LINKS, PIP_CERT);
#   3. docker build --network host with BASE_IMAGE=that base and TORCH_INDEX_URL= (empty: torch
#      from the base's wheel folder; the rest of requirements.txt from PyPI);
#   4. docker run --network host: the image's own CMD on port 7860; the health endpoint polled at
#      127.0.0.1 (cold start = docker run -> "ok"); Docker's HEALTHCHECK status; a visitor
#      (deploy/session_check.py, the crowd benchmark's client) opens Flows, presses Train, reads Step;
#   5. offline: the same image with --network none (no network at all); its HEALTHCHECK must turn
#      healthy and a session must train, driven from inside the container (docker exec);
#   6. the check's containers are removed; the images are kept.
# Traffic goes only to 127.0.0.1 (and, for apt/debootstrap/pip, to the package registries).
# Results: artifacts/docker-check/ (summary.txt, session.json, offline-session.json, logs).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROOTFS="${GP_ROOTFS:-/tmp/gp-rootfs}"
WHEELS="${GP_WHEELS:-/opt/wheels}"
IMAGE="${GP_IMAGE:-generative-playground:local}"
NAME=gp-docker-check
OFFLINE_NAME=gp-docker-check-offline
PORT=7860
URL="http://127.0.0.1:${PORT}"
OUT="$ROOT/artifacts/docker-check"
PYTHON="${PYTHON:-python3}"
CONTEXT=head NO_CACHE=() OFFLINE=1 TRAIN_S=20 KEEP=0
while [ $# -gt 0 ]; do
    case "$1" in
        --worktree) CONTEXT=worktree ;;
        --no-cache) NO_CACHE=(--no-cache) ;;
        --no-offline) OFFLINE=0 ;;
        --seconds) TRAIN_S="$2"; shift ;;
        --keep) KEEP=1 ;;
        -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
        *) echo "unknown option: $1" >&2; exit 2 ;;
    esac
    shift
done

log() { printf '\n== %s\n' "$*"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
[ "$(id -u)" = 0 ] || { echo "run as root (apt, debootstrap, dockerd)" >&2; exit 1; }
mkdir -p "$OUT"
export DOCKER_BUILDKIT=0  # the legacy builder: Debian's docker.io has no buildx

# ----- 1. docker and debootstrap -----
if ! command -v dockerd >/dev/null || ! command -v debootstrap >/dev/null; then
    log "installing docker.io and debootstrap"
    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q docker.io debootstrap
fi
if ! docker info >/dev/null 2>&1; then
    log "starting dockerd (log: /tmp/dockerd.log)"
    nohup dockerd >/tmp/dockerd.log 2>&1 &
    for _ in $(seq 60); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
    docker info >/dev/null
fi

cleanup() {
    [ "$KEEP" = 1 ] && return
    docker rm -f "$NAME" "$OFFLINE_NAME" >/dev/null 2>&1 || true
}
trap cleanup EXIT
docker rm -f "$NAME" "$OFFLINE_NAME" >/dev/null 2>&1 || true
if "$PYTHON" -c "import urllib.request as u; u.urlopen('$URL/_stcore/health', timeout=2)" 2>/dev/null; then
    echo "something already answers on $URL; stop it first" >&2; exit 1
fi

# ----- 2. the base image: debootstrap bookworm + this machine's CA bundle and torch wheel -----
TORCH_PIN="$(sed -n 's/^\(torch==[^ #]*\).*/\1/p' "$ROOT/requirements.txt")"
TORCH_VERSION="${TORCH_PIN#torch==}"
BASE="gp-base:bookworm-torch${TORCH_VERSION}"
if ! docker image inspect "$BASE" >/dev/null 2>&1; then
    WHEEL="$(ls "$WHEELS"/torch-"${TORCH_VERSION}"+cpu-cp311-*.whl | head -n 1)"
    if [ ! -f "$ROOTFS/.gp-debootstrap-complete" ]; then
        log "debootstrap bookworm -> $ROOTFS"
        rm -rf "$ROOTFS"
        debootstrap --variant=minbase --include=python3,python3-venv,python3-pip,ca-certificates \
            bookworm "$ROOTFS" http://deb.debian.org/debian
        rm -f "$ROOTFS"/var/cache/apt/archives/*.deb
        touch "$ROOTFS/.gp-debootstrap-complete"
    fi
    log "importing $BASE (with $(basename "$WHEEL") and the host CA bundle)"
    mkdir -p "$ROOTFS/opt/wheels"
    rm -f "$ROOTFS"/opt/wheels/*.whl
    cp "$WHEEL" "$ROOTFS/opt/wheels/"
    cp /etc/ssl/certs/ca-certificates.crt "$ROOTFS/etc/ssl/certs/ca-certificates.crt"
    tar -C "$ROOTFS" --exclude=./.gp-debootstrap-complete -c . | docker import \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'ENV LANG=C.UTF-8' \
        --change 'ENV PIP_FIND_LINKS=/opt/wheels' \
        --change 'ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt' \
        --change 'CMD ["/bin/bash"]' \
        - "$BASE"
fi

# ----- 3. build -----
log "docker build ($CONTEXT) -> $IMAGE"
BUILD=(docker build --network host "${NO_CACHE[@]}" --build-arg "BASE_IMAGE=$BASE" --build-arg TORCH_INDEX_URL= -t "$IMAGE")
started="$(now)"
if [ "$CONTEXT" = head ]; then
    git -C "$ROOT" archive --format=tar HEAD | "${BUILD[@]}" - 2>&1 | tee "$OUT/build.log"
else
    "${BUILD[@]}" "$ROOT" 2>&1 | tee "$OUT/build.log"
fi
build_s="$(since "$started")"
image_bytes="$(docker image inspect -f '{{.Size}}' "$IMAGE")"
base_bytes="$(docker image inspect -f '{{.Size}}' "$BASE")"

# ----- 4. run with the host's network, reached at 127.0.0.1 -----
log "docker run --network host $IMAGE (port $PORT)"
started="$(now)"
docker run -d --name "$NAME" --network host --health-interval=5s "$IMAGE" >/dev/null
health=""
for _ in $(seq 600); do
    health="$("$PYTHON" -c "import urllib.request as u; print(u.urlopen('$URL/_stcore/health', timeout=2).read().decode())" 2>/dev/null)" && break
    docker inspect -f '{{.State.Running}}' "$NAME" | grep -q true || { docker logs "$NAME"; exit 1; }
    sleep 0.2
done
cold_s="$(since "$started")"
echo "GET $URL/_stcore/health -> '$health' after ${cold_s} s"
[ "$health" = ok ]
user="$(docker exec "$NAME" id)"
torch_version="$(docker exec "$NAME" python -c 'import torch; print(torch.__version__, "cuda:", torch.version.cuda)')"
echo "in the container: $user; torch $torch_version"

log "a session against the container: Flows, Train, ${TRAIN_S} s"
"$PYTHON" "$ROOT/deploy/session_check.py" --url "$URL" --seconds "$TRAIN_S" | tee "$OUT/session.json"
for _ in $(seq 60); do
    status="$(docker inspect -f '{{.State.Health.Status}}' "$NAME")"
    [ "$status" = starting ] || break
    sleep 1
done
echo "Docker's HEALTHCHECK: $status"
[ "$status" = healthy ]
docker logs "$NAME" >"$OUT/container.log" 2>&1
docker rm -f "$NAME" >/dev/null
# Streamlit logs this after trying checkip.amazonaws.com: the image must not reach out by itself
if grep -q "Did not auto detect external IP" "$OUT/container.log"; then
    echo "the server tried to look up its external IP (a request off this machine)" >&2; exit 1
fi

# ----- 5. offline: no network at all -----
offline="skipped"
if [ "$OFFLINE" = 1 ]; then
    log "offline: docker run --network none; HEALTHCHECK, then a session from inside"
    CLIENT="$(mktemp -d /tmp/gp-check-client.XXXXXX)"
    mkdir -p "$CLIENT/benchmarks" "$CLIENT/deploy"
    cp "$ROOT/benchmarks/__init__.py" "$ROOT/benchmarks/streamlit_client.py" "$CLIENT/benchmarks/"
    cp "$ROOT/deploy/session_check.py" "$CLIENT/deploy/"
    chmod -R a+rX "$CLIENT"
    started="$(now)"
    docker run -d --name "$OFFLINE_NAME" --network none --health-interval=2s -v "$CLIENT:/check:ro" "$IMAGE" >/dev/null
    for _ in $(seq 120); do
        status="$(docker inspect -f '{{.State.Health.Status}}' "$OFFLINE_NAME")"
        [ "$status" = starting ] || break
        sleep 1
    done
    healthy_s="$(since "$started")"
    echo "offline HEALTHCHECK: $status after ${healthy_s} s"
    [ "$status" = healthy ]
    docker exec -e PYTHONDONTWRITEBYTECODE=1 "$OFFLINE_NAME" python /check/deploy/session_check.py \
        --seconds "$TRAIN_S" | tee "$OUT/offline-session.json"
    docker logs "$OFFLINE_NAME" >"$OUT/offline-container.log" 2>&1
    docker rm -f "$OFFLINE_NAME" >/dev/null
    rm -rf "$CLIENT"
    offline="healthy after ${healthy_s} s; a session trained (offline-session.json)"
fi

session="$("$PYTHON" - "$OUT/session.json" "$TRAIN_S" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["sessions"][0]
print(f"Flows page load {s['load_s']} s, first step {s['first_step_s']} s after Train, Step {s['steps']} after {sys.argv[2]} s")
PY
)"
summary="$(cat <<EOF
image            $IMAGE (base $BASE)
build            ${build_s} s ($CONTEXT${NO_CACHE:+, --no-cache})
image size       $(awk -v b="$image_bytes" 'BEGIN { printf "%.0f MB", b / 1e6 }') (the base alone: $(awk -v b="$base_bytes" 'BEGIN { printf "%.0f MB", b / 1e6 }'))
health           '$health' from $URL/_stcore/health, ${cold_s} s after docker run
user / torch     $user / $torch_version
session          $session
offline          $offline
EOF
)"
log "summary"
echo "$summary" | tee "$OUT/summary.txt"
