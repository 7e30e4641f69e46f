/* fuzz_hep: bytes → HEP3 parser (capture/hep.c) as one UDP datagram, and as a
 * TCP stream cut by hep_frame_len the way capture/hep_listen.c cuts it, with
 * and without a password.  Every length in the input may lie; any read past
 * the input, leak or UB is a failure (ASan/UBSan). */
#include <stddef.h>
#include <stdint.h>

#include "capture/hep.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hep_counters c = {0};
	struct hep_msg m;
	struct sip_packet h;
	const uint8_t *pl;

	/* the payload handed over lies inside the input */
	if (hep_input(data, size, 0, NULL, &c, &h, &pl) && (pl < data || pl + h.len > data + size))
		__builtin_trap();
	if (hep_parse(data, size, &m) == HEP_OK) {
		/* what the parser returns lies inside the input */
		if (m.payload < data || m.payload + m.payload_len > data + size)
			__builtin_trap();
		if (m.auth_key && (m.auth_key < data || m.auth_key + m.auth_len > data + size))
			__builtin_trap();
	}
	size_t off = 0;
	while (off < size) {
		long len = hep_frame_len(data + off, size - off);
		if (len <= 0 || (size_t)len > size - off)
			break;
		if (hep_input(data + off, (size_t)len, 0, "key", &c, &h, &pl) &&
		    (pl < data + off || pl + h.len > data + off + len))
			__builtin_trap();
		off += (size_t)len;
	}
	if (c.messages > c.packets)
		__builtin_trap();
	return 0;
}
