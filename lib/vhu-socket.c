/*
 * vhu-socket.c: UNIX stream sockets for vhost-user.
 *
 * Owns everything that touches the socket API: listening (with stale socket
 * replacement), accepting, connecting, and framed messages with SCM_RIGHTS
 * fds in both directions.  The backend uses the incremental reader so that a
 * stalled frontend never blocks its control thread; frontend tools use the
 * blocking helpers.
 */
#include "vhu-socket.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

void
vhu_close_fds(int *fds, int n)
{
    for (int i = 0; i < n; i++) {
        if (fds[i] >= 0) {
            close(fds[i]);
            fds[i] = -1;
        }
    }
}

static int
make_sockaddr(const char *path, struct sockaddr_un *sun)
{
    size_t len = strlen(path);

    if (!len || len >= sizeof sun->sun_path) {
        return ENAMETOOLONG;
    }
    memset(sun, 0, sizeof *sun);
    sun->sun_family = AF_UNIX;
    memcpy(sun->sun_path, path, len + 1);
    return 0;
}

static int
new_socket(int nonblock, int *fdp)
{
    int type = SOCK_STREAM | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0);
    int fd = socket(AF_UNIX, type, 0);

    if (fd < 0) {
        return errno;
    }
    *fdp = fd;
    return 0;
}

/* Removes 'path' if it is a socket that nobody listens on. */
static int
remove_stale_socket(const char *path, const struct sockaddr_un *sun)
{
    struct stat st;
    int fd = -1, error;

    if (lstat(path, &st)) {
        return errno == ENOENT ? 0 : errno;
    }
    if (!S_ISSOCK(st.st_mode)) {
        return EEXIST;
    }
    error = new_socket(0, &fd);
    if (error) {
        return error;
    }
    if (!connect(fd, (const struct sockaddr *) sun, sizeof *sun)) {
        close(fd);
        return EADDRINUSE;
    }
    close(fd);
    return unlink(path) && errno != ENOENT ? errno : 0;
}

int
vhu_sock_listen(const char *path, int *fdp)
{
    struct sockaddr_un sun;
    int fd = -1, error;

    *fdp = -1;
    error = make_sockaddr(path, &sun);
    if (!error) {
        error = remove_stale_socket(path, &sun);
    }
    if (!error) {
        error = new_socket(1, &fd);
    }
    if (error) {
        return error;
    }
    if (bind(fd, (struct sockaddr *) &sun, sizeof sun)
        || listen(fd, 16)) {
        error = errno;
        close(fd);
        return error;
    }
    *fdp = fd;
    return 0;
}

int
vhu_sock_accept(int listen_fd, int *fdp)
{
    int fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

    if (fd < 0) {
        *fdp = -1;
        return errno;
    }
    *fdp = fd;
    return 0;
}

int
vhu_sock_connect(const char *path, int nonblock, int *fdp)
{
    struct sockaddr_un sun;
    int fd = -1, error;

    *fdp = -1;
    error = make_sockaddr(path, &sun);
    if (!error) {
        error = new_socket(nonblock, &fd);
    }
    if (error) {
        return error;
    }
    if (connect(fd, (struct sockaddr *) &sun, sizeof sun)) {
        /* A UNIX connect completes at once or fails; EAGAIN means the
         * listener's backlog is full, which we treat as a failed try. */
        error = errno;
        close(fd);
        return error;
    }
    *fdp = fd;
    return 0;
}

static int
wait_fd(int fd, short events, int timeout_ms)
{
    struct pollfd pfd = { .fd = fd, .events = events };
    int n;

    do {
        n = poll(&pfd, 1, timeout_ms);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        return errno;
    }
    return n ? 0 : ETIMEDOUT;
}

void
vhu_sock_attach_fds(struct msghdr *mh, union vhu_cmsg_buf *cbuf,
                    const int *fds, int n_fds)
{
    struct cmsghdr *cmsg;

    memset(cbuf, 0, sizeof *cbuf);
    mh->msg_control = cbuf->buf;
    mh->msg_controllen = CMSG_SPACE(sizeof(int) * n_fds);
    cmsg = CMSG_FIRSTHDR(mh);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int) * n_fds);
    memcpy(CMSG_DATA(cmsg), fds, sizeof(int) * n_fds);
}

