/* The host publisher's forwarding loop in C: accept, connect, relay, splice.

   Why C: a published NodePort is a userspace hop, and its cost is system calls plus the
   work between them. The Python relay (relay.py) already makes the fewest system calls
   (edge-triggered epoll, one read and one write per message, splice for bulk), but
   Python's own time per event (~1.5 us a request) made it slower per CPU-second than
   HAProxy doing the same calls. This module does exactly what forward.py + relay.py do,
   with the same rules, and nothing else: Python still owns every decision that is not
   per packet (what to publish, where upstream sockets come from), see cforward.py.

   One Engine is one edge-triggered epoll set served by a thread of its own (start()),
   blocked in epoll_wait, never holding the GIL: forwarded traffic neither waits for nor
   delays the event loop. Python's calls (listen, unlisten, supply, resume, connections)
   take the engine's mutex, which the thread holds while it handles a batch.

   - listen(fd, sockaddr) watches a listening socket; every connection it accepts gets an
     upstream socket from the pool (made ahead in the node's namespace and handed in with
     supply()), connected without waiting. With the pool empty a listener is left alone
     (connections wait in its backlog) until supply() brings sockets.
   - A relay direction reads once into a scratch buffer and writes what it read; a short
     read means drained. A read that fills the buffer makes the direction bulk: spliced
     through a pipe from then on, TURN bytes per turn, then the others get theirs. A
     destination that takes only part keeps the rest (pending copy or the pipe) and the
     direction stops reading until the destination has room (EPOLLOUT is always in the
     mask: edge-triggered, it fires only after a write found no room, or when a connect
     completes).
   - End of stream is passed on with shutdown(SHUT_WR); both ended: both closed. An error
     or reset on either side resets both (SO_LINGER 0).
   - A connect still going on after one to two connect_timeout ticks (a timerfd in the
     set, armed while connects are in flight) is reset with its client.
   - Memory is freed only by the thread, after a batch: an event of that batch, or one
     taken just before a Python call closed the connection, may still point at it.
     Descriptors are closed at once, which takes them out of the epoll set.

   What Python must act on is told through an eventfd (notifier()) and read with take():
   LOW (the pool is at or below half: make sockets and supply() them), ACCEPT_FAILED with
   the errno in the bits above 8 (resume() accepting a little later). */

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#define SCRATCH (1 << 16)
#define PIPE_SIZE (1 << 18)
#define TURN (16 * PIPE_SIZE)
#define BATCH 512
#define MASK (EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET)
#define READABLE (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)
#define AGAIN_READ (1u << 30) /* not an epoll bit: "read until EAGAIN" (resuming) */

#define F_LOW 1
#define F_ACCEPT_FAILED 2

enum kind { WAY, LISTENER, WAKE, TIMER };

struct conn;

typedef struct way {
    enum kind kind;
    struct conn *conn;
    struct way *back;
    int src, dst;
    char *pending; /* read, not yet delivered (malloc'd), goes before the pipe's bytes */
    size_t plen;
    int pipe[2]; /* -1 until the direction is bulk */
    size_t held; /* bytes in the pipe */
    unsigned blocked : 1, ended : 1;
} way;

typedef struct conn {
    way up, down; /* client -> upstream, upstream -> client */
    struct conn *prev, *next;
    struct listener *owner;
    unsigned closed : 1, connecting : 1;
    uint32_t born; /* expire() tick after which a connect still going on is given up */
} conn;

typedef struct listener {
    enum kind kind;
    int fd, id;
    int active;
    struct sockaddr_storage addr;
    socklen_t alen;
    Py_ssize_t open;
    struct listener *next_dead;
} listener;

typedef struct {
    PyObject_HEAD
    int ep;
    char *scratch;
    conn *conns; /* open connections, a doubly linked list */
    conn *dead; /* closed, freed by the thread after its batch (linked by next) */
    listener *dead_listeners;
    way **again; /* bulk directions that used their turn */
    size_t nagain, capagain;
    listener **listeners; /* by id; NULL once unlistened */
    Py_ssize_t nlisteners;
    int *pool;
    Py_ssize_t npool, cappool, poolsize;
    uint32_t tick;
    Py_ssize_t dialing; /* connections whose connect is in flight */
    double connect_timeout;
    int flags; /* for Python: set, not yet taken */
    int told; /* notify_fd was written since the last take() */
    int notify_fd, wake_fd, timer_fd;
    enum kind wake_tag, timer_tag;
    int timer_armed, stopping, running;
    pthread_t thread;
    pthread_mutex_t mu;
} Engine;

