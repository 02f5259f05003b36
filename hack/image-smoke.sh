#!/usr/bin/env bash
# Proves the container image works without a container engine: builds the binary as the
# Dockerfile's build stage does, assembles the Dockerfile's runtime stage as a root filesystem from
# Debian's packages, and runs the image's entrypoint in it the way the Deployment runs the pod
# (uid 65532, read-only root, /tmp writable, the serving certificate mounted read-only), then
# talks to it. Any difference it cannot reproduce, and any wrong answer, fails the run.
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
#
# Needs: root, a Debian host of the image's release with the Swift release of the build image on
# PATH. Installs debootstrap, curl, jq, openssl and the build stage's -dev packages when missing.
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
container_main() {
  local mnt=$SMOKE_MNT uid=${SMOKE_USER%%:*} gid=${SMOKE_USER##*:} device
  # readOnlyRootFilesystem: the image, bound read-only.
  mount --bind "$SMOKE_ROOTFS" "$mnt"
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
  mount -t tmpfs -o "nosuid,nodev,mode=1777,size=$(tmpfs_size "$deployment_tmp_size")" tmpfs "$mnt$deployment_writable"
  # The Secret volume with the serving certificate, read-only, at the Deployment's mountPath.
  if [ -n "$SMOKE_SECRET" ]; then
    mkdir -p "$mnt$deployment_cert_mount"
    mount --bind "$SMOKE_SECRET" "$mnt$deployment_cert_mount"
    mount -o remount,bind,ro "$mnt$deployment_cert_mount"
  fi
  cat "$SMOKE_ETC/hostname" > /proc/sys/kernel/hostname
  ip link set lo up
  # The entrypoint is looked up on the container's PATH inside its root, as the runtime does; the
  # environment is only what the runtime sets. no_new_privs = allowPrivilegeEscalation: false.
  # capabilities: drop: [ALL]: the bounding set keeps only what the last step needs to chroot and
  # switch users; the switch to a non-root uid then empties every other set, and with no_new_privs
  # nothing can bring a capability back. --setgid also drops the supplementary groups.
  exec env -i PATH="$container_path" HOME=/ HOSTNAME="$(cat "$SMOKE_ETC/hostname")" \
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
    -h|--help) sed -n '2,21s/^# \{0,1\}//p' "$self"; exit 0 ;;
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
for tool in debootstrap curl jq openssl; do command -v "$tool" >/dev/null || missing+=("$tool"); done
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
phase_done preflight

work=$(mktemp -d /tmp/ray-image-smoke.XXXXXX)
declare -A container_pids=()
cleanup() {
  local status=$? name
  # Killing unshare kills the container (--kill-child) and with it every mount it made.
  for name in "${!container_pids[@]}"; do kill -KILL "${container_pids[$name]}" 2>/dev/null || true; wait "${container_pids[$name]}" 2>/dev/null || true; done
  if [ "$keep" = 1 ]; then echo "work folder kept: $work"; else rm -rf "$work"; fi
  exit "$status"
}
trap cleanup EXIT
# Interrupted runs clean up too (bash skips the EXIT trap when a signal kills it).
trap 'exit 130' INT TERM

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

# ---- containers ------------------------------------------------------------------------------------
# Files the kubelet would mount into every container.
mkdir -p "$work/etc" "$work/mnt"
echo ray-operator-smoke > "$work/etc/hostname"
printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.0.1\tray-operator-smoke\n' > "$work/etc/hosts"
: > "$work/etc/resolv.conf"

# container_run USER SECRET -- ARGV...: runs ARGV from the image in the foreground (stdin and
# stdout pass through), as USER, with SECRET (a folder, or "") mounted at the cert path.
container_run() {
  local user=$1 secret=$2; shift 3
  # exec: in the background the subshell's PID becomes unshare's, whose namespaces are the container's.
  ( export SMOKE_ROOTFS=$rootfs SMOKE_MNT=$work/mnt SMOKE_ETC=$work/etc SMOKE_USER=$user SMOKE_SECRET=$secret
    exec unshare --mount --uts --ipc --net --pid --fork --kill-child -- "$self" __container "$@" )
}
# container_start NAME USER SECRET -- ARGV...: the same in the background, output in $work/NAME.log.
container_start() {
  local name=$1 user=$2 secret=$3; shift 4
  ( export SMOKE_ROOTFS=$rootfs SMOKE_MNT=$work/mnt SMOKE_ETC=$work/etc SMOKE_USER=$user SMOKE_SECRET=$secret
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
# no_new_privs, read-only root, writable /tmp.
check_process() {
  local name=$1 user=$2 process uid=${2%%:*} gid=${2##*:}
  process=$(container_process "$name")
  [ -n "$process" ] || fail "container $name has no process"
  local status=/proc/$process/status
  awk '/^Uid:/ {print $2, $3, $4, $5}' "$status" | grep -qx "$uid $uid $uid $uid" || fail "$name runs as $(grep ^Uid: "$status"), not uid $uid"
  awk '/^Gid:/ {print $2, $3, $4, $5}' "$status" | grep -qx "$gid $gid $gid $gid" || fail "$name runs as $(grep ^Gid: "$status"), not gid $gid"
  grep -q '^CapEff:[[:space:]]*0000000000000000$' "$status" || fail "$name has capabilities: $(grep ^CapEff: "$status")"
  grep -q '^NoNewPrivs:[[:space:]]*1$' "$status" || fail "$name may gain privileges (no_new_privs is off)"
  awk '$5 == "/" {print $6}' "/proc/$process/mountinfo" | grep -q '^ro' || fail "$name's root filesystem is writable"
  awk -v p="$deployment_writable" '$5 == p {print $6}' "/proc/$process/mountinfo" | grep -q '^rw' || fail "$name's $deployment_writable is not writable"
  ok "$name: pid 1 of its namespace, uid $uid gid $gid, no capabilities, no_new_privs, / read-only, $deployment_writable writable"
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
check_process default "$runtime_user"
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
check_process webhook "$deployment_run_as"
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

# ---- CONTROLLER: the second container of the Deployment goes here -------------------------------
# When config/manager/manager.yaml runs the `controller` container, restate its args in a
# `deployment_controller_args` next to deployment_webhook_args (the drift test reads both), start it
# here with container_start controller "$deployment_run_as" "" -- "${runtime_entrypoint[@]}" "${deployment_controller_args[@]}"
# against an API server, wait for its /readyz on its own health port, check_process it, and
# container_stop it below. Until then its --help above is what is checked.
# ----------------------------------------------------------------------------------------------------

container_stop webhook
ok "SIGTERM: exit 0"
phase_done "Deployment webhook container"

# ---- summary ---------------------------------------------------------------------------------------
say "image: $runtime_base + ${runtime_packages[*]} + ${runtime_copies[*]}"
printf '    root filesystem: %s MiB (%s bytes), of which %s is %s MiB\n' \
  "$((image_bytes / 1048576))" "$image_bytes" "$entry_path" "$((binary_bytes / 1048576))"
for line in "${timings[@]}"; do printf '    %s\n' "$line"; done
say "PASS in $((SECONDS - started)) s"
