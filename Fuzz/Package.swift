// swift-tools-version:6.0
import PackageDescription

/// libFuzzer targets for every parser facedetail owns (issue 19), built apart from the main
/// package so that its instrumentation (`-sanitize=fuzzer,address`) never reaches the product.
/// One binary; FACEDETAIL_FUZZ_TARGET picks the parser. Run through benchmarks/fuzz.sh.
let package = Package(
    name: "facedetail-fuzz",
    dependencies: [.package(name: "facedetail", path: "..")],
    targets: [
        .executableTarget(
            name: "FuzzTargets",
            dependencies: [
                .product(name: "Formats", package: "facedetail"),
                .product(name: "Reconstruct", package: "facedetail"),
                .product(name: "Neural", package: "facedetail"),
                .product(name: "Commands", package: "facedetail"),
            ],
            // gold fails on the instrumented objects' debug information; lld links them.
            linkerSettings: [.unsafeFlags(["-use-ld=lld"])])
    ],
    swiftLanguageModes: [.v6]
)
