#include "report/session.h"

#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

#include "record/recording.h"
#include "record/sampler.h"

struct report_session {
	struct bw_recording *rec;
	struct sampler *sampler;
	live_event_fn next;
	void *next_ctx;
	uint64_t next_sample_ns;
	struct utsname u;
	char kernel[512];
};

struct report_session *report_session__new(const struct tracer_opts *opts, live_event_fn next,
					   void *next_ctx)
{
	struct report_session *s = calloc(1, sizeof(*s));
	struct sampler_sink sink = recording_sink;
	struct timespec ts;
	struct rec_meta m;

	if (!s)
		return NULL;
	s->rec = recording__new();
	sink.ctx = s->rec;
	s->sampler = sampler__new(&sink);
	if (!s->rec || !s->sampler) {
		report_session__free(s);
		return NULL;
	}
	s->next = next;
	s->next_ctx = next_ctx;
	uname(&s->u);
	snprintf(s->kernel, sizeof(s->kernel), "%s %s %s %s", s->u.sysname, s->u.release,
		 s->u.version, s->u.machine);
	clock_gettime(CLOCK_REALTIME, &ts);
	m = (struct rec_meta){
		.major = 1,
		.tool_version = BW_VERSION,
		.kernel = s->kernel,
		.hostname = s->u.nodename,
		.start_unix_ns = ts.tv_sec * 1000000000ULL + ts.tv_nsec,
		.start_mono_ns = now_monotonic_ns(),
		.threshold_ns = opts->threshold_ns,
	};
	recording__set_meta(s->rec, &m);
	return s;
}

void report_session__free(struct report_session *s)
{
	if (!s)
		return;
	recording__free(s->rec);
	sampler__free(s->sampler);
	free(s);
}

void report_session__on_event(void *ctx, const struct live_event *ev)
{
	struct report_session *s = ctx;

	recording__on_live_event(s->rec, ev);
	if (s->next)
		s->next(s->next_ctx, ev);
}

void report_session__tick(struct report_session *s, struct tracer *t)
{
	uint64_t now = now_monotonic_ns();
	struct bw_snapshot *snap;

	if (!s || now < s->next_sample_ns)
		return;
	s->next_sample_ns = now + BW_SAMPLE_INTERVAL_NS;
	snap = tracer__snapshot(t);
	if (snap)
		sampler__sample(s->sampler, snap);
	snapshot__free(snap);
}

int report_session__write(struct report_session *s, const struct bw_snapshot *final,
			  const struct report_opts *o, FILE *out)
{
	struct bw_snapshot *own = s->rec->snap;
	int rc;

	sampler__sample(s->sampler, final);
	/* the tracer's snapshot already has the callsites: lend it, no rebuild */
	s->rec->snap = (struct bw_snapshot *)final;
	s->rec->snap_complete = true;
	s->rec->has_end = true;
	rc = report__write(o, s->rec, out);
	s->rec->snap = own;
	return rc;
}