int
vhu_sock_send(int fd, const struct vhu_msg_hdr *hdr, const void *payload,
              const int *fds, int n_fds, int timeout_ms)
{
    union vhu_cmsg_buf cmsg_buf;
    struct iovec iov[2] = {
        { .iov_base = (void *) hdr, .iov_len = sizeof *hdr },
        { .iov_base = (void *) payload, .iov_len = payload ? hdr->size : 0 },
    };
    struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };
    size_t left = iov[0].iov_len + iov[1].iov_len;

    if (n_fds < 0 || n_fds > VHU_MAX_FDS) {
        return EINVAL;
    }
    if (n_fds) {
        vhu_sock_attach_fds(&mh, &cmsg_buf, fds, n_fds);
    }
    while (left) {
        ssize_t n = sendmsg(fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);

        if (n < 0) {
            int error = errno;

            if (error == EINTR) {
                continue;
            } else if (error == EAGAIN) {
                error = wait_fd(fd, POLLOUT, timeout_ms);
                if (!error) {
                    continue;
                }
            }
            return error;
        }
        left -= n;
        /* The fds went with the first byte; never send them again. */
        mh.msg_control = NULL;
        mh.msg_controllen = 0;
        while (n > 0 && mh.msg_iovlen) {
            size_t step = (size_t) n < mh.msg_iov->iov_len
                          ? (size_t) n : mh.msg_iov->iov_len;

            mh.msg_iov->iov_base = (char *) mh.msg_iov->iov_base + step;
            mh.msg_iov->iov_len -= step;
            n -= step;
            if (!mh.msg_iov->iov_len) {
                mh.msg_iov++;
                mh.msg_iovlen--;
            }
        }
    }
    return 0;
}

void
vhu_msg_reader_init(struct vhu_msg_reader *r)
{
    r->have = 0;
    r->fd_overflow = 0;
    r->msg.n_fds = 0;
    memset(&r->msg.hdr, 0, sizeof r->msg.hdr);
    for (int i = 0; i < VHU_MAX_FDS; i++) {
        r->msg.fds[i] = -1;
    }
}

void
vhu_msg_reader_reset(struct vhu_msg_reader *r)
{
    vhu_close_fds(r->msg.fds, r->msg.n_fds);
    vhu_msg_reader_init(r);
}

/* Takes the fds out of 'mh' into 'r'; fds beyond VHU_MAX_FDS are closed. */
static void
collect_fds(struct vhu_msg_reader *r, struct msghdr *mh)
{
    struct cmsghdr *cmsg;

    if (mh->msg_flags & MSG_CTRUNC) {
        r->fd_overflow = 1;     /* The kernel closed what did not fit. */
    }
    for (cmsg = CMSG_FIRSTHDR(mh); cmsg; cmsg = CMSG_NXTHDR(mh, cmsg)) {
        size_t n;
        int *p;

        if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS
            || cmsg->cmsg_len < CMSG_LEN(0)) {
            continue;
        }
        n = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        p = (int *) CMSG_DATA(cmsg);
        for (size_t i = 0; i < n; i++) {
            int fd;

            memcpy(&fd, &p[i], sizeof fd);
            if (r->msg.n_fds < VHU_MAX_FDS) {
                r->msg.fds[r->msg.n_fds++] = fd;
            } else {
                close(fd);
                r->fd_overflow = 1;
            }
        }
    }
}

int
vhu_msg_reader_read(struct vhu_msg_reader *r, int sock_fd)
{
    const size_t hdr_size = sizeof r->msg.hdr;

    for (;;) {
        union vhu_cmsg_buf cmsg_buf;
        size_t want = r->have < hdr_size
                      ? hdr_size : hdr_size + r->msg.hdr.size;
        struct iovec iov;
        struct msghdr mh;
        ssize_t n;

        if (r->have >= hdr_size && r->msg.hdr.size > VHU_MAX_PAYLOAD) {
            vhu_msg_reader_reset(r);
            return EMSGSIZE;
        }
        if (r->have == want) {
            if (r->fd_overflow) {
                vhu_msg_reader_reset(r);
                return EBADMSG;
            }
            return 0;
        }
        if (r->have < hdr_size) {
            iov.iov_base = (char *) &r->msg.hdr + r->have;
        } else {
            iov.iov_base = r->msg.payload.bytes + (r->have - hdr_size);
        }
        iov.iov_len = want - r->have;
        memset(&mh, 0, sizeof mh);
        mh.msg_iov = &iov;
        mh.msg_iovlen = 1;
        mh.msg_control = cmsg_buf.buf;
        mh.msg_controllen = sizeof cmsg_buf.buf;
        n = recvmsg(sock_fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            int error = errno == EWOULDBLOCK ? EAGAIN : errno;
            if (error != EAGAIN) {
                vhu_msg_reader_reset(r);
            }
            return error;
        }
        collect_fds(r, &mh);
        if (!n) {
            vhu_msg_reader_reset(r);
            return EPIPE;
        }
        r->have += n;
    }
}

static long long
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int
vhu_sock_recv(int fd, struct vhu_msg *msg, int timeout_ms)
{
    long long deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
    struct vhu_msg_reader r;

    vhu_msg_reader_init(&r);
    for (;;) {
        int error = vhu_msg_reader_read(&r, fd);
        int wait;

        if (!error) {
            *msg = r.msg;
            return 0;
        } else if (error != EAGAIN) {
            return error;
        }
        wait = deadline < 0 ? -1 : (int) (deadline - now_ms());
        if (deadline >= 0 && wait <= 0) {
            vhu_msg_reader_reset(&r);
            return ETIMEDOUT;
        }
        error = wait_fd(fd, POLLIN, wait);
        if (error) {
            vhu_msg_reader_reset(&r);
            return error;
        }
    }
}
