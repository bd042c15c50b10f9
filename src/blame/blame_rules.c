/* The blame tables. Names are matched after normalization: generic
 * arguments removed and "<T>::f" unwrapped to "T::f", so
 * "std::sync::poison::mutex::Mutex<T>::lock" (legacy mangling) and
 * "<std::sync::poison::mutex::Mutex<i32>>::lock" (v0) both read
 * "std::sync::poison::mutex::Mutex::lock". std paths move between Rust
 * releases (std::thread::sleep lives in std::thread::functions in 1.9x),
 * hence the optional "(.*::)?" segments. Order matters: the first rule that
 * matches a frame wins (DNS before the generic std::net rule). */
#include <stddef.h>

#include "blame_rules.h"
#include "blockwatch.h"

const struct blame_rule blame_rules[] = {
	/* sleep */
	{ "^std::thread::(.*::)?sleep(_ms|_until)?$", "std::thread::sleep", BW_CAT_SLEEP },
	{ "^std::sys::(.*::)?[Tt]hread::sleep", "std::thread::sleep", BW_CAT_SLEEP },

	/* dns (before net) */
	{ " as std::net::(.*::)?ToSocketAddrs>::to_socket_addrs$", "std::net::ToSocketAddrs::to_socket_addrs", BW_CAT_DNS },
	{ "^std::net::(.*::)?ToSocketAddrs", "std::net::ToSocketAddrs::to_socket_addrs", BW_CAT_DNS },
	{ "^std::sys::(.*::)?(lookup_host|LookupHost)", "std::net::ToSocketAddrs::to_socket_addrs", BW_CAT_DNS },
	{ "^(__GI_)?(getaddrinfo|gethostbyname[0-9a-z_]*|getnameinfo)$", "getaddrinfo", BW_CAT_DNS },

	/* file-io */
	{ "^std::fs::", NULL, BW_CAT_FILE_IO },
	{ "^<&?std::fs::File as std::io::", NULL, BW_CAT_FILE_IO },
	{ "^std::sys::(.*::)?fs::", NULL, BW_CAT_FILE_IO },
	{ "^std::io::(.*::)?_(e)?print$", "std::io::_print", BW_CAT_FILE_IO },
	{ "^<&?std::io::(.*::)?(Stdout|Stderr|StdoutLock|StderrLock) as std::io::Write>::", NULL, BW_CAT_FILE_IO },
	{ "^std::io::(.*::)?Stdin::(read_line|lines|read_to_string|lock)", NULL, BW_CAT_FILE_IO },

	/* lock: waiting for access someone else holds */
	{ "^std::sync::(.*::)?Mutex::lock$", "std::sync::Mutex::lock", BW_CAT_LOCK },
	{ "^std::sys::(.*::)?[Mm]utex::(.*::)?lock", "std::sync::Mutex::lock", BW_CAT_LOCK },
	{ "^std::sync::(.*::)?RwLock::read$", "std::sync::RwLock::read", BW_CAT_LOCK },
	{ "^std::sync::(.*::)?RwLock::write$", "std::sync::RwLock::write", BW_CAT_LOCK },
	{ "^std::sys::(.*::)?[Rr]w[Ll]ock::", "std::sync::RwLock", BW_CAT_LOCK },
	{ "^(parking_lot|parking_lot_core|lock_api)::", NULL, BW_CAT_LOCK },
	{ "^<(parking_lot|lock_api)::", NULL, BW_CAT_LOCK },
	{ "^(pthread_mutex_lock|pthread_rwlock_(rd|wr)lock|__pthread_mutex_lock)$", NULL, BW_CAT_LOCK },

	/* channel: waiting for another thread to send, signal or finish. The
	 * user's API is the outermost of these (Receiver::recv over the
	 * thread::park it waits in, futures' block_on over its park), also
	 * over waits of the lock family (blame_wraps: a Condvar::wait takes
	 * its mutex back after the signal), and the other way round. */
	{ "^std::sync::(.*::)?Condvar::wait", "std::sync::Condvar::wait", BW_CAT_CHANNEL },
	{ "^std::sys::(.*::)?[Cc]ondvar::(.*::)?wait", "std::sync::Condvar::wait", BW_CAT_CHANNEL },
	{ "^std::sync::(.*::)?Barrier::wait$", "std::sync::Barrier::wait", BW_CAT_CHANNEL },
	/* named as the outermost frame is: Receiver::recv, ::recv_timeout,
	 * Sender::send (its queue lock), SyncSender::send (a full channel) */
	{ "^std::sync::(mpsc|mpmc)::(.*::)?(recv|send)", NULL, BW_CAT_CHANNEL },
	{ "^std::thread::(.*::)?(Scoped)?JoinHandle::join$", "std::thread::JoinHandle::join", BW_CAT_CHANNEL },
	{ "^std::thread::(.*::)?park(_timeout)?$", "std::thread::park", BW_CAT_CHANNEL },
	{ "^futures_executor::(.*::)?block_on$", "futures::executor::block_on", BW_CAT_CHANNEL },
	/* a runtime's block_on called where it blocks a thread (inside
	 * another executor's task); a block_on thread's own parks are parked */
	{ "^tokio::runtime::(.*::)?Runtime::block_on$", "tokio::runtime::Runtime::block_on", BW_CAT_CHANNEL },
	{ "^tokio::runtime::(.*::)?Handle::block_on$", "tokio::runtime::Handle::block_on", BW_CAT_CHANNEL },
	{ "^(__)?pthread_cond_(wait|timedwait|clockwait)(_common)?$", "pthread_cond_wait", BW_CAT_CHANNEL },
	/* glibc's join helper: where JoinHandle::join is inlined under a bare name */
	{ "^(pthread_join|__pthread_clockjoin_ex|__pthread_timedjoin_ex)$", "pthread_join", BW_CAT_CHANNEL },

	/* net-io */
	{ "^std::net::", NULL, BW_CAT_NET_IO },
	{ "^<&?std::net::(.*::)?[A-Za-z]+ as std::io::", NULL, BW_CAT_NET_IO },
	{ "^std::sys::(.*::)?net::", "std::net", BW_CAT_NET_IO },

	/* process-wait */
	{ "^std::process::Command::(output|status)$", NULL, BW_CAT_PROCESS_WAIT },
	{ "^std::process::Child::(wait|wait_with_output)$", NULL, BW_CAT_PROCESS_WAIT },
	{ "^std::sys::(.*::)?process::(.*::)?wait", "std::process::Child::wait", BW_CAT_PROCESS_WAIT },
	{ "^(waitpid|__waitpid|wait4|__wait4|system|__libc_system)$", NULL, BW_CAT_PROCESS_WAIT },
};
const int blame_nrules = sizeof(blame_rules) / sizeof(blame_rules[0]);

