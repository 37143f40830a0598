import Commands

// The `facedetail` executable: the commands live in the Commands library, so that the fuzzer can
// drive their option parsing and validation (Fuzz/, target `cli`) without running them.
Facedetail.main()
