/* --detach, as ovs-vswitchd's: the command that starts pontoond returns once
 * the switch is up (or has failed to start), and the daemon carries on in a
 * new session with no controlling terminal and its standard streams on
 * /dev/null. */
#ifndef PONTOON_DAEMON_DETACH_H
#define PONTOON_DAEMON_DETACH_H

/* Forks.  The parent waits for the child's report and exits with it; the
 * child, in a session of its own, gets the pipe to report on, or -1 with
 * errno set when fork or pipe fail (then nothing was forked). */
int detach_start(void);
/* Reports `status` (0: the switch is up, 1: it cannot start) to the waiting
 * parent.  On 0, first turns logging to standard error off and points
 * standard input, output and error at /dev/null, so that when the launching
 * command returns the daemon no longer holds its terminal or pipes.
 * Nothing to do with report_fd -1 (not detaching, or already reported). */
void detach_finish(int report_fd, char status);

#endif
