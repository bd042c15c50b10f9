/* pprof: a gzip-compressed perftools.profiles.Profile (profile.proto),
 * hand-encoded. Sample types: blocked intervals (count) and off-CPU time
 * (nanoseconds, the default). Frames of one pc (an inline chain) form one
 * Location with several Lines, innermost first as the schema asks; every
 * Function carries its file, so tools show file:line without re-symbolizing. */
#include "report/report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "record/bytebuf.h"
#include "util/strmap.h"

/* Profile field numbers (profile.proto). */
enum {
	PROFILE_SAMPLE_TYPE = 1, PROFILE_SAMPLE = 2, PROFILE_MAPPING = 3, PROFILE_LOCATION = 4,
	PROFILE_FUNCTION = 5, PROFILE_STRING_TABLE = 6, PROFILE_TIME_NANOS = 9,
	PROFILE_DURATION_NANOS = 10, PROFILE_PERIOD_TYPE = 11, PROFILE_PERIOD = 12,
	PROFILE_COMMENT = 13, PROFILE_DEFAULT_SAMPLE_TYPE = 14,
	VALUETYPE_TYPE = 1, VALUETYPE_UNIT = 2,
	SAMPLE_LOCATION_ID = 1, SAMPLE_VALUE = 2, SAMPLE_LABEL = 3,
	LABEL_KEY = 1, LABEL_STR = 2, LABEL_NUM = 3,
	MAPPING_ID = 1, MAPPING_START = 2, MAPPING_LIMIT = 3, MAPPING_OFFSET = 4,
	MAPPING_FILENAME = 5, MAPPING_BUILD_ID = 6, MAPPING_HAS_FUNCTIONS = 7,
	MAPPING_HAS_FILENAMES = 8, MAPPING_HAS_LINE_NUMBERS = 9, MAPPING_HAS_INLINE_FRAMES = 10,
	LOCATION_ID = 1, LOCATION_MAPPING_ID = 2, LOCATION_ADDRESS = 3, LOCATION_LINE = 4,
	LINE_FUNCTION_ID = 1, LINE_LINE = 2,
	FUNCTION_ID = 1, FUNCTION_NAME = 2, FUNCTION_SYSTEM_NAME = 3, FUNCTION_FILENAME = 4,
};

enum { WIRE_VARINT = 0, WIRE_LEN = 2 };

static void pb_key(struct bytebuf *b, int field, int wire)
{
	bytebuf__varint(b, (uint64_t)field << 3 | wire);
}

static void pb_u64(struct bytebuf *b, int field, uint64_t v)
{
	if (!v)
		return; /* proto3 default: omitted */
	pb_key(b, field, WIRE_VARINT);
	bytebuf__varint(b, v);
}

static void pb_bytes(struct bytebuf *b, int field, const void *p, size_t n)
{
	pb_key(b, field, WIRE_LEN);
	bytebuf__varint(b, n);
	bytebuf__append(b, p, n);
}

/* A nested message: encoded in its own buffer, then length-prefixed. */
static void pb_msg(struct bytebuf *b, int field, struct bytebuf *m)
{
	pb_bytes(b, field, m->data, m->len);
	b->oom |= m->oom;
	bytebuf__reset(m);
}

struct pp_mapping;

struct pprof {
	struct bytebuf out, msg, sub;
	struct strmap *strings, *functions, *locations, *mappings, *samples;
	int nstrings;
	uint64_t nfunctions, nlocations, nmappings;
	struct pp_mapping *mappings_v;
	/* samples aggregated by (locations, labels) before encoding */
	struct report_stack stack; /* the event's frames as drawn */
	enum report_runtime_frames mode;
	struct pp_sample {
		char *key;
		uint64_t *locs;
		int nlocs;
		const char *api, *category, *callsite;
		uint64_t count, ns;
	} *samples_v;
	int nsamples, samples_cap;
};

static uint64_t str_index(struct pprof *p, const char *s)
{
	uintptr_t id;

	if (!s || !*s)
		return 0; /* string_table[0] is "" */
	id = (uintptr_t)strmap__get(p->strings, s);
	if (id)
		return id;
	id = ++p->nstrings;
	if (strmap__put(p->strings, s, (void *)id) < 0)
		p->out.oom = true;
	pb_bytes(&p->out, PROFILE_STRING_TABLE, s, strlen(s));
	return id;
}

