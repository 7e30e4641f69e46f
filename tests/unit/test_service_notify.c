/* test_service_notify: systemd's readiness and watchdog messages (issue 17),
 * through the real sd_notify onto an AF_UNIX datagram socket made here, as
 * systemd's $NOTIFY_SOCKET would be; and the watchdog's rule: a ping every
 * half period, none while the capture thread is stuck. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "app/service_notify.h"
#include "capture/packet.h"

#define S 1000000LL

static char sock_path[108];

/* A datagram socket at a fresh path, named in $NOTIFY_SOCKET. */
static int notify_listen(void)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);

	assert_true(fd >= 0);
	snprintf(sock_path, sizeof sock_path, "/tmp/sw17s-notify-%ld.sock", (long)getpid());
	unlink(sock_path);
	memcpy(a.sun_path, sock_path, strlen(sock_path) + 1);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	setenv("NOTIFY_SOCKET", sock_path, 1);
	return fd;
}

/* The next datagram, "" if none within 1 s. */
static void notify_recv(int fd, char *buf, size_t len)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	buf[0] = '\0';
	if (poll(&p, 1, 1000) == 1) {
		ssize_t n = recv(fd, buf, len - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
	}
}

static void test_service_notify_messages(void **state)
{
	(void)state;
	struct service_notify sn;
	char buf[512], pid[32];
	int fd = notify_listen();

	snprintf(pid, sizeof pid, "%ld", (long)getpid());
	setenv("WATCHDOG_USEC", "4000000", 1);
	setenv("WATCHDOG_PID", pid, 1);
	service_notify_init(&sn);
	assert_int_equal(sn.watchdog_us, 4 * S);
	service_notify_ready("capturing on lo, db x.db");
	notify_recv(fd, buf, sizeof buf);
	assert_string_equal(buf, "READY=1\nSTATUS=capturing on lo, db x.db");
	service_notify_tick(&sn, 100 * S, 100 * S);
	notify_recv(fd, buf, sizeof buf);
	assert_string_equal(buf, "WATCHDOG=1");
	/* the next one half a period later, not before */
	service_notify_tick(&sn, 101 * S, 101 * S);
	notify_recv(fd, buf, sizeof buf);
	assert_string_equal(buf, "");
	service_notify_tick(&sn, 102 * S, 102 * S);
	notify_recv(fd, buf, sizeof buf);
	assert_string_equal(buf, "WATCHDOG=1");
	assert_int_equal(sn.pings, 2);
	service_notify_stopping();
	notify_recv(fd, buf, sizeof buf);
	assert_true(strncmp(buf, "STOPPING=1\n", 11) == 0);
	close(fd);
	unlink(sock_path);
}

static void test_service_notify_not_ours(void **state)
{
	(void)state;
	struct service_notify sn;

	/* WATCHDOG_PID names another process: no watchdog here */
	setenv("WATCHDOG_USEC", "4000000", 1);
	setenv("WATCHDOG_PID", "1", 1);
	service_notify_init(&sn);
	assert_int_equal(sn.watchdog_us, 0);
	assert_false(service_watchdog_due(&sn, 100 * S, 100 * S));
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	service_notify_init(&sn);
	assert_int_equal(sn.watchdog_us, 0);
	/* not started by systemd: the calls do nothing and fail nothing */
	unsetenv("NOTIFY_SOCKET");
	service_notify_ready("x");
	service_notify_tick(&sn, 1, 1);
	assert_int_equal(sn.pings, 0);
}

static void test_service_watchdog_stuck_capture(void **state)
{
	(void)state;
	struct service_notify sn = {.watchdog_us = 30 * S};

	assert_true(service_watchdog_due(&sn, 100 * S, 99 * S));
	/* the capture thread beats about once a second: 15 s (half of 30) is stuck */
	assert_true(service_watchdog_due(&sn, 100 * S, 85 * S));
	assert_false(service_watchdog_due(&sn, 100 * S, 85 * S - 1));
	/* no capture thread to watch (a file, or the capture ended and drains) */
	assert_true(service_watchdog_due(&sn, 100 * S, TS_NONE));
	/* a short period: a beat is stale only after SERVICE_BEAT_STALE_MIN_US */
	sn.watchdog_us = 2 * S;
	assert_true(service_watchdog_due(&sn, 100 * S, 100 * S - SERVICE_BEAT_STALE_MIN_US));
	assert_false(service_watchdog_due(&sn, 100 * S, 100 * S - SERVICE_BEAT_STALE_MIN_US - 1));
	/* not before the half period since the last ping */
	sn.next_ping_us = 101 * S;
	assert_false(service_watchdog_due(&sn, 100 * S, 100 * S));
	assert_true(service_watchdog_due(&sn, 101 * S, 100 * S));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_service_notify_messages),
		cmocka_unit_test(test_service_notify_not_ours),
		cmocka_unit_test(test_service_watchdog_stuck_capture),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
