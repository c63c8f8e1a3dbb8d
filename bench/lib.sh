# shellcheck shell=bash
# bench/lib.sh: what the benchmarks share (sourced from the repository's root): messages,
# timing arithmetic, the packages, and the hotmig binary to measure.
#   die MSG / say MSG          fail / report progress of the bench itself (stderr)
#   now, elapsed T0 T1, ratio A B
#   bench_binary               installs missing packages; sets HOTMIG (default build-release/hotmig,
#                              else build/hotmig, else builds build-release)

die() { echo "bench: $*" >&2; exit 1; }
say() { printf '%s\n' "$*" >&2; }
now() { echo "$EPOCHREALTIME"; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

bench_binary() {
    scripts/install-deps.sh || die "package installation failed (scripts/install-deps.sh)"
    if [ -z "${HOTMIG:-}" ]; then
        if [ -x build-release/hotmig ]; then HOTMIG=$PWD/build-release/hotmig
        elif [ -x build/hotmig ]; then HOTMIG=$PWD/build/hotmig
        else
            say "building hotmig (release) in build-release/"
            if [ ! -d build-release ]; then
                meson setup build-release -Dbuildtype=release >/dev/null || die "meson setup failed"
            fi
            ninja -C build-release >/dev/null || die "build failed"
            HOTMIG=$PWD/build-release/hotmig
        fi
    fi
    [ -x "$HOTMIG" ] || die "no hotmig binary at $HOTMIG"
}
