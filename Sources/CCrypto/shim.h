// OpenSSL's libcrypto (Debian libssl-dev): only the one-shot SHA-256 digest.
#include <openssl/sha.h>