static uint64_t function_id(struct pprof *p, const char *name, const char *file)
{
	char key[1024];
	uintptr_t id;

	snprintf(key, sizeof(key), "%s\x1f%s", name, file ? file : "");
	id = (uintptr_t)strmap__get(p->functions, key);
	if (id)
		return id;
	id = ++p->nfunctions;
	if (strmap__put(p->functions, key, (void *)id) < 0)
		p->out.oom = true;
	pb_u64(&p->msg, FUNCTION_ID, id);
	pb_u64(&p->msg, FUNCTION_NAME, str_index(p, name));
	pb_u64(&p->msg, FUNCTION_SYSTEM_NAME, str_index(p, name));
	pb_u64(&p->msg, FUNCTION_FILENAME, str_index(p, file));
	pb_msg(&p->out, PROFILE_FUNCTION, &p->msg);
	return id;
}

/* One mapping per module and load bias (pcs differ between processes).
 * Encoded at the end, once the highest pc of each is known. */
struct pp_mapping {
	const char *module, *build_id;
	uint64_t bias, max_pc;
};

static uint64_t mapping_id(struct pprof *p, const struct bw_frame *f)
{
	uint64_t bias = f->pc - f->module_offset;
	struct pp_mapping *m;
	char key[600];
	uintptr_t id;

	if (!f->module)
		return 0;
	snprintf(key, sizeof(key), "%s@%llx", f->module, (unsigned long long)bias);
	id = (uintptr_t)strmap__get(p->mappings, key);
	if (!id) {
		m = realloc(p->mappings_v, (p->nmappings + 1) * sizeof(*m));
		if (!m) {
			p->out.oom = true;
			return 0;
		}
		p->mappings_v = m;
		m[p->nmappings] = (struct pp_mapping){ f->module, f->build_id, bias, f->pc };
		id = ++p->nmappings;
		if (strmap__put(p->mappings, key, (void *)id) < 0)
			p->out.oom = true;
	}
	m = &p->mappings_v[id - 1];
	m->max_pc = f->pc > m->max_pc ? f->pc : m->max_pc;
	m->build_id = m->build_id ? m->build_id : f->build_id;
	return id;
}

static void encode_mappings(struct pprof *p)
{
	for (uint64_t i = 0; i < p->nmappings; i++) {
		const struct pp_mapping *m = &p->mappings_v[i];

		pb_u64(&p->msg, MAPPING_ID, i + 1);
		pb_u64(&p->msg, MAPPING_START, m->bias);
		pb_u64(&p->msg, MAPPING_LIMIT, m->max_pc + 1);
		pb_u64(&p->msg, MAPPING_FILENAME, str_index(p, m->module));
		pb_u64(&p->msg, MAPPING_BUILD_ID, str_index(p, m->build_id));
		pb_u64(&p->msg, MAPPING_HAS_FUNCTIONS, 1);
		pb_u64(&p->msg, MAPPING_HAS_FILENAMES, 1);
		pb_u64(&p->msg, MAPPING_HAS_LINE_NUMBERS, 1);
		pb_u64(&p->msg, MAPPING_HAS_INLINE_FRAMES, 1);
		pb_msg(&p->out, PROFILE_MAPPING, &p->msg);
	}
}

/* frames[0..n) share one pc: an inline chain, innermost first, named
 * (report_stack). */
