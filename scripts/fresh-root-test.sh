#!/bin/bash
# Runs the README's "Try it" commands in a fresh Debian 12 root (a chroot made
# with debootstrap, extracted anew for each run), to prove they work on a
# machine where nothing was installed by hand.  Developer tool; see --help.
set -euo pipefail

SUITE=bookworm
MIRROR=http://deb.debian.org/debian
SECURITY_MIRROR=http://deb.debian.org/debian-security
CACHE_DIR=/var/cache/pontoon-fresh-root
BASE_TAR=$CACHE_DIR/$SUITE-base.tar.gz
BASE_INFO=$CACHE_DIR/$SUITE-base.info
LOG_DIR=/var/log/pontoon-fresh-root
PROJECT_IN_ROOT=/root/pontoon
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

usage() {
    cat <<EOF
NAME
    fresh-root-test.sh - run the README's commands on a fresh Debian 12 root

SYNOPSIS
    scripts/fresh-root-test.sh [--refresh] [--keep]
    scripts/fresh-root-test.sh [--refresh] [--keep] -- COMMAND [ARG...]
    scripts/fresh-root-test.sh --help

DESCRIPTION
    Proves that the commands under "## Try it" in README.md work on a Debian 12
    machine where nothing was installed by hand.  Needs root, debootstrap,
    unshare, mount, chroot and tar.  It never runs apt on the host.

    1. The base: a default-variant debootstrap of $SUITE (as a cloud image,
       not minbase), built once and cached (see FILES).
    2. Each run extracts a fresh copy of the base into a new directory under
       \${TMPDIR:-/var/tmp} (exec and devices allowed), writes
       /etc/apt/sources.list ($SUITE, $SUITE-updates, $SUITE-security;
       main) and /etc/hosts, copies the host's /etc/resolv.conf, and copies
       this working tree to $PROJECT_IN_ROOT: the files git knows plus
       untracked, non-ignored ones (without git: all but .git, build/,
       build-asan/), executable bits kept.  Not ../shared.
    3. In a private mount namespace (nothing leaks to the host; all of it goes
       away with the run) the root is bind-mounted onto itself (so 'ip netns'
       works), proc is mounted, /sys and /dev are rbound (rslave), /run and
       /dev/shm get fresh tmpfs; /tmp is the root's own directory.
    4. The indented lines starting with ./scripts/ under "## Try it" in
       README.md - exactly two: the demo, then the test suite - run in
       $PROJECT_IN_ROOT through a root login shell (bash -l, clean
       environment, stdin /dev/null), both even when the first fails.
       No policy-rc.d is installed, but there is no init either: package
       scripts that start daemons get "invoke-rc.d: could not determine
       current runlevel" and start none (on a real machine systemd would).
    5. Afterwards every process whose root (/proc/PID/root) lies in the run's
       tree is killed, and listed - nothing else is - and the tree is removed.

    Output goes to the terminal and to a log file, named at the start and the
    end.  The summary gives each command's exit status and duration, the
    pytest summary line, and the counts of cmocka "[  PASSED  ]" and
    "[  FAILED  ]" lines; and network interfaces that appeared in the host,
    or a vm.nr_hugepages that changed, while it ran (by it or by anything
    else running on the host).

    This is a chroot, not a VM: it shares the host's kernel, network
    namespace (veth pairs, taps and bridges it makes are the host's), process
    table (ps and pkill inside see the host's processes) and hugepages.
    The host's /lib/modules/\$(uname -r), when there is one, is bound
    read-only into the root, so that modprobe finds what a real machine's
    would.

OPTIONS
    --refresh  rebuild the cached base first (takes minutes).
    --keep     keep the run's tree and print where it is.
    -- COMMAND [ARG...]
               run COMMAND (in $PROJECT_IN_ROOT, same mounts) instead of the
               README's commands, e.g. to debug the root.
    -h, --help this text.

FILES
    $BASE_TAR
               the cached base; $SUITE-base.info beside it: when, how long
    $LOG_DIR/DATE-PID.log
               one log per run

EXIT STATUS
    0 when every command exited 0; 1 when one failed; 2 on a usage or setup
    error; 130/143 when interrupted (the tree is still cleaned up).

EXAMPLES
    scripts/fresh-root-test.sh
    scripts/fresh-root-test.sh -- ./scripts/install-deps.sh
    scripts/fresh-root-test.sh -- bash -c 'ip netns add x && ip -n x link && ip netns del x'
EOF
}

say() { printf '\n== fresh-root: %s\n' "$*"; }
note() { printf 'fresh-root: %s\n' "$*"; }
die() { printf 'fresh-root-test.sh: %s\n' "$*" >&2; exit 2; }

# kill_rooted_in DIR: kill every process whose root directory is DIR or lies
# under it (and nothing else), TERM first, then KILL; list what it kills.
kill_rooted_in() {
    local dir=$1 dir_id round sig p pid r pids
    dir_id=$(stat -Lc '%d:%i' "$dir" 2>/dev/null) || return 0
    for round in 1 2 3 4 5 6 7 8; do
        pids=()
        for p in /proc/[0-9]*; do
            pid=${p#/proc/}
            [[ $pid == "$$" || $pid == "$BASHPID" ]] && continue
            r=$(readlink "$p/root" 2>/dev/null) || continue
            if [[ $r == "$dir" || $r == "$dir"/* ]] ||
               [[ $(stat -Lc '%d:%i' "$p/root" 2>/dev/null) == "$dir_id" ]]; then
                pids+=("$pid")
            fi
        done
        ((${#pids[@]})) || return 0
        sig=TERM; ((round > 3)) && sig=KILL
        for pid in "${pids[@]}"; do
            printf 'fresh-root: kill -%s %s (root %s): %s\n' "$sig" "$pid" \
                "$(readlink "/proc/$pid/root" 2>/dev/null)" \
                "$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c1-160)"
            kill -s "$sig" "$pid" 2>/dev/null || true
        done
        sleep 1
    done
    note "processes still running in $dir after SIGKILL"
    return 1
}

# mounts_under DIR: the host-side mount points at or under DIR.
mounts_under() {
    local dir=$1 mp
    while read -r _ _ _ _ mp _; do
        mp=$(printf '%b' "${mp//\\/\\0}")
        [[ $mp == "$dir" || $mp == "$dir"/* ]] && printf '%s\n' "$mp"
    done </proc/self/mountinfo
    return 0
}

# remove_tree DIR: rm -rf, but only when nothing is mounted there.
remove_tree() {
    local dir=$1 m
    m=$(mounts_under "$dir")
    if [[ -n $m ]]; then
        note "not removing $dir: mounted there: $m"
        return 1
    fi
    rm -rf --one-file-system "$dir"
}

# configure_root DIR: apt sources, resolv.conf, hosts (rm first: never write
# through a symlink that points out of the root).
configure_root() {
    local root=$1
    rm -f "$root/etc/apt/sources.list" "$root/etc/resolv.conf" "$root/etc/hosts"
    cat >"$root/etc/apt/sources.list" <<EOF
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb $SECURITY_MIRROR $SUITE-security main
EOF
    cp -L /etc/resolv.conf "$root/etc/resolv.conf"
    cat >"$root/etc/hosts" <<EOF
127.0.0.1	localhost
127.0.1.1	$(hostname)
::1		localhost ip6-localhost ip6-loopback
ff02::1		ip6-allnodes
ff02::2		ip6-allrouters
EOF
}

BUILD_DIR=
build_base() {
    local start status
    BUILD_DIR=$(mktemp -d -p "$CACHE_DIR" build.XXXXXX)
    say "building the base: debootstrap $SUITE $BUILD_DIR/root $MIRROR (minutes)"
    start=$(date +%s)
    status=0
    # Its own mount namespace: what debootstrap mounts in the target goes
    # away with it, even when it fails half-way.
    unshare --mount --propagation private \
        debootstrap "$SUITE" "$BUILD_DIR/root" "$MIRROR" || status=$?
    kill_rooted_in "$BUILD_DIR/root" || true
    ((status == 0)) || { note "debootstrap failed (exit $status)"; exit 2; }
    local took=$(($(date +%s) - start))
    configure_root "$BUILD_DIR/root"
    rm -f "$BUILD_DIR"/root/var/cache/apt/archives/*.deb
    note "debootstrap took $took s; packing the base"
    tar --numeric-owner --xattrs --xattrs-include='*' -C "$BUILD_DIR/root" \
        -czpf "$BUILD_DIR/base.tar.gz" .
    mv -f "$BUILD_DIR/base.tar.gz" "$BASE_TAR"
    printf 'built %s with debootstrap %s (%s s): debootstrap %s ROOT %s\n' \
        "$(date -Is)" "$(debootstrap --version | awk '{print $2}')" "$took" \
        "$SUITE" "$MIRROR" >"$BASE_INFO"
    remove_tree "$BUILD_DIR"
    BUILD_DIR=
    note "base ready: $BASE_TAR ($(du -h "$BASE_TAR" | cut -f1)), $(($(date +%s) - start)) s in all"
}

# copy_project DEST: the working tree as a fresh clone would have it.
copy_project() {
    local dest=$1 f ent mode path
    mkdir -p "$dest"
    if command -v git >/dev/null &&
       [[ $(git -c safe.directory="$REPO" -C "$REPO" rev-parse --show-toplevel 2>/dev/null) == "$REPO" ]]; then
        note "copying the working tree (git: tracked + untracked non-ignored) to $PROJECT_IN_ROOT"
        git -c safe.directory="$REPO" -C "$REPO" ls-files -z --cached --others --exclude-standard |
            sort -zu |
            while IFS= read -r -d '' f; do
                # tracked but deleted in the working tree: not there to copy
                if [[ -e $REPO/$f || -L $REPO/$f ]]; then printf '%s\0' "$f"; fi
            done |
            tar -C "$REPO" --null --no-recursion -T - --owner=0 --group=0 --numeric-owner -cf - |
            tar -C "$dest" -xpf -
        # A clone takes executable bits from the index, this copy from the
        # working tree: say where they differ.
        git -c safe.directory="$REPO" -C "$REPO" ls-files -s -z |
            while IFS= read -r -d '' ent; do
                mode=${ent%% *}; path=${ent#*$'\t'}
                [[ -f $REPO/$path && ! -L $REPO/$path ]] || continue
                if [[ $mode == 100755 && ! -x $REPO/$path ]]; then
                    note "warning: $path is 100755 in git but not executable here (copied as here)"
                elif [[ $mode == 100644 && -x $REPO/$path ]]; then
                    note "warning: $path is executable here but 100644 in git: a clone gets it without x (copied as here)"
                fi
            done
    else
        note "copying the tree (no git checkout: all but .git, build/, build-asan/) to $PROJECT_IN_ROOT"
        tar -C "$REPO" --exclude=./.git --exclude=./build --exclude=./build-asan \
            --exclude=__pycache__ --owner=0 --group=0 --numeric-owner -cf - . |
            tar -C "$dest" -xpf -
    fi
}

# readme_commands: the indented ./scripts/ lines under "## Try it".
readme_commands() {
    awk '/^## /     { in_try = ($0 ~ /^## Try it/); next }
         in_try && /^    \.\/scripts\// { sub(/^    /, ""); sub(/[ \t\r]+$/, ""); print }' \
        "$REPO/README.md"
}

# inner ROOT WORK [NAME ARGC ARG...]...: runs in the private mount namespace.
# shellcheck disable=SC2317  # run by unshare, from $WORK/inner.sh (declare -f)
inner() {
    set -euo pipefail
    local root=$1 work=$2 name n start status modules
    shift 2
    mount --make-rprivate /
    mount --bind "$root" "$root"          # a mount point: ip netns needs it
    mount -t proc proc "$root/proc"
    mount --rbind /sys "$root/sys"
    mount --make-rslave "$root/sys"
    mount --rbind /dev "$root/dev"
    mount --make-rslave "$root/dev"
    mount -t tmpfs -o nosuid,nodev,mode=1777 tmpfs "$root/dev/shm"
    mount -t tmpfs -o nosuid,nodev,mode=755 tmpfs "$root/run"
    mkdir -m 1777 "$root/run/lock"
    modules=/lib/modules/$(uname -r)
    if [[ -d $modules ]]; then
        mkdir -p "$root$modules"
        mount --rbind "$modules" "$root$modules"
        mount -o remount,bind,ro "$root$modules"
    fi
    # A root login's environment; the host's proxy settings, if any.
    local -a env=(HOME=/root USER=root LOGNAME=root SHELL=/bin/bash TERM="${TERM:-xterm}"
                  LANG=C.UTF-8 PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin)
    local v
    for v in http_proxy https_proxy no_proxy; do
        if [[ -n ${!v:-} ]]; then env+=("$v=${!v}"); fi
    done
    while (($#)); do
        name=$1 n=$2
        shift 2
        local -a argv=("${@:1:n}")
        shift "$n"
        say "$name: ${argv[*]}  (chroot, in $PROJECT_IN_ROOT)"
        start=$(date +%s)
        set +e
        chroot "$root" /usr/bin/env -i "${env[@]}" /bin/bash -lc "cd $PROJECT_IN_ROOT && exec \"\$@\"" bash "${argv[@]}" \
            </dev/null 2>&1 | tee "$work/$name.out"
        status=${PIPESTATUS[0]}
        set -e
        printf '%s %s %s\n' "$name" "$status" "$(($(date +%s) - start))" >>"$work/results"
        say "$name: exit $status"
    done
    # While the namespace's mounts are still here and paths read plainly.
    say "processes left in the root"
    kill_rooted_in "$root" || true
}

# ---- options, prerequisites --------------------------------------------------
refresh=0 keep=0
custom=()
while (($#)); do
    case $1 in
        --refresh) refresh=1 ;;
        --keep) keep=1 ;;
        -h|--help) usage; exit 0 ;;
        --) shift; custom=("$@"); ((${#custom[@]})) || die "-- needs a command"; break ;;
        *) die "unknown argument '$1' (see --help)" ;;
    esac
    shift
done

[[ $(id -u) == 0 ]] || die "needs root (it debootstraps, mounts, chroots)"
command -v debootstrap >/dev/null ||
    die "debootstrap is missing: install the Debian package 'debootstrap' (scripts/install-deps.sh installs it)"
for c in unshare mount chroot tar gzip flock stat; do
    command -v "$c" >/dev/null || die "'$c' is missing (util-linux, coreutils, tar, gzip)"
done

names=() steps=()
if ((${#custom[@]})); then
    names=(command)
    steps=(command "${#custom[@]}" "${custom[@]}")
else
    mapfile -t lines < <(readme_commands)
    if ((${#lines[@]} != 2)); then
        {
            echo "fresh-root-test.sh: README.md: want exactly two indented ./scripts/ lines under"
            echo "  \"## Try it\" (the demo, then the tests); found ${#lines[@]}:"
            ((${#lines[@]})) && printf '    %s\n' "${lines[@]}"
            echo "  The section's indented lines are:"
            awk '/^## / { in_try = ($0 ~ /^## Try it/); next } in_try && /^    [^ ]/' "$REPO/README.md"
        } >&2
        exit 2
    fi
    names=(demo test)
    steps=(demo 3 /bin/bash -c "${lines[0]}" test 3 /bin/bash -c "${lines[1]}")
fi

# ---- log: everything to the terminal and the log file -----------------------
mkdir -p "$LOG_DIR" "$CACHE_DIR"
LOG=$LOG_DIR/$(date +%Y%m%d-%H%M%S)-$$.log
exec > >(trap '' INT TERM HUP; exec tee -a "$LOG") 2>&1
TEE_PID=$!
T0=$(date +%s)
note "log: $LOG"

WORK='' ROOT=''
# shellcheck disable=SC2317  # the EXIT trap
cleanup() {
    local status=$?
    set +e
    trap - EXIT INT TERM HUP
    if [[ -n $BUILD_DIR ]]; then
        kill_rooted_in "$BUILD_DIR/root"
        remove_tree "$BUILD_DIR"
    fi
    if [[ -n $WORK ]]; then
        kill_rooted_in "$ROOT"
        if ((keep)); then
            note "kept the root: $ROOT (remove: rm -rf --one-file-system $WORK)"
        else
            remove_tree "$WORK" && note "removed $WORK"
        fi
    fi
    note "log: $LOG"
    # Let tee write the last lines before the shell prompt comes back.
    exec >&- 2>&-
    for _ in $(seq 50); do kill -0 "$TEE_PID" 2>/dev/null || break; sleep 0.1; done
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# ---- the base ------------------------------------------------------------------
exec {lockfd}>"$CACHE_DIR/lock"
flock "$lockfd"
if ((refresh)) || [[ ! -s $BASE_TAR ]]; then
    build_base
fi
flock -u "$lockfd"
exec {lockfd}>&-
note "base: $BASE_TAR, $(cat "$BASE_INFO" 2>/dev/null || echo 'no info file')"

# ---- a fresh root ----------------------------------------------------------------
WORK=$(mktemp -d -p "${TMPDIR:-/var/tmp}" pontoon-fresh-root.XXXXXX)
ROOT=$WORK/root
mkdir "$ROOT"
say "extracting the base into $ROOT"
start=$(date +%s)
tar --numeric-owner --xattrs --xattrs-include='*' -C "$ROOT" -xpzf "$BASE_TAR"
configure_root "$ROOT"
copy_project "$ROOT$PROJECT_IN_ROOT"
note "root ready in $(($(date +%s) - start)) s"

net_links() { (cd /sys/class/net && printf '%s\n' *) | sort; }
links_before=$(net_links)
hugepages_before=$(cat /proc/sys/vm/nr_hugepages)

# ---- run -----------------------------------------------------------------------
set +e
{
    declare -f inner say note kill_rooted_in
    printf 'PROJECT_IN_ROOT=%q\ninner "$@"\n' "$PROJECT_IN_ROOT"
} >"$WORK/inner.sh"
unshare --mount --propagation private /bin/bash "$WORK/inner.sh" "$ROOT" "$WORK" "${steps[@]}"
inner_status=$?
set -e
((inner_status == 0)) || note "the namespace's setup exited $inner_status"

# ---- summary -------------------------------------------------------------------
failed=0
summary=()
for name in "${names[@]}"; do
    line=$(awk -v n="$name" '$1 == n' "$WORK/results" 2>/dev/null | tail -n 1)
    if [[ -z $line ]]; then
        summary+=("$name: did not run"); failed=1; continue
    fi
    read -r _ st secs <<<"$line"
    summary+=("$name: exit $st in $secs s")
    ((st == 0)) || failed=1
done
# The test suite's output (the last command's); with -- only what is there.
out=$WORK/${names[-1]}.out
if [[ -f $out ]]; then
    pytest_line=$(grep -E '^=* ?([0-9]+ (passed|failed|errors?|skipped|deselected|xfailed|xpassed|warnings?)(, )?)+.* in [0-9.]+s|no tests ran' "$out" | tail -n 1 || true)
    passed_lines=$(grep -c '^\[  PASSED  \]' "$out" || true)
    passed_tests=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$out" | awk '{s += $1} END {print s + 0}')
    failed_lines=$(grep -c '^\[  FAILED  \]' "$out" || true)
    if ((${#custom[@]} == 0)) || [[ -n $pytest_line ]]; then
        summary+=("pytest: ${pytest_line:-no summary line}")
    fi
    if ((${#custom[@]} == 0 || passed_lines + failed_lines > 0)); then
        summary+=("cmocka: $passed_lines \"[  PASSED  ]\" lines ($passed_tests tests), $failed_lines \"[  FAILED  ]\" lines")
    fi
fi
# The chroot shares the host's kernel: say what changed there meanwhile (by
# this run, or by anything else running on the host at the same time).
new_links=$(comm -13 <(printf '%s\n' "$links_before") <(net_links) | tr '\n' ' ')
[[ -z $new_links ]] ||
    summary+=("host: network interfaces that appeared during the run and remain: $new_links")
hugepages_after=$(cat /proc/sys/vm/nr_hugepages)
[[ $hugepages_after == "$hugepages_before" ]] ||
    summary+=("host: vm.nr_hugepages was $hugepages_before at the start, is $hugepages_after")
summary+=("in all: $(($(date +%s) - T0)) s")

say "cleaning up"
kill_rooted_in "$ROOT" || true
if ((keep)); then
    note "kept the root: $ROOT (remove: rm -rf --one-file-system $WORK)"
else
    remove_tree "$WORK" && note "removed $WORK"
fi
WORK=

say "summary"
printf '%s\n' "${summary[@]}"
exit "$failed"
