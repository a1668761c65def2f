#!/usr/bin/env bash
# The containers for real, on a machine with no container registry: as root, with Debian's docker.io,
# docker-compose and debootstrap (installed if missing). bin/test runs it through hub's
# DockerContainersIT (after the jar is packaged); by hand: `sudo docker/test.sh`.
#
# Exit status: 0 every check passed; 1 a check or a step failed; 77 it cannot run on this machine at
# all (not root, or a kernel that refuses containers), with the reason on stderr after "SKIP:".
#
# 0. A Docker engine: the running one if `docker info` answers (DOCKER_HOST or the default socket),
#    else one of its own, started here and stopped at the end: data, state and socket under
#    $DROVER_DOCKER_TEST_DIR/engine, its own containerd namespace, no bridge, no iptables rules.
# 1. Images from Debian packages, cached in $DROVER_DOCKER_TEST_DIR (default /var/tmp/drover-docker-test):
#    a minimal bookworm with openjdk-17-jre-headless (debootstrap --variant=minbase, `docker import`)
#    as Drover's BASE_IMAGE, and stand-ins for the postgres and prometheus images (Debian's
#    postgresql-15 behind docker/test/postgres-entrypoint, Debian's prometheus), layered on it.
#    Grafana has no Debian package, so its service is not started here.
# 2. Drover's image by docker/Dockerfile on that base, tagged for this run only. The jar is built on
#    this machine and taken with JAR_STAGE=prebuilt (there is no maven image here, and the Maven stage
#    would download every dependency again on each run);
#    DROVER_DOCKER_TEST_JAR_BUILT=1 takes hub/target/drover.jar as it is (the suite just packaged it).
# 3. docker/make-secrets into a directory of this run, then docker/compose.yaml up (postgres, hub1,
#    hub2, gw1, prometheus) under a project name of this run, on the host's network, every listener
#    on 127.0.0.1 and on ports found free now (every port of the compose file is a variable).
# 4. Checks: each node answers /health/ready and sees 3 members; Docker's health check says healthy;
#    the node's user is not root; a device registered through hub1 publishes through gw1
#    (mosquitto_pub) and its event reaches hub2's stream; Prometheus scrapes the three nodes; no
#    bridge address exists.
# 5. Whatever happened (a failure, Ctrl-C, SIGTERM): `docker-compose down -v`, this run's image and
#    secrets removed, the engine stopped if it was started here. Prints "N passed, M failed".
# One run per cache directory at a time (a lock); the logs of the last run stay in $work/last-run/.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="${DROVER_DOCKER_TEST_DIR:-/var/tmp/drover-docker-test}"
say() { printf 'test: [%3d s] %s\n' "$SECONDS" "$*"; }
skip() { echo "docker/test.sh: SKIP: $*" >&2; exit 77; }
fail() { echo "docker/test.sh: $*" >&2; exit 1; }

# --- can containers run here at all? (a skip names the reason; anything later is a failure)
[[ "$(id -u)" -eq 0 ]] || skip "not root (uid $(id -u)): debootstrap, chroot and a Docker engine need root"
if ! probe="$(unshare --mount --uts --ipc --net --pid --fork true 2>&1)"; then
  skip "the kernel refuses the namespaces a container needs (unshare --mount --uts --ipc --net --pid: ${probe:-no message}); this is probably itself an unprivileged container"
fi
grep -qE '\scgroup2?\s' /proc/mounts || skip "no cgroup file system is mounted (/proc/mounts): a Docker engine cannot limit containers"

for file in dashboards/alerts.yml dashboards/grafana/provisioning/dashboards/drover.yml; do
  [[ -f "$root/$file" ]] || fail "$file is missing (the dashboards half of the operations kit); compose mounts it"
done
mkdir -p "$work"
exec 9>"$work/lock"
if ! flock -n 9; then
  echo "docker/test.sh: waiting for another run that uses $work (its lock)" >&2
  flock -w 900 9 || fail "another run has held $work/lock for 15 minutes"
fi
logs="$work/last-run"
rm -rf "$logs" && mkdir -p "$logs"

missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
command -v mosquitto_pub >/dev/null 2>&1 || missing+=(mosquitto-clients)
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v ss >/dev/null 2>&1 || missing+=(iproute2)
if ((${#missing[@]} > 0)); then
  say "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
docker=/usr/bin/docker   # Debian's client, of the engine's version
[[ -x "$docker" ]] || docker="$(command -v docker)"

passed=0 failed=0
check() { # check NAME COMMAND...
  if "${@:2}"; then echo "PASS $1"; passed=$((passed + 1)); else echo "FAIL $1"; failed=$((failed + 1)); fi
}

project="drover-test-$$"
compose=(docker-compose -p "$project" -f "$root/docker/compose.yaml")
run="" image="" dockerd_pid="" sse_pid="" brought_up=""
engine="$work/engine"

stop_dockerd() { # TERM, up to 60 s for it to stop its containers and its containerd, then KILL
  local pid="$1" containerd
  containerd="$(cat "$engine/exec/containerd/containerd.pid" 2>/dev/null || true)"
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "$pid" 2>/dev/null; then
    echo "test: dockerd $pid did not stop in 60 s; killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
    [[ -n "$containerd" ]] && kill -KILL "$containerd" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
  # what the engine leaves mounted (its network namespace's bind mount): nothing outside $engine
  findmnt -rn -o TARGET | grep -F "$engine/" | sort -r | while read -r target; do umount "$target" 2>/dev/null || true; done || true
}
cleanup() {
  local status=$?
  trap - EXIT INT TERM HUP
  [[ -n "$sse_pid" ]] && kill "$sse_pid" 2>/dev/null || true
  if [[ -n "$brought_up" ]]; then
    ((status == 0)) || "${compose[@]}" logs --no-color --tail=60 >"$logs/compose.log" 2>&1 || true
    "${compose[@]}" down -v --remove-orphans -t 10 >>"$logs/compose-down.log" 2>&1 \
      || say "docker-compose down failed: $logs/compose-down.log" >&2
  fi
  [[ -n "$image" ]] && "$docker" rmi -f "$image" >/dev/null 2>&1 || true
  [[ -n "$run" ]] && rm -rf "$run"
  if [[ -n "$dockerd_pid" ]]; then
    "$docker" builder prune -af >/dev/null 2>&1 || true   # the run's build context; the base images stay
    stop_dockerd "$dockerd_pid"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# --- 0. the engine
if "$docker" info >/dev/null 2>&1; then
  say "using the running Docker engine (${DOCKER_HOST:-the default socket})"
  # projects of earlier runs whose script died without cleaning up (SIGKILL, power cut)
  for stale in $("$docker" ps -a --filter label=com.docker.compose.project --format '{{.Label "com.docker.compose.project"}}' | grep -E '^drover-test-[0-9]+$' | sort -u); do
    kill -0 "${stale#drover-test-}" 2>/dev/null && continue
    say "removing $stale, left by a run that is gone"
    docker-compose -p "$stale" -f "$root/docker/compose.yaml" down -v --remove-orphans -t 5 >/dev/null 2>&1 || true
  done
else
  mkdir -p "$engine"
  if [[ -f "$engine/dockerd.pid" ]]; then   # an engine of an earlier run of this directory (it held the lock)
    old="$(cat "$engine/dockerd.pid")"
    if [[ "$old" =~ ^[0-9]+$ ]] && tr '\0' ' ' <"/proc/$old/cmdline" 2>/dev/null | grep -qF -- "--data-root $engine/data "; then
      say "stopping dockerd $old, left by an earlier run"
      stop_dockerd "$old"
    fi
  fi
  say "starting a Docker engine of its own (no bridge, no iptables; in $engine, log $logs/dockerd.log)"
  # In a session of its own, so that a signal to this script's process group (Ctrl-C, the suite's
  # timeout) reaches the trap below first, which takes the cluster down before stopping the engine;
  # fd 9 (the lock) is not handed to the engine, which must never hold the lock without this script.
  setsid dockerd --data-root "$engine/data" --exec-root "$engine/exec" --pidfile "$engine/dockerd.pid" \
    -H "unix://$engine/docker.sock" --containerd-namespace drover-test --containerd-plugins-namespace drover-test-plugins \
    --bridge=none --iptables=false --ip6tables=false >"$logs/dockerd.log" 2>&1 9>&- &
  dockerd_pid=$!
  export DOCKER_HOST="unix://$engine/docker.sock"
  for _ in $(seq 1 120); do
    "$docker" info >/dev/null 2>&1 && break
    kill -0 "$dockerd_pid" 2>/dev/null || break
    sleep 0.5
  done
  if ! "$docker" info >/dev/null 2>&1; then
    tail -n 15 "$logs/dockerd.log" >&2
    fail "dockerd did not come up (above: the end of $logs/dockerd.log)"
  fi
  # everything in this engine is this script's: containers of an earlier run never restart (restart "no")
  leftovers="$("$docker" ps -aq)"
  [[ -z "$leftovers" ]] || "$docker" rm -f $leftovers >/dev/null
  "$docker" volume prune -f >/dev/null
fi
say "engine $("$docker" version --format '{{.Server.Version}}'), storage driver $("$docker" info --format '{{.Driver}}')"

# --- 1. images from Debian packages: one debootstrap, one import, the three images layered on it
packages=openjdk-17-jre-headless,postgresql-15,prometheus
key="$(cksum <<<"bookworm minbase two-stage unsafe-io pgman $packages $(cksum <"$root/docker/test/postgres-entrypoint")" | cut -d' ' -f1)"
base="drover-test/base:$key"
rootfs="$work/rootfs-$key"
if ! "$docker" image inspect "$base" >/dev/null 2>&1; then
  if [[ ! -f "$rootfs.done" ]]; then
    rm -rf "$work"/rootfs-*
    say "debootstrap bookworm, minbase with $packages (cached after the first run)"
    # In two stages, so that dpkg is told before it installs anything: no fsync per file (a throwaway
    # tree), no manuals, documentation or translations outside PostgreSQL's own (its postinst links
    # each of those manuals), and no PostgreSQL cluster of the package's own (the entrypoint
    # makes the one the image uses).
    debootstrap --foreign --variant=minbase --include="$packages" bookworm "$rootfs" "${DROVER_DEBIAN_MIRROR:-http://deb.debian.org/debian}" \
      >"$logs/debootstrap.log" 2>&1 || { tail -n 15 "$logs/debootstrap.log" >&2; fail "debootstrap failed (above: the end of $logs/debootstrap.log)"; }
    mkdir -p "$rootfs/etc/dpkg/dpkg.cfg.d" "$rootfs/etc/postgresql-common/createcluster.d"
    printf '%s\n' force-unsafe-io 'path-exclude=/usr/share/man/*' 'path-exclude=/usr/share/doc/*' \
      'path-exclude=/usr/share/locale/*' >"$rootfs/etc/dpkg/dpkg.cfg.d/drover-test"
    echo 'create_main_cluster = false' >"$rootfs/etc/postgresql-common/createcluster.d/drover-test.conf"
    chroot "$rootfs" /debootstrap/debootstrap --second-stage >>"$logs/debootstrap.log" 2>&1 \
      || { tail -n 15 "$logs/debootstrap.log" >&2; fail "debootstrap's second stage failed (above: the end of $logs/debootstrap.log)"; }
    findmnt -rn -o TARGET | grep -F "$rootfs/" | sort -r | while read -r target; do umount "$target" 2>/dev/null || true; done || true
    # the stand-in for the postgres image: its entrypoint and data dir; no cluster of the package's own
    install -m 0755 "$root/docker/test/postgres-entrypoint" "$rootfs/usr/local/bin/postgres-entrypoint"
    rm -rf "$rootfs/var/lib/postgresql/15" "$rootfs/etc/postgresql/15"
    mkdir -p "$rootfs/var/lib/postgresql/data" "$rootfs/run/postgresql" "$rootfs/prometheus"
    chroot "$rootfs" chown -R postgres:postgres /var/lib/postgresql /run/postgresql
    chroot "$rootfs" chown nobody:nogroup /prometheus
    chroot "$rootfs" apt-get clean
    rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/*
    touch "$rootfs.done"
  fi
  say "docker import $base"
  tar -C "$rootfs" -c . | "$docker" import - "$base" >/dev/null
fi
if [[ -n "$dockerd_pid" ]]; then   # this script's engine: base images of other package lists are stale
  for stale in $("$docker" images --format '{{.Repository}}:{{.Tag}}' drover-test/base | grep -vxF "$base" || true); do
    "$docker" rmi "$stale" >/dev/null 2>&1 || true
  done
fi
layered() { # layered TAG DOCKERFILE-LINES...: an image FROM the base, its own settings only
  local context="$run/context-${1//[\/:]/-}"
  mkdir -p "$context" && printf '%s\n' "FROM $base" "${@:2}" >"$context/Dockerfile"
  DOCKER_BUILDKIT=1 "$docker" build -q -t "$1" "$context" >"$logs/build-${1//[\/:]/-}.log" 2>&1 \
    || { tail -n 15 "$logs/build-${1//[\/:]/-}.log" >&2; fail "building $1 failed"; }
}
run="$(mktemp -d "$work/run.XXXXXX")"
say "the postgres and prometheus stand-ins"
layered drover-test/postgres:15 "USER postgres" "ENV PGDATA=/var/lib/postgresql/data" 'ENTRYPOINT ["/usr/local/bin/postgres-entrypoint"]'
layered drover-test/prometheus:debian "USER nobody" 'ENTRYPOINT ["/usr/bin/prometheus"]'

# --- 2. Drover's image, the jar built here
jar="$root/hub/target/drover.jar"
if [[ "${DROVER_DOCKER_TEST_JAR_BUILT:-}" == 1 ]]; then
  [[ -f "$jar" ]] || fail "DROVER_DOCKER_TEST_JAR_BUILT=1 but there is no $jar"
else
  say "building the jar (mvn -pl hub -am package -DskipTests)"
  mvn -B -q -f "$root/pom.xml" -pl hub -am package -DskipTests
fi
image="drover-test/drover:run-$$"
say "building Drover's image $image"
DOCKER_BUILDKIT=1 "$docker" build -q --network host -f "$root/docker/Dockerfile" --build-arg JAR_STAGE=prebuilt \
  --build-arg BASE_IMAGE="$base" -t "$image" "$root" >"$logs/build-drover.log" 2>&1 \
  || { tail -n 15 "$logs/build-drover.log" >&2; fail "building Drover's image failed"; }

# --- 3. the cluster, on ports free now
taken="$(ss -Htanu | awk '{ n = split($5, a, ":"); print a[n] }' | sort -un)"
declare -A chosen=()
free_port() { # free_port VAR: exports VAR, a port in 10000-32767 (below the kernel's ephemeral range) nothing uses now
  local port
  while :; do
    port=$((10000 + RANDOM % 22768))
    [[ -z "${chosen[$port]:-}" ]] && ! grep -qx "$port" <<<"$taken" && break
  done
  chosen[$port]=1
  export "$1=$port"
}
for var in DROVER_HUB1_HTTP_PORT DROVER_HUB1_HTTPS_PORT DROVER_HUB1_CLUSTER_PORT DROVER_HUB1_EVENTBUS_PORT \
    DROVER_HUB2_HTTP_PORT DROVER_HUB2_HTTPS_PORT DROVER_HUB2_CLUSTER_PORT DROVER_HUB2_EVENTBUS_PORT \
    DROVER_GW1_HTTP_PORT DROVER_GW1_HTTPS_PORT DROVER_GW1_MQTT_PORT DROVER_GW1_MQTTS_PORT DROVER_GW1_COAP_PORT \
    DROVER_GW1_CLUSTER_PORT DROVER_GW1_EVENTBUS_PORT DROVER_POSTGRES_PORT DROVER_PROMETHEUS_PORT DROVER_GRAFANA_PORT; do
  free_port "$var"
done
hub1="$DROVER_HUB1_HTTP_PORT" hub2="$DROVER_HUB2_HTTP_PORT" gw1="$DROVER_GW1_HTTP_PORT"
say "ports hub1 $hub1, hub2 $hub2, gw1 $gw1 (MQTT $DROVER_GW1_MQTT_PORT), PostgreSQL $DROVER_POSTGRES_PORT, Prometheus $DROVER_PROMETHEUS_PORT"

export DROVER_SECRETS_DIR="$run/secrets" DROVER_PROMETHEUS_CONFIG="$run/prometheus.yml" DROVER_RESTART=no
export POSTGRES_IMAGE=drover-test/postgres:15 PROMETHEUS_IMAGE=drover-test/prometheus:debian DROVER_IMAGE="$image"
sed -e "s/\"127.0.0.1:8080\"/\"127.0.0.1:$hub1\"/" -e "s/\"127.0.0.1:8081\"/\"127.0.0.1:$hub2\"/" \
  -e "s/\"127.0.0.1:8082\"/\"127.0.0.1:$gw1\"/" "$root/docker/prometheus.yml" >"$DROVER_PROMETHEUS_CONFIG"
for port in "$hub1" "$hub2" "$gw1"; do
  grep -q "\"127.0.0.1:$port\"" "$DROVER_PROMETHEUS_CONFIG" || fail "docker/prometheus.yml no longer names 127.0.0.1:8080, :8081 and :8082"
done
"$root/docker/make-secrets" >/dev/null
say "docker-compose -p $project up postgres hub1 hub2 gw1 prometheus"
brought_up=1
"${compose[@]}" up -d --no-build postgres hub1 hub2 gw1 prometheus 2>"$logs/compose-up.log" \
  || { cat "$logs/compose-up.log" >&2; fail "docker-compose up failed"; }

# --- 4. the checks
ready() { # ready PORT: /health/ready within 240 s
  local deadline=$((SECONDS + 240))
  until curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$1/health/ready" 2>/dev/null; do
    ((SECONDS < deadline)) || return 1
    sleep 2
  done
}
token="$(cat "$DROVER_SECRETS_DIR/metrics-token")"
members() { # members PORT: the node sees 3 members
  curl -fsS --max-time 5 -H "Authorization: Bearer $token" "http://127.0.0.1:$1/health" | grep -q '"members":3'
}
for node in "hub1:$hub1" "hub2:$hub2" "gw1:$gw1"; do
  check "${node%%:*} answers /health/ready" ready "${node##*:}"
done
for node in "hub1:$hub1" "hub2:$hub2" "gw1:$gw1"; do
  check "${node%%:*} sees 3 cluster members" members "${node##*:}"
done
healthy() { # healthy SERVICE: Docker's health check (/health/live) says healthy within 60 s
  local id deadline=$((SECONDS + 60))
  id="$("${compose[@]}" ps -q "$1")"
  until [[ "$("$docker" inspect --format '{{.State.Health.Status}}' "$id")" == healthy ]]; do
    ((SECONDS < deadline)) || return 1
    sleep 2
  done
}
check "Docker's health check says hub1 is healthy" healthy hub1
not_root() { [[ "$("${compose[@]}" exec -T hub1 id -u)" == 10001 ]]; }
check "hub1 runs as a user that is not root" not_root

# a device through the gateway, its event on the other hub's stream
admin="$("${compose[@]}" exec -T hub1 cat /var/lib/drover/admin-token | tr -d '\r\n')"
device="$(curl -fsS -X POST -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' -d '{}' "http://127.0.0.1:$hub1/v1/admin/devices")"
id="$(sed -E 's/.*"id":"([^"]+)".*/\1/' <<<"$device")"
secret="$(sed -E 's/.*"secret":"([^"]+)".*/\1/' <<<"$device")"
curl -sN -H "Authorization: Bearer $admin" "http://127.0.0.1:$hub2/v1/devices/events/through-gw1" >"$logs/stream.txt" &
sse_pid=$!
event_through_gateway() {
  local i
  for i in $(seq 1 20); do
    mosquitto_pub -h 127.0.0.1 -p "$DROVER_GW1_MQTT_PORT" -i "$id" -u "$id" -P "$secret" -q 1 -t e/through-gw1 -m "reading-$i" 2>/dev/null || true
    sleep 1
    grep -q "\"coreid\":\"$id\"" "$logs/stream.txt" && return 0
  done
  return 1
}
check "a device's event through gw1 reaches hub2's stream" event_through_gateway
kill "$sse_pid" 2>/dev/null || true
sse_pid=""

scraped() { # Prometheus has scraped all three nodes, each target up, within 90 s
  local deadline=$((SECONDS + 90)) targets
  while ((SECONDS < deadline)); do
    targets="$(curl -fsS --max-time 5 "http://127.0.0.1:$DROVER_PROMETHEUS_PORT/api/v1/targets" 2>/dev/null || true)"
    if [[ "$(grep -o '"health":"up"' <<<"$targets" | wc -l)" -eq 3 ]]; then return 0; fi
    sleep 3
  done
  echo "$targets" >&2
  return 1
}
check "Prometheus scrapes hub1, hub2 and gw1" scraped
no_bridge() { ! ip -br addr | grep -q '^docker0\|^br-'; }
check "no container has a bridge address (host network only)" no_bridge

say "checks done"
((failed == 0)) || echo "the services' logs: $logs/compose.log"
echo "$passed passed, $failed failed"
((failed == 0))
