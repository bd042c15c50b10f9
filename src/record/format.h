/* The on-disk layout of a recording (docs/output-formats.md, "Recording").
 * Shared by the writer and the reader; nothing else depends on it.
 *
 *   text header   "BLOCKWATCH-RECORDING 1.2\n", "key=value\n" lines,
 *                 "header_crc=XXXXXXXX\n" (CRC-32 of everything before it),
 *                 then an empty line.
 *   chunks        24-byte chunk header (below) + zlib stream of records.
 *
 * A record inside a chunk: varint type, varint body length, body. Unknown
 * types are skipped and known bodies may grow at the end, so a minor
 * version can add data that older readers ignore; a major version change
 * means older readers must refuse the file. */
#ifndef BW_RECORD_FORMAT_H
#define BW_RECORD_FORMAT_H

#include <stdint.h>

#define BW_REC_MAGIC "BLOCKWATCH-RECORDING"
#define BW_REC_MAJOR 1
#define BW_REC_MINOR 2
#define BW_REC_MAX_HEADER (64 * 1024)

#define BW_CHUNK_MAGIC "BWCK"
/* Little-endian on disk. hdr_crc covers the 20 bytes before it, so a
 * damaged length is caught before it is trusted; data_crc covers the
 * compressed payload. */
struct bw_chunk_header {
	char magic[4];
	uint32_t seq;      /* 0, 1, 2, ...: a gap means a chunk was lost */
	uint32_t raw_len;  /* decompressed size */
	uint32_t comp_len; /* bytes of payload after this header */
	uint32_t data_crc;
	uint32_t hdr_crc;
};
_Static_assert(sizeof(struct bw_chunk_header) == 24, "chunk header layout");

/* Upper bound on a chunk either way: anything larger is corruption. */
#define BW_CHUNK_MAX (64u * 1024 * 1024)
/* The writer closes a chunk at this many raw bytes (or every second). */
#define BW_CHUNK_TARGET (256u * 1024)

/* Record types. Strings are varint ids into the chunk's STRING records
 * (1-based, in order of appearance; 0 = none), so each chunk decodes on
 * its own and a damaged chunk does not take later ones with it. */
enum bw_rec_type {
	BW_REC_STRING = 1,   /* bytes */
	BW_REC_PROCESS = 2,  /* pid comm exe runtime park_detection flags */
	BW_REC_THREAD = 3,   /* pid tid comm role flags [time_ns x4] [stuck_ns stuck_where] */
	BW_REC_EVENT = 4,    /* one blocked interval with its symbolized stack */
	BW_REC_SLICE = 5,    /* pid tid t0 len ns_per_state x4: coarse timeline */
	BW_REC_LOST = 6,     /* reason count */
	BW_REC_DEGRADED = 7, /* text */
	BW_REC_END = 8,      /* start_ns now_ns events_total threshold_ns: last record */
};

enum { BW_REC_PROC_EXITED = 1 };
enum { BW_REC_THREAD_EXITED = 1, BW_REC_THREAD_STUCK = 2, BW_REC_THREAD_TIMES = 4 };
/* EVENT flags. LONG_POLL (1.1): an on-CPU long poll, not a blocked
 * interval. 1.1 also appends holder_thread and holder_where string ids after
 * the frames (lock waits: who woke the waiter); 1.0 readers skip them.
 * LOCK_HOLD (1.2): an async lock held across an .await (blocked_ns: the hold;
 * holder_*: where it was released). */
enum { BW_REC_EVENT_STUCK = 1, BW_REC_EVENT_VIA_DROP = 2, BW_REC_EVENT_LONG_POLL = 4,
       BW_REC_EVENT_LOCK_HOLD = 8 };
enum { BW_REC_FRAME_INLINED = 1 };

#endif
