// swift-tools-version:6.0
//
// Coverage-guided fuzz targets (libFuzzer) for the Entrypoint Toolkit's parsers and renderers, and
// differential fuzzers against GNU envsubst and bash. A package of its own so that the shipped binaries
// and the root package's build never see the sanitizer flags: `scripts/fuzz.sh` builds it with
// `-sanitize=fuzzer,address`, which instruments the libraries too.
//
// The libraries are the root package's sources, through the symbolic links in `Library/`, rather than a
// `.package(path: "..")` dependency: SwiftPM names a path dependency after its directory, which is
// whatever the checkout is called (and `fuzz` in a worktree of that name, clashing with this package).

import PackageDescription

let package = Package(
    name: "EntrypointToolkitFuzz",
    targets: [
        .systemLibrary(name: "CPlatform", path: "Library/CPlatform"),
        .target(name: "Platform", dependencies: ["CPlatform"], path: "Library/Platform"),
        .target(name: "Templater", dependencies: ["Platform"], path: "Library/Templater"),
        .target(name: "WaitFor", dependencies: ["Platform"], path: "Library/WaitFor"),
        .target(name: "FuzzSupport"),
        .executableTarget(
            name: "fuzz-template",
            dependencies: ["FuzzSupport", "Templater"],
            path: "Sources/FuzzTemplate"),
        .executableTarget(
            name: "fuzz-envfile",
            dependencies: ["FuzzSupport", "Templater"],
            path: "Sources/FuzzEnvFile"),
        .executableTarget(
            name: "fuzz-target",
            dependencies: ["FuzzSupport", "WaitFor"],
            path: "Sources/FuzzTarget"),
        .executableTarget(
            name: "fuzz-envsubst",
            dependencies: ["FuzzSupport", "Templater"],
            path: "Sources/FuzzEnvsubst"),
        .executableTarget(
            name: "fuzz-tree",
            dependencies: ["FuzzSupport", "Templater"],
            path: "Sources/FuzzTree"),
        .executableTarget(
            name: "fuzz-bash",
            dependencies: ["FuzzSupport", "Templater"],
            path: "Sources/FuzzBash"),
    ],
    swiftLanguageModes: [.v6]
)
