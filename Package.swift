// swift-tools-version:6.0
import PackageDescription

/// facedetail: one face photo in, production 3D assets out; and a converter between asset formats.
///
/// Module direction (DESIGN.md §2): Convert (the executable's main) → Commands (the command line)
/// → Reconstruct → Formats → C targets; Commands → Neural (its benchmark) → CBLAS; Neural knows
/// nothing of faces or formats. Errors (the one error shape) sits under all of them and depends on
/// nothing.
let package = Package(
    name: "facedetail",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "facedetail", targets: ["Convert"]),
        .library(name: "Formats", targets: ["Formats"]),
        .library(name: "Reconstruct", targets: ["Reconstruct"]),
        .library(name: "Neural", targets: ["Neural"]),
        .library(name: "Commands", targets: ["Commands"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0")
    ],
    targets: [
        // Thin C/C++ targets: a module map and the smallest shim each library needs.
        .systemLibrary(name: "COpenEXR", path: "Sources/COpenEXR"),
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas"),
        .target(
            name: "CPNG", path: "Sources/CPNG", cSettings: [.unsafeFlags(["-O2"])],
            linkerSettings: [.linkedLibrary("png16"), .linkedLibrary("deflate")]),
        .systemLibrary(name: "CTurboJPEG", path: "Sources/CTurboJPEG", pkgConfig: "libturbojpeg"),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib"),
        .systemLibrary(name: "CDeflate", path: "Sources/CDeflate", pkgConfig: "libdeflate"),
        // OpenEXR's ZIP chunks compressed by libdeflate (an encode pipeline's compress_fn).
        .target(
            name: "CEXRDeflate", path: "Sources/CEXRDeflate", cSettings: [.unsafeFlags(["-O2"])],
            linkerSettings: [.linkedLibrary("deflate")]),
        .systemLibrary(name: "CCrypto", path: "Sources/CCrypto", pkgConfig: "libcrypto"),
        // Forked, bounded children for the C libraries that trust their input (Assimp, libhdf5).
        .target(name: "CIsolation", path: "Sources/CIsolation", cSettings: [.unsafeFlags(["-O2"])]),
        .target(
            name: "CAssimpBridge",
            dependencies: ["CIsolation"],
            path: "Sources/CAssimpBridge",
            cxxSettings: [.unsafeFlags(["-O2"])],
            linkerSettings: [.linkedLibrary("assimp")]
        ),
        // libhdf5 (Debian's serial build, outside the default search paths): Keras weights files.
        .target(
            name: "CHDF5", dependencies: ["CIsolation"], path: "Sources/CHDF5",
            cSettings: [.unsafeFlags(["-O2", "-I/usr/include/hdf5/serial"])]),
        .target(
            name: "CDlibBridge",
            dependencies: ["CIsolation"],
            path: "Sources/CDlibBridge",
            // dlib aborts the process on the second fatal_error it raises (its "first one was
            // ignored" check); ours are caught and reported, so a process that loads two damaged
            // detector files must get two errors.
            cxxSettings: [.define("DLIB_NO_ABORT_ON_2ND_FATAL_ERROR"), .unsafeFlags(["-O2"])],
            linkerSettings: [.linkedLibrary("dlib"), .linkedLibrary("openblas")]
        ),
        // The one error shape every module specialises with its own codes (no dependencies).
        .target(name: "Errors"),
        // Formats and Reconstruct are optimised in debug builds too: the test suite runs the detail
        // solve, the unwrap and 2048² map encodings on real images, which unoptimised Swift runs
        // 20–50× slower.
        .target(
            name: "Formats",
            dependencies: [
                "Errors", "CAssimpBridge", "CCrypto", "CDeflate", "CEXRDeflate", "COpenEXR", "CPNG", "CTurboJPEG",
                "CZlib",
            ],
            swiftSettings: [.unsafeFlags(["-O"])]
        ),
        .target(
            name: "Reconstruct", dependencies: ["Errors", "Formats", "Neural", "CDlibBridge", "CZlib"],
            swiftSettings: [.unsafeFlags(["-O"])]),
        // The neural engine: tensors, layers, weights files (safetensors, Keras HDF5), on OpenBLAS. No
        // face knowledge.
        .target(
            name: "Neural", dependencies: ["Errors", "CBLAS", "CHDF5"], swiftSettings: [.unsafeFlags(["-O"])]),
        // The command line: every subcommand, its options and their validation, as a library.
        .target(
            name: "Commands",
            dependencies: [
                "Errors", "Formats", "Reconstruct", "Neural",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "Convert", dependencies: ["Commands"]),
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(
            name: "FormatsTests", dependencies: ["Errors", "Formats", "CTurboJPEG", "CIsolation", "TestSupport"]),
        .testTarget(name: "ReconstructTests", dependencies: ["Reconstruct", "Formats", "TestSupport"]),
        .testTarget(name: "ConvertTests", dependencies: ["Formats", "Commands", "TestSupport"]),
        .testTarget(name: "NeuralTests", dependencies: ["Neural", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6],
    cxxLanguageStandard: .cxx17
)
