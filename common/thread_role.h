/* thread_role: each of sipwatch's threads says what it is.
 *
 * A name, so that `top -H`, `ps -L`, perf and /proc/PID/task/TID/comm tell
 * the capture, the analyzer, the db writer and the checkpointer apart (the
 * bench scripts read them); Linux keeps 15 bytes.
 *
 * A lower priority for the storage threads: when the cores are short, the
 * scheduler must starve the db, not the capture or the analysis — a live
 * store that falls behind skips message rows (store_set_pressed), a packet
 * lost is a message the analysis never saw.  Elsewhere, or on error, both
 * are no-ops. */
#ifndef SIPWATCH_THREAD_ROLE_H
#define SIPWATCH_THREAD_ROLE_H

#ifdef __linux__
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

/* The nice value the db writer and checkpointer add to their own. */
#define THREAD_ROLE_STORAGE_NICE 5

/* Names the calling thread (never the main one: that would rename the
 * process for pgrep and ps). */
static inline void thread_name_set(const char *name)
{
#ifdef __linux__
	(void)prctl(PR_SET_NAME, name, 0, 0, 0);
#else
	(void)name;
#endif
}

/* Lowers the calling thread's priority by nice steps (Linux: nice is per
 * thread; raising it needs no privilege). */
static inline void thread_role_lower(int nice)
{
#ifdef __linux__
	pid_t tid = (pid_t)syscall(SYS_gettid);
	int now = getpriority(PRIO_PROCESS, (id_t)tid);
	(void)setpriority(PRIO_PROCESS, (id_t)tid, now + nice);
#else
	(void)nice;
#endif
}

#endif
