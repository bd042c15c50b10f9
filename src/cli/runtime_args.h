/* Which runtime a traced program runs, when detection is not enough:
 * --runtime NAME forces a known profile, or "custom" with --park-symbol /
 * --runtime-profile for an executor blockwatch has no table for (see
 * classify/custom_profile.h); --worker-threads names its workers. An argp
 * child of every tracing command (trace, top, record). */
#ifndef BW_RUNTIME_ARGS_H
#define BW_RUNTIME_ARGS_H

#include <argp.h>

extern const struct argp runtime_args_argp;

#endif
