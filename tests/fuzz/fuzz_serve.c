/* Fuzzes what serve parses from others: a scraper's Accept header, label
 * values from traced programs (names, paths, env values), a process's
 * environ block and cgroup file, --listen and --otlp-endpoint. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "serve/exposition.h"
#include "serve/http_post.h"
#include "serve/http_server.h"
#include "serve/service_name.h"
#include "util/escape.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char *s = malloc(len + 1), *label;
	char name[SERVICE_NAME_MAX];
	struct sockaddr_storage sa;
	struct http_url url;
	socklen_t salen;

	if (!s)
		return 0;
	memcpy(s, data, len);
	s[len] = 0;
	exposition__negotiate(s);
	label = esc_prom_label(s, len % 300);
	if (label && strchr(label, '\n'))
		abort(); /* a raw newline would end the sample line */
	free(label);
	service_name__from_environ((const char *)data, len, "SERVICE_NAME", name);
	service_name__from_cgroup(s, name);
	http_parse_listen(s, &sa, &salen);
	if (http_url__parse(s, &url) == 0 && (strpbrk(url.path, " \r\n") || strpbrk(url.host, " \r\n")))
		abort(); /* would split the request line */
	free(s);
	return 0;
}
