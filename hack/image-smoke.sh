#!/usr/bin/env bash
# Proves the container image works without a container engine: builds the binary as the
# Dockerfile's build stage does, assembles the Dockerfile's runtime stage as a root filesystem from
# Debian's packages, and runs the image's entrypoint in it the way the Deployment runs the pod's two
# containers (uid 65532, read-only root; the webhook with /tmp writable and the serving certificate
# mounted read-only; the controller with a real service-account token against a real API server),
# then talks to them. Any difference it cannot reproduce, and any wrong answer, fails the run.
#
#   sudo hack/image-smoke.sh [--keep] [--refresh]
#
#   --keep      keep the work folder (root filesystem, logs, requests) and print its path
#   --refresh   rebuild the cached base root filesystem even when its package list is unchanged
#               (to pick up Debian security updates, as `docker build --pull` would)
#
# Environment:
#   RAY_IMAGE_CACHE    where the base root filesystem is cached
#                      (default: ${XDG_CACHE_HOME:-$HOME/.cache}/ray-operator-image)
#   RAY_IMAGE_MIRROR   Debian mirror for debootstrap (default: the host's apt source for the suite)
#   RAY_IMAGE_CONTROLLER=0  skip the controller container (it needs a kube-apiserver); without it,
#                      a kube-apiserver that cannot be built or started fails the run
#   RAY_IMAGE_API_PORT port of the kube-apiserver started for the controller (default 17443;
#                      etcd uses PORT+10000 and PORT+10001)
#   RAY_E2E_TOOLS      folder of the kube-apiserver tool (build.sh, start.sh, stop.sh); default:
#                      shared/tools/kube-apiserver beside the repository (as scripts/test)
#
# Needs: root, a Debian host of the image's release with the Swift release of the build image on
# PATH, and kubectl >= 1.24 (`kubectl create token`) for the controller. Installs debootstrap, curl,
# jq, openssl, socat and the build stage's -dev packages when missing; builds the kube-apiserver
# (about 7 minutes, once) when it is not cached.
set -euo pipefail

# ---- The Dockerfile, restated ----------------------------------------------------------------
# Tests/EndToEndTests/ImageSmokeScriptTests.swift fails when these differ from the Dockerfile and
# config/manager/manager.yaml, and when the rest of the script spells any of them out instead of
# using these variables. One value per line, no quotes: the test reads them as written.
# Build stage: base image, the packages it installs, the `swift build` flags and product, and
# where it leaves the binary (`/out`, copied from there by the runtime stage).
build_base=swift:6.3-bookworm
build_packages=(libssl-dev libyaml-dev)
build_flags=(-c release --static-swift-stdlib)
build_product=ray-operator
build_out=/out/ray-operator
# Runtime stage: base image, the packages it installs, what it copies (build stage path:image
# path), its user, entrypoint and default arguments.
runtime_base=debian:bookworm-slim
runtime_packages=(libssl3 libyaml-0-2)
runtime_copies=(/out/ray-operator:/usr/local/bin/ray-operator)
runtime_user=65532:65532
runtime_entrypoint=(ray-operator)
runtime_cmd=(webhook)
# ---- config/manager/manager.yaml, restated (the `webhook` container of the Deployment) ---------
# The pod's runAsUser:runAsGroup (which override USER), the container's args (which replace CMD),
# where the Secret with the serving certificate is mounted read-only, and the emptyDir on /tmp
# (the only writable path, since readOnlyRootFilesystem) with its size limit.
deployment_run_as=65532:65532
deployment_webhook_args=(webhook --port=9443 --cert-dir=/tmp/k8s-webhook-server/serving-certs --metrics-bind-address=:8080 --health-probe-bind-address=:8081)
deployment_cert_mount=/tmp/k8s-webhook-server/serving-certs
deployment_writable=/tmp
deployment_tmp_size=16Mi
# The `controller` container: its args; the ports it declares (metrics, and the health port its
# readiness and liveness probes use); the paths it mounts writable (none: it writes nothing); and
# the projected volume `kube-api-access`, mounted read-only: where, the files it holds (the
# service-account token, the cluster CA, the pod's namespace), the token's lifetime, the files' mode.
deployment_controller_args=(controller --leader-elect --leader-election-id=ray-operator-leader --metrics-bind-address=:8082 --health-probe-bind-address=:8083)
deployment_controller_metrics_port=8082
deployment_controller_health_port=8083
deployment_controller_writable=()
deployment_sa_mount=/var/run/secrets/kubernetes.io/serviceaccount
deployment_sa_files=(token ca.crt namespace)
deployment_sa_token_seconds=3607
deployment_sa_mode=0444
# The subcommands whose --help must work from the image.
subcommands=(webhook controller validate convert)
# ----------------------------------------------------------------------------------------------

self=$(readlink -f "$0")
repo=$(cd "$(dirname "$self")/.." && pwd)

# What a container runtime gives the entrypoint: Docker's default PATH (the Debian image sets none)
# and HOME=/ for a uid with no passwd entry.
container_path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

say() { printf '==> %s\n' "$*"; }
ok() { printf '    ok: %s\n' "$*"; }
fail() {
  printf '\nimage-smoke: FAIL: %s\n' "$*" >&2
  exit 1
}
# Prints the end of a log to stderr, for the failure that follows.
show_log() { [ -s "$1" ] && { echo "---- last lines of $1:" >&2; tail -n "${2:-30}" "$1" >&2; echo "----" >&2; }; return 0; }

# The value of --NAME=VALUE in the remaining arguments.
arg_value() {
  local name=$1 arg; shift
  for arg in "$@"; do case "$arg" in "--$name="*) printf '%s\n' "${arg#*=}"; return 0 ;; esac; done
  fail "no --$name=VALUE among: $*"
}
# "16Mi" -> "16m" (tmpfs size syntax).
tmpfs_size() {
  case "$1" in
    *Ki) echo "${1%Ki}k" ;; *Mi) echo "${1%Mi}m" ;; *Gi) echo "${1%Gi}g" ;;
    *[!0-9]*) fail "cannot turn the emptyDir sizeLimit $1 into a tmpfs size" ;;
    *) echo "$1" ;;
  esac
}

