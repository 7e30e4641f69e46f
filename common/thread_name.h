/* thread_name: a name for each of sipwatch's threads, so that `top -H`,
 * `ps -L`, perf and /proc/PID/task/TID/comm tell the capture, the analyzer,
 * the db writer and the checkpointer apart (the bench scripts read them).
 * Linux keeps 15 bytes; elsewhere, or on error, the thread stays unnamed. */
#ifndef SIPWATCH_THREAD_NAME_H
#define SIPWATCH_THREAD_NAME_H

#ifdef __linux__
#include <sys/prctl.h>
#endif

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

#endif