/* An API of the outer family names a wait of the inner family below it. */
const struct blame_wrap blame_wraps[] = {
	{ BW_CAT_CHANNEL, BW_CAT_LOCK }, /* Condvar::wait re-locking its mutex; a channel's queue lock */
	{ BW_CAT_LOCK, BW_CAT_CHANNEL }, /* a lock that waits in thread::park or on a condvar */
};
const int blame_nwraps = sizeof(blame_wraps) / sizeof(blame_wraps[0]);

const char *const blame_library_crates[] = {
	"std", "core", "alloc", "proc_macro", "panic_unwind", "panic_abort", "backtrace",
	"rustc_demangle", "hashbrown", "gimli", "addr2line", "miniz_oxide", "object",
	"tokio", "tokio_util", "tokio_stream", "mio", "futures", "futures_util",
	"futures_core", "futures_executor", "futures_task", "futures_channel",
	"parking_lot", "parking_lot_core", "lock_api", "crossbeam", "crossbeam_channel",
	"crossbeam_utils", "crossbeam_deque", "crossbeam_epoch", "async_std", "async_io",
	"async_task", "async_executor", "async_global_executor", "smol", "pin_project_lite",
	"async_lock", "async_channel", "event_listener", "futures_lite", "blocking", "parking",
	"polling", "concurrent_queue",
	"scopeguard", "once_cell", "__gnu_cxx", "__cxxabiv1",
	NULL,
};

const char *const blame_runtime_symbols[] = {
	"_start", "main_start", "__libc_start_main", "__libc_start_call_main", "start_thread",
	"clone", "clone3", "__clone", "__clone3", "__rust_begin_short_backtrace",
	"__rust_end_short_backtrace", "rust_begin_unwind", "__rust_try", "_init", "_fini",
	NULL,
};

const char *const blame_library_modules[] = {
	"libc.so", "libc-", "ld-linux", "ld-", "libpthread", "libm.so", "libm-", "libdl",
	"librt", "libgcc_s", "libstdc++", "libresolv", "libnss_", "[vdso]", "linux-vdso",
	NULL,
};

