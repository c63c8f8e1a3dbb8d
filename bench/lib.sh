# shellcheck shell=bash
# bench/lib.sh: what the benchmarks share (sourced from the repository's root): messages,
# timing arithmetic, the packages, and the hotmig binary to measure.
#   die MSG / say MSG          fail / report progress of the bench itself (stderr)
#   now, elapsed T0 T1, ratio A B
#   bench_binary               installs missing packages; sets HOTMIG (default build-release/hotmig,
#                              built or brought up to date first)

die() { echo "bench: $*" >&2; exit 1; }
say() { printf '%s\n' "$*" >&2; }
now() { echo "$EPOCHREALTIME"; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

bench_binary() {
    scripts/install-deps.sh || die "package installation failed (scripts/install-deps.sh)"
    if [ -z "${HOTMIG:-}" ]; then
        # a release build, brought up to date with the sources (a stale binary measures old code)
        if [ ! -d build-release ]; then
            say "building hotmig (release) in build-release/"
            meson setup build-release -Dbuildtype=release >/dev/null || die "meson setup failed"
        fi
        ninja -C build-release >/dev/null || die "build failed"
        HOTMIG=$PWD/build-release/hotmig
    fi
    [ -x "$HOTMIG" ] || die "no hotmig binary at $HOTMIG"
}
