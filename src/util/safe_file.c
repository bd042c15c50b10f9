#include "util/safe_file.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int open_regular(const char *path, int flags, uint64_t max_size)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY |
				    (flags & BW_OPEN_NOFOLLOW ? O_NOFOLLOW : 0));
	struct stat st;
	int rc;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
		goto fail;
	}
	if ((uint64_t)st.st_size > max_size) {
		rc = -EFBIG;
		goto fail;
	}
	/* regular files never block; later reads behave as usual */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
fail:
	close(fd);
	return rc;
}

static bool trusted_owner(uid_t uid)
{
	return uid == 0 || uid == geteuid();
}

/* Writes to an existing FIFO or device as is (O_NONBLOCK: a FIFO without
 * reader fails instead of hanging). */
static int open_special(const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	struct stat st;

	if (fd < 0) {
		int e = errno;

		snprintf(err, errlen, "cannot write %s: %s", path,
			 e == ENXIO ? "a FIFO with no reader" : strerror(e));
		return -e;
	}
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) { /* swapped in meanwhile */
		close(fd);
		snprintf(err, errlen, "cannot write %s: it changed while being opened", path);
		return -EAGAIN;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
}

static int make_temp(struct out_file *o, mode_t mode, char *err, size_t errlen)
{
	char *d = strdup(o->path), *b = strdup(o->path);
	int fd;

	if (!d || !b || asprintf(&o->tmp, "%s/.%s.XXXXXX", dirname(d), basename(b)) < 0) {
		o->tmp = NULL;
		free(d);
		free(b);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	free(d);
	free(b);
	fd = mkostemp(o->tmp, O_CLOEXEC); /* O_CREAT|O_EXCL, 0600 */
	if (fd < 0) {
		int e = errno;

		snprintf(err, errlen, "cannot create %s: %s", o->path, strerror(e));
		free(o->tmp);
		o->tmp = NULL;
		return -e;
	}
	if (fchmod(fd, mode) < 0) {
		int e = errno;

		snprintf(err, errlen, "cannot create %s: %s", o->path, strerror(e));
		close(fd);
		unlink(o->tmp);
		free(o->tmp);
		o->tmp = NULL;
		return -e;
	}
	return fd;
}

/* replace=false: create exclusively, or reuse our own regular file. */
static int open_in_place(struct out_file *o, mode_t mode, char *err, size_t errlen)
{
	struct stat st;
	int fd, e;

	for (int attempt = 0; attempt < 2; attempt++) {
		fd = open(o->path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, mode);
		if (fd >= 0) {
			if (fchmod(fd, mode) < 0) { /* the umask does not decide */
				e = errno;
				close(fd);
				snprintf(err, errlen, "cannot create %s: %s", o->path, strerror(e));
				return -e;
			}
			return fd;
		}
		if (errno != EEXIST) {
			e = errno;
			snprintf(err, errlen, "cannot create %s: %s", o->path, strerror(e));
			return -e;
		}
		fd = open(o->path, O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
		if (fd < 0 && errno == ENOENT)
			continue; /* removed meanwhile: create it */
		if (fd < 0) {
			e = errno;
			snprintf(err, errlen, "cannot write %s: %s", o->path,
				 e == ELOOP ? "it is a symbolic link" : strerror(e));
			return -e;
		}
		if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1 ||
		    !trusted_owner(st.st_uid)) {
			close(fd);
			snprintf(err, errlen, "refusing to overwrite %s: %s", o->path,
				 !S_ISREG(st.st_mode) ? "not a regular file"
				 : st.st_nlink != 1  ? "it has other hard links"
						     : "it belongs to another user; remove it first");
			return -EPERM;
		}
		if (ftruncate(fd, 0) < 0) {
			e = errno;
			close(fd);
			snprintf(err, errlen, "cannot write %s: %s", o->path, strerror(e));
			return -e;
		}
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
		return fd;
	}
	snprintf(err, errlen, "cannot create %s: it keeps changing", o->path);
	return -EAGAIN;
}

static mode_t mode_override; /* --mode; 0: each file's own default */

void out_file__set_mode(mode_t mode)
{
	mode_override = mode & 0777;
}

mode_t out_file__mode(mode_t default_mode)
{
	return mode_override ? mode_override : default_mode;
}

int out_file__open(struct out_file *o, const char *path, mode_t mode, bool replace, char *err,
		   size_t errlen)
{
	struct stat lst, st;
	int fd;

	mode = out_file__mode(mode);
	*o = (struct out_file){ .fd = -1 };
	o->path = strdup(path);
	if (!o->path) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (lstat(path, &lst) == 0) {
		if (S_ISLNK(lst.st_mode) && !trusted_owner(lst.st_uid)) {
			snprintf(err, errlen, "refusing to write %s: it is a symbolic link owned by "
				 "another user (uid %u)", path, (unsigned)lst.st_uid);
			fd = -ELOOP;
			goto done;
		}
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
			snprintf(err, errlen, "cannot write %s: it is a directory", path);
			fd = -EISDIR;
			goto done;
		}
		if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
			fd = open_special(path, err, errlen);
			goto done;
		}
		if (S_ISLNK(lst.st_mode)) {
			/* our own link to a regular file: write its target */
			char *real = realpath(path, NULL);

			if (!real) {
				fd = -errno;
				snprintf(err, errlen, "cannot write %s: %s", path, strerror(-fd));
				goto done;
			}
			free(o->path);
			o->path = real;
		}
	}
	fd = replace ? make_temp(o, mode, err, errlen) : open_in_place(o, mode, err, errlen);
done:
	if (fd < 0) {
		out_file__release(o);
		return fd;
	}
	o->fd = fd;
	return 0;
}

void out_file__release(struct out_file *o)
{
	if (!o)
		return;
	free(o->path);
	free(o->tmp);
	o->path = o->tmp = NULL;
}

FILE *out_file__fopen(struct out_file *o, const char *path, mode_t mode, char *err, size_t errlen)
{
	FILE *f;

	if (out_file__open(o, path, mode, true, err, errlen) < 0)
		return NULL;
	f = fdopen(o->fd, "w");
	if (!f) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		close(o->fd);
		if (o->tmp)
			unlink(o->tmp);
		out_file__release(o);
	}
	return f;
}

int out_file__fclose(struct out_file *o, FILE *f, bool failed, char *err, size_t errlen)
{
	int rc = 0;

	if (fflush(f) || ferror(f))
		rc = -(errno ? errno : EIO);
	if (!rc && o->tmp && fsync(fileno(f)) < 0 && errno != EINVAL)
		rc = -errno;
	if (fclose(f) && !rc)
		rc = -(errno ? errno : EIO);
	if (rc && !failed)
		snprintf(err, errlen, "writing %s failed: %s", o->path, strerror(-rc));
	if (o->tmp) {
		if (rc || failed) {
			unlink(o->tmp);
		} else if (rename(o->tmp, o->path) < 0) {
			rc = -errno;
			snprintf(err, errlen, "cannot write %s: %s", o->path, strerror(errno));
			unlink(o->tmp);
		}
	}
	out_file__release(o);
	return rc ? rc : failed ? -EIO : 0;
}
