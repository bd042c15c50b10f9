/* A tiny unit-test harness: TEST() registers a case, CHECK*() record
 * failures, main() runs every case and prints one TAP line per case
 * ("ok - name" / "not ok - name"). tests/run.sh counts those lines. */
#ifndef BW_TEST_HARNESS_H
#define BW_TEST_HARNESS_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

struct bw_test {
	const char *name;
	void (*fn)(void);
};

#define BW_MAX_TESTS 256
static struct bw_test bw_tests[BW_MAX_TESTS];
static int bw_ntests;
static int bw_case_failed;
static const char *bw_skip_reason;

#define TEST(name)                                                               \
	static void test_##name(void);                                           \
	__attribute__((constructor)) static void register_##name(void)          \
	{                                                                        \
		if (bw_ntests < BW_MAX_TESTS)                                    \
			bw_tests[bw_ntests++] = (struct bw_test){ #name, test_##name }; \
	}                                                                        \
	static void test_##name(void)

#define CHECK(cond)                                                              \
	do {                                                                     \
		if (!(cond)) {                                                   \
			fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, \
				__LINE__, #cond);                                \
			bw_case_failed = 1;                                      \
		}                                                                \
	} while (0)

#define CHECK_INT_EQ(a, b)                                                       \
	do {                                                                     \
		long long _a = (long long)(a), _b = (long long)(b);              \
		if (_a != _b) {                                                  \
			fprintf(stderr, "  %s:%d: %s == %lld, expected %s == %lld\n", \
				__FILE__, __LINE__, #a, _a, #b, _b);             \
			bw_case_failed = 1;                                      \
		}                                                                \
	} while (0)

#define CHECK_STR_EQ(a, b)                                                       \
	do {                                                                     \
		const char *_a = (a), *_b = (b);                                 \
		if (!_a || !_b || strcmp(_a, _b) != 0) {                         \
			fprintf(stderr, "  %s:%d: %s == \"%s\", expected \"%s\"\n", \
				__FILE__, __LINE__, #a, _a ? _a : "(null)",      \
				_b ? _b : "(null)");                             \
			bw_case_failed = 1;                                      \
		}                                                                \
	} while (0)

/* Mark the current case skipped (with a reason) and leave it. */
#define SKIP(reason)                                                             \
	do {                                                                     \
		bw_skip_reason = (reason);                                       \
		return;                                                          \
	} while (0)

int main(void)
{
	int failed = 0;

	for (int i = 0; i < bw_ntests; i++) {
		bw_case_failed = 0;
		bw_skip_reason = NULL;
		bw_tests[i].fn();
		if (bw_skip_reason)
			printf("ok - %s # SKIP %s\n", bw_tests[i].name, bw_skip_reason);
		else
			printf("%sok - %s\n", bw_case_failed ? "not " : "", bw_tests[i].name);
		failed |= bw_case_failed;
	}
	return failed;
}

#endif
