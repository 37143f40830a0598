// OpenEXR 3.1 Core C API. Debian ships no pkg-config file for Core alone (PLATFORM.md).
#include <OpenEXR/openexr.h>
