/*
 * vhu-socket.h: UNIX socket plumbing for vhost-user: listen, connect, and
 * framed messages carrying SCM_RIGHTS fds.
 *
 * Used by the backend (lib/vhu-dev.c) and by frontend tools (utilities/).
 * Every function returns 0 or a positive errno.
 */
#ifndef VHU_SOCKET_H
#define VHU_SOCKET_H 1

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include "vhu-proto.h"

/* Creates a non-blocking listening socket at 'path', replacing a stale
 * socket file there (but never a live socket or a non-socket file). */
int vhu_sock_listen(const char *path, int *fdp);
/* Accepts one connection, non-blocking, close-on-exec. */
int vhu_sock_accept(int listen_fd, int *fdp);
/* Connects to 'path'.  The new socket is non-blocking if 'nonblock'. */
int vhu_sock_connect(const char *path, int nonblock, int *fdp);

/* Room for a control message carrying VHU_MAX_FDS fds. */
union vhu_cmsg_buf {
    char buf[CMSG_SPACE(sizeof(int) * VHU_MAX_FDS)];
    struct cmsghdr align;
};

/* Attaches 'n_fds' fds (1..VHU_MAX_FDS) to 'mh' as one SCM_RIGHTS message
 * stored in 'cbuf'. */
void vhu_sock_attach_fds(struct msghdr *mh, union vhu_cmsg_buf *cbuf,
                         const int *fds, int n_fds);

/* Sends one whole message with 'n_fds' fds attached (0..VHU_MAX_FDS).
 * Never raises SIGPIPE.  Waits at most 'timeout_ms' for socket space
 * (-1: forever). */
int vhu_sock_send(int fd, const struct vhu_msg_hdr *, const void *payload,
                  const int *fds, int n_fds, int timeout_ms);

/* One message being received. */
struct vhu_msg {
    struct vhu_msg_hdr hdr;
    union {
        uint64_t u64;
        uint8_t bytes[VHU_MAX_PAYLOAD];
    } payload;
    int fds[VHU_MAX_FDS];
    int n_fds;
};

/* Incremental, non-blocking reader: keeps a partial message between calls,
 * so a slow or stalled peer never blocks the caller. */
struct vhu_msg_reader {
    size_t have;                /* Bytes of header+payload read so far. */
    struct vhu_msg msg;
    int fd_overflow;            /* More fds arrived than fit. */
};

void vhu_msg_reader_init(struct vhu_msg_reader *);
/* Reads what is available.  Returns 0 when 'r->msg' holds one complete
 * message (the caller then owns its fds and must call
 * vhu_msg_reader_init() before the next read), EAGAIN if more bytes are
 * needed, EPIPE on end of file, EMSGSIZE for a payload larger than
 * VHU_MAX_PAYLOAD, EBADMSG for too many fds, or another errno.  On errors
 * other than EAGAIN, no fds are left open. */
int vhu_msg_reader_read(struct vhu_msg_reader *, int sock_fd);
/* Closes fds still held by an incomplete message. */
void vhu_msg_reader_reset(struct vhu_msg_reader *);

/* Blocking receive of one whole message, waiting at most 'timeout_ms'
 * (-1: forever).  On success the caller owns msg->fds. */
int vhu_sock_recv(int fd, struct vhu_msg *, int timeout_ms);

/* Closes the 'n' fds in 'fds' that are >= 0 and sets them to -1. */
void vhu_close_fds(int *fds, int n);

#endif /* vhu-socket.h */