static uint64_t location_id(struct pprof *p, const struct bw_frame *f, int n)
{
	char key[1200];
	uint64_t fids[64];
	uint64_t map;
	uintptr_t id;
	int len;

	n = n > 64 ? 64 : n;
	for (int i = 0; i < n; i++)
		fids[i] = function_id(p, f[i].function, f[i].file);
	len = snprintf(key, sizeof(key), "%llx", (unsigned long long)f->pc);
	for (int i = 0; i < n && len < (int)sizeof(key) - 48; i++)
		len += snprintf(key + len, sizeof(key) - len, ":%llu:%d", (unsigned long long)fids[i],
				f[i].line);
	id = (uintptr_t)strmap__get(p->locations, key);
	if (id)
		return id;
	map = mapping_id(p, f);
	id = ++p->nlocations;
	if (strmap__put(p->locations, key, (void *)id) < 0)
		p->out.oom = true;
	pb_u64(&p->msg, LOCATION_ID, id);
	pb_u64(&p->msg, LOCATION_MAPPING_ID, map);
	pb_u64(&p->msg, LOCATION_ADDRESS, f->pc);
	for (int i = 0; i < n; i++) {
		pb_u64(&p->sub, LINE_FUNCTION_ID, fids[i]);
		pb_u64(&p->sub, LINE_LINE, f[i].line > 0 ? f[i].line : 0);
		pb_msg(&p->msg, LOCATION_LINE, &p->sub);
	}
	pb_msg(&p->out, PROFILE_LOCATION, &p->msg);
	return id;
}

static int add_sample(struct pprof *p, const struct rec_event *e)
{
	uint64_t locs[512];
	char key[512 * 8 + 600];
	int nlocs = 0, len;
	struct pp_sample *s;
	uintptr_t at;

	const struct bw_frame *f;

	if (report_stack__build(&p->stack, e, p->mode) < 0)
		return -ENOMEM;
	f = p->stack.frames;
	for (int i = 0; i < p->stack.n && nlocs < 512;) {
		int j = i + 1;

		while (j < p->stack.n && f[j].pc == f[i].pc)
			j++;
		locs[nlocs++] = location_id(p, &f[i], j - i);
		i = j;
	}
	len = snprintf(key, sizeof(key), "%s\x1f%s\x1f%s", e->blame.blocking_api ? e->blame.blocking_api : "",
		       e->category ? e->category : "", e->callsite ? e->callsite : "");
	for (int i = 0; i < nlocs && len < (int)sizeof(key) - 24; i++)
		len += snprintf(key + len, sizeof(key) - len, ",%llu", (unsigned long long)locs[i]);
	at = (uintptr_t)strmap__get(p->samples, key);
	if (!at) {
		if (p->nsamples == p->samples_cap) {
			int cap = p->samples_cap ? p->samples_cap * 2 : 64;
			struct pp_sample *v = realloc(p->samples_v, cap * sizeof(*v));

			if (!v)
				return -ENOMEM;
			p->samples_v = v;
			p->samples_cap = cap;
		}
		s = &p->samples_v[p->nsamples];
		*s = (struct pp_sample){ .api = e->blame.blocking_api, .category = e->category,
					 .callsite = e->callsite, .nlocs = nlocs };
		s->key = strdup(key);
		s->locs = malloc((nlocs ? nlocs : 1) * sizeof(*locs));
		if (!s->key || !s->locs) {
			free(s->key);
			free(s->locs);
			return -ENOMEM;
		}
		memcpy(s->locs, locs, nlocs * sizeof(*locs));
		at = ++p->nsamples;
		if (strmap__put(p->samples, s->key, (void *)at) < 0)
			return -ENOMEM;
	}
	s = &p->samples_v[at - 1];
	s->count++;
	s->ns += e->blocked_ns;
	return 0;
}

static void value_type(struct pprof *p, int field, const char *type, const char *unit)
{
	pb_u64(&p->msg, VALUETYPE_TYPE, str_index(p, type));
	pb_u64(&p->msg, VALUETYPE_UNIT, str_index(p, unit));
	pb_msg(&p->out, field, &p->msg);
}

static void label(struct pprof *p, const char *key, const char *value)
{
	if (!value)
		return;
	pb_u64(&p->sub, LABEL_KEY, str_index(p, key));
	pb_u64(&p->sub, LABEL_STR, str_index(p, value));
	pb_msg(&p->msg, SAMPLE_LABEL, &p->sub);
}

static void encode_samples(struct pprof *p)
{
	for (int i = 0; i < p->nsamples; i++) {
		const struct pp_sample *s = &p->samples_v[i];
		struct bytebuf packed = {};

		for (int j = 0; j < s->nlocs; j++)
			bytebuf__varint(&packed, s->locs[j]);
		pb_bytes(&p->msg, SAMPLE_LOCATION_ID, packed.data, packed.len);
		bytebuf__reset(&packed);
		bytebuf__varint(&packed, s->count);
		bytebuf__varint(&packed, s->ns);
		pb_bytes(&p->msg, SAMPLE_VALUE, packed.data, packed.len);
		p->msg.oom |= packed.oom;
		bytebuf__release(&packed);
		/* labels go into msg after the values; sub is their scratch */
		label(p, "blocking_api", s->api);
		label(p, "category", s->category);
		label(p, "callsite", s->callsite);
		pb_msg(&p->out, PROFILE_SAMPLE, &p->msg);
	}
}

