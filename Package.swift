// swift-tools-version:6.0
//
// The Entrypoint Toolkit: small static binaries that replace the `entrypoint.sh` scripts of container
// images. No package dependencies: shipped targets use the standard library and Glibc only, so
// that the static binaries stay small and start fast.

import PackageDescription

/// Settings shared by every shipped target.
let strict: [SwiftSetting] = [
    .unsafeFlags(["-warnings-as-errors"], .when(configuration: .debug)),
    // Release builds skip the run-time exclusivity checks on class properties (swift_beginAccess was
    // 10% of a render's instructions); debug builds and the tests keep them.
    .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release)),
]

let package = Package(
    name: "EntrypointToolkit",
    products: [
        .executable(name: "entrypoint", targets: ["entrypoint"]),
        .executable(name: "templater", targets: ["templater"]),
        .executable(name: "wait-for", targets: ["wait-for"]),
        .library(name: "Templater", targets: ["Templater"]),
        .library(name: "WaitFor", targets: ["WaitFor"]),
        .library(name: "Entrypoint", targets: ["Entrypoint"]),
    ],
    targets: [
        // Libraries: the logic. No printing, no exiting, no reading of the process environment.
        // signalfd(2) and prctl(2), which the Glibc module does not export (a header, no C code).
        .systemLibrary(name: "CPlatform", path: "Sources/CPlatform"),
        .target(name: "Platform", dependencies: ["CPlatform"], swiftSettings: strict),
        .target(name: "Templater", dependencies: ["Platform"], swiftSettings: strict),
        .target(name: "WaitFor", dependencies: ["Platform"], swiftSettings: strict),
        .target(
            name: "Entrypoint", dependencies: ["Platform", "Templater", "WaitFor"],
            swiftSettings: strict),
        // The command-line frontends: options, messages, exit codes. A library so that the one shipped
        // binary (`entrypoint`) can answer as `templater`, `envsubst` and `wait-for` through argv[0].
        .target(
            name: "CLI", dependencies: ["Platform", "Templater", "WaitFor", "Entrypoint"],
            swiftSettings: strict),
        // Thin executables.
        .executableTarget(name: "entrypoint", dependencies: ["CLI"], swiftSettings: strict),
        .executableTarget(name: "templater", dependencies: ["CLI"], swiftSettings: strict),
        .executableTarget(name: "wait-for", dependencies: ["CLI"], swiftSettings: strict),

        // Spawning binaries, temporary files and paths for the tests (tests may use Foundation; this
        // target does not need it).
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "TemplaterTests", dependencies: ["Templater", "TestSupport"]),
        .testTarget(name: "WaitForTests", dependencies: ["WaitFor", "TestSupport"]),
        .testTarget(name: "EntrypointTests", dependencies: ["Entrypoint", "TestSupport"]),
        // The command-line frontends in process, for what the binaries cannot show from outside.
        .testTarget(name: "CLITests", dependencies: ["CLI", "TestSupport"]),
        // Spawn the built binaries and read their output and exit codes, as a user would.
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["templater", "wait-for", "entrypoint", "TestSupport"],
            exclude: ["Golden", "NginxParity"]),
        // Need real servers (MariaDB, PostgreSQL, nginx, ...): run by `make test`, not by `make check`.
        .testTarget(
            name: "ServerTests",
            dependencies: ["WaitFor", "wait-for", "entrypoint", "templater", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
