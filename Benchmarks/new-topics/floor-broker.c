// floor-broker: the least work a Tern broker can do for topic-scale's new-topics case, to measure
// what the anchor's own client costs. It keeps no topics, no mailboxes and no statistics: a
// thread per connection reads frames, answers HELLO with WELCOME and PING with PONG, records
// SUBSCRIBE patterns of the form `dev.<i>.*`, and turns each PUBLISH to `dev.<i>.<anything>` into
// a MESSAGE for that subscription, written to the subscriber's socket once per read. Nothing else
// of the protocol is implemented; it is a measuring instrument, not a broker.
//
//   cc -O2 -pthread -o floor-broker floor-broker.c && ./floor-broker PORT
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum { maxPatterns = 1 << 20, readSize = 1 << 16 };

// The subscriber of `dev.<i>.*`, by i: its socket and subscription id (0: none).
static struct { int socket; uint32_t id; } patterns[maxPatterns];
static pthread_mutex_t writeLock = PTHREAD_MUTEX_INITIALIZER;

static uint32_t readU32(const uint8_t *p) { return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3]; }
static void putU32(uint8_t *p, uint32_t v) { p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v; }

static void writeAll(int socket, const uint8_t *bytes, size_t count) {
    while (count > 0) {
        ssize_t written = write(socket, bytes, count);
        if (written <= 0) return;
        bytes += written;
        count -= (size_t)written;
    }
}

// The i of a name `dev.<i>.<rest>` (or `dev.<i>.*`), or -1.
static long deviceNumber(const uint8_t *name, size_t length) {
    if (length < 6 || memcmp(name, "dev.", 4) != 0) return -1;
    long number = 0;
    size_t at = 4;
    for (; at < length && name[at] >= '0' && name[at] <= '9'; at++) number = number * 10 + (name[at] - '0');
    return at > 4 && at < length && name[at] == '.' && number < maxPatterns ? number : -1;
}

// Output for one subscriber socket, gathered over one read and written at its end.
typedef struct { int socket; uint8_t *bytes; size_t count, capacity; } Output;

static void append(Output *out, const uint8_t *bytes, size_t count) {
    if (out->count + count > out->capacity) {
        out->capacity = (out->count + count) * 2;
        out->bytes = realloc(out->bytes, out->capacity);
    }
    memcpy(out->bytes + out->count, bytes, count);
    out->count += count;
}

static void *serve(void *argument) {
    int socket = (int)(intptr_t)argument;
    uint8_t *input = malloc(readSize * 2);
    size_t held = 0;
    Output own = {socket, NULL, 0, 0}, delivery = {-1, NULL, 0, 0};
    for (;;) {
        ssize_t got = read(socket, input + held, readSize);
        if (got <= 0) break;
        held += (size_t)got;
        size_t at = 0;
        while (held - at >= 4) {
            uint32_t length = readU32(input + at);
            if (length < 2 || length > readSize) goto done;
            if (held - at < 4 + length) break;
            uint8_t type = input[at + 4], *body = input + at + 6;
            size_t bodyLength = length - 2;
            if (type == 0x01) {  // HELLO: WELCOME with version 1 and nothing else
                uint8_t welcome[8] = {0, 0, 0, 4, 0x02, 0, 0, 1};
                append(&own, welcome, sizeof welcome);
            } else if (type == 0x0B && bodyLength == 8) {  // PING: PONG with its token
                uint8_t pong[14] = {0, 0, 0, 10, 0x0C, 0};
                memcpy(pong + 6, body, 8);
                append(&own, pong, sizeof pong);
            } else if (type == 0x04 && bodyLength >= 6) {  // SUBSCRIBE id, pattern
                long number = deviceNumber(body + 6, body[4] << 8 | body[5]);
                if (number >= 0) {
                    patterns[number].socket = socket;
                    patterns[number].id = readU32(body);
                }
            } else if (type == 0x03 && bodyLength >= 2) {  // PUBLISH topic, payload: MESSAGE
                long number = deviceNumber(body + 2, body[0] << 8 | body[1]);
                if (number >= 0 && patterns[number].id != 0) {
                    if (delivery.socket != patterns[number].socket && delivery.count > 0) {
                        pthread_mutex_lock(&writeLock);
                        writeAll(delivery.socket, delivery.bytes, delivery.count);
                        pthread_mutex_unlock(&writeLock);
                        delivery.count = 0;
                    }
                    delivery.socket = patterns[number].socket;
                    uint8_t head[10] = {0, 0, 0, 0, 0x06, 0};
                    putU32(head, length + 4);
                    putU32(head + 6, patterns[number].id);
                    append(&delivery, head, sizeof head);
                    append(&delivery, body, bodyLength);
                }
            }
            at += 4 + length;
        }
        memmove(input, input + at, held - at);
        held -= at;
        if (delivery.count > 0) {
            pthread_mutex_lock(&writeLock);
            writeAll(delivery.socket, delivery.bytes, delivery.count);
            pthread_mutex_unlock(&writeLock);
            delivery.count = 0;
        }
        if (own.count > 0) {
            pthread_mutex_lock(&writeLock);
            writeAll(socket, own.bytes, own.count);
            pthread_mutex_unlock(&writeLock);
            own.count = 0;
        }
    }
done:
    close(socket);
    free(input);
    free(own.bytes);
    free(delivery.bytes);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: floor-broker PORT\n");
        return 2;
    }
    int listener = socket(AF_INET, SOCK_STREAM, 0), on = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[1]))};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(listener, (struct sockaddr *)&address, sizeof address) != 0 || listen(listener, 128) != 0) {
        perror("floor-broker");
        return 1;
    }
    for (;;) {
        int connection = accept(listener, NULL, NULL);
        if (connection < 0) continue;
        setsockopt(connection, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
        pthread_t thread;
        pthread_create(&thread, NULL, serve, (void *)(intptr_t)connection);
        pthread_detach(thread);
    }
}
