/*
 * vhu-msg.h: the vhost-user request dispatcher (vhu-msg.c), fed one
 * complete message at a time by the device's control loop in vhu-dev.c.
 */
#ifndef VHU_MSG_H
#define VHU_MSG_H 1

#include "vhu-socket.h"

struct vhu_dev;

/* Handles one complete message; takes ownership of its fds.  Returns 0, or
 * an errno if the connection must be closed. */
int vhu_msg_dispatch(struct vhu_dev *, struct vhu_msg *);

#endif /* vhu-msg.h */