# ---- inside the container's namespaces ---------------------------------------------------------
# Runs as the child of `unshare --mount --uts --ipc --net --pid --fork` (so pid 1 of a new PID
# namespace, with its own network namespace like a pod) and builds the container's view from the
# image's root filesystem, as a container runtime and the kubelet do, then replaces itself with the
# entrypoint. Every mount is private to this namespace and disappears with it.
#   SMOKE_ROOTFS  the image's root filesystem     SMOKE_MNT    an empty folder to assemble it in
#   SMOKE_USER    uid:gid to run as               SMOKE_SECRET folder to mount at the cert path, or empty
#   SMOKE_ETC     folder with hosts, hostname, resolv.conf (the files the kubelet mounts)
#   SMOKE_WRITABLE  paths that get an emptyDir (a size-limited tmpfs), space-separated
#   SMOKE_SA      folder to mount read-only at the service-account path, or empty
#   SMOKE_ENV     NAME=VALUE words added to the environment (what the kubelet injects)
#   SMOKE_API     "SOCKET PORT": the cluster's Service address, 127.0.0.1:PORT, forwarded to SOCKET
container_main() {
  local mnt=$SMOKE_MNT uid=${SMOKE_USER%%:*} gid=${SMOKE_USER##*:} device path sa_target=""
  # readOnlyRootFilesystem: the image, bound read-only.
  mount --bind "$SMOKE_ROOTFS" "$mnt"
  # A runtime creates missing mount points in the container's root before it goes read-only, and
  # resolves them inside that root (/var/run is a link to /run there; on the host it would be the
  # host's /run).
  if [ -n "${SMOKE_SA:-}" ]; then
    chroot "$mnt" mkdir -p "$deployment_sa_mount"
    sa_target=$(chroot "$mnt" readlink -f "$deployment_sa_mount")
  fi
  mount -o remount,bind,ro,nosuid,nodev "$mnt"
  # What every container gets: /proc of its PID namespace, a read-only /sys, a small /dev.
  mount -t proc -o nosuid,nodev,noexec proc "$mnt/proc"
  mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$mnt/sys"
  mount -t tmpfs -o nosuid,noexec,mode=755,size=64k tmpfs "$mnt/dev"
  for device in null zero full random urandom tty; do
    : > "$mnt/dev/$device"
    mount --bind "/dev/$device" "$mnt/dev/$device"
  done
  ln -s /proc/self/fd "$mnt/dev/fd"
  ln -s /proc/self/fd/0 "$mnt/dev/stdin"; ln -s /proc/self/fd/1 "$mnt/dev/stdout"; ln -s /proc/self/fd/2 "$mnt/dev/stderr"
  mkdir "$mnt/dev/shm"; mount -t tmpfs -o nosuid,nodev,noexec,mode=1777,size=64m tmpfs "$mnt/dev/shm"
  # The kubelet's /etc/hosts, /etc/hostname, /etc/resolv.conf.
  for device in hosts hostname resolv.conf; do
    mount --bind "$SMOKE_ETC/$device" "$mnt/etc/$device"
    mount -o remount,bind,ro "$mnt/etc/$device"
  done
  # The emptyDir volume `tmp` (world-writable, as the kubelet makes it), limited like sizeLimit.
  for path in ${SMOKE_WRITABLE:-}; do
    mount -t tmpfs -o "nosuid,nodev,mode=1777,size=$(tmpfs_size "$deployment_tmp_size")" tmpfs "$mnt$path"
  done
  # The projected volume kube-api-access, read-only.
  if [ -n "$sa_target" ]; then
    mount --bind "$SMOKE_SA" "$mnt$sa_target"
    mount -o remount,bind,ro "$mnt$sa_target"
  fi
  # The Secret volume with the serving certificate, read-only, at the Deployment's mountPath.
  if [ -n "$SMOKE_SECRET" ]; then
    mkdir -p "$mnt$deployment_cert_mount"
    mount --bind "$SMOKE_SECRET" "$mnt$deployment_cert_mount"
    mount -o remount,bind,ro "$mnt$deployment_cert_mount"
  fi
  cat "$SMOKE_ETC/hostname" > /proc/sys/kernel/hostname
  ip link set lo up
  # The `kubernetes` Service, as kube-proxy makes it reachable from the pod: here a forwarder in
  # the pod's network namespace from 127.0.0.1:PORT to a socket the host forwards to the API
  # server (TLS passes through untouched). It runs beside the entrypoint and dies with the
  # namespace; it must listen before the entrypoint starts.
  if [ -n "${SMOKE_API:-}" ]; then
    local socket=${SMOKE_API% *} port=${SMOKE_API#* } tries=0
    socat "TCP-LISTEN:$port,bind=127.0.0.1,fork,reuseaddr" "UNIX-CONNECT:$socket" &
    until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
      tries=$((tries + 1)); [ "$tries" -lt 100 ] || { echo "image-smoke: the API forwarder does not listen" >&2; exit 1; }
      sleep 0.05
    done
  fi
  # The entrypoint is looked up on the container's PATH inside its root, as the runtime does; the
  # environment is only what the runtime sets. no_new_privs = allowPrivilegeEscalation: false.
  # capabilities: drop: [ALL]: the bounding set keeps only what the last step needs to chroot and
  # switch users; the switch to a non-root uid then empties every other set, and with no_new_privs
  # nothing can bring a capability back. --setgid also drops the supplementary groups.
  # shellcheck disable=SC2086 # SMOKE_ENV is a list of NAME=VALUE words
  exec env -i PATH="$container_path" HOME=/ HOSTNAME="$(cat "$SMOKE_ETC/hostname")" ${SMOKE_ENV:-} \
    setpriv --no-new-privs --bounding-set=-all,+sys_chroot,+setuid,+setgid -- \
    unshare --root="$mnt" --wd=/ --setgid="$gid" --setuid="$uid" -- "$@"
}

if [ "${1:-}" = __container ]; then
  shift
  container_main "$@"
fi

# ---- options -------------------------------------------------------------------------------------
keep=0
refresh=0
while [ $# -gt 0 ]; do
  case "$1" in
    --keep) keep=1; shift ;;
    --refresh) refresh=1; shift ;;
    -h|--help) sed -n '2,29s/^# \{0,1\}//p' "$self"; exit 0 ;;
    *) echo "image-smoke: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

started=$SECONDS
phase_started=$SECONDS
timings=()
phase_done() { timings+=("$1: $((SECONDS - phase_started)) s"); phase_started=$SECONDS; }

# ---- preflight: can this host reproduce the Dockerfile? ----------------------------------------
say "preflight"
[ "$(id -u)" = 0 ] || fail "run as root (debootstrap, chroot and mount namespaces need it): sudo $0"
[ "$(uname -s)" = Linux ] || fail "needs Linux (mount and PID namespaces)"

# The release both stages are built from: swift:6.3-bookworm and debian:bookworm-slim must agree,
# or the binary would be linked against another glibc than the one it runs with.
build_suite=${build_base##*-}
suite=${runtime_base#*:}; suite=${suite%-slim}
[ "$build_suite" = "$suite" ] || fail "build stage ($build_base) and runtime stage ($runtime_base) are different Debian releases"
case "$runtime_base" in debian:*-slim) ;; *) fail "runtime base $runtime_base: only debian:<release>-slim can be assembled with debootstrap here" ;; esac
host_suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
[ "$host_suite" = "$suite" ] || fail "the host is Debian '${host_suite:-unknown}', the build stage is $build_base: a binary built here would not be the image's"
swift_wanted=${build_base#swift:}; swift_wanted=${swift_wanted%%-*}
command -v swift >/dev/null || fail "swift is not on PATH (the build stage uses $build_base: install Swift $swift_wanted; sudo resets PATH: sudo env PATH=\"\$PATH\" $0)"
swift_version=$(swift --version 2>&1 | sed -n 's/.*Swift version \([0-9][0-9.]*\).*/\1/p' | head -n 1)
case "$swift_version" in
  "$swift_wanted" | "$swift_wanted".*) ok "host: Debian $host_suite, Swift $swift_version (build stage: $build_base)" ;;
  *) fail "host Swift is ${swift_version:-unknown}, the build stage uses $build_base" ;;
esac
arch=$(dpkg --print-architecture)