static void way_event(Engine *e, way *w, uint32_t events);
static void arm_timer(Engine *e, int on);

static void lock(Engine *e) { pthread_mutex_lock(&e->mu); }

/* Tell Python (once until its take()) that there is something to take. */
static void notify(Engine *e)
{
    if (e->flags && !e->told) {
        uint64_t one = 1;
        e->told = 1;
        if (write(e->notify_fd, &one, sizeof one) < 0)
            e->told = 0; /* (an eventfd takes a write unless its counter is full) */
    }
}

/* Every change of state is made under the lock; whatever it left for Python is told. */
static void unlock(Engine *e)
{
    notify(e);
    pthread_mutex_unlock(&e->mu);
}

/* ---- connections ---------------------------------------------------------------- */

static void set_linger_zero(int fd)
{
    struct linger lg = {1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
}

static void reset_fd(int fd)
{
    set_linger_zero(fd);
    close(fd);
}

static void way_init(way *w, conn *c, way *back, int src, int dst)
{
    memset(w, 0, sizeof *w);
    w->kind = WAY;
    w->conn = c;
    w->back = back;
    w->src = src;
    w->dst = dst;
    w->pipe[0] = w->pipe[1] = -1;
}

static void way_free(way *w)
{
    free(w->pending);
    w->pending = NULL;
    w->plen = 0;
    if (w->pipe[0] >= 0) {
        close(w->pipe[0]);
        close(w->pipe[1]);
        w->pipe[0] = w->pipe[1] = -1;
    }
}

static void conn_end(Engine *e, conn *c)
{
    if (c->closed)
        return;
    c->closed = 1;
    if (c->connecting) {
        c->connecting = 0;
        e->dialing--;
    }
    close(c->up.src);
    close(c->down.src);
    way_free(&c->up);
    way_free(&c->down);
    if (c->prev)
        c->prev->next = c->next;
    else
        e->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    c->owner->open--;
    c->prev = NULL;
    c->next = e->dead;
    e->dead = c;
}

static void conn_abort(Engine *e, conn *c)
{
    if (c->closed)
        return;
    set_linger_zero(c->up.src);
    set_linger_zero(c->down.src);
    conn_end(e, c);
}

static void free_dead(Engine *e)
{
    size_t kept = 0;
    for (size_t i = 0; i < e->nagain; i++)
        if (!e->again[i]->conn->closed)
            e->again[kept++] = e->again[i];
    e->nagain = kept;
    while (e->dead) {
        conn *c = e->dead;
        e->dead = c->next;
        free(c);
    }
    while (e->dead_listeners) {
        listener *l = e->dead_listeners;
        e->dead_listeners = l->next_dead;
        free(l);
    }
}

/* ---- one direction ---------------------------------------------------------------- */

static void way_eof(Engine *e, way *w)
{
    w->ended = 1;
    if (w->back->ended)
        conn_end(e, w->conn);
    else if (shutdown(w->dst, SHUT_WR) != 0 && errno != ENOTCONN)
        conn_abort(e, w->conn);
}

static int push_again(Engine *e, way *w)
{
    if (e->nagain == e->capagain) {
        size_t cap = e->capagain ? 2 * e->capagain : 16;
        way **a = realloc(e->again, cap * sizeof *a);
        if (!a)
            return -1;
        e->again = a;
        e->capagain = cap;
    }
    e->again[e->nagain++] = w;
    return 0;
}

/* Deliver what the pipe holds; returns -1 on error (the connection is aborted). */
static int pipe_drain(Engine *e, way *w)
{
    while (w->held) {
        ssize_t m = splice(w->pipe[0], NULL, w->dst, NULL, w->held,
                           SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
        if (m < 0) {
            if (errno == EAGAIN)
                return 0;
            if (errno == EINTR)
                continue;
            conn_abort(e, w->conn);
            return -1;
        }
        w->held -= (size_t)m;
    }
    return 0;
}

static void way_splice(Engine *e, way *w)
{
    size_t budget = TURN;
    for (;;) {
        if (w->held) {
            if (pipe_drain(e, w) < 0)
                return;
            if (w->held) {
                w->blocked = 1;
                return;
            }
        }
        if (budget == 0) {
            if (push_again(e, w) < 0)
                conn_abort(e, w->conn);
            return;
        }
        ssize_t n = splice(w->src, NULL, w->pipe[1], NULL, PIPE_SIZE,
                           SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
        if (n < 0) {
            if (errno == EAGAIN)
                return;
            if (errno == EINTR)
                continue;
            conn_abort(e, w->conn);
            return;
        }
        if (n == 0) {
            way_eof(e, w);
            return;
        }
        w->held += (size_t)n;
        budget = (size_t)n >= budget ? 0 : budget - (size_t)n;
    }
}

/* A read filled the buffer (bulk: splice from now on) or dst took only m of n bytes. */
static void way_overflow(Engine *e, way *w, size_t n, size_t m)
{
    if (n == SCRATCH && w->pipe[0] < 0) {
        if (pipe2(w->pipe, O_NONBLOCK | O_CLOEXEC) != 0) {
            w->pipe[0] = w->pipe[1] = -1;
            conn_abort(e, w->conn);
            return;
        }
        fcntl(w->pipe[1], F_SETPIPE_SZ, PIPE_SIZE); /* best effort: smaller works too */
    }
    if (m < n) {
        w->pending = malloc(n - m);
        if (!w->pending) {
            conn_abort(e, w->conn);
            return;
        }
        memcpy(w->pending, e->scratch + m, n - m);
        w->plen = n - m;
        w->blocked = 1;
    } else {
        way_splice(e, w);
    }
}

/* w->dst has room again: deliver what waits, then read on. */
static void way_flush(Engine *e, way *w)
{
    if (w->plen) {
        ssize_t m = send(w->dst, w->pending, w->plen, MSG_NOSIGNAL);
        if (m < 0) {
            if (errno != EAGAIN && errno != EINTR) {
                conn_abort(e, w->conn);
                return;
            }
            m = 0;
        }
        if ((size_t)m == w->plen) {
            free(w->pending);
            w->pending = NULL;
            w->plen = 0;
        } else if (m > 0) {
            memmove(w->pending, w->pending + m, w->plen - (size_t)m);
            w->plen -= (size_t)m;
        }
    }
    if (!w->plen && w->held && pipe_drain(e, w) < 0)
        return;
    if (!w->plen && !w->held) {
        w->blocked = 0;
        way_event(e, w, EPOLLIN | AGAIN_READ);
    }
}

/* The events of w->src's socket: readable moves w, writable lets w->back deliver. */
static void way_event(Engine *e, way *w, uint32_t events)
{
    conn *c = w->conn;
    if (c->closed)
        return;
    if (events & EPOLLERR) { /* reset, or a failed connect */
        conn_abort(e, c);
        return;
    }
    if (events & EPOLLOUT) {
        if (c->connecting && w == &c->down) {
            c->connecting = 0;
            e->dialing--;
        }
        if (w->back->blocked) {
            way_flush(e, w->back);
            if (c->closed)
                return;
        }
    }
    if (!(events & READABLE) || w->blocked || w->ended)
        return;
    if (w->pipe[0] >= 0) {
        way_splice(e, w);
        return;
    }
    char *buf = e->scratch;
    for (;;) {
        ssize_t n = read(w->src, buf, SCRATCH);
        if (n < 0) {
            if (errno == EAGAIN)
                return;
            if (errno == EINTR)
                continue;
            conn_abort(e, c);
            return;
        }
        if (n == 0) {
            way_eof(e, w);
            return;
        }
        ssize_t m = send(w->dst, buf, (size_t)n, MSG_NOSIGNAL);
        if (m < 0) {
            if (errno != EAGAIN && errno != EINTR) {
                conn_abort(e, c);
                return;
            }
            m = 0;
        }
        if (n == SCRATCH || m < n) {
            way_overflow(e, w, (size_t)n, (size_t)m);
            return;
        }
        if (events & EPOLLRDHUP) { /* the peer had ended: that read took all it sent */
            way_eof(e, w);
            return;
        }
        if (!(events & AGAIN_READ)) /* a short read: drained */
            return;
    }
}

/* ---- accepting ------------------------------------------------------------------ */

static int watch(Engine *e, int fd, void *ptr)
{
    struct epoll_event ev = {.events = MASK, .data.ptr = ptr};
    return epoll_ctl(e->ep, EPOLL_CTL_ADD, fd, &ev);
}

static void start_conn(Engine *e, listener *l, int client, int upstream)
{
    int r = connect(upstream, (struct sockaddr *)&l->addr, l->alen);
    if (r != 0 && errno != EINPROGRESS) {
        close(upstream);
        reset_fd(client);
        return;
    }
    conn *c = calloc(1, sizeof *c);
    if (!c) {
        close(upstream);
        reset_fd(client);
        return;
    }
    way_init(&c->up, c, &c->down, client, upstream);
    way_init(&c->down, c, &c->up, upstream, client);
    c->owner = l;
    c->next = e->conns;
    if (e->conns)
        e->conns->prev = c;
    e->conns = c;
    l->open++;
    if (r != 0) {
        c->connecting = 1;
        c->born = e->tick + 1;
        e->dialing++;
        if (!e->timer_armed)
            arm_timer(e, 1);
    }
    if (watch(e, client, &c->up) != 0 || watch(e, upstream, &c->down) != 0)
        conn_abort(e, c);
}

static void accept_all(Engine *e, listener *l)
{
    while (l->active) {
        if (e->npool == 0) /* left in the backlog until supply() */
            return;
        int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EAGAIN)
                return;
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            e->flags = (e->flags & 0xff) | F_ACCEPT_FAILED | (errno << 8);
            return;
        }
        start_conn(e, l, fd, e->pool[--e->npool]);
        if (e->npool == e->poolsize / 2) /* told once as it gets low: Python refills */
            e->flags |= F_LOW;
    }
}

static void accept_every(Engine *e)
{
    for (Py_ssize_t i = 0; i < e->nlisteners; i++)
        if (e->listeners[i])
            accept_all(e, e->listeners[i]);
}

/* ---- the thread ----------------------------------------------------------------- */

static void arm_timer(Engine *e, int on)
{
    struct itimerspec its = {0};
    if (on) {
        its.it_value.tv_sec = (time_t)e->connect_timeout;
        its.it_value.tv_nsec = (long)((e->connect_timeout - (double)its.it_value.tv_sec) * 1e9);
        if (!its.it_value.tv_sec && !its.it_value.tv_nsec)
            its.it_value.tv_nsec = 1;
        its.it_interval = its.it_value;
    }
    timerfd_settime(e->timer_fd, 0, &its, NULL);
    e->timer_armed = on;
}

/* One tick of the connect deadline: connections still connecting that were born before
   the previous tick are reset. */
static void expire(Engine *e)
{
    uint64_t ticks;
    if (read(e->timer_fd, &ticks, sizeof ticks) < 0)
        return;
    e->tick++;
    for (conn *c = e->conns, *next; c; c = next) {
        next = c->next;
        if (c->connecting && c->born != e->tick)
            conn_abort(e, c);
    }
    if (!e->dialing)
        arm_timer(e, 0);
}


static void handle(Engine *e, struct epoll_event *events, int n)
{
    size_t nagain = e->nagain;
    if (nagain) { /* the bulk directions that used their turn go first */
        way **again = malloc(nagain * sizeof *again);
        if (again) {
            memcpy(again, e->again, nagain * sizeof *again);
            e->nagain = 0;
            for (size_t i = 0; i < nagain; i++) {
                way *w = again[i];
                if (!w->conn->closed && !w->ended && !w->blocked)
                    way_event(e, w, EPOLLIN | AGAIN_READ);
            }
            free(again);
        }
    }
    for (int i = 0; i < n; i++) {
        enum kind *k = events[i].data.ptr;
        switch (*k) {
        case LISTENER:
            accept_all(e, (listener *)k);
            break;
        case WAY:
            way_event(e, (way *)k, events[i].events);
            break;
        case TIMER:
            expire(e);
            break;
        case WAKE:
            break;
        }
    }
    free_dead(e);
}

static void *serve(void *arg)
{
    Engine *e = arg;
    struct epoll_event events[BATCH];
    for (;;) {
        int n = epoll_wait(e->ep, events, BATCH, e->nagain ? 0 : -1);
        if (n < 0 && errno != EINTR)
            break;
        lock(e);
        if (e->stopping) {
            unlock(e);
            break;
        }
        handle(e, events, n < 0 ? 0 : n);
        unlock(e);
    }
    return NULL;
}

/* ---- the Python type ------------------------------------------------------------ */

static PyObject *Engine_start(Engine *e, PyObject *unused)
{
    if (e->running || e->ep < 0) {
        PyErr_SetString(PyExc_RuntimeError, "the engine is running or closed");
        return NULL;
    }
    int err = pthread_create(&e->thread, NULL, serve, e);
    if (err) {
        errno = err;
        return PyErr_SetFromErrno(PyExc_OSError);
    }
    e->running = 1;
    Py_RETURN_NONE;
}

static PyObject *Engine_listen(Engine *e, PyObject *args)
{
    int fd;
    const char *addr;
    Py_ssize_t alen;
    if (!PyArg_ParseTuple(args, "iy#", &fd, &addr, &alen))
        return NULL;
    if (alen <= 0 || (size_t)alen > sizeof(struct sockaddr_storage)) {
        PyErr_SetString(PyExc_ValueError, "not a socket address");
        return NULL;
    }
    lock(e);
    listener *l = calloc(1, sizeof *l);
    listener **ls = realloc(e->listeners, (size_t)(e->nlisteners + 1) * sizeof *ls);
    if (ls)
        e->listeners = ls;
    if (!l || !ls) {
        free(l);
        unlock(e);
        return PyErr_NoMemory();
    }
    l->kind = LISTENER;
    l->fd = fd;
    l->id = (int)e->nlisteners;
    l->active = 1;
    memcpy(&l->addr, addr, (size_t)alen);
    l->alen = (socklen_t)alen;
    struct epoll_event ev = {.events = EPOLLIN | EPOLLET, .data.ptr = l};
    if (epoll_ctl(e->ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
        free(l);
        unlock(e);
        return PyErr_SetFromErrno(PyExc_OSError);
    }
    e->listeners[e->nlisteners++] = l;
    accept_all(e, l); /* edge-triggered: take what queued before we watched */
    unlock(e);
    return PyLong_FromLong(l->id);
}

static listener *lookup(Engine *e, PyObject *arg)
{
    long id = PyLong_AsLong(arg);
    if (id == -1 && PyErr_Occurred())
        return NULL;
    if (id < 0 || id >= e->nlisteners || !e->listeners[id]) {
        PyErr_SetString(PyExc_KeyError, "no such listener");
        return NULL;
    }
    return e->listeners[id];
}

/* Stop accepting on listener id (its socket stays the caller's to close) and reset its
   connections. */
static PyObject *Engine_unlisten(Engine *e, PyObject *arg)
{
    lock(e);
    listener *l = lookup(e, arg);
    if (!l) {
        unlock(e);
        return NULL;
    }
    epoll_ctl(e->ep, EPOLL_CTL_DEL, l->fd, NULL);
    l->active = 0;
    for (conn *c = e->conns, *next; c; c = next) {
        next = c->next;
        if (c->owner == l)
            conn_abort(e, c);
    }
    e->listeners[l->id] = NULL;
    l->next_dead = e->dead_listeners;
    e->dead_listeners = l;
    if (!e->running)
        free_dead(e);
    unlock(e);
    Py_RETURN_NONE;
}

static PyObject *Engine_connections(Engine *e, PyObject *arg)
{
    lock(e);
    listener *l = lookup(e, arg);
    Py_ssize_t open = l ? l->open : 0;
    unlock(e);
    return l ? PyLong_FromSsize_t(open) : NULL;
}

static int low(Engine *e)
{
    return e->npool <= e->poolsize / 2 ? F_LOW : 0;
}

static PyObject *Engine_supply(Engine *e, PyObject *arg)
{
    PyObject *seq = PySequence_Fast(arg, "supply() takes a sequence of descriptors");
    if (!seq)
        return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    int *fds = PyMem_Malloc((size_t)(n ? n : 1) * sizeof *fds);
    if (!fds) {
        Py_DECREF(seq);
        return PyErr_NoMemory();
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        long fd = PyLong_AsLong(PySequence_Fast_GET_ITEM(seq, i));
        if (fd == -1 && PyErr_Occurred()) {
            PyMem_Free(fds);
            Py_DECREF(seq);
            return NULL;
        }
        fds[i] = (int)fd;
    }
    Py_DECREF(seq);
    lock(e);
    if (e->npool + n > e->cappool) {
        int *p = realloc(e->pool, (size_t)(e->npool + n) * sizeof *p);
        if (!p) {
            unlock(e);
            PyMem_Free(fds);
            return PyErr_NoMemory();
        }
        e->pool = p;
        e->cappool = e->npool + n;
    }
    memcpy(e->pool + e->npool, fds, (size_t)n * sizeof *fds);
    e->npool += n;
    PyMem_Free(fds);
    accept_every(e);
    int flags = low(e);
    unlock(e);
    return PyLong_FromLong(flags);
}

static PyObject *Engine_pooled(Engine *e, PyObject *unused)
{
    lock(e);
    Py_ssize_t n = e->npool;
    unlock(e);
    return PyLong_FromSsize_t(n);
}

static PyObject *Engine_resume(Engine *e, PyObject *unused)
{
    lock(e);
    accept_every(e);
    int flags = low(e);
    unlock(e);
    return PyLong_FromLong(flags);
}

/* What the engine told (and clears it): LOW, ACCEPT_FAILED | errno << 8. */
static PyObject *Engine_take(Engine *e, PyObject *unused)
{
    uint64_t count;
    lock(e);
    if (read(e->notify_fd, &count, sizeof count) < 0) {
        /* EAGAIN: nothing was told */
    }
    int flags = e->flags;
    e->flags = 0;
    e->told = 0;
    pthread_mutex_unlock(&e->mu);
    return PyLong_FromLong(flags);
}

static PyObject *Engine_notifier(Engine *e, PyObject *unused)
{
    return PyLong_FromLong(e->notify_fd);
}

static void close_fd(int *fd)
{
    if (*fd >= 0) {
        close(*fd);
        *fd = -1;
    }
}

static void engine_close(Engine *e)
{
    if (e->running) {
        lock(e);
        e->stopping = 1;
        uint64_t one = 1;
        if (write(e->wake_fd, &one, sizeof one) < 0) {
            /* an eventfd takes a write unless its counter is full: never here */
        }
        pthread_mutex_unlock(&e->mu);
        Py_BEGIN_ALLOW_THREADS
        pthread_join(e->thread, NULL);
        Py_END_ALLOW_THREADS
        e->running = 0;
    }
    while (e->conns)
        conn_abort(e, e->conns);
    free_dead(e);
    for (Py_ssize_t i = 0; i < e->nlisteners; i++) {
        free(e->listeners[i]);
        e->listeners[i] = NULL;
    }
    for (Py_ssize_t i = 0; i < e->npool; i++)
        close(e->pool[i]);
    e->npool = 0;
    close_fd(&e->ep);
    close_fd(&e->notify_fd);
    close_fd(&e->wake_fd);
    close_fd(&e->timer_fd);
}

static PyObject *Engine_close(Engine *e, PyObject *unused)
{
    engine_close(e);
    Py_RETURN_NONE;
}

static int add_tag(Engine *e, int fd, enum kind *tag)
{
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = tag};
    return epoll_ctl(e->ep, EPOLL_CTL_ADD, fd, &ev);
}

static int Engine_init(Engine *e, PyObject *args, PyObject *kwds)
{
    static char *names[] = {"pool_size", "connect_timeout", NULL};
    Py_ssize_t poolsize = 64;
    double timeout = 5.0;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|nd", names, &poolsize, &timeout))
        return -1;
    if (e->ep >= 0 || e->running) {
        PyErr_SetString(PyExc_RuntimeError, "an engine is initialized once");
        return -1;
    }
    if (timeout <= 0) {
        PyErr_SetString(PyExc_ValueError, "connect_timeout must be positive");
        return -1;
    }
    e->poolsize = poolsize;
    e->connect_timeout = timeout;
    e->wake_tag = WAKE;
    e->timer_tag = TIMER;
    e->ep = epoll_create1(EPOLL_CLOEXEC);
    e->notify_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    e->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    e->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (e->ep < 0 || e->notify_fd < 0 || e->wake_fd < 0 || e->timer_fd < 0 ||
        add_tag(e, e->wake_fd, &e->wake_tag) != 0 ||
        add_tag(e, e->timer_fd, &e->timer_tag) != 0) {
        PyErr_SetFromErrno(PyExc_OSError);
        engine_close(e);
        return -1;
    }
    if (!e->scratch && !(e->scratch = malloc(SCRATCH))) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

static PyObject *Engine_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    Engine *e = (Engine *)type->tp_alloc(type, 0);
    if (e) {
        e->ep = e->notify_fd = e->wake_fd = e->timer_fd = -1;
        pthread_mutex_init(&e->mu, NULL);
    }
    return (PyObject *)e;
}

static void Engine_dealloc(Engine *e)
{
    engine_close(e);
    pthread_mutex_destroy(&e->mu);
    free(e->scratch);
    free(e->again);
    free(e->listeners);
    free(e->pool);
    Py_TYPE(e)->tp_free((PyObject *)e);
}

static PyMethodDef Engine_methods[] = {
    {"start", (PyCFunction)Engine_start, METH_NOARGS, "Start the engine's thread."},
    {"notifier", (PyCFunction)Engine_notifier, METH_NOARGS,
     "The eventfd that is readable when take() has something."},
    {"take", (PyCFunction)Engine_take, METH_NOARGS, "What the engine told: flags."},
    {"listen", (PyCFunction)Engine_listen, METH_VARARGS,
     "listen(fd, sockaddr) -> id: forward every connection accepted on fd."},
    {"unlisten", (PyCFunction)Engine_unlisten, METH_O,
     "unlisten(id): stop accepting, reset that listener's connections."},
    {"connections", (PyCFunction)Engine_connections, METH_O,
     "connections(id) -> open connections of that listener."},
    {"supply", (PyCFunction)Engine_supply, METH_O,
     "supply(fds): upstream sockets for the pool (the engine owns them now); LOW or 0."},
    {"pooled", (PyCFunction)Engine_pooled, METH_NOARGS, "Upstream sockets ready."},
    {"resume", (PyCFunction)Engine_resume, METH_NOARGS,
     "Accept again on every listener; LOW or 0."},
    {"close", (PyCFunction)Engine_close, METH_NOARGS,
     "Stop the thread, reset every connection, close everything."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject EngineType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "tinykube.proxy._forwarding.Engine",
    .tp_basicsize = sizeof(Engine),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Forwards accepted TCP connections to fixed upstream addresses.",
    .tp_new = Engine_new,
    .tp_init = (initproc)Engine_init,
    .tp_dealloc = (destructor)Engine_dealloc,
    .tp_methods = Engine_methods,
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_forwarding", "The host publisher's forwarding loop in C.", -1,
};

PyMODINIT_FUNC PyInit__forwarding(void)
{
    if (PyType_Ready(&EngineType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (!m)
        return NULL;
    Py_INCREF(&EngineType);
    if (PyModule_AddObject(m, "Engine", (PyObject *)&EngineType) < 0 ||
        PyModule_AddIntConstant(m, "LOW", F_LOW) < 0 ||
        PyModule_AddIntConstant(m, "ACCEPT_FAILED", F_ACCEPT_FAILED) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