/* gzip (not a bare zlib stream) is what pprof tools expect. */
static int gzip_write(FILE *out, const uint8_t *data, size_t len)
{
	z_stream z = {};
	uint8_t buf[65536];
	int zrc;

	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	z.next_in = (uint8_t *)data;
	z.avail_in = len;
	do {
		z.next_out = buf;
		z.avail_out = sizeof(buf);
		zrc = deflate(&z, Z_FINISH);
		if (zrc == Z_STREAM_ERROR)
			break;
		if (fwrite(buf, 1, sizeof(buf) - z.avail_out, out) != sizeof(buf) - z.avail_out) {
			zrc = Z_ERRNO;
			break;
		}
	} while (zrc != Z_STREAM_END);
	deflateEnd(&z);
	return zrc == Z_STREAM_END ? 0 : -EIO;
}

int report_pprof__write(FILE *out, const struct bw_recording *r, const struct report_opts *o)
{
	struct pprof p = { .mode = o->runtime_frames };
	const struct bw_snapshot *s = r->snap;
	uint64_t comment;
	char text[512];
	int rc = 0;

	p.strings = strmap__new();
	p.functions = strmap__new();
	p.locations = strmap__new();
	p.mappings = strmap__new();
	p.samples = strmap__new();
	if (!p.strings || !p.functions || !p.locations || !p.mappings || !p.samples) {
		rc = -ENOMEM;
		goto cleanup;
	}
	pb_bytes(&p.out, PROFILE_STRING_TABLE, "", 0);
	/* Fields may come in any order in protobuf: strings, functions and
	 * locations are appended to `out` as they are first met. */
	value_type(&p, PROFILE_SAMPLE_TYPE, "blocked_intervals", "count");
	value_type(&p, PROFILE_SAMPLE_TYPE, "off_cpu", "nanoseconds");
	for (int i = 0; i < r->nevents && !rc; i++)
		if (!r->events[i].stuck)
			rc = add_sample(&p, &r->events[i]);
	if (rc)
		goto cleanup;
	encode_samples(&p);
	encode_mappings(&p);
	pb_u64(&p.out, PROFILE_TIME_NANOS, r->meta.start_unix_ns);
	pb_u64(&p.out, PROFILE_DURATION_NANOS, s->now_ns > s->start_ns ? s->now_ns - s->start_ns : 0);
	value_type(&p, PROFILE_PERIOD_TYPE, "off_cpu", "nanoseconds");
	pb_u64(&p.out, PROFILE_PERIOD, 1);
	snprintf(text, sizeof(text), "blockwatch %s: runtime worker threads blocked longer than %llu ns",
		 r->meta.tool_version ? r->meta.tool_version : BW_VERSION,
		 (unsigned long long)s->threshold_ns);
	comment = str_index(&p, text);
	pb_key(&p.out, PROFILE_COMMENT, WIRE_VARINT);
	bytebuf__varint(&p.out, comment);
	pb_u64(&p.out, PROFILE_DEFAULT_SAMPLE_TYPE, str_index(&p, "off_cpu"));
	rc = p.out.oom || p.msg.oom ? -ENOMEM : gzip_write(out, p.out.data, p.out.len);
cleanup:
	for (int i = 0; i < p.nsamples; i++) {
		free(p.samples_v[i].key);
		free(p.samples_v[i].locs);
	}
	free(p.samples_v);
	free(p.mappings_v);
	strmap__free(p.strings);
	strmap__free(p.functions);
	strmap__free(p.locations);
	strmap__free(p.mappings);
	strmap__free(p.samples);
	bytebuf__release(&p.out);
	bytebuf__release(&p.msg);
	bytebuf__release(&p.sub);
	report_stack__release(&p.stack);
	return rc;
}
