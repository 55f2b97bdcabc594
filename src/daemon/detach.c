#include "daemon/detach.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "util/log.h"

int detach_start(void)
{
    int fds[2];
    if (pipe(fds) < 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0) {
        int saved = errno;
        close(fds[0]);
        close(fds[1]);
        errno = saved;
        return -1;
    }
    if (pid > 0) {
        close(fds[1]);
        char status = 1;
        /* EOF without a byte: the child died before it could say. */
        if (read(fds[0], &status, 1) != 1)
            status = 1;
        _exit(status);
    }
    close(fds[0]);
    setsid();
    return fds[1];
}

/* Standard input, output and error on /dev/null, as a daemon's are. */
static void close_standard_streams(void)
{
    int null = open("/dev/null", O_RDWR);
    if (null < 0) {
        log_warn("detach: cannot open /dev/null: %s", strerror(errno));
        return;
    }
    dup2(null, STDIN_FILENO);
    dup2(null, STDOUT_FILENO);
    dup2(null, STDERR_FILENO);
    if (null > STDERR_FILENO)
        close(null);
}

void detach_finish(int report_fd, char status)
{
    if (report_fd < 0)
        return;
    if (status == 0) {
        log_stderr_disable();
        close_standard_streams();
    }
    if (write(report_fd, &status, 1) < 0)
        log_warn("detach: cannot report to the launching process: %s", strerror(errno));
    close(report_fd);
}
