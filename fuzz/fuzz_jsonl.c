/* fuzz_jsonl.c — the JSON Lines reader (src/ingest/reader_jsonl.c): keys of
 * the first object as the header, numbers as text, nested values, unknown
 * keys, broken lines. The first byte picks small limits or the defaults. */
#include "fuzz_reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	ms_reader_limits lim = {0};
	if (data[0] & 1u) {
		lim.row_bytes = 512;
		lim.max_fields = 8;
	}
	fuzz_read_all(data + 1, size - 1, (data[0] & 2u) ? NULL : "fuzz.jsonl",
	              (data[0] & 2u) ? MS_FMT_AUTO : MS_FMT_JSONL, &lim);
	return 0;
}
