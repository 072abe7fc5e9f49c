#!/usr/bin/env bash
# Builds peerlog-core for iOS and packages it for the Swift package in ios/PeerlogKit:
#
#   ios/PeerlogKit/PeerlogCoreFFI.xcframework            static library + C header + module map
#   ios/PeerlogKit/Sources/PeerlogCore/peerlog_core.swift the generated Swift bindings
#
# Slices: aarch64-apple-ios (devices) and aarch64-apple-ios-sim + x86_64-apple-ios (simulator,
# merged into one fat library with lipo). Profile `release-mobile` (see the workspace Cargo.toml).
#
# Runs on macOS with Xcode and rustup. Usage: ios/build-xcframework.sh [--skip-build]
#   --skip-build   reuse the static libraries already in target/ (only re-package).
# Environment: PEERLOG_PROFILE (default release-mobile), IPHONEOS_DEPLOYMENT_TARGET (default 17.0).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
profile="${PEERLOG_PROFILE:-release-mobile}"
export IPHONEOS_DEPLOYMENT_TARGET="${IPHONEOS_DEPLOYMENT_TARGET:-17.0}"

crate="peerlog-core"
lib_name="peerlog_core"           # the crate's lib name = the uniffi namespace
ffi_module="${lib_name}FFI"       # the Clang module the generated Swift imports
framework_name="PeerlogCoreFFI"

device_target="aarch64-apple-ios"
sim_targets=("aarch64-apple-ios-sim" "x86_64-apple-ios")

package_dir="$here/PeerlogKit"
xcframework="$package_dir/$framework_name.xcframework"
swift_dest="$package_dir/Sources/PeerlogCore"
work="$root/target/ios-xcframework"

skip_build=false
for arg in "$@"; do
    case "$arg" in
        --skip-build) skip_build=true ;;
        -h|--help) sed -n '2,14p' "${BASH_SOURCE[0]}"; exit 0 ;;
        *) echo "unknown argument: $arg" >&2; exit 2 ;;
    esac
done

need() {
    if ! command -v "$1" >/dev/null 2>&1; then
        echo "error: '$1' not found. $2" >&2
        exit 1
    fi
}

if [[ "$(uname -s)" != "Darwin" ]]; then
    echo "error: the iOS build needs macOS with Xcode (this is $(uname -s))." >&2
    exit 1
fi
need cargo "Install Rust with rustup (https://rustup.rs)."
need xcodebuild "Install Xcode and run: sudo xcode-select -s /Applications/Xcode.app"
need lipo "Install the Xcode command line tools."

lib_path() { # target -> path of the static library cargo leaves
    echo "$root/target/$1/$profile/lib$lib_name.a"
}

if [[ "$skip_build" == false ]]; then
    if command -v rustup >/dev/null 2>&1; then
        rustup target add "$device_target" "${sim_targets[@]}"
    fi
    for target in "$device_target" "${sim_targets[@]}"; do
        echo "==> cargo: $crate for $target ($profile)"
        # The crate declares lib + cdylib; iOS links a static library, so ask for one here
        # instead of changing the crate types every other build uses.
        (cd "$root" && cargo rustc -p "$crate" --lib --crate-type staticlib \
            --profile "$profile" --target "$target")
    done
fi

for target in "$device_target" "${sim_targets[@]}"; do
    if [[ ! -f "$(lib_path "$target")" ]]; then
        echo "error: $(lib_path "$target") is missing; run without --skip-build" >&2
        exit 1
    fi
done

rm -rf "$work"
mkdir -p "$work/bindings" "$work/device" "$work/simulator" "$work/headers/$ffi_module"

echo "==> lipo: simulator slices"
lipo -create \
    "$(lib_path "${sim_targets[0]}")" \
    "$(lib_path "${sim_targets[1]}")" \
    -output "$work/simulator/lib$lib_name.a"
cp "$(lib_path "$device_target")" "$work/device/lib$lib_name.a"

echo "==> uniffi-bindgen: Swift"
# Same invocation as `cargo xtask bindings` (library mode is detected from the file). The
# in-tree bindgen is pinned to the core's uniffi version, and the device library is the
# code we ship, so the checksums in the generated Swift match it by construction.
(cd "$root" && cargo run --quiet -p peerlog-bindgen --bin uniffi-bindgen -- \
    generate --language swift --no-format --out-dir "$work/bindings" \
    "$(lib_path "$device_target")")

for file in "$lib_name.swift" "$ffi_module.h" "$ffi_module.modulemap"; do
    if [[ ! -f "$work/bindings/$file" ]]; then
        echo "error: uniffi-bindgen did not write $file" >&2
        exit 1
    fi
done

# Headers/<module>/module.modulemap: a subfolder per module, so the module map cannot collide
# with another XCFramework's when Xcode copies static-library headers into one include dir.
cp "$work/bindings/$ffi_module.h" "$work/headers/$ffi_module/$ffi_module.h"
cp "$work/bindings/$ffi_module.modulemap" "$work/headers/$ffi_module/module.modulemap"

echo "==> xcodebuild: $framework_name.xcframework"
rm -rf "$xcframework"
xcodebuild -create-xcframework \
    -library "$work/device/lib$lib_name.a" -headers "$work/headers" \
    -library "$work/simulator/lib$lib_name.a" -headers "$work/headers" \
    -output "$xcframework"

mkdir -p "$swift_dest"
cp "$work/bindings/$lib_name.swift" "$swift_dest/$lib_name.swift"

echo "done:"
echo "  $xcframework"
echo "  $swift_dest/$lib_name.swift"