/* x86-64 syscall numbers; used only when no frame names a known API. */
const struct blame_syscall blame_syscalls[] = {
	{ 0, "read", BW_CAT_FILE_IO },
	{ 1, "write", BW_CAT_FILE_IO },
	{ 2, "open", BW_CAT_FILE_IO },
	{ 3, "close", BW_CAT_FILE_IO },
	{ 4, "stat", BW_CAT_FILE_IO },
	{ 5, "fstat", BW_CAT_FILE_IO },
	{ 6, "lstat", BW_CAT_FILE_IO },
	{ 7, "poll", BW_CAT_NET_IO },
	{ 17, "pread64", BW_CAT_FILE_IO },
	{ 18, "pwrite64", BW_CAT_FILE_IO },
	{ 19, "readv", BW_CAT_FILE_IO },
	{ 20, "writev", BW_CAT_FILE_IO },
	{ 23, "select", BW_CAT_NET_IO },
	{ 35, "nanosleep", BW_CAT_SLEEP },
	{ 40, "sendfile", BW_CAT_FILE_IO },
	{ 42, "connect", BW_CAT_NET_IO },
	{ 43, "accept", BW_CAT_NET_IO },
	{ 44, "sendto", BW_CAT_NET_IO },
	{ 45, "recvfrom", BW_CAT_NET_IO },
	{ 46, "sendmsg", BW_CAT_NET_IO },
	{ 47, "recvmsg", BW_CAT_NET_IO },
	{ 61, "wait4", BW_CAT_PROCESS_WAIT },
	{ 73, "flock", BW_CAT_FILE_IO },
	{ 74, "fsync", BW_CAT_FILE_IO },
	{ 75, "fdatasync", BW_CAT_FILE_IO },
	{ 76, "truncate", BW_CAT_FILE_IO },
	{ 77, "ftruncate", BW_CAT_FILE_IO },
	{ 82, "rename", BW_CAT_FILE_IO },
	{ 83, "mkdir", BW_CAT_FILE_IO },
	{ 87, "unlink", BW_CAT_FILE_IO },
	{ 162, "sync", BW_CAT_FILE_IO },
	{ 202, "futex", BW_CAT_LOCK },
	{ 217, "getdents64", BW_CAT_FILE_IO },
	{ 230, "clock_nanosleep", BW_CAT_SLEEP },
	{ 232, "epoll_wait", BW_CAT_NET_IO },
	{ 247, "waitid", BW_CAT_PROCESS_WAIT },
	{ 257, "openat", BW_CAT_FILE_IO },
	{ 262, "newfstatat", BW_CAT_FILE_IO },
	{ 270, "pselect6", BW_CAT_NET_IO },
	{ 271, "ppoll", BW_CAT_NET_IO },
	{ 277, "sync_file_range", BW_CAT_FILE_IO },
	{ 281, "epoll_pwait", BW_CAT_NET_IO },
	{ 285, "fallocate", BW_CAT_FILE_IO },
	{ 288, "accept4", BW_CAT_NET_IO },
	{ 295, "preadv", BW_CAT_FILE_IO },
	{ 296, "pwritev", BW_CAT_FILE_IO },
	{ 299, "recvmmsg", BW_CAT_NET_IO },
	{ 306, "syncfs", BW_CAT_FILE_IO },
	{ 307, "sendmmsg", BW_CAT_NET_IO },
	{ 316, "renameat2", BW_CAT_FILE_IO },
	{ 326, "copy_file_range", BW_CAT_FILE_IO },
	{ 332, "statx", BW_CAT_FILE_IO },
	{ 426, "io_uring_enter", BW_CAT_FILE_IO },
	{ 441, "epoll_pwait2", BW_CAT_NET_IO },
	{ 449, "futex_wait", BW_CAT_LOCK },
};
const int blame_nsyscalls = sizeof(blame_syscalls) / sizeof(blame_syscalls[0]);

/* Well-known blocking drops: the report names the type and says why. */
const struct blame_drop_rule blame_drop_rules[] = {
	{ "std::io::buffered::bufwriter::BufWriter", "BufWriter flushes its buffer (a write) when dropped" },
	{ "std::io::buffered::linewriter::LineWriter", "LineWriter flushes its buffer when dropped" },
	{ "std::fs::File", "File closes when dropped (close can block: NFS, FUSE, last reference)" },
	{ "std::net::tcp::TcpStream", "TcpStream closes when dropped (close can block with SO_LINGER)" },
	{ "std::net::tcp::TcpListener", "TcpListener closes its socket when dropped" },
	{ "std::thread::scoped::", "scoped threads are joined when the scope ends" },
	{ "std::process::Child", "the child's pipes are closed when dropped" },
	{ "tokio::runtime::runtime::Runtime", "dropping a Runtime waits for its blocking-pool threads" },
	{ "tokio::runtime::blocking::pool::BlockingPool", "dropping a Runtime waits for its blocking-pool threads" },
	{ "flate2::", "compressors finish their stream (a write) when dropped" },
};
const int blame_ndrop_rules = sizeof(blame_drop_rules) / sizeof(blame_drop_rules[0]);
