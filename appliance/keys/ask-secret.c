/* See ask-secret.h. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "appliance/keys/ask-secret.h"

/* One byte at a time, so that nothing after the newline is consumed: a
 * test may pass the PIN and the recovery key on the same pipe. */
static int read_line(int fd, size_t max, Secret **ret)
{
        _cleanup_secmem_ char *buf = secmem_alloc(max + 1);
        size_t n = 0;
        int r;

        if (!buf)
                return -ENOMEM;
        for (;;) {
                char c;
                ssize_t k = read(fd, &c, 1);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (k == 0 || c == '\n')
                        break;
                if (n == max) {
                        /* Drain the rest of the line, then refuse. */
                        while ((k = read(fd, &c, 1)) > 0 && c != '\n')
                                ;
                        return -EMSGSIZE;
                }
                buf[n++] = c;
        }
        if (n > 0 && buf[n - 1] == '\r')
                n--;
        if (n == 0)
                return -ENODATA;
        r = secret_new(n, ret);
        if (r < 0)
                return r;
        memcpy((*ret)->bytes, buf, n);
        return 0;
}

int ask_secret(const char *prompt, int fd, size_t max, Secret **ret)
{
        _cleanup_close_ int tty = -EBADF;
        struct termios old, quiet;
        int r;

        assert_return(ret && max > 0, -EINVAL);
        if (fd >= 0)
                return read_line(fd, max, ret);

        tty = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
        if (tty < 0)
                return read_line(STDIN_FILENO, max, ret);
        if (tcgetattr(tty, &old) < 0)
                return negative_errno();
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
        quiet.c_lflag |= ICANON;
        if (tcsetattr(tty, TCSAFLUSH, &quiet) < 0)
                return negative_errno();
        if (prompt)
                (void)!write(tty, prompt, strlen(prompt));
        r = read_line(tty, max, ret);
        (void)!write(tty, "\n", 1);
        (void)tcsetattr(tty, TCSAFLUSH, &old);
        return r;
}