missing=()
for package in "${build_packages[@]}"; do dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package"); done
for tool in debootstrap curl jq openssl socat; do command -v "$tool" >/dev/null || missing+=("$tool"); done
command -v ip >/dev/null || missing+=(iproute2)
command -v strip >/dev/null || missing+=(binutils)
for tool in unshare nsenter setpriv chroot ldd sha256sum; do
  command -v "$tool" >/dev/null || fail "$tool is missing (util-linux, coreutils and libc-bin are part of every Debian)"
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing on the host: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The image's Debian sources: the host's for the same release (main, updates, security), so the
# script uses whatever mirror the machine is set up with and names none itself.
host_debian_sources() {
  apt-get indextargets --format '$(TARGET_OF) $(REPO_URI) $(RELEASE) $(COMPONENT)' 2>/dev/null \
    | awk -v s="$suite" '$1 == "deb" && $4 == "main" && ($3 == s || $3 == s "-updates" || $3 == s "-security") { print $2, $3 }' | sort -u
}
mapfile -t host_sources < <(host_debian_sources)
# apt lists only what it has downloaded: on a machine where apt-get update never ran, run it once.
if [ ${#host_sources[@]} -eq 0 ]; then
  apt-get update -qq
  mapfile -t host_sources < <(host_debian_sources)
fi
mirror=${RAY_IMAGE_MIRROR:-}
if [ -z "$mirror" ]; then
  for line in "${host_sources[@]}"; do [ "${line#* }" = "$suite" ] && mirror=${line%% *}; done
fi
[ -n "$mirror" ] || fail "no Debian mirror for $suite in the host's apt sources; set RAY_IMAGE_MIRROR"

# The controller container needs an API server: the kube-apiserver tool (built once, then cached)
# and a kubectl that can mint service-account tokens.
controller_check=${RAY_IMAGE_CONTROLLER:-1}
api_port=${RAY_IMAGE_API_PORT:-17443}
api_tools=${RAY_E2E_TOOLS:-$repo/../shared/tools/kube-apiserver}
cannot_check_controller() { fail "$*; the controller container cannot be checked without it (RAY_IMAGE_CONTROLLER=0 skips it)"; }
if [ "$controller_check" = 0 ]; then
  printf '\n*** image-smoke: WARNING: RAY_IMAGE_CONTROLLER=0: the controller container will NOT be started or checked\n\n' >&2
else
  command -v kubectl >/dev/null || cannot_check_controller "kubectl is not installed"
  kubectl create token --help >/dev/null 2>&1 \
    || cannot_check_controller "$(kubectl version --client 2>/dev/null | head -n 1) has no \`kubectl create token\` (needs kubectl >= 1.24)"
  for file in build.sh start.sh stop.sh; do
    [ -f "$api_tools/$file" ] || cannot_check_controller "the kube-apiserver tool is not at $api_tools (no $file; set RAY_E2E_TOOLS)"
  done
  case "$api_port" in ''|*[!0-9]*) fail "RAY_IMAGE_API_PORT=$api_port is not a port number" ;; esac
  if (exec 3<>"/dev/tcp/127.0.0.1/$api_port") 2>/dev/null; then
    cannot_check_controller "port $api_port is already in use (choose another with RAY_IMAGE_API_PORT)"
  fi
  ok "controller prerequisites: kube-apiserver tool at $api_tools, port $api_port free, $(kubectl version --client 2>/dev/null | head -n 1)"
fi
phase_done preflight

work=$(mktemp -d /tmp/ray-image-smoke.XXXXXX)
declare -A container_pids=()
api_dir=""
api_forwarder=""
api_starter=""
cleanup() {
  local status=$? name pid pids
  # Killing unshare kills the container (--kill-child) and with it every mount it made.
  for name in "${!container_pids[@]}"; do kill -KILL "${container_pids[$name]}" 2>/dev/null || true; wait "${container_pids[$name]}" 2>/dev/null || true; done
  for pid in $api_forwarder $api_starter; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  if [ -n "$api_dir" ]; then
    pids=$(cat "$api_dir"/*.pid 2>/dev/null || true)
    bash "$work/kube-apiserver-tool/stop.sh" "$api_dir" > /dev/null 2>&1 || true
    # Wait for them to exit, so that the next run finds the ports free.
    for pid in $pids; do for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done; done
  fi
  if [ "$keep" = 1 ]; then echo "work folder kept: $work"; else rm -rf "$work"; fi
  exit "$status"
}
trap cleanup EXIT
# Interrupted runs clean up too (bash skips the EXIT trap when a signal kills it).
trap 'exit 130' INT TERM

# ---- the kube-apiserver for the controller (built once, cached by its tool) ------------------------
if [ "$controller_check" != 0 ]; then
  say "kube-apiserver for the controller container (the first build takes about 7 minutes)"
  # A copy with execute bits: the tool's scripts call each other directly (as scripts/test does).
  cp -r "$api_tools" "$work/kube-apiserver-tool"
  chmod u+x "$work/kube-apiserver-tool"/*.sh
  if ! api_bin=$(bash "$work/kube-apiserver-tool/build.sh" 2> "$work/kube-apiserver-build.log"); then
    show_log "$work/kube-apiserver-build.log" 40
    cannot_check_controller "the kube-apiserver could not be built ($api_tools/build.sh)"
  fi
  ok "kube-apiserver: $api_bin"
  phase_done "kube-apiserver build (cached)"
fi

# ---- build stage ---------------------------------------------------------------------------------
say "build stage ($build_base): swift build ${build_flags[*]} --product $build_product"
cd "$repo"
# Under sudo, build as the user who ran it, so that .build stays theirs.
as_invoker() {
  if [ -n "${SUDO_UID:-}" ] && [ "$SUDO_UID" != 0 ]; then
    setpriv --reuid="$SUDO_UID" --regid="${SUDO_GID:-$SUDO_UID}" --init-groups \
      env HOME="$(getent passwd "$SUDO_UID" | cut -d: -f6)" "$@"
  else
    "$@"
  fi
}
if ! as_invoker swift build "${build_flags[@]}" --product "$build_product" > "$work/build.log" 2>&1; then
  show_log "$work/build.log" 40
  fail "swift build failed"
fi
bin_dir=$(as_invoker swift build "${build_flags[@]}" --show-bin-path)
# The build stage's file system: $work/build-stage plays its `/`.
build_root=$work/build-stage
mkdir -p "$build_root$(dirname "$build_out")"
cp "$bin_dir/$build_product" "$build_root$build_out"
strip "$build_root$build_out"
# The build stage's own check: no Swift runtime library left to load, nothing missing.
ldd "$build_root$build_out" > "$work/ldd-build.txt" || { cat "$work/ldd-build.txt" >&2; fail "ldd failed on the binary"; }
if grep -E 'libswift|libFoundation|not found' "$work/ldd-build.txt" >&2; then
  fail "the binary still needs the libraries above; the runtime stage has no Swift runtime"
fi
ok "$build_out: $(du -h "$build_root$build_out" | cut -f1) stripped; needs $(awk '{print $1}' "$work/ldd-build.txt" | tr '\n' ' ')"
phase_done "build stage"

# ---- runtime stage: the base image with its packages (cached) ----------------------------------
cache=${RAY_IMAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ray-operator-image}
# Bump `recipe` whenever the way the base is assembled below changes, so old caches are rebuilt.
recipe=1
key=$(printf 'recipe=%s base=%s arch=%s packages=%s\n' "$recipe" "$runtime_base" "$arch" "${runtime_packages[*]}" | sha256sum | cut -c1-16)
base_rootfs=$cache/rootfs-$key

# Runs a command chrooted into a root filesystem being assembled, with /proc and the host's DNS,
# in a private mount namespace so nothing stays mounted when it ends, however it ends.
chroot_run() {
  local root=$1; shift
  unshare --mount --fork -- bash -c '
    set -euo pipefail
    root=$1; shift
    mount -t proc proc "$root/proc"
    : > "$root/etc/resolv.conf"
    mount --bind /etc/resolv.conf "$root/etc/resolv.conf"
    exec chroot "$root" env -i PATH='"$container_path"' HOME=/root DEBIAN_FRONTEND=noninteractive "$@"
  ' chroot_run "$root" "$@"
}

assemble_base() {
  local tmp=$base_rootfs.partial
  rm -rf "$tmp"
  mkdir -p "$tmp"
  say "debootstrap --variant=minbase $suite ($arch) from $mirror"
  # minbase (the required packages and apt) is what Debian's container images are built from.
  if ! debootstrap --variant=minbase --arch="$arch" "$suite" "$tmp" "$mirror" > "$work/debootstrap.log" 2>&1; then
    show_log "$work/debootstrap.log" 40
    fail "debootstrap failed"
  fi
  # The image's apt sources: the release, its updates and security suites (as the published image).
  : > "$tmp/etc/apt/sources.list"
  for line in "${host_sources[@]}"; do echo "deb ${line%% *} ${line#* } main" >> "$tmp/etc/apt/sources.list"; done
  # The "-slim" of the base: documentation, man pages and translations are left out, now and for
  # every package installed later (the same dpkg excludes the slim image carries).
  cat > "$tmp/etc/dpkg/dpkg.cfg.d/docker" <<'EXCLUDES'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/lintian/overrides/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/man/*
EXCLUDES
  find "$tmp/usr/share/doc" -mindepth 1 ! -type d ! -name copyright -delete
  find "$tmp/usr/share/doc" -mindepth 1 -type d -empty -delete
  rm -rf "$tmp"/usr/share/{groff,info,linda,locale,man}/* "$tmp"/usr/share/lintian/overrides/*
  # The published base image is rebuilt with the release's updates; then the Dockerfile's RUN
  # (apt-get update, install --no-install-recommends, remove the lists).
  chroot_run "$tmp" sh -c 'apt-get update -qq && apt-get -y -qq dist-upgrade' > "$work/apt.log" 2>&1 \
    || { show_log "$work/apt.log"; fail "updating the base packages failed"; }
  chroot_run "$tmp" apt-get install -y -qq --no-install-recommends "${runtime_packages[@]}" >> "$work/apt.log" 2>&1 \
    || { show_log "$work/apt.log"; fail "apt-get install ${runtime_packages[*]} failed in the runtime stage"; }
  rm -rf "$tmp"/var/lib/apt/lists/*
  # Debian's images also drop downloaded packages after every install (their apt config).
  rm -rf "$tmp"/var/cache/apt/archives/*.deb "$tmp"/var/cache/apt/*.bin
  # Files a container runtime mounts at start: present, empty, nothing of this host in them.
  : > "$tmp/etc/hostname"; : > "$tmp/etc/resolv.conf"; : > "$tmp/etc/hosts"
  for package in "${runtime_packages[@]}"; do
    chroot "$tmp" dpkg-query -W -f '${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' \
      || fail "$package is not installed in the runtime stage"
  done
  printf '%s\n' "$runtime_base" "${runtime_packages[@]}" > "$tmp/.ray-image-smoke"
  # Only the current key is kept; a changed package list means a new key and a new build.
  for old in "$cache"/rootfs-*; do [ "$old" = "$tmp" ] || rm -rf "$old"; done
  mv "$tmp" "$base_rootfs"
}

mkdir -p "$cache"
if [ "$refresh" = 1 ] || [ ! -f "$base_rootfs/.ray-image-smoke" ]; then
  say "runtime stage: assembling $runtime_base + ${runtime_packages[*]} (cached in $base_rootfs)"
  assemble_base
  phase_done "runtime base (debootstrap + apt)"
else
  say "runtime stage: $runtime_base + ${runtime_packages[*]} from the cache ($base_rootfs, $(date -r "$base_rootfs/.ray-image-smoke" +%F); --refresh to rebuild)"
  phase_done "runtime base (cached)"
fi

# ---- the image: the base plus the Dockerfile's COPY --------------------------------------------
rootfs=$work/rootfs
cp -a "$base_rootfs" "$rootfs"
rm -f "$rootfs/.ray-image-smoke"
for pair in "${runtime_copies[@]}"; do
  source_path=${pair%%:*}; dest=${pair#*:}
  [ -e "$build_root$source_path" ] || fail "COPY --from=build $source_path: the build stage has no such file"
  mkdir -p "$rootfs$(dirname "$dest")"
  # COPY keeps the mode and gives the file to root.
  cp "$build_root$source_path" "$rootfs$dest"
  chown 0:0 "$rootfs$dest"
done
ok "image root filesystem: $rootfs"

# Every library the binary loads, found inside the image (its ldd, its library paths).
entry_path=$(for dir in ${container_path//:/ }; do [ -x "$rootfs$dir/${runtime_entrypoint[0]}" ] && { echo "$dir/${runtime_entrypoint[0]}"; break; }; done)
[ -n "$entry_path" ] || fail "ENTRYPOINT ${runtime_entrypoint[0]} is not on PATH ($container_path) in the image"
chroot "$rootfs" /usr/bin/ldd "$entry_path" > "$work/ldd-image.txt" 2>&1 || { cat "$work/ldd-image.txt" >&2; fail "ldd $entry_path failed in the image"; }
if grep -E 'not found|libswift|libFoundation' "$work/ldd-image.txt" >&2; then
  fail "inside the image, $entry_path cannot load the libraries above"
fi
ok "ldd $entry_path in the image finds all of: $(awk '{print $1}' "$work/ldd-image.txt" | tr '\n' ' ')"
image_bytes=$(du -sb "$rootfs" | cut -f1)
binary_bytes=$(stat -c %s "$rootfs$entry_path")
phase_done "image assembly"

# The controller's API server starts now and becomes ready while the webhook is checked.
if [ "$controller_check" != 0 ]; then
  api_dir=$work/kube-apiserver
  bash "$work/kube-apiserver-tool/start.sh" "$api_dir" "$api_port" > "$work/kube-apiserver.path" 2> "$work/kube-apiserver-start.log" &
  api_starter=$!
fi

# ---- containers ------------------------------------------------------------------------------------
# Files the kubelet would mount into every container.
mkdir -p "$work/etc" "$work/mnt"
echo ray-operator-smoke > "$work/etc/hostname"
printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.0.1\tray-operator-smoke\n' > "$work/etc/hosts"
: > "$work/etc/resolv.conf"

# container_run USER SECRET -- ARGV...: runs ARGV from the image in the foreground (stdin and
# stdout pass through), as USER, with SECRET (a folder, or "") mounted at the cert path, and the
# webhook's writable paths. The caller may set SMOKE_WRITABLE, SMOKE_SA, SMOKE_ENV and SMOKE_API
# (see container_main) for another container of the pod.
container_run() {
  local user=$1 secret=$2; shift 3
  # exec: in the background the subshell's PID becomes unshare's, whose namespaces are the container's.
  ( export SMOKE_ROOTFS=$rootfs SMOKE_MNT=$work/mnt SMOKE_ETC=$work/etc SMOKE_USER=$user SMOKE_SECRET=$secret
    export SMOKE_WRITABLE=${SMOKE_WRITABLE-$deployment_writable} SMOKE_SA=${SMOKE_SA:-} SMOKE_ENV=${SMOKE_ENV:-} SMOKE_API=${SMOKE_API:-}
    exec unshare --mount --uts --ipc --net --pid --fork --kill-child -- "$self" __container "$@" )
}
# container_start NAME USER SECRET -- ARGV...: the same in the background, output in $work/NAME.log.
container_start() {
  local name=$1 user=$2 secret=$3; shift 4
  ( export SMOKE_ROOTFS=$rootfs SMOKE_MNT=$work/mnt SMOKE_ETC=$work/etc SMOKE_USER=$user SMOKE_SECRET=$secret
    export SMOKE_WRITABLE=${SMOKE_WRITABLE-$deployment_writable} SMOKE_SA=${SMOKE_SA:-} SMOKE_ENV=${SMOKE_ENV:-} SMOKE_API=${SMOKE_API:-}
    exec unshare --mount --uts --ipc --net --pid --fork --kill-child -- "$self" __container "$@" ) > "$work/$name.log" 2>&1 &
  container_pids[$name]=$!
}
# The entrypoint's host PID: the only child of the unshare process.
container_process() {
  local children
  children=$(cat "/proc/${container_pids[$1]}/task/${container_pids[$1]}/children" 2>/dev/null) || true
  printf '%s\n' "${children%% *}"
}
# Runs a host command (curl) inside the container's network namespace, as a pod neighbour would.
in_netns() { local name=$1; shift; nsenter --net="/proc/${container_pids[$name]}/ns/net" -- "$@"; }
# Waits until GET /readyz on the health port answers 200; fails when the process dies first.
container_wait_ready() {
  local name=$1 port=$2 tries=0
  until in_netns "$name" curl -fsS -o /dev/null "http://127.0.0.1:$port/readyz" 2>/dev/null; do
    if ! kill -0 "${container_pids[$name]}" 2>/dev/null; then
      show_log "$work/$name.log"; fail "container $name exited before it was ready"
    fi
    tries=$((tries + 1))
    [ "$tries" -lt 300 ] || { show_log "$work/$name.log"; fail "container $name: /readyz not 200 after 30 s"; }
    sleep 0.1
  done
}
# Sends SIGTERM, as the kubelet does, and expects a clean exit (0) within the grace period.
container_stop() {
  local name=$1 pid process status=0
  pid=${container_pids[$name]}
  unset "container_pids[$name]"
  process=$(cat "/proc/$pid/task/$pid/children" 2>/dev/null) || true
  [ -n "$process" ] && kill -TERM "${process%% *}"
  for _ in $(seq 450); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid"; wait "$pid" 2>/dev/null || true; fail "container $name ignored SIGTERM for 45 s"; fi
  wait "$pid" || status=$?
  [ "$status" = 0 ] || { show_log "$work/$name.log"; fail "container $name exited with $status after SIGTERM"; }
}
# The process runs as the pod says: uid/gid, no supplementary groups, no capabilities,
# no_new_privs, read-only root, and exactly WRITABLE... writable.
check_process() {
  local name=$1 user=$2 process uid=${2%%:*} gid=${2##*:} path
  shift 2
  process=$(container_process "$name")
  [ -n "$process" ] || fail "container $name has no process"
  local status=/proc/$process/status
  awk '/^Uid:/ {print $2, $3, $4, $5}' "$status" | grep -qx "$uid $uid $uid $uid" || fail "$name runs as $(grep ^Uid: "$status"), not uid $uid"
  awk '/^Gid:/ {print $2, $3, $4, $5}' "$status" | grep -qx "$gid $gid $gid $gid" || fail "$name runs as $(grep ^Gid: "$status"), not gid $gid"
  grep -q '^CapEff:[[:space:]]*0000000000000000$' "$status" || fail "$name has capabilities: $(grep ^CapEff: "$status")"
  grep -q '^NoNewPrivs:[[:space:]]*1$' "$status" || fail "$name may gain privileges (no_new_privs is off)"
  awk '$5 == "/" {print $6}' "/proc/$process/mountinfo" | grep -q '^ro' || fail "$name's root filesystem is writable"
  for path in "$@"; do
    awk -v p="$path" '$5 == p {print $6}' "/proc/$process/mountinfo" | grep -q '^rw' || fail "$name's $path is not writable"
  done
  # Every other mount the container sees (apart from /dev, /proc and /dev/shm) is read-only.
  path=$(awk '$6 ~ /^rw/ && $5 != "/proc" && $5 !~ "^/dev" {print $5}' "/proc/$process/mountinfo" | grep -vxF -f <(printf '%s\n' "$@" | grep .) || true)
  [ -z "$path" ] || fail "$name can write to $(echo "$path" | tr '\n' ' ')beyond ${*:-nothing}"
  ok "$name: pid 1 of its namespace, uid $uid gid $gid, no capabilities, no_new_privs, / read-only, writable: ${*:-nothing}"
}

cd "$work"

# ---- --help of every subcommand, from the image -----------------------------------------------------
say "--help of every subcommand, run from the image as $runtime_user"
for command in "${subcommands[@]}"; do
  if ! container_run "$runtime_user" "" -- "${runtime_entrypoint[@]}" "$command" --help > "$work/help-$command.txt" 2>&1; then
    show_log "$work/help-$command.txt"; fail "${runtime_entrypoint[*]} $command --help failed in the image"
  fi
  grep -q "USAGE: .*$command" "$work/help-$command.txt" || { show_log "$work/help-$command.txt"; fail "$command --help printed no usage"; }
  ok "$command --help"
done
phase_done "--help"

# ---- offline validate and convert, from the image (and the requests' objects) --------------------
say "offline validate and convert, from the image"
v1_sample=$repo/config/samples/ray-cluster.sample.yaml
v1alpha1_sample=$repo/config/samples/ray_v1_raycluster.mini.yaml
container_run "$runtime_user" "" -- "${runtime_entrypoint[@]}" validate -f - < "$v1_sample" > "$work/validate.txt" 2>&1 \
  || { show_log "$work/validate.txt"; fail "validate rejected ${v1_sample#"$repo"/}"; }
ok "validate -f - < ${v1_sample#"$repo"/}"
container_run "$runtime_user" "" -- "${runtime_entrypoint[@]}" convert -f - -o json --output-version ray.io/v1 < "$v1_sample" > "$work/v1.json" \
  || fail "convert -o json of ${v1_sample#"$repo"/} failed"
container_run "$runtime_user" "" -- "${runtime_entrypoint[@]}" convert -f - -o json --output-version ray.io/v1alpha1 < "$v1alpha1_sample" > "$work/v1alpha1.json" \
  || fail "convert -o json of ${v1alpha1_sample#"$repo"/} failed"
container_run "$runtime_user" "" -- "${runtime_entrypoint[@]}" convert -f - -o json --output-version ray.io/v1 < "$v1alpha1_sample" > "$work/v1alpha1-as-v1.json" \
  || fail "convert of ${v1alpha1_sample#"$repo"/} to ray.io/v1 failed"
jq -e '.apiVersion == "ray.io/v1"' "$work/v1alpha1-as-v1.json" > /dev/null || fail "convert did not give a ray.io/v1 object"
ok "convert -o json, both directions' inputs"
phase_done "offline commands"

health_port=$(arg_value health-probe-bind-address "${deployment_webhook_args[@]}"); health_port=${health_port##*:}
metrics_port=$(arg_value metrics-bind-address "${deployment_webhook_args[@]}"); metrics_port=${metrics_port##*:}
webhook_port=$(arg_value port "${deployment_webhook_args[@]}")

# ---- the image as `docker run` starts it: default CMD, no certificate, /tmp writable -------------
# The webhook then makes a development certificate in /tmp: the only place it can write.
say "default command (${runtime_entrypoint[*]} ${runtime_cmd[*]}) as $runtime_user, no certificate mounted"
container_start default "$runtime_user" "" -- "${runtime_entrypoint[@]}" "${runtime_cmd[@]}"
container_wait_ready default "$health_port"
check_process default "$runtime_user" "$deployment_writable"
dev_ca=$(compgen -G "/proc/$(container_process default)/root$deployment_writable/ray-operator-dev-certs-*/ca.crt" | head -n 1) \
  || { show_log "$work/default.log"; fail "no development certificate under $deployment_writable"; }
cp "$dev_ca" "$work/dev-ca.crt"
# Any HTTP answer will do: what matters is that curl verified the certificate against that CA.
in_netns default curl -sS -o /dev/null --cacert "$work/dev-ca.crt" "https://localhost:$webhook_port/" 2> "$work/dev-tls.txt" \
  || { cat "$work/dev-tls.txt" >&2; fail "TLS with the development certificate failed"; }
ok "serves TLS on $webhook_port with a development certificate it wrote to ${dev_ca#/proc/*/root}"
container_stop default
ok "SIGTERM: exit 0"
phase_done "default command"

# ---- the webhook container as the Deployment starts it -------------------------------------------
say "webhook container as the Deployment runs it (${runtime_entrypoint[*]} ${deployment_webhook_args[*]})"
# The Secret webhook-server-cert as the kubelet projects it: files in a timestamped folder behind
# the ..data link, mode 0440 (defaultMode), group fsGroup; tls.crt, tls.key and ca.crt like
# cert-manager's.
"$repo/certs/generate.sh" -o "$work/certs" 2> "$work/certs.log" || { show_log "$work/certs.log"; fail "certs/generate.sh failed"; }
secret=$work/secret
stamp=..$(date +%Y_%m_%d_%H_%M_%S.%N)
mkdir -p "$secret/$stamp"
cp "$work/certs/tls.crt" "$work/certs/tls.key" "$work/certs/ca.crt" "$secret/$stamp/"
chown -R "0:${deployment_run_as##*:}" "$secret/$stamp"
chmod 0440 "$secret/$stamp"/*
chmod 0755 "$secret/$stamp"
ln -s "$stamp" "$secret/..data"
for file in tls.crt tls.key ca.crt; do ln -s "..data/$file" "$secret/$file"; done

container_start webhook "$deployment_run_as" "$secret" -- "${runtime_entrypoint[@]}" "${deployment_webhook_args[@]}"
container_wait_ready webhook "$health_port"
check_process webhook "$deployment_run_as" "$deployment_writable"
in_netns webhook curl -fsS "http://127.0.0.1:$health_port/healthz" > /dev/null || fail "GET /healthz failed"
ok "GET /readyz and /healthz on $health_port (plain HTTP)"

# HTTPS as the API server calls it: the Service's name, verified against the CA.
service_host=webhook-service.ray-system.svc
https() {
  local path=$1 body=$2 out=$3 code
  code=$(in_netns webhook curl -sS -o "$out" -w '%{http_code}' --cacert "$work/certs/ca.crt" \
    --resolve "$service_host:$webhook_port:127.0.0.1" -H 'Content-Type: application/json' \
    --data-binary "@$body" "https://$service_host:$webhook_port$path") || fail "POST $path: curl failed"
  [ "$code" = 200 ] || { cat "$out" >&2; fail "POST $path answered $code"; }
}
admission_review() {
  jq -n --arg uid "$1" --slurpfile object "$2" '{
    apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview",
    request: {
      uid: $uid,
      kind: {group: "ray.io", version: "v1", kind: "RayCluster"},
      resource: {group: "ray.io", version: "v1", resource: "rayclusters"},
      requestKind: {group: "ray.io", version: "v1", kind: "RayCluster"},
      requestResource: {group: "ray.io", version: "v1", resource: "rayclusters"},
      name: $object[0].metadata.name, namespace: "default", operation: "CREATE",
      userInfo: {username: "image-smoke"},
      object: $object[0], oldObject: null, dryRun: false,
      options: {apiVersion: "meta.k8s.io/v1", kind: "CreateOptions"}
    }
  }'
}

admission_review 6f0b6d3c-0000-4000-8000-000000000001 "$work/v1.json" > "$work/admit.json"
https /validate-ray-io-v1-raycluster "$work/admit.json" "$work/admit-response.json"
jq -e '.apiVersion == "admission.k8s.io/v1" and .kind == "AdmissionReview"
       and .response.uid == "6f0b6d3c-0000-4000-8000-000000000001" and .response.allowed == true' "$work/admit-response.json" > /dev/null \
  || { cat "$work/admit-response.json" >&2; fail "the valid sample was not admitted"; }
ok "POST /validate-ray-io-v1-raycluster: ${v1_sample#"$repo"/} allowed"

jq '.spec.workerGroupSpecs[0].minReplicas = -1' "$work/v1.json" > "$work/invalid.json"
admission_review 6f0b6d3c-0000-4000-8000-000000000002 "$work/invalid.json" > "$work/deny.json"
https /validate-ray-io-v1-raycluster "$work/deny.json" "$work/deny-response.json"
jq -e '.response.uid == "6f0b6d3c-0000-4000-8000-000000000002" and .response.allowed == false
       and (.response.status.message | test("negative minReplicas"))' "$work/deny-response.json" > /dev/null \
  || { cat "$work/deny-response.json" >&2; fail "a negative minReplicas was not denied with its message"; }
ok "POST /validate-ray-io-v1-raycluster: minReplicas -1 denied ($(jq -r '.response.status.message' "$work/deny-response.json" | tail -n 1 | cut -c1-80))"

jq -n --slurpfile object "$work/v1alpha1.json" '{
  apiVersion: "apiextensions.k8s.io/v1", kind: "ConversionReview",
  request: {uid: "6f0b6d3c-0000-4000-8000-000000000003", desiredAPIVersion: "ray.io/v1", objects: [$object[0]]}
}' > "$work/convert.json"
https /convert "$work/convert.json" "$work/convert-response.json"
jq -e '.response.uid == "6f0b6d3c-0000-4000-8000-000000000003" and .response.result.status == "Success"
       and (.response.convertedObjects | length) == 1 and .response.convertedObjects[0].apiVersion == "ray.io/v1"' "$work/convert-response.json" > /dev/null \
  || { cat "$work/convert-response.json" >&2; fail "the ConversionReview was not answered with one ray.io/v1 object"; }
# The webhook converts exactly as `ray-operator convert` does.
jq -S '.response.convertedObjects[0]' "$work/convert-response.json" > "$work/converted-webhook.json"
jq -S . "$work/v1alpha1-as-v1.json" > "$work/converted-offline.json"
diff -u "$work/converted-offline.json" "$work/converted-webhook.json" >&2 \
  || fail "POST /convert and \`convert --output-version ray.io/v1\` disagree (diff above)"
ok "POST /convert: ${v1alpha1_sample#"$repo"/} to ray.io/v1, the same object as offline convert"

in_netns webhook curl -fsS "http://127.0.0.1:$metrics_port/metrics" > "$work/metrics.txt" || fail "GET /metrics on $metrics_port failed"
grep -q '^controller_runtime_webhook_requests_total{.*} [1-9]' "$work/metrics.txt" || fail "/metrics counts no webhook request"
grep -q '^certwatcher_read_certificate_total [1-9]' "$work/metrics.txt" || fail "/metrics shows no certificate read"
ok "GET /metrics on $metrics_port counts the requests and the certificate read"

container_stop webhook
ok "SIGTERM: exit 0"
phase_done "Deployment webhook container"

# ---- the controller container as the Deployment starts it, against a real API server -------------
if [ "$controller_check" = 0 ]; then
  say "controller container: SKIPPED (RAY_IMAGE_CONTROLLER=0); only its --help was checked"
  phase_done "Deployment controller container (skipped)"
else
  say "controller container as the Deployment runs it (${runtime_entrypoint[*]} ${deployment_controller_args[*]})"
  # The ports the container declares are the ones its flags bind, and differ from the webhook's:
  # both containers share the pod's network namespace.
  controller_health=$(arg_value health-probe-bind-address "${deployment_controller_args[@]}"); controller_health=${controller_health##*:}
  controller_metrics=$(arg_value metrics-bind-address "${deployment_controller_args[@]}"); controller_metrics=${controller_metrics##*:}
  [ "$controller_health" = "$deployment_controller_health_port" ] \
    || fail "the controller binds its probes on $controller_health, but its probes call port $deployment_controller_health_port"
  [ "$controller_metrics" = "$deployment_controller_metrics_port" ] \
    || fail "the controller binds /metrics on $controller_metrics, but declares port $deployment_controller_metrics_port"
  [ "$(printf '%s\n' "$webhook_port" "$health_port" "$metrics_port" "$controller_health" "$controller_metrics" | sort -u | wc -l)" = 5 ] \
    || fail "the pod's two containers bind the same port (webhook: $webhook_port $health_port $metrics_port, controller: $controller_health $controller_metrics)"
  lease_name=$(arg_value leader-election-id "${deployment_controller_args[@]}")
  # What config/default installs it into, and the ServiceAccount the pod runs as.
  namespace=$(sed -n 's/^namespace: *//p' "$repo/config/default/kustomization.yaml")
  service_account=$(sed -n 's/^ *serviceAccountName: *//p' "$repo/config/manager/manager.yaml")
  [ -n "$namespace" ] && [ -n "$service_account" ] || fail "no namespace in config/default or no serviceAccountName in config/manager/manager.yaml"

  wait "$api_starter" || { api_starter=""; show_log "$work/kube-apiserver-start.log"; show_log "$api_dir/apiserver.log"; cannot_check_controller "the kube-apiserver did not start on port $api_port"; }
  api_starter=""
  kubeconfig=$(cat "$work/kube-apiserver.path")
  kc() { KUBECONFIG=$kubeconfig kubectl "$@"; }
  ok "kube-apiserver $(kc version -o json 2>/dev/null | jq -r .serverVersion.gitVersion) on 127.0.0.1:$api_port"

  # What `kubectl apply -k config/default` would install for the controller: the CRD, the namespace,
  # the ServiceAccount with its ClusterRole, Role and bindings (config/rbac, in that namespace).
  kc apply -f "$repo/config/crd/bases/ray.io_rayclusters.yaml" > "$work/install.log" 2>&1 || { show_log "$work/install.log"; fail "installing the CRD failed"; }
  # Polled, not `kubectl wait`: a kubectl newer than the server fails while the CRD has no conditions yet.
  for _ in $(seq 300); do
    [ "$(kc get crd rayclusters.ray.io -o jsonpath='{.status.conditions[?(@.type=="Established")].status}' 2>/dev/null)" = True ] && break
    sleep 0.1
  done
  [ "$(kc get crd rayclusters.ray.io -o jsonpath='{.status.conditions[?(@.type=="Established")].status}' 2>&1)" = True ] || fail "the CRD was not established in 30 s"
  kc create namespace "$namespace" >> "$work/install.log" 2>&1 || { show_log "$work/install.log"; fail "creating namespace $namespace failed"; }
  mkdir -p "$work/rbac"
  printf 'namespace: %s\nresources:\n- %s\n' "$namespace" "$(realpath --relative-to="$work/rbac" "$repo/config/rbac")" > "$work/rbac/kustomization.yaml"
  kc apply -k "$work/rbac" >> "$work/install.log" 2>&1 || { show_log "$work/install.log"; fail "installing config/rbac failed"; }
  kc -n "$namespace" get serviceaccount "$service_account" > /dev/null 2>&1 || fail "config/rbac has no ServiceAccount $service_account (the pod's serviceAccountName)"
  ok "installed: CRD rayclusters.ray.io, namespace $namespace, config/rbac ($(kc get -k "$work/rbac" -o name 2>/dev/null | tr '\n' ' '))"

  # The projected volume kube-api-access as the kubelet lays it out: a token minted for the
  # ServiceAccount by the TokenRequest API (signed with the server's service-account key), the CA
  # that signed the API server's certificate (what kube-root-ca.crt holds), the pod's namespace;
  # files in a timestamped folder behind ..data, mode defaultMode, group fsGroup.
  sa_volume=$work/kube-api-access
  stamp=..$(date +%Y_%m_%d_%H_%M_%S.%N)
  mkdir -p "$sa_volume/$stamp"
  # The serving certificate the API server made for itself, then the CA that signed it.
  awk '/-----BEGIN CERTIFICATE-----/ {n++} n == 1' "$api_dir/pki/apiserver.crt" > "$work/apiserver-leaf.crt"
  awk '/-----BEGIN CERTIFICATE-----/ {n++} n == 2' "$api_dir/pki/apiserver.crt" > "$work/apiserver-ca.crt"
  openssl verify -CAfile "$work/apiserver-ca.crt" -verify_ip 127.0.0.1 "$work/apiserver-leaf.crt" > "$work/verify.txt" 2>&1 \
    || { cat "$work/verify.txt" >&2; fail "the API server's certificate does not chain to its CA for 127.0.0.1 (the in-cluster address used here)"; }
  for file in "${deployment_sa_files[@]}"; do
    case "$file" in
      token)
        kc -n "$namespace" create token "$service_account" --duration="${deployment_sa_token_seconds}s" > "$sa_volume/$stamp/token" 2> "$work/token.log" \
          || { show_log "$work/token.log"; fail "TokenRequest for $namespace/$service_account failed"; } ;;
      ca.crt) cp "$work/apiserver-ca.crt" "$sa_volume/$stamp/ca.crt" ;;
      namespace) printf '%s' "$namespace" > "$sa_volume/$stamp/namespace" ;;
      *) fail "kube-api-access projects $file, which the script does not know how to make" ;;
    esac
  done
  chown -R "0:${deployment_run_as##*:}" "$sa_volume/$stamp"
  chmod "$deployment_sa_mode" "$sa_volume/$stamp"/*
  chmod 0755 "$sa_volume/$stamp"
  ln -s "$stamp" "$sa_volume/..data"
  for file in "${deployment_sa_files[@]}"; do ln -s "..data/$file" "$sa_volume/$file"; done
  token_subject=$(cut -d. -f2 "$sa_volume/token" | tr '_-' '/+' | base64 -d 2>/dev/null | jq -r .sub 2>/dev/null || true)
  # Proof that the token is what gets the controller in: a request without it is refused.
  anonymous=$(curl -sS -o /dev/null -w '%{http_code}' --cacert "$work/apiserver-ca.crt" "https://127.0.0.1:$api_port/api") || true
  [ "$anonymous" = 401 ] || fail "the API server answers $anonymous to a request without credentials; it would not show that the token is used"
  ok "$deployment_sa_mount: ${deployment_sa_files[*]} (token for ${token_subject:-?}, ${deployment_sa_token_seconds} s; requests without it get 401)"
  say "NOTE: the API server runs with --authorization-mode AlwaysAllow: RBAC is installed but NOT enforced, so this run proves authentication with the projected token, not that config/rbac grants enough"

  # The `kubernetes` Service: the host end of the forwarder the container's namespace gets.
  socat "UNIX-LISTEN:$work/kube-api.sock,fork,mode=600" "TCP:127.0.0.1:$api_port" 2> "$work/forwarder.log" &
  api_forwarder=$!
  for _ in $(seq 50); do [ -S "$work/kube-api.sock" ] && break; sleep 0.1; done
  [ -S "$work/kube-api.sock" ] || fail "the API forwarder did not start"

  SMOKE_WRITABLE="${deployment_controller_writable[*]}" SMOKE_SA=$sa_volume SMOKE_API="$work/kube-api.sock $api_port" \
  SMOKE_ENV="KUBERNETES_SERVICE_HOST=127.0.0.1 KUBERNETES_SERVICE_PORT=$api_port KUBERNETES_SERVICE_PORT_HTTPS=$api_port KUBERNETES_PORT=tcp://127.0.0.1:$api_port" \
    container_start controller "$deployment_run_as" "" -- "${runtime_entrypoint[@]}" "${deployment_controller_args[@]}"
  container_wait_ready controller "$controller_health"
  check_process controller "$deployment_run_as" "${deployment_controller_writable[@]}"
  controller_process=$(container_process controller)
  awk -v p="$(chroot "$rootfs" readlink -f "$deployment_sa_mount")" '$5 == p {print $6}' "/proc/$controller_process/mountinfo" | grep -q '^ro' \
    || fail "the controller's $deployment_sa_mount is not a read-only mount"
  in_netns controller curl -fsS "http://127.0.0.1:$controller_health/healthz" > /dev/null || fail "controller: GET /healthz failed"
  ok "GET /readyz and /healthz on $controller_health (caches synced)"
  grep -q 'in-cluster' "$work/controller.log" || { show_log "$work/controller.log"; fail "the controller did not use the in-cluster configuration"; }

  # It takes the Lease (in its own namespace, from the projected file), named as the pod's hostname.
  holder=""
  for _ in $(seq 300); do
    holder=$(kc -n "$namespace" get lease "$lease_name" -o jsonpath='{.spec.holderIdentity}' 2>/dev/null || true)
    case "$holder" in "$(cat "$work/etc/hostname")_"*) break ;; esac
    sleep 0.1
  done
  case "$holder" in "$(cat "$work/etc/hostname")_"*) ;; *) show_log "$work/controller.log"; fail "the controller did not take Lease $namespace/$lease_name in 30 s (holder: '${holder}')" ;; esac
  ok "Lease $namespace/$lease_name held by $holder"

  # A sample RayCluster gets its head pod, worker pods and head Service.
  cluster=$(jq -r .metadata.name "$work/v1.json")
  workers=$(jq '[.spec.workerGroupSpecs[].replicas // 1] | add // 0' "$work/v1.json")
  kc -n default create -f "$v1_sample" > /dev/null 2> "$work/sample.log" || { show_log "$work/sample.log"; fail "creating ${v1_sample#"$repo"/} failed"; }
  heads=0 have_workers=0 services=0
  for _ in $(seq 600); do
    heads=$(kc -n default get pods -l "ray.io/cluster=$cluster,ray.io/node-type=head" -o name 2>/dev/null | grep -c . || true)
    have_workers=$(kc -n default get pods -l "ray.io/cluster=$cluster,ray.io/node-type=worker" -o name 2>/dev/null | grep -c . || true)
    services=$(kc -n default get services -l "ray.io/cluster=$cluster" -o name 2>/dev/null | grep -c . || true)
    [ "$heads" = 1 ] && [ "$have_workers" = "$workers" ] && [ "$services" -ge 1 ] && break
    sleep 0.1
  done
  kc -n default get pods,services -l "ray.io/cluster=$cluster" -L ray.io/node-type,ray.io/group 2>&1 | sed 's/^/      /'
  [ "$heads" = 1 ] && [ "$have_workers" = "$workers" ] && [ "$services" -ge 1 ] \
    || { show_log "$work/controller.log"; fail "RayCluster $cluster: $heads head pod(s), $have_workers of $workers worker pod(s), $services Service(s) after 60 s"; }
  ok "RayCluster ${v1_sample#"$repo"/}: 1 head pod, $workers worker pod(s), head Service"

  in_netns controller curl -fsS "http://127.0.0.1:$controller_metrics/metrics" > "$work/controller-metrics.txt" || fail "controller: GET /metrics on $controller_metrics failed"
  grep -q '^leader_election_master_status{.*} 1' "$work/controller-metrics.txt" || fail "controller /metrics: leader_election_master_status is not 1"
  grep -q '^controller_runtime_reconcile_total{.*} [1-9]' "$work/controller-metrics.txt" || fail "controller /metrics counts no reconcile"
  ok "GET /metrics on $controller_metrics: leader, $(awk '/^controller_runtime_reconcile_total\{/ {n += $2} END {print n + 0}' "$work/controller-metrics.txt") reconciles"

  # SIGTERM: it exits 0 within the grace period and gives the Lease up for the next replica.
  stop_started=$SECONDS
  container_stop controller
  holder=$(kc -n "$namespace" get lease "$lease_name" -o jsonpath='{.spec.holderIdentity}' 2>&1) || fail "reading Lease $namespace/$lease_name failed: $holder"
  [ -z "$holder" ] || fail "the controller exited but Lease $namespace/$lease_name is still held by $holder"
  ok "SIGTERM: exit 0 in $((SECONDS - stop_started)) s, Lease released (holderIdentity empty)"
  phase_done "Deployment controller container"
fi

# ---- summary ---------------------------------------------------------------------------------------
say "image: $runtime_base + ${runtime_packages[*]} + ${runtime_copies[*]}"
printf '    root filesystem: %s MiB (%s bytes), of which %s is %s MiB\n' \
  "$((image_bytes / 1048576))" "$image_bytes" "$entry_path" "$((binary_bytes / 1048576))"
for line in "${timings[@]}"; do printf '    %s\n' "$line"; done
if [ "$controller_check" = 0 ]; then
  say "PASS in $((SECONDS - started)) s, WITHOUT the controller container (RAY_IMAGE_CONTROLLER=0)"
else
  say "PASS in $((SECONDS - started)) s: webhook and controller containers (RBAC not enforced by this API server)"
fi
