/* SPDX-License-Identifier: MIT */
/* skips.h - suite tests that cannot apply on Windows, by name, and why.
 * { suite, test case, test, loop index (-1: every one), reason }; "*"
 * matches any name.  Loop index 0 is select, 1 is poll (WSAPoll). */
#define NOFORK "needs fork(): Windows has none"
#define NOSIG \
    "needs POSIX signals (SIGALRM, SIGUSR1, SIGPIPE): Windows has none"
#define NOFDNUM \
    "needs descriptor numbers (dup2, RLIMIT_NOFILE): sockets are handles"
{ "thread", "thread", "exit_after_last_thread", -1, NOFORK },
{ "thread", "thread", "last_exit_runs_atexit", -1, NOFORK },
{ "thread", "thread", "blocked_io_keeps_process_alive", -1, NOFORK },
{ "thread", "thread", "main_exit_alone", -1, NOFORK },
{ "thread", "thread", "exited_primordial_not_joinable", -1, NOFORK },
{ "thread", "thread", "primordial_exit_destructors_key_order", -1, NOFORK },
{ "thread", "thread", "main_return_no_destructors", -1, NOFORK },
{ "thread", "thread", "interrupt_exited_primordial", -1, NOFORK },
{ "time", "time", "timed_sleeps_after_fork", -1, NOFORK },
{ "io", "io", "real_signals_no_eintr", -1, NOSIG },
{ "io", "io", "signal_pipe_pattern", -1, NOSIG },
{ "io", "io", "open_fifo_and_files", -1,
  "needs FIFOs (mkfifo) and reads O_NONBLOCK back with fcntl(F_GETFL); "
  "check_fileio covers st_open on files" },
{ "io", "io", "select_refuses_high_fd", -1, NOFDNUM },
{ "io", "io", "accept_wrap_failure_closes", -1, NOFDNUM },
{ "io", "io", "netfd_objects", -1,
  "reads O_NONBLOCK back with fcntl(F_GETFL): Winsock cannot report it" },
{ "io", "io", "accept_and_connect", -1,
  "reads O_NONBLOCK back with fcntl(F_GETFL): Winsock cannot report it" },
{ "io", "io", "reset_peer_errors", -1,
  "under Wine a connection reset by SO_LINGER 0 reads as end of file" },
{ "fault", "fault", "reset_while_reading", -1,
  "under Wine a connection reset by SO_LINGER 0 reads as end of file" },
{ "fault", "fault", "reset_while_reading_fully", -1,
  "under Wine a connection reset by SO_LINGER 0 reads as end of file" },
{ "poll", "poll", "poll_invalid_sets", 0,
  "POLLIN is POLLRDNORM|POLLRDBAND in Winsock: POLLRDNORM alone is valid" },
{ "poll", "poll", "poll_pri_urgent_data", 1,
  "WSAPoll has no POLLPRI (out-of-band data); select covers it" },
{ "poll", "poll", "poll_high_descriptors", -1, NOFDNUM },
{ "poll", "poll", "poll_revents_reset", -1,
  "under Wine a connection reset by SO_LINGER 0 reads as end of file" },
{ "poll", "poll", "poll_bogus_descriptor_no_growth", -1, NOFDNUM },
{ "poll", "poll", "poll_regular_file_ready", -1,
  "Winsock waits on sockets only: a file descriptor cannot be polled "
  "(file calls go to the helper pool)" },
{ "eventsys", "lifecycle", "fdlimit_raised_to_hard", -1, NOFDNUM },
{ "eventsys", "lifecycle", "select_keeps_hard_limit", -1, NOFDNUM },
{ "eventsys", "lifecycle", "init_ignores_sigpipe", -1, NOSIG },
{ "eventsys", "lifecycle", "fork_after_init_both_work", -1, NOFORK },
{ "eventsys", "lifecycle", "select_lowers_hard_limit", -1, NOFORK },
#define OVERFLOW_FORK \
    "runs the overflow in a forked child; tests/win-overflow.c covers it"
{ "stack", "overflow", "nonswitching_overflow_100_threads", -1,
  OVERFLOW_FORK },
{ "stack", "overflow", "big_frame_jump_caught", -1, OVERFLOW_FORK },
{ "stack", "overflow", "switching_overflow_100000_threads", -1,
  OVERFLOW_FORK },
{ "stack", "overflow", "overflow_just_below_unguarded_stack", -1,
  OVERFLOW_FORK },
{ "fault", "fault", "accept_emfile", -1, NOFDNUM },
{ "fault", "fault", "signals_during_waits", -1, NOSIG },
{ "fault", "fault", "fork_blocked_io", -1, NOFORK },
{ "fault", "fault", "fork_child_closes_inherited", -1, NOFORK },
{ "fault", "fault", "fork_listener_waiters", -1, NOFORK },
{ "fault", "fault", "bad_input_table", -1,
  "runs each row in a forked child (fork)" },
{ "load", "load", "proxy_load", 0,
  "needs 664 sockets; the suite's select limit is Winsock's FD_SETSIZE, 64" },
{ "fileio", "gate", "destroy_in_flight", -1,
  "opens the gate when /proc says the scheduler's thread sleeps in "
  "st_destroy; without /proc the helper may take the queued call first" },
{ "sched", "memory", "memory_per_sleeping_thread", -1,
  "100,000 stacks committed in full by VirtualAlloc (about 19 GiB): Wine "
  "refuses some of them, depending on the address-space layout" },
