/* fuzz.h — what the libFuzzer targets of fuzz/ share (docs/reliability.md).
 * Each target is built with clang -fsanitize=fuzzer,address,undefined from
 * the project's own sources (build-fuzz/libminsheng.a, instrumented) and the
 * system libraries (not instrumented). A broken invariant aborts, which
 * libFuzzer reports as a crash and saves as an input. */
#ifndef MS_FUZZ_H
#define MS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define FUZZ_ASSERT(c)                                                                    \
	do {                                                                                  \
		if (!(c)) {                                                                       \
			fprintf(stderr, "fuzz invariant failed at %s:%d: %s\n", __FILE__, __LINE__, #c); \
			abort();                                                                      \
		}                                                                                 \
	} while (0)

#endif
